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

Alongside the winners, `select` says why each other project lost, from the
rule's own state in the same run (`Result.explanations`): a reason code and
the numbers the rule decided on, so nobody has to take a loss on trust.

The module is plain Python plus numpy, with add1's innermost loops also
compiled by numba (`kernels`): no Django, so the rules can be tested and run
on a Pabulib file without a database. Exact rationals decide every
comparison that can end in a tie; floats only narrow down which comparisons
need them, with a safety margin far wider than their rounding error.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from itertools import chain

import numpy as np


def _Q(*args):
    """
    Return an exact rational: gmpy2's mpq, ten times faster than Fraction.

    gmpy2 (it comes with pabutools) is imported at the first exact step, not
    with the module: it loads importlib.metadata, a tenth of a second that a
    count decided in floats, such as most runs of ``pb tally``, never needs.
    """
    global _Q
    try:
        from gmpy2 import mpq
    except ImportError:  # pragma: no cover - same results, only slower
        mpq = Fraction
    _Q = mpq
    return mpq(*args)


Number = int | Fraction

RULES = ("greedy", "mes", "phragmen")
COMPLETIONS = ("add1",)

# Floats decide only what they decide beyond doubt: a comparison is trusted
# when the two sides differ by more than _MARGIN (relative), a thousand times
# the worst rounding error of these sums. Closer calls go to exact rationals,
# computed for the projects within _SHORTLIST of the best.
_MARGIN = 1e-9
_SHORTLIST = 1e-6
# add1 prices this many of the cheapest-looking projects first in a round.
_FIRST_TRY = 8
# What kernels.choose found in a round, besides a winner.
_NONE_AFFORDABLE, _FLOATS_CANNOT_TELL = 1, 2
# add1 runs the extras in windows: 128 first, then _GROW times more, at
# most _WINDOW.
_GROW = 8
_WINDOW = 2048


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
        return dict(self._scores)

    @cached_property
    def _scores(self) -> dict[str, Number]:
        """Count the scores once; a ballot names a project at most once."""
        scores: Counter[str] = Counter()
        if self.points is None:
            scores.update(
                chain.from_iterable(b if len(b) < 2 else dict.fromkeys(b) for b in self.ballots)
            )
        else:
            for ballot, points in zip(self.ballots, self.points, strict=True):
                # As in pabutools, the last points given to a project count.
                for project, value in dict(zip(ballot, points, strict=True)).items():
                    scores[project] += value
        unknown = scores.keys() - self.projects.keys()
        if unknown:
            raise ValueError(f"Ballots name unknown projects: {sorted(unknown)}.")
        return {p: scores.get(p, 0) for p in self.projects}

    def eligible(self) -> list[str]:
        """Return the ids of the projects that reach the minimum score."""
        if self.min_score is None:
            return list(self.projects)
        scores = self.scores()
        return [p for p in self.projects if scores[p] >= self.min_score]


# Why a project lost: the reason codes of `Result.explanations` and their
# numbers. Money is exact (int or Fraction) where the rule counts exactly,
# a float where MES decided in floats far beyond their rounding error.
#   below_threshold  score, threshold: fewer votes (points) than the minimum
#   no_money         left, cost: its turn came with less money left than it
#                    costs (greedy; Phragmén also gives `load`, the load each
#                    supporter would have carried)
#   short            voters, money, cost: MES; its voters' shares left when
#                    the rule stopped, together, are less than its cost; with
#                    add1 also `extra` (the step: money added to each share)
#                    and `share` (each voter's share at that step)
#   no_votes         nobody voted for it (MES and Phragmén skip it)
#   free             it costs nothing: MES never buys it (pabutools' Cost_Sat)
#   too_dear         cost, budget: Phragmén leaves out what costs more than all
#   later            voters, load, stop_load, left: Phragmén; its supporters
#                    would have paid for it only at a higher load than the one
#                    at which the rule stopped (the next project did not fit)
REASONS = ("below_threshold", "no_money", "short", "no_votes", "free", "too_dear", "later")


@dataclass(frozen=True)
class Result:
    """
    The projects a rule selected, in the order chosen, and their total cost.

    `explanations` holds, for every project not selected, why: a plain dict
    with the reason code under "reason" and the numbers (see `REASONS`).
    """

    rule: str
    selected: list[str]
    cost: Number
    explanations: dict[str, dict] = field(default_factory=dict)


def select(
    instance: Instance, rule: str, completion: str | None = None, *, compiled: bool = True
) -> Result:
    """
    Return the projects that `rule` selects in `instance`, in the order chosen.

    `completion` is only meaningful for ``mes``: ``"add1"`` raises every
    voter's share by one unit until the outcome uses the money up. add1 runs
    its innermost loops compiled (`hromada.budget.kernels`) unless `compiled`
    is false: loading the compiler costs a process about a quarter of a
    second, more than a small one-off count takes; the outcome is the same.
    """
    if rule not in RULES:
        raise ValueError(f"Unknown rule {rule!r}; expected one of {RULES}.")
    if completion is not None and (rule != "mes" or completion not in COMPLETIONS):
        raise ValueError(f"Completion {completion!r} does not apply to {rule!r}.")
    explanations: dict[str, dict] = {}
    if rule == "greedy":
        selected = greedy(instance, explain=explanations)
    elif rule == "mes":
        selected = equal_shares(
            instance, completion=completion, explain=explanations, compiled=compiled
        )
    else:
        selected = phragmen(instance, explain=explanations)
    _explain_threshold(instance, explanations)
    cost = sum((instance.projects[p] for p in selected), 0)
    return Result(
        rule=rule,
        selected=selected,
        cost=_plain(cost),
        explanations={p: explanations[p] for p in instance.projects if p in explanations},
    )


def _explain_threshold(instance: Instance, explain: dict[str, dict]) -> None:
    """Explain the projects below the minimum score: they took no part."""
    if instance.min_score is None:
        return
    scores = instance.scores()
    for project, score in scores.items():
        if score < instance.min_score:
            explain[project] = {
                "reason": "below_threshold",
                "score": score,
                "threshold": instance.min_score,
            }


# --- greedy -----------------------------------------------------------------


def greedy(instance: Instance, *, explain: dict | None = None) -> list[str]:
    """
    Return the projects taken in order of score, skipping those that no longer fit.

    The score is the number of votes, or the points of cumulative ballots. As
    in pabutools with `Cost_Sat`, a project with no votes or no cost ranks
    last (its "satisfaction per unit of money" is 0), and ties go to the
    smaller id. A skipped project's explanation, put in `explain`, is the
    money left at its turn.
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
        elif explain is not None:
            explain[project] = {"reason": "no_money", "left": left, "cost": costs[project]}
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
        singles: Counter[int] = Counter()
        groups: Counter[tuple[int, ...]] = Counter()
        # Identical ballots are counted first, in C; then each distinct one
        # is read once, in the order it first came.
        for ballot, voters in Counter(map(tuple, instance.ballots)).items():
            if len(ballot) == 1:  # most ballots within a category
                if ballot[0] in index:
                    singles[index[ballot[0]]] += voters
            else:
                key = tuple(sorted({index[p] for p in ballot if p in index}))
                if len(key) > 1:
                    groups[key] += voters
                elif key:
                    singles[key[0]] += voters
        for i, n in singles.items():
            groups[(i,)] += n
        self.ids = projects
        self.n_projects = len(projects)
        self.n_ballots = len(instance.ballots)
        # Exact amounts as given (int or Fraction); as mpq only once needed.
        self.budget_exact = _exact(instance.budget)
        self.cost_exact = [_exact(instance.projects[p]) for p in projects]
        self.cost_f = np.array([float(c) for c in self.cost_exact], dtype=np.float64)
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
        p_mult = self.mult[self.p_idx].astype(np.float64)
        bounds = self.p_ptr.tolist()
        self.p_groups = [self.p_idx[a:z] for a, z in zip(bounds[:-1], bounds[1:], strict=True)]
        self.p_weights = [p_mult[a:z] for a, z in zip(bounds[:-1], bounds[1:], strict=True)]
        self.p_count = self.support.tolist()
        self.cost_list = self.cost_f.tolist()
        self.rank_list = self.rank.tolist()
        self._incidences: dict[int, tuple] = {}
        self._moves: dict[int, tuple] = {}
        self.compiled = False  # add1's loops compiled (kernels) or in numpy

    @cached_property
    def budget(self):
        """Return the budget as an exact rational for the exact steps."""
        return _Q(self.budget_exact)

    @cached_property
    def cost(self) -> list:
        """Return the projects' costs as exact rationals for the exact steps."""
        return [_Q(c) for c in self.cost_exact]

    def supporters(self, project: int) -> np.ndarray:
        """Return the groups whose ballot lists `project`."""
        return self.p_idx[self.p_ptr[project] : self.p_ptr[project + 1]]

    def incidences_of(self, project: int):
        """Return the supporters of `project` and their votes, as `incidences`."""
        if project not in self._incidences:
            groups = self.supporters(project)
            voted, owner = self.incidences(groups)
            weight = self.mult[groups][owner].astype(np.float64)
            self._incidences[project] = (groups, voted, owner, weight)
        return self._incidences[project]

    def moves_of(self, project: int):
        """
        Return what moves voters of `project`'s supporters between classes.

        The groups supporting it; then, for their votes taken twice (out of
        the old class, into the new one), the project voted for, the position
        in [old classes, new classes] of the group, and the voters moved.
        """
        if project not in self._moves:
            groups, voted, owner, weight = self.incidences_of(project)
            self._moves[project] = (
                groups,
                np.concatenate([voted, voted]),
                np.concatenate([owner, owner + len(groups)]),
                np.concatenate([-weight, weight]),
            )
        return self._moves[project]

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


def equal_shares(
    instance: Instance,
    *,
    completion: str | None = None,
    explain: dict | None = None,
    compiled: bool = True,
) -> list[str]:
    """
    Return the projects the Method of Equal Shares selects, in the order chosen.

    Every voter gets an equal share of the budget; a project is bought by its
    supporters, who pay equal amounts (those with less pay all they have),
    cheapest per unit of cost first. With ``completion="add1"`` the shares
    grow by one unit of money per voter until the outcome is exhaustive, or
    the last outcome within budget is kept.

    A project left out is explained in `explain` by its supporters' money
    when the rule stopped: MES stops only when no project left is affordable.
    """
    # With pabutools' Cost_Sat a voter's satisfaction is the project's cost:
    # zero-cost projects satisfy nobody and MES never picks them.
    projects = [p for p in instance.eligible() if _exact(instance.projects[p]) > 0]
    election = _Election(instance, projects)
    if not all(election.support):
        projects = [p for i, p in enumerate(projects) if election.support[i] > 0]
        election = _Election(instance, projects)
    if explain is not None:
        taking_part = set(projects)
        for p in instance.eligible():
            if p not in taking_part:
                free = _exact(instance.projects[p]) <= 0
                explain[p] = {"reason": "free" if free else "no_votes"}
    if election.n_ballots == 0 or not projects:
        return []
    election.compiled = compiled
    if completion is None:
        if explain is None:
            return [projects[i] for i in _equal_shares_run(election, 0)]
        chosen, money = _equal_shares_state(election, 0)
        _explain_shares(election, chosen, money, None, explain)
        return [projects[i] for i in chosen]

    # pabutools tries 0, 1, 2, … units more per voter, and stops at the first
    # outcome that is exhaustive (kept) or over budget (the one before is kept).
    # An outcome holds for a stretch of extra money, and the tries within it
    # would stop or go on alike, so each stretch is looked at once.
    previous: list[int] = []
    previous_last = 0
    for chosen, first, last in _add1_outcomes(election):
        costs = election.cost_exact
        cost = sum((costs[i] for i in chosen), 0)
        if cost > election.budget_exact:
            return _add1_kept(election, previous, previous_last, explain)
        left = election.budget_exact - cost
        taken = set(chosen)
        if all(costs[i] > left for i in range(election.n_projects) if i not in taken):
            return _add1_kept(election, chosen, first, explain)
        previous, previous_last = chosen, last
    raise AssertionError  # pragma: no cover - the outcomes never run out


def _add1_kept(election: _Election, chosen: list[int], extra: int, explain) -> list[str]:
    """
    Return add1's outcome, explained from the MES run at the step it kept.

    pabutools kept the run with shares raised by `extra`: the first
    exhaustive one, or the one before the first over budget. One more run
    there gives its supporters' money; the search for the step only
    followed outcomes, not money, across many steps at once.
    """
    if explain is not None:
        again, money = _equal_shares_state(election, extra)
        if again == chosen:  # always, as the stretch's outcome holds at each step
            _explain_shares(election, chosen, money, extra, explain)
    return [election.ids[i] for i in chosen]


def _equal_shares_state(election: _Election, extra: int) -> tuple[list[int], list]:
    """Run MES once; return the winners and each loser's supporters' money at the end."""
    run = _FloatRun(election, extra)
    chosen = run.winners()
    if chosen is None:
        return _exact_run(election, extra, with_money=True)
    return chosen, run.money_left().tolist()


def _explain_shares(election: _Election, chosen, money, extra: int | None, explain) -> None:
    """Explain MES's losers: their voters' money when it stopped, against the cost."""
    e = election
    taken = set(chosen)
    share = Fraction(e.budget_exact) / e.n_ballots + (extra or 0)
    for i, project in enumerate(e.ids):
        if i in taken:
            continue
        record = {
            "reason": "short",
            "voters": e.p_count[i],
            "money": _number(money[i]),
            "cost": _plain(e.cost_exact[i]),
        }
        if extra is not None:
            record.update({"extra": extra, "share": _plain(share)})
        explain[project] = record


class _Branch:
    """
    MES part-way through, for a stretch of extra money at once.

    Each class of voters (those who supported the same winners so far) holds
    one amount of money per extra: `money` is classes × extras, the first
    column for extra `start`. `counts` holds each project's voters by class;
    `floor` a price per unit each project cannot go below at any of the
    extras from now on.
    """

    __slots__ = (
        "start", "chosen", "counts", "used", "money", "klass", "remaining", "floor",
        "floor_first", "compact_at",
    )  # fmt: skip

    def __init__(self, start, chosen, counts, used, money, klass, remaining, floor):
        self.start = start
        self.chosen = chosen
        self.counts = counts
        self.used = used
        self.money = money
        self.klass = klass
        self.remaining = remaining
        self.floor = floor
        self.floor_first = floor.copy()  # the same, at the first extra only
        self.compact_at = max(128, 2 * used)

    @classmethod
    def fresh(cls, election: _Election, start: int, size: int) -> _Branch:
        """Return MES before its first choice, for extras start … start + size - 1."""
        e = election
        counts = np.zeros((e.n_projects, 64))
        counts[:, 0] = e.support
        money = np.zeros((64, size))
        money[0] = float(Fraction(e.budget_exact) / e.n_ballots + start) + np.arange(size)
        return cls(
            start,
            [],
            counts,
            1,
            money,
            np.zeros(len(e.mult), dtype=np.int64),
            np.ones(e.n_projects, dtype=bool),
            1 / e.support * (1 - _MARGIN),
        )

    def split(self, n: int, width: int, floor: np.ndarray) -> _Branch:
        """
        Return a copy for the extras n … width - 1 (counted from `start`).

        The copy's money is a view of this branch's columns n … width - 1,
        not a copy: this branch goes on with the extras before n only and
        never writes those columns again, and the copy writes nothing else.
        """
        return _Branch(
            self.start + n,
            list(self.chosen),
            _with_room(self.counts[:, : self.used], axis=1),
            self.used,
            self.money[:, n:width],
            self.klass.copy(),
            self.remaining.copy(),
            floor.copy(),
        )


def _with_room(table: np.ndarray, axis: int) -> np.ndarray:
    """Return a copy of `table` with room for more classes along `axis`."""
    shape = list(table.shape)
    shape[axis] += max(64, shape[axis] // 2)
    room = np.zeros(shape)
    room[tuple(slice(0, k) for k in table.shape)] = table
    return room


def _add1_outcomes(election: _Election):
    """
    Yield MES's outcomes for extra money 0, 1, 2, … as (outcome, first, last).

    Each outcome holds for the extras first … last. Extras are taken in
    windows; within one, all extras run together, and a branch splits off
    where a choice differs (or floats cannot tell) to run on later from
    that round: the rounds before are shared.
    """
    start, size = 0, 128
    while True:
        stack = [_Branch.fresh(election, start, size)]
        while stack:
            yield from _grow(election, stack.pop(), stack)
        start += size
        size = min(_GROW * size, _WINDOW)


def _grow(election: _Election, branch: _Branch, stack: list[_Branch]):
    """
    Run `branch` to its end; yield its outcome and put what splits off on `stack`.

    A round picks the winner w at the branch's first extra, and keeps the
    extras at which w is certain to win too. More extra money never leaves
    a voter poorer after the same choices, and never raises a price, so a
    project's price per unit with the branch's most money is a floor for all
    its extras, and only rises in later rounds: most projects are settled by
    their floor. The others are checked extra by extra: ρ_p > ρ_w exactly
    when Σ min(money, ρ_w · cost_p) over p's supporters is less than cost_p.
    Floats decide only beyond a margin far wider than their rounding error;
    where they cannot tell at the first extra, the exact run decides it.
    """
    e = election
    b = branch
    cost, support, rank, compiled = e.cost_f, e.support, e.rank, e.compiled
    n = b.money.shape[1]
    choose = _kernels().choose if compiled else _choose_in_numpy
    while True:
        used = b.used
        held = b.money[:used, :n]
        counts = b.counts
        floor = b.floor.copy()
        found, w, best = choose(
            counts, used, held[:, 0], cost, rank, support, b.remaining, b.floor, b.floor_first,
            _FIRST_TRY,
        )  # fmt: skip
        if found == _FLOATS_CANNOT_TELL:
            yield from _exactly(e, b, n, floor, stack)
            return
        if found == _NONE_AFFORDABLE:
            # The end: whatever is left stays unaffordable.
            rows = np.flatnonzero(b.remaining & np.isfinite(floor))
            if len(rows) and used:
                part = counts[rows, :used]
                c = cost[rows]
                doubt = part @ held[:, -1] >= c * (1 - _MARGIN)
                if doubt.any():
                    total = part[doubt] @ held
                    n = _first(total >= c[doubt][:, None] * (1 - _MARGIN), n)
            if n == 0:
                yield from _exactly(e, b, held.shape[1], floor, stack)
                return
            if n < held.shape[1]:
                stack.append(b.split(n, held.shape[1], floor))
            yield b.chosen, b.start, b.start + n - 1
            return
        width = n
        row = counts[w, :used]
        present = np.flatnonzero(row)
        count_w = row[present]
        held_w = held[present]
        voters = count_w.sum()
        # The winner, clearly affordable at the first extra, stays so: its
        # supporters' money only grows with the extra.
        # Who pays all they have: only classes that do at the first extra can.
        poor = held_w[:, 0] < best * cost[w] * (1 + _SHORTLIST)
        price = _water_levels(count_w, held_w, cost[w], poor, best * cost[w], voters, compiled)
        rho = price / cost[w]
        # The other projects stay dearer per unit (or tie and lose by id).
        rho_most = rho.max() * (1 + _MARGIN)
        b.remaining[w] = False
        doubt = b.remaining & (b.floor <= rho_most)
        if voters == support[w] and held_w.min() >= price.max() * (1 + _MARGIN):
            # Everyone pays cost_w / supporters: ρ_w is 1 / supporters,
            # and no project costs less per unit than 1 / its supporters.
            doubt &= (support > support[w]) | ((support == support[w]) & (rank < rank[w]))
        rows = np.flatnonzero(doubt)
        if len(rows):
            rho_p, unsure = _prices_at(counts, used, held[:, -1], cost, rows, compiled)
            better = np.maximum(b.floor[rows], rho_p * (1 - _MARGIN))
            b.floor[rows] = np.where(unsure, b.floor[rows], better)
            np.maximum(b.floor_first, b.floor, out=b.floor_first)
            rows = rows[b.floor[rows] <= rho_most]
        if len(rows):
            part, c = counts[rows, :used], cost[rows]
            cols = np.flatnonzero(part.any(axis=0))
            x = rho[None, :] * c[:, None]  # projects × extras
            paid = np.einsum(
                "pk,pkt->pt",
                part[:, cols],
                np.minimum(held[cols][None, :, :], x[:, None, :]),
            )
            n = _first(c[:, None] - paid <= _MARGIN * (c[:, None] + paid), n)
            held_w, price = held_w[:, :n], price[:n]
        if n == 0:  # the margins are too wide for floats even there
            b.remaining[w] = True
            yield from _exactly(e, b, width, floor, stack)
            return
        if n < width:
            b.remaining[w] = True
            stack.append(b.split(n, width, floor))
            b.remaining[w] = False
        b.chosen.append(w)
        _pay(e, b, w, present, held_w, price, n)


def _choose_in_numpy(counts, used, money, cost, rank, support, remaining, floor, first, first_try):
    """kernels.choose in numpy: the round's winner at the first extra as (status, w, best)."""
    rows = np.flatnonzero(remaining & np.isfinite(floor))
    if not len(rows) or not used:
        return _NONE_AFFORDABLE, -1, math.inf
    # The price per unit at the first extra, for the projects whose floor
    # there is not already above the best of these prices.
    rows = rows[np.argsort(first[rows], kind="stable")]
    rho, unsure = _prices_at(counts, used, money, cost, rows[:first_try])
    more = rows[first_try:]
    if len(more):
        more = more[first[more] <= rho.min() * (1 + _MARGIN)]
    if len(more):
        rho_more, unsure_more = _prices_at(counts, used, money, cost, more)
        rho = np.concatenate([rho, rho_more])
        unsure = np.concatenate([unsure, unsure_more])
    if unsure.any():
        return _FLOATS_CANNOT_TELL, -1, math.inf
    rows = rows[: len(rho)]
    first[rows] = np.maximum(first[rows], rho * (1 - _MARGIN))
    best = rho.min()
    if best == math.inf:
        return _NONE_AFFORDABLE, -1, best
    near = rows[rho <= best * (1 + _MARGIN)]
    if len(near) > 1 and not _sure_tie(counts[:, :used], near, money, cost, support):
        return _FLOATS_CANNOT_TELL, -1, best
    return 0, int(near[np.argmin(rank[near])]), best


def _prices_at(
    counts, used: int, money: np.ndarray, cost: np.ndarray, rows, compiled: bool = False
):
    """
    Price `rows` per unit in floats, with each class holding `money`.

    Return the prices (inf when unaffordable) and which projects are too
    close to a decision for floats, as `_float_prices` does; in fewer and
    cheaper numpy steps, or `compiled`, as add1 prices a few projects
    thousands of times.
    """
    if compiled:
        return _kernels().prices_at(counts, used, money, cost, np.asarray(rows, dtype=np.int64))
    part = counts[rows, :used]
    cols = np.maximum.reduce(part, axis=0).nonzero()[0]  # counts are never negative
    if not len(cols):  # none of their voters has money left
        return np.full(len(rows), np.inf), np.zeros(len(rows), dtype=bool)
    held = money[cols]
    order = held.argsort(kind="stable")
    held = held[order]
    voters = part[:, cols[order]]
    paid = voters * held
    # With the classes before k paying all they hold and the others the
    # rest of the cost in equal parts, the share is at most the price, and
    # exactly the price for the k at which the poor end: the price is the
    # greatest of these shares.
    rest_n = np.add.accumulate(voters[:, ::-1], axis=1)[:, ::-1]
    # Past a project's richest class nobody is left to pay: half a voter
    # there, instead of none, keeps numpy from dividing by zero and changes
    # nothing, as that share is then at most 0 when the project is affordable.
    np.maximum(rest_n, 0.5, out=rest_n)
    below_m = np.add.accumulate(paid, axis=1)
    total = below_m[:, -1].copy()
    below_m -= paid
    c = cost[rows]
    below_m -= c[:, None]
    below_m /= rest_n
    rho = below_m.min(axis=1)
    rho /= -c
    rho[total < c] = np.inf
    return rho, np.abs(total - c) <= _MARGIN * (total + c)


def _exactly(election: _Election, branch: _Branch, n: int, floor, stack):
    """Yield the exact run's outcome at the branch's first extra; keep the rest."""
    if n > 1:
        stack.append(branch.split(1, n, floor))
    yield _equal_shares_run(election, branch.start), branch.start, branch.start


def _sure_tie(counts, near: np.ndarray, money: np.ndarray, cost, support) -> bool:
    """Tell whether `near` tie exactly: each one's supporters all pay an equal part."""
    if len(set(support[near].tolist())) > 1:
        return False
    for p in near:
        row = counts[p]
        if row.sum() != support[p]:
            return False
        if money[row > 0].min() < cost[p] / support[p] * (1 + _MARGIN):
            return False
    return True


def _pay(election: _Election, b: _Branch, w: int, present, held, price, n: int) -> None:
    """Let w's supporters pay: classes `present` held `held` and pay `price` (by extra)."""
    e = election
    # Room for every paying class as a new class; the table's last column
    # stays free: voters leaving the table go there.
    if b.used + len(present) >= b.counts.shape[1] or b.used + len(present) > len(b.money):
        cap = 2 * (b.used + len(present))
        counts = np.zeros((e.n_projects, cap))
        counts[:, : b.used] = b.counts[:, : b.used]
        money = np.empty((cap, n))
        money[: b.used] = b.money[: b.used, :n]
        b.counts, b.money = counts, money
    if e.compiled:
        table = (b.money, b.counts, b.klass, b.used, n)
        b.used += _kernels().pay(*table, present, held, price, *e.incidences_of(w))
    else:
        _pay_in_numpy(e, b, w, present, held, price, n)
    if b.used > b.compact_at:
        # Drop the classes that no longer support a project left.
        live = b.counts[b.remaining, : b.used].any(axis=0)
        k = int(np.count_nonzero(live))
        renumber = np.full(b.used + 1, -1, dtype=np.int64)
        renumber[: b.used][live] = np.arange(k)
        b.klass = renumber[b.klass]
        b.counts[:, :k] = b.counts[:, : b.used][:, live]
        b.counts[:, k : b.used] = 0
        b.money[:k, :n] = b.money[: b.used, :n][live]
        b.used = k
        b.compact_at = max(128, 2 * k)


def _pay_in_numpy(election: _Election, b: _Branch, w: int, present, held, price, n: int) -> None:
    """_pay's move of the classes and their votes, in numpy."""
    e = election
    # A class with nothing at its most has nothing at all.
    kept = held[:, -1] > price[-1]
    fresh = int(np.count_nonzero(kept))
    used = b.used
    # Where each class goes; the last entry, for groups already out (-1), is -1.
    target = np.full(used + 1, -1, dtype=np.int64)
    # What each class keeps, written in place: these rows can be wide.
    left = b.money[used : used + fresh, :n]
    if fresh == len(kept):
        target[present] = np.arange(used, used + fresh)
        np.subtract(held, price[None, :], out=left)
    else:
        target[present[kept]] = np.arange(used, used + fresh)
        np.subtract(held[kept], price[None, :], out=left)
    np.maximum(left, 0.0, out=left)
    b.used += fresh
    groups, voted_twice, owner_twice, moved = e.moves_of(w)
    old = b.klass[groups]
    new = target[old]
    b.klass[groups] = new
    # Counts are whole numbers: one unbuffered add on the flat table moves
    # the voters out of their old classes and into the new ones exactly.
    # Class -1 (out of the table) lands in the previous row's last column,
    # which is never a class.
    cells = voted_twice * b.counts.shape[1]
    cells += np.concatenate([old, new])[owner_twice]
    np.add.at(b.counts.reshape(-1), cells, moved)


def _first(bad: np.ndarray, n: int) -> int:
    """Return the first extra (last axis) at which any of `bad` holds, at most n."""
    if bad.ndim > 1:
        bad = bad.any(axis=0)
    if not len(bad):
        return n
    i = int(bad.argmax())
    return min(n, i) if bad[i] else n


def _water_levels(
    counts: np.ndarray,
    held: np.ndarray,
    cost: float,
    poor: np.ndarray,
    start: float,
    voters: float | None = None,
    compiled: bool = False,
) -> np.ndarray:
    """
    Return, for each extra (column of `held`), the price the supporters pay.

    Supporters pay the price, or all they have when they hold less. Setting
    any classes apart as poor gives a share no higher than the true price;
    from the classes poorer than `start` (the price at the first extra, which
    is the highest), then from those poorer than the share, the price only
    rises and stops at the true one. Only the classes in `poor` may hold
    less than the price at some extra. `voters` is counts' sum, when known.
    """
    if voters is None:
        voters = counts.sum()
    if compiled:
        return _kernels().water_levels(counts, held, float(cost), poor, float(start), float(voters))
    lowest = cost / voters
    if not poor.any():
        return np.full(held.shape[1], lowest)
    held, counts = held[poor], counts[poor]
    # Short of `start` by the margin: the richest class stays out, so the
    # share always has payers left.
    paying = held < start * (1 - _MARGIN)
    price = (cost - counts @ (held * paying)) / (voters - counts @ paying)
    np.maximum(price, lowest, out=price)
    while True:
        now = held < price
        if not (now ^ paying).any():
            return price
        paying = now
        price = (cost - counts @ (held * now)) / (voters - counts @ now)


@functools.cache
def _kernels():
    """
    Return add1's compiled loops (`hromada.budget.kernels`), loaded at first use.

    Loading numba takes a quarter of a second, which only add1 needs.
    """
    from hromada.budget import kernels

    return kernels


def _equal_shares_run(election: _Election, extra: int) -> list[int]:
    """Run MES once with shares of budget / voters + `extra`; return the winners."""
    chosen = _FloatRun(election, extra).winners()
    if chosen is None:
        return _equal_shares_exact(election, extra)
    return chosen


class _FloatRun:
    """
    One run of MES in floats, which declines when floats cannot tell.

    Every decision is checked against a margin far wider than the rounding
    error: two prices per unit within it, or supporters' money within it of
    a cost, make `winners` return None, and the exact run decides. Ties
    that are certain without exact money (all supporters pay the same
    share; projects with the same supporters and cost) are broken here by
    project id.
    """

    def __init__(self, election: _Election, extra: int) -> None:
        self.e = election
        self.extra = extra
        self.left: np.ndarray | None = None  # each group's money once the run ends

    def winners(self) -> list[int] | None:
        """Return the winners in the order chosen, or None to go exact."""
        e = self.e
        share = Fraction(e.budget_exact) / e.n_ballots + self.extra
        budget = np.full(len(e.mult), float(share))
        cost = e.cost_list
        supporters, weights, counts = e.p_groups, e.p_weights, e.p_count
        # pabutools' starting guess: every supporter pays an equal part.
        stale = [1.0 / n for n in counts]
        remaining = list(range(e.n_projects))
        chosen: list[int] = []
        while remaining:
            # Prices per unit only rise, so an old one is a lower bound: once
            # it is above the best price found, the project cannot win now.
            remaining.sort(key=stale.__getitem__)
            best = math.inf
            contenders = []
            still = []
            for i, p in enumerate(remaining):
                if stale[p] > best * (1 + _MARGIN):
                    still.extend(remaining[i:])
                    break
                group = supporters[p]
                money_each = budget[group]
                c = cost[p]
                money = float(money_each @ weights[p])
                if money < c * (1 - _MARGIN):
                    continue  # never affordable again in this run
                if money <= c * (1 + _MARGIN):
                    return None  # the supporters' money about equals the cost
                still.append(p)
                price = _Price(money_each, weights[p], c, counts[p])
                stale[p] = price.value / c
                best = min(best, stale[p])
                contenders.append((stale[p], p, price))
            if not contenders:
                break
            tied = [x for x in contenders if x[0] <= best * (1 + _MARGIN)]
            if len(tied) > 1 and not _certain_tie(e, tied):
                return None
            _, w, price = min(tied, key=lambda x: e.rank_list[x[1]])
            payers = supporters[w]
            budget[payers] = np.maximum(budget[payers] - price.value, 0.0)
            still.remove(w)
            remaining = still
            chosen.append(w)
        self.left = budget
        return chosen

    def money_left(self) -> np.ndarray:
        """Return, for each project, its supporters' money when the run ended."""
        e = self.e
        lengths = np.diff(e.g_ptr)
        held = np.repeat(self.left * e.mult, lengths)
        return np.bincount(e.g_idx, weights=held, minlength=e.n_projects)


class _Price:
    """
    The equal payment that buys a project, found from its supporters' money.

    Start from cost / supporters and move the voters who cannot pay that
    much to paying all they have; the payment only rises and never passes
    the true one, so this stops at it after a few steps.
    """

    def __init__(self, money, weight, cost: float, voters: int) -> None:
        price = cost / voters
        # Everyone pays the same only when all clearly hold enough.
        self.all_pay = bool(money.min() >= price * (1 + _MARGIN))
        if not self.all_pay:
            weighted = money * weight
            poor_count = -1.0
            while True:
                poor = money < price
                count = float(weight @ poor)
                if count == poor_count:
                    break
                poor_count = count
                price = (cost - float(weighted @ poor)) / (voters - count)
        self.value = price


def _certain_tie(election: _Election, tied) -> bool:
    """Tell whether projects with near-equal prices tie exactly, without money."""
    e = election
    if all(x[2].all_pay for x in tied):
        # Everyone pays cost / supporters: the price per unit is exactly
        # 1 / supporters, so the floats' near-equality is equality.
        return len({e.p_count[x[1]] for x in tied}) == 1
    first = tied[0][1]
    return all(
        e.cost_exact[p] == e.cost_exact[first] and np.array_equal(e.p_groups[p], e.p_groups[first])
        for _, p, _ in tied[1:]
    )


def _equal_shares_exact(election: _Election, extra: int) -> list[int]:
    """Run MES in exact rationals; return the winners."""
    return _exact_run(election, extra, with_money=False)[0]


def _exact_run(election: _Election, extra: int, *, with_money: bool) -> tuple[list[int], list]:
    """
    Run MES in exact rationals; return the winners and the losers' supporters' money.

    The money, summed exactly, is only worked out `with_money`: add1 runs
    this at many steps, and only the kept step is explained.

    Voters who supported the same winners so far hold the same money, so
    they form a class, and a projects × classes table of voter counts is
    enough to price every project. Floats pick the few projects near the
    best price; exact water-filling over their classes decides.
    """
    e = election
    table = _Matrix(e.n_projects)
    root = table.new_column()
    table.data[:, root] = e.support
    value = [e.budget / e.n_ballots + extra]  # exact money of each class
    value_f = [float(value[0])]
    klass = np.zeros(len(e.mult), dtype=np.int64)  # -1: no money left
    alive = [root]
    remaining = np.ones(e.n_projects, dtype=bool)
    chosen: list[int] = []
    while remaining.any():
        if not alive:
            break  # no supporter of a remaining project has money left
        rows = np.flatnonzero(remaining)
        cols = np.array(alive, dtype=np.int64)
        cols = cols[np.argsort(np.array(value_f)[cols], kind="stable")]
        counts = table.data[np.ix_(rows, cols)]
        rho, doubtful = _float_prices(counts, np.array(value_f)[cols], e.cost_f[rows])
        near = doubtful | (rho <= rho[~doubtful].min(initial=np.inf) * (1 + _SHORTLIST))
        best = None
        for r in np.flatnonzero(near):
            fill = _exact_fill(e.cost[rows[r]], counts[r], cols, value)
            if fill is not None:
                key = (fill[0], e.rank[rows[r]])
                if best is None or key < best[0]:
                    best = (key, int(rows[r]), fill)
        if best is None:
            break
        _, w, (_, price, classes, poor) = best
        # The poor give all they have; the others pay the price.
        target = np.full(table.used + len(classes), -1, dtype=np.int64)
        for k, is_poor in zip(classes, poor, strict=True):
            if not is_poor:
                target[k] = table.new_column()
                value.append(value[k] - price)
                value_f.append(float(value[-1]))
                alive.append(int(target[k]))
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
    money: list = [None] * e.n_projects
    if not with_money:
        return chosen, money
    # Column k of the table holds the voters of class k, whose money is value[k].
    data = table.data[:, : table.used]
    for i in np.flatnonzero(remaining).tolist():
        row = data[i]
        money[i] = sum((value[k] * int(row[k]) for k in np.flatnonzero(row > 0)), _Q(0))
    return chosen, money


def _float_prices(
    counts: np.ndarray, money: np.ndarray, cost: np.ndarray, margin: float = _SHORTLIST
):
    """
    Price every project per unit of cost by water-filling, in floats.

    `counts` holds each project's supporters per class of money, classes in
    increasing order. Return the prices (inf when unaffordable) and which
    projects are too close to a decision for floats.
    """
    money_in = counts * money
    cum_n = np.cumsum(counts, axis=1)
    cum_m = np.cumsum(money_in, axis=1)
    poor_n = cum_n - counts
    poor_m = cum_m - money_in
    total = cum_m[:, -1]
    with np.errstate(divide="ignore", invalid="ignore"):
        price = (cost[:, None] - poor_m) / (cum_n[:, -1:] - poor_n)
        fits = price <= money[None, :]
    first = fits.argmax(axis=1)
    affordable = fits.any(axis=1) & (total >= cost)
    rho = np.where(affordable, price[np.arange(len(counts)), first] / cost, np.inf)
    doubtful = np.abs(total - cost) <= margin * (total + cost)
    return rho, doubtful


def _exact_fill(cost, row, cols, value):
    """
    Price one project exactly from its supporters' classes of money.

    Return (price per unit, price, classes, which classes are poor), or None
    when the supporters cannot afford it.
    """
    present = np.flatnonzero(row > 0)
    items = sorted(
        ((value[int(cols[i])], int(cols[i]), int(row[i])) for i in present),
        key=lambda item: item[0],
    )
    if sum((v * n for v, _, n in items), _Q(0)) < cost:
        return None
    paid = _Q(0)
    left = sum(n for _, _, n in items)
    price = None
    poor = []
    for v, _, n in items:
        if price is None:
            candidate = (cost - paid) / left
            if candidate <= v:
                price = candidate
            else:
                paid += v * n
                left -= n
        poor.append(price is None)
    return price / cost, price, [k for _, k, _ in items], poor


# --- sequential Phragmén ------------------------------------------------------


def phragmen(instance: Instance, *, explain: dict | None = None) -> list[str]:
    """
    Return the projects sequential Phragmén selects, in the order chosen.

    Voters earn money continuously; a project is bought as soon as its
    supporters together hold its cost, and their money is then spent. The
    rule stops as soon as a project that would be bought next does not fit.
    The projects left then are explained in `explain` by the load (money per
    supporter) at which each would have been bought, against the one at
    which the rule stopped.
    """
    budget = _exact(instance.budget)
    projects = []
    for p in instance.eligible():
        if _exact(instance.projects[p]) <= budget:
            projects.append(p)
        elif explain is not None:
            explain[p] = {
                "reason": "too_dear",
                "cost": _exact(instance.projects[p]),
                "budget": budget,
            }
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
            exact = {}
            tied = list(range(len(rows)))
        if any(spent + e.cost[rows[r]] > e.budget for r in tied):
            if explain is not None:
                loads = {r: exact.get(r, max_load[r]) for r in range(len(rows))}
                _explain_phragmen(e, rows, loads, best, tied, e.budget - spent, explain)
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


def _explain_phragmen(e: _Election, rows, loads, stop, tied, left, explain) -> None:
    """
    Explain the projects Phragmén left when it stopped at load `stop`.

    The tied projects that did not fit in the money `left` stopped it; the
    others would have been bought only at their load, later.
    """
    for r, i in enumerate(rows.tolist()):
        project = e.ids[i]
        if e.p_count[i] == 0:
            explain[project] = {"reason": "no_votes"}
        elif r in tied and e.cost[i] > left:
            explain[project] = {
                "reason": "no_money",
                "left": _plain(left),
                "cost": _plain(e.cost[i]),
                "load": _number(loads[r]),
            }
        else:
            explain[project] = {
                "reason": "later",
                "voters": e.p_count[i],
                "load": _number(loads[r]),
                "stop_load": _plain(stop),
                "left": _plain(left),
            }


# --- helpers ----------------------------------------------------------------


def _exact(value) -> Number:
    """Return `value` as an int or Fraction, refusing binary floats."""
    if isinstance(value, float):
        raise TypeError("Use int, Fraction or Decimal amounts, not float.")
    if isinstance(value, int):
        return value
    fraction = Fraction(value)
    return fraction.numerator if fraction.denominator == 1 else fraction


def _plain(value) -> Number:
    """Return an exact number as int when whole, else as Fraction (never gmpy2's)."""
    fraction = Fraction(value)
    fraction = Fraction(int(fraction.numerator), int(fraction.denominator))
    return fraction.numerator if fraction.denominator == 1 else fraction


def _number(value) -> Number | float:
    """Return an amount for an explanation: floats as they are, exact ones plain."""
    if isinstance(value, float | np.floating):
        return float(value)
    return _plain(value)
