"""Strategy indicators of the schools module: aggregates over the community, no pupil named."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hromada.core.models import Community
from hromada.core.registry import module, resolve
from hromada.schools import services
from hromada.schools.models import Entry, Guardianship, Lesson
from tests.schools.conftest import working_days_ago

pytestmark = pytest.mark.django_db


def compute(key: str, community, start, end, settlement=None):
    found = {item.key: item for item in module("schools").indicators}[key]
    return resolve(found.compute)(community, start, end, settlement=settlement)


def test_the_module_declares_its_indicators():
    declared = module("schools").indicators
    assert [item.key for item in declared] == [
        "schools.journal_on_time",
        "schools.parents_connected",
        "schools.unexplained_absences",
    ]
    assert {item.direction for item in declared} <= {"up", "down"}
    for item in declared:
        assert callable(resolve(item.compute))


def test_lessons_recorded_by_the_next_day_count_as_on_time(world):
    """Of a lesson written the day after, one written a week late and one without a topic, 1/3."""
    start, end = working_days_ago(15), timezone.localdate()
    on_time = world.lesson(day=working_days_ago(1))
    late = world.lesson(day=working_days_ago(1), period=2)
    Lesson.objects.filter(pk=late.pk).update(created_at=timezone.now() + timedelta(days=7))
    world.lesson(day=working_days_ago(1), period=3, topic="")
    assert on_time.topic
    assert compute("schools.journal_on_time", world.community, start, end) == 33.3
    # Outside the period: no data, not zero.
    before = start - timedelta(days=60)
    assert compute("schools.journal_on_time", world.community, before, before) is None


def test_parents_connected_counts_pupils_with_a_signed_in_unblocked_parent(world):
    """Two of eight pupils have a parent who signed in; a blocked link stops counting."""
    today = timezone.localdate()
    assert compute("schools.parents_connected", world.community, today, today) == 0.0
    world.parent.last_login = timezone.now()
    world.parent.save(update_fields=["last_login"])
    assert compute("schools.parents_connected", world.community, today, today) == 25.0
    link = Guardianship.objects.get(pupil=world.little[0], guardian=world.parent)
    services.block_guardian(actor=world.director, link=link, reason="Рішення суду")
    assert compute("schools.parents_connected", world.community, today, today) == 12.5


def test_unexplained_absences_are_a_share_of_all_absences(world):
    lesson = world.lesson(day=working_days_ago(1))
    services.save_cells(
        actor=world.teacher,
        lesson=lesson,
        values={world.pupils[0].pk: "н", world.pupils[1].pk: "н", world.pupils[2].pk: "10"},
    )
    Entry.objects.filter(lesson=lesson, pupil=world.pupils[0]).update(reason="illness")
    start, end = working_days_ago(5), timezone.localdate()
    assert compute("schools.unexplained_absences", world.community, start, end) == 50.0


def test_indicators_keep_to_the_community_and_have_no_settlement_figures(world):
    lesson = world.lesson(day=working_days_ago(1))
    services.save_cells(actor=world.teacher, lesson=lesson, values={world.pupils[0].pk: "н"})
    other = Community.objects.create(slug="other", name="Інша громада")
    start, end = working_days_ago(5), timezone.localdate()
    for item in module("schools").indicators:
        assert resolve(item.compute)(other, start, end) is None
        assert resolve(item.compute)(world.community, start, end, settlement=object()) is None
    assert compute("schools.unexplained_absences", world.community, start, end) == 100.0
