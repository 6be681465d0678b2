"""
A signed-in resident's report without photos: the report, its number, its
audit entry and the author's notification are one statement (PostgreSQL),
and the notification reads as notify() writes it.
"""

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from hromada.appeals import services
from hromada.appeals.models import Appeal, AppealCounter
from hromada.core import notifications
from hromada.core.models import AuditEntry, Notification
from tests.appeals.conftest import LAT, LON
from tests.factories import client_for, make_resident

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def submit(client, **fields):
    return client.post(
        reverse("appeals:report_details", args=["light-out"]),
        {
            "lat": LAT,
            "lon": LON,
            "description": "Не світить ліхтар.",
            "attr_lamps": "2",
            **fields,
        },
    )


def as_notify_renders(notice: Notification, appeal: Appeal) -> tuple[str, str]:
    """Return the subject and body notify() gives the registered appeal now."""
    (expected, *_) = notifications.prepare(
        notice.resident, "appeals/registered", community=appeal.community, appeal=appeal
    )
    return expected.subject[:200], expected.body


def test_the_web_form_stores_the_notification_with_the_report(community, categories):
    author = make_resident(community, level=1)
    response = submit(client_for(author))
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response["Location"] == appeal.get_absolute_url()
    assert not connection.in_atomic_block
    (notice,) = Notification.objects.filter(resident=author)
    assert notice.event == "appeals/registered" and notice.channel == "email"
    assert notice.community_id == community.pk and notice.status == Notification.Status.SENT
    assert (notice.subject, notice.body) == as_notify_renders(notice, appeal)
    assert appeal.number in notice.subject and appeal.number in notice.body
    assert f"/appeals/{appeal.pk}/" in notice.body
    assert "\ue000" not in notice.subject + notice.body
    # Queued as it was stored: the in-line task backend sent it already.
    assert [m.to for m in mail.outbox] == [[author.email]]
    assert mail.outbox[0].subject == notice.subject
    entry = AuditEntry.objects.get(action="appeal.registered")
    assert entry.target_id == str(appeal.pk) and entry.after["number"] == appeal.number
    assert entry.actor_id == author.pk


def test_each_channel_gets_its_row_and_the_numbers_stay_consecutive(community, categories):
    texting = make_resident(community, level=1)
    texting.phone, texting.notify_by_sms = "+380501234567", True
    texting.phone_confirmed_at = timezone.now()
    texting.save()
    quiet = make_resident(community, level=1)
    quiet.notify_by_email = False
    quiet.save()
    # A name may hold a character of the private use area: it stays as typed.
    odd = make_resident(community, level=1, full_name="Шевченко Олена\ue000 Петрівна")
    for author in (texting, quiet, odd):
        assert submit(client_for(author)).status_code == 302
    year = timezone.localdate().year
    appeals = list(Appeal.objects.order_by("pk"))
    assert [a.number for a in appeals] == [f"{year}/{n:06d}" for n in (1, 2, 3)]
    assert AppealCounter.objects.get(community=community, year=year).last == 3
    assert AuditEntry.objects.filter(action="appeal.registered").count() == 3
    sent = Notification.objects.filter(resident=texting).order_by("channel")
    assert [n.channel for n in sent] == ["email", "sms"]
    for notice in sent:
        assert (notice.subject, notice.body) == as_notify_renders(notice, appeals[0])
    assert not Notification.objects.filter(resident=quiet).exists()
    (notice,) = Notification.objects.filter(resident=odd)
    assert (notice.subject, notice.body) == as_notify_renders(notice, appeals[2])
    assert "Олена\ue000 Петрівно" in notice.body


def test_the_returned_rows_match_the_stored_ones(community, categories):
    """The service's instances carry the stored key, number and text."""
    author = make_resident(community, level=1)
    appeal = services.submit_report(
        community=community,
        category=categories["light-out"],
        description="Темно.",
        lat=LAT,
        lon=LON,
        author=author,
    )
    stored = Appeal.objects.get()
    assert (appeal.pk, appeal.number) == (stored.pk, stored.number)
    (notice,) = Notification.objects.filter(resident=author)
    assert (notice.subject, notice.body) == as_notify_renders(notice, stored)
