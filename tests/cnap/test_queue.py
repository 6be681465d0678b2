"""The live queue: tickets, the desk's steps, air-raid pauses and blackouts."""

from datetime import time, timedelta

import pytest

from hromada.cnap import services
from hromada.cnap.models import Office, OfficeException, QueueEvent, Ticket
from tests.cnap.conftest import at, make_service
from tests.factories import make_resident

pytestmark = pytest.mark.django_db

NOW = at(0, 10)


def issue(office, service, minutes=0, **kwargs):
    return services.issue_ticket(
        office=office, service=service, now=NOW + timedelta(minutes=minutes), **kwargs
    )


def test_numbers_run_per_series_and_restart_next_day(office, desks, passport, residence):
    """Passports go А1, А2; residence Б1; tomorrow starts again at А1."""
    assert [issue(office, passport).label for _ in range(2)] == ["А1", "А2"]
    assert issue(office, residence).label == "Б1"
    tomorrow = services.issue_ticket(office=office, service=passport, now=at(1, 9))
    assert tomorrow.label == "А1"
    assert tomorrow.day != Ticket.objects.get(series="А", number=1, day=NOW.date()).day


def test_priority_ticket_has_its_own_series(office, desks, passport, veterans):
    ticket = issue(office, passport, priority=veterans)
    assert ticket.label == "П1"


def test_desk_calls_only_its_services_longest_waiting_first(office, desks, passport, residence):
    """Desk 3 handles residence only: it skips the earlier passport ticket."""
    issue(office, passport, 0)
    first_residence = issue(office, residence, 1)
    issue(office, residence, 2)
    called = services.call_next(
        desk=desks[2], actor=desks[2].operator, now=NOW + timedelta(minutes=3)
    )
    assert called.pk == first_residence.pk
    assert called.status == Ticket.Status.CALLED and called.desk_id == desks[2].pk


def test_a_desk_holds_one_ticket_at_a_time(office, desks, passport):
    issue(office, passport, 0)
    issue(office, passport, 1)
    services.call_next(desk=desks[1], actor=desks[1].operator, now=NOW)
    with pytest.raises(services.DeskBusy):
        services.call_next(desk=desks[1], actor=desks[1].operator, now=NOW)
    assert Ticket.objects.filter(status=Ticket.Status.CALLED).count() == 1


def test_nobody_waiting_returns_none(office, desks):
    assert services.call_next(desk=desks[0], actor=desks[0].operator, now=NOW) is None


def test_operator_works_only_at_own_desk(office, desks, passport):
    issue(office, passport)
    with pytest.raises(services.NotCnapStaff):
        services.call_next(desk=desks[1], actor=desks[0].operator, now=NOW)


def test_visit_from_call_to_finish_is_logged(office, desks, passport):
    """Call, recall, start, finish: each step is an event with who and which desk."""
    ticket = issue(office, passport)
    desk, operator = desks[1], desks[1].operator
    services.call_next(desk=desk, actor=operator, now=NOW)
    services.recall(desk=desk, actor=operator, now=NOW + timedelta(minutes=1))
    services.start(desk=desk, actor=operator, now=NOW + timedelta(minutes=2))
    done = services.finish(
        desk=desk, actor=operator, outcome="needs_documents", now=NOW + timedelta(minutes=9)
    )
    assert done.status == Ticket.Status.DONE and done.outcome == "needs_documents"
    actions = list(ticket.events.values_list("action", "desk_id", "actor_id"))
    assert actions == [
        ("issued", None, None),
        ("called", desk.pk, operator.pk),
        ("recalled", desk.pk, operator.pk),
        ("started", desk.pk, operator.pk),
        ("finished", desk.pk, operator.pk),
    ]


def test_finish_needs_a_known_outcome(office, desks, passport):
    issue(office, passport)
    services.call_next(desk=desks[1], actor=desks[1].operator, now=NOW)
    with pytest.raises(services.ValidationFailed):
        services.finish(desk=desks[1], actor=desks[1].operator, outcome="whatever")


def test_transfer_keeps_the_place(office, desks, passport, residence):
    """A visitor sent to residence registration is called before later residence tickets."""
    moved = issue(office, passport, 0)
    issue(office, residence, 5)
    services.call_next(desk=desks[1], actor=desks[1].operator, now=NOW + timedelta(minutes=6))
    services.transfer(
        desk=desks[1], actor=desks[1].operator, to_service=residence, now=NOW + timedelta(minutes=7)
    )
    called = services.call_next(
        desk=desks[2], actor=desks[2].operator, now=NOW + timedelta(minutes=8)
    )
    assert called.pk == moved.pk and called.service_id == residence.pk


def test_transfer_to_a_desk_lets_only_that_desk_call(office, desks, passport):
    ticket = issue(office, passport)
    services.call_next(desk=desks[1], actor=desks[1].operator, now=NOW)
    services.transfer(desk=desks[1], actor=desks[1].operator, to_desk=desks[0], now=NOW)
    assert services.call_next(desk=desks[1], actor=desks[1].operator, now=NOW) is None
    assert services.call_next(desk=desks[0], actor=desks[0].operator, now=NOW).pk == ticket.pk


def test_no_show_only_after_the_recalls(office, desks, passport):
    issue(office, passport)
    desk, operator = desks[1], desks[1].operator
    services.call_next(desk=desk, actor=operator, now=NOW)
    with pytest.raises(services.TooEarlyForNoShow) as error:
        services.mark_no_show(desk=desk, actor=operator, now=NOW)
    assert "ще 2" in str(error.value)
    services.recall(desk=desk, actor=operator, now=NOW)
    services.recall(desk=desk, actor=operator, now=NOW)
    ticket = services.mark_no_show(desk=desk, actor=operator, now=NOW)
    assert ticket.status == Ticket.Status.NO_SHOW


def test_priority_first_but_within_the_cap(office, desks, passport, veterans):
    """With priority and regular visitors waiting, at most 3 of 10 calls go to priority."""
    for minute in range(10):
        issue(office, passport, minute, priority=veterans)
        issue(office, passport, minute)
    desk, operator = desks[1], desks[1].operator
    series = []
    for _ in range(10):
        ticket = services.call_next(desk=desk, actor=operator, now=NOW + timedelta(minutes=20))
        series.append(ticket.series)
        services.finish(
            desk=desk, actor=operator, outcome="served", now=NOW + timedelta(minutes=20)
        )
    assert series[0] == "П"
    assert series.count("П") == 3


def test_air_raid_pause_stops_calls_and_resumes_in_the_same_order(office, desks, passport, head):
    first = issue(office, passport, 0)
    issue(office, passport, 1)
    services.pause_office(office=office, actor=head, now=NOW + timedelta(minutes=2))
    with pytest.raises(services.OfficePaused):
        services.call_next(desk=desks[1], actor=desks[1].operator, now=NOW + timedelta(minutes=3))
    with pytest.raises(services.OfficePaused):
        issue(office, passport, 4)
    services.resume_office(office=office, actor=head, now=NOW + timedelta(minutes=60))
    called = services.call_next(
        desk=desks[1], actor=desks[1].operator, now=NOW + timedelta(minutes=61)
    )
    assert called.pk == first.pk
    assert list(QueueEvent.objects.filter(ticket=None).values_list("action", flat=True)) == [
        "paused",
        "resumed",
    ]


def test_operator_cannot_pause_the_office(office, desks):
    with pytest.raises(services.NotCnapStaff):
        services.pause_office(office=office, actor=desks[0].operator)


def test_blackout_stops_services_that_need_registers(office, desks, passport, residence, head):
    services.set_blackout(office=office, actor=head, on=True)
    with pytest.raises(services.ServiceUnavailable):
        issue(office, passport)
    assert issue(office, residence).label == "Б1"


def test_remote_join_waits_for_check_in_and_lapses(office, desks, residence, resident):
    ticket = services.join_remotely(resident=resident, office=office, service=residence, now=NOW)
    assert ticket.kind == Ticket.Kind.REMOTE and len(ticket.code) == 6
    # Not called before checking in.
    assert services.call_next(desk=desks[2], actor=desks[2].operator, now=NOW) is None
    services.expire_overdue(now=NOW + timedelta(minutes=31))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.LAPSED


def test_remote_join_checked_in_keeps_its_time(office, desks, residence, resident):
    ticket = services.join_remotely(resident=resident, office=office, service=residence, now=NOW)
    later = issue(office, residence, 10)
    services.check_in(office=office, code=ticket.code, now=NOW + timedelta(minutes=20))
    called = services.call_next(
        desk=desks[2], actor=desks[2].operator, now=NOW + timedelta(minutes=21)
    )
    assert called.pk == ticket.pk != later.pk


def test_pause_stops_the_check_in_clock(office, desks, residence, resident, head):
    ticket = services.join_remotely(resident=resident, office=office, service=residence, now=NOW)
    services.pause_office(office=office, actor=head, now=NOW + timedelta(minutes=10))
    services.resume_office(office=office, actor=head, now=NOW + timedelta(minutes=70))
    services.expire_overdue(now=NOW + timedelta(minutes=80))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING
    assert ticket.check_in_by == NOW + timedelta(minutes=90)


def test_one_remote_place_per_service(office, desks, residence, resident):
    services.join_remotely(resident=resident, office=office, service=residence, now=NOW)
    with pytest.raises(services.AlreadyInQueue):
        services.join_remotely(resident=resident, office=office, service=residence, now=NOW)


def test_resident_cancels_only_own_ticket(office, desks, residence, resident, community):
    ticket = services.join_remotely(resident=resident, office=office, service=residence, now=NOW)
    with pytest.raises(services.TicketNotFound):
        services.cancel_ticket(ticket=ticket, resident=make_resident(community))
    assert services.cancel_ticket(ticket=ticket, resident=resident).status == "cancelled"


def test_closed_office_issues_no_tickets(office, desks, passport):
    office.hours.all().delete()
    with pytest.raises(services.OfficeClosed):
        issue(office, passport)


def test_kiosk_keeps_the_days_exception_and_the_desks_services(community, office, desks, passport):
    special = OfficeException.objects.create(office=office, date=NOW.date(), closed=True)
    with pytest.raises(services.OfficeClosed):
        issue(office, passport)
    # A short day: reception 08:00-09:30, so 10:00 is closed and 09:00 open.
    special.closed, special.opens, special.closes = False, time(8), time(9, 30)
    special.save()
    with pytest.raises(services.OfficeClosed):
        issue(office, passport)
    assert issue(office, passport, minutes=-60).label == "А1"
    # A service no desk of the office handles is not queued for.
    nobody = make_service(community, "Довідка", "00077", series="Д")
    with pytest.raises(services.ServiceUnavailable):
        issue(office, nobody, minutes=-60)
    # Nor one of a remote workplace that does not provide it.
    office.kind = Office.Kind.REMOTE
    with pytest.raises(services.ServiceUnavailable):
        issue(office, passport, minutes=-60)


def test_yesterdays_open_tickets_are_closed(office, desks, passport):
    ticket = services.issue_ticket(office=office, service=passport, now=at(-1, 12))
    services.expire_overdue(now=NOW)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.LAPSED
