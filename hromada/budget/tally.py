"""
Counting: from the database to `rules.select`, and the public ballots file.

The ballots file is the public record of a count. It holds, per category, the
money, the rule, the projects with their costs, every ballot as the hash of
its receipt and its choices (nothing personal, in hash order so the order
says nothing about when or where anyone voted) and the result. Anyone can
recount it with `python -m hromada pb verify FILE`, and a voter can find
their receipt's hash in it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from fractions import Fraction

from django.db import connection

from hromada.budget import rules
from hromada.budget.models import Ballot, Category, Choice, Cycle, Project

FORMAT = "hromada-pb-ballots/1"


def exact(value) -> int | Fraction:
    """Return a money amount (Decimal or text) as an int or Fraction."""
    fraction = Fraction(Decimal(str(value)))
    return fraction.numerator if fraction.denominator == 1 else fraction


def money_text(value) -> str:
    """Return an exact amount as text with kopecks ("1500.00")."""
    fraction = Fraction(value)
    amount = Decimal(fraction.numerator) / Decimal(fraction.denominator)
    return str(amount.quantize(Decimal("0.01")))


def admitted_projects(category: Category) -> list[Project]:
    return list(
        Project.objects.filter(category=category, status=Project.Status.ADMITTED).order_by("number")
    )


def category_ballots(
    category: Category, *, with_hashes: bool = True
) -> list[tuple[str, list[int], list[int]]]:
    """
    Return every ballot of a category as (receipt hash, project ids, points).

    Plain SQL: a Kyiv-sized category has a hundred thousand choices, and
    building a model row for each would take longer than counting them.
    """
    choice, ballot = Choice._meta.db_table, Ballot._meta.db_table
    projects: dict[int, list[int]] = defaultdict(list)
    points: dict[int, list[int]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.ballot_id, c.project_id, c.points FROM {choice} c "  # noqa: S608
            f"JOIN {ballot} b ON b.id = c.ballot_id WHERE b.category_id = %s "
            "ORDER BY c.ballot_id, c.project_id",
            [category.pk],
        )
        for ballot_id, project_id, value in cursor.fetchall():
            projects[ballot_id].append(project_id)
            points[ballot_id].append(value)
        # Every ballot, empty ones too: they hold a share of the money in MES.
        column = "receipt_hash" if with_hashes else "''"
        cursor.execute(
            f"SELECT id, {column} FROM {ballot} WHERE category_id = %s ORDER BY id",  # noqa: S608
            [category.pk],
        )
        ballots = cursor.fetchall()
    return [(digest, projects[pk], points[pk]) for pk, digest in ballots]


def category_instance(category: Category) -> tuple[rules.Instance, dict[str, Project]]:
    """Return the category's election for the rules and its projects by code."""
    projects = admitted_projects(category)
    code = {p.pk: p.code for p in projects}
    ballots = category_ballots(category, with_hashes=False)
    cumulative = category.cumulative
    instance = rules.Instance(
        budget=exact(category.budget),
        projects={p.code: exact(p.cost) for p in projects},
        ballots=[[code[p] for p in chosen] for _, chosen, _ in ballots],
        points=[list(pts) for _, _, pts in ballots] if cumulative else None,
        min_score=category.min_votes or None,
    )
    return instance, {p.code: p for p in projects}


def select_winners(category: Category) -> rules.Result:
    """Return the winners of a category by its rule."""
    instance, _ = category_instance(category)
    return rules.select(instance, category.rule, category.completion or None)


def ballots_document(cycle: Cycle) -> dict:
    """Return the public ballots file of a cycle, results included."""
    categories = []
    for category in cycle.categories.select_related("settlement").order_by("order", "pk"):
        projects = admitted_projects(category)
        code = {p.pk: p.code for p in projects}
        ballots = sorted(category_ballots(category))
        votes: dict[str, int] = defaultdict(int)
        points: dict[str, int] = defaultdict(int)
        for _, chosen, given in ballots:
            for pk, value in zip(chosen, given, strict=True):
                votes[code[pk]] += 1
                points[code[pk]] += value
        instance = rules.Instance(
            budget=exact(category.budget),
            projects={p.code: exact(p.cost) for p in projects},
            ballots=[[code[p] for p in chosen] for _, chosen, _ in ballots],
            points=[list(g) for _, _, g in ballots] if category.cumulative else None,
            min_score=category.min_votes or None,
        )
        result = rules.select(instance, category.rule, category.completion or None)
        entry_ballots = []
        for digest, chosen, given in ballots:
            entry = {"receipt_hash": digest, "choices": [code[p] for p in chosen]}
            if category.cumulative:
                entry["points"] = given
            entry_ballots.append(entry)
        categories.append(
            {
                "id": category.pk,
                "name": category.name,
                "settlement": category.settlement.name if category.settlement else None,
                "budget": str(category.budget),
                "max_cost": str(category.max_cost),
                "max_choices": category.max_choices,
                "max_points": category.max_points if category.cumulative else None,
                "min_votes": category.min_votes,
                "rule": category.rule,
                "completion": category.completion or None,
                "projects": [
                    {
                        "id": p.code,
                        "title": p.title,
                        "cost": str(p.cost),
                        "votes": votes[p.code],
                        "points": points[p.code],
                    }
                    for p in projects
                ],
                "ballots": entry_ballots,
                "results": {"selected": result.selected, "cost": money_text(result.cost)},
            }
        )
    return {
        "format": FORMAT,
        "community": cycle.community.slug,
        "community_name": cycle.community.name,
        "cycle": cycle.pk,
        "year": cycle.year,
        "title": cycle.title,
        "ballot_kind": cycle.ballot_kind,
        "categories": categories,
    }


def document_instance(category: dict, *, cumulative: bool) -> rules.Instance:
    """Return the election of one category of a ballots file."""
    ballots = category["ballots"]
    return rules.Instance(
        budget=exact(category["budget"]),
        projects={p["id"]: exact(p["cost"]) for p in category["projects"]},
        ballots=[b["choices"] for b in ballots],
        points=[b.get("points") or [1] * len(b["choices"]) for b in ballots]
        if cumulative
        else None,
        min_score=category.get("min_votes") or None,
    )


def verify_document(document: dict) -> dict:
    """Recount every category of a ballots file and compare with its results."""
    if document.get("format") != FORMAT:
        raise ValueError(f"Not a ballots file of format {FORMAT}.")
    cumulative = document.get("ballot_kind") == "cumulative"
    report = []
    for category in document["categories"]:
        instance = document_instance(category, cumulative=cumulative)
        result = rules.select(instance, category["rule"], category.get("completion"))
        published = category["results"]["selected"]
        counted = Counter(p for b in category["ballots"] for p in b["choices"])
        counts_ok = all(p["votes"] == counted[p["id"]] for p in category["projects"])
        report.append(
            {
                "category": category["name"],
                "rule": category["rule"],
                "ballots": len(category["ballots"]),
                "published": published,
                "recomputed": result.selected,
                "match": result.selected == published and counts_ok,
            }
        )
    return {"ok": all(item["match"] for item in report), "categories": report}
