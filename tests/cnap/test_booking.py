"""Booking slots: capacity from desks and the online share, horizon, caps, check-in."""

from datetime import timedelta

import pytest

from hromada.cnap import services
from hromada.cnap.models import Booking, CnapRules, Ticket
from hromada.core.models import Notification
from tests.cnap.conftest import at
from tests.factories import make_resident

pytestmark = pytest.mark.django_db

NOW = at(0, 7)
SLOT = at(1, 10)


def book(resident, office, service, starts_at=SLOT, now=NOW):
    return services.book_slot(
        resident=resident, office=office, service=service, starts_at=starts_at, now=now
    )


def test_a_third_of_the_places_is_bookable(office, desks, passport):
    """Two desks handle passports: a third of two places a slot, spread over the day."""
    grid = services.slot_grid(office=office, service=passport, day=SLOT.date())
    places = sum(capacity for _start, capacity in grid)
    slots = (23 * 60 + 45) // 15
    assert places == slots * 2 // 3
    assert all(capacity == 1 for _start, capacity in grid)


def test_booking_takes_a_seat_and_sends_the_code(office, desks, residence, resident):
    booking = book(resident, office, residence)
    assert booking.status == Booking.Status.BOOKED and len(booking.code) == 6
    sent = Notification.objects.get(resident=resident, event="cnap/booked")
    assert booking.code in sent.body and "Реєстрація місця проживання" in sent.subject
    free = dict(services.free_slots(office=office, service=residence, day=SLOT.date(), now=NOW))
    assert SLOT not in free


def test_the_last_place_goes_once(office, desks, residence, community):
    """Residence: desks 1 and 3, two thirds of a place per slot; whoever comes second is told."""
    first, second = make_resident(community, level=1), make_resident(community, level=1)
    book(first, office, residence)
    with pytest.raises(services.SlotTaken):
        book(second, office, residence)
    assert Booking.objects.filter(starts_at=SLOT).count() == 1


def test_past_closed_and_far_slots_are_refused(office, desks, residence, resident):
    with pytest.raises(services.SlotInPast):
        book(resident, office, residence, starts_at=at(0, 6))
    with pytest.raises(services.TooFarAhead) as error:
        book(resident, office, residence, starts_at=at(30, 10))
    assert "21" in str(error.value)
    with pytest.raises(services.SlotUnavailable):
        book(resident, office, residence, starts_at=at(1, 10, 7))  # not a slot start
    office.hours.all().delete()
    with pytest.raises(services.SlotUnavailable):
        book(resident, office, residence)
    assert not Booking.objects.exists()


def test_the_last_day_opens_at_the_communitys_hour(office, desks, residence, resident):
    """At 07:00 day 21 is not open yet; at 08:00 it is."""
    day21 = at(21, 10)
    with pytest.raises(services.TooFarAhead):
        book(resident, office, residence, starts_at=day21, now=at(0, 7))
    assert book(resident, office, residence, starts_at=day21, now=at(0, 8)).pk


def test_service_without_online_booking(office, desks, residence, resident):
    residence.booking_allowed = False
    residence.save()
    with pytest.raises(services.NotBookable):
        book(resident, office, residence)


def test_one_booking_per_service_a_day(office, desks, residence, resident):
    book(resident, office, residence)
    with pytest.raises(services.AlreadyBooked):
        book(resident, office, residence, starts_at=SLOT + timedelta(hours=2, minutes=15))


def test_monthly_cap(office, desks, residence, resident, community):
    CnapRules.objects.update_or_create(community=community, defaults={"monthly_cap": 2})
    first = at(1, 10)
    day = first.date()
    # Two days of the same month as the first booking.
    same_month = [d for d in range(1, 21) if (day + timedelta(days=d)).month == day.month][:2]
    if len(same_month) < 2:
        pytest.skip("too close to the end of the month")
    book(resident, office, residence, starts_at=first)
    book(resident, office, residence, starts_at=at(same_month[0] + 1, 10))
    with pytest.raises(services.MonthlyCapReached) as error:
        book(resident, office, residence, starts_at=at(same_month[1] + 1, 10))
    assert "2" in str(error.value)


def test_repeated_no_shows_block_booking(office, desks, residence, resident, community):
    CnapRules.objects.update_or_create(community=community, defaults={"no_show_limit": 2})
    for day in (1, 2):
        book(resident, office, residence, starts_at=at(day, 10))
    services.expire_overdue(now=at(3, 12))
    assert Booking.objects.filter(status=Booking.Status.NO_SHOW).count() == 2
    with pytest.raises(services.BookingBlocked):
        book(resident, office, residence, starts_at=at(5, 10), now=at(3, 12))


def test_cancel_frees_the_seat(office, desks, residence, resident, community):
    booking = book(resident, office, residence)
    services.cancel_booking(booking=booking, actor=resident, now=NOW)
    other = make_resident(community, level=1)
    assert book(other, office, residence).seat == 0


def test_others_cannot_cancel(office, desks, residence, resident, community):
    booking = book(resident, office, residence)
    with pytest.raises(services.BookingNotFound):
        services.cancel_booking(booking=booking, actor=make_resident(community), now=NOW)


def test_reschedule_moves_the_booking(office, desks, residence, resident):
    booking = book(resident, office, residence)
    moved = services.reschedule(booking=booking, actor=resident, starts_at=at(2, 11), now=NOW)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert moved.starts_at == at(2, 11) and moved.status == Booking.Status.BOOKED


def test_failed_reschedule_keeps_the_old_booking(office, desks, residence, resident):
    booking = book(resident, office, residence)
    with pytest.raises(services.SlotInPast):
        services.reschedule(booking=booking, actor=resident, starts_at=at(0, 6), now=NOW)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


def test_check_in_on_time_is_called_at_the_slot(office, desks, residence, resident):
    booking = book(resident, office, residence)
    walk_in = services.issue_ticket(
        office=office, service=residence, now=SLOT - timedelta(minutes=30)
    )
    ticket = services.check_in(office=office, code=booking.code, now=SLOT - timedelta(minutes=10))
    assert ticket.kind == Ticket.Kind.BOOKED and ticket.slot_at == SLOT
    desk = desks[2]
    # Too early: the walk-in who came before goes first.
    first = services.call_next(desk=desk, actor=desk.operator, now=SLOT - timedelta(minutes=9))
    assert first.pk == walk_in.pk
    services.finish(desk=desk, actor=desk.operator, outcome="served", now=SLOT)
    later = services.issue_ticket(office=office, service=residence, now=SLOT)
    called = services.call_next(desk=desk, actor=desk.operator, now=SLOT + timedelta(minutes=1))
    assert called.pk == ticket.pk != later.pk


def test_late_check_in_becomes_a_walk_in(office, desks, residence, resident):
    booking = book(resident, office, residence)
    ticket = services.check_in(office=office, code=booking.code, now=SLOT + timedelta(minutes=11))
    assert ticket.kind == Ticket.Kind.WALK_IN and ticket.slot_at is None
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CHECKED_IN


def test_check_in_on_another_day_or_with_a_wrong_code(office, desks, residence, resident):
    booking = book(resident, office, residence)
    with pytest.raises(services.WrongDay):
        services.check_in(office=office, code=booking.code, now=NOW)
    with pytest.raises(services.CodeNotFound):
        services.check_in(office=office, code="12345x", now=SLOT)
    wrong = "000000" if booking.code != "000000" else "111111"
    with pytest.raises(services.CodeNotFound):
        services.check_in(office=office, code=wrong, now=SLOT)
    assert not Ticket.objects.exists()


def test_calendar_file_names_the_slot(office, desks, residence, resident):
    from icalendar import Calendar

    from hromada.cnap.views import calendar_file

    booking = book(resident, office, residence)
    event = Calendar.from_ical(calendar_file(booking, "http://x")).walk("VEVENT")[0]
    assert event.decoded("dtstart") == SLOT
    assert booking.code in str(event.get("description"))
