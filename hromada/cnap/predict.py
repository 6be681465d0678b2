"""
Predict how long a visitor of the service centre (ЦНАП) will wait.

At the moment a ticket is issued the centre knows the tickets ahead for each
service, which desks are open and what they handle, how long each visitor at
a desk has been served so far (not how long it will take), the bookings due
and the breaks planned. `predict_wait` replays the day from there a
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
few milliseconds even with a hundred tickets waiting. `predict_all` follows
every waiting ticket in the same replays, for about the cost of three single
estimates: what an office's ticket pages should share. Plain Python and
numpy, no Django.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np

from hromada.cnap.dispatch import BOOKED, Desk, Rules, Waiting

# Runs per estimate: the 80th percentile of 100 runs is within a few
# percentage points, and one estimate stays within a few milliseconds.
RUNS = 100
PERCENTILE_UPPER = 80
# The replay looks this far ahead first, and twice as far while the
# upper value is not within reach (a run's path up to the horizon does not
# depend on anything after it, so values below it are exact).
HORIZONS_MIN = (30.0, 60.0, 120.0, 240.0, 480.0, 960.0)
# The first horizon: at least this many times the rough wait plus this many
# minutes. A retry replays the day again from now, while a longer horizon
# costs little (the replay stops once the upper value is known): on the
# bench's simulated days a margin of 1.5 × + 15 min cost about a tenth more
# CPU per estimate on average, for the same accuracy.
HORIZON_MARGIN = (2.5, 30.0)
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
    rng: np.random.Generator,
    mu: np.ndarray,
    sigma: np.ndarray,
    elapsed: np.ndarray,
    size: int,
) -> np.ndarray:
    """
    Draw `size` times left for each visit already `elapsed` minutes long.

    Each duration is lognormal(mu, sigma) conditioned on exceeding
    `elapsed`: a visit that has lasted long is likely to last longer still.
    Returns an array of shape (size, visits).
    """
    mu, sigma, elapsed = (np.asarray(x, dtype=float) for x in (mu, sigma, elapsed))
    total = np.exp(mu + sigma * rng.standard_normal((size, len(mu))))
    started = (elapsed > 0) & (sigma > 0)
    if started.any():
        m, s = mu[started], sigma[started]
        cut = (np.log(elapsed[started]) - m) / s
        beyond = np.asarray([_normal_sf(c) for c in cut])
        # Draw in the upper tail directly, so a very long visit keeps its precision.
        tail = beyond * (1 - rng.random((size, len(m))))
        total[:, started] = np.exp(m - s * _normal_quantile(np.maximum(tail, 1e-300)))
    return np.maximum(total - elapsed, 0.0)


def _quantiles(values: np.ndarray, percents: Sequence[float]) -> list[float]:
    """Return percentiles with linear interpolation, as numpy's default (but cheaper)."""
    ordered = np.sort(values)
    result = []
    for percent in percents:
        position = percent / 100 * (len(ordered) - 1)
        low = math.floor(position)
        high = min(low + 1, len(ordered) - 1)
        result.append(float(ordered[low] + (ordered[high] - ordered[low]) * (position - low)))
    return result


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
    ValueError when the ticket is not waiting in the snapshot (called meanwhile).
    """
    if not any(w.id == ticket_id for w in snapshot.waiting):
        raise ValueError(f"ticket {ticket_id} is not waiting")
    # The upper value is interpolated from the runs' sorted waits up to this
    # rank: the slower runs need not be played to their end.
    upper_rank = math.floor(PERCENTILE_UPPER / 100 * (runs - 1)) + 2
    # Start at a horizon a rough estimate suggests, so retries are rare.
    rough = _rough_wait(snapshot, ticket_id, model)
    horizons = _horizons(rough)
    for horizon in horizons:
        waits = simulate_waits(
            snapshot, ticket_id, model, rng_seed, runs=runs, horizon=horizon, enough=upper_rank
        )
        # Runs still waiting at the horizon count as "longer than it".
        typical, upper = _quantiles(np.minimum(waits, horizon), [50, PERCENTILE_UPPER])
        if upper < horizon:
            return Estimate(float(typical), float(upper))
    return Estimate(
        float(typical) if typical < horizon else math.inf,
        math.inf,
    )


def newcomer_id(service_id: int) -> int:
    """Return the key of a walk-in issued now for the service in `predict_all`'s answer."""
    return -service_id


def predict_all(
    snapshot: Snapshot,
    model: ServiceTimeModel,
    rng_seed: int | None = None,
    *,
    runs: int = RUNS,
    newcomers: Iterable[int] = (),
) -> dict[int, Estimate]:
    """
    Return the typical and upper wait (minutes) of every waiting ticket, by id.

    One set of replays follows every ticket at once, so a page that shows
    many tickets (or many pages of one office) pays for one replay instead
    of one per ticket; each ticket's values follow the same rules as
    `predict_wait` (infinite when no desk calls it within the longest
    horizon), from other random draws.

    `newcomers` names services whose next walk-in is followed too, as if
    issued now (the last of the queue; under `newcomer_id(service)`): each
    is found by the desk that would call it and leaves at once, so it keeps
    no desk busy and changes nobody's wait, its own only as if it alone
    had come. A ticket issued soon after gets its line's value without a
    replay of its own.
    """
    extra = tuple(
        Waiting(
            id=newcomer_id(service_id),
            service_id=service_id,
            kind="walk_in",
            priority=False,
            # Just after now: behind everyone already in the queue.
            queued_at=snapshot.now + timedelta(microseconds=1),
            slot_at=None,
        )
        for service_id in sorted(set(newcomers))
    )
    if extra:
        snapshot = replace(snapshot, waiting=snapshot.waiting + extra)
    if not snapshot.waiting:
        return {}
    # The horizon from the rough wait of the last regular ticket of each
    # service: the longest waits are theirs.
    last: dict[int, Waiting] = {w.service_id: w for w in snapshot.waiting}
    regular = [w for w in snapshot.waiting if not w.priority and w.kind != BOOKED]
    for w in sorted(regular, key=lambda w: (w.queued_at, w.id)):
        last[w.service_id] = w
    rough = max(_rough_wait(snapshot, w.id, model) for w in last.values())
    horizons = _horizons(rough)
    for horizon in horizons:
        waits = np.minimum(
            simulate_waits(
                snapshot,
                None,
                model,
                rng_seed,
                runs=runs,
                horizon=horizon,
                vanishing=frozenset(w.id for w in extra),
            ),
            horizon,
        )
        typical, upper = np.percentile(waits, [50, PERCENTILE_UPPER], axis=0)
        if (upper < horizon).all():
            break
    return {
        w.id: Estimate(
            float(typical[k]) if typical[k] < horizon else math.inf,
            float(upper[k]) if upper[k] < horizon else math.inf,
        )
        for k, w in enumerate(snapshot.waiting)
    }


def _horizons(rough_min: float) -> list[float]:
    """Return the horizons to try, longer each time, for a rough guess of the wait."""
    factor, minutes = HORIZON_MARGIN
    return [h for h in HORIZONS_MIN if h >= factor * rough_min + minutes] or [HORIZONS_MIN[-1]]


def _rough_wait(snapshot: Snapshot, ticket_id: int, model: ServiceTimeModel) -> float:
    """
    Return a quick guess of the wait, to choose the first horizon.

    The larger of: tickets ahead for the same service × its mean time ÷ the
    desks handling it, and the work ahead that those desks share ÷ all the
    desks sharing it.
    """
    target = next(w for w in snapshot.waiting if w.id == ticket_id)
    desks = [d for d in snapshot.desks if target.service_id in d.desk.service_ids]
    shared = set().union(*(d.desk.service_ids for d in desks)) if desks else set()
    ahead = [
        w
        for w in snapshot.waiting
        if w.service_id in shared
        and (w.priority or (w.queued_at, w.id) < (target.queued_at, target.id))
    ]
    same = sum(1 for w in ahead if w.service_id == target.service_id) + 1
    work = sum(model.mean_minutes(w.service_id) for w in ahead)
    helping = sum(1 for d in snapshot.desks if d.desk.service_ids & shared)
    return max(
        same * model.mean_minutes(target.service_id) / max(len(desks), 1),
        work / max(helping, 1),
    )


def simulate_waits(  # noqa: C901 - one loop, kept whole so the arrays stay local
    snapshot: Snapshot,
    ticket_id: int | None,
    model: ServiceTimeModel,
    rng_seed: int | None = None,
    *,
    runs: int = RUNS,
    horizon: float = HORIZONS_MIN[-1],
    enough: int | None = None,
    vanishing: frozenset[int] = frozenset(),
) -> np.ndarray:
    """
    Return the ticket's wait (minutes from now) in each of `runs` replays.

    Replays stop at `horizon` minutes: a run whose ticket is still waiting
    then gives infinity, and nothing due later is drawn. With `enough`, the
    replays stop as soon as the `enough` shortest waits are known; the
    others are left infinite.

    With `ticket_id` None, every waiting ticket's wait is followed in the
    same replays: an array of shape (runs, tickets), in the order of
    `snapshot.waiting`. A visitor who gave up is still found at the moment
    the desk would call them, so each ticket's waits are those it would
    have if it stayed, as with one ticket. The `vanishing` tickets are
    found gone whenever called: followed, but never keeping a desk.
    """
    rng = np.random.default_rng(rng_seed)
    rules = snapshot.rules
    now = snapshot.now
    every = ticket_id is None
    target = next((w for w in snapshot.waiting if w.id == ticket_id), None)
    if target is None and not every:
        raise ValueError(f"ticket {ticket_id} is not waiting")

    def minutes(moment: datetime) -> float:
        return (moment - now).total_seconds() / 60

    early = float(rules.booked_early_minutes)
    if every:
        # Every ticket is a target; none is left out below.
        target = snapshot.waiting[0] if snapshot.waiting else None
        if target is None:
            return np.zeros((runs, 0))
    target_regular = not every and not target.priority and target.kind != BOOKED
    # A regular walk-in behind the ticket is never called before it by a desk
    # that could call the ticket, so it is left out, unless some desk that
    # cannot call the ticket handles its service: there it keeps that desk
    # busy and, at a desk at its priority cap, makes a priority visitor wait
    # for another desk (maybe one the ticket waits for).
    elsewhere = set().union(
        *(
            state.desk.service_ids
            for state in snapshot.desks
            if target.service_id not in state.desk.service_ids
        )
    )
    waiting = [
        w
        for w in snapshot.waiting
        if w.priority
        or w.kind == BOOKED
        or not target_regular
        or (w.queued_at, w.id) <= (target.queued_at, target.id)
        or w.service_id in elsewhere
    ]
    services = sorted(
        {w.service_id for w in waiting}
        | {b.service_id for b in snapshot.bookings}
        | set(snapshot.priority_rate_per_hour)
    )

    # Items: the tickets waiting, then bookings, then possible priority arrivals.
    service_of: list[int] = []
    priority: list[bool] = []
    avail0: list[float] = []  # callable from (minutes), the same in every run
    order: list[tuple] = []  # class sort key before ranking
    for w in waiting:
        service_of.append(w.service_id)
        priority.append(w.priority)
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
        avail0.append(max(minutes(b.slot_at) - early, 0.0))
        # Checked in later than anyone waiting now; priority ones rank by arrival.
        order.append(
            (0, math.inf, b.id) if b.priority else (1, b.slot_at.timestamp(), math.inf, b.id)
        )
    first_arrival = len(service_of)
    # Priority visitors who walk in: one Poisson stream, each arrival's
    # service drawn by the services' rates; enough columns for the horizon.
    rates = {k: v for k, v in snapshot.priority_rate_per_hour.items() if v > 0}
    total_rate = sum(rates.values())
    expected = total_rate * horizon / 60
    arrivals = int(math.ceil(expected + 4 * math.sqrt(expected) + 2)) if expected > 0 else 0
    for _ in range(arrivals):
        service_of.append(target.service_id)  # drawn per run below
        priority.append(True)
        avail0.append(0.0)
        order.append((0, math.inf, math.inf))
    n = len(service_of)
    target_index = 0 if every else next(i for i, w in enumerate(waiting) if w.id == ticket_id)

    prio = np.asarray(priority, dtype=bool)
    # Priority visitors rank by when they queued: those waiting now by their
    # order, the ones yet to come by their arrival (drawn per run below).
    key = np.zeros(n)
    current_priority = [i for i in range(n) if priority[i] and order[i][1] != math.inf]
    key[sorted(current_priority, key=lambda i: order[i])] = np.arange(len(current_priority)) - n
    key = np.broadcast_to(key, (runs, n)).copy()
    avail = np.broadcast_to(np.asarray(avail0), (runs, n)).copy()
    service_index = {s: k for k, s in enumerate(services)}
    svc = np.broadcast_to(
        np.asarray([service_index[s] for s in service_of], dtype=np.intp), (runs, n)
    ).copy()

    # Bookings: who comes is drawn; a priority one ranks by its check-in.
    if first_arrival > first_booking:
        comes = rng.random((runs, first_arrival - first_booking)) >= model.no_show_rate
        avail[:, first_booking:first_arrival] = np.where(
            comes, avail[:, first_booking:first_arrival], np.inf
        )
        key[:, first_booking:first_arrival] = avail[:, first_booking:first_arrival]
    if arrivals:
        times = np.cumsum(rng.exponential(60 / total_rate, (runs, arrivals)), axis=1)
        times[times > horizon] = np.inf
        avail[:, first_arrival:] = times
        key[:, first_arrival:] = times
        shares = np.asarray([rates[s] for s in sorted(rates)]) / total_rate
        drawn = rng.choice(len(shares), size=(runs, arrivals), p=shares)
        svc[:, first_arrival:] = np.asarray([service_index[s] for s in sorted(rates)])[drawn]

    # Waiting visitors give up after an exponential patience (memoryless:
    # from now for those waiting, from arrival for the others).
    if model.patience_mean_min:
        leave = np.maximum(avail, 0) + rng.exponential(model.patience_mean_min, (runs, n))
        if not every:
            leave[:, target_index] = np.inf
    else:
        leave = np.full((runs, n), np.inf)
    if vanishing and every:
        leave[:, [i for i, w in enumerate(waiting) if w.id in vanishing]] = -np.inf

    # Service times of the visitors, drawn once per run and item.
    mu = np.asarray([model.params(s)[0] for s in services])
    sigma = np.asarray([model.params(s)[1] for s in services])
    duration = np.exp(mu[svc] + sigma[svc] * rng.standard_normal((runs, n)))

    # Columns in dispatch order: priority visitors first (ranked by `key`),
    # then booked visitors by slot, then walk-ins by queue: among regular
    # visitors the desk calls the first column it may call.
    columns = sorted(range(n), key=lambda i: order[i])
    avail, leave, duration, svc = (x[:, columns] for x in (avail, leave, duration, svc))
    n_priority = int(prio.sum())
    priority_key = key[:, columns[:n_priority]].astype(np.float32)
    prio = prio[columns]
    target_index = columns.index(target_index)
    # followed[column]: the ticket's place in `waiting` (-1: a booking or an arrival).
    followed = np.full(n, -1, dtype=np.intp)
    if every:
        for position, item in enumerate(columns):
            if item < first_booking:
                followed[position] = item

    # Desks.
    desks = snapshot.desks
    n_desks = len(desks)
    # serves[desk * len(services) + service]: the desk handles the service.
    serves = np.zeros((n_desks, len(services)), dtype=bool)
    factor = np.ones(n_desks)
    close = np.full(n_desks, np.inf)
    free_at = np.zeros((runs, n_desks))
    window = max(rules.window, 1)
    recent = np.zeros((runs, n_desks, window), dtype=np.int8)
    position = np.zeros((runs, n_desks), dtype=np.intp)
    max_breaks = max((len(d.breaks) for d in desks), default=0)
    break_start = np.full((n_desks, max_breaks + 1), np.inf)
    break_end = np.full((n_desks, max_breaks + 1), np.inf)
    busy = []  # desks serving someone now
    for k, state in enumerate(desks):
        serves[k] = [x in state.desk.service_ids for x in services]
        factor[k] = model.desk_factor.get(state.desk.id, 1.0)
        if state.closes_at is not None:
            close[k] = minutes(state.closes_at)
        start = 0.0
        if state.opens_at is not None:
            start = max(start, minutes(state.opens_at))
        if state.break_until is not None:
            start = max(start, minutes(state.break_until))
        free_at[:, k] = start
        if state.serving_service_id is not None:
            busy.append(k)
        elif close[k] <= start:
            free_at[:, k] = np.inf
        flags = state.recent[-window:]
        recent[:, k, : len(flags)] = np.asarray(flags, dtype=np.int8)
        position[:, k] = len(flags) % window
        for j, (b_start, b_end) in enumerate(sorted(b for b in state.breaks if b[1] > now)):
            break_start[k, j] = minutes(b_start)
            break_end[k, j] = minutes(b_end)
    if busy:
        m, s = zip(*(model.params(desks[k].serving_service_id) for k in busy), strict=True)
        free_at[:, busy] += remaining_minutes(
            rng,
            np.asarray(m) + np.log(factor[busy]),
            np.asarray(s),
            np.asarray([desks[k].serving_elapsed_min for k in busy]),
            runs,
        )
    next_break = np.zeros((runs, n_desks), dtype=np.intp)
    recent_priority = recent.sum(axis=2).astype(np.int32)
    cap = rules.priority_cap * rules.window + 1e-9
    wait = np.full(runs, np.inf)
    if every:
        waits = np.full((runs, first_booking), np.inf)
        # Tickets no desk on the roster handles are never called.
        handled = serves.any(axis=0)
        left = np.full(runs, sum(1 for w in waiting if handled[service_index[w.service_id]]))
        done0 = left == 0
    elif not serves[:, service_index[target.service_id]].any():
        return wait
    else:
        done0 = np.zeros(runs, dtype=bool)
    # eligible[desk, run, item]: the desk handles the item's service.
    eligible = serves[:, svc]

    # callable_from[desk, run, item]: when the desk may call the item
    # (infinite if it does not handle its service or someone called it);
    # float32 halves the memory each step sweeps.
    callable_from = np.where(eligible, avail.astype(np.float32), np.float32(np.inf))
    leave = leave.astype(np.float32)
    duration = duration.astype(np.float32)
    run_id = np.arange(runs)
    done = done0
    # The item an idle desk sleeps until (-1: none): when another desk takes
    # it first, the sleeper looks again at once instead of waking for nothing.
    sleeps_on = np.full((runs, n_desks), -1, dtype=np.intp)
    stops = bool(np.isfinite(close).any() or np.isfinite(break_start).any())

    max_steps = 8 * (n + n_desks * (max_breaks + 2)) + 100
    for step in range(max_steps):
        if done.sum() * 4 >= len(done):  # drop finished runs from the sweep
            keep = ~done
            if not keep.any():
                break
            run_id, free_at, recent, position = (
                run_id[keep], free_at[keep], recent[keep], position[keep]
            )  # fmt: skip
            next_break, recent_priority = next_break[keep], recent_priority[keep]
            leave, priority_key, duration = leave[keep], priority_key[keep], duration[keep]
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

        # choose_next, for every run at once: the first priority visitor
        # unless the desk's window is at the cap and a regular one waits,
        # else the first regular visitor in dispatch order.
        mine = callable_from[d, run_id]
        can = mine <= t.astype(np.float32)[:, None]
        if n_priority < n:
            pick = can[:, n_priority:].argmax(axis=1) + n_priority
            found = can[rows, pick]
        else:
            pick = np.zeros(len(rows), dtype=np.intp)
            found = np.zeros(len(rows), dtype=bool)
        if n_priority:
            first = np.where(can[:, :n_priority], priority_key, np.inf)
            urgent = first.argmin(axis=1)
            allowed = np.isfinite(first[rows, urgent]) & (
                ~found | (recent_priority[rows, d] + 1 <= cap)
            )
            pick = np.where(allowed, urgent, pick)
            found |= allowed
        found &= go

        r, dd, p, tf = rows[found], d[found], pick[found], t[found]
        callable_from[:, run_id[r], p] = np.inf
        if every:
            # Recorded before the visitor is found gone, as if they stayed.
            mark = followed[p] >= 0
            waits[run_id[r[mark]], followed[p[mark]]] = tf[mark]
            left[run_id[r[mark]]] -= 1
            done[r[mark]] = left[run_id[r[mark]]] == 0
        sleeps_on[r, dd] = -1
        # Desks that slept until a visitor just called look for the next one.
        woken_run, woken_desk = np.nonzero(sleeps_on[r] == p[:, None])
        if len(woken_run):
            wr, wd = r[woken_run], woken_desk
            upcoming = callable_from[wd, run_id[wr]]
            item = upcoming.argmin(axis=1)
            when = np.maximum(upcoming[np.arange(len(wr)), item], tf[woken_run])
            bs = break_start[wd, next_break[wr, wd]]
            free_at[wr, wd] = np.minimum(when, bs)
            sleeps_on[wr, wd] = np.where(when <= bs, item, -1)
        # A visitor who gave up is found gone when called: the desk calls again.
        gone = leave[r, p] <= tf
        if gone.any():
            r, dd, p, tf = r[~gone], dd[~gone], p[~gone], tf[~gone]
        free_at[r, dd] = tf + duration[r, p] * factor[dd]
        is_priority = prio[p].astype(np.int8)
        slot = position[r, dd]
        recent_priority[r, dd] += is_priority - recent[r, dd, slot]
        recent[r, dd, slot] = is_priority
        position[r, dd] = (slot + 1) % window
        if not every:
            hit = p == target_index
            wait[run_id[r[hit]]] = tf[hit]
            done[r[hit]] = True

        # An idle desk sleeps until the next visitor it could call, or its break.
        idle = go & ~found
        if idle.any():
            r, dd = rows[idle], d[idle]
            upcoming = mine[idle]
            item = upcoming.argmin(axis=1)
            when = upcoming[np.arange(len(r)), item]
            bs = break_start[dd, b[idle]]
            free_at[r, dd] = np.minimum(when, bs)
            sleeps_on[r, dd] = np.where(when <= bs, item, -1)
    return waits if every else wait
