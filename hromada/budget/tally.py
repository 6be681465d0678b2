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

import gc
import json
from collections import Counter
from contextlib import contextmanager
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import chain

import numpy as np
from django.db import connection
from django.db.models import QuerySet, Value

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


# The amounts of an explanation (`rules.REASONS`); its other numbers are counts.
EXPLANATION_MONEY = ("left", "cost", "money", "share", "load", "stop_load", "budget")


def explanation_record(record: dict) -> dict:
    """
    Return a rule's explanation for the ballots file: amounts as text in kopecks.

    Supporters' money that fell short of a cost is rounded down, so it never
    shows as reaching it; costs and money left are exact in kopecks anyway.
    """
    plain = {}
    for key, value in record.items():
        if key in EXPLANATION_MONEY:
            fraction = Fraction(value)
            amount = Decimal(fraction.numerator) / Decimal(fraction.denominator)
            rounding = ROUND_FLOOR if key == "money" else ROUND_HALF_UP
            value = str(amount.quantize(Decimal("0.01"), rounding=rounding))
        plain[key] = value
    return plain


@contextmanager
def many_small_objects():
    """
    Pause the cyclic garbage collector while a count's ballots are built.

    A Kyiv-scale file is millions of tuples, lists and dicts, none in a
    cycle; collecting as they pile up walked them all again and again, as
    long as building the file itself.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def admitted_projects(category: Category) -> list[Project]:
    return list(
        Project.objects.filter(category=category, status=Project.Status.ADMITTED).order_by("number")
    )


def _fetch(query: QuerySet) -> list[tuple]:
    """Return the rows of a `values_list` query as the driver gives them, all at once."""
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def category_choices(category: Category, *, points: bool = False) -> np.ndarray:
    """
    Return the choices of a category as rows (ballot id, project id[, points]).

    The rows are sorted by ballot, then project. One query and no model
    rows: a Kyiv-sized cycle has 650,000 choices. They are found by project
    rather than by ballot: a choice is only ever stored for a project of its
    ballot's category (`services.check_ballot`), and the project index reads
    just this category's rows where a join through the ballots would scan
    every choice of the installation.
    """
    fields = ("ballot_id", "project_id", "points") if points else ("ballot_id", "project_id")
    choices = Choice.objects.filter(project__category=category).order_by()
    query = choices.values_list(*fields)
    if connection.vendor == "postgresql":
        # One value instead of a row per choice: the numbers as 8-byte
        # big-endian integers, read by numpy without parsing any text.
        sql, params = query.query.sql_with_params()
        binary = " || ".join(f"int8send({name}::int8)" for name in fields)
        sql = f"SELECT string_agg({binary}, '') FROM ({sql}) AS choice"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            (data,) = cursor.fetchone()
        table = np.frombuffer(data or b"", dtype=">i8").astype(np.int64)
    else:
        rows = _fetch(query)
        table = np.fromiter(
            chain.from_iterable(rows), dtype=np.int64, count=len(rows) * len(fields)
        )
    table = table.reshape(-1, len(fields))
    return table[np.lexsort((table[:, 1], table[:, 0]))]


def _ballot_bounds(ballot_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return where each ballot's run of sorted choices starts, and its length."""
    if not len(ballot_ids):
        return ballot_ids, ballot_ids
    starts = np.flatnonzero(np.r_[True, ballot_ids[1:] != ballot_ids[:-1]])
    return starts, np.diff(np.r_[starts, len(ballot_ids)])


def _positions(ids: list[int], values: np.ndarray) -> np.ndarray:
    """Return the position in `ids` of each of `values`, or -1 where it is not there."""
    if not ids:
        return np.full(len(values), -1, dtype=np.int64)
    array = np.array(ids, dtype=np.int64)
    order = np.argsort(array)
    at = order[np.searchsorted(array, values, sorter=order).clip(0, len(ids) - 1)]
    return np.where(array[at] == values, at, -1)


@many_small_objects()
def category_ballots(
    category: Category, *, with_hashes: bool = True, names: dict[int, str] | None = None
) -> list[tuple[str, list, list[int]]]:
    """
    Return every ballot of a category as (receipt hash, project ids, points).

    Ballots come in the order they were cast, their projects in id order.
    Empty ballots are there too: they hold a share of the money in MES.
    With `names` (project id → name) the ballots hold the names instead.
    """
    table = category_choices(category, points=True)
    ballots = Ballot.objects.filter(category=category).order_by("pk")
    rows = _fetch(ballots.values_list("pk", "receipt_hash" if with_hashes else Value("")))
    # Each ballot's choices are the run of rows between `low` and `high`.
    ids = np.fromiter((pk for pk, _ in rows), dtype=np.int64, count=len(rows))
    low = np.searchsorted(table[:, 0], ids, side="left").tolist()
    high = np.searchsorted(table[:, 0], ids, side="right").tolist()
    if sum(high) - sum(low) != len(table):
        raise ValueError(f"Choices of {category} belong to ballots of another category.")
    project_ids, given = table[:, 1].tolist(), table[:, 2].tolist()
    if names is not None:
        project_ids = [names[pk] for pk in project_ids]
    return [
        (digest, project_ids[a:z], given[a:z])
        for (_, digest), a, z in zip(rows, low, high, strict=True)
    ]


def _distinct_ballots(index: np.ndarray, given: np.ndarray | None, starts, lengths):
    """
    Yield each distinct ballot once as (project positions, points, how many).

    `index` and `given` hold the projects and points of the choices, ballot
    after ballot, as `_ballot_bounds` cut them. Ballots of the same length
    are compared as the rows of one array, so no Python loop runs per voter.
    """
    for size in np.unique(lengths).tolist():
        if size == 1 and given is None:  # most ballots of a category: counted, not sorted
            counts = np.bincount(index[starts[lengths == 1]])
            for i in np.flatnonzero(counts).tolist():
                yield [i], [], int(counts[i])
            continue
        at = starts[lengths == size][:, None] + np.arange(size)
        rows = index[at] if given is None else np.hstack([index[at], given[at]])
        rows = rows[np.lexsort(rows.T[::-1])]
        first = np.flatnonzero(np.r_[True, (rows[1:] != rows[:-1]).any(axis=1)])
        counts = np.diff(np.r_[first, len(rows)])
        for row, count in zip(rows[first].tolist(), counts.tolist(), strict=True):
            yield row[:size], row[size:], count


def category_instance(category: Category) -> tuple[rules.Instance, dict[str, Project]]:
    """
    Return the category's election for the rules and its projects by code.

    This is how the count reads a category from the database. Identical
    ballots are found in numpy and handed to the rules as one shared tuple
    repeated, so little Python runs per voter; the rules' outcome does not
    depend on the order of the ballots.
    """
    projects = admitted_projects(category)
    codes = [p.code for p in projects]
    cumulative = category.cumulative
    table = category_choices(category, points=cumulative)
    index = _positions([p.pk for p in projects], table[:, 1])
    if (index < 0).any():
        raise ValueError(f"Ballots of {category} name projects not admitted to voting.")
    starts, lengths = _ballot_bounds(table[:, 0])
    # Every ballot counts, empty ones too: they hold a share of the money in MES.
    empty = Ballot.objects.filter(category=category).count() - len(starts)
    if empty < 0:
        raise ValueError(f"Choices of {category} belong to ballots of another category.")
    ballots: list[tuple[str, ...]] = []
    points: list[tuple[int, ...]] = []
    given = table[:, 2] if cumulative else None
    for chosen, values, count in _distinct_ballots(index, given, starts, lengths):
        ballots += [tuple(codes[i] for i in chosen)] * count
        if cumulative:
            points += [tuple(values)] * count
    ballots += [()] * empty
    if cumulative:
        points += [()] * empty
    instance = rules.Instance(
        budget=exact(category.budget),
        projects={p.code: exact(p.cost) for p in projects},
        ballots=ballots,
        points=points if cumulative else None,
        min_score=category.min_votes or None,
    )
    return instance, {p.code: p for p in projects}


def select_winners(category: Category) -> rules.Result:
    """Return the winners of a category by its rule."""
    instance, _ = category_instance(category)
    return rules.select(instance, category.rule, category.completion or None)


@many_small_objects()
def ballots_document(cycle: Cycle) -> dict:
    """Return the public ballots file of a cycle, results included."""
    categories = []
    for category in cycle.categories.select_related("settlement").order_by("order", "pk"):
        # The count itself: the same reading and rule as `select_winners`.
        instance, by_code = category_instance(category)
        result = rules.select(instance, category.rule, category.completion or None)
        projects = list(by_code.values())
        code = {p.pk: p.code for p in projects}
        ballots = sorted(category_ballots(category, names=code))
        votes: dict[str, int] = dict.fromkeys(by_code, 0)
        votes.update(Counter(chain.from_iterable(chosen for _, chosen, _ in ballots)))
        points: dict[str, int] = dict.fromkeys(by_code, 0)
        for _, chosen, given in ballots:
            for name, value in zip(chosen, given, strict=True):
                points[name] += value
        # The published ballots must be the ones counted, so the file recounts
        # to its results; voting is closed, so this only fails on a late write.
        cumulative = category.cumulative
        published = points if cumulative else votes
        if len(ballots) != len(instance.ballots) or published != instance.scores():
            raise RuntimeError(f"The ballots of {category} changed while they were counted.")
        if cumulative:
            entry_ballots = [
                {"receipt_hash": digest, "choices": chosen, "points": given}
                for digest, chosen, given in ballots
            ]
        else:
            entry_ballots = [
                {"receipt_hash": digest, "choices": chosen} for digest, chosen, _ in ballots
            ]
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
                "results": {
                    "selected": result.selected,
                    "cost": money_text(result.cost),
                    # Why each other project lost, from this same count.
                    "explanations": {
                        code: explanation_record(record)
                        for code, record in result.explanations.items()
                    },
                },
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


def ballots_file(cycle: Cycle) -> tuple[dict, bytes]:
    """Return the public ballots file of a cycle: its document and its bytes."""
    with many_small_objects():
        document = ballots_document(cycle)
        # Compact: with an indent, json writes in Python, seconds at Kyiv's scale.
        return document, json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


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
