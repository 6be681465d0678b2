"""Which waiting visitor a free desk of the service centre calls (hromada.cnap.dispatch)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hromada.cnap.dispatch import BOOKED, REMOTE, WALK_IN, Desk, Rules, Waiting, choose_next

NOW = datetime(2026, 3, 2, 11, 0)
DESK = Desk(id=1, service_ids=frozenset({1, 2}))
RULES = Rules()


def ticket(
    id: int,
    *,
    minutes_ago: float = 10,
    service_id: int = 1,
    kind: str = WALK_IN,
    priority: bool = False,
    slot_in: float | None = None,
) -> Waiting:
    return Waiting(
        id=id,
        service_id=service_id,
        kind=kind,
        priority=priority,
        queued_at=NOW - timedelta(minutes=minutes_ago),
        slot_at=NOW + timedelta(minutes=slot_in) if slot_in is not None else None,
    )


def call(waiting, *, recent_priority_calls=0, recent_calls=0, desk=DESK, rules=RULES):
    return choose_next(
        desk,
        waiting,
        NOW,
        recent_priority_calls=recent_priority_calls,
        recent_calls=recent_calls,
        rules=rules,
    )


def test_empty_queue_gives_none():
    assert call([]) is None


def test_longest_waiting_walk_in_or_remote_first():
    waiting = [
        ticket(1, minutes_ago=5),
        ticket(2, minutes_ago=30, kind=REMOTE),
        ticket(3, minutes_ago=20),
    ]
    assert call(waiting).id == 2


def test_priority_goes_first():
    waiting = [ticket(1, minutes_ago=40), ticket(2, minutes_ago=1, priority=True)]
    assert call(waiting, recent_priority_calls=2, recent_calls=10).id == 2


def test_priority_capped_while_regular_visitors_wait():
    """Three of the last ten calls were priority: the fourth waits for a regular call."""
    waiting = [ticket(1, minutes_ago=40), ticket(2, minutes_ago=50, priority=True)]
    assert call(waiting, recent_priority_calls=3, recent_calls=10).id == 1


def test_capped_priority_still_called_when_nobody_else_waits():
    waiting = [ticket(2, minutes_ago=1, priority=True), ticket(3, service_id=9)]
    assert call(waiting, recent_priority_calls=10, recent_calls=10).id == 2


def test_cap_counts_the_call_about_to_be_made():
    rules = Rules(priority_cap=0.25, window=10)  # 2.5 of 10: two, never three
    waiting = [ticket(1, minutes_ago=40), ticket(2, priority=True)]
    assert call(waiting, recent_priority_calls=1, recent_calls=5, rules=rules).id == 2
    assert call(waiting, recent_priority_calls=2, recent_calls=5, rules=rules).id == 1


def test_booked_due_before_walk_ins_earliest_slot_first():
    waiting = [
        ticket(1, minutes_ago=60),
        ticket(2, minutes_ago=2, kind=BOOKED, slot_in=3),  # due 5 minutes early
        ticket(3, minutes_ago=1, kind=BOOKED, slot_in=-5),
    ]
    assert call(waiting).id == 3


def test_booked_not_yet_due_waits():
    waiting = [
        ticket(1, minutes_ago=1),
        ticket(2, minutes_ago=30, kind=BOOKED, slot_in=20),
    ]
    assert call(waiting).id == 1
    assert call([waiting[1]]) is None


def test_booked_due_from_booked_early_minutes_before_the_slot():
    booked = ticket(2, kind=BOOKED, slot_in=5)
    assert call([booked]).id == 2
    assert call([booked], rules=Rules(booked_early_minutes=4)) is None


def test_only_the_desks_services():
    waiting = [ticket(1, minutes_ago=90, service_id=7), ticket(2, minutes_ago=5, service_id=2)]
    assert call(waiting).id == 2
    assert call([waiting[0]]) is None


def test_priority_for_another_service_does_not_jump_the_desk_queue():
    waiting = [ticket(1, minutes_ago=5), ticket(2, service_id=7, priority=True)]
    assert call(waiting).id == 1


def test_ties_by_queued_at_then_id_whatever_the_order_given():
    same = NOW - timedelta(minutes=10)
    waiting = [
        Waiting(id=9, service_id=1, kind=WALK_IN, priority=False, queued_at=same, slot_at=None),
        Waiting(id=4, service_id=2, kind=REMOTE, priority=False, queued_at=same, slot_at=None),
        Waiting(id=7, service_id=1, kind=WALK_IN, priority=False, queued_at=same, slot_at=None),
    ]
    assert call(waiting).id == 4
    assert call(list(reversed(waiting))).id == 4
    slot = NOW + timedelta(minutes=1)
    booked = [
        Waiting(id=5, service_id=1, kind=BOOKED, priority=False, queued_at=same, slot_at=slot),
        Waiting(id=3, service_id=1, kind=BOOKED, priority=False, queued_at=same, slot_at=slot),
    ]
    assert call(booked).id == 3


def test_more_priority_calls_than_calls_is_refused():
    with pytest.raises(ValueError):
        call([ticket(1)], recent_priority_calls=3, recent_calls=2)


tickets = st.builds(
    lambda id, service_id, kind, priority, ago, slot_in: Waiting(
        id=id,
        service_id=service_id,
        kind=kind,
        priority=priority,
        queued_at=NOW - timedelta(minutes=ago),
        slot_at=NOW + timedelta(minutes=slot_in) if kind == BOOKED else None,
    ),
    id=st.integers(1, 10_000),
    service_id=st.integers(1, 4),
    kind=st.sampled_from([WALK_IN, REMOTE, BOOKED]),
    priority=st.booleans(),
    ago=st.integers(0, 120),
    slot_in=st.integers(-30, 30),
)


def ticket_class(t: Waiting, rules: Rules) -> str | None:
    """Return the dispatch class of a ticket the desk could call now, else None."""
    if t.kind == BOOKED and t.slot_at - timedelta(minutes=rules.booked_early_minutes) > NOW:
        return None
    if t.priority:
        return "priority"
    return "booked" if t.kind == BOOKED else "queue"


@settings(max_examples=300, deadline=None)
@given(
    waiting=st.lists(tickets, max_size=25, unique_by=lambda t: t.id),
    services=st.frozensets(st.integers(1, 4), min_size=1),
    recent=st.lists(st.booleans(), max_size=10),
)
def test_chosen_ticket_is_servable_and_skips_nobody_of_its_class(waiting, services, recent):
    rules = Rules()
    desk = Desk(id=1, service_ids=services)
    chosen = choose_next(
        desk,
        waiting,
        NOW,
        recent_priority_calls=sum(recent),
        recent_calls=len(recent),
        rules=rules,
    )
    callable_ = [
        t for t in waiting if t.service_id in services and ticket_class(t, rules) is not None
    ]
    if not callable_:
        assert chosen is None
        return
    assert chosen is not None
    assert chosen.service_id in services
    kind = ticket_class(chosen, rules)
    assert kind is not None
    same_class = [t for t in callable_ if ticket_class(t, rules) == kind]
    if kind == "booked":
        assert all(
            (chosen.slot_at, chosen.queued_at, chosen.id) <= (t.slot_at, t.queued_at, t.id)
            for t in same_class
        )
    else:
        assert all((chosen.queued_at, chosen.id) <= (t.queued_at, t.id) for t in same_class)
    # The class order: priority (within the cap) before booked before the queue.
    classes = {ticket_class(t, rules) for t in callable_}
    regular_waiting = bool(classes - {"priority"})
    priority_ok = sum(recent) + 1 <= rules.priority_cap * rules.window
    if "priority" in classes and (priority_ok or not regular_waiting):
        assert kind == "priority"
    elif "booked" in classes:
        assert kind == "booked"
    else:
        assert kind == "queue"
    # Same answer whatever order the tickets come in.
    again = choose_next(
        desk,
        list(reversed(waiting)),
        NOW,
        recent_priority_calls=sum(recent),
        recent_calls=len(recent),
        rules=rules,
    )
    assert again == chosen
