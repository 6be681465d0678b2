"""add1's float pricing steps agree with exact water-filling on random classes of voters."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hromada.budget import rules
from tests.budget.test_rules import stretched_elections, supported_election

PRICING = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def exact_price(cost, counts, money):
    """Return the water level: supporters pay it, or all they hold when less; None if too dear."""
    items = sorted((Fraction(m), n) for m, n in zip(money, counts, strict=True) if n > 0)
    if sum((m * n for m, n in items), Fraction(0)) < cost:
        return None
    paid, left = Fraction(0), sum(n for _, n in items)
    for m, n in items:
        price = (cost - paid) / left
        if price <= m:
            return price
        paid += m * n
        left -= n
    raise AssertionError  # pragma: no cover - affordable projects have a price


money_values = st.one_of(
    st.integers(0, 60).map(float),
    st.floats(0, 60, allow_nan=False, allow_infinity=False),
)


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "numpy"])
@PRICING
@given(
    case=st.integers(1, 6).flatmap(
        lambda k: st.tuples(
            st.lists(st.lists(st.integers(0, 5), min_size=k, max_size=k), min_size=1, max_size=5),
            st.lists(money_values, min_size=k, max_size=k),
            st.lists(st.integers(1, 200), min_size=5, max_size=5),
        )
    )
)
def test_prices_at_matches_exact_water_filling(compiled, case):
    """Each project's price per unit, or inf when too dear, unless flagged too close to call."""
    table, money, costs = case
    counts = np.array(table, dtype=np.float64)
    cost = np.array(costs[: len(table)], dtype=np.float64)
    rows = np.arange(len(table))
    rho, unsure = rules._prices_at(counts, counts.shape[1], np.array(money), cost, rows, compiled)
    for r in rows.tolist():
        price = exact_price(Fraction(costs[r]), table[r], money)
        if unsure[r]:
            continue
        if price is None:
            assert rho[r] == np.inf
        else:
            assert abs(rho[r] - float(price / costs[r])) <= 1e-12 * float(price / costs[r])


# (voters per class, each class's money, the extras, the winner's cost)
water_cases = st.integers(1, 6).flatmap(
    lambda k: st.tuples(
        st.lists(st.integers(1, 5), min_size=k, max_size=k),
        st.lists(money_values, min_size=k, max_size=k),
        st.lists(st.integers(0, 30), min_size=1, max_size=6),
        st.integers(1, 200),
    )
)


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "numpy"])
@PRICING
@given(case=water_cases)
def test_water_levels_match_exact_water_filling(compiled, case):
    """The winner's price at each extra, started from its price at the first extra."""
    counts, money, extras, cost = case
    extras = sorted(extras)
    held = np.array([[m + x for x in extras] for m in money], dtype=np.float64)
    first = exact_price(Fraction(cost), counts, held[:, 0].tolist())
    total = float(np.array(counts) @ held[:, 0])
    # add1 prices only a winner its voters clearly afford.
    if first is None or total < cost * (1 + rules._MARGIN):
        return
    start = float(first)
    poor = held[:, 0] < start * (1 + rules._SHORTLIST)
    voters = np.array(counts, dtype=np.float64)
    price = rules._water_levels(voters, held, cost, poor, start, compiled=compiled)
    for j in range(len(extras)):
        exact = float(exact_price(Fraction(cost), counts, held[:, j].tolist()))
        assert abs(price[j] - exact) <= 1e-12 * exact


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "numpy"])
@PRICING
@given(case=water_cases)
def test_water_levels_with_the_voters_given_match(compiled, case):
    """Passing the supporters' count, as add1 does, gives the same prices."""
    counts, money, extras, cost = case
    held = np.array([[m + x for x in sorted(extras)] for m in money], dtype=np.float64)
    counts = np.array(counts, dtype=np.float64)
    first = exact_price(Fraction(cost), counts.tolist(), held[:, 0].tolist())
    if first is None or float(counts @ held[:, 0]) < cost * (1 + rules._MARGIN):
        return
    poor = held[:, 0] < float(first) * (1 + rules._SHORTLIST)
    args = (counts, held, cost, poor, float(first))
    given_voters = rules._water_levels(*args, counts.sum(), compiled=compiled)
    assert np.array_equal(given_voters, rules._water_levels(*args, compiled=compiled))


def test_first_finds_the_first_extra_that_fails():
    """The first column where any row holds, capped at n; none (or no column) gives n."""
    assert rules._first(np.array([False, False, True, True]), 9) == 2
    assert rules._first(np.array([False, True]), 1) == 1
    assert rules._first(np.array([False, False]), 2) == 2
    assert rules._first(np.zeros(0, dtype=bool), 3) == 3
    table = np.array([[False, False, False, True], [False, True, False, False]])
    assert rules._first(table, 9) == 1


@settings(PRICING, max_examples=60)
@given(stretched_elections())
def test_add1_branches_keep_their_class_table_right(instance):
    """
    Each branch's projects × classes table holds exactly its groups' voters.

    Voters who leave the table (nothing left) are moved into a spare last
    column instead of being filtered out; that column is never a class.
    """
    election = supported_election(instance)
    if election is None:
        return
    first = rules._Branch.fresh(election, 0, 64)
    # Start with no room to spare, so the table grows, and compact early.
    first.counts, first.money, first.compact_at = first.counts[:, :2].copy(), first.money[:1], 2
    stack = [first]
    branches = 0
    while stack and branches < 40:
        branch = stack.pop()
        for _ in rules._grow(election, branch, stack):
            pass
        branches += 1
        assert branch.used < branch.counts.shape[1]
        recount = np.zeros((election.n_projects, branch.used))
        for group, klass in enumerate(branch.klass.tolist()):
            if klass >= 0:
                voted = election.g_idx[election.g_ptr[group] : election.g_ptr[group + 1]]
                recount[voted, klass] += election.mult[group]
        assert np.array_equal(branch.counts[:, : branch.used], recount)


def test_the_compiled_loops_decide_with_the_rules_margin():
    from hromada.budget import kernels

    assert kernels.MARGIN == rules._MARGIN
