"""The wait predictor of the service centre (hromada.cnap.predict) sees only the present."""

from __future__ import annotations

import dataclasses
import math
from collections import deque
from datetime import datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hromada.cnap.dispatch import BOOKED, REMOTE, WALK_IN, Desk, Rules, Waiting, choose_next
from hromada.cnap.predict import (
    DeskState,
    ServiceTimeModel,
    Snapshot,
    newcomer_id,
    predict_all,
    predict_wait,
)
from hromada.cnap.simulate import Day, generate_day, run_day

NOW = datetime(2026, 3, 2, 11, 0)
TEN_MINUTES = ServiceTimeModel(lognormal={1: (math.log(10) - 0.08, 0.4), 2: (math.log(6), 0.5)})


def walk_in(id: int, minutes_ago: float, service_id: int = 1) -> Waiting:
    return Waiting(
        id=id,
        service_id=service_id,
        kind=WALK_IN,
        priority=False,
        queued_at=NOW - timedelta(minutes=minutes_ago),
        slot_at=None,
    )


def queue_of(ahead: int, *, desks: int = 2) -> Snapshot:
    """Return a snapshot with `ahead` walk-ins before ticket 1000, all for service 1."""
    waiting = [walk_in(i, 60 - i * 0.5) for i in range(1, ahead + 1)]
    waiting.append(walk_in(1000, 0))
    return Snapshot(
        now=NOW,
        desks=tuple(DeskState(desk=Desk(id=k, service_ids=frozenset({1}))) for k in range(desks)),
        waiting=tuple(waiting),
    )


def test_fit_recovers_the_lognormal_and_an_operators_pace():
    rng = np.random.default_rng(7)
    passports = rng.lognormal(2.6, 0.4, 4000)
    pickups = rng.lognormal(1.0, 0.7, 4000)
    slow_desk = [(1, float(m) * 1.3) for m in rng.lognormal(2.6, 0.4, 400)]
    model = ServiceTimeModel.fit(
        {1: passports.tolist(), 2: pickups.tolist()},
        durations_by_desk={5: slow_desk, 6: [(1, 15.0)] * 3},
    )
    mu, sigma = model.lognormal[1]
    assert abs(mu - 2.6) < 0.03 and abs(sigma - 0.4) < 0.03
    mu, sigma = model.lognormal[2]
    assert abs(mu - 1.0) < 0.05 and abs(sigma - 0.7) < 0.05
    assert abs(model.desk_factor[5] - 1.3) < 0.05
    assert 6 not in model.desk_factor  # three visits say nothing about a pace
    assert abs(model.mean_minutes(1) - math.exp(2.6 + 0.08)) < 0.5


def test_zero_ahead_with_a_free_desk_is_called_at_once():
    estimate = predict_wait(queue_of(0), 1000, TEN_MINUTES, rng_seed=1)
    assert estimate.typical_min < 0.01
    assert estimate.upper_min < 0.01


def test_estimate_grows_with_tickets_ahead():
    typical = []
    for ahead in (0, 2, 6, 12, 24):
        estimate = predict_wait(queue_of(ahead), 1000, TEN_MINUTES, rng_seed=1)
        assert estimate.upper_min >= estimate.typical_min
        typical.append(estimate.typical_min)
    assert typical == sorted(typical) and len(set(typical)) == len(typical)
    # 24 ahead at two desks of about ten minutes: about two hours.
    assert 100 < typical[-1] < 140


def test_visitor_at_the_desk_for_long_is_expected_to_finish_soon():
    """The remaining time is drawn given the time already spent, not from scratch."""

    def waiting_behind(elapsed: float) -> float:
        snapshot = queue_of(0, desks=1)
        busy = DeskState(
            desk=snapshot.desks[0].desk, serving_service_id=1, serving_elapsed_min=elapsed
        )
        snapshot = dataclasses.replace(snapshot, desks=(busy,))
        return predict_wait(snapshot, 1000, TEN_MINUTES, rng_seed=3).typical_min

    assert waiting_behind(0) > waiting_behind(9) > 0
    assert waiting_behind(9) < 8


def test_no_desk_for_the_service_means_no_estimate():
    snapshot = queue_of(3)
    snapshot = dataclasses.replace(snapshot, waiting=(*snapshot.waiting, walk_in(2000, 0, 7)))
    estimate = predict_wait(snapshot, 2000, TEN_MINUTES, rng_seed=1)
    assert math.isinf(estimate.typical_min)


def test_a_ticket_no_longer_waiting_is_refused_with_a_value_error():
    """The ticket page asks for a ticket a desk may have called a moment ago."""
    with pytest.raises(ValueError):
        predict_wait(queue_of(3), 4242, TEN_MINUTES, rng_seed=1)


def snapshots_of(day: Day, history_seed: int = 11) -> dict[int, tuple[Snapshot, float | None]]:
    """Return each walk-in's snapshot at issue, with the wait it then had."""
    seen: dict[int, Snapshot] = {}

    def keep(snapshot: Snapshot, ticket_id: int) -> None:
        seen[ticket_id] = snapshot
        return None

    log = run_day(day, on_issue=keep)
    waited = {issue.ticket_id: issue.waited_min for issue in log.issues}
    return {ticket: (snapshot, waited[ticket]) for ticket, snapshot in seen.items()}


def test_changing_true_durations_of_later_visitors_changes_no_earlier_prediction():
    history = run_day(generate_day(11, 0, visitors=500))
    model = history.model()
    day = generate_day(11, 1, visitors=500)
    before = snapshots_of(day)
    issued = sorted(before, key=lambda t: (before[t][0].now, t))
    moment = before[issued[len(issued) // 2]][0]  # the snapshot at a ticket mid-day
    # Three times slower service for everyone not yet called then.
    later = {w.id for w in moment.waiting} | {
        v.id for v in day.visitors if v.arrives_at is not None and v.arrives_at > moment.now
    }
    slower = dataclasses.replace(
        day,
        visitors=tuple(
            dataclasses.replace(v, duration_min=v.duration_min * 3) if v.id in later else v
            for v in day.visitors
        ),
    )
    after = snapshots_of(slower)

    earlier = [t for t in issued if before[t][0].now <= moment.now]
    assert len(earlier) > 50
    for ticket in earlier:
        assert after[ticket][0] == before[ticket][0]
    for ticket in earlier[-5:]:
        snapshot = before[ticket][0]
        assert predict_wait(snapshot, ticket, model, rng_seed=ticket) == predict_wait(
            after[ticket][0], ticket, model, rng_seed=ticket
        )
    # The change was real: the visitors who came later waited longer.
    later_waits = [
        (before[t][1], after[t][1])
        for t in issued
        if before[t][0].now > moment.now and before[t][1] is not None and after[t][1] is not None
    ]
    assert sum(b for _, b in later_waits) > 1.5 * sum(a for a, _ in later_waits)


def test_upper_value_not_below_the_typical_one_on_a_simulated_day():
    history = run_day(generate_day(5, 0, visitors=700))
    model = history.model()
    day = snapshots_of(generate_day(5, 1, visitors=700))
    tickets = sorted(day, key=lambda t: -len(day[t][0].waiting))[:15]
    for ticket in tickets:
        estimate = predict_wait(day[ticket][0], ticket, model, rng_seed=1, runs=60)
        assert 0 <= estimate.typical_min <= estimate.upper_min < math.inf


# The replay against choose_next itself: with fixed service times it must
# call everybody at the same minute as a plain loop over choose_next does.
SERVICE_MINUTES = {1: 7, 2: 11, 3: 13}
FIXED = ServiceTimeModel(lognormal={s: (math.log(m), 0.0) for s, m in SERVICE_MINUTES.items()})


def reference_waits(snapshot: Snapshot) -> dict[int, float]:
    """Play the snapshot with choose_next: the earliest free desk calls, lowest id first."""
    rules = snapshot.rules
    free = dict.fromkeys(range(len(snapshot.desks)), 0.0)
    recent = {k: deque(state.recent, maxlen=rules.window) for k, state in enumerate(snapshot.desks)}
    waiting = list(snapshot.waiting)
    called: dict[int, float] = {}
    for _ in range(10 * len(waiting) + 50):
        k = min(free, key=lambda k: (free[k], k))
        t = free[k]
        if math.isinf(t):
            break
        desk = snapshot.desks[k].desk
        chosen = choose_next(
            desk,
            waiting,
            NOW + timedelta(minutes=t),
            recent_priority_calls=sum(recent[k]),
            recent_calls=len(recent[k]),
            rules=rules,
        )
        if chosen is None:
            due = [
                (w.slot_at - NOW).total_seconds() / 60 - rules.booked_early_minutes
                for w in waiting
                if w.service_id in desk.service_ids and w.kind == BOOKED
            ]
            free[k] = min([d for d in due if d > t], default=math.inf)
            continue
        waiting.remove(chosen)
        recent[k].append(chosen.priority)
        called[chosen.id] = t
        free[k] = t + SERVICE_MINUTES[chosen.service_id]
    return called


fixed_tickets = st.lists(
    st.tuples(
        st.integers(1, 3),  # service
        st.sampled_from([WALK_IN, REMOTE, BOOKED]),
        st.booleans(),  # priority
        st.integers(0, 60),  # queued minutes ago
        st.integers(-20, 60),  # slot from now
    ),
    min_size=1,
    max_size=14,
)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    tickets=fixed_tickets,
    desks=st.lists(st.frozensets(st.integers(1, 3), min_size=1), min_size=1, max_size=4),
    recent=st.lists(st.booleans(), max_size=10),
    chosen=st.integers(0, 13),
)
def test_replay_calls_as_choose_next_does(tickets, desks, recent, chosen):
    waiting = tuple(
        Waiting(
            id=i + 1,
            service_id=service_id,
            kind=kind,
            priority=priority,
            queued_at=NOW - timedelta(minutes=ago),
            slot_at=NOW + timedelta(minutes=slot) if kind == BOOKED else None,
        )
        for i, (service_id, kind, priority, ago, slot) in enumerate(tickets)
    )
    snapshot = Snapshot(
        now=NOW,
        desks=tuple(
            DeskState(desk=Desk(id=k + 1, service_ids=s), recent=tuple(recent) if k == 0 else ())
            for k, s in enumerate(desks)
        ),
        waiting=waiting,
        rules=Rules(priority_cap=0.2),
    )
    ticket = waiting[chosen % len(waiting)]
    reference = reference_waits(snapshot)
    expected = reference.get(ticket.id, math.inf)
    estimate = predict_wait(snapshot, ticket.id, FIXED, rng_seed=1, runs=3)
    assert estimate.typical_min == expected
    assert estimate.upper_min == expected
    # Every ticket followed in one replay is called at the same minutes too.
    everyone = predict_all(snapshot, FIXED, rng_seed=1, runs=3)
    assert set(everyone) == {w.id for w in waiting}
    for w in waiting:
        assert everyone[w.id].typical_min == everyone[w.id].upper_min
        assert everyone[w.id].typical_min == reference.get(w.id, math.inf)
    # A walk-in of each service issued now, followed in the same replay,
    # waits as it would as a real ticket and changes nobody else's wait.
    with_newcomers = predict_all(snapshot, FIXED, rng_seed=1, runs=3, newcomers=(1, 2, 3))
    for w in waiting:
        assert with_newcomers[w.id] == everyone[w.id]
    for service_id in (1, 2, 3):
        newcomer = Waiting(
            id=999,
            service_id=service_id,
            kind=WALK_IN,
            priority=False,
            queued_at=NOW + timedelta(microseconds=1),
            slot_at=None,
        )
        alone = reference_waits(dataclasses.replace(snapshot, waiting=(*waiting, newcomer)))
        assert with_newcomers[newcomer_id(service_id)].typical_min == alone.get(999, math.inf)


def test_replay_matches_choose_next_when_a_capped_desk_passes_over_a_priority_visitor():
    tickets = [
        (3, WALK_IN, False, 28, 46),
        (1, WALK_IN, False, 43, 52),
        (3, REMOTE, True, 6, 25),
    ]
    waiting = tuple(
        Waiting(
            id=i + 1,
            service_id=service_id,
            kind=kind,
            priority=priority,
            queued_at=NOW - timedelta(minutes=ago),
            slot_at=NOW + timedelta(minutes=slot) if kind == BOOKED else None,
        )
        for i, (service_id, kind, priority, ago, slot) in enumerate(tickets)
    )
    snapshot = Snapshot(
        now=NOW,
        desks=(
            DeskState(
                desk=Desk(id=1, service_ids=frozenset({3})), recent=(True, False, False, True)
            ),
            DeskState(desk=Desk(id=2, service_ids=frozenset({1, 2, 3})), recent=()),
        ),
        waiting=waiting,
        rules=Rules(priority_cap=0.2),
    )
    assert reference_waits(snapshot)[2] == 13.0
    assert predict_wait(snapshot, 2, FIXED, rng_seed=1, runs=3).typical_min == 13.0


def test_one_replay_for_every_ticket_agrees_with_one_per_ticket():
    """predict_all draws otherwise than predict_wait but estimates the same waits."""
    model = run_day(generate_day(3, 0)).model()
    day = snapshots_of(generate_day(3, 1))
    snapshot = max((s for s, _ in day.values()), key=lambda s: len(s.waiting))
    assert len(snapshot.waiting) > 40
    everyone = predict_all(snapshot, model, rng_seed=1)
    for w in snapshot.waiting[::6]:
        alone = predict_wait(snapshot, w.id, model, rng_seed=w.id)
        together = everyone[w.id]
        assert abs(together.typical_min - alone.typical_min) <= max(3.0, 0.15 * alone.typical_min)
        assert together.typical_min <= together.upper_min


def test_every_estimate_of_an_empty_queue_is_none():
    assert predict_all(queue_of(0), TEN_MINUTES, rng_seed=1)[1000].typical_min < 0.01
    empty = dataclasses.replace(queue_of(0), waiting=())
    assert predict_all(empty, TEN_MINUTES) == {}
