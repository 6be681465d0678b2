"""Races the database decides (PostgreSQL: real parallel transactions)."""

import threading

import pytest
from django.db import connection

from hromada.cnap import services
from hromada.cnap.models import Booking, Desk, QueueEvent, Ticket
from tests.cnap.conftest import at
from tests.factories import make_resident, make_staff

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(workers):
    """Start all workers at once; return what each returned or raised."""
    barrier = threading.Barrier(len(workers))
    results = [None] * len(workers)

    def run(index, work):
        try:
            barrier.wait()
            results[index] = work()
        except Exception as error:  # collected for the assertions
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_twenty_operators_pressing_next_never_call_a_ticket_twice(community, office, passport):
    """20 desks, 12 waiting tickets: 12 calls of 12 different tickets, 8 desks with nobody."""
    desks = []
    for number in range(1, 21):
        desk = Desk.objects.create(
            office=office, number=number, operator=make_staff(community, "cnap_operator")
        )
        desk.services.add(passport)
        desks.append(desk)
    for _ in range(12):
        services.issue_ticket(office=office, service=passport)
    now = at(0, 12)
    results = race(
        [
            lambda desk=desk: services.call_next(desk=desk, actor=desk.operator, now=now)
            for desk in desks
        ]
    )
    errors = [result for result in results if isinstance(result, Exception)]
    assert errors == []
    called = [result for result in results if result is not None]
    assert len(called) == 12
    assert len({ticket.pk for ticket in called}) == 12
    assert Ticket.objects.filter(status="called").count() == 12
    assert Ticket.objects.filter(status="called").values("desk").distinct().count() == 12
    assert QueueEvent.objects.filter(action="called").count() == 12


def test_one_desk_pressed_twenty_times_holds_one_ticket(community, office, passport, desks):
    for _ in range(5):
        services.issue_ticket(office=office, service=passport)
    desk = desks[1]
    results = race([lambda: services.call_next(desk=desk, actor=desk.operator) for _ in range(20)])
    tickets = [result for result in results if isinstance(result, Ticket)]
    assert len(tickets) == 1
    assert all(isinstance(r, services.DeskBusy) for r in results if not isinstance(r, Ticket))
    assert Ticket.objects.filter(desk=desk, status="called").count() == 1


def test_finish_and_no_show_pressed_at_once_leave_one_step_and_one_event(
    community, office, passport, desks
):
    """The step's UPDATE takes the row: of ten presses one changes it, with one event."""
    services.issue_ticket(office=office, service=passport)
    desk = desks[1]
    services.call_next(desk=desk, actor=desk.operator)
    for _ in range(2):
        services.recall(desk=desk, actor=desk.operator)
    steps = [
        lambda: services.finish(desk=desk, actor=desk.operator, outcome="served"),
        lambda: services.mark_no_show(desk=desk, actor=desk.operator),
    ]
    results = race([steps[k % 2] for k in range(10)])
    done = [result for result in results if isinstance(result, Ticket)]
    assert len(done) == 1
    assert all(isinstance(r, services.NothingInHand) for r in results if r not in done)
    ticket = Ticket.objects.get()
    assert ticket.status == done[0].status and ticket.desk_id == desk.pk
    assert QueueEvent.objects.filter(action__in=["finished", "no_show"]).count() == 1


def test_twenty_bookings_of_the_last_place_one_succeeds(community, office, desks, residence):
    """The slot has one place; twenty residents book it at once."""
    slot, now = at(1, 10), at(0, 9)
    residents = [make_resident(community, level=1) for _ in range(20)]
    results = race(
        [
            lambda resident=resident: services.book_slot(
                resident=resident, office=office, service=residence, starts_at=slot, now=now
            )
            for resident in residents
        ]
    )
    booked = [result for result in results if isinstance(result, Booking)]
    assert len(booked) == 1
    assert all(isinstance(r, services.SlotTaken) for r in results if not isinstance(r, Booking))
    assert Booking.objects.filter(starts_at=slot, status="booked").count() == 1


def test_kiosks_issuing_at_once_get_consecutive_numbers(community, office, desks, passport):
    results = race(
        [lambda: services.issue_ticket(office=office, service=passport) for _ in range(15)]
    )
    assert sorted(ticket.number for ticket in results) == list(range(1, 16))


def test_one_priority_document_checked_at_two_desks_at_once_counts_once(
    community, office, desks, passport, veterans
):
    """The same document shown at desks 1 and 2 at once: one check stands, one is refused."""
    from hromada.cnap.models import PriorityUse

    now = at(0, 11)
    for _ in range(2):
        services.issue_ticket(office=office, service=passport, priority=veterans, now=now)
    for desk in desks[:2]:
        services.call_next(desk=desk, actor=desk.operator, now=now)
    results = race(
        [
            lambda desk=desk: services.confirm_priority(
                desk=desk, actor=desk.operator, document="АА 123456", now=now
            )
            for desk in desks[:2]
        ]
    )
    assert sum(isinstance(result, PriorityUse) for result in results) == 1
    assert sum(isinstance(result, services.PriorityUsedToday) for result in results) == 1
    assert PriorityUse.objects.count() == 1
