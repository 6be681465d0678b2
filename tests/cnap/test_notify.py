"""Telling a ticket's owner that the turn is near and that it is called; booking reminders."""

import re
from datetime import timedelta

import pytest

from hromada.cnap import services
from hromada.cnap.models import Booking, Ticket
from hromada.cnap.module import MODULE
from hromada.core import sms
from hromada.core.models import Notification
from tests.cnap.conftest import at

pytestmark = pytest.mark.django_db

NOW = at(0, 10)


@pytest.fixture(autouse=True)
def _empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def walk_ins(office, service, count):
    return [
        services.issue_ticket(office=office, service=service, now=NOW + timedelta(seconds=n))
        for n in range(count)
    ]


def serve_next(desk, minutes):
    moment = NOW + timedelta(minutes=minutes)
    ticket = services.call_next(desk=desk, actor=desk.operator, now=moment)
    if ticket is not None:
        services.finish(desk=desk, actor=desk.operator, outcome="served", now=moment)
    return ticket


def joined_by_resident(office, service, resident):
    ticket = services.join_remotely(
        resident=resident, office=office, service=service, now=NOW + timedelta(minutes=1)
    )
    services.check_in(office=office, code=ticket.code, now=NOW + timedelta(minutes=1))
    return ticket


def joined_by_phone(office, service, phone="050 123 45 67"):
    challenge = services.request_phone_code(
        office=office, service=service, phone=phone, now=NOW + timedelta(minutes=1)
    )
    code = re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)
    sms.outbox.clear()
    return services.confirm_phone_code(
        community=office.community,
        token=challenge.token,
        code=code,
        now=NOW + timedelta(minutes=1),
    )


def sent(resident, event):
    return Notification.objects.filter(resident=resident, event=event).count()


def test_the_owner_hears_three_ahead_once_and_the_call_once(
    office, desks, passport, resident, django_capture_on_commit_callbacks
):
    """Desk 2 handles passports only: five walk-ins ahead, then the resident's ticket."""
    walk_ins(office, passport, 5)
    ticket = joined_by_resident(office, passport, resident)
    desk = desks[1]
    serve_next(desk, 2)  # 4 ahead
    assert sent(resident, "cnap/near") == 0
    serve_next(desk, 3)  # 3 ahead: told
    assert sent(resident, "cnap/near") == 1
    assert "3" in Notification.objects.get(resident=resident, event="cnap/near").body
    serve_next(desk, 4)
    assert services.tell_near(office=office, now=NOW + timedelta(minutes=4)) == 0
    assert sent(resident, "cnap/near") == 1
    serve_next(desk, 5)
    serve_next(desk, 6)
    called = services.call_next(desk=desk, actor=desk.operator, now=NOW + timedelta(minutes=7))
    assert called.pk == ticket.pk
    services.recall(desk=desk, actor=desk.operator, now=NOW + timedelta(minutes=8))
    assert not services.tell_called(ticket=called, desk=desk, now=NOW + timedelta(minutes=8))
    assert sent(resident, "cnap/called") == 1
    assert sent(resident, "cnap/near") == 1
    ticket.refresh_from_db()
    assert ticket.near_notified_at and ticket.called_notified_at


def test_a_confirmed_phone_gets_the_texts_once_each(
    office, desks, passport, django_capture_on_commit_callbacks
):
    walk_ins(office, passport, 4)
    ticket = joined_by_phone(office, passport)
    services.check_in(office=office, code=ticket.code, now=NOW + timedelta(minutes=1))
    desk = desks[1]
    with django_capture_on_commit_callbacks(execute=True):
        serve_next(desk, 2)  # 3 ahead
        serve_next(desk, 3)
    assert [message.phone for message in sms.outbox] == ["+380501234567"]
    assert ticket.label in sms.outbox[0].text
    with django_capture_on_commit_callbacks(execute=True):
        for minute in (4, 5):
            serve_next(desk, minute)
        called = services.call_next(desk=desk, actor=desk.operator, now=NOW + timedelta(minutes=7))
        services.recall(desk=desk, actor=desk.operator, now=NOW + timedelta(minutes=8))
    assert called.pk == ticket.pk
    assert len(sms.outbox) == 2 and "2" in sms.outbox[1].text  # desk 2


def test_a_cancelled_or_lapsed_ticket_is_never_told(
    office, desks, passport, resident, django_capture_on_commit_callbacks
):
    walk_ins(office, passport, 5)
    cancelled = joined_by_resident(office, passport, resident)
    services.cancel_ticket(ticket=cancelled, resident=resident, now=NOW + timedelta(minutes=1))
    lapsing = joined_by_phone(office, passport)  # never checks in
    services.expire_overdue(now=NOW + timedelta(hours=2))
    assert Ticket.objects.get(pk=lapsing.pk).status == Ticket.Status.LAPSED
    with django_capture_on_commit_callbacks(execute=True):
        for minute in range(2, 8):
            serve_next(desks[1], minute)
    assert sent(resident, "cnap/near") == 0 and sent(resident, "cnap/called") == 0
    assert not sms.outbox


def test_a_text_queued_for_a_ticket_cancelled_meanwhile_is_not_sent(office, desks, passport):
    ticket = joined_by_phone(office, passport)
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.CANCELLED)
    assert services.send_ticket_sms(ticket_id=ticket.pk, event="near") is False
    assert not sms.outbox


# Booking reminders -------------------------------------------------------------------


BOOKED_AT = at(0, 7)


def booked(resident, office, service, starts_at=None, now=BOOKED_AT):
    return services.book_slot(
        resident=resident,
        office=office,
        service=service,
        starts_at=starts_at or at(2, 10),
        now=now,
    )


def test_reminders_a_day_and_an_hour_before_each_once(
    office, desks, residence, resident, django_capture_on_commit_callbacks
):
    booking = booked(resident, office, residence)
    slot = booking.starts_at
    assert services.remind_bookings(now=slot - timedelta(hours=30)) == {"day": 0, "hour": 0}
    assert services.remind_bookings(now=slot - timedelta(hours=23)) == {"day": 1, "hour": 0}
    assert services.remind_bookings(now=slot - timedelta(hours=22)) == {"day": 0, "hour": 0}
    assert services.remind_bookings(now=slot - timedelta(minutes=50)) == {"day": 0, "hour": 1}
    assert services.remind_bookings(now=slot - timedelta(minutes=10)) == {"day": 0, "hour": 0}
    reminders = Notification.objects.filter(resident=resident, event="cnap/reminder")
    assert reminders.count() == 2
    assert booking.code in reminders.first().body
    assert "hromada.cnap.tasks.remind_bookings" in [job.task for job in MODULE.schedules]


def test_no_reminder_for_a_cancelled_booking_or_a_day_ahead_for_a_late_one(
    office, desks, residence, resident, community
):
    from tests.factories import make_resident

    booking = booked(resident, office, residence)
    services.cancel_booking(booking=booking, actor=resident, now=at(0, 8))
    late = booked(
        make_resident(community, level=1),
        office,
        residence,
        starts_at=at(1, 10),
        now=at(0, 20),  # 14 hours ahead: no "tomorrow" reminder
    )
    assert services.remind_bookings(now=late.starts_at - timedelta(hours=12)) == {
        "day": 0,
        "hour": 0,
    }
    assert services.remind_bookings(now=late.starts_at - timedelta(minutes=30))["hour"] == 1
    assert not Notification.objects.filter(resident=resident, event="cnap/reminder").exists()
    assert Booking.objects.get(pk=booking.pk).reminded_day_at is None


def test_a_reminder_goes_by_sms_to_who_chose_it(
    office, desks, residence, resident, monkeypatch, django_capture_on_commit_callbacks
):
    resident.phone = "067 765 43 21"
    resident.save(update_fields=["phone"])
    monkeypatch.setattr(sms, "wants_sms", lambda who: bool(who.phone))
    booking = booked(resident, office, residence)
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.remind_bookings(now=booking.starts_at - timedelta(minutes=30))
    assert [message.phone for message in sms.outbox] == ["+380677654321"]
    assert Notification.objects.filter(event="cnap/reminder", channel="sms").count() == 1


def test_a_reminder_goes_by_sms_to_a_confirmed_phone_until_opted_out(
    office, desks, residence, resident, django_capture_on_commit_callbacks
):
    from hromada.core import phone

    phone.request_code(resident=resident, phone="067 765 43 21")
    code = re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)
    resident = phone.confirm_code(resident=resident, code=code)
    phone.set_sms_notifications(resident=resident, enabled=True)
    booking = booked(resident, office, residence)
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.remind_bookings(now=booking.starts_at - timedelta(hours=23))
    assert [message.phone for message in sms.outbox] == ["+380677654321"]
    assert Notification.objects.filter(event="cnap/reminder", channel="sms").count() == 1
    # Opted out: the hour-before reminder comes by e-mail only.
    phone.set_sms_notifications(resident=resident, enabled=False)
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.remind_bookings(now=booking.starts_at - timedelta(minutes=30))
    assert sms.outbox == []
    assert Notification.objects.filter(event="cnap/reminder", channel="sms").count() == 1
    assert Notification.objects.filter(event="cnap/reminder", channel="email").count() == 2
