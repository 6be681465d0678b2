"""
The participatory budget's REST API at /api/v1/budget/.

Reads are public; proposing and voting need a token or a session. Vote
counts come only through `selectors.vote_counts`, so hidden counts are null
here as on the pages.
"""

# No `from __future__ import annotations`: @paginate's wrapper resolves the
# parameters' types among ninja's names, where `Id` is unknown.
from datetime import date, datetime
from decimal import Decimal

from django.http import Http404
from django.shortcuts import get_object_or_404
from django_ratelimit.core import is_ratelimited
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from hromada.api.auth import required
from hromada.api.pagination import Pages
from hromada.api.types import Count, Id, Lat, Lon
from hromada.budget import selectors, services
from hromada.budget.errors import CountsHidden
from hromada.budget.models import Category, Project
from hromada.core.errors import RateLimited
from hromada.core.lanes import FOR_PAGES, Lane
from hromada.core.models import Settlement
from hromada.core.ratelimit import over_any

router = Router(tags=["budget"])
# Ballots an account may post through the API in a minute (counted in one
# Redis round trip, hromada.core.ratelimit).
VOTE_RATE = "30/m"


def _bearer(request) -> bool:
    return request.META.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "


# A ballot posted with an API token (a voter's app) takes a short lane of the
# middleware chain (hromada.core.lanes): the community, the language asked
# for, the refusal of NUL characters, the Content-Security-Policy and frame
# headers and the metrics stay; the token's authentication, its consent
# check and every rule of the ballot run in the view as before. A ballot
# without a token, or with a session cookie, takes the full chain (the
# session's log-in and its CSRF check).
BALLOT_LANE = Lane(
    name="budget ballots with a token",
    paths=r"/api/v1/budget/cycles/[0-9]+/ballots",
    views=frozenset({"api:cast_ballot"}),
    skip=FOR_PAGES,
    admit=_bearer,
)


class BudgetCategoryOut(Schema):
    id: int
    name: str
    size: str
    settlement: str | None
    budget: Decimal
    max_cost: Decimal
    max_choices: int
    max_points: int
    min_votes: int
    rule: str
    completion: str


class CycleOut(Schema):
    id: int
    year: int
    title: str
    phase: str
    total_budget: Decimal
    contingency_percent: Decimal
    submission_starts: date
    submission_ends: date
    review_ends: date
    voting_starts: date
    voting_ends: date
    implementation_starts: date
    min_age: int
    allow_workers_and_students: bool
    ballot_kind: str
    counts_visible: bool
    results_approved: bool
    ballots_sha256: str
    categories: list[BudgetCategoryOut] = []


class ProjectOut(Schema):
    id: int
    number: int | None
    title: str
    status: str
    category_id: int
    settlement: str
    lat: float
    lon: float
    cost: Decimal
    votes: int | None = Field(None, description="Null while the cycle hides its counts.")
    implementation: str
    url: str


class CostItemOut(Schema):
    name: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class ProjectDetailOut(ProjectOut):
    problem: str
    description: str
    beneficiaries: str
    address: str
    author: str | None
    rejection_reason: str
    spent: Decimal
    items: list[CostItemOut]


class ItemIn(Schema):
    name: str
    quantity: Decimal
    unit_price: Decimal


class ProjectIn(Schema):
    category: Id
    title: str
    problem: str
    description: str
    beneficiaries: str
    settlement: Id
    address: str = ""
    lat: Lat
    lon: Lon
    items: list[ItemIn]
    cost: Decimal | None = None
    coauthors: list[str] = []


class BallotIn(Schema):
    category: Id
    projects: list[Id] = Field(default_factory=list, description="Approval ballots.")
    points: dict[Id, Count] = Field(
        default_factory=dict, description="Cumulative ballots: project id → points."
    )


class BallotOut(Schema):
    ballot: int
    category: int
    receipt: str = Field(description="Shown once: only its hash is kept and published.")


class ChoiceOut(Schema):
    project: int
    number: int | None
    title: str
    points: int


class MyBallotOut(Schema):
    category: int
    channel: str
    cast_at: datetime
    choices: list[ChoiceOut]


class ResultRowOut(Schema):
    project: int
    number: int | None
    title: str
    cost: Decimal
    votes: int
    points: int
    selected: bool
    position: int | None


class CategoryResultOut(Schema):
    category: int
    name: str
    rule: str
    rows: list[ResultRowOut]


class ResultsOut(Schema):
    cycle: int
    counted: bool
    approved: bool
    voters: int
    ballots: int
    ballots_sha256: str
    categories: list[CategoryResultOut]


class ReceiptOut(Schema):
    published: bool
    found: bool
    category: int | None = None
    choices: list[ChoiceOut] = []


def _category_out(category: Category) -> dict:
    return {
        "id": category.pk,
        "name": category.name,
        "size": category.size,
        "settlement": category.settlement.name if category.settlement else None,
        "budget": category.budget,
        "max_cost": category.max_cost,
        "max_choices": category.max_choices,
        "max_points": category.max_points,
        "min_votes": category.min_votes,
        "rule": category.rule,
        "completion": category.completion,
    }


def _cycle_out(cycle, *, categories: bool = False) -> dict:
    data = {
        "id": cycle.pk,
        "year": cycle.year,
        "title": cycle.title,
        "phase": cycle.phase,
        "total_budget": cycle.total_budget,
        "contingency_percent": cycle.contingency_percent,
        "submission_starts": cycle.submission_starts,
        "submission_ends": cycle.submission_ends,
        "review_ends": cycle.review_ends,
        "voting_starts": cycle.voting_starts,
        "voting_ends": cycle.voting_ends,
        "implementation_starts": cycle.implementation_starts,
        "min_age": cycle.min_age,
        "allow_workers_and_students": cycle.allow_workers_and_students,
        "ballot_kind": cycle.ballot_kind,
        "counts_visible": cycle.counts_visible,
        "results_approved": cycle.results_public,
        "ballots_sha256": cycle.ballots_sha256,
    }
    if categories:
        data["categories"] = [
            _category_out(c) for c in cycle.categories.select_related("settlement")
        ]
    return data


def _project_out(project: Project, counts) -> dict:
    return {
        "id": project.pk,
        "number": project.number,
        "title": project.title,
        "status": project.status,
        "category_id": project.category_id,
        "settlement": project.settlement.name,
        "lat": project.lat,
        "lon": project.lon,
        "cost": project.cost,
        "votes": counts.get(project.pk, (0, 0))[0] if counts is not None else None,
        "implementation": project.implementation,
        "url": project.get_absolute_url(),
    }


def _cycle(request, cycle_id: int):
    return selectors.cycle_for(request.community, cycle_id)


@router.get("/cycles", response=list[CycleOut], auth=None, summary="Budget cycles")
def list_cycles(request):
    return [_cycle_out(c) for c in selectors.cycles(request.community)]


@router.get("/cycles/{cycle_id}", response=CycleOut, auth=None, summary="One cycle")
def get_cycle(request, cycle_id: Id):
    return _cycle_out(_cycle(request, cycle_id), categories=True)


@router.get("/cycles/{cycle_id}/projects", response=list[ProjectOut], auth=None, summary="Projects")
@paginate(Pages)
def list_projects(
    request,
    cycle_id: Id,
    category: Id | None = None,
    settlement: Id | None = None,
    status: str | None = None,
    q: str | None = None,
    **kwargs,
):
    cycle = _cycle(request, cycle_id)
    projects = selectors.filter_projects(
        selectors.public_projects(cycle),
        category=category,
        settlement=settlement,
        status=status,
        q=q,
    ).order_by("number")
    counts = selectors.vote_counts(cycle)
    return _LazyRows(projects, lambda p: _project_out(p, counts))


class _LazyRows:
    """A queryset the paginator slices, turned into dicts only for the page."""

    def __init__(self, queryset, convert):
        self.queryset, self.convert = queryset, convert

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, key):
        return [self.convert(item) for item in self.queryset[key]]


@router.get("/projects/{project_id}", response=ProjectDetailOut, auth=None, summary="Project")
def get_project(request, project_id: Id):
    user = request.user if request.user.is_authenticated else None
    project = selectors.project_for(request.community, project_id, user)
    data = _project_out(project, selectors.vote_counts(project.cycle))
    data.update(
        {
            "problem": project.problem,
            "description": project.description,
            "beneficiaries": project.beneficiaries,
            "address": project.address,
            "author": project.author.public_name if project.author else None,
            "rejection_reason": project.rejection_reason,
            "spent": project.spent,
            "items": list(project.items.values("name", "quantity", "unit_price", "amount")),
        }
    )
    return data


@router.post(
    "/cycles/{cycle_id}/projects",
    response={201: ProjectOut},
    auth=required,
    summary="Propose a project (saved as a draft)",
)
def create_project(request, cycle_id: Id, payload: ProjectIn):
    cycle = _cycle(request, cycle_id)
    category = get_object_or_404(Category, pk=payload.category, cycle=cycle)
    settlement = get_object_or_404(Settlement, pk=payload.settlement, community=cycle.community)
    project = services.create_project(
        resident=request.user,
        cycle=cycle,
        category=category,
        title=payload.title,
        problem=payload.problem,
        description=payload.description,
        beneficiaries=payload.beneficiaries,
        settlement=settlement,
        address=payload.address,
        lat=payload.lat,
        lon=payload.lon,
        items=[item.dict() for item in payload.items],
        cost=payload.cost,
        coauthor_emails=payload.coauthors,
    )
    return Status(201, _project_out(project, None))


@router.post("/projects/{project_id}/submit", response=ProjectOut, auth=required, summary="Submit")
def submit_project(request, project_id: Id):
    project = selectors.project_for(request.community, project_id, request.user)
    project = services.submit_project(resident=request.user, project=project)
    return _project_out(project, None)


@router.post(
    "/cycles/{cycle_id}/ballots",
    response={201: BallotOut},
    auth=required,
    summary="Cast a ballot in one category (once; it cannot be changed)",
)
def cast_ballot(request, cycle_id: Id, payload: BallotIn):
    if over_any(group="budget.vote", checks=[(f"resident:{request.user.pk}", VOTE_RATE)]):
        raise RateLimited()
    category = selectors.category_for_ballot(request.community, cycle_id, payload.category)
    if category is None:
        raise Http404
    choices = payload.points if category.cumulative else payload.projects
    ballot, receipt = services.cast_ballot(
        resident=request.user, category=category, choices=choices
    )
    from hromada.api.api import api  # it mounts this module's router as it loads

    # The body BallotOut would give, rendered by the API's renderer: validating
    # and dumping three values the view has just made cost every ballot.
    return api.create_response(
        request, {"ballot": ballot.pk, "category": category.pk, "receipt": receipt}, status=201
    )


@router.get(
    "/cycles/{cycle_id}/my-ballots",
    response=list[MyBallotOut],
    auth=required,
    summary="My ballots in a cycle",
)
def my_ballots(request, cycle_id: Id):
    cycle = _cycle(request, cycle_id)
    return [
        {
            "category": ballot.category_id,
            "channel": ballot.channel,
            "cast_at": ballot.cast_at,
            "choices": _choices(ballot),
        }
        for ballot in selectors.my_ballots(request.user, cycle).values()
    ]


def _choices(ballot) -> list[dict]:
    return [
        {
            "project": c.project_id,
            "number": c.project.number,
            "title": c.project.title,
            "points": c.points,
        }
        for c in ballot.choices.all()
    ]


@router.get(
    "/cycles/{cycle_id}/results",
    response=ResultsOut,
    auth=None,
    summary="Counts and winners (refused while counts are hidden)",
)
def results(request, cycle_id: Id):
    cycle = _cycle(request, cycle_id)
    if not cycle.counts_visible:
        raise CountsHidden()
    turnout = selectors.turnout(cycle)
    return {
        "cycle": cycle.pk,
        "counted": cycle.tallied_at is not None,
        "approved": cycle.results_public,
        "voters": turnout["voters"],
        "ballots": turnout["ballots"],
        "ballots_sha256": cycle.ballots_sha256,
        "categories": [
            {
                "category": section["category"].pk,
                "name": section["category"].name,
                "rule": section["category"].rule,
                "rows": [
                    {
                        "project": row["project"].pk,
                        "number": row["project"].number,
                        "title": row["project"].title,
                        "cost": row["project"].cost,
                        "votes": row["votes"],
                        "points": row["points"],
                        "selected": row["selected"],
                        "position": row["position"],
                    }
                    for row in section["rows"]
                ],
            }
            for section in selectors.results_by_category(cycle)
        ],
    }


class ReceiptIn(Schema):
    code: str = Field(max_length=40)


@router.post(
    "/cycles/{cycle_id}/receipt",
    response=ReceiptOut,
    auth=None,
    summary="Is the ballot of this receipt code in the published file?",
)
def receipt(request, cycle_id: Id, payload: ReceiptIn):
    if is_ratelimited(
        request, group="budget.receipt", key="ip", rate="30/m", method="POST", increment=True
    ):
        raise RateLimited()
    code = payload.code
    cycle = _cycle(request, cycle_id)
    if cycle.tallied_at is None:
        return {"published": False, "found": False}
    ballot = selectors.find_receipt(cycle, code)
    if ballot is None:
        return {"published": True, "found": False}
    return {
        "published": True,
        "found": True,
        "category": ballot.category_id,
        "choices": _choices(ballot),
    }
