"""Year-end archives are removed once kept past the school's retention, with an audit entry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hromada.core.models import AuditEntry
from hromada.core.registry import module
from hromada.schools import archive, services, tasks
from hromada.schools.models import ClassArchive

pytestmark = pytest.mark.django_db


def test_an_archive_past_its_retention_goes_and_the_audit_says_so(
    world, django_capture_on_commit_callbacks
):
    """The daily job removes the expired archive and its files, keeps the fresh one, once."""
    lesson = world.lesson()
    services.save_cells(actor=world.teacher, lesson=lesson, values={world.pupils[0].pk: "10"})
    old = archive.make_archive(actor=world.director, school_class=world.seventh)
    fresh = archive.make_archive(actor=world.director, school_class=world.second)
    today = timezone.localdate()
    assert old.keep_until == today + timedelta(days=365 * world.school.archive_retention_years)
    ClassArchive.objects.filter(pk=old.pk).update(keep_until=today - timedelta(days=1))
    storage, names = old.pdf.storage, [old.pdf.name, old.csv.name]
    assert all(storage.exists(name) for name in names)

    # The files go when the removal commits.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.purge_expired_archives.call() == 1

    assert list(ClassArchive.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not any(storage.exists(name) for name in names)
    assert storage.exists(fresh.pdf.name)
    entry = AuditEntry.objects.get(action="schools_archive.expired")
    assert entry.target_id == str(old.pk)
    assert entry.community_id == world.community.pk
    assert entry.actor_id is None
    assert entry.before["manifest"] == old.manifest
    assert entry.before["keep_until"] == (today - timedelta(days=1)).isoformat()
    # Idempotent: a second run of the scheduler removes nothing more.
    assert archive.purge_expired_archives() == 0
    assert AuditEntry.objects.filter(action="schools_archive.expired").count() == 1


def test_an_archive_on_its_last_day_stays(world):
    made = archive.make_archive(actor=world.director, school_class=world.seventh)
    assert archive.purge_expired_archives(today=made.keep_until) == 0
    assert archive.purge_expired_archives(today=made.keep_until + timedelta(days=1)) == 1


def test_the_purge_is_a_scheduled_job():
    declared = [schedule.task for schedule in module("schools").schedules]
    assert "hromada.schools.tasks.purge_expired_archives" in declared
