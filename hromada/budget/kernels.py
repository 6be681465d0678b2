"""
The innermost loops of add1 (`rules._grow`), compiled with numba.

A round of add1 prices a few projects, finds the winner's price at every
extra of the branch and moves the winner's supporters to new classes. Each
of these steps is a short loop over a few dozen classes; written as numpy
array operations it took some twenty of them, each costing more to call than
to compute, and a Kyiv-scale count runs about ten thousand rounds. Compiled,
a step takes a few microseconds.

numba keeps the machine code in its cache (`__pycache__` beside this file, or
NUMBA_CACHE_DIR), so only the first count after an install compiles, for a
second or two. Where no cache can be written, each process compiles once.
This module is imported at the first add1 count only: loading numba costs a
process a quarter of a second that web workers and other rules never need,
and `pb tally` counts a small file with the numpy loops of `rules` instead.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# As rules._MARGIN: floats decide only beyond this relative margin.
MARGIN = 1e-9


def _compiled(function):
    """Compile `function` on its first call, with the machine code cached for later processes."""
    try:
        return njit(cache=True)(function)
    except RuntimeError:  # pragma: no cover - no cache directory can be written
        return njit(function)


@_compiled
def prices_at(counts, used, money, cost, rows):
    """
    Return each of `rows`' price per unit, and which are too close to call.

    `counts` holds the projects' voters by class, `money` each class's money.
    A project's voters, poorest class first: with the classes before k paying
    all they hold and the others equal parts of the rest, the share is at
    most the price, and exactly the price for the k where the poor end, so
    the price is the greatest of these shares. inf when the voters cannot
    afford the project; unsure when their money is within the margin of it.
    """
    rho = np.empty(len(rows))
    unsure = np.zeros(len(rows), dtype=np.bool_)
    classes = np.empty(used, dtype=np.int64)
    for r in range(len(rows)):
        project = rows[r]
        found = 0
        voters = 0.0
        for k in range(used):
            if counts[project, k] > 0:
                classes[found] = k
                found += 1
                voters += counts[project, k]
        cost_p = cost[project]
        if found == 0:
            rho[r] = np.inf
            continue
        supporting = classes[:found]
        order = np.argsort(money[supporting], kind="mergesort")
        paid = 0.0  # by the classes before k, all they hold
        lowest = np.inf  # the greatest share, negated
        for i in range(found):
            k = supporting[order[i]]
            share = (paid - cost_p) / voters
            lowest = min(lowest, share)
            paid += counts[project, k] * money[k]
            voters -= counts[project, k]
        rho[r] = np.inf if paid < cost_p else lowest / -cost_p
        unsure[r] = abs(paid - cost_p) <= MARGIN * (paid + cost_p)
    return rho, unsure


@_compiled
def choose(counts, used, money, cost, rank, support, remaining, floor, first, first_try):
    """
    Return the round's winner at the branch's first extra as (status, w, best).

    As `rules._grow`'s numpy steps: the projects left, cheapest-looking
    first by `first` (a floor on each one's price at the first extra), are
    priced `first_try` at a time, then the others whose floor is not above
    the best price; `first` is raised to the prices found. Status 0: w wins
    at the price per unit `best` (a tie lost by id included); 1: nothing
    left is affordable; 2: floats cannot tell, the exact run decides.
    """
    left = np.flatnonzero(remaining & np.isfinite(floor))
    if len(left) == 0 or used == 0:
        return 1, -1, np.inf
    rows = left[np.argsort(first[left], kind="mergesort")]
    priced = min(first_try, len(rows))
    rho, unsure = prices_at(counts, used, money, cost, rows[:priced])
    limit = rho.min() * (1 + MARGIN)
    more = priced
    while more < len(rows) and first[rows[more]] <= limit:
        more += 1
    if more > priced:
        rho_more, unsure_more = prices_at(counts, used, money, cost, rows[priced:more])
        rho = np.concatenate((rho, rho_more))
        unsure = np.concatenate((unsure, unsure_more))
        priced = more
    if unsure.any():
        return 2, -1, np.inf
    for i in range(priced):
        first[rows[i]] = max(first[rows[i]], rho[i] * (1 - MARGIN))
    best = rho.min()
    if best == np.inf:
        return 1, -1, best
    w, tied = -1, 0
    for i in range(priced):
        if rho[i] <= best * (1 + MARGIN):
            tied += 1
            if w < 0 or rank[rows[i]] < rank[w]:
                w = rows[i]
    if tied > 1 and not _sure_tie(counts, used, rows[:priced], rho, best, money, cost, support):
        return 2, -1, best
    return 0, w, best


@_compiled
def _sure_tie(counts, used, rows, rho, best, money, cost, support):
    """Tell whether the near-best projects tie exactly: each one's supporters all pay equal parts."""
    voters = -1
    for i in range(len(rows)):
        if rho[i] > best * (1 + MARGIN):
            continue
        project = rows[i]
        if voters >= 0 and support[project] != voters:
            return False
        voters = support[project]
        counted, poorest = 0.0, np.inf
        for k in range(used):
            if counts[project, k] > 0:
                counted += counts[project, k]
                poorest = min(poorest, money[k])
        if counted != support[project]:
            return False
        if poorest < cost[project] / support[project] * (1 + MARGIN):
            return False
    return True


@_compiled
def water_levels(counts, held, cost, poor, start, voters):
    """
    Return, for each extra (column of `held`), the price the supporters pay.

    As rules._water_levels: supporters pay the price or, when they hold less,
    all they have. From the classes poorer than `start` (the price at the
    first extra, the highest), then from those poorer than the share, the
    share only rises and stops at the price. Only classes in `poor` may hold
    less than the price at some extra.
    """
    lowest = cost / voters
    width = held.shape[1]
    price = np.empty(width)
    paying = np.zeros(len(poor), dtype=np.bool_)
    for t in range(width):
        # Short of `start` by the margin: the richest class stays out, so the
        # share always has payers left.
        below = start * (1 - MARGIN)
        share = lowest
        first = True
        while True:
            changed = False
            payers, paid = 0.0, 0.0
            for i in range(len(poor)):
                now = poor[i] and held[i, t] < below
                changed |= now != paying[i]
                paying[i] = now
                if now:
                    payers += counts[i]
                    paid += counts[i] * held[i, t]
            if not first and not changed:
                break
            share = (cost - paid) / (voters - payers)
            if first:
                share = max(share, lowest)
                first = False
            below = share
        price[t] = share
    return price


@_compiled
def pay(money, counts, klass, used, n, present, held, price, groups, voted, owner, weight):
    """
    Let the winner's supporters pay; return how many classes were added.

    Classes `present` held `held` and pay `price` (by extra, the first n).
    Each class that keeps money at its richest extra becomes a new class,
    rows used, used + 1, … of `money`; the others leave the table (class -1).
    The winner's supporting groups (`groups`, with their votes: the project
    `voted`, the group's position `owner` in groups, the voters `weight`)
    move, and so do their votes in `counts`, which stay whole numbers.
    """
    target = np.full(used, -1, dtype=np.int64)
    added = 0
    for j in range(len(present)):
        if held[j, n - 1] > price[n - 1]:
            row = used + added
            target[present[j]] = row
            for t in range(n):
                money[row, t] = max(held[j, t] - price[t], 0.0)
            added += 1
    before = np.empty(len(groups), dtype=np.int64)
    for g in range(len(groups)):
        old = klass[groups[g]]
        before[g] = old
        if old >= 0:
            klass[groups[g]] = target[old]
    for i in range(len(voted)):
        old = before[owner[i]]
        if old < 0:  # out of the table already: its votes are not in counts
            continue
        counts[voted[i], old] -= weight[i]
        new = target[old]
        if new >= 0:
            counts[voted[i], new] += weight[i]
    return added
