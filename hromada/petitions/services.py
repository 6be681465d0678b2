"""
Every change to petitions: one function per step of the art. 23-1 life cycle.

Each function checks the rules, changes rows in one transaction, writes the
audit entry and queues notifications on commit. Web pages, the API and the
back office call these and nothing else.
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.core import audit
from hromada.core.calendar import add_working_days
from hromada.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from hromada.core.identity import require_level
from hromada.core.middleware import forget_communities
from hromada.core.models import (
    Community,
    CommunityLink,
    Department,
    Identity,
    Resident,
    StaffRole,
)
from hromada.core.notifications import notify, notify_many
from hromada.core.uploads import clean_pdf
from hromada.petitions import handoff
from hromada.petitions.models import (
    TEXT_MAX,
    TEXT_MIN,
    TITLE_MAX,
    Petition,
    PetitionRules,
    Signature,
    Topic,
)

ROLE = StaffRole.Role
STATUS = Petition.Status
TITLE_MIN = 10
NOTE_MAX = 2000
ANSWER_MAX = 20000
# The scheduled recount leaves a petition's cached total alone until its
# newest signature is this old (close_due_collections).
RECOUNT_AFTER = timedelta(minutes=2)


class PetitionNotFound(NotFound):
    code = "petition_not_found"
    message = _("There is no such petition.")


class PetitionClosed(Conflict):
    code = "petition_closed"
    message = _("This petition is not collecting signatures: %(status)s.")


class AlreadySigned(Conflict):
    code = "petition_already_signed"
    message = _("You have already signed this petition. A signature cannot be withdrawn.")


class NotLinked(Forbidden):
    code = "petition_not_linked"
    message = _(
        "Only residents of the community may do this. Add your link to the "
        "community in your profile first."
    )


class TooYoung(Forbidden):
    code = "petition_too_young"
    message = _("Residents may sign petitions from the age of %(age)d.")


class BirthDateUnknown(Forbidden):
    code = "petition_birth_date_unknown"
    message = _("Your birth date is not known, so your age cannot be checked.")


class NotEditable(Conflict):
    code = "petition_not_editable"
    message = _("A petition can be changed or withdrawn only before it is published.")


class WrongStatus(Conflict):
    code = "petition_wrong_status"
    message = _("This step is not possible while the petition is %(status)s.")


class NotAuthor(Forbidden):
    code = "petition_not_author"
    message = _("Only the author may do this.")


class NotModerator(Forbidden):
    code = "petition_not_moderator"
    message = _("Only the petition moderators may do this.")


class CannotAnswer(Forbidden):
    code = "petition_cannot_answer"
    message = _("Only the moderators or the responsible official may answer this petition.")


# Rules ------------------------------------------------------------------


def rules_for(community: Community) -> PetitionRules:
    """Return the community's petition rules, creating the defaults on first use."""
    rules = PetitionRules.objects.filter(community=community).first()
    if rules is None:
        rules, _created = PetitionRules.objects.get_or_create(community=community)
    return rules


def _int_in(value, low: int, high: int, field: str, errors: dict) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        errors[field] = str(_("Enter a whole number from %(low)d to %(high)d.")) % {
            "low": low,
            "high": high,
        }
        return None
    return number


@transaction.atomic
def update_rules(
    *,
    actor: Resident,
    community: Community,
    threshold,
    collection_days,
    max_collection_days,
    min_age,
    moderation_days,
    consideration_days,
    create_level,
    sign_level,
    residents_only: bool = False,
    department: Department | None = None,
    official: Resident | None = None,
) -> PetitionRules:
    """Change the community's petition rules (administrators only)."""
    if not actor.has_role(community, ROLE.ADMINISTRATOR):
        raise Forbidden()
    errors: dict[str, str] = {}
    values = {
        "threshold": _int_in(threshold, 1, 1_000_000, "threshold", errors),
        # The charter sets the period; the law expects weeks to months.
        "max_collection_days": _int_in(max_collection_days, 1, 365, "max_collection_days", errors),
        "min_age": _int_in(min_age, 14, 18, "min_age", errors),
        "moderation_days": _int_in(moderation_days, 1, 30, "moderation_days", errors),
        "consideration_days": _int_in(consideration_days, 1, 60, "consideration_days", errors),
    }
    values["collection_days"] = _int_in(
        collection_days, 1, values["max_collection_days"] or 365, "collection_days", errors
    )
    levels = {}
    for field, value in (("create_level", create_level), ("sign_level", sign_level)):
        level = _int_in(value, Identity.NONE, Identity.STRONG, field, errors)
        levels[field] = level
    if department is not None and department.community_id != community.pk:
        errors["department"] = str(_("The department is not of this community."))
    if errors:
        raise ValidationFailed(fields=errors)
    rules = rules_for(community)
    values.update(residents_only=bool(residents_only), department=department, official=official)
    before = {name: getattr(rules, name) for name in values}
    before.update(
        create_level=community.required_level("petitions.create", Identity.STRONG),
        sign_level=community.required_level("petitions.sign", Identity.STRONG),
    )
    for name, value in values.items():
        setattr(rules, name, value)
    rules.save()
    # The identity levels live with the community, where require_level reads them.
    community.action_levels = {
        **community.action_levels,
        "petitions.create": levels["create_level"],
        "petitions.sign": levels["sign_level"],
    }
    community.save(update_fields=["action_levels"])
    forget_communities()
    after = {**values, **levels}
    changed = {name for name in after if before.get(name) != after[name]}
    audit.record(
        actor=actor,
        action="petition_rules.changed",
        target=rules,
        community=community,
        before={name: before.get(name) for name in changed},
        after={name: after[name] for name in changed},
    )
    return rules


# Eligibility ------------------------------------------------------------


def _check_resident_of(
    *, resident: Resident, community: Community, min_age: int, residents_only: bool
) -> None:
    """Raise unless the resident is linked to the community and old enough."""
    kinds = _link_kinds(resident=resident, community_id=community.pk)
    if residents_only:
        kinds &= {CommunityLink.Kind.LIVES, CommunityLink.Kind.DISPLACED}
    if not kinds:
        raise NotLinked()
    age = resident.age_on(timezone.localdate())
    if age is None:
        raise BirthDateUnknown()
    if age < min_age:
        raise TooYoung(age=min_age)


# The signing path runs hundreds of times a second on a popular petition, so
# its few statements are written out: composing them through the ORM costs
# several times more than the database spends running them.


def _link_kinds(*, resident: Resident, community_id: int) -> set[str]:
    """Return the kinds of the resident's links to the community."""
    # The signing page's query brings them along with the petition (see
    # selectors.petition_for_signing): one statement fewer on the hot path.
    known = getattr(resident, "link_kinds_loaded", None)
    if known is not None and known[0] == community_id:
        return set(known[1])
    table = connection.ops.quote_name(CommunityLink._meta.db_table)
    sql = f"SELECT kind FROM {table} WHERE resident_id = %s AND community_id = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [resident.pk, community_id])
        return {kind for (kind,) in cursor.fetchall()}


def _insert_signature(
    *, petition: Petition, resident: Resident, notify_on_answer: bool
) -> Signature | None:
    """
    Insert the signature row while the petition still collects; None if it no longer does.

    The unique constraints raise IntegrityError on a repeat.
    """
    now = timezone.now()
    signature = Signature(
        community_id=petition.community_id,
        petition=petition,
        resident=resident,
        tax_hash=resident.tax_hash or None,
        notify_on_answer=bool(notify_on_answer),
        created_at=now,
    )
    columns = ["community_id", "petition_id", "resident_id", "tax_hash", "notify_on_answer"]
    values = [getattr(signature, column) for column in columns]
    columns.append("created_at")
    moment = Signature._meta.get_field("created_at").get_db_prep_value(now, connection)
    values.append(moment)
    table = connection.ops.quote_name(Signature._meta.db_table)
    petitions = connection.ops.quote_name(Petition._meta.db_table)
    marks = ", ".join(["%s"] * len(columns))
    # The names come from the models; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {marks} "  # noqa: S608
        f"WHERE EXISTS (SELECT 1 FROM {petitions} WHERE id = %s AND status = %s "
        "AND NOT is_hidden AND collection_ends_at > %s) RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, petition.pk, STATUS.COLLECTING, moment])
        row = cursor.fetchone()
    if row is None:
        return None
    signature.pk = row[0]
    signature._state.adding = False
    signature._state.db = connection.alias
    return signature


def check_can_sign(*, petition: Petition, resident: Resident) -> None:
    """Raise the reason why the resident may not sign the petition now, if any."""
    if not petition.is_collecting:
        raise PetitionClosed(status=petition.get_status_display())
    require_level(resident=resident, community=petition.community, action="petitions.sign")
    # The rules in force at publication, kept on the petition.
    _check_resident_of(
        resident=resident,
        community=petition.community,
        min_age=petition.min_age or 0,
        residents_only=petition.residents_only,
    )


# Authoring --------------------------------------------------------------


def _clean_fields(*, community: Community, title, text, topic_id, collection_days) -> dict:
    """Return the cleaned author's fields or raise ValidationFailed naming each fault."""
    rules = rules_for(community)
    errors: dict[str, str] = {}
    title = " ".join(str(title or "").split())
    text = str(text or "").replace("\r\n", "\n").strip()
    if not title:
        errors["title"] = str(_("Enter the title."))
    elif not TITLE_MIN <= len(title) <= TITLE_MAX:
        errors["title"] = str(
            _("The title must be %(low)d to %(high)d characters long.")
            % {"low": TITLE_MIN, "high": TITLE_MAX}
        )
    if not text:
        errors["text"] = str(_("Enter the text of the petition."))
    elif not TEXT_MIN <= len(text) <= TEXT_MAX:
        errors["text"] = str(
            _("The text must be %(low)d to %(high)d characters long.")
            % {"low": TEXT_MIN, "high": TEXT_MAX}
        )
    topic = None
    try:
        topic = Topic.objects.filter(community=community, is_active=True, pk=int(topic_id)).first()
    except (TypeError, ValueError):
        topic = None
    if topic is None:
        errors["topic"] = str(_("Choose a topic from the list."))
    if collection_days in (None, ""):
        days = rules.collection_days
    else:
        days = _int_in(collection_days, 7, rules.max_collection_days, "collection_days", errors)
    if errors:
        raise ValidationFailed(fields=errors)
    return {"title": title, "text": text, "topic": topic, "collection_days": days}


_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "‘": "'"})


def normalise(text: str) -> str:
    """Return text folded for search: case folded, one kind of apostrophe."""
    return str(text or "").translate(_APOSTROPHES).casefold()


def _search_text(title: str, text: str) -> str:
    return normalise(f"{title}\n{text}")


@transaction.atomic
def create_petition(
    *,
    community: Community,
    author: Resident,
    title: str,
    text: str,
    topic_id,
    collection_days=None,
) -> Petition:
    """Save a new draft petition of the resident."""
    require_level(resident=author, community=community, action="petitions.create")
    rules = rules_for(community)
    _check_resident_of(
        resident=author,
        community=community,
        min_age=rules.min_age,
        residents_only=rules.residents_only,
    )
    fields = _clean_fields(
        community=community,
        title=title,
        text=text,
        topic_id=topic_id,
        collection_days=collection_days,
    )
    petition = Petition.objects.create(
        community=community,
        author=author,
        search_text=_search_text(fields["title"], fields["text"]),
        **fields,
    )
    audit.record(
        actor=author, action="petition.created", target=petition, after={"title": petition.title}
    )
    return petition


def _locked(petition: Petition) -> Petition:
    """Return the petition's row locked for the rest of the transaction."""
    return Petition.objects.select_for_update().select_related("community").get(pk=petition.pk)


@transaction.atomic
def update_petition(
    *,
    petition: Petition,
    author: Resident,
    title: str,
    text: str,
    topic_id,
    collection_days=None,
) -> Petition:
    """Change the author's petition while it is a draft or awaits moderation."""
    petition = _locked(petition)
    if petition.author_id != author.pk:
        raise NotAuthor()
    if petition.status not in Petition.EDITABLE:
        raise NotEditable()
    fields = _clean_fields(
        community=petition.community,
        title=title,
        text=text,
        topic_id=topic_id,
        collection_days=collection_days,
    )
    before = {name: getattr(petition, name) for name in fields}
    if before == fields:
        return petition
    for name, value in fields.items():
        setattr(petition, name, value)
    petition.search_text = _search_text(petition.title, petition.text)
    petition.save(update_fields=[*fields, "search_text"])
    changed = [name for name in fields if before[name] != fields[name]]
    audit.record(
        actor=author,
        action="petition.edited",
        target=petition,
        after={"changed": ", ".join(changed)},
    )
    return petition


def moderators_of(community: Community):
    """Return the residents who moderate petitions in the community."""
    return Resident.objects.filter(
        is_active=True,
        staff_roles__community=community,
        staff_roles__role__in=[ROLE.MODERATOR, ROLE.ADMINISTRATOR],
    ).distinct()


@transaction.atomic
def submit_petition(*, petition: Petition, author: Resident) -> Petition:
    """Send the author's draft to moderation; the deadline counts working days."""
    petition = _locked(petition)
    if petition.author_id != author.pk:
        raise NotAuthor()
    if petition.status != STATUS.DRAFT:
        raise WrongStatus(status=petition.get_status_display())
    require_level(resident=author, community=petition.community, action="petitions.create")
    rules = rules_for(petition.community)
    now = timezone.now()
    petition.status = STATUS.SUBMITTED
    petition.submitted_at = now
    # Art. 23-1: published within 2 working days (the charter may set another).
    petition.moderation_due_on = add_working_days(
        timezone.localdate(now), rules.moderation_days, community=petition.community
    )
    petition.save(update_fields=["status", "submitted_at", "moderation_due_on"])
    audit.record(
        actor=author,
        action="petition.submitted",
        target=petition,
        before={"status": STATUS.DRAFT},
        after={"status": petition.status, "moderation_due_on": petition.moderation_due_on},
    )
    notify(author, "petitions/submitted", community=petition.community, petition=petition)
    notify_many(
        moderators_of(petition.community).exclude(pk=author.pk),
        "petitions/to_moderate",
        community=petition.community,
        petition=petition,
    )
    return petition


@transaction.atomic
def withdraw_petition(*, petition: Petition, author: Resident) -> Petition:
    """Withdraw the author's petition before it is published."""
    petition = _locked(petition)
    if petition.author_id != author.pk:
        raise NotAuthor()
    if petition.status not in Petition.EDITABLE:
        raise NotEditable()
    before = petition.status
    petition.status = STATUS.WITHDRAWN
    petition.closed_at = timezone.now()
    petition.save(update_fields=["status", "closed_at"])
    audit.record(
        actor=author,
        action="petition.withdrawn",
        target=petition,
        before={"status": before},
        after={"status": petition.status},
    )
    return petition


# Moderation -------------------------------------------------------------


def _require_moderator(resident: Resident, community: Community) -> None:
    if not (resident.is_active and resident.has_role(community, ROLE.MODERATOR)):
        raise NotModerator()


def _check_assignment(
    community: Community, department: Department | None, official: Resident | None
) -> None:
    if department is not None and department.community_id != community.pk:
        raise ValidationFailed(
            fields={"department": str(_("The department is not of this community."))}
        )
    if official is not None and not official.is_staff_of(community):
        raise ValidationFailed(
            fields={"official": str(_("The official must be a staff member of this community."))}
        )


@transaction.atomic
def publish_petition(
    *,
    petition: Petition,
    moderator: Resident,
    department: Department | None = None,
    official: Resident | None = None,
) -> Petition:
    """Publish a petition from moderation: signature collection starts now."""
    _require_moderator(moderator, petition.community)
    petition = _locked(petition)
    if petition.status != STATUS.SUBMITTED:
        raise WrongStatus(status=petition.get_status_display())
    _check_assignment(petition.community, department, official)
    rules = rules_for(petition.community)
    now = timezone.now()
    petition.status = STATUS.COLLECTING
    petition.published_at = now
    petition.collection_ends_at = now + timedelta(days=petition.collection_days)
    petition.threshold = rules.threshold
    petition.min_age = rules.min_age
    petition.residents_only = rules.residents_only
    petition.department = department or petition.department or rules.department
    petition.official = official or petition.official
    petition.save(
        update_fields=[
            "status",
            "published_at",
            "collection_ends_at",
            "threshold",
            "min_age",
            "residents_only",
            "department",
            "official",
        ]
    )
    audit.record(
        actor=moderator,
        action="petition.published",
        target=petition,
        before={"status": STATUS.SUBMITTED},
        after={
            "status": petition.status,
            "threshold": petition.threshold,
            "collection_ends_at": petition.collection_ends_at,
        },
    )
    notify(petition.author, "petitions/published", community=petition.community, petition=petition)
    return petition


@transaction.atomic
def reject_petition(
    *,
    petition: Petition,
    moderator: Resident,
    reason: str,
    note: str = "",
    duplicate_of: Petition | None = None,
) -> Petition:
    """Refuse to publish a petition, with a public reason."""
    _require_moderator(moderator, petition.community)
    petition = _locked(petition)
    if petition.status != STATUS.SUBMITTED:
        raise WrongStatus(status=petition.get_status_display())
    errors = {}
    if reason not in Petition.RejectionReason.values:
        errors["reason"] = str(_("Choose a reason from the list."))
    note = str(note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = str(_("The explanation is too long (at most %(max)d characters).")) % {
            "max": NOTE_MAX
        }
    if reason == Petition.RejectionReason.DUPLICATE:
        if (
            duplicate_of is None
            or duplicate_of.pk == petition.pk
            or duplicate_of.community_id != petition.community_id
            or duplicate_of.status not in Petition.OPEN
            or duplicate_of.is_hidden
        ):
            errors["duplicate_of"] = str(_("Choose the open petition this one repeats."))
    else:
        duplicate_of = None
    if errors:
        raise ValidationFailed(fields=errors)
    petition.status = STATUS.REJECTED
    petition.rejection_reason = reason
    petition.rejection_note = note
    petition.duplicate_of = duplicate_of
    petition.closed_at = timezone.now()
    petition.save(
        update_fields=["status", "rejection_reason", "rejection_note", "duplicate_of", "closed_at"]
    )
    audit.record(
        actor=moderator,
        action="petition.rejected",
        target=petition,
        before={"status": STATUS.SUBMITTED},
        after={"status": petition.status, "reason": reason, "duplicate_of": duplicate_of},
    )
    notify(petition.author, "petitions/rejected", community=petition.community, petition=petition)
    return petition


@transaction.atomic
def assign_official(
    *,
    petition: Petition,
    moderator: Resident,
    department: Department | None,
    official: Resident | None,
) -> Petition:
    """Name the department and the official who consider the petition."""
    _require_moderator(moderator, petition.community)
    petition = _locked(petition)
    if petition.status in (STATUS.ANSWERED, STATUS.REJECTED, STATUS.WITHDRAWN, STATUS.ARCHIVED):
        raise WrongStatus(status=petition.get_status_display())
    _check_assignment(petition.community, department, official)
    before = {"department": petition.department_id, "official": petition.official_id}
    petition.department = department
    petition.official = official
    petition.save(update_fields=["department", "official"])
    audit.record(
        actor=moderator,
        action="petition.assigned",
        target=petition,
        before=before,
        after={"department": department, "official": official},
    )
    if official is not None and official.pk != before["official"]:
        notify(official, "petitions/assigned", community=petition.community, petition=petition)
    return petition


@transaction.atomic
def hide_petition(*, petition: Petition, moderator: Resident, reason: str) -> Petition:
    """Take a petition off the public pages, recording why."""
    _require_moderator(moderator, petition.community)
    petition = _locked(petition)
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": str(_("Say why the petition is hidden."))})
    if len(reason) > NOTE_MAX:
        raise ValidationFailed(
            fields={
                "reason": str(_("The explanation is too long (at most %(max)d characters)."))
                % {"max": NOTE_MAX}
            }
        )
    if petition.is_hidden:
        raise Conflict(_("The petition is hidden already."))
    petition.is_hidden = True
    petition.hidden_reason = reason
    petition.save(update_fields=["is_hidden", "hidden_reason"])
    audit.record(
        actor=moderator,
        action="petition.hidden",
        target=petition,
        before={"is_hidden": False},
        after={"is_hidden": True, "reason": reason},
    )
    notify(petition.author, "petitions/hidden", community=petition.community, petition=petition)
    return petition


@transaction.atomic
def unhide_petition(*, petition: Petition, moderator: Resident) -> Petition:
    """Show a hidden petition again."""
    _require_moderator(moderator, petition.community)
    petition = _locked(petition)
    if not petition.is_hidden:
        raise Conflict(_("The petition is not hidden."))
    before = {"is_hidden": True, "reason": petition.hidden_reason}
    petition.is_hidden = False
    petition.save(update_fields=["is_hidden"])
    audit.record(
        actor=moderator,
        action="petition.unhidden",
        target=petition,
        before=before,
        after={"is_hidden": False},
    )
    return petition


# Signing ----------------------------------------------------------------


def sign_petition(
    *, petition: Petition, resident: Resident, notify_on_answer: bool = False
) -> Signature:
    """
    Record the resident's one signature under a petition that is collecting.

    Not one transaction on purpose: the signature commits first, then the
    cached total moves by one in a statement of its own, so signers never
    queue behind one another on the petition's row while committing.
    """
    check_can_sign(petition=petition, resident=resident)
    signature = _record_signature(
        petition=petition, resident=resident, notify_on_answer=notify_on_answer
    )
    total = _add_to_count(petition.pk)
    if petition.threshold and total >= petition.threshold:
        # The scheduled task runs this too, and catches a crossing racing
        # signers or a lost counter update missed.
        start_consideration_if_due(petition=petition)
    return signature


def _record_signature(
    *, petition: Petition, resident: Resident, notify_on_answer: bool
) -> Signature:
    """
    Insert the signature in one statement, which is its own transaction.

    The row is the record of the act (who, which petition, when; it can be
    neither changed nor withdrawn), so signing writes no audit entry besides
    it: the petition's audit trail keeps its changes of state.
    """
    # Inside a caller's transaction a savepoint, so that it survives a repeat.
    guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
    try:
        with guard:
            signature = _insert_signature(
                petition=petition, resident=resident, notify_on_answer=notify_on_answer
            )
    except IntegrityError:
        # The unique constraints decide, not an exists() check: two taps
        # on "Sign" race, and only the database sees both.
        raise AlreadySigned() from None
    if signature is None:
        # Closed between the check and the insert: the database had the last word.
        status = Petition.objects.filter(pk=petition.pk).values_list("status", flat=True).first()
        raise PetitionClosed(status=STATUS(status).label if status else "")
    return signature


def _add_to_count(petition_id: int) -> int:
    """
    Add one to the cached total of a collecting petition and return the new value.

    A petition that has left collection keeps the total its transition
    counted from the rows, which already holds a signature whose +1 was
    still on its way; adding it again would count that signature twice.
    """
    table = connection.ops.quote_name(Petition._meta.db_table)
    relaxed = ""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # The total is a cache the scheduled task recounts from the rows, so
        # this one-statement transaction need not wait for the disk: the row
        # lock is held for microseconds, not for an fsync.
        relaxed = "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed "
    # The table name comes from the model; the values are parameters.
    sql = f"UPDATE {table} SET signature_count = signature_count + 1 {relaxed}WHERE id = %s AND status = %s RETURNING signature_count"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [petition_id, STATUS.COLLECTING])
        row = cursor.fetchone()
    return row[0] if row else 0


def signature_total(*, petition: Petition) -> int:
    """Return the exact number of signatures, counted from the rows."""
    return Signature.objects.filter(petition_id=petition.pk).count()


def official_for(petition: Petition) -> Resident | None:
    """Return who considers the petition: named, the department head, or the rules' choice."""
    if petition.official_id:
        return petition.official
    if petition.department_id and petition.department.head_id:
        return petition.department.head
    rules = rules_for(petition.community)
    if rules.official_id:
        return rules.official
    if rules.department_id and rules.department.head_id:
        return rules.department.head
    return None


@transaction.atomic
def start_consideration_if_due(*, petition: Petition) -> bool:
    """Move a petition that reached its threshold to consideration, exactly once."""
    total = signature_total(petition=petition)
    threshold = Petition.objects.filter(pk=petition.pk).values_list("threshold", flat=True).first()
    if threshold is None or total < threshold:
        return False
    now = timezone.now()
    rules = rules_for(petition.community)
    # Art. 23-1: considered within 10 working days of reaching the threshold.
    due = add_working_days(
        timezone.localdate(now), rules.consideration_days, community=petition.community
    )
    # Conditional UPDATE, not read-then-save: when signers and the scheduled
    # task race, only one of them changes the row, so all happens once.
    moved = Petition.objects.filter(pk=petition.pk, status=STATUS.COLLECTING).update(
        status=STATUS.CONSIDERATION,
        threshold_reached_at=now,
        answer_due_on=due,
        signature_count=total,
    )
    if not moved:
        return False
    petition.refresh_from_db()
    audit.record(
        actor=None,
        action="petition.threshold_reached",
        target=petition,
        before={"status": STATUS.COLLECTING},
        after={"status": petition.status, "signatures": total, "answer_due_on": due},
    )
    official = official_for(petition)
    context = {"community": petition.community, "petition": petition}
    if official is not None:
        notify(official, "petitions/threshold", **context)
    else:
        notify_many(moderators_of(petition.community), "petitions/threshold", **context)
    notify(petition.author, "petitions/threshold_author", **context)
    return True


@transaction.atomic
def close_collection_if_due(*, petition: Petition, now=None) -> str | None:
    """
    End the collection of a petition whose period is over, exactly once.

    Enough signatures: consideration starts. Too few: the petition is
    registered as a collective appeal (art. 23-1) and archived. Returns the
    new status, or None when this call changed nothing.
    """
    now = now or timezone.now()
    if start_consideration_if_due(petition=petition):
        return STATUS.CONSIDERATION
    total = signature_total(petition=petition)
    moved = Petition.objects.filter(
        pk=petition.pk, status=STATUS.COLLECTING, collection_ends_at__lte=now
    ).update(status=STATUS.ARCHIVED, closed_at=now, signature_count=total)
    if not moved:
        return None
    petition.refresh_from_db()
    handoff.register_as_appeal(petition)
    audit.record(
        actor=None,
        action="petition.registered_as_appeal",
        target=petition,
        before={"status": STATUS.COLLECTING},
        after={"status": petition.status, "signatures": total},
    )
    context = {"community": petition.community, "petition": petition}
    notify(petition.author, "petitions/archived", **context)
    official = official_for(petition)
    if official is not None:
        notify(official, "petitions/archived_official", **context)
    return STATUS.ARCHIVED


def close_due_collections(*, now=None) -> dict[str, int]:
    """
    Recount the collecting petitions and close those whose period is over.

    Safe to run twice or in two processes at once: each transition is a
    conditional UPDATE. Returns how many petitions moved, by kind.
    """
    now = now or timezone.now()
    signatures = Signature.objects.filter(petition=OuterRef("pk")).values("petition")
    exact = Subquery(signatures.annotate(total=Count("pk")).values("total"))
    latest = Subquery(signatures.annotate(at=Max("created_at")).values("at"))
    collecting = (
        Petition.objects.filter(status=STATUS.COLLECTING)
        .annotate(exact=Coalesce(exact, 0), latest=latest)
        .select_related("community")
    )
    moved = {"recounted": 0, "consideration": 0, "archived": 0}
    for petition in collecting:
        settled = petition.latest is None or petition.latest <= now - RECOUNT_AFTER
        if petition.exact != petition.signature_count and settled:
            # Repair the cached total: a worker may stop between a signature
            # and its +1. Not while signatures arrive: a row already counted
            # here may still have its +1 on the way, and it would count twice.
            moved["recounted"] += Petition.objects.filter(
                pk=petition.pk, signature_count=petition.signature_count
            ).update(signature_count=petition.exact)
        if petition.threshold and petition.exact >= petition.threshold:
            moved["consideration"] += start_consideration_if_due(petition=petition)
        elif petition.collection_ends_at and petition.collection_ends_at <= now:
            status = close_collection_if_due(petition=petition, now=now)
            if status == STATUS.ARCHIVED:
                moved["archived"] += 1
            elif status == STATUS.CONSIDERATION:
                moved["consideration"] += 1
    return moved


# Answer -----------------------------------------------------------------


def can_answer(*, staff: Resident, petition: Petition) -> bool:
    """Return whether the staff member may publish the answer to the petition."""
    community = petition.community
    if not staff.is_authenticated or not staff.is_active:
        return False
    if staff.has_role(community, ROLE.MODERATOR):
        return True
    if petition.official_id == staff.pk:
        return True
    if petition.department_id and staff.pk in _department_people(petition):
        return True
    official = official_for(petition)
    return official is not None and official.pk == staff.pk


def _department_people(petition: Petition) -> set[int]:
    """Return ids of the staff of the petition's department, and its head."""
    people = set(
        StaffRole.objects.filter(
            community=petition.community, department_id=petition.department_id
        ).values_list("resident_id", flat=True)
    )
    if petition.department.head_id:
        people.add(petition.department.head_id)
    return people


@transaction.atomic
def answer_petition(
    *,
    petition: Petition,
    staff: Resident,
    outcome: str,
    text: str,
    document=None,
) -> Petition:
    """Publish the council's answer; the author and opted-in signers are told."""
    if not can_answer(staff=staff, petition=petition):
        raise CannotAnswer()
    petition = _locked(petition)
    if petition.status != STATUS.CONSIDERATION:
        raise WrongStatus(status=petition.get_status_display())
    errors = {}
    if outcome not in Petition.Outcome.values:
        errors["outcome"] = str(_("Choose the decision from the list."))
    text = str(text or "").replace("\r\n", "\n").strip()
    if not text:
        errors["text"] = str(_("Enter the text of the answer."))
    elif len(text) > ANSWER_MAX:
        errors["text"] = str(_("The answer is too long (at most %(max)d characters).")) % {
            "max": ANSWER_MAX
        }
    cleaned = None
    if document is not None:
        try:
            cleaned = clean_pdf(document, field="document")
        except DomainError as error:
            errors["document"] = str(error)
    if errors:
        raise ValidationFailed(fields=errors)
    now = timezone.now()
    petition.status = STATUS.ANSWERED
    petition.outcome = outcome
    petition.answer_text = text
    petition.answered_at = now
    petition.answered_by = staff
    petition.closed_at = now
    if cleaned is not None:
        petition.answer_document.save(cleaned.name, cleaned, save=False)
    petition.save(
        update_fields=[
            "status",
            "outcome",
            "answer_text",
            "answered_at",
            "answered_by",
            "closed_at",
            "answer_document",
        ]
    )
    audit.record(
        actor=staff,
        action="petition.answered",
        target=petition,
        before={"status": STATUS.CONSIDERATION},
        after={
            "status": petition.status,
            "outcome": outcome,
            "document": bool(petition.answer_document),
        },
    )
    notify(petition.author, "petitions/answered", community=petition.community, petition=petition)
    petition_id = petition.pk
    transaction.on_commit(lambda: _enqueue_signer_notices(petition_id))
    return petition


def _enqueue_signer_notices(petition_id: int) -> None:
    from hromada.petitions.tasks import notify_signers_of_answer

    notify_signers_of_answer.enqueue(petition_id)


def notify_signers_of_answer(*, petition_id: int) -> int:
    """Tell each signer who asked for it about the answer, once per petition."""
    # Claim the run with a conditional UPDATE: a second run finds it taken.
    claimed = Petition.objects.filter(
        pk=petition_id, status=STATUS.ANSWERED, signers_notified_at__isnull=True
    ).update(signers_notified_at=timezone.now())
    if not claimed:
        return 0
    petition = Petition.objects.select_related("community").get(pk=petition_id)
    signers = Resident.objects.filter(
        pk__in=Signature.objects.filter(petition=petition, notify_on_answer=True).values(
            "resident_id"
        ),
        is_active=True,
    ).exclude(pk=petition.author_id)
    sent = 0
    for signer in signers.iterator():
        with transaction.atomic():
            sent += bool(
                notify(
                    signer, "petitions/answered", community=petition.community, petition=petition
                )
            )
    return sent
