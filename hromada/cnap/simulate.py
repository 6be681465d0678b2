"""
Simulate one day of a service centre (ЦНАП) for the benchmark and demo data.

A seeded day: reception 08:00–18:00, the kiosk issues tickets until 17:30;
desks with skills (passport, general, specialist) and staggered lunch
breaks, a few operators on short shifts, each with a personal pace; six
services with lognormal durations; walk-ins in two peaks, remote joins,
visitors booked in 15-minute slots arriving around their slot (some not at
all), a share in a priority category, and visitors who give up after an
exponential patience.

The day runs through the centre's own dispatch rules (`dispatch.choose_next`)
and, whenever a walk-in or remote ticket is issued, can ask the wait
predictor with a `Snapshot` of that moment — built only from what the centre
knows then. `run_day` also returns the event log a service-time model is
fitted on, so a "history" day of the same family (same desks and operators,
other visitors) trains the model used on the next day.
"""

from __future__ import annotations

import heapq
import math
import time as clock
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np

from hromada.cnap.dispatch import BOOKED, REMOTE, WALK_IN, Desk, Rules, Waiting, choose_next
from hromada.cnap.predict import (
    Booking,
    DeskState,
    Estimate,
    ServiceTimeModel,
    Snapshot,
    predict_wait,
)


@dataclass(frozen=True, slots=True)
class Service:
    id: int
    name: str
    mean_min: float
    cv: float
    share: float  # of visitors

    @property
    def lognormal(self) -> tuple[float, float]:
        """Return (mu, sigma) of the log-duration with this mean and coefficient of variation."""
        sigma2 = math.log(1 + self.cv**2)
        return (math.log(self.mean_min) - sigma2 / 2, math.sqrt(sigma2))


SERVICES = (
    Service(1, "passport", 15, 0.4, 0.22),
    Service(2, "residence", 8, 0.5, 0.14),
    Service(3, "social", 12, 0.6, 0.22),
    Service(4, "property", 20, 0.5, 0.10),
    Service(5, "pickup", 3, 0.5, 0.14),
    Service(6, "consultation", 6, 0.8, 0.18),
)
# Desk skills: 8 passport, 14 general and 4 specialist desks of 26.
SKILLS = {
    "passport": frozenset({1, 5}),
    "general": frozenset({2, 3, 5, 6}),
    "specialist": frozenset({3, 4, 6}),
}
OPENS = time(8, 0)
CLOSES = time(18, 0)
KIOSK_CLOSES = time(17, 30)
LUNCH_MIN = 40
PATIENCE_MEAN_MIN = 150.0
BOOKING_HORIZON_MIN = 240.0
DAY = date(2026, 3, 2)


@dataclass(frozen=True, slots=True)
class Operator:
    """A desk on the roster and the operator working at it."""

    desk: Desk
    pace: float  # multiplies service times
    opens_at: datetime
    closes_at: datetime | None  # None: stays until the queue is empty
    lunch: tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Visitor:
    id: int
    service_id: int
    kind: str  # as checked in: walk_in, remote or booked
    priority: bool
    arrives_at: datetime | None  # issue or check-in time; None: a booking nobody came to
    slot_at: datetime | None  # booked slot
    duration_min: float  # the true service time at an average pace
    patience_min: float


@dataclass(frozen=True)
class Day:
    """A generated day: the roster and the visitors."""

    start: datetime
    operators: tuple[Operator, ...]
    visitors: tuple[Visitor, ...]
    rules: Rules = Rules()


@dataclass(frozen=True, slots=True)
class Issue:
    """One walk-in or remote ticket issued, with the estimate and what happened."""

    ticket_id: int
    service_id: int
    issued_at: datetime
    estimate: Estimate | None
    predict_ms: float  # wall time of the prediction
    predict_cpu_ms: float  # CPU time of the prediction
    waited_min: float | None  # None: gave up before being called
    ahead_same_service: int  # tickets for the same service already waiting
    suitable_open_desks: int  # open desks (not on a break) that handle the service
    open_desks: int


@dataclass
class DayLog:
    """What the event log of a day teaches: durations, no-shows, patience, arrivals."""

    durations_by_service: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    durations_by_desk: dict[int, list[tuple[int, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    bookings: int = 0
    bookings_on_time: int = 0
    waited_total_min: float = 0.0
    gave_up: int = 0
    priority_walk_ins: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    walk_ins_by_hour: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    arrivals_by_hour: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    issues: list[Issue] = field(default_factory=list)

    def model(self) -> ServiceTimeModel:
        """Fit the service-time model (and no-show rate and patience) on this log."""
        no_show = 1 - self.bookings_on_time / self.bookings if self.bookings else 0.0
        patience = self.waited_total_min / self.gave_up if self.gave_up else None
        return ServiceTimeModel.fit(
            self.durations_by_service,
            durations_by_desk=self.durations_by_desk,
            no_show_rate=no_show,
            patience_mean_min=patience,
        )

    def priority_rates(self) -> Callable[[datetime], dict[int, float]]:
        """Return the priority walk-in rate per hour by service at a moment, from this log."""
        total = sum(self.walk_ins_by_hour.values()) or 1

        def at(moment: datetime) -> dict[int, float]:
            share = self.walk_ins_by_hour.get(moment.hour, 0) / total
            return {s: count * share for s, count in self.priority_walk_ins.items()}

        return at


def roster(seed: int, desks: int = 26) -> tuple[Operator, ...]:
    """Return the desks and operators of a seed family: 8/26 passport, 4/26 specialist."""
    rng = np.random.default_rng([seed, 0])
    passport = max(1, round(desks * 8 / 26))
    specialist = max(1, round(desks * 4 / 26))
    general = max(1, desks - passport - specialist)
    skills = ["passport"] * passport + ["general"] * general + ["specialist"] * specialist
    start = datetime.combine(DAY, OPENS)
    operators = []
    for k, skill in enumerate(skills):
        opens_at, closes_at = start, None
        if k % 7 == 3:  # a short morning shift
            closes_at = start + timedelta(hours=6)
        elif k % 7 == 5:  # starts late
            opens_at = start + timedelta(hours=2)
        # Lunches staggered between 11:30 and 14:30.
        lunch_at = start + timedelta(minutes=210 + (k * 37) % 180)
        operators.append(
            Operator(
                desk=Desk(id=k + 1, service_ids=SKILLS[skill]),
                pace=float(rng.lognormal(0, 0.15)),
                opens_at=opens_at,
                closes_at=closes_at,
                lunch=(lunch_at, lunch_at + timedelta(minutes=LUNCH_MIN)),
            )
        )
    return tuple(operators)


def generate_day(
    seed: int,
    day_index: int = 1,
    *,
    visitors: int = 1150,
    desks: int = 26,
    booked: float = 0.35,
    priority: float = 0.08,
    no_show: float = 0.15,
    remote: float = 0.2,
) -> Day:
    """Return the seeded day `day_index` of the family `seed` (same roster every day)."""
    rng = np.random.default_rng([seed, 1, day_index])
    start = datetime.combine(DAY, OPENS)
    kiosk = (KIOSK_CLOSES.hour - OPENS.hour) * 60 + KIOSK_CLOSES.minute
    rules = Rules()
    services = np.asarray([s.id for s in SERVICES])
    shares = np.asarray([s.share for s in SERVICES])
    params = {s.id: s.lognormal for s in SERVICES}
    people = []
    for visitor_id in range(1, visitors + 1):
        service_id = int(rng.choice(services, p=shares / shares.sum()))
        mu, sigma = params[service_id]
        duration = float(rng.lognormal(mu, sigma))
        patience = float(rng.exponential(PATIENCE_MEAN_MIN))
        is_priority = bool(rng.random() < priority)
        if rng.random() < booked:
            slot = 15 * int(rng.integers(0, kiosk // 15))
            slot_at = start + timedelta(minutes=slot)
            if rng.random() < no_show:
                people.append(
                    Visitor(
                        visitor_id,
                        service_id,
                        BOOKED,
                        is_priority,
                        None,
                        slot_at,
                        duration,
                        patience,
                    )
                )
                continue
            came = min(max(slot + rng.normal(-5, 6), 0.0), 595.0)
            kind = BOOKED if came <= slot + rules.late_minutes else WALK_IN
            people.append(
                Visitor(
                    visitor_id,
                    service_id,
                    kind,
                    is_priority,
                    start + timedelta(minutes=came),
                    slot_at,
                    duration,
                    patience,
                )
            )
            continue
        # Walk-ins: a steady flow with a morning and an afternoon peak.
        while True:
            part = rng.random()
            if part < 0.3:
                minute = rng.uniform(0, kiosk)
            elif part < 0.7:
                minute = rng.normal(135, 45)
            else:
                minute = rng.normal(390, 45)
            if 0 <= minute < kiosk:
                break
        kind = REMOTE if rng.random() < remote else WALK_IN
        people.append(
            Visitor(
                visitor_id,
                service_id,
                kind,
                is_priority,
                start + timedelta(minutes=float(minute)),
                None,
                duration,
                patience,
            )
        )
    return Day(start=start, operators=roster(seed, desks), visitors=tuple(people), rules=rules)


def run_day(
    day: Day,
    *,
    model: ServiceTimeModel | None = None,
    priority_rates: Callable[[datetime], dict[int, float]] | None = None,
    on_issue: Callable[[Snapshot, int], Estimate | None] | None = None,
    runs: int | None = None,
) -> DayLog:
    """
    Play the day through `choose_next` and return its log.

    With a `model`, every walk-in or remote ticket gets `predict_wait` on the
    snapshot of its issue (seeded by the ticket id); `on_issue` replaces that
    call (tests use it to see the snapshots).
    """
    rules = day.rules
    log = DayLog()
    visitors = {v.id: v for v in day.visitors}
    operators = {op.desk.id: op for op in day.operators}
    waiting: dict[int, Waiting] = {}
    leaves: list[tuple[datetime, int]] = []  # (gives up at, ticket)
    serving: dict[int, tuple[int, datetime]] = {}  # desk -> (ticket, since)
    on_break: dict[int, datetime] = {}  # desk -> until
    lunch_taken: set[int] = set()
    idle: dict[int, datetime] = {}  # desk -> idle since
    recent: dict[int, deque[bool]] = {k: deque(maxlen=rules.window) for k in operators}
    called_at: dict[int, datetime] = {}
    issues: dict[int, dict] = {}
    events: list[tuple[datetime, int, int, str, int]] = []  # (time, order, seq, kind, id)
    seq = 0

    def push(moment: datetime, order: int, kind: str, ident: int) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (moment, order, seq, kind, ident))

    for v in day.visitors:
        if v.kind == BOOKED or v.slot_at is not None:
            log.bookings += 1
            if v.kind == BOOKED and v.arrives_at is not None:
                log.bookings_on_time += 1
        if v.arrives_at is not None:
            push(v.arrives_at, 1, "arrive", v.id)
            log.arrivals_by_hour[v.arrives_at.hour] += 1
    for op in day.operators:
        push(op.opens_at, 2, "free", op.desk.id)
        push(op.lunch[0], 0, "lunch", op.desk.id)
        if op.closes_at is not None:
            push(op.closes_at, 0, "close", op.desk.id)

    def closed(desk_id: int, now: datetime) -> bool:
        op = operators[desk_id]
        return op.closes_at is not None and now >= op.closes_at

    def drop_leavers(now: datetime) -> None:
        while leaves and leaves[0][0] <= now:
            _, ticket = heapq.heappop(leaves)
            if ticket in waiting:
                w = waiting.pop(ticket)
                log.gave_up += 1
                log.waited_total_min += (now - w.queued_at).total_seconds() / 60

    def call(desk_id: int, now: datetime) -> bool:
        op = operators[desk_id]
        flags = recent[desk_id]
        chosen = choose_next(
            op.desk,
            list(waiting.values()),
            now,
            recent_priority_calls=sum(flags),
            recent_calls=len(flags),
            rules=rules,
        )
        if chosen is None:
            return False
        del waiting[chosen.id]
        flags.append(chosen.priority)
        called_at[chosen.id] = now
        log.waited_total_min += (now - chosen.queued_at).total_seconds() / 60
        visitor = visitors[chosen.id]
        minutes = visitor.duration_min * op.pace
        log.durations_by_service[visitor.service_id].append(minutes)
        log.durations_by_desk[desk_id].append((visitor.service_id, minutes))
        serving[desk_id] = (chosen.id, now)
        push(now + timedelta(minutes=minutes), 2, "free", desk_id)
        return True

    def wake_idle(now: datetime) -> None:
        for desk_id in sorted(idle, key=lambda k: (idle[k], k)):
            if call(desk_id, now):
                del idle[desk_id]

    def snapshot(now: datetime) -> Snapshot:
        desks = []
        for desk_id, op in operators.items():
            if closed(desk_id, now) and desk_id not in serving:
                continue
            serving_service, elapsed = None, 0.0
            if desk_id in serving:
                ticket, since = serving[desk_id]
                serving_service = visitors[ticket].service_id
                elapsed = (now - since).total_seconds() / 60
            lunch = () if desk_id in lunch_taken else (op.lunch,)
            desks.append(
                DeskState(
                    desk=op.desk,
                    serving_service_id=serving_service,
                    serving_elapsed_min=elapsed,
                    break_until=on_break.get(desk_id),
                    breaks=tuple(b for b in lunch if b[1] > now),
                    opens_at=op.opens_at if op.opens_at > now else None,
                    closes_at=op.closes_at,
                    recent=tuple(recent[desk_id]),
                )
            )
        horizon = now + timedelta(minutes=BOOKING_HORIZON_MIN)
        late = timedelta(minutes=rules.late_minutes)
        bookings = tuple(
            Booking(v.id, v.service_id, v.slot_at, v.priority)
            for v in day.visitors
            if v.slot_at is not None
            and v.id not in waiting
            and v.id not in called_at
            and (v.arrives_at is None or v.arrives_at > now)
            and now <= v.slot_at + late
            and v.slot_at <= horizon
        )
        return Snapshot(
            now=now,
            desks=tuple(desks),
            waiting=tuple(waiting.values()),
            bookings=bookings,
            priority_rate_per_hour=priority_rates(now) if priority_rates else {},
            rules=rules,
        )

    while events:
        now, _, _, kind, ident = heapq.heappop(events)
        drop_leavers(now)
        if kind == "arrive":
            v = visitors[ident]
            queued = Waiting(
                id=v.id,
                service_id=v.service_id,
                kind=v.kind,
                priority=v.priority,
                queued_at=now,
                slot_at=v.slot_at if v.kind == BOOKED else None,
            )
            waiting[v.id] = queued
            heapq.heappush(leaves, (now + timedelta(minutes=v.patience_min), v.id))
            if v.kind != BOOKED:
                log.walk_ins_by_hour[now.hour] += 1
                if v.priority:
                    log.priority_walk_ins[v.service_id] += 1
            if v.kind == BOOKED and v.slot_at is not None:
                due = v.slot_at - timedelta(minutes=rules.booked_early_minutes)
                if due > now:
                    push(due, 1, "due", v.id)
            if v.kind != BOOKED and (model is not None or on_issue is not None):
                snap = snapshot(now)
                wall, cpu = clock.perf_counter(), clock.thread_time()
                if on_issue is not None:
                    estimate = on_issue(snap, v.id)
                else:
                    kwargs = {"runs": runs} if runs else {}
                    estimate = predict_wait(snap, v.id, model, rng_seed=v.id, **kwargs)
                issues[v.id] = {
                    "estimate": estimate,
                    "predict_ms": (clock.perf_counter() - wall) * 1000,
                    "predict_cpu_ms": (clock.thread_time() - cpu) * 1000,
                    "ahead": sum(1 for w in snap.waiting if w.service_id == v.service_id) - 1,
                    "suitable": sum(
                        1
                        for d in snap.desks
                        if v.service_id in d.desk.service_ids
                        and d.break_until is None
                        and d.opens_at is None
                        and not (d.closes_at is not None and d.closes_at <= now)
                    ),
                    "open": sum(
                        1
                        for d in snap.desks
                        if d.break_until is None
                        and d.opens_at is None
                        and not (d.closes_at is not None and d.closes_at <= now)
                    ),
                }
            wake_idle(now)
        elif kind == "due":
            wake_idle(now)
        elif kind == "lunch":
            if ident in idle:
                del idle[ident]
                lunch_taken.add(ident)
                on_break[ident] = operators[ident].lunch[1]
                push(operators[ident].lunch[1], 2, "free", ident)
        elif kind == "close":
            idle.pop(ident, None)
        elif kind == "free":
            serving.pop(ident, None)
            on_break.pop(ident, None)
            op = operators[ident]
            if closed(ident, now):
                continue
            if ident not in lunch_taken and op.lunch[0] <= now:
                lunch_taken.add(ident)
                if now < op.lunch[1]:
                    on_break[ident] = op.lunch[1]
                    push(op.lunch[1], 2, "free", ident)
                    continue
            if not call(ident, now):
                idle[ident] = now

    for ticket, info in issues.items():
        visitor = visitors[ticket]
        waited = None
        if ticket in called_at:
            waited = (called_at[ticket] - visitor.arrives_at).total_seconds() / 60
        log.issues.append(
            Issue(
                ticket_id=ticket,
                service_id=visitor.service_id,
                issued_at=visitor.arrives_at,
                estimate=info["estimate"],
                predict_ms=info["predict_ms"],
                predict_cpu_ms=info["predict_cpu_ms"],
                waited_min=waited,
                ahead_same_service=info["ahead"],
                suitable_open_desks=info["suitable"],
                open_desks=info["open"],
            )
        )
    log.issues.sort(key=lambda i: (i.issued_at, i.ticket_id))
    return log
