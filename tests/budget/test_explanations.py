"""Why a project lost: each rule's explanation, from its own count, and on the results page."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from hromada.budget import rules, services, tally
from hromada.budget.models import Outcome, Project
from hromada.budget.rules import Instance, select
from tests.budget.helpers import admitted_projects, make_category, move_to
from tests.budget.test_rules import GENERATED, elections
from tests.factories import make_resident

# The rules page's example: 300,000 UAH, ten voters. The park has the most
# votes; the library's five supporters also want the park. D is dearer than
# the library for the same five voters.
PARK, LIBRARY, GROUND, D = "A", "B", "C", "D"
COSTS = {PARK: 200_000, LIBRARY: 150_000, GROUND: 100_000}
BALLOTS = [(PARK, LIBRARY)] * 5 + [(PARK,)] + [(GROUND,)] * 4


def example(**changes) -> Instance:
    return Instance(budget=300_000, projects=COSTS, ballots=BALLOTS, **changes)


def with_d() -> Instance:
    """The example plus D (160,000 UAH), which voters 1 to 5 also choose: 5 votes."""
    return Instance(
        budget=300_000,
        projects={**COSTS, D: 160_000},
        ballots=[(PARK, LIBRARY, D)] * 5 + [(PARK,)] + [(GROUND,)] * 4,
    )


def replayed_money(instance: Instance, winners: list[str], extra=0) -> dict[str, Fraction]:
    """
    Return each project's supporters' money after MES's winners paid, in Fractions.

    A plain replay of the Method of Equal Shares' payments: every voter
    starts with budget / voters + extra; the supporters of a winner pay
    equal parts, those with less pay all they have.
    """
    ballots = [set(b) for b in instance.ballots]
    money = [Fraction(instance.budget) / len(ballots) + extra] * len(ballots)
    for winner in winners:
        payers = sorted((i for i, b in enumerate(ballots) if winner in b), key=money.__getitem__)
        left, rest = Fraction(instance.projects[winner]), len(payers)
        for i in payers:
            if money[i] * rest >= left:
                break
            left -= money[i]
            rest -= 1
        price = left / rest
        for i in payers:
            money[i] -= min(money[i], price)
    return {
        p: sum((money[i] for i, b in enumerate(ballots) if p in b), Fraction(0))
        for p in instance.projects
    }


# --- the rules ---------------------------------------------------------------


def test_greedy_explains_the_money_left_at_the_turn_of_a_skipped_project():
    """The park (6 votes) took 200,000: 100,000 were left when the library (5) came."""
    result = select(example(), "greedy")
    assert result.selected == [PARK, GROUND]
    left_at_library = 300_000 - COSTS[PARK]
    assert result.explanations == {
        LIBRARY: {"reason": "no_money", "left": left_at_library, "cost": 150_000}
    }


def test_equal_shares_explains_the_supporters_money_when_it_stopped():
    """The park's six voters kept 30,000 together: five paid all for the library."""
    result = select(example(), "mes")
    assert result.selected == [LIBRARY, GROUND]
    money = replayed_money(example(), result.selected)
    assert money[PARK] == 30_000
    assert result.explanations == {
        PARK: {"reason": "short", "voters": 6, "money": 30_000, "cost": 200_000}
    }


def test_equal_shares_explanation_in_floats_matches_the_replayed_payments():
    """With D the count runs in floats; the library's voters had nothing left for D."""
    instance = with_d()
    result = select(instance, "mes")
    assert result.selected == [LIBRARY, GROUND]
    money = replayed_money(instance, result.selected)
    park, d = result.explanations[PARK], result.explanations[D]
    assert (park["reason"], park["voters"], park["cost"]) == ("short", 6, 200_000)
    assert park["money"] == pytest.approx(float(money[PARK]))
    assert (d["reason"], d["voters"], d["money"], d["cost"]) == ("short", 5, 0, 160_000)


def test_add1_explanation_names_the_step_it_kept():
    """
    add1 stops at the first step whose outcome leaves no project fitting.

    Here an eleventh voter wants the 400,000 UAH project E: shares are
    300,000 / 11, and the outcome uses the money up only when the shares
    have grown by a few thousand hryvnias.
    """
    instance = Instance(
        budget=300_000,
        projects={**COSTS, "E": 400_000},
        ballots=[*BALLOTS, ("E",)],
    )
    result = select(instance, "mes", "add1")
    park = result.explanations[PARK]
    step = park["extra"]
    # Step by step, as pabutools does it: the first exhaustive outcome.
    costs = instance.projects
    election = rules._Election(instance, list(costs))
    for extra in range(step + 1):
        chosen = {election.ids[i] for i in rules._equal_shares_run(election, extra)}
        left = 300_000 - sum(costs[p] for p in chosen)
        exhaustive = all(costs[p] > left for p in costs if p not in chosen)
        assert exhaustive == (extra == step), extra
    assert park["share"] == Fraction(300_000, 11) + step
    money = replayed_money(instance, result.selected, extra=step)
    assert park["money"] == pytest.approx(float(money[PARK]))
    assert park["money"] < park["cost"]
    assert result.explanations["E"]["reason"] == "short"


def test_phragmen_explains_the_load_and_where_it_stopped():
    """
    Phragmén buys the sports ground at 25,000 and the library at 30,000 per voter.

    The park would come next at (5 × 30,000 + 200,000) / 6 per voter but
    does not fit in the 50,000 left, so the count stops; D would have
    needed (5 × 30,000 + 160,000) / 5 = 62,000 per voter.
    """
    result = select(with_d(), "phragmen")
    assert result.selected == [GROUND, LIBRARY]
    stop = Fraction(5 * 30_000 + 200_000, 6)
    assert result.explanations[PARK] == {
        "reason": "no_money",
        "left": 50_000,
        "cost": 200_000,
        "load": stop,
    }
    assert result.explanations[D] == {
        "reason": "later",
        "voters": 5,
        "load": 62_000,
        "stop_load": stop,
        "left": 50_000,
    }


def test_threshold_and_too_dear_projects_are_explained():
    instance = Instance(
        budget=300_000,
        projects={**COSTS, "X": 301_000},
        ballots=[*BALLOTS, ("X",), ("X",), ("X",), ("X",)],
        min_score=4,
    )
    assert select(instance, "phragmen").explanations["X"] == {
        "reason": "too_dear",
        "cost": 301_000,
        "budget": 300_000,
    }
    strict = Instance(budget=300_000, projects=COSTS, ballots=BALLOTS, min_score=5)
    for rule in rules.RULES:
        assert select(strict, rule).explanations[GROUND] == {
            "reason": "below_threshold",
            "score": 4,
            "threshold": 5,
        }


@GENERATED
@given(elections(), st.sampled_from(["greedy", "mes", "add1", "phragmen"]))
def test_every_project_not_selected_and_no_winner_is_explained(instance, rule):
    """The reasons hold: what was short stays short, what came later came later."""
    name, completion = ("mes", "add1") if rule == "add1" else (rule, None)
    result = select(instance, name, completion)
    assert set(result.explanations) == set(instance.projects) - set(result.selected)
    for project, why in result.explanations.items():
        assert why["reason"] in rules.REASONS
        if why["reason"] == "no_money":
            assert why["left"] < why["cost"] == instance.projects[project]
        elif why["reason"] == "short":
            assert why["money"] < why["cost"] == instance.projects[project]
            if completion is None:
                money = replayed_money(instance, result.selected)[project]
                assert why["money"] == pytest.approx(float(money), abs=1e-9)
        elif why["reason"] == "later":
            assert why["load"] >= why["stop_load"]
        elif why["reason"] == "below_threshold":
            assert why["score"] < why["threshold"]


def test_explanation_amounts_are_kopecks_and_short_money_is_rounded_down():
    record = {"reason": "short", "voters": 3, "money": 99.999, "cost": Fraction(100)}
    assert tally.explanation_record(record) == {
        "reason": "short",
        "voters": 3,
        "money": "99.99",
        "cost": "100.00",
    }
    load = tally.explanation_record({"reason": "later", "load": Fraction(175_000, 3)})
    assert load["load"] == "58333.33"


# --- the count and the results page ---------------------------------------------

pytestmark = pytest.mark.django_db

# The example at 1.1 times the money, so that every cost is a whole estimate.
SCALED = [220_000, 165_000, 110_000, 176_000]  # park, library, sports ground, D


def counted_example(community, cycle, rule: str, completion: str = ""):
    """Count the example with D in a category of 330,000 UAH by `rule`."""
    category = make_category(
        cycle, budget=330_000, max_cost=330_000, rule=rule, completion=completion
    )
    admitted_projects(community, category, 4, costs=SCALED)
    move_to(cycle, "voting")
    category.refresh_from_db()
    park, library, ground, d = Project.objects.filter(category=category).order_by("number")
    for picks in [[park, library, d]] * 5 + [[park]] + [[ground]] * 4:
        services.cast_ballot(
            resident=make_resident(community), category=category, choices=[p.pk for p in picks]
        )
    move_to(cycle, "results")
    services.count_votes(cycle=cycle)
    cycle.refresh_from_db()
    outcomes = {o.project_id: o for o in Outcome.objects.filter(cycle=cycle)}
    return category, [outcomes[p.pk] for p in (park, library, ground, d)]


def page_text(client, cycle) -> str:
    response = client.get(reverse("budget:results", args=[cycle.pk]))
    assert response.status_code == 200
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", text.replace("\xa0", " "))


def test_greedy_count_stores_and_shows_the_money_left(client, community, cycle):
    category, (park, library, ground, d) = counted_example(community, cycle, "greedy")
    instance, by_code = tally.category_instance(category)
    result = select(instance, "greedy")
    assert library.explanation == tally.explanation_record(
        result.explanations[library.project.code]
    )
    assert library.explanation == {"reason": "no_money", "left": "110000.00", "cost": "165000.00"}
    assert [o.selected for o in (park, library, ground, d)] == [True, False, True, False]
    text = page_text(client, cycle)
    assert "Не вистачило коштів: залишок 110 000 грн, потрібно 165 000 грн." in text
    assert "Проєкти беруть за кількістю голосів, від найбільшої, доки вистачає коштів" in text
    assert (
        f"{reverse('budget:rules')}#greedy"
        in client.get(reverse("budget:results", args=[cycle.pk])).content.decode()
    )


def test_equal_shares_count_shows_the_supporters_money(client, community, cycle):
    _, (park, library, ground, d) = counted_example(community, cycle, "mes")
    assert [o.selected for o in (park, library, ground, d)] == [False, True, True, False]
    assert park.explanation == {
        "reason": "short",
        "voters": 6,
        "money": "33000.00",
        "cost": "220000.00",
    }
    text = page_text(client, cycle)
    assert (
        "Кошти його прихильників: 6 виборців мали разом 33 000 грн, "
        "а проєкт коштує 220 000 грн." in text
    )
    assert "Кошти його прихильників: 5 виборців мали разом 0 грн" in text  # D, 5 > 4 votes


def test_add1_count_shows_the_step(client, community, cycle):
    _, (park, *_) = counted_example(community, cycle, "mes", "add1")
    assert (park.explanation["extra"], park.explanation["share"]) == (0, "33000.00")
    text = page_text(client, cycle)
    assert "Частка кожного виборця: 33 000 грн (доповнення add1, крок 0)." in text
    assert "поки лишаються кошти, яких вистачило б на якийсь проєкт" in text


def test_phragmen_count_shows_the_load(client, community, cycle):
    _, (park, library, ground, d) = counted_example(community, cycle, "phragmen")
    assert park.explanation["reason"] == "no_money"
    assert d.explanation == {
        "reason": "later",
        "voters": 5,
        "load": "68200.00",  # (5 × 33,000 + 176,000) / 5
        "stop_load": "64166.67",  # (5 × 33,000 + 220,000) / 6
        "left": "55000.00",
    }
    text = page_text(client, cycle)
    assert "Не вистачило коштів: залишок 55 000 грн, потрібно 220 000 грн." in text
    assert (
        "Його 5 прихильників оплатили б його лише за навантаження 68 200 грн на кожного; "
        "підрахунок зупинився на 64 166,67 грн на кожного" in text
    )


@pytest.mark.parametrize(("rule", "completion"), [("greedy", ""), ("mes", ""), ("phragmen", "")])
def test_winners_have_no_reason_and_every_outvoted_loser_has_one(
    client, community, cycle, rule, completion
):
    _, outcomes = counted_example(community, cycle, rule, completion)
    fewest = min(o.votes for o in outcomes if o.selected)
    for outcome in outcomes:
        if outcome.selected:
            assert outcome.explanation == {}
        else:
            assert outcome.explanation["reason"] in rules.REASONS
    outvoted = [o for o in outcomes if not o.selected and o.votes > fewest]
    assert outvoted
    response = client.get(reverse("budget:results", args=[cycle.pk]))
    rows = re.findall(r"<tr>.*?</tr>", response.content.decode(), re.S)
    for outcome in outcomes:
        [row] = [r for r in rows if outcome.project.get_absolute_url() in r]
        assert ('class="pb-why"' in row) == (outcome in outvoted), outcome.project


def test_rules_page_explains_each_rule_with_the_counted_example(client, community):
    response = client.get(reverse("budget:rules"))
    assert response.status_code == 200
    html = response.content.decode()
    for anchor in ('id="greedy"', 'id="mes"', 'id="add1"', 'id="phragmen"'):
        assert anchor in html
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html).replace("\xa0", " "))
    assert "Як обирають переможців громадського бюджету" in text
    # The winners the prose walks to are the rules' own.
    assert "Переможці за цим правилом: Парк, Спортмайданчик." in text
    assert text.count("Переможці за цим правилом: Бібліотека, Спортмайданчик.") == 2
    assert "Переможці за цим правилом: Спортмайданчик, Бібліотека." in text
    assert "Бібліотека: Не вистачило коштів: залишок 100 000 грн, потрібно 150 000 грн." in text
    assert "Парк: Кошти його прихильників: 6 виборців мали разом 30 000 грн" in text


def test_cycles_counted_before_are_explained_from_their_ballots_file(community, cycle):
    """The data migration recounts the published file; the file stays as it was."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("hromada.budget.migrations.0003_explain_counted_cycles")
    _, (park, library, ground, d) = counted_example(community, cycle, "greedy")
    stored = {o.pk: o.explanation for o in (park, library, ground, d)}
    Outcome.objects.filter(cycle=cycle).update(explanation={})
    sha = cycle.ballots_sha256
    migration.explain(apps, None)
    again = {o.pk: o.explanation for o in Outcome.objects.filter(cycle=cycle)}
    assert again == stored
    assert again[library.pk]["reason"] == "no_money"
    cycle.refresh_from_db()
    assert cycle.ballots_sha256 == sha
