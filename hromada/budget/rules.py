"""
Select the winning projects of a participatory budget from the ballots.

Three rules are offered, each giving exactly the outcome of its pabutools 1.2.3
counterpart, ties included, so a community can check the count with a tool
that researchers and other cities already trust:

- ``greedy``: projects in order of votes (or points), each taken if it still
  fits in the money left — ``greedy_utilitarian_welfare(..., sat_class=Cost_Sat)``.
- ``mes``: the Method of Equal Shares — ``method_of_equal_shares(...,
  sat_class=Cost_Sat)``; with ``completion="add1"`` the voters' shares grow by
  one unit of money at a time until the outcome is exhaustive, as with
  ``voter_budget_increment=1``.
- ``phragmen``: sequential Phragmén — ``sequential_phragmen``.

Ties are broken by project id in Python's string order, as pabutools'
``lexico_tie_breaking`` does. Projects whose score is below
``Instance.min_score`` take no part at all.

The module is plain Python plus numpy: no Django, so the rules can be tested
and run on a Pabulib file without a database. Exact rationals decide every
comparison that can end in a tie; floats only narrow down which comparisons
need them, with a safety margin far wider than their rounding error.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

try:  # gmpy2 comes with pabutools; it is ten times faster than Fraction.
    from gmpy2 import mpq as _Q
except ImportError:  # pragma: no cover - same results, only slower
    _Q = Fraction

Number = int | Fraction

RULES = ("greedy", "mes", "phragmen")
COMPLETIONS = ("add1",)

# Floats pick the candidates; exact rationals decide between them. A float is
# trusted only when it is further than this (relative) from the decision.
_SHORTLIST = 1e-5
_MARGIN = 1e-6


@dataclass(frozen=True)
class Instance:
    """
    One participatory-budget election: the money, the projects and the ballots.

    `projects` maps each project id to its cost. Each ballot lists the ids of
    the projects the voter supports; when `points` is given it holds, for each
    ballot, the points given to those projects in the same order (cumulative
    ballots). Empty ballots count: they still hold a share of the money in
    the Method of Equal Shares. Projects whose score (votes, or points) is
    below `min_score` are not eligible.
    """

    budget: Number
    projects: Mapping[str, Number]
    ballots: Sequence[Sequence[str]]
    points: Sequence[Sequence[Number]] | None = None
    min_score: Number | None = None

    def scores(self) -> dict[str, Number]:
        """Return each project's score: its number of votes, or its points."""
        scores: dict[str, Number] = dict.fromkeys(self.projects, 0)
        for ballot, points in _ballot_points(self):
            for project, value in zip(ballot, points, strict=True):
                scores[project] += value
        return scores

    def eligible(self) -> list[str]:
        """Return the ids of the projects that reach the minimum score."""
        if self.min_score is None:
            return list(self.projects)
        scores = self.scores()
        return [p for p in self.projects if scores[p] >= self.min_score]


@dataclass(frozen=True)
class Result:
    """The projects a rule selected, in the order chosen, and their total cost."""

    rule: str
    selected: list[str]
    cost: Number


def select(instance: Instance, rule: str, completion: str | None = None) -> Result:
    """
    Return the projects that `rule` selects in `instance`, in the order chosen.

    `completion` is only meaningful for ``mes``: ``"add1"`` raises every
    voter's share by one unit until the outcome uses the money up.
    """
    if rule not in RULES:
        raise ValueError(f"Unknown rule {rule!r}; expected one of {RULES}.")
    if completion is not None and (rule != "mes" or completion not in COMPLETIONS):
        raise ValueError(f"Completion {completion!r} does not apply to {rule!r}.")
    if rule == "greedy":
        selected = greedy(instance)
    elif rule == "mes":
        selected = equal_shares(instance, completion=completion)
    else:
        selected = phragmen(instance)
    cost = sum((instance.projects[p] for p in selected), 0)
    return Result(rule=rule, selected=selected, cost=_plain(cost))


# --- greedy -----------------------------------------------------------------


def greedy(instance: Instance) -> list[str]:
    """
    Return the projects taken in order of score, skipping those that no longer fit.

    The score is the number of votes, or the points of cumulative ballots. As
    in pabutools with `Cost_Sat`, a project with no votes or no cost ranks
    last (its "satisfaction per unit of money" is 0), and ties go to the
    smaller id.
    """
    scores = instance.scores()
    eligible = instance.eligible()
    costs = {p: _exact(instance.projects[p]) for p in eligible}

    def density(project: str) -> Number:
        score = scores[project]
        return score if score > 0 and costs[project] > 0 else 0

    left = _exact(instance.budget)
    selected = []
    for project in sorted(eligible, key=lambda p: (-density(p), p)):
        if costs[project] <= left:
            selected.append(project)
            left -= costs[project]
    return selected


# --- shared preparation -----------------------------------------------------


class _Election:
    """
    The ballots of one election in arrays: identical ballots merged into groups.

    Voters with the same ballot pay and receive the same in every rule here,
    so one group with a multiplicity stands for all of them.
    """

    def __init__(self, instance: Instance, projects: list[str]) -> None:
        index = {p: i for i, p in enumerate(projects)}
        groups: Counter[tuple[int, ...]] = Counter()
        for ballot in instance.ballots:
            key = tuple(sorted({index[p] for p in ballot if p in index}))
            if key:
                groups[key] += 1
        self.ids = projects
        self.n_projects = len(projects)
        self.n_ballots = len(instance.ballots)
        self.budget = _Q(_exact(instance.budget))
        self.cost = [_Q(_exact(instance.projects[p])) for p in projects]
        self.cost_f = np.array([float(c) for c in self.cost], dtype=np.float64)
        order = sorted(range(len(projects)), key=lambda i: projects[i])
        self.rank = np.empty(len(projects), dtype=np.int64)
        self.rank[order] = np.arange(len(projects))

        keys = list(groups)
        self.mult = np.fromiter((groups[k] for k in keys), np.int64, len(keys))
        lengths = np.fromiter((len(k) for k in keys), np.int64, len(keys))
        self.g_ptr = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum(lengths, out=self.g_ptr[1:])
        flat = np.fromiter((p for k in keys for p in k), np.int64, int(self.g_ptr[-1]))
        self.g_idx = flat  # projects of each group, CSR by group
        owner = np.repeat(np.arange(len(keys), dtype=np.int64), lengths)
        by_project = np.argsort(flat, kind="stable")
        self.p_idx = owner[by_project]  # groups supporting each project
        counts = np.bincount(flat, minlength=len(projects))
        self.p_ptr = np.zeros(len(projects) + 1, dtype=np.int64)
        np.cumsum(counts, out=self.p_ptr[1:])
        self.support = np.bincount(
            flat, weights=np.repeat(self.mult, lengths), minlength=len(projects)
        ).astype(np.int64)

    def supporters(self, project: int) -> np.ndarray:
        """Return the groups whose ballot lists `project`."""
        return self.p_idx[self.p_ptr[project] : self.p_ptr[project + 1]]

    def incidences(self, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (project, position in `groups`) for every vote of `groups`."""
        starts = self.g_ptr[groups]
        lengths = self.g_ptr[groups + 1] - starts
        owner = np.repeat(np.arange(len(groups)), lengths)
        offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return self.g_idx[starts[owner] + offsets], owner


class _Matrix:
    """A projects × classes table of voter counts that grows by columns."""

    def __init__(self, rows: int) -> None:
        self.data = np.zeros((rows, 16), dtype=np.float64)
        self.used = 0

    def new_column(self) -> int:
        """Return the index of a fresh, empty column."""
        if self.used == self.data.shape[1]:
            grown = np.zeros((self.data.shape[0], 2 * self.used), dtype=np.float64)
            grown[:, : self.used] = self.data
            self.data = grown
        self.used += 1
        return self.used - 1

    def move(
        self, projects: np.ndarray, old: np.ndarray, new: np.ndarray, counts: np.ndarray
    ) -> None:
        """Move `counts` voters of each project from class `old` to class `new`."""
        np.subtract.at(self.data, (projects, old), counts)
        keep = new >= 0  # -1: the voters leave the table (no money left)
        np.add.at(self.data, (projects[keep], new[keep]), counts[keep])


# --- Method of Equal Shares ---------------------------------------------------


def equal_shares(instance: Instance, *, completion: str | None = None) -> list[str]:
    """
    Return the projects the Method of Equal Shares selects, in the order chosen.

    Every voter gets an equal share of the budget; a project is bought by its
    supporters, who pay equal amounts (those with less pay all they have),
    cheapest per unit of cost first. With ``completion="add1"`` the shares
    grow by one unit of money per voter until the outcome is exhaustive, or
    the last outcome within budget is kept.
    """
    # With pabutools' Cost_Sat a voter's satisfaction is the project's cost:
    # zero-cost projects satisfy nobody and MES never picks them.
    projects = [p for p in instance.eligible() if _exact(instance.projects[p]) > 0]
    election = _Election(instance, projects)
    projects = [p for i, p in enumerate(projects) if election.support[i] > 0]
    if len(projects) != election.n_projects:
        election = _Election(instance, projects)
    if election.n_ballots == 0 or not projects:
        return []
    if completion is None:
        chosen, _ = _equal_shares_run(election, 0, with_range=False)
        return [projects[i] for i in chosen]

    # pabutools tries 0, 1, 2, … units more per voter; the outcome only
    # changes at a few of them, so each run also tells how far it stays valid.
    previous: list[int] = []
    extra = 0
    while True:
        chosen, last_valid = _equal_shares_run(election, extra, with_range=True)
        cost = sum((election.cost[i] for i in chosen), _Q(0))
        if cost > election.budget:
            return [projects[i] for i in previous]
        left = election.budget - cost
        taken = set(chosen)
        if all(election.cost[i] > left for i in range(election.n_projects) if i not in taken):
            return [projects[i] for i in chosen]
        if last_valid == math.inf:  # pragma: no cover - cannot happen
            raise RuntimeError("Equal shares with add1 did not converge.")
        previous = chosen
        extra = int(last_valid) + 1


def _equal_shares_run(
    election: _Election, extra: int, *, with_range: bool
) -> tuple[list[int], float]:
    """
    Run MES once with shares of budget / voters + `extra`; return the winners.

    With `with_range`, also return the largest `extra` up to which the very
    same winners come out. Every amount here is affine in the extra money t
    (while the choices stay the same), so each choice holds on an interval of
    t; the intersection of those intervals is where the run stays valid.
    """
    e = election
    budget0 = e.budget / e.n_ballots + extra
    table = _Matrix(e.n_projects)
    root = table.new_column()
    table.data[:, root] = e.support
    # Exact value at t = extra and slope in t of every class of voters'
    # remaining money; classes of exhausted voters are dropped (-1).
    value = [budget0]
    slope = [_Q(1)]
    value_f = [float(budget0)]
    slope_f = [1.0]
    klass = np.zeros(len(e.mult), dtype=np.int64)
    alive = [root]
    remaining = np.ones(e.n_projects, dtype=bool)
    chosen: list[int] = []
    bound = _Bound(extra)

    while True:
        rows = np.flatnonzero(remaining)
        if len(rows) == 0:
            break
        cols = np.array(alive, dtype=np.int64)
        vf = np.array(value_f)[cols]
        order = np.argsort(vf, kind="stable")
        cols, vf = cols[order], vf[order]
        counts = table.data[np.ix_(rows, cols)]
        fill = _float_fill(counts, vf, e.cost_f[rows])
        # The exact computation settles every project the floats cannot.
        doubtful = fill.doubtful | (fill.affordable & (fill.rho <= fill.rho_min * (1 + _SHORTLIST)))
        exact = {}
        for r in np.flatnonzero(doubtful):
            exact[r] = _exact_fill(e.cost[rows[r]], counts[r], cols, value, slope)
        best = None
        for r, ex in exact.items():
            if ex.rho is not None:
                key = (ex.rho, e.rank[rows[r]])
                if best is None or key < best[0]:
                    best = (key, r)

        if with_range:
            sf = np.array(slope_f)[cols]
            fill.add_slopes(counts, sf)
        if best is None:
            if with_range:
                _bound_unaffordable(bound, fill, e, rows, exact, None)
            break
        r_win = best[1]
        win = exact[r_win]
        w = int(rows[r_win])
        if with_range:
            _bound_winner(bound, win)
            _bound_unaffordable(bound, fill, e, rows, exact, r_win)
            _bound_losers(bound, fill, e, rows, exact, r_win)

        # Supporters pay: the poor give all they have, the rest the price.
        moves = {}
        for k, is_poor in zip(win.classes, win.poor, strict=True):
            if is_poor:
                moves[k] = -1
            else:
                moves[k] = table.new_column()
                value.append(value[k] - win.price)
                slope.append(slope[k] - win.price_slope)
                value_f.append(float(value[-1]))
                slope_f.append(float(slope[-1]))
                alive.append(moves[k])
        target = np.full(table.used, -1, dtype=np.int64)
        target[list(moves)] = list(moves.values())
        groups = e.supporters(w)
        groups = groups[klass[groups] >= 0]
        old = klass[groups]
        new = target[old]
        klass[groups] = new
        voted, owner = e.incidences(groups)
        table.move(voted, old[owner], new[owner], e.mult[groups][owner].astype(float))
        remaining[w] = False
        chosen.append(w)
        live = table.data[:, : table.used][remaining].sum(axis=0) > 0
        alive = [k for k in alive if live[k]]
    return chosen, bound.last


@dataclass
class _FloatFill:
    """Water-filling of every remaining project at once, in floats."""

    rho: np.ndarray  # price per unit of cost; inf when unaffordable
    rho_min: float
    affordable: np.ndarray
    doubtful: np.ndarray  # too close to a decision for floats
    money: np.ndarray  # supporters' money
    first_rich: np.ndarray
    poor_count: np.ndarray
    rich_count: np.ndarray
    price: np.ndarray
    price_slope: np.ndarray | None = None
    price_slope_err: np.ndarray | None = None
    money_slope: np.ndarray | None = None
    money_slope_err: np.ndarray | None = None

    def add_slopes(self, counts: np.ndarray, sf: np.ndarray) -> None:
        """Add the slopes in t of each project's price and supporters' money."""
        weighted = counts * sf
        absolute = counts * np.abs(sf)
        cum = np.cumsum(weighted, axis=1) - weighted
        cum_abs = np.cumsum(absolute, axis=1) - absolute
        idx = np.arange(len(counts))
        j = self.first_rich
        with np.errstate(divide="ignore", invalid="ignore"):
            self.price_slope = -cum[idx, j] / self.rich_count
            self.price_slope_err = cum_abs[idx, j] / self.rich_count
        self.money_slope = weighted.sum(axis=1)
        self.money_slope_err = absolute.sum(axis=1)


def _float_fill(counts: np.ndarray, vf: np.ndarray, cost: np.ndarray) -> _FloatFill:
    """Compute each project's price by water-filling over sorted classes."""
    money_in = counts * vf
    cum_n = np.cumsum(counts, axis=1)
    cum_m = np.cumsum(money_in, axis=1)
    poor_n = cum_n - counts
    poor_m = cum_m - money_in
    total_n = cum_n[:, -1]
    money = cum_m[:, -1]
    with np.errstate(divide="ignore", invalid="ignore"):
        q = (cost[:, None] - poor_m) / (total_n[:, None] - poor_n)
        fits = q <= vf[None, :]
    j = fits.argmax(axis=1)
    idx = np.arange(len(counts))
    price = q[idx, j]
    affordable = fits.any(axis=1) & (money >= cost)
    rho = np.where(affordable, price / cost, np.inf)
    # Near a decision: money close to the cost, or a class close to the price.
    doubtful = np.abs(money - cost) <= _MARGIN * (money + cost)
    near = (np.abs(vf[None, :] - price[:, None]) <= _MARGIN * price[:, None]) & (counts > 0)
    doubtful |= affordable & near.any(axis=1)
    finite = rho[affordable & ~doubtful]
    rho_min = float(finite.min()) if len(finite) else np.inf
    if not np.isfinite(rho_min) and affordable.any():
        rho_min = float(rho[affordable].min())
    return _FloatFill(
        rho=rho,
        rho_min=rho_min,
        affordable=affordable,
        doubtful=doubtful,
        money=money,
        first_rich=j,
        poor_count=poor_n[idx, j],
        rich_count=total_n - poor_n[idx, j],
        price=price,
    )


@dataclass
class _ExactFill:
    """One project's exact water-filling: price, slopes and who is poor."""

    rho: object | None  # None when the supporters cannot afford it
    price: object
    price_slope: object
    money: object
    money_slope: object
    classes: list[int]
    values: list
    slopes: list
    poor: list[bool]


def _exact_fill(cost, row, cols, value, slope) -> _ExactFill:
    """Compute a project's price exactly from its supporters' classes."""
    present = np.flatnonzero(row > 0)
    items = sorted(
        ((value[int(cols[i])], int(cols[i]), int(row[i])) for i in present),
        key=lambda item: item[0],
    )
    money = sum((v * n for v, _, n in items), _Q(0))
    money_slope = sum((slope[k] * n for _, k, n in items), _Q(0))
    classes = [k for _, k, _ in items]
    values = [v for v, _, _ in items]
    slopes = [slope[k] for k in classes]
    if money < cost:
        return _ExactFill(None, None, None, money, money_slope, classes, [], [], [])
    paid = _Q(0)
    paid_slope = _Q(0)
    left = sum(n for _, _, n in items)
    poor = []
    price = price_slope = None
    for v, k, n in items:
        if price is None:
            candidate = (cost - paid) / left
            if candidate <= v:
                price = candidate
                price_slope = -paid_slope / left
            else:
                paid += v * n
                paid_slope += slope[k] * n
                left -= n
        poor.append(price is None)
    return _ExactFill(
        price / cost,
        price,
        price_slope,
        money,
        money_slope,
        classes,
        values,
        slopes,
        poor,
    )


class _Bound:
    """The largest extra money per voter up to which every choice still holds."""

    def __init__(self, start: int) -> None:
        self.start = start
        self.last: float = math.inf

    def exact(self, d0, ds, *, strict: bool) -> None:
        """Keep d0 + ds·(t − start) positive (or ≥ 0) for t up to `last`."""
        if ds >= 0:
            return
        ratio = d0 / -ds
        steps = math.ceil(ratio) - 1 if strict else math.floor(ratio)
        self.last = min(self.last, self.start + max(steps, 0))

    def floats(self, d0, e0, ds, es) -> None:
        """Like `exact`, for float values d0, ds with error bounds e0, es."""
        d_low = d0 - e0
        s_low = ds - es
        if np.any(d_low <= 0):
            self.last = self.start  # too close to call: recheck at start + 1
            return
        falling = s_low < 0
        if not falling.any():
            return
        ratio = d_low[falling] / -s_low[falling] * (1 - 1e-9)
        steps = np.ceil(ratio) - 1
        self.last = min(self.last, self.start + float(steps.min()))


def _bound_winner(bound: _Bound, win: _ExactFill) -> None:
    """Keep each class of the winner's supporters on its side of the price."""
    for k_value, k_slope, is_poor in zip(win.values, win.slopes, win.poor, strict=True):
        if is_poor:
            bound.exact(win.price - k_value, win.price_slope - k_slope, strict=False)
        else:
            bound.exact(k_value - win.price, k_slope - win.price_slope, strict=False)


def _bound_unaffordable(bound, fill, e, rows, exact, r_win) -> None:
    """Keep projects that their supporters cannot afford out of reach."""
    for r, ex in exact.items():
        if ex.rho is None:
            cost = e.cost[rows[r]]
            bound.exact(cost - ex.money, -ex.money_slope, strict=True)
    mask = ~fill.affordable
    mask[list(exact)] = False
    if mask.any():
        cost = e.cost_f[rows[mask]]
        money = fill.money[mask]
        bound.floats(
            cost - money,
            _MARGIN * (cost + money),
            -fill.money_slope[mask],
            _MARGIN * fill.money_slope_err[mask] + 1e-300,
        )


def _bound_losers(bound, fill, e, rows, exact, r_win) -> None:
    """Keep every affordable project's price per unit above the winner's."""
    win = exact[r_win]
    w = rows[r_win]
    w_cost = e.cost[w]
    w_slope = win.price_slope / w_cost
    for r, ex in exact.items():
        if r == r_win or ex.rho is None:
            continue
        p = rows[r]
        bound.exact(
            ex.rho - win.rho,
            ex.price_slope / e.cost[p] - w_slope,
            strict=bool(e.rank[p] < e.rank[w]),
        )
    mask = fill.affordable.copy()
    mask[list(exact)] = False
    if mask.any():
        cost = e.cost_f[rows[mask]]
        rho = fill.rho[mask]
        rho_w = float(win.rho)
        ws = float(w_slope)
        bound.floats(
            rho - rho_w,
            _MARGIN * (rho + rho_w),
            fill.price_slope[mask] / cost - ws,
            _MARGIN * (fill.price_slope_err[mask] / cost + abs(ws)) + 1e-300,
        )


# --- sequential Phragmén ------------------------------------------------------


def phragmen(instance: Instance) -> list[str]:
    """
    Return the projects sequential Phragmén selects, in the order chosen.

    Voters earn money continuously; a project is bought as soon as its
    supporters together hold its cost, and their money is then spent. The
    rule stops as soon as a project that would be bought next does not fit.
    """
    projects = [p for p in instance.eligible() if _exact(instance.projects[p]) <= instance.budget]
    e = _Election(instance, projects)
    if not projects:
        return []
    # Classes of voters by current load: one for "never paid", then one per
    # selected project, since all its supporters end with the same load.
    table = _Matrix(e.n_projects)
    root = table.new_column()
    table.data[:, root] = e.support
    load = [_Q(0)]
    load_f = [0.0]
    klass = np.zeros(len(e.mult), dtype=np.int64)
    remaining = np.ones(e.n_projects, dtype=bool)
    score = e.support
    spent = _Q(0)
    chosen: list[int] = []
    while remaining.any():
        rows = np.flatnonzero(remaining)
        counts = table.data[rows, : table.used]
        with np.errstate(divide="ignore", invalid="ignore"):
            max_load = (counts @ np.array(load_f) + e.cost_f[rows]) / score[rows]
        max_load[score[rows] == 0] = np.inf
        best_f = max_load.min()
        if np.isfinite(best_f):
            near = np.flatnonzero(max_load <= best_f * (1 + _SHORTLIST) + 1e-300)
            exact = {}
            for r in near:
                row = counts[r]
                total = sum((load[k] * int(row[k]) for k in np.flatnonzero(row > 0)), _Q(0))
                exact[r] = (total + e.cost[rows[r]]) / int(score[rows[r]])
            best = min(exact.values())
            tied = [r for r, v in exact.items() if v == best]
        else:  # only projects nobody votes for: all tie at infinity
            best = None
            tied = list(range(len(rows)))
        if any(spent + e.cost[rows[r]] > e.budget for r in tied):
            break
        r = min(tied, key=lambda r: e.rank[rows[r]])
        w = int(rows[r])
        chosen.append(w)
        remaining[w] = False
        spent += e.cost[w]
        if best is None:
            continue
        new = table.new_column()
        load.append(best)
        load_f.append(float(best))
        groups = e.supporters(w)
        old = klass[groups]
        klass[groups] = new
        voted, owner = e.incidences(groups)
        table.move(
            voted,
            old[owner],
            np.full(len(owner), new),
            e.mult[groups][owner].astype(float),
        )
    return [projects[i] for i in chosen]


# --- helpers ----------------------------------------------------------------


def _ballot_points(instance: Instance):
    """Yield each ballot's distinct projects with their points (1 each if none)."""
    if instance.points is None:
        for ballot in instance.ballots:
            unique = list(dict.fromkeys(ballot))
            yield unique, [1] * len(unique)
    else:
        for ballot, points in zip(instance.ballots, instance.points, strict=True):
            merged = dict(zip(ballot, points, strict=True))  # last one counts
            yield list(merged), list(merged.values())


def _exact(value) -> Number:
    """Return `value` as an int or Fraction, refusing binary floats."""
    if isinstance(value, float):
        raise TypeError("Use int, Fraction or Decimal amounts, not float.")
    if isinstance(value, int):
        return value
    fraction = Fraction(value)
    return fraction.numerator if fraction.denominator == 1 else fraction


def _plain(value) -> Number:
    """Return an exact number as int when whole, else as Fraction."""
    fraction = Fraction(value)
    return fraction.numerator if fraction.denominator == 1 else fraction
