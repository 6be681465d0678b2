"""add1's float pricing steps agree with exact water-filling on random classes of voters."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hromada.budget import rules

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


@PRICING
@given(
    st.integers(1, 6).flatmap(
        lambda k: st.tuples(
            st.lists(st.lists(st.integers(0, 5), min_size=k, max_size=k), min_size=1, max_size=5),
            st.lists(money_values, min_size=k, max_size=k),
            st.lists(st.integers(1, 200), min_size=5, max_size=5),
        )
    )
)
def test_prices_at_matches_exact_water_filling(case):
    """Each project's price per unit, or inf when too dear, unless flagged too close to call."""
    table, money, costs = case
    counts = np.array(table, dtype=np.float64)
    cost = np.array(costs[: len(table)], dtype=np.float64)
    rows = np.arange(len(table))
    rho, unsure = rules._prices_at(counts, counts.shape[1], np.array(money), cost, rows)
    for r in rows.tolist():
        price = exact_price(Fraction(costs[r]), table[r], money)
        if unsure[r]:
            continue
        if price is None:
            assert rho[r] == np.inf
        else:
            assert abs(rho[r] - float(price / costs[r])) <= 1e-12 * float(price / costs[r])


@PRICING
@given(
    st.integers(1, 6).flatmap(
        lambda k: st.tuples(
            st.lists(st.integers(1, 5), min_size=k, max_size=k),
            st.lists(money_values, min_size=k, max_size=k),
            st.lists(st.integers(0, 30), min_size=1, max_size=6),
            st.integers(1, 200),
        )
    )
)
def test_water_levels_match_exact_water_filling(case):
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
    price = rules._water_levels(np.array(counts, dtype=np.float64), held, cost, poor, start)
    for j in range(len(extras)):
        exact = float(exact_price(Fraction(cost), counts, held[:, j].tolist()))
        assert abs(price[j] - exact) <= 1e-12 * exact
