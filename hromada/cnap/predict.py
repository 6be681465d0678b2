"""
Predict how long a visitor of the service centre (ЦНАП) will wait.

At the moment a ticket is issued the centre knows the tickets ahead for each
service, which desks are open and what they handle, how long each visitor at
a desk has been served so far (not how long it will take), the bookings due
and the breaks planned. `predict_wait` replays the day from there a few
hundred times with the centre's own dispatch rules (`dispatch.choose_next`)
and service times drawn from distributions learned from past visits, and
returns the median and the 80th percentile of the simulated waits.

It sees only that `Snapshot`: no true durations, no future no-shows. What is
unknown is drawn: the remaining time of each visitor being served (from the
service's lognormal, given the time already spent), which booked visitors
come (the learned no-show rate), the priority visitors who will walk in (the
learned rate per hour, Poisson) and who gives up waiting (learned patience).

The runs are replayed side by side in numpy arrays: each step lets the desk
that frees first in each run call its next visitor by the same rules as
`choose_next` (a test checks that both choose alike), so one estimate costs a
few milliseconds even with a hundred tickets waiting. Plain Python and numpy,
no Django.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from hromada.cnap.dispatch import BOOKED, Desk, Rules, Waiting

RUNS = 200
PERCENTILE_UPPER = 80
# The replay looks this far ahead first, and twice as far while the
# upper value is not within reach (a run's path up to the horizon does not
# depend on anything after it, so values below it are exact).
HORIZONS_MIN = (30.0, 60.0, 90.0, 120.0, 180.0, 240.0, 360.0, 480.0, 720.0, 960.0)
# With fewer visits than this an operator's pace is taken as the service's.
MIN_DESK_SAMPLES = 20
# Shrinks an operator's pace towards 1 with few visits: n / (n + this).
DESK_SHRINK = 10.0
DEFAULT_SIGMA = 0.5
DEFAULT_MEAN_MIN = 10.0


@dataclass(frozen=True, slots=True)
class DeskState:
    """What the centre knows about one desk on today's roster."""

    desk: Desk
    serving_service_id: int | None = None  # service of the visitor at the desk now
    serving_elapsed_min: float = 0.0  # how long that visitor has been served
    break_until: datetime | None = None  # on a break now, until then
    breaks: tuple[tuple[datetime, datetime], ...] = ()  # planned later (start, end)
    opens_at: datetime | None = None  # the operator's shift starts later
    closes_at: datetime | None = None  # calls nobody from then on (None: until the queue is empty)
    recent: tuple[bool, ...] = ()  # the desk's last calls, oldest first: True = priority


@dataclass(frozen=True, slots=True)
class Booking:
    """A booked slot whose visitor has not checked in yet."""

    id: int
    service_id: int
    slot_at: datetime
    priority: bool = False


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The centre as it is known at `now`."""

    now: datetime
    desks: tuple[DeskState, ...]
    waiting: tuple[Waiting, ...]
    bookings: tuple[Booking, ...] = ()  # due in the next hours
    priority_rate_per_hour: Mapping[int, float] = field(default_factory=dict)  # by service
    rules: Rules = Rules()


@dataclass(frozen=True, slots=True)
class Estimate:
    """A wait in minutes: the typical value (median) and an upper one (80th percentile)."""

    typical_min: float
    upper_min: float


@dataclass(frozen=True)
class ServiceTimeModel:
    """
    Service times learned from the event log.

    Each service's duration in minutes is lognormal (`lognormal[service] =
    (mu, sigma)` of its logarithm); an operator's pace multiplies it
    (`desk_factor[desk]`, 1 when unknown). `no_show_rate` is the share of
    bookings whose visitor does not come; `patience_mean_min` the mean of the
    exponential time a waiting visitor stays before leaving (None: nobody
    leaves).
    """

    lognormal: Mapping[int, tuple[float, float]]
    desk_factor: Mapping[int, float] = field(default_factory=dict)
    no_show_rate: float = 0.0
    patience_mean_min: float | None = None

    @classmethod
    def fit(
        cls,
        durations_by_service: Mapping[int, Sequence[float]],
        *,
        durations_by_desk: Mapping[int, Iterable[tuple[int, float]]] | None = None,
        no_show_rate: float = 0.0,
        patience_mean_min: float | None = None,
        min_desk_samples: int = MIN_DESK_SAMPLES,
    ) -> ServiceTimeModel:
        """
        Fit each service's lognormal to past durations (minutes) by maximum likelihood.

        `durations_by_desk` gives (service, minutes) per desk; a desk with at
        least `min_desk_samples` visits gets its own pace: how much longer or
        shorter than the service's typical time its visits took, shrunk
        towards 1 when it has few.
        """
        lognormal = {}
        for service_id, durations in durations_by_service.items():
            logs = np.log(np.asarray([d for d in durations if d > 0], dtype=float))
            if len(logs) == 0:
                continue
            sigma = float(logs.std(ddof=1)) if len(logs) > 1 else DEFAULT_SIGMA
            lognormal[service_id] = (float(logs.mean()), max(sigma, 1e-3))
        desk_factor = {}
        for desk_id, visits in (durations_by_desk or {}).items():
            residuals = [
                math.log(minutes) - lognormal[service_id][0]
                for service_id, minutes in visits
                if minutes > 0 and service_id in lognormal
            ]
            if len(residuals) >= min_desk_samples:
                shrunk = sum(residuals) / (len(residuals) + DESK_SHRINK)
                desk_factor[desk_id] = math.exp(shrunk)
        return cls(
            lognormal=lognormal,
            desk_factor=desk_factor,
            no_show_rate=no_show_rate,
            patience_mean_min=patience_mean_min,
        )

    def params(self, service_id: int) -> tuple[float, float]:
        """Return (mu, sigma) for a service; an unknown one gets the services' average."""
        if service_id in self.lognormal:
            return self.lognormal[service_id]
        if not self.lognormal:
            return (math.log(DEFAULT_MEAN_MIN) - DEFAULT_SIGMA**2 / 2, DEFAULT_SIGMA)
        mus, sigmas = zip(*self.lognormal.values(), strict=True)
        return (sum(mus) / len(mus), sum(sigmas) / len(sigmas))

    def mean_minutes(self, service_id: int) -> float:
        """Return the expected duration of one visit for the service."""
        mu, sigma = self.params(service_id)
        return math.exp(mu + sigma**2 / 2)


# Acklam's rational approximation of the normal quantile (relative error
# below 1.2e-9), vectorised: numpy has no erfinv and scipy is not needed.
_A = (-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.3577518672690, -30.66479806614716, 2.506628277459239)  # fmt: skip
_B = (-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572)  # fmt: skip
_C = (-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783)  # fmt: skip
_D = (0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416)


def _normal_quantile(p: np.ndarray) -> np.ndarray:
    """Return the standard normal quantile of each probability in (0, 1)."""
    p = np.clip(p, 1e-300, 1 - 1e-16)
    out = np.empty_like(p)
    low = p < 0.02425
    high = p > 1 - 0.02425
    mid = ~(low | high)
    q = p[mid] - 0.5
    r = q * q
    num = ((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]
    den = ((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1
    out[mid] = num * q / den
    for mask, sign, tail in ((low, 1.0, p[low]), (high, -1.0, 1 - p[high])):
        q = np.sqrt(-2 * np.log(tail))
        num = ((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]
        den = (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1
        out[mask] = sign * num / den
    return out


def _normal_sf(x: float) -> float:
    return 0.5 * math.erfc(x / math.sqrt(2))


def remaining_minutes(
    rng: np.random.Generator, mu: float, sigma: float, elapsed: float, size: int
) -> np.ndarray:
    """
    Draw the time left for a visit already `elapsed` minutes long.

    The duration is lognormal(mu, sigma) conditioned on exceeding `elapsed`:
    a visit that has lasted long is likely to last longer still.
    """
    if elapsed <= 0:
        return np.exp(mu + sigma * rng.standard_normal(size))
    cut = (math.log(elapsed) - mu) / sigma
    # Draw in the upper tail directly, so a very long visit keeps its precision.
    tail = _normal_sf(cut) * (1 - rng.random(size))
    z = -_normal_quantile(np.maximum(tail, 1e-300))
    return np.maximum(np.exp(mu + sigma * z) - elapsed, 0.0)


# Score offsets of the three dispatch classes; keys within a class stay
# far below them (float32 keeps integers exact up to 1.6e7).
_BOOKED_OFFSET = 1e6
_WALK_OFFSET = 2e6
_CURRENT_PRIORITY = -5e5


def predict_wait(
    snapshot: Snapshot,
    ticket_id: int,
    model: ServiceTimeModel,
    rng_seed: int | None = None,
    *,
    runs: int = RUNS,
) -> Estimate:
    """
    Return the typical and upper wait (minutes) of a waiting ticket from now.

    Infinite when no desk on the roster calls it within the longest horizon.
    """
    # The upper value is interpolated from the runs' sorted waits up to this
    # rank: the slower runs need not be played to their end.
    upper_rank = math.floor(PERCENTILE_UPPER / 100 * (runs - 1)) + 2
    # Start at a horizon a rough estimate suggests, so retries are rare.
    rough = _rough_wait(snapshot, ticket_id, model)
    horizons = [h for h in HORIZONS_MIN if h >= 1.2 * rough + 15] or [HORIZONS_MIN[-1]]
    for horizon in horizons:
        waits = simulate_waits(
            snapshot, ticket_id, model, rng_seed, runs=runs, horizon=horizon, enough=upper_rank
        )
        # Runs still waiting at the horizon count as "longer than it".
        typical, upper = np.percentile(
            np.minimum(waits, horizon), [50, PERCENTILE_UPPER], method="linear"
        )
        if upper < horizon:
            return Estimate(float(typical), float(upper))
    return Estimate(
        float(typical) if typical < horizon else math.inf,
        math.inf,
    )


def _rough_wait(snapshot: Snapshot, ticket_id: int, model: ServiceTimeModel) -> float:
    """Return tickets ahead for the service × its mean time ÷ desks that handle it."""
    target = next(w for w in snapshot.waiting if w.id == ticket_id)
    ahead = sum(
        1
        for w in snapshot.waiting
        if w.service_id == target.service_id and (w.queued_at, w.id) < (target.queued_at, target.id)
    )
    desks = sum(1 for d in snapshot.desks if target.service_id in d.desk.service_ids)
    return (ahead + 1) * model.mean_minutes(target.service_id) / max(desks, 1)


def simulate_waits(  # noqa: C901 - one loop, kept whole so the arrays stay local
    snapshot: Snapshot,
    ticket_id: int,
    model: ServiceTimeModel,
    rng_seed: int | None = None,
    *,
    runs: int = RUNS,
    horizon: float = HORIZONS_MIN[-1],
    enough: int | None = None,
) -> np.ndarray:
    """
    Return the ticket's wait (minutes from now) in each of `runs` replays.

    Replays stop at `horizon` minutes: a run whose ticket is still waiting
    then gives infinity, and nothing due later is drawn. With `enough`, the
    replays stop as soon as the `enough` shortest waits are known; the
    others are left infinite.
    """
    rng = np.random.default_rng(rng_seed)
    rules = snapshot.rules
    now = snapshot.now
    target = next((w for w in snapshot.waiting if w.id == ticket_id), None)
    if target is None:
        raise ValueError(f"ticket {ticket_id} is not waiting")

    def minutes(moment: datetime) -> float:
        return (moment - now).total_seconds() / 60

    early = float(rules.booked_early_minutes)
    target_regular = not target.priority and target.kind != BOOKED
    # A regular walk-in behind the ticket is never called before it by a desk
    # that could call the ticket, so it is left out.
    waiting = [
        w
        for w in snapshot.waiting
        if w.priority
        or w.kind == BOOKED
        or not target_regular
        or (w.queued_at, w.id) <= (target.queued_at, target.id)
    ]
    services = sorted(
        {w.service_id for w in waiting}
        | {b.service_id for b in snapshot.bookings}
        | set(snapshot.priority_rate_per_hour)
    )

    # Items: the tickets waiting, then bookings, then possible priority arrivals.
    service_of: list[int] = []
    priority: list[bool] = []
    booked_regular: list[bool] = []
    avail0: list[float] = []  # callable from (minutes), the same in every run
    order: list[tuple] = []  # class sort key before ranking
    for w in waiting:
        service_of.append(w.service_id)
        priority.append(w.priority)
        booked_regular.append(w.kind == BOOKED and not w.priority)
        due = minutes(w.slot_at) - early if w.kind == BOOKED and w.slot_at else -math.inf
        avail0.append(max(due, 0.0))
        if w.priority:
            order.append((0, w.queued_at.timestamp(), w.id))
        elif w.kind == BOOKED:
            slot = (w.slot_at or w.queued_at).timestamp()
            order.append((1, slot, w.queued_at.timestamp(), w.id))
        else:
            order.append((2, w.queued_at.timestamp(), w.id))
    first_booking = len(service_of)
    for b in snapshot.bookings:
        if minutes(b.slot_at) - early >= horizon:
            continue
        service_of.append(b.service_id)
        priority.append(b.priority)
        booked_regular.append(not b.priority)
        avail0.append(max(minutes(b.slot_at) - early, 0.0))
        # Checked in later than anyone waiting now; priority ones rank by arrival.
        order.append(
            (0, math.inf, b.id) if b.priority else (1, b.slot_at.timestamp(), math.inf, b.id)
        )
    first_arrival = len(service_of)
    arrival_services = []
    for service_id, rate in sorted(snapshot.priority_rate_per_hour.items()):
        expected = rate * horizon / 60
        if expected <= 0:
            continue
        slots = int(math.ceil(expected + 4 * math.sqrt(expected) + 2))
        arrival_services.append((service_id, rate, slots))
        for _ in range(slots):
            service_of.append(service_id)
            priority.append(True)
            booked_regular.append(False)
            avail0.append(0.0)
            order.append((0, math.inf, math.inf))
    n = len(service_of)
    target_index = next(i for i, w in enumerate(waiting) if w.id == ticket_id)

    # Static keys: rank within the class by dispatch's own order.
    ranked = sorted(range(n), key=lambda i: order[i])
    rank = np.empty(n)
    rank[ranked] = np.arange(n)
    prio = np.asarray(priority, dtype=bool)
    bkd = np.asarray(booked_regular, dtype=bool)
    base = np.where(
        prio, _CURRENT_PRIORITY + rank, np.where(bkd, _BOOKED_OFFSET, _WALK_OFFSET) + rank
    )
    base = np.broadcast_to(base, (runs, n)).copy()
    avail = np.broadcast_to(np.asarray(avail0), (runs, n)).copy()

    # Bookings: who comes is drawn; a priority one ranks by its check-in.
    if first_arrival > first_booking:
        comes = rng.random((runs, first_arrival - first_booking)) >= model.no_show_rate
        avail[:, first_booking:first_arrival] = np.where(
            comes, avail[:, first_booking:first_arrival], np.inf
        )
        booking_prio = prio[first_booking:first_arrival]
        base[:, first_booking:first_arrival] = np.where(
            booking_prio,
            avail[:, first_booking:first_arrival],
            base[:, first_booking:first_arrival],
        )
    # Priority visitors walking in: Poisson times per service, in order.
    if n > first_arrival:
        start = first_arrival
        for _service_id, rate, slots in arrival_services:
            gaps = rng.exponential(60 / rate, (runs, slots))
            times = np.cumsum(gaps, axis=1)
            times[times > horizon] = np.inf
            avail[:, start : start + slots] = times
            base[:, start : start + slots] = times
            start += slots

    # Waiting visitors give up after an exponential patience (memoryless:
    # from now for those waiting, from arrival for the others).
    if model.patience_mean_min:
        leave = np.maximum(avail, 0) + rng.exponential(model.patience_mean_min, (runs, n))
        leave[:, target_index] = np.inf
    else:
        leave = np.full((runs, n), np.inf)

    # Service times of the visitors, drawn once per run and item.
    svc_index = {s: k for k, s in enumerate(services)}
    item_svc = np.asarray([svc_index[s] for s in service_of], dtype=np.intp)
    mu = np.asarray([model.params(s)[0] for s in services])
    sigma = np.asarray([model.params(s)[1] for s in services])
    duration = np.exp(mu[item_svc] + sigma[item_svc] * rng.standard_normal((runs, n)))

    # Desks.
    desks = snapshot.desks
    n_desks = len(desks)
    eligible = np.zeros((n_desks, n), dtype=bool)
    factor = np.ones(n_desks)
    close = np.full(n_desks, np.inf)
    free_at = np.zeros((runs, n_desks))
    window = max(rules.window, 1)
    recent = np.zeros((runs, n_desks, window), dtype=np.int8)
    position = np.zeros((runs, n_desks), dtype=np.intp)
    max_breaks = max((len(d.breaks) for d in desks), default=0)
    break_start = np.full((n_desks, max_breaks + 1), np.inf)
    break_end = np.full((n_desks, max_breaks + 1), np.inf)
    service_array = np.asarray(service_of)
    for k, state in enumerate(desks):
        eligible[k] = np.isin(service_array, list(state.desk.service_ids))
        factor[k] = model.desk_factor.get(state.desk.id, 1.0)
        if state.closes_at is not None:
            close[k] = minutes(state.closes_at)
        start = 0.0
        if state.opens_at is not None:
            start = max(start, minutes(state.opens_at))
        if state.break_until is not None:
            start = max(start, minutes(state.break_until))
        column = np.full(runs, start)
        if state.serving_service_id is not None:
            m, s = model.params(state.serving_service_id)
            column = column + remaining_minutes(
                rng, m + math.log(factor[k]), s, state.serving_elapsed_min, runs
            )
        elif close[k] <= start:
            column[:] = np.inf
        free_at[:, k] = column
        flags = state.recent[-window:]
        recent[:, k, : len(flags)] = np.asarray(flags, dtype=np.int8)
        position[:, k] = len(flags) % window
        for j, (b_start, b_end) in enumerate(sorted(b for b in state.breaks if b[1] > now)):
            break_start[k, j] = minutes(b_start)
            break_end[k, j] = minutes(b_end)
    next_break = np.zeros((runs, n_desks), dtype=np.intp)
    recent_priority = recent.sum(axis=2).astype(np.int32)
    cap = rules.priority_cap * rules.window + 1e-9
    wait = np.full(runs, np.inf)
    if not eligible[:, target_index].any():
        return wait

    # float32 halves the memory each step sweeps; a called visitor's
    # "callable from" becomes infinite.
    avail = avail.astype(np.float32)
    leave = leave.astype(np.float32)
    base = base.astype(np.float32)
    duration = duration.astype(np.float32)
    run_id = np.arange(runs)
    done = np.zeros(runs, dtype=bool)
    # The item an idle desk sleeps until (-1: none): when another desk takes
    # it first, the sleeper looks again at once instead of waking for nothing.
    sleeps_on = np.full((runs, n_desks), -1, dtype=np.intp)
    stops = bool(np.isfinite(close).any() or np.isfinite(break_start).any())

    def next_callable(r: np.ndarray, dd: np.ndarray, since: np.ndarray):
        """Return when desk `dd` of run `r` next has someone to call, and whom."""
        at = np.maximum(avail[r], since.astype(np.float32)[:, None])
        later = eligible[dd] & (leave[r] > at)
        at = np.where(later, at, np.inf)
        item = at.argmin(axis=1)
        return at[np.arange(len(r)), item], item

    max_steps = 6 * (n + n_desks * (max_breaks + 2)) + 100
    for step in range(max_steps):
        if done.sum() * 8 >= len(done):  # drop finished runs from the sweep
            keep = ~done
            if not keep.any():
                break
            run_id, free_at, recent, position = (
                run_id[keep], free_at[keep], recent[keep], position[keep]
            )  # fmt: skip
            next_break, recent_priority = next_break[keep], recent_priority[keep]
            avail, leave, base, duration = avail[keep], leave[keep], base[keep], duration[keep]
            sleeps_on, done = sleeps_on[keep], done[keep]
        rows = np.arange(len(run_id))
        d = free_at.argmin(axis=1)
        t = free_at[rows, d]
        done |= t >= horizon  # still waiting at the horizon, or nobody left to call it
        if enough is not None and step % 4 == 0:
            known = np.sort(wait[np.isfinite(wait)])
            # Runs still playing wait longer than their clock shows.
            if len(known) >= enough and (done | (t >= known[enough - 1])).all():
                break

        go = ~done
        b = next_break[rows, d]
        if stops:
            # Closed desks call nobody; breaks start when the operator frees up.
            closed = go & (t >= close[d])
            free_at[rows[closed], d[closed]] = np.inf
            missed = go & ~closed & (t >= break_end[d, b])
            resting = go & ~closed & ~missed & (t >= break_start[d, b])
            moved = missed | resting
            next_break[rows[moved], d[moved]] += 1
            free_at[rows[resting], d[resting]] = break_end[d[resting], b[resting]]
            go &= ~(closed | moved)
            if not go.any():
                continue

        # choose_next, for every run at once: the best score among callable
        # tickets; a priority pick over the cap yields to a regular visitor.
        tt = t.astype(np.float32)[:, None]
        can = eligible[d] & (avail <= tt) & (leave > tt)
        score = np.where(can, base, np.inf)
        pick = score.argmin(axis=1)
        found = go & np.isfinite(score[rows, pick])
        capped = np.flatnonzero(found & prio[pick] & (recent_priority[rows, d] + 1 > cap))
        if len(capped):
            regular = np.where(can[capped] & ~prio, base[capped], np.inf)
            instead = regular.argmin(axis=1)
            has = np.isfinite(regular[np.arange(len(capped)), instead])
            pick[capped[has]] = instead[has]

        r, dd, p, tf = rows[found], d[found], pick[found], t[found]
        avail[r, p] = np.inf
        free_at[r, dd] = tf + duration[r, p] * factor[dd]
        sleeps_on[r, dd] = -1
        is_priority = prio[p].astype(np.int8)
        slot = position[r, dd]
        recent_priority[r, dd] += is_priority - recent[r, dd, slot]
        recent[r, dd, slot] = is_priority
        position[r, dd] = (slot + 1) % window
        hit = p == target_index
        wait[run_id[r[hit]]] = tf[hit]
        done[r[hit]] = True
        # Desks that slept until a visitor just called look for the next one.
        woken_run, woken_desk = np.nonzero(sleeps_on[r] == p[:, None])
        if len(woken_run):
            wr, wd = r[woken_run], woken_desk
            when, item = next_callable(wr, wd, tf[woken_run])
            bs = break_start[wd, next_break[wr, wd]]
            free_at[wr, wd] = np.minimum(when, bs)
            sleeps_on[wr, wd] = np.where(when <= bs, item, -1)

        # An idle desk sleeps until the next visitor it could call, or its break.
        idle = go & ~found
        if idle.any():
            r, dd = rows[idle], d[idle]
            when, item = next_callable(r, dd, t[idle])
            bs = break_start[dd, b[idle]]
            free_at[r, dd] = np.minimum(when, bs)
            sleeps_on[r, dd] = np.where(when <= bs, item, -1)
    return wait
