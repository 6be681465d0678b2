"""
Our cycles in the Pabulib format, and Pabulib files as cycles.

Export writes one category as a `.pb` file (META / PROJECTS / VOTES) that
pabutools and other research tools read; the voter ids are the receipt
hashes of the published ballots file. Import turns a `.pb` file into a
finished cycle of a community with one category, so real elections can be
recounted, shown and compared here. Reading and writing the format itself is
`hromada.budget.pabulib`'s job.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from django.db import transaction
from django.utils import timezone

from hromada.budget import pabulib, tally
from hromada.budget.errors import CountsHidden
from hromada.budget.models import Ballot, Category, Choice, Cycle, Project
from hromada.budget.services import count_votes
from hromada.core import audit
from hromada.core.models import Community, Settlement

RULE_NAMES = {"greedy": "greedy", "mes": "equalshares", "phragmen": "phragmen"}


def file_name(category: Category) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", category.community.slug).strip("_")
    return f"Ukraine_{slug}_{category.cycle.year}_{category.pk}.pb"


def category_election(category: Category) -> pabulib.Election:
    """Return a category's projects and ballots as a Pabulib election."""
    cycle = category.cycle
    if not cycle.counts_visible:
        raise CountsHidden()
    projects = tally.admitted_projects(category)
    code = {p.pk: p.code for p in projects}
    ballots = sorted(tally.category_ballots(category))
    votes: dict[str, int] = dict.fromkeys(code.values(), 0)
    for _, chosen, _ in ballots:
        for pk in chosen:
            votes[code[pk]] += 1
    selected = set()
    if cycle.results_public:
        selected = set(
            Project.objects.filter(category=category, outcome__selected=True).values_list(
                "pk", flat=True
            )
        )
    rule = RULE_NAMES[category.rule] + (f"/{category.completion}" if category.completion else "")
    meta = {
        "description": f"{cycle.title}: {category.name}",
        "country": "Ukraine",
        "unit": cycle.community.name,
        "subunit": category.settlement.name if category.settlement else category.name,
        "instance": str(cycle.year),
        "num_projects": str(len(projects)),
        "num_votes": str(len(ballots)),
        "budget": pabulib.format_number(tally.exact(category.budget)),
        "vote_type": "cumulative" if category.cumulative else "approval",
        "rule": rule,
        "date_begin": cycle.voting_starts.strftime("%d.%m.%Y"),
        "date_end": cycle.voting_ends.strftime("%d.%m.%Y"),
        "min_length": "1",
        "max_length": str(category.max_choices),
        "language": "uk",
        "currency": "UAH",
    }
    if category.cumulative:
        meta["max_sum_points"] = str(category.max_points)
    if category.min_votes:
        meta["min_project_score_threshold"] = str(category.min_votes)
    columns = ["project_id", "cost", "votes", "name", "category", "latitude", "longitude"]
    if cycle.results_public:
        columns.append("selected")
    return pabulib.Election(
        meta=meta,
        projects=[
            pabulib.Project(
                p.code,
                tally.exact(p.cost),
                {
                    "votes": str(votes[p.code]),
                    "name": p.title,
                    "category": category.name,
                    "latitude": f"{p.lat:.6f}",
                    "longitude": f"{p.lon:.6f}",
                    **(
                        {"selected": "1" if p.pk in selected else "0"}
                        if selected or cycle.results_public
                        else {}
                    ),
                },
            )
            for p in projects
        ],
        votes=[
            pabulib.Vote(
                digest,
                [code[pk] for pk in chosen],
                list(points) if category.cumulative else None,
            )
            for digest, chosen, points in ballots
        ],
        project_columns=columns,
        vote_columns=["voter_id", "vote"] + (["points"] if category.cumulative else []),
    )


def category_text(category: Category) -> str:
    """Return a category as Pabulib text; refuses while its cycle hides counts."""
    return pabulib.dumps(category_election(category))


def _date(text: str | None, default: date) -> date:
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime((text or "").strip(), fmt).date()
        except ValueError:
            continue
    return default


def _rule(meta_rule: str) -> tuple[str, str]:
    text = (meta_rule or "").lower()
    if "equalshares" in text or "mes" in text:
        return "mes", "add1" if "add1" in text else ""
    if "phragmen" in text:
        return "phragmen", ""
    return "greedy", ""


@transaction.atomic
def import_election(
    *,
    community: Community,
    election: pabulib.Election,
    source: str,
    rule: str | None = None,
    completion: str | None = None,
    settlement: Settlement | None = None,
) -> Cycle:
    """
    Create a finished cycle with one category from a Pabulib election and count it.

    Ordinal and choose-1 ballots become approval of the listed projects;
    cumulative and scoring ballots keep their points.
    """
    meta = election.meta
    today = timezone.localdate()
    voting_ends = min(_date(meta.get("date_end"), today - timedelta(days=1)), today - timedelta(1))
    voting_starts = min(_date(meta.get("date_begin"), voting_ends), voting_ends)
    year_text = re.sub(r"\D", "", meta.get("instance", ""))[:4]
    cumulative = election.vote_type in ("cumulative", "scoring")
    budget = _decimal(election.budget)
    guessed_rule, guessed_completion = _rule(meta.get("rule", ""))
    rule = rule or guessed_rule
    completion = completion if completion is not None else guessed_completion
    if rule != "mes":
        completion = ""
    max_length = max((len(v.projects) for v in election.votes), default=1)
    max_points = max((sum(v.points or []) for v in election.votes), default=0)
    title = (meta.get("description") or source)[:200]
    cycle = Cycle.objects.create(
        community=community,
        year=int(year_text) if year_text else voting_ends.year,
        title=title,
        description=f"Pabulib: {source}",
        total_budget=budget,
        contingency_percent=Decimal("0"),
        submission_starts=voting_starts - timedelta(days=60),
        submission_ends=voting_starts - timedelta(days=40),
        review_ends=voting_starts - timedelta(days=1),
        voting_starts=voting_starts,
        voting_ends=voting_ends,
        implementation_starts=voting_ends + timedelta(days=1),
        min_age=0,
        ballot_kind=Cycle.BallotKind.CUMULATIVE if cumulative else Cycle.BallotKind.APPROVAL,
        imported_from=source[:200],
    )
    category = Category.objects.create(
        community=community,
        cycle=cycle,
        name=(meta.get("subunit") or meta.get("unit") or "—")[:200],
        size=Category.Size.LARGE,
        budget=budget,
        max_cost=budget,
        max_choices=max(1, int(meta.get("max_length") or max_length or 1)),
        max_points=int(meta.get("max_sum_points") or max_points) if cumulative else 0,
        min_votes=int(Fraction(election.min_score)) if election.min_score else 0,
        rule=rule,
        completion=completion,
    )
    settlement = settlement or Settlement.objects.filter(community=community).first()
    numbers = _numbers([p.project_id for p in election.projects])
    centre = _centre(community)
    projects = Project.objects.bulk_create(
        [
            Project(
                community=community,
                cycle=cycle,
                category=category,
                number=numbers[p.project_id],
                pabulib_id=p.project_id,
                title=(p.fields.get("name") or p.project_id)[:200],
                problem="—",
                description=p.fields.get("description") or p.fields.get("name") or "—",
                beneficiaries="—",
                settlement=settlement,
                lat=_float(p.fields.get("latitude"), centre[0]),
                lon=_float(p.fields.get("longitude"), centre[1]),
                cost=_decimal(p.cost),
                status=Project.Status.ADMITTED,
            )
            for p in election.projects
        ]
    )
    by_id = {p.pabulib_id: p for p in projects}
    ballots = Ballot.objects.bulk_create(
        [
            Ballot(
                community=community,
                cycle=cycle,
                category=category,
                voter_key=f"pabulib:{cycle.pk}:{v.voter_id}",
                channel=Ballot.Channel.IMPORTED,
                receipt_hash=hashlib.sha256(
                    f"pabulib:{cycle.pk}:{v.voter_id}".encode()
                ).hexdigest(),
            )
            for v in election.votes
        ],
        batch_size=5000,
    )
    choices = []
    for ballot, vote in zip(ballots, election.votes, strict=True):
        given = vote.points if cumulative else None
        merged: dict[str, int] = {}
        for index, project_id in enumerate(vote.projects):
            merged[project_id] = int(given[index]) if given else 1
        for project_id, points in merged.items():
            if points > 0:
                choices.append(
                    Choice(
                        community=community,
                        ballot=ballot,
                        project=by_id[project_id],
                        points=points,
                    )
                )
    Choice.objects.bulk_create(choices, batch_size=10000)
    audit.record(
        actor=None,
        action="budget.pabulib_imported",
        target=cycle,
        after={"source": source, "projects": len(projects), "ballots": len(ballots)},
    )
    count_votes(cycle=cycle)
    return cycle


def _numbers(ids: list[str]) -> dict[str, int]:
    if all(i.isdigit() for i in ids) and len({int(i) for i in ids}) == len(ids):
        return {i: int(i) or 100000 for i in ids}
    return {i: n for n, i in enumerate(ids, start=1)}


def _centre(community: Community) -> tuple[float, float]:
    territory = community.territory or {}
    try:
        ring = territory["coordinates"][0]
        if territory.get("type") == "MultiPolygon":
            ring = ring[0]
        return (
            sum(p[1] for p in ring) / len(ring),
            sum(p[0] for p in ring) / len(ring),
        )
    except (KeyError, IndexError, TypeError, ZeroDivisionError):
        return (0.0, 0.0)


def _float(text, default: float) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return default


def _decimal(value) -> Decimal:
    fraction = Fraction(value)
    return (Decimal(fraction.numerator) / Decimal(fraction.denominator)).quantize(Decimal("0.01"))
