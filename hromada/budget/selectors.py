"""
Read queries of the participatory budget, shared by pages, the API and exports.

Vote counts leave this module only through `vote_counts`, which answers
None while a cycle keeps its counts hidden: every channel goes through it.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.core.cache import cache
from django.db import connections
from django.db.models import Count, Max, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hromada.budget import rules, tally
from hromada.budget.errors import CycleNotFound, ProjectNotFound
from hromada.budget.models import (
    Ballot,
    Category,
    Choice,
    Conclusion,
    Cycle,
    Outcome,
    Phase,
    Project,
)
from hromada.budget.services import OPERATOR_ROLE, receipt_hash
from hromada.core.models import Community, Resident, StaffRole
from hromada.core.registry import DashboardItem, MyItem, MySection
from hromada.core.rows import RowLoader, statement

ROLE = StaffRole.Role
COUNTS_TTL = 10  # seconds: public pages may lag the live count by this much

AGE_GROUPS = ["u18", "18-29", "30-44", "45-59", "60+"]


def cycles(community: Community):
    return Cycle.objects.filter(community=community).order_by("-year", "-pk")


def current_cycle(community: Community) -> Cycle | None:
    """Return the cycle residents care about now: the newest one that has begun."""
    today = timezone.localdate()
    found = cycles(community).filter(submission_starts__lte=today).first()
    return found or cycles(community).first()


def cycle_for(community: Community, pk) -> Cycle:
    cycle = Cycle.objects.select_related("community").filter(community=community, pk=pk).first()
    if cycle is None:
        raise CycleNotFound()
    return cycle


_CYCLE = RowLoader(Cycle)
_CATEGORY = RowLoader(Category)


def category_for_ballot(community: Community, cycle_id, category_id) -> Category | None:
    """
    Return the cycle's category, with the cycle and community set; None if none.

    Raise CycleNotFound when the community has no such cycle. Every ballot
    cast online reads these two rows; one plain statement costs a fraction
    of composing the ORM's two queries.
    """
    try:
        cycle_id, category_id = int(cycle_id), int(category_id)
    except (TypeError, ValueError):
        raise CycleNotFound() from None
    connection = connections["default"]
    sql = statement("budget.category_for_ballot", _category_for_ballot_sql)
    with connection.cursor() as cursor:
        cursor.execute(sql, [category_id, cycle_id, community.pk])
        row = cursor.fetchone()
    if row is None:
        raise CycleNotFound()
    cycle = _CYCLE.build(row, connection)
    cycle.community = community
    if row[len(_CYCLE.fields)] is None:
        return None
    category = _CATEGORY.build(row, connection, len(_CYCLE.fields))
    category.cycle = cycle
    return category


def _category_for_ballot_sql(connection) -> str:
    cycles = connection.ops.quote_name(Cycle._meta.db_table)
    categories = connection.ops.quote_name(Category._meta.db_table)
    # The names come from the models; every value is a parameter.
    return (
        f"SELECT {_CYCLE.columns('c', connection)}, {_CATEGORY.columns('k', connection)} "  # noqa: S608
        f"FROM {cycles} c LEFT JOIN {categories} k ON k.cycle_id = c.id AND k.id = %s "
        "WHERE c.id = %s AND c.community_id = %s"
    )


def cycles_to_count():
    """Return the cycles of every community whose voting is over but not yet counted."""
    return Cycle.objects.filter(voting_ends__lt=timezone.localdate(), tallied_at__isnull=True)


def can_see_drafts(viewer, community: Community) -> bool:
    return bool(
        getattr(viewer, "is_authenticated", False)
        and viewer.has_role(community, ROLE.MODERATOR, ROLE.STAFF)
    )


def can_review(viewer, community: Community, project: Project) -> bool:
    """Return whether the viewer may open the project's review screen (as views.review checks)."""
    if not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.has_role(community, ROLE.MODERATOR):
        return True
    # One query for the project's departments, not one per conclusion.
    return (
        viewer.has_role(community, ROLE.STAFF)
        and project.conclusions.filter(department_id__in=viewer.departments_in(community)).exists()
    )


def project_for(community: Community, pk, viewer=None) -> Project:
    """Return a project of the community that the viewer may see."""
    project = (
        Project.objects.select_related("cycle", "category", "settlement", "author", "department")
        .filter(community=community, pk=pk)
        .first()
    )
    if project is None:
        raise ProjectNotFound()
    if project.status == Project.Status.DRAFT and not (
        project.is_author(viewer) or can_see_drafts(viewer, community)
    ):
        raise ProjectNotFound()  # same answer as "missing": drafts are private
    return project


def public_projects(cycle: Cycle):
    """Return the projects of a cycle anyone may see (everything but drafts)."""
    return (
        Project.objects.filter(cycle=cycle)
        .exclude(status=Project.Status.DRAFT)
        .select_related("category", "settlement")
    )


def filter_projects(
    queryset, *, category=None, settlement=None, status=None, q=None, implementation=None
):
    if category:
        queryset = queryset.filter(category_id=category)
    if settlement:
        queryset = queryset.filter(settlement_id=settlement)
    if status == "selected":
        queryset = queryset.filter(outcome__selected=True, cycle__results_approved_at__isnull=False)
    elif status:
        queryset = queryset.filter(status=status)
    if implementation:
        queryset = queryset.filter(implementation=implementation)
    if q:
        queryset = queryset.filter(
            Q(title__icontains=q) | Q(description__icontains=q) | Q(number=_int(q))
        )
    return queryset


def _int(text) -> int:
    try:
        return int(str(text).lstrip("№#"))
    except ValueError:
        return -1


def vote_counts(cycle: Cycle) -> dict[int, tuple[int, int]] | None:
    """
    Return {project id: (votes, points)} of a cycle, or None while counts are hidden.

    Counted from the append-only choices and cached for a few seconds: no
    counter row that every ballot would have to lock.
    """
    if not cycle.counts_visible:
        return None
    key = f"budget:counts:{cycle.pk}"
    counts = cache.get(key)
    if counts is None:
        rows = (
            Choice.objects.filter(ballot__cycle=cycle)
            .values("project_id")
            .annotate(votes=Count("pk"), points=Sum("points"))
        )
        counts = {row["project_id"]: (row["votes"], row["points"]) for row in rows}
        cache.set(key, counts, COUNTS_TTL if cycle.tallied_at is None else 300)
    return counts


def forget_counts(cycle: Cycle) -> None:
    cache.delete_many([f"budget:counts:{cycle.pk}", f"budget:turnout:{cycle.pk}"])


def turnout(cycle: Cycle) -> dict | None:
    """Return ballots and voters by category, age group, settlement, channel; None if hidden."""
    if not cycle.counts_visible:
        return None
    key = f"budget:turnout:{cycle.pk}"
    cached = cache.get(key)
    if cached is None:
        cached = _turnout(cycle)
        cache.set(key, cached, COUNTS_TTL if cycle.tallied_at is None else 300)
    return cached


def _turnout(cycle: Cycle) -> dict:
    # Distinct counts over every ballot of a big city take a while: cached above.
    ballots = Ballot.objects.filter(cycle=cycle).order_by()
    return {
        "voters": ballots.values("voter_key").distinct().count(),
        "ballots": ballots.count(),
        "by_category": list(
            ballots.values("category__name").annotate(n=Count("pk")).order_by("category__order")
        ),
        "by_age": _ordered(
            dict(ballots.values_list("age_group").annotate(n=Count("voter_key", distinct=True))),
            AGE_GROUPS,
        ),
        "by_settlement": list(
            ballots.values("settlement__name")
            .annotate(n=Count("voter_key", distinct=True))
            .order_by("-n")
        ),
        "by_channel": dict(ballots.values_list("channel").annotate(n=Count("pk"))),
    }


def _ordered(counts: dict, keys: list[str]) -> list[tuple[str, int]]:
    return [(key, counts.get(key, 0)) for key in keys]


def age_group_label(code: str) -> str:
    return {"u18": _("under 18"), "60+": _("60 and older")}.get(code, code or _("not known"))


def outcomes(cycle: Cycle) -> list[Outcome]:
    return list(
        Outcome.objects.filter(cycle=cycle)
        .select_related("project__category", "project__settlement")
        .order_by("project__category__order", "project__category_id", "position", "-votes")
    )


def results_by_category(cycle: Cycle) -> list[dict]:
    """
    Return each category with its projects' counts and winners, ranked.

    A project that lost with more votes (points) than some winner of its
    category is marked `outvoted_winner`: its page row says why it lost,
    from the count's own explanation.
    """
    counted = {o.project_id: o for o in outcomes(cycle)} if cycle.tallied_at else {}
    counts = vote_counts(cycle) or {}
    sections = []
    for category in cycle.categories.select_related("settlement"):
        rows = []
        for project in Project.objects.filter(
            category=category, status=Project.Status.ADMITTED
        ).select_related("settlement"):
            outcome = counted.get(project.pk)
            votes, points = (
                (outcome.votes, outcome.points) if outcome else counts.get(project.pk, (0, 0))
            )
            rows.append(
                {
                    "project": project,
                    "votes": votes,
                    "points": points,
                    "selected": bool(outcome and outcome.selected),
                    "position": outcome.position if outcome else None,
                    "explanation": outcome.explanation if outcome else {},
                }
            )
        rows.sort(key=lambda r: (r["position"] is None, r["position"] or 0, -r["points"]))
        winners = [r for r in rows if r["selected"]]
        fewest = min((r["points"] for r in winners), default=None)
        for row in rows:
            row["outvoted_winner"] = (
                not row["selected"] and fewest is not None and row["points"] > fewest
            )
        sections.append(
            {
                "category": category,
                "rows": rows,
                "winners": winners,
                "spent": sum((r["project"].cost for r in winners), Decimal("0")),
            }
        )
    return sections


def rules_example() -> dict:
    """
    Return the worked example of the rules page, counted by each rule.

    300,000 UAH and ten voters: five vote for the park and the library, one
    for the park alone, four for the sports ground. The page's prose walks
    through it; the winners and the reasons shown beside it come from the
    rules themselves, as in a real count.
    """
    titles = {"A": _("Park"), "B": _("Library"), "C": _("Sports ground")}
    costs = {"A": 200_000, "B": 150_000, "C": 100_000}
    ballots = [("A", "B")] * 5 + [("A",)] + [("C",)] * 4
    instance = rules.Instance(budget=300_000, projects=costs, ballots=ballots)
    votes = instance.scores()
    counts = {}
    for key, rule, completion in (
        ("greedy", "greedy", None),
        ("mes", "mes", None),
        ("add1", "mes", "add1"),
        ("phragmen", "phragmen", None),
    ):
        # Ten voters in a web worker: numpy, not the compiler add1 loads for real counts.
        result = rules.select(instance, rule, completion, compiled=False)
        counts[key] = {
            "winners": [titles[p] for p in result.selected],
            "losers": [
                (titles[p], tally.explanation_record(record))
                for p, record in result.explanations.items()
            ],
        }
    return {
        "budget": instance.budget,
        "voters": len(ballots),
        "projects": [(titles[p], costs[p], votes[p]) for p in costs],
        "counts": counts,
    }


def money_by(cycle: Cycle, field: str) -> list[tuple[str, Decimal]]:
    """Return the winners' money by category or settlement name."""
    rows = (
        Project.objects.filter(cycle=cycle, outcome__selected=True)
        .values(f"{field}__name")
        .annotate(total=Sum("cost"))
        .order_by("-total")
    )
    return [(row[f"{field}__name"], row["total"]) for row in rows]


def my_projects(resident: Resident, community: Community):
    return (
        Project.objects.filter(community=community)
        .filter(Q(author=resident) | Q(coauthors=resident))
        .distinct()
        .select_related("cycle", "category", "outcome")
        .order_by("-cycle__year", "-created_at")
    )


def my_ballots(resident: Resident, cycle: Cycle) -> dict[int, Ballot]:
    """Return the resident's ballots in a cycle by category id, with choices."""
    ballots = (
        Ballot.objects.filter(cycle=cycle, resident=resident)
        .select_related("category")
        .prefetch_related("choices__project")
    )
    return {b.category_id: b for b in ballots}


def ballot_categories(cycle: Cycle) -> list[Category]:
    return list(
        cycle.categories.select_related("settlement").annotate(
            admitted=Count("projects", filter=Q(projects__status=Project.Status.ADMITTED))
        )
    )


def ballot_projects(category: Category):
    return (
        Project.objects.filter(category=category, status=Project.Status.ADMITTED)
        .select_related("settlement")
        .order_by("number")
    )


def find_receipt(cycle: Cycle, code: str) -> Ballot | None:
    """Return the ballot of a receipt code once the cycle's ballots are published."""
    if cycle.tallied_at is None:
        return None
    return (
        Ballot.objects.filter(cycle=cycle, receipt_hash=receipt_hash(code))
        .select_related("category")
        .prefetch_related("choices__project")
        .first()
    )


# --- staff -------------------------------------------------------------------


def review_queue(staff: Resident, community: Community):
    """Return the projects in review the staff member may act on."""
    projects = Project.objects.filter(
        community=community,
        status__in=[
            Project.Status.SUBMITTED,
            Project.Status.UNDER_REVIEW,
            Project.Status.REVISION,
        ],
    ).select_related("cycle", "category")
    if not staff.has_role(community, ROLE.MODERATOR):
        projects = projects.filter(
            conclusions__department__in=staff.departments_in(community)
        ).distinct()
    return projects.order_by("submitted_at")


def pending_conclusions(staff: Resident, community: Community):
    """Return the conclusions the staff member's departments still owe."""
    conclusions = Conclusion.objects.filter(
        community=community,
        feasible__isnull=True,
        project__status=Project.Status.UNDER_REVIEW,
    ).select_related("project", "department")
    if not staff.has_role(community, ROLE.MODERATOR):
        conclusions = conclusions.filter(department__in=staff.departments_in(community))
    return conclusions


def implementation_projects(cycle: Cycle):
    """Return the winners of a cycle with approved results, for the tracker."""
    if not cycle.results_public:
        return Project.objects.none()
    return (
        Project.objects.filter(cycle=cycle, outcome__selected=True)
        .select_related("category", "settlement", "department")
        .order_by("outcome__position")
    )


def dashboard_items(staff: Resident, community: Community) -> list[DashboardItem]:
    """Return the staff dashboard's counts for the participatory budget."""
    items = []
    review_url = reverse("budget:review_list")
    if staff.has_role(community, ROLE.MODERATOR):
        waiting = Project.objects.filter(
            community=community, status=Project.Status.SUBMITTED
        ).count()
        items.append(DashboardItem(_("Budget projects to take into review"), waiting, review_url))
        ready = (
            Project.objects.filter(community=community, status=Project.Status.UNDER_REVIEW)
            .exclude(conclusions__feasible__isnull=True)
            .filter(conclusions__isnull=False)
            .distinct()
            .count()
        )
        items.append(DashboardItem(_("Budget projects ready for a decision"), ready, review_url))
        to_approve = Cycle.objects.filter(
            community=community, tallied_at__isnull=False, results_approved_at__isnull=True
        )
        for cycle in to_approve:
            items.append(
                DashboardItem(
                    _("Results to approve: %(cycle)s") % {"cycle": cycle.title},
                    1,
                    reverse("budget:staff_results", args=[cycle.pk]),
                    urgent=True,
                )
            )
    if staff.has_role(community, ROLE.MODERATOR, ROLE.STAFF):
        owed = pending_conclusions(staff, community).count()
        if owed or not staff.has_role(community, ROLE.MODERATOR):
            items.append(
                DashboardItem(_("Conclusions your department owes"), owed, review_url, urgent=True)
            )
        in_work = Project.objects.filter(
            community=community,
            implementation__in=[
                Project.Implementation.PROCUREMENT,
                Project.Implementation.UNDER_WAY,
            ],
        )
        if not staff.has_role(community, ROLE.MODERATOR):
            in_work = in_work.filter(department__in=staff.departments_in(community))
        current = current_cycle(community)
        if current is not None:
            items.append(
                DashboardItem(
                    _("Winning projects being implemented"),
                    in_work.count(),
                    reverse("budget:implementation", args=[current.pk]),
                )
            )
    if staff.has_role(community, ROLE.MODERATOR, OPERATOR_ROLE):
        for cycle in cycles(community):
            if cycle.phase == Phase.VOTING:
                items.append(
                    DashboardItem(
                        _("Paper ballots entered: %(cycle)s") % {"cycle": cycle.title},
                        Ballot.objects.filter(cycle=cycle, channel=Ballot.Channel.OFFLINE).count(),
                        reverse("budget:offline", args=[cycle.pk]),
                    )
                )
    return items


# --- open data and news ------------------------------------------------------

OPEN_DATA_FIELDS = [
    "budget_year",
    "edrpou",
    "community",
    "project_number",
    "project_name",
    "project_description",
    "category",
    "category_type",
    "settlement",
    "address",
    "latitude",
    "longitude",
    "author",
    "project_cost",
    "status",
    "rejection_reason",
    "submitted_date",
    "votes_count",
    "rank",
    "is_winner",
    "implementation_status",
    "amount_spent",
    "responsible_department",
    "url",
]


def open_data_rows(community: Community, cycle: Cycle | None = None):
    """
    Yield the public-budget data set (Cabinet Resolution №835): projects,
    voting results and implementation, one row per project.

    Vote counts stay empty while a cycle hides them.
    """
    from hromada.core.notifications import site_url

    base = site_url(community)
    chosen = [cycle] if cycle else list(cycles(community))
    for each in chosen:
        counts = vote_counts(each)
        counted = {o.project_id: o for o in Outcome.objects.filter(cycle=each)}
        for project in (
            public_projects(each).select_related("author", "department").order_by("number")
        ):
            outcome = counted.get(project.pk)
            votes = None
            if counts is not None:
                votes = outcome.votes if outcome else counts.get(project.pk, (0, 0))[0]
            winner = bool(each.results_public and outcome and outcome.selected)
            yield {
                "budget_year": each.year,
                "edrpou": community.edrpou,
                "community": community.name,
                "project_number": project.number,
                "project_name": project.title,
                "project_description": project.description,
                "category": project.category.name,
                "category_type": project.category.get_size_display(),
                "settlement": project.settlement.name,
                "address": project.address,
                "latitude": project.lat,
                "longitude": project.lon,
                "author": project.author.public_name,
                "project_cost": project.cost,
                "status": project.get_status_display(),
                "rejection_reason": project.rejection_reason,
                "submitted_date": project.submitted_at.date() if project.submitted_at else None,
                "votes_count": votes,
                "rank": outcome.position if (outcome and each.results_public) else None,
                "is_winner": winner if each.results_public else None,
                "implementation_status": project.get_implementation_display()
                if project.implementation
                else "",
                "amount_spent": project.spent if project.implementation else None,
                "responsible_department": project.department.name if project.department else "",
                "url": base + project.get_absolute_url(),
            }


def latest(community: Community, limit: int = 5) -> list[tuple[str, str, object]]:
    """Return the newest public budget news: admitted projects and approved results."""
    news = []
    for cycle in cycles(community).filter(results_approved_at__isnull=False)[:limit]:
        news.append(
            (
                _("Results of %(cycle)s") % {"cycle": cycle.title},
                reverse("budget:results", args=[cycle.pk]),
                cycle.results_approved_at.date(),
            )
        )
    projects = Project.objects.filter(community=community, status=Project.Status.ADMITTED)
    for project in projects.order_by("-decided_at")[:limit]:
        news.append(
            (
                project.title,
                project.get_absolute_url(),
                project.decided_at.date() if project.decided_at else None,
            )
        )
    news.sort(key=lambda item: item[2] or timezone.localdate(), reverse=True)
    return news[:limit]


def project_supporters(project: Project) -> int:
    return (
        Ballot.objects.filter(choices__project=project, resident__isnull=False)
        .values("resident")
        .distinct()
        .count()
    )


def settlement_choices(community: Community):
    from hromada.core.models import Settlement

    return Settlement.objects.filter(community=community)


def group_by(items, key) -> dict:
    grouped = defaultdict(list)
    for item in items:
        grouped[key(item)].append(item)
    return grouped


def personal_data(resident: Resident) -> dict:
    """
    Return the resident's projects and ballots, for "download my data".

    A ballot's choices are the resident's own data, so they are included;
    the receipt is not (only its hash is kept).
    """
    projects = (
        Project.objects.filter(Q(author=resident) | Q(coauthors=resident))
        .distinct()
        .select_related("cycle", "category", "settlement")
    )
    ballots = (
        Ballot.objects.filter(resident=resident)
        .select_related("cycle", "category")
        .prefetch_related("choices__project")
    )
    return {
        "projects": [
            {
                "id": project.pk,
                "number": project.number,
                "cycle": project.cycle.title,
                "category": project.category.name,
                "title": project.title,
                "role": _("author") if project.author_id == resident.pk else _("co-author"),
                "problem": project.problem,
                "description": project.description,
                "beneficiaries": project.beneficiaries,
                "settlement": project.settlement.name,
                "address": project.address,
                "cost": project.cost,
                "status": project.get_status_display(),
                "submitted": project.submitted_at,
            }
            for project in projects.order_by("created_at")
        ],
        "ballots": [
            {
                "cycle": ballot.cycle.title,
                "category": ballot.category.name,
                "channel": ballot.get_channel_display(),
                "paper_number": ballot.paper_number,
                "support_point": ballot.support_point,
                "cast": ballot.cast_at,
                "choices": [
                    {"project": str(choice.project), "points": choice.points}
                    for choice in ballot.choices.all()
                ],
            }
            for ballot in ballots.order_by("cast_at")
        ],
    }


def my_items(resident: Resident, community: Community) -> list[MySection]:
    """Return the resident's projects and ballots for the "My community" page."""
    projects = my_projects(resident, community)[:5]
    ballots = (
        Ballot.objects.filter(cycle__community=community, resident=resident)
        .select_related("cycle", "category")
        .order_by("-cast_at")[:5]
    )
    more = reverse("budget:my")
    return [
        MySection(
            _("My projects"),
            [
                MyItem(p.title, p.get_absolute_url(), _project_label(p), p.created_at)
                for p in projects
            ],
            more_url=more,
            empty=_("You have not proposed any project yet."),
        ),
        MySection(
            _("My ballots"),
            [
                MyItem(
                    f"{b.cycle.title}: {b.category.name}",
                    b.cycle.get_absolute_url(),
                    b.get_channel_display(),
                    b.cast_at,
                )
                for b in ballots
            ],
            more_url=more,
            empty=_("You have not voted yet."),
        ),
    ]


def _project_label(project: Project) -> str:
    """Return the project's state as its author reads it: after the count, the result."""
    outcome = getattr(project, "outcome", None) if project.cycle.results_public else None
    if outcome is not None:
        return _("Winner") if outcome.selected else _("Not selected")
    return project.get_status_display()


def open_data_updated(community: Community):
    """Return when a project of the community's budget last changed."""
    return Project.objects.filter(community=community).aggregate(Max("updated_at"))[
        "updated_at__max"
    ]
