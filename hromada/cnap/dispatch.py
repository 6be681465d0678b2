"""
Decide which waiting visitor a free desk of the service centre (ЦНАП) calls.

One queue mixes three kinds of tickets: walk-ins issued at the kiosk, remote
joins and visitors with a booked slot. The order is, for the desk's services
only:

1. a confirmed priority category (disability, veterans, parents with small
   children…), but no more than `Rules.priority_cap` of the desk's last
   `Rules.window` calls while regular visitors wait, so they are not starved;
2. booked visitors whose slot is due (from `booked_early_minutes` before it),
   earliest slot first; a visitor who came early waits for the slot;
3. the walk-in or remote ticket that has waited longest.

Ties fall to the earlier `queued_at`, then the lower ticket id, so the same
state always gives the same answer. The module is plain Python without
Django: the service layer calls it under a row claim, and the wait predictor
replays it thousands of times per estimate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

WALK_IN = "walk_in"
REMOTE = "remote"
BOOKED = "booked"
KINDS = (WALK_IN, REMOTE, BOOKED)


@dataclass(frozen=True, slots=True)
class Waiting:
    """A ticket in the live queue."""

    id: int
    service_id: int
    kind: str  # "walk_in" | "remote" | "booked"
    priority: bool  # confirmed priority category
    queued_at: datetime  # when it entered the live queue (issue / check-in time)
    slot_at: datetime | None  # booked slot start (kind == "booked")


@dataclass(frozen=True, slots=True)
class Desk:
    """An operator's desk and the services it handles."""

    id: int
    service_ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class Rules:
    """The centre's dispatch settings."""

    # At most this share of the desk's last `window` calls may be priority
    # while regular visitors wait.
    priority_cap: float = 0.3
    window: int = 10
    # A booked visitor becomes "due" this many minutes before the slot.
    booked_early_minutes: int = 5
    # Checked in later than slot + this -> treated as walk-in (services
    # decide at check-in; dispatch only sees the resulting kind).
    late_minutes: int = 10


def is_due(ticket: Waiting, now: datetime, rules: Rules) -> bool:
    """Return whether a booked ticket's slot is close enough to be called."""
    if ticket.kind != BOOKED or ticket.slot_at is None:
        return True
    return ticket.slot_at - timedelta(minutes=rules.booked_early_minutes) <= now


def priority_allowed(recent_priority_calls: int, rules: Rules) -> bool:
    """Return whether one more priority call keeps the desk's window within the cap."""
    # Counting the call about to be made: with a cap of 0.3 over 10 calls
    # the fourth priority call in a row of ten waits for a regular one.
    return recent_priority_calls + 1 <= rules.priority_cap * rules.window + 1e-9


def _by_queue(ticket: Waiting) -> tuple[datetime, int]:
    return (ticket.queued_at, ticket.id)


def _by_slot(ticket: Waiting) -> tuple[datetime, datetime, int]:
    return (ticket.slot_at or ticket.queued_at, ticket.queued_at, ticket.id)


def choose_next(
    desk: Desk,
    waiting: Iterable[Waiting],
    now: datetime,
    *,
    recent_priority_calls: int,
    recent_calls: int,
    rules: Rules = Rules(),  # noqa: B008 - frozen, shared safely
) -> Waiting | None:
    """
    Return the ticket `desk` calls now, or None when it has nobody to call.

    Priority first (within the cap), then booked visitors due now (earliest
    slot first), then the longest-waiting walk-in/remote — only tickets for
    the desk's services. Deterministic: ties by queued_at then id.
    `recent_priority_calls` of the desk's last `recent_calls` calls (at most
    `rules.window` of them) went to priority visitors.
    """
    if recent_priority_calls > recent_calls:
        raise ValueError("recent_priority_calls cannot exceed recent_calls")
    callable_ = [
        ticket
        for ticket in waiting
        if ticket.service_id in desk.service_ids and is_due(ticket, now, rules)
    ]
    if not callable_:
        return None
    priority = [ticket for ticket in callable_ if ticket.priority]
    regular = [ticket for ticket in callable_ if not ticket.priority]
    if priority and (not regular or priority_allowed(recent_priority_calls, rules)):
        return min(priority, key=_by_queue)
    booked = [ticket for ticket in regular if ticket.kind == BOOKED]
    if booked:
        return min(booked, key=_by_slot)
    return min(regular, key=_by_queue)
