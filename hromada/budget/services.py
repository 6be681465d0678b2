"""
Every state change of the participatory budget.

Plain functions with keyword-only arguments, one transaction each. They check
the phase, the person's right and the rules, raise the errors of
`hromada.budget.errors`, write the audit entry and queue notifications on
commit. Web pages, the API, the back office and the demo all come here.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.budget import tally
from hromada.budget.errors import (
    AlreadyVoted,
    BallotInvalid,
    CostMismatch,
    NotCounted,
    NotEligible,
    OverCap,
    PaperNumberUsed,
    PhaseClosed,
    ReviewIncomplete,
    WrongStatus,
)
from hromada.budget.models import (
    Ballot,
    Category,
    Choice,
    Conclusion,
    CostItem,
    Cycle,
    ImplementationUpdate,
    Outcome,
    Phase,
    Photo,
    Project,
)
from hromada.core import audit
from hromada.core.errors import Forbidden, ValidationFailed
from hromada.core.identity import require_level, tax_number_hash
from hromada.core.models import (
    AuditEntry,
    Community,
    CommunityLink,
    Department,
    Resident,
    Settlement,
    StaffRole,
    Street,
)
from hromada.core.notifications import channels_for, notify, notify_many
from hromada.core.rows import statement
from hromada.core.uploads import clean_image

ROLE = StaffRole.Role
# Staff at support points who enter paper ballots; moderators may too.
OPERATOR_ROLE = "budget_operator"
CENT = Decimal("0.01")
MAX_COAUTHORS = 5
MAX_PHOTOS = 6
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud safely


# --- rules shared by the services --------------------------------------------


def money(value, *, field: str) -> Decimal:
    """Return `value` as an amount in UAH with kopecks, or raise."""
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed(fields={field: str(_("Enter an amount in UAH."))}) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise ValidationFailed(fields={field: str(_("Enter an amount in UAH."))})
    return amount


def estimate_total(items_total: Decimal, percent: Decimal) -> Decimal:
    """Return the cost an estimate makes: its items plus the contingency percentage."""
    extra = (items_total * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return items_total + extra


def participation_basis(*, resident: Resident, cycle: Cycle) -> list[str]:
    """Return the link kinds that let a person take part in the cycle."""
    kinds = [CommunityLink.Kind.LIVES, CommunityLink.Kind.DISPLACED]
    if cycle.allow_workers_and_students:
        kinds += [CommunityLink.Kind.WORKS, CommunityLink.Kind.STUDIES]
    return kinds


def _check_age(*, resident: Resident, cycle: Cycle, day: date | None) -> None:
    age = resident.age_on(day or timezone.localdate())
    if age is None:
        raise NotEligible(_("Add your birth date to your profile: the cycle has an age limit."))
    if age < cycle.min_age:
        raise NotEligible(
            _("Residents aged %(age)d or older take part in this cycle."), age=cycle.min_age
        )


def _not_linked(cycle: Cycle) -> NotEligible:
    if cycle.allow_workers_and_students:
        return NotEligible(
            _(
                "Only people who live, work or study in the community take part. "
                "Add your link to the community in your profile."
            )
        )
    return NotEligible(
        _(
            "Only residents of the community take part. "
            "Add your address in the community to your profile."
        )
    )


def check_participant(*, resident: Resident, cycle: Cycle, day: date | None = None) -> list:
    """
    Raise `NotEligible` unless the resident is old enough and tied to the community.

    Return the resident's qualifying links to the community.
    """
    _check_age(resident=resident, cycle=cycle, day=day)
    kinds = participation_basis(resident=resident, cycle=cycle)
    links = list(
        CommunityLink.objects.filter(
            resident=resident, community_id=cycle.community_id, kind__in=kinds
        ).select_related("street__settlement")
    )
    if not links:
        raise _not_linked(cycle)
    return links


def _participant_settlement(*, resident: Resident, cycle: Cycle) -> int | None:
    """
    Check the voter as `check_participant` does; return their settlement's id.

    Where the person lives (or stays) counts for turnout by settlement. A
    plain statement: every ballot cast online runs it.
    """
    _check_age(resident=resident, cycle=cycle, day=None)
    kinds = participation_basis(resident=resident, cycle=cycle)
    links = connection.ops.quote_name(CommunityLink._meta.db_table)
    streets = connection.ops.quote_name(Street._meta.db_table)
    marks = ", ".join(["%s"] * len(kinds))
    # The names come from the models; every value is a parameter.
    sql = (
        f"SELECT link.kind, street.settlement_id FROM {links} link "  # noqa: S608
        f"LEFT JOIN {streets} street ON street.id = link.street_id "
        f"WHERE link.resident_id = %s AND link.community_id = %s AND link.kind IN ({marks})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [resident.pk, cycle.community_id, *kinds])
        rows = cursor.fetchall()
    if not rows:
        raise _not_linked(cycle)
    for _kind, settlement_id in sorted(rows, key=lambda row: row[0] != CommunityLink.Kind.LIVES):
        if settlement_id is not None:
            return settlement_id
    return None


def require_phase(cycle: Cycle, *phases: str) -> None:
    if cycle.phase not in phases:
        raise PhaseClosed(phase=cycle.get_phase_display())


def require_moderator(staff: Resident, community: Community) -> None:
    if not (staff.is_active and staff.has_role(community, ROLE.MODERATOR)):
        raise Forbidden()


def age_group(age: int | None) -> str:
    """Return the turnout age group of an age."""
    if age is None:
        return ""
    for upper, label in ((17, "u18"), (29, "18-29"), (44, "30-44"), (59, "45-59")):
        if age <= upper:
            return label
    return "60+"


def _same_community(obj, community: Community) -> None:
    if obj.community_id != community.pk:
        raise Forbidden()


# --- cycles ------------------------------------------------------------------


@transaction.atomic
def create_cycle(*, actor: Resident | None, community: Community, **fields) -> Cycle:
    """Open a new budget cycle (administrators)."""
    if actor is not None and not actor.has_role(community, ROLE.ADMINISTRATOR):
        raise Forbidden()
    cycle = Cycle(community=community, **fields)
    _full_clean(cycle)
    cycle.save()
    audit.record(
        actor=actor, action="budget.cycle_created", target=cycle, after={"year": cycle.year}
    )
    return cycle


@transaction.atomic
def add_category(*, actor: Resident | None, cycle: Cycle, **fields) -> Category:
    """Add a category with its money, cap, ballot limits and rule (administrators)."""
    if actor is not None and not actor.has_role(cycle.community, ROLE.ADMINISTRATOR):
        raise Forbidden()
    category = Category(cycle=cycle, community=cycle.community, **fields)
    _full_clean(category)
    category.save()
    audit.record(
        actor=actor,
        action="budget.category_added",
        target=category,
        after={"budget": category.budget, "rule": category.rule},
    )
    return category


def _full_clean(obj) -> None:
    from django.core.exceptions import ValidationError

    try:
        obj.full_clean()
    except ValidationError as error:
        fields = {
            (name if name != "__all__" else "form"): " ".join(str(m) for m in messages)
            for name, messages in error.message_dict.items()
        }
        raise ValidationFailed(fields=fields) from None


# --- projects ----------------------------------------------------------------


def _clean_items(items: Iterable[Mapping]) -> list[dict]:
    cleaned = []
    for index, item in enumerate(items):
        name = " ".join(str(item.get("name") or "").split())
        if not name:
            continue
        quantity = money(item.get("quantity"), field=f"items.{index}.quantity")
        price = money(item.get("unit_price"), field=f"items.{index}.unit_price")
        if quantity <= 0:
            raise ValidationFailed(
                fields={f"items.{index}.quantity": str(_("The quantity must be positive."))}
            )
        amount = (quantity * price).quantize(CENT, rounding=ROUND_HALF_UP)
        cleaned.append(
            {"name": name[:200], "quantity": quantity, "unit_price": price, "amount": amount}
        )
    if not cleaned:
        raise ValidationFailed(fields={"items": str(_("List at least one item of the estimate."))})
    return cleaned


def _validate_project(
    *,
    cycle: Cycle,
    category: Category,
    settlement: Settlement,
    lat,
    lon,
    items: list[dict],
    cost,
    texts: dict[str, str],
) -> Decimal:
    """Check a project's fields; return its cost."""
    errors = {}
    limits = {"title": 200}
    for name, value in texts.items():
        if not value:
            errors[name] = str(_("This field is required."))
        elif len(value) > limits.get(name, 10_000):
            errors[name] = str(_("The text is too long."))
    if category.cycle_id != cycle.pk:
        errors["category"] = str(_("Choose a category of this cycle."))
    if settlement is None or settlement.community_id != cycle.community_id:
        errors["settlement"] = str(_("Choose a settlement of the community."))
    elif category.settlement_id and category.settlement_id != settlement.pk:
        errors["settlement"] = str(
            _("Projects of this category are placed in %(settlement)s.")
            % {"settlement": category.settlement.name}
        )
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        errors["location"] = str(_("Mark the place on the map."))
    else:
        if not cycle.community.contains_point(lat=lat, lon=lon):
            errors["location"] = str(_("The place must lie within the community's territory."))
    if errors:
        raise ValidationFailed(fields=errors)
    items_total = sum((item["amount"] for item in items), Decimal("0"))
    expected = estimate_total(items_total, cycle.contingency_percent)
    cost = expected if cost in (None, "") else money(cost, field="cost")
    if cost != expected:
        raise CostMismatch(
            fields={"cost": "mismatch"},
            cost=str(cost),
            items=str(items_total),
            percent=str(cycle.contingency_percent),
            expected=str(expected),
        )
    if cost <= 0:
        raise ValidationFailed(fields={"cost": str(_("The cost must be positive."))})
    if cost > category.max_cost:
        raise OverCap(fields={"cost": "over_cap"}, cost=str(cost), cap=str(category.max_cost))
    return cost


def _coauthors(emails: Iterable[str], *, author: Resident) -> list[Resident]:
    wanted = {e.strip().lower() for e in emails if e and e.strip()}
    if len(wanted) > MAX_COAUTHORS:
        raise ValidationFailed(
            fields={"coauthors": str(_("A project has at most five co-authors."))}
        )
    found = list(Resident.objects.filter(email__in=wanted, is_active=True))
    missing = wanted - {r.email for r in found}
    if missing:
        raise ValidationFailed(
            fields={
                "coauthors": str(_("No resident is registered with the e-mail %(email)s."))
                % {"email": ", ".join(sorted(missing))}
            }
        )
    return [r for r in found if r.pk != author.pk]


@transaction.atomic
def create_project(
    *,
    resident: Resident,
    cycle: Cycle,
    category: Category,
    title: str,
    problem: str,
    description: str,
    beneficiaries: str,
    settlement: Settlement,
    lat,
    lon,
    items: Iterable[Mapping],
    cost=None,
    address: str = "",
    coauthor_emails: Iterable[str] = (),
) -> Project:
    """Save a new project as the resident's draft."""
    require_level(resident=resident, community=cycle.community, action="budget.submit")
    require_phase(cycle, Phase.SUBMISSION)
    check_participant(resident=resident, cycle=cycle)
    texts = _texts(title, problem, description, beneficiaries)
    cleaned = _clean_items(items)
    cost = _validate_project(
        cycle=cycle,
        category=category,
        settlement=settlement,
        lat=lat,
        lon=lon,
        items=cleaned,
        cost=cost,
        texts=texts,
    )
    coauthors = _coauthors(coauthor_emails, author=resident)
    project = Project.objects.create(
        community=cycle.community,
        cycle=cycle,
        category=category,
        author=resident,
        settlement=settlement,
        address=address.strip()[:300],
        lat=float(lat),
        lon=float(lon),
        cost=cost,
        **texts,
    )
    project.coauthors.set(coauthors)
    _save_items(project, cleaned)
    audit.record(
        actor=resident, action="budget.project_drafted", target=project, after={"cost": cost}
    )
    return project


def _texts(title, problem, description, beneficiaries) -> dict[str, str]:
    return {
        "title": " ".join((title or "").split()),
        "problem": (problem or "").strip(),
        "description": (description or "").strip(),
        "beneficiaries": (beneficiaries or "").strip(),
    }


def _save_items(project: Project, items: list[dict]) -> None:
    project.items.all().delete()
    CostItem.objects.bulk_create(
        [CostItem(project=project, community=project.community, **item) for item in items]
    )


def _lock_project(project: Project) -> Project:
    """Return the project's row locked for the rest of the transaction."""
    return (
        Project.objects.select_for_update().select_related("cycle", "category").get(pk=project.pk)
    )


@transaction.atomic
def update_project(
    *,
    resident: Resident,
    project: Project,
    category: Category,
    title: str,
    problem: str,
    description: str,
    beneficiaries: str,
    settlement: Settlement,
    lat,
    lon,
    items: Iterable[Mapping],
    cost=None,
    address: str = "",
    coauthor_emails: Iterable[str] = (),
) -> Project:
    """Change a draft, or a project returned for revision, by its author."""
    project = _lock_project(project)
    if project.author_id != resident.pk:
        raise Forbidden()
    if not project.editable_by_author:
        raise WrongStatus(status=project.get_status_display())
    cycle = project.cycle
    if project.status == Project.Status.DRAFT:
        require_phase(cycle, Phase.SUBMISSION)
    else:
        require_phase(cycle, Phase.SUBMISSION, Phase.REVIEW)
    if project.status == Project.Status.REVISION and category.pk != project.category_id:
        raise ValidationFailed(
            fields={"category": str(_("The category cannot change during review."))}
        )
    texts = _texts(title, problem, description, beneficiaries)
    cleaned = _clean_items(items)
    new_cost = _validate_project(
        cycle=cycle,
        category=category,
        settlement=settlement,
        lat=lat,
        lon=lon,
        items=cleaned,
        cost=cost,
        texts=texts,
    )
    before = {"cost": project.cost, "title": project.title}
    for name, value in texts.items():
        setattr(project, name, value)
    project.category = category
    project.settlement = settlement
    project.address = address.strip()[:300]
    project.lat, project.lon = float(lat), float(lon)
    project.cost = new_cost
    project.save()
    project.coauthors.set(_coauthors(coauthor_emails, author=resident))
    _save_items(project, cleaned)
    audit.record(
        actor=resident,
        action="budget.project_changed",
        target=project,
        before=before,
        after={"cost": new_cost, "title": project.title},
    )
    return project


@transaction.atomic
def add_photo(
    *, resident: Resident, project: Project, upload, caption: str, kind: str = Photo.Kind.PROPOSAL
) -> Photo:
    """Attach a cleaned photo: the author's while editing, staff's during implementation."""
    caption = " ".join((caption or "").split())
    if not caption:
        raise ValidationFailed(fields={"caption": str(_("Describe what the photo shows."))})
    if kind == Photo.Kind.PROPOSAL:
        if project.author_id != resident.pk:
            raise Forbidden()
        if not project.editable_by_author:
            raise WrongStatus(status=project.get_status_display())
    else:
        _require_implementer(staff=resident, project=project)
    if project.photos.filter(kind=kind).count() >= MAX_PHOTOS:
        raise ValidationFailed(fields={"photo": str(_("A project has at most six photos."))})
    photo = Photo(
        community=project.community,
        project=project,
        kind=kind,
        caption=caption[:200],
        uploaded_by=resident,
    )
    content = clean_image(upload)
    photo.image.save(content.name, content, save=False)
    photo.save()
    audit.record(actor=resident, action="budget.photo_added", target=project)
    return photo


@transaction.atomic
def remove_photo(*, resident: Resident, photo: Photo) -> None:
    project = photo.project
    if photo.kind == Photo.Kind.PROPOSAL:
        if project.author_id != resident.pk or not project.editable_by_author:
            raise Forbidden()
    else:
        _require_implementer(staff=resident, project=project)
    audit.record(actor=resident, action="budget.photo_removed", target=project)
    photo.image.delete(save=False)
    photo.delete()


@transaction.atomic
def submit_project(*, resident: Resident, project: Project) -> Project:
    """Send a draft for review, or a revised project back to review."""
    project = _lock_project(project)
    if project.author_id != resident.pk:
        raise Forbidden()
    cycle = project.cycle
    if project.status == Project.Status.DRAFT:
        require_phase(cycle, Phase.SUBMISSION)
        require_level(resident=resident, community=cycle.community, action="budget.submit")
        check_participant(resident=resident, cycle=cycle)
        # The cycle row's lock orders concurrent submissions; the unique
        # constraint on (cycle, number) stands behind it.
        Cycle.objects.select_for_update().filter(pk=cycle.pk).first()
        last = Project.objects.filter(cycle=cycle).aggregate(n=Max("number"))["n"] or 0
        project.number = last + 1
        project.status = Project.Status.SUBMITTED
        project.submitted_at = timezone.now()
        project.save(update_fields=["number", "status", "submitted_at", "updated_at"])
        event = "submitted"
    elif project.status == Project.Status.REVISION:
        require_phase(cycle, Phase.SUBMISSION, Phase.REVIEW)
        project.status = Project.Status.UNDER_REVIEW
        project.save(update_fields=["status", "updated_at"])
        # Departments look again at the revised project.
        project.conclusions.update(feasible=None, given_at=None)
        event = "resubmitted"
    else:
        raise WrongStatus(status=project.get_status_display())
    audit.record(
        actor=resident,
        action=f"budget.project_{event}",
        target=project,
        after={"status": project.status, "number": project.number},
    )
    _notify_authors(project, event)
    if event == "resubmitted":
        _notify_departments(project, [c.department for c in project.conclusions.all()])
    return project


def _authors(project: Project) -> list[Resident]:
    return [project.author, *project.coauthors.all()]


def _notify_authors(project: Project, event: str, **context) -> None:
    notify_many(
        _authors(project),
        f"budget/project_{event}",
        community=project.community,
        project=project,
        **context,
    )


def _notify_departments(project: Project, departments: Iterable[Department]) -> None:
    heads = [d.head for d in departments if d.head_id]
    notify_many(heads, "budget/review_requested", community=project.community, project=project)


# --- review ------------------------------------------------------------------


@transaction.atomic
def start_review(
    *, staff: Resident, project: Project, departments: Iterable[Department]
) -> Project:
    """Take a submitted project into review and ask departments for conclusions."""
    require_moderator(staff, project.community)
    project = _lock_project(project)
    require_phase(project.cycle, Phase.SUBMISSION, Phase.REVIEW)
    if project.status != Project.Status.SUBMITTED:
        raise WrongStatus(status=project.get_status_display())
    departments = list(departments)
    if not departments:
        raise ValidationFailed(
            fields={"departments": str(_("Choose at least one department for the review."))}
        )
    if any(d.community_id != project.community_id for d in departments):
        raise ValidationFailed(
            fields={"departments": str(_("The department is not of this community."))}
        )
    for department in departments:
        Conclusion.objects.get_or_create(
            project=project, department=department, defaults={"community": project.community}
        )
    if project.department_id is None:
        project.department = departments[0]
    project.status = Project.Status.UNDER_REVIEW
    project.save(update_fields=["status", "department", "updated_at"])
    audit.record(
        actor=staff,
        action="budget.review_started",
        target=project,
        after={"departments": ", ".join(d.name for d in departments)},
    )
    _notify_authors(project, "under_review")
    _notify_departments(project, departments)
    return project


@transaction.atomic
def give_conclusion(
    *,
    staff: Resident,
    conclusion: Conclusion,
    feasible: bool,
    reason: str,
    corrected_cost=None,
) -> Conclusion:
    """Record a department's conclusion on a project under review."""
    if not staff.is_active or not staff.acts_for(conclusion.department):
        raise Forbidden()
    project = _lock_project(conclusion.project)
    if project.status != Project.Status.UNDER_REVIEW:
        raise WrongStatus(status=project.get_status_display())
    require_phase(project.cycle, Phase.SUBMISSION, Phase.REVIEW)
    reason = (reason or "").strip()
    if corrected_cost not in (None, ""):
        corrected_cost = money(corrected_cost, field="corrected_cost")
        if corrected_cost <= 0:
            raise ValidationFailed(fields={"corrected_cost": str(_("The cost must be positive."))})
    else:
        corrected_cost = None
    if not reason and (not feasible or corrected_cost is not None):
        raise ValidationFailed(fields={"reason": str(_("Explain the conclusion."))})
    before = {"feasible": conclusion.feasible}
    conclusion.feasible = bool(feasible)
    conclusion.reason = reason
    conclusion.corrected_cost = corrected_cost
    conclusion.given_by = staff
    conclusion.given_at = timezone.now()
    conclusion.save()
    audit.record(
        actor=staff,
        action="budget.conclusion_given",
        target=project,
        before=before,
        after={
            "department": conclusion.department.name,
            "feasible": conclusion.feasible,
            "corrected_cost": corrected_cost,
        },
    )
    return conclusion


@transaction.atomic
def request_revision(*, staff: Resident, project: Project, note: str) -> Project:
    """Return a project under review to its author with what to change."""
    require_moderator(staff, project.community)
    project = _lock_project(project)
    require_phase(project.cycle, Phase.SUBMISSION, Phase.REVIEW)
    if project.status != Project.Status.UNDER_REVIEW:
        raise WrongStatus(status=project.get_status_display())
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(fields={"note": str(_("Tell the author what to change."))})
    project.status = Project.Status.REVISION
    project.revision_note = note
    project.save(update_fields=["status", "revision_note", "updated_at"])
    audit.record(actor=staff, action="budget.revision_requested", target=project)
    _notify_authors(project, "revision")
    return project


@transaction.atomic
def admit_project(*, staff: Resident, project: Project) -> Project:
    """Admit a reviewed project to voting, at the departments' corrected cost if any."""
    require_moderator(staff, project.community)
    project = _lock_project(project)
    require_phase(project.cycle, Phase.SUBMISSION, Phase.REVIEW)
    if project.status != Project.Status.UNDER_REVIEW:
        raise WrongStatus(status=project.get_status_display())
    conclusions = list(project.conclusions.all())
    if not conclusions or any(c.feasible is not True for c in conclusions):
        raise ReviewIncomplete()
    corrected = [c.corrected_cost for c in conclusions if c.corrected_cost is not None]
    before = {"status": project.status, "cost": project.cost}
    if corrected:
        project.cost = max(corrected)
    if project.cost > project.category.max_cost:
        raise OverCap(cost=str(project.cost), cap=str(project.category.max_cost))
    project.status = Project.Status.ADMITTED
    project.decided_at = timezone.now()
    project.save(update_fields=["status", "cost", "decided_at", "updated_at"])
    audit.record(
        actor=staff,
        action="budget.project_admitted",
        target=project,
        before=before,
        after={"status": project.status, "cost": project.cost},
    )
    _notify_authors(project, "admitted")
    return project


@transaction.atomic
def reject_project(*, staff: Resident, project: Project, reason: str) -> Project:
    """Reject a project with a reason that is published on its page."""
    require_moderator(staff, project.community)
    project = _lock_project(project)
    require_phase(project.cycle, Phase.SUBMISSION, Phase.REVIEW)
    if project.status not in (
        Project.Status.SUBMITTED,
        Project.Status.UNDER_REVIEW,
        Project.Status.REVISION,
    ):
        raise WrongStatus(status=project.get_status_display())
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": str(_("Give the reason; it is published."))})
    before = {"status": project.status}
    project.status = Project.Status.REJECTED
    project.rejection_reason = reason
    project.decided_at = timezone.now()
    project.save(update_fields=["status", "rejection_reason", "decided_at", "updated_at"])
    audit.record(
        actor=staff,
        action="budget.project_rejected",
        target=project,
        before=before,
        after={"status": project.status},
    )
    _notify_authors(project, "rejected")
    return project


# --- voting ------------------------------------------------------------------


def new_receipt() -> str:
    """Return a fresh receipt code, 80 random bits in four groups of four."""
    # Ten random bytes cut into sixteen 5-bit letters of the 32-letter alphabet:
    # the same uniform code as sixteen secrets.choice calls, at a tenth of the cost.
    bits = int.from_bytes(secrets.token_bytes(10))
    raw = "".join(RECEIPT_ALPHABET[(bits >> (5 * i)) & 31] for i in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def receipt_hash(code: str) -> str:
    """Return the hash under which a receipt appears in the published ballots."""
    normalised = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


def voter_key_for(resident: Resident) -> str:
    """Return the key that stands for the person behind an account."""
    # A strong account carries the keyed hash of the tax number; paper ballots
    # use the same hash, so one person is one key on both channels.
    return resident.tax_hash or f"resident:{resident.pk}"


def check_ballot(*, category: Category, choices) -> dict[int, int]:
    """Return {project id: points} for a ballot in `category`, or raise `BallotInvalid`."""
    return _clean_choices(category, choices)


def _clean_choices(category: Category, choices) -> dict[int, int]:
    """Return {project id: points} for a ballot in `category`, or raise."""
    picked = _picked(category, choices)
    # A plain statement: every ballot runs it, and the ORM's composing costs
    # more than the database spends answering.
    projects = connection.ops.quote_name(Project._meta.db_table)
    marks = ", ".join(["%s"] * len(picked))
    sql = (
        f"SELECT id FROM {projects} WHERE category_id = %s AND status = %s "  # noqa: S608
        f"AND id IN ({marks})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [category.pk, Project.Status.ADMITTED, *picked])
        admitted = {pk for (pk,) in cursor.fetchall()}
    _require_admitted(picked, admitted)
    return picked


def _require_admitted(picked: dict[int, int], admitted: set[int]) -> None:
    if admitted != set(picked):
        raise BallotInvalid(_("Only projects admitted to voting in this category can be chosen."))


def _picked(category: Category, choices) -> dict[int, int]:
    """Return {project id: points} of a ballot by the category's rules, before the database."""
    if isinstance(choices, Mapping):
        items = list(choices.items())
    else:
        items = [(choice, 1) for choice in choices]
    picked: dict[int, int] = {}
    for project_id, points in items:
        try:
            project_id, points = int(project_id), int(points)
        except (TypeError, ValueError):
            raise BallotInvalid(_("The ballot lists something that is not a project.")) from None
        if points <= 0:
            continue
        if project_id in picked:
            raise BallotInvalid(_("A project appears twice on the ballot."))
        picked[project_id] = points
    if not picked:
        raise BallotInvalid(_("Choose at least one project."))
    if len(picked) > category.max_choices:
        raise BallotInvalid(
            _("You may choose at most %(limit)d projects in this category."),
            limit=category.max_choices,
        )
    if category.cumulative:
        if sum(picked.values()) > category.max_points:
            raise BallotInvalid(
                _("You may give at most %(limit)d points in this category."),
                limit=category.max_points,
            )
    elif any(points != 1 for points in picked.values()):
        raise BallotInvalid(_("Each chosen project gets exactly one vote."))
    return picked


def _voter_and_choices(
    *, resident: Resident, category: Category, choices
) -> tuple[int | None, dict[int, int]]:
    """
    Check the voter (as _participant_settlement) and the ballot (as
    _clean_choices) with one statement for both; return (settlement id,
    {project id: points}).

    The voter's links and the chosen projects are read together (every
    online ballot paid a round trip for each); the refusals come in the same
    order as before: age, link to the community, the ballot's rules, the
    projects admitted.
    """
    cycle = category.cycle
    _check_age(resident=resident, cycle=cycle, day=None)
    kinds = participation_basis(resident=resident, cycle=cycle)
    try:
        picked, refused = _picked(category, choices), None
    except BallotInvalid as error:
        picked, refused = {}, error
    params: list = [resident.pk, cycle.community_id, *kinds]
    if picked:
        params += [category.pk, Project.Status.ADMITTED, *picked]
    # Written once per count of kinds and of choices (both small and bounded).
    sql = statement(
        f"budget.voter_and_choices:{len(kinds)}:{len(picked)}",
        lambda connection: _voter_and_choices_sql(connection, len(kinds), len(picked)),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    linked = [(kind, settlement) for kind, settlement in rows if kind is not None]
    if not linked:
        raise _not_linked(cycle)
    if refused is not None:
        raise refused
    _require_admitted(picked, {pk for kind, pk in rows if kind is None})
    settlement_id = None
    for _kind, settlement in sorted(linked, key=lambda row: row[0] != CommunityLink.Kind.LIVES):
        if settlement is not None:
            settlement_id = settlement
            break
    return settlement_id, picked


def _voter_and_choices_sql(connection, kinds: int, picked: int) -> str:
    quote = connection.ops.quote_name
    links, streets = quote(CommunityLink._meta.db_table), quote(Street._meta.db_table)
    projects = quote(Project._meta.db_table)
    # The names come from the models; every value is a parameter.
    sql = (
        f"SELECT link.kind, street.settlement_id FROM {links} link "  # noqa: S608
        f"LEFT JOIN {streets} street ON street.id = link.street_id "
        f"WHERE link.resident_id = %s AND link.community_id = %s "
        f"AND link.kind IN ({', '.join(['%s'] * kinds)})"
    )
    if picked:
        sql += (
            f" UNION ALL SELECT NULL, id FROM {projects} "  # noqa: S608
            f"WHERE category_id = %s AND status = %s AND id IN ({', '.join(['%s'] * picked)})"
        )
    return sql


def _store_ballot(
    *, category: Category, voter_key: str, picked: dict[int, int], **fields
) -> tuple[Ballot, str]:
    receipt = new_receipt()
    try:
        # Savepoint: a clash leaves the caller's transaction usable.
        with transaction.atomic():
            ballot = Ballot.objects.create(
                community_id=category.community_id,
                cycle=category.cycle,
                category=category,
                voter_key=voter_key,
                receipt_hash=receipt_hash(receipt),
                **fields,
            )
    except IntegrityError as error:
        # The unique constraints decide, not an exists() check: two taps on
        # "Vote", or a paper ballot racing an online one, meet only there.
        number = fields.get("paper_number")
        if number and Ballot.objects.filter(cycle=category.cycle, paper_number=number).exists():
            raise PaperNumberUsed(fields={"paper_number": str(PaperNumberUsed.message)}) from None
        raise AlreadyVoted() from error
    Choice.objects.bulk_create(
        [
            Choice(community_id=category.community_id, ballot=ballot, project_id=pk, points=points)
            for pk, points in picked.items()
        ]
    )
    return ballot, receipt


# The columns an online ballot's insert names, in this order.
ONLINE_COLUMNS = [
    "community_id",
    "cycle_id",
    "category_id",
    "voter_key",
    "resident_id",
    "channel",
    "paper_number",
    "support_point",
    "age_group",
    "settlement_id",
    "receipt_hash",
    "cast_at",
]


def _online_ballot(
    *, category: Category, resident: Resident, settlement_id
) -> tuple[Ballot, str, list]:
    """Return a new online ballot, its receipt code and its ONLINE_COLUMNS values."""
    receipt = new_receipt()
    now = timezone.now()
    ballot = Ballot(
        community_id=category.community_id,
        cycle=category.cycle,
        category=category,
        voter_key=voter_key_for(resident),
        resident=resident,
        channel=Ballot.Channel.ONLINE,
        age_group=age_group(resident.age_on(timezone.localdate())),
        settlement_id=settlement_id,
        receipt_hash=receipt_hash(receipt),
        cast_at=now,
    )
    values = [getattr(ballot, column) for column in ONLINE_COLUMNS[:-1]]
    values.append(Ballot._meta.get_field("cast_at").get_db_prep_value(now, connection))
    return ballot, receipt, values


def _saved(ballot: Ballot, pk) -> None:
    ballot.pk = int(pk)
    ballot._state.adding = False
    ballot._state.db = connection.alias


def _insert_online_ballot(
    *, category: Category, resident: Resident, picked: dict[int, int], settlement_id
) -> tuple[Ballot, str]:
    """
    Insert an online ballot and its choices in two plain statements.

    ON CONFLICT DO NOTHING instead of a savepoint around the insert: the
    unique constraint (category, voter key) still decides, two taps on
    "Vote" meet only there, and the caller's transaction stays usable.
    """
    ballot, receipt, values = _online_ballot(
        category=category, resident=resident, settlement_id=settlement_id
    )
    table = connection.ops.quote_name(Ballot._meta.db_table)
    # The names come from the models; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({', '.join(ONLINE_COLUMNS)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(ONLINE_COLUMNS))}) ON CONFLICT DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
        if row is None:
            raise AlreadyVoted()
        _saved(ballot, row[0])
        choices = connection.ops.quote_name(Choice._meta.db_table)
        rows = [(ballot.community_id, ballot.pk, pk, points) for pk, points in picked.items()]
        cursor.execute(
            f"INSERT INTO {choices} (community_id, ballot_id, project_id, points) "  # noqa: S608
            f"VALUES {', '.join(['(%s, %s, %s, %s)'] * len(rows))}",
            [value for choice in rows for value in choice],
        )
    return ballot, receipt


def _cast_in_one_statement(
    *, resident: Resident, category: Category, picked: dict[int, int], kinds: list[str]
) -> tuple[Ballot, str]:
    """
    Check the voter's links and the chosen projects, and insert the ballot,
    its choices and its audit entry, in one statement (PostgreSQL).

    As _voter_and_choices' statement followed by the inserts: the ballot is
    written only when the voter has a qualifying link and every choice is
    admitted in the category, and the refusals come in the same order (link,
    projects, then AlreadyVoted). The unique constraint (category, voter key)
    still decides through ON CONFLICT DO NOTHING, and then neither choices
    nor an audit entry are written. The audit entry is audit.record's for
    the ballot, by the voter; the settlement is the one of the voter's
    address, a residence first.
    """
    ballot, receipt, values = _online_ballot(
        category=category, resident=resident, settlement_id=None
    )
    # Written once per count of kinds and of choices (both small and bounded).
    sql = statement(
        f"budget.cast_in_one_statement:{len(kinds)}:{len(picked)}",
        lambda connection: _cast_in_one_statement_sql(connection, len(kinds), len(picked)),
    )
    entry = AuditEntry(
        community_id=ballot.community_id,
        actor=resident,
        action="budget.ballot_cast",
        target_type=Ballot._meta.label_lower,
    )
    settlement_at = ONLINE_COLUMNS.index("settlement_id")
    params = [resident.pk, category.cycle.community_id, *kinds]
    params += [category.pk, Project.Status.ADMITTED, *picked]
    params += [CommunityLink.Kind.LIVES, len(picked)]
    params += values[:settlement_at] + values[settlement_at + 1 :]
    params.append(ballot.community_id)
    for pk, points in picked.items():
        params += [pk, points]
    params += [
        ballot.community_id,
        entry.actor_id,
        entry.action,
        entry.target_type,
        f"{ballot.category} #",
        "{}",
        "{}",
        AuditEntry._meta.get_field("created_at").get_db_prep_value(entry.created_at, connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        linked, admitted, settlement_id, target_id = cursor.fetchone()
    if not linked:
        raise _not_linked(category.cycle)
    _require_admitted(picked, set(admitted))
    if target_id is None:
        raise AlreadyVoted()
    ballot.settlement_id = settlement_id
    _saved(ballot, target_id)
    return ballot, receipt


def _cast_in_one_statement_sql(connection, kinds: int, picked: int) -> str:
    quote = connection.ops.quote_name
    links, streets = quote(CommunityLink._meta.db_table), quote(Street._meta.db_table)
    projects, ballots = quote(Project._meta.db_table), quote(Ballot._meta.db_table)
    choices, entries = quote(Choice._meta.db_table), quote(AuditEntry._meta.db_table)
    audit_columns = audit.statement_columns(connection)
    inserted = ", ".join(
        "allowed.settlement_id" if column == "settlement_id" else "%s" for column in ONLINE_COLUMNS
    )
    pairs = ", ".join(["(%s::bigint, %s::integer)"] * picked)
    # The names come from the models; every value is a parameter.
    return (
        "WITH link AS (SELECT link.kind, street.settlement_id "  # noqa: S608
        f"FROM {links} link LEFT JOIN {streets} street ON street.id = link.street_id "
        "WHERE link.resident_id = %s AND link.community_id = %s "
        f"AND link.kind IN ({', '.join(['%s'] * kinds)})), "
        f"admitted AS (SELECT id FROM {projects} WHERE category_id = %s AND status = %s "
        f"AND id IN ({', '.join(['%s'] * picked)})), "
        # One row when the ballot may be written: the voter's settlement.
        "allowed AS (SELECT (SELECT settlement_id FROM link WHERE settlement_id IS NOT NULL "
        "ORDER BY kind <> %s LIMIT 1) AS settlement_id "
        "WHERE EXISTS (SELECT FROM link) AND (SELECT count(*) FROM admitted) = %s), "
        f"ballot AS (INSERT INTO {ballots} ({', '.join(ONLINE_COLUMNS)}) "
        f"SELECT {inserted} FROM allowed ON CONFLICT DO NOTHING RETURNING id), "
        f"choice AS (INSERT INTO {choices} (community_id, ballot_id, project_id, points) "
        "SELECT %s, ballot.id, picked.project, picked.points FROM ballot, "
        f"(VALUES {pairs}) AS picked (project, points)), "
        f"entry AS (INSERT INTO {entries} ({audit_columns}) "
        "SELECT %s::bigint, %s::bigint, %s::varchar, %s::varchar, ballot.id::text, "
        "left(%s::text || ballot.id, 200), %s::jsonb, %s::jsonb, %s::timestamptz FROM ballot "
        "RETURNING target_id) "
        "SELECT EXISTS (SELECT FROM link), ARRAY(SELECT id FROM admitted), "
        "(SELECT settlement_id FROM allowed), (SELECT target_id FROM entry)"
    )


def cast_ballot(*, resident: Resident, category: Category, choices) -> tuple[Ballot, str]:
    """
    Record the resident's one ballot in a category; return it and its receipt code.

    The receipt code is shown once and never stored: only its hash is kept,
    and published with the choices when voting ends.
    """
    cycle = category.cycle
    require_level(resident=resident, community=cycle.community, action="budget.vote")
    require_phase(cycle, Phase.VOTING)
    if connection.vendor == "postgresql":
        return _cast_online(resident=resident, category=category, choices=choices)
    with transaction.atomic():
        settlement_id, picked = _voter_and_choices(
            resident=resident, category=category, choices=choices
        )
        ballot, receipt = _insert_online_ballot(
            category=category, resident=resident, picked=picked, settlement_id=settlement_id
        )
        audit.record(
            actor=resident, action="budget.ballot_cast", target=ballot, community=cycle.community
        )
        _notify_cast(resident, category, receipt, channels_for(resident))
    return ballot, receipt


def _cast_online(*, resident: Resident, category: Category, choices) -> tuple[Ballot, str]:
    """
    cast_ballot on PostgreSQL: the checks that need the database and the
    writes in one statement, atomic by itself.

    A transaction (two more round trips) is opened only when a notification
    is written with the ballot. The refusals come in cast_ballot's order:
    age, link to the community, the ballot's rules, the projects admitted.
    """
    cycle = category.cycle
    _check_age(resident=resident, cycle=cycle, day=None)
    kinds = participation_basis(resident=resident, cycle=cycle)
    try:
        picked = _picked(category, choices)
    except BallotInvalid:
        # A voter without a link hears that first, as _voter_and_choices orders it.
        _voter_and_choices(resident=resident, category=category, choices=choices)
        raise
    # Asked before writing, to know whether a transaction is needed.
    channels = channels_for(resident)
    with transaction.atomic() if channels else nullcontext():
        ballot, receipt = _cast_in_one_statement(
            resident=resident, category=category, picked=picked, kinds=kinds
        )
        _notify_cast(resident, category, receipt, channels)
    return ballot, receipt


def _notify_cast(resident: Resident, category: Category, receipt: str, channels) -> None:
    """Notify the voter of the receipt on the channels already asked for (none: nothing)."""
    notify(
        resident,
        "budget/ballot_cast",
        channels=channels,
        community=category.cycle.community,
        category=category,
        cycle=category.cycle,
        receipt=receipt,
    )


@transaction.atomic
def enter_paper_ballot(
    *,
    staff: Resident,
    category: Category,
    paper_number: str,
    tax_number: str,
    birth_date: date,
    basis: str,
    settlement: Settlement | None,
    choices,
    support_point: str = "",
) -> tuple[Ballot, str]:
    """
    Enter a paper ballot filled at a support point, under the online rules.

    The operator has seen the voter's documents; `basis` is the link to the
    community they prove. The tax number is hashed with the same key as
    strong accounts, so the person cannot also vote online.
    """
    community = category.community
    if not staff.is_active or not staff.has_role(community, ROLE.MODERATOR, OPERATOR_ROLE):
        raise Forbidden()
    cycle = category.cycle
    require_phase(cycle, Phase.VOTING)
    paper_number = (paper_number or "").strip()
    digits = "".join(ch for ch in (tax_number or "") if ch.isdigit())
    errors = {}
    if not paper_number:
        errors["paper_number"] = str(_("Enter the number printed on the paper ballot."))
    if len(digits) != 10:
        errors["tax_number"] = str(_("The tax number (РНОКПП) has 10 digits."))
    if birth_date is None:
        errors["birth_date"] = str(_("Enter the voter's birth date."))
    if settlement is not None and settlement.community_id != community.pk:
        errors["settlement"] = str(_("Choose a settlement of the community."))
    if errors:
        raise ValidationFailed(fields=errors)
    # Same age rule as online voting, from the document the operator saw.
    age = Resident(birth_date=birth_date).age_on(timezone.localdate())
    if age < cycle.min_age:
        raise NotEligible(
            _("Residents aged %(age)d or older take part in this cycle."), age=cycle.min_age
        )
    if basis not in participation_basis(resident=staff, cycle=cycle):
        raise NotEligible(_("The voter's link to the community does not let them vote here."))
    picked = _clean_choices(category, choices)
    key = tax_number_hash(digits)
    ballot, receipt = _store_ballot(
        category=category,
        voter_key=key,
        picked=picked,
        resident=Resident.objects.filter(tax_hash=key).first(),
        channel=Ballot.Channel.OFFLINE,
        paper_number=paper_number[:40],
        support_point=(support_point or "").strip()[:200],
        entered_by=staff,
        age_group=age_group(age),
        settlement=settlement,
    )
    audit.record(
        actor=staff,
        action="budget.paper_ballot_entered",
        target=ballot,
        after={"paper_number": paper_number},
    )
    return ballot, receipt


# --- results -----------------------------------------------------------------


@transaction.atomic
def count_votes(*, cycle: Cycle, actor: Resident | None = None) -> bool:
    """
    Count the ballots once voting is over and publish the anonymised ballots.

    Idempotent: a cycle already counted is left alone (the scheduled task and
    staff may both call it). Returns whether this call did the count.
    """
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.tallied_at is not None:
        return False
    if not cycle.voting_over:
        raise PhaseClosed(phase=cycle.get_phase_display())
    document, body = tally.ballots_file(cycle)
    Outcome.objects.filter(cycle=cycle).delete()
    outcomes = []
    by_code = {p.code: p for p in Project.objects.filter(cycle=cycle)}
    for category in document["categories"]:
        selected = category["results"]["selected"]
        for entry in category["projects"]:
            project = by_code[entry["id"]]
            position = selected.index(entry["id"]) + 1 if entry["id"] in selected else None
            outcomes.append(
                Outcome(
                    community=cycle.community,
                    cycle=cycle,
                    project=project,
                    votes=entry["votes"],
                    points=entry["points"],
                    selected=position is not None,
                    position=position,
                    explanation=category["results"]["explanations"].get(entry["id"], {}),
                )
            )
    Outcome.objects.bulk_create(outcomes)
    cycle.ballots_sha256 = hashlib.sha256(body).hexdigest()
    cycle.ballots_file.save(f"ballots-{cycle.community.slug}-{cycle.pk}.json", ContentFile(body))
    cycle.tallied_at = timezone.now()
    cycle.save(update_fields=["ballots_file", "ballots_sha256", "tallied_at"])
    from hromada.budget.selectors import forget_counts  # selectors import this module

    transaction.on_commit(lambda: forget_counts(cycle))
    audit.record(
        actor=actor,
        action="budget.votes_counted",
        target=cycle,
        after={"sha256": cycle.ballots_sha256, "winners": sum(o.selected for o in outcomes)},
    )
    return True


@transaction.atomic
def approve_results(*, staff: Resident, cycle: Cycle) -> Cycle:
    """Approve the counted results: winners go to implementation, authors hear."""
    require_moderator(staff, cycle.community)
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.tallied_at is None:
        raise NotCounted()
    if cycle.results_approved_at is not None:
        return cycle
    cycle.results_approved_at = timezone.now()
    cycle.results_approved_by = staff
    cycle.save(update_fields=["results_approved_at", "results_approved_by"])
    winners = Project.objects.filter(cycle=cycle, outcome__selected=True)
    winners.filter(implementation="").update(implementation=Project.Implementation.PROCUREMENT)
    audit.record(
        actor=staff,
        action="budget.results_approved",
        target=cycle,
        after={"winners": winners.count()},
    )
    for project in Project.objects.filter(
        cycle=cycle, status=Project.Status.ADMITTED
    ).select_related("outcome", "community"):
        won = hasattr(project, "outcome") and project.outcome.selected
        _notify_authors(project, "won" if won else "not_selected")
    return cycle


# --- implementation ----------------------------------------------------------


def _require_implementer(*, staff: Resident, project: Project) -> None:
    if not staff.is_active:
        raise Forbidden()
    if staff.has_role(project.community, ROLE.MODERATOR):
        return
    if project.department is None or not staff.acts_for(project.department):
        raise Forbidden()


@transaction.atomic
def report_implementation(
    *,
    staff: Resident,
    project: Project,
    status: str,
    spent,
    note: str,
    department: Department | None = None,
    photo=None,
    caption: str = "",
) -> ImplementationUpdate:
    """Record progress on a winning project and tell the people who voted for it."""
    project = _lock_project(project)
    _require_implementer(staff=staff, project=project)
    if (
        not project.cycle.results_public
        or not Outcome.objects.filter(project=project, selected=True).exists()
    ):
        raise WrongStatus(status=project.get_status_display())
    if status not in Project.Implementation.values or not status:
        raise ValidationFailed(fields={"status": str(_("Choose a status."))})
    spent = money(spent, field="spent")
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(fields={"note": str(_("Describe what was done."))})
    if department is not None:
        if department.community_id != project.community_id:
            raise ValidationFailed(
                fields={"department": str(_("The department is not of this community."))}
            )
        if not staff.has_role(project.community, ROLE.MODERATOR):
            raise Forbidden()
        project.department = department
    before = {"implementation": project.implementation, "spent": project.spent}
    project.implementation = status
    project.spent = spent
    project.save(update_fields=["implementation", "spent", "department", "updated_at"])
    update = ImplementationUpdate.objects.create(
        community=project.community,
        project=project,
        status=status,
        spent=spent,
        note=note,
        author=staff,
    )
    if photo is not None:
        add_photo(
            resident=staff,
            project=project,
            upload=photo,
            caption=caption or note[:200],
            kind=Photo.Kind.IMPLEMENTATION,
        )
    audit.record(
        actor=staff,
        action="budget.implementation_reported",
        target=project,
        before=before,
        after={"implementation": status, "spent": spent},
    )
    transaction.on_commit(lambda: _enqueue_supporters(update.pk))
    return update


def _enqueue_supporters(update_id: int) -> None:
    from hromada.budget.tasks import notify_supporters

    notify_supporters.enqueue(update_id)


def notify_supporters_of(*, update_id: int) -> int:
    """Tell the authors and every voter who supported the project about an update."""
    update = (
        ImplementationUpdate.objects.select_related("project__community")
        .filter(pk=update_id)
        .first()
    )
    if update is None:
        return 0
    project = update.project
    voters = Resident.objects.filter(
        pb_ballots__choices__project=project, is_active=True
    ).distinct()
    return notify_many(
        [*_authors(project), *voters],
        "budget/implementation_update",
        community=project.community,
        project=project,
        update=update,
    )
