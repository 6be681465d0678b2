"""Notifications go out once however often delivery runs; schedulers queue a period once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hromada.core import notifications
from hromada.core.management.commands.scheduler import all_schedules, due_jobs
from hromada.core.models import Notification
from hromada.core.registry import Schedule
from tests.factories import make_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(community, django_capture_on_commit_callbacks):
    """A notification whose queued job never ran (as when its worker died)."""
    resident = make_resident(community)
    with django_capture_on_commit_callbacks(execute=False):
        (notification,) = notifications.notify(
            resident, "core/confirm_email", community=community, link="x"
        )
    return notification


def test_a_resident_who_takes_no_notifications_gets_none_and_costs_no_rendering(
    community, mailoutbox, monkeypatch
):
    resident = make_resident(community)
    resident.notify_by_email = False
    resident.save(update_fields=["notify_by_email"])
    rendered = []
    monkeypatch.setattr(notifications, "render_text", lambda *args: rendered.append(args) or "x")

    assert notifications.notify(resident, "core/confirm_email", community=community) == []
    assert rendered == []
    assert not Notification.objects.filter(resident=resident).exists()

    resident.notify_by_email = True
    (notification,) = notifications.notify(resident, "core/confirm_email", community=community)
    assert notification.channel == "email"
    assert len(rendered) == 2  # subject and body


def test_delivery_twice_sends_one_message(queued, mailoutbox):
    notifications.deliver(queued.pk)
    notifications.deliver(queued.pk)

    queued.refresh_from_db()
    assert queued.status == Notification.Status.SENT
    assert len(mailoutbox) == 1
    assert mailoutbox[0].extra_headers["Message-ID"] == notifications.message_id(queued)


def test_a_send_under_way_is_left_to_its_worker(queued, mailoutbox, settings):
    """Another worker's fresh claim stops a second send; a stale one is taken over."""
    claimed = timezone.now() - timedelta(seconds=settings.HROMADA_NOTIFICATION_CLAIM_SECONDS - 5)
    Notification.objects.filter(pk=queued.pk).update(sent_at=claimed)

    notifications.deliver(queued.pk)
    assert mailoutbox == []

    stale = claimed - timedelta(seconds=10)
    Notification.objects.filter(pk=queued.pk).update(sent_at=stale)
    notifications.deliver(queued.pk)
    queued.refresh_from_db()
    assert queued.status == Notification.Status.SENT
    assert queued.sent_at > stale
    assert len(mailoutbox) == 1


def test_retry_sends_only_what_waited_too_long(queued, mailoutbox, settings):
    assert notifications.retry_stalled() == 0
    assert mailoutbox == []

    waited = timedelta(seconds=settings.HROMADA_NOTIFICATION_RETRY_SECONDS + 1)
    Notification.objects.filter(pk=queued.pk).update(created_at=timezone.now() - waited)
    assert notifications.retry_stalled() == 1
    assert notifications.retry_stalled() == 0
    assert len(mailoutbox) == 1


def test_the_message_id_stays_the_same_for_a_notification(queued, settings):
    settings.DEFAULT_FROM_EMAIL = "Громада <noreply@rada.example.org>"
    assert notifications.message_id(queued) == f"<notification.{queued.pk}@rada.example.org>"


def test_two_schedulers_queue_each_period_once():
    schedules = [Schedule("a.task", every_seconds=60), Schedule("b.task", every_seconds=300)]
    first, second = {}, {}
    now = 1_800_000_000.0  # a multiple of both periods

    assert due_jobs(schedules, first, now) == ["a.task", "b.task"]
    assert due_jobs(schedules, second, now + 1) == []
    assert due_jobs(schedules, first, now + 30) == []

    assert due_jobs(schedules, second, now + 61) == ["a.task"]
    assert due_jobs(schedules, first, now + 62) == []


def test_every_job_is_scheduled_with_the_core_retry():
    tasks = [schedule.task for schedule in all_schedules(every=7)]
    assert "hromada.core.tasks.retry_notifications" in tasks
    assert "hromada.petitions.tasks.close_due_collections" in tasks
    assert {schedule.every_seconds for schedule in all_schedules(every=7)} == {7}
