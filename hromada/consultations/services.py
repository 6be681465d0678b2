"""
Every change to public consultations: life cycle, drafts, comments, proposals,
surveys, hearings and the report.

Each function checks the rules, changes rows in one transaction, writes the
audit entry and queues notifications on commit. Pages, the API, the back
office and (later) the chatbot call these and nothing else.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.consultations import drafts
from hromada.consultations.models import (
    COMMENT_MAX,
    DRAFT_MAX,
    REASON_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    Answer,
    Article,
    Comment,
    CommentVote,
    Consultation,
    ConsultationRules,
    DraftVersion,
    HearingInitiative,
    InitiativeSignature,
    Question,
    Registration,
    Response,
    ResponseKey,
    Subscription,
)
from hromada.core import audit
from hromada.core.calendar import add_working_days
from hromada.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from hromada.core.identity import require_level
from hromada.core.models import Community, CommunityLink, Resident, StaffRole
from hromada.core.notifications import notify

ROLE = StaffRole.Role
STATUS = Consultation.Status
KIND = Consultation.Kind
SOURCE = Comment.Source
DECISION = Comment.Decision


class ConsultationNotFound(NotFound):
    code = "consultation_not_found"
    message = _("There is no such consultation.")


class WrongStatus(Conflict):
    code = "consultation_wrong_status"
    message = _("This step is not possible while the consultation is %(status)s.")


class NotOpen(Conflict):
    code = "consultation_not_open"
    message = _("This consultation is not open: %(status)s.")


class TooShort(DomainError):
    code = "consultation_too_short"
    message = _(
        "A consultation must last at least %(days)d days (the community's rules); "
        "move the closing date."
    )


class NotStaff(Forbidden):
    code = "consultation_not_staff"
    message = _("Only the staff in charge of consultations may do this.")


class CommentNotFound(NotFound):
    code = "consultation_comment_not_found"
    message = _("There is no such comment.")


class AlreadyVoted(Conflict):
    code = "consultation_already_voted"
    message = _("You have already supported or opposed this comment.")


class OwnComment(Conflict):
    code = "consultation_own_comment"
    message = _("You cannot support or oppose your own comment.")


class AlreadyAnswered(Conflict):
    code = "survey_already_answered"
    message = _("You have already answered this survey. Only one response is counted.")


class ResultsHidden(Forbidden):
    code = "survey_results_hidden"
    message = _("The results are published when the survey closes.")


class DecisionsMissing(Conflict):
    code = "consultation_decisions_missing"
    message = _(
        "The report cannot be published: %(count)d proposals have no decision, or a "
        "partly accepted or rejected one has no reason."
    )


class AlreadyRegistered(Conflict):
    code = "hearing_already_registered"
    message = _("You are already registered for this hearing.")


class NotLinked(Forbidden):
    code = "consultation_not_linked"
    message = _(
        "Only residents of the community may do this. Add your link to the "
        "community in your profile first."
    )


class TooYoung(Forbidden):
    code = "consultation_too_young"
    message = _("Residents may sign a hearing initiative from the age of %(age)d.")


class AlreadySigned(Conflict):
    code = "initiative_already_signed"
    message = _("You have already signed this initiative.")


class InitiativeClosed(Conflict):
    code = "initiative_closed"
    message = _("This initiative is not collecting signatures.")


# Rules and permissions -------------------------------------------------------


def rules_for(community: Community) -> ConsultationRules:
    """Return the community's consultation rules, creating the defaults on first use."""
    rules = ConsultationRules.objects.filter(community=community).first()
    if rules is None:
        rules, _created = ConsultationRules.objects.get_or_create(community=community)
    return rules


def is_consultation_staff(resident, community: Community) -> bool:
    """Moderators and department staff run consultations; administrators too."""
    if resident is None or not getattr(resident, "is_authenticated", False):
        return False
    return resident.has_role(community, ROLE.MODERATOR, ROLE.STAFF)


def can_manage(resident, consultation: Consultation) -> bool:
    if resident is None or not getattr(resident, "is_authenticated", False):
        return False
    if resident.has_role(consultation.community, ROLE.MODERATOR):
        return True
    if consultation.department_id:
        return resident.acts_for(consultation.department)
    return resident.has_role(consultation.community, ROLE.STAFF)


def _require_manager(actor, consultation: Consultation) -> None:
    if not can_manage(actor, consultation):
        raise NotStaff()


def _require_moderator(actor, community: Community) -> None:
    if actor is None or not actor.has_role(community, ROLE.MODERATOR):
        raise NotStaff()


def _clean_text(value, *, field: str, maximum: int, errors: dict, required=True) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if required and not text:
        errors[field] = str(_("This field is required."))
    elif len(text) > maximum:
        errors[field] = str(_("At most %(max)d characters, please.") % {"max": maximum})
    return text


def _locked(consultation: Consultation) -> Consultation:
    return (
        Consultation.objects.select_for_update().select_related("community").get(pk=consultation.pk)
    )


def _check_duration(*, consultation: Consultation, rules: ConsultationRules) -> None:
    # Law №3841-IX: at least 15 days; the community may set a longer minimum.
    if consultation.closes_at - consultation.opens_at < timedelta(days=rules.min_days):
        raise TooShort(days=rules.min_days)


# Life cycle: one table of moves ------------------------------------------------

TRANSITIONS = {
    "announce": ({STATUS.DRAFT}, STATUS.ANNOUNCED),
    "open": ({STATUS.ANNOUNCED}, STATUS.OPEN),
    "close": ({STATUS.OPEN}, STATUS.CLOSED),
    "process": ({STATUS.CLOSED}, STATUS.PROCESSING),
    "report": ({STATUS.CLOSED, STATUS.PROCESSING}, STATUS.REPORTED),
}


def _move(consultation: Consultation, step: str, **fields) -> bool:
    """Change the status by a conditional UPDATE; False if another call moved it first."""
    sources, target = TRANSITIONS[step]
    if consultation.status not in sources:
        raise WrongStatus(status=consultation.get_status_display())
    moved = Consultation.objects.filter(pk=consultation.pk, status__in=sources).update(
        status=target, **fields
    )
    if moved:
        consultation.status = target
        for name, value in fields.items():
            setattr(consultation, name, value)
    return bool(moved)


FIELDS = [
    "title",
    "summary",
    "body",
    "affected",
    "legal_basis",
    "how_to_take_part",
    "opens_at",
    "closes_at",
    "anonymity",
    "results_while_open",
    "hearing_at",
    "place",
    "online_link",
    "agenda",
    "capacity",
]


def _clean_consultation(values: dict) -> dict:
    errors: dict[str, str] = {}
    cleaned = dict(values)
    cleaned["title"] = _clean_text(
        values.get("title"), field="title", maximum=TITLE_MAX, errors=errors
    )
    cleaned["body"] = _clean_text(values.get("body"), field="body", maximum=300, errors=errors)
    cleaned["legal_basis"] = _clean_text(
        values.get("legal_basis"), field="legal_basis", maximum=500, errors=errors
    )
    for name in ("summary", "affected", "how_to_take_part", "agenda"):
        cleaned[name] = _clean_text(
            values.get(name), field=name, maximum=SUMMARY_MAX, errors=errors, required=False
        )
    opens, closes = values.get("opens_at"), values.get("closes_at")
    if not isinstance(opens, datetime):
        errors["opens_at"] = str(_("Enter a date and time."))
    if not isinstance(closes, datetime):
        errors["closes_at"] = str(_("Enter a date and time."))
    elif isinstance(opens, datetime) and closes <= opens:
        errors["closes_at"] = str(_("The consultation must close after it opens."))
    capacity = values.get("capacity")
    if capacity is not None and not (isinstance(capacity, int) and 1 <= capacity <= 100_000):
        errors["capacity"] = str(_("Enter a whole number from 1 to 100000."))
    if errors:
        raise ValidationFailed(fields=errors)
    return cleaned


@transaction.atomic
def create_consultation(
    *, actor: Resident, community: Community, kind: str, **values
) -> Consultation:
    """Create a consultation in preparation (staff)."""
    if not is_consultation_staff(actor, community):
        raise NotStaff()
    if kind not in KIND.values:
        raise ValidationFailed(fields={"kind": str(_("Unknown kind of consultation."))})
    extra = {key: values.pop(key) for key in ("topic", "settlement", "department") if key in values}
    for key, value in extra.items():
        if value is not None and value.community_id != community.pk:
            raise ValidationFailed(fields={key: str(_("Not of this community."))})
    cleaned = _clean_consultation(values)
    consultation = Consultation(
        community=community,
        kind=kind,
        created_by=actor,
        **{name: cleaned[name] for name in FIELDS if name in cleaned},
        **extra,
    )
    consultation.save()
    audit.record(actor=actor, action="consultation.created", target=consultation)
    return consultation


@transaction.atomic
def update_consultation(*, actor: Resident, consultation: Consultation, **values) -> Consultation:
    """Change the announcement while the consultation has not opened yet."""
    consultation = _locked(consultation)
    _require_manager(actor, consultation)
    if consultation.status not in (STATUS.DRAFT, STATUS.ANNOUNCED):
        raise WrongStatus(status=consultation.get_status_display())
    current = {name: getattr(consultation, name) for name in FIELDS}
    cleaned = _clean_consultation({**current, **values})
    changed = {name for name in FIELDS if cleaned.get(name) != current[name]}
    for name in changed:
        setattr(consultation, name, cleaned[name])
    if consultation.status == STATUS.ANNOUNCED:
        _check_duration(consultation=consultation, rules=rules_for(consultation.community))
    consultation.save()
    audit.record(
        actor=actor,
        action="consultation.changed",
        target=consultation,
        before={name: current[name] for name in changed},
        after={name: cleaned[name] for name in changed},
    )
    return consultation


@transaction.atomic
def announce_consultation(*, actor: Resident, consultation: Consultation) -> Consultation:
    """Publish the announcement; refuses one shorter than the community's minimum."""
    consultation = _locked(consultation)
    _require_manager(actor, consultation)
    rules = rules_for(consultation.community)
    if consultation.status != STATUS.DRAFT:
        raise WrongStatus(status=consultation.get_status_display())
    _check_duration(consultation=consultation, rules=rules)
    if consultation.kind == KIND.DRAFT and not consultation.versions.exists():
        raise ValidationFailed(fields={"draft": str(_("Upload the draft first."))})
    if consultation.kind == KIND.SURVEY and not consultation.questions.exists():
        raise ValidationFailed(fields={"questions": str(_("Add the survey's questions first."))})
    if consultation.kind == KIND.HEARING and not consultation.hearing_at:
        raise ValidationFailed(fields={"hearing_at": str(_("Set the date of the hearing."))})
    _move(consultation, "announce", announced_at=timezone.now())
    audit.record(actor=actor, action="consultation.announced", target=consultation)
    consultation_id = consultation.pk
    transaction.on_commit(lambda: _enqueue("notify_subscribers", consultation_id))
    if consultation.opens_at <= timezone.now():
        consultation = open_consultation(actor=actor, consultation=consultation)
    return consultation


@transaction.atomic
def open_consultation(*, actor: Resident | None, consultation: Consultation) -> Consultation:
    """Open an announced consultation (staff, or the scheduler when its time comes)."""
    consultation = _locked(consultation)
    if actor is not None:
        _require_manager(actor, consultation)
    rules = rules_for(consultation.community)
    now = timezone.now()
    if consultation.status == STATUS.ANNOUNCED and consultation.opens_at > now:
        consultation.opens_at = now  # opened early by staff: counted from now
    # Opening one shorter than the minimum is refused, whatever was announced.
    _check_duration(consultation=consultation, rules=rules)
    if _move(consultation, "open", opens_at=consultation.opens_at):
        audit.record(actor=actor, action="consultation.opened", target=consultation)
    return consultation


@transaction.atomic
def close_consultation(
    *, actor: Resident | None, consultation: Consultation, now=None
) -> Consultation:
    """Close an open consultation whose time is up; fix the report's deadline."""
    consultation = _locked(consultation)
    if actor is not None:
        _require_manager(actor, consultation)
    now = now or timezone.now()
    if consultation.status == STATUS.OPEN and now < consultation.closes_at:
        raise Conflict(
            _("The consultation is open until %(when)s."), when=str(consultation.closes_at)
        )
    rules = rules_for(consultation.community)
    due = timezone.localdate(now) + timedelta(days=rules.report_days)
    if _move(consultation, "close", closed_at=now, report_due_on=due):
        audit.record(actor=actor, action="consultation.closed", target=consultation)
        if consultation.kind == KIND.SURVEY:
            # Its responses are final now: the figures are worked out once,
            # after the commit, and every reader gets them ready.
            transaction.on_commit(lambda: _store_results(consultation.pk))
    return consultation


def _store_results(consultation_id: int) -> None:
    from hromada.consultations import results

    consultation = Consultation.objects.filter(pk=consultation_id).first()
    if consultation is not None:
        results.store(consultation)


@transaction.atomic
def start_processing(*, actor: Resident, consultation: Consultation) -> Consultation:
    consultation = _locked(consultation)
    _require_manager(actor, consultation)
    if _move(consultation, "process"):
        audit.record(actor=actor, action="consultation.processing", target=consultation)
    return consultation


def advance_due(*, now=None) -> dict[str, int]:
    """Open announced consultations whose time came, close those due; tell staff of proposals."""
    now = now or timezone.now()
    done = {"opened": 0, "closed": 0, "digests": 0, "reports": 0}
    for consultation in Consultation.objects.filter(
        status=STATUS.ANNOUNCED, opens_at__lte=now
    ).select_related("community"):
        try:
            open_consultation(actor=None, consultation=consultation)
            done["opened"] += 1
        except DomainError:
            continue  # a too-short one waits for staff to move its dates
    for consultation in Consultation.objects.filter(status=STATUS.OPEN, closes_at__lte=now):
        close_consultation(actor=None, consultation=consultation, now=now)
        done["closed"] += 1
    for consultation in Consultation.objects.filter(status__in=[STATUS.OPEN, STATUS.CLOSED]):
        done["digests"] += notify_staff_of_proposals(consultation_id=consultation.pk, now=now)
    for pk in Consultation.objects.filter(
        status=STATUS.REPORTED, participants_notified_at__isnull=True
    ).values_list("pk", flat=True):
        done["reports"] += bool(notify_participants(consultation_id=pk))
    return done


def _enqueue(name: str, consultation_id: int) -> None:
    from hromada.consultations import tasks

    getattr(tasks, name).enqueue(consultation_id)


# Drafts ---------------------------------------------------------------------------


@transaction.atomic
def publish_version(
    *, actor: Resident, consultation: Consultation, text: str, note: str = ""
) -> DraftVersion:
    """
    Publish the draft's text as its next version, split into articles.

    Comments keep their article's key, so they stay with the article in the
    new version wherever it still exists.
    """
    consultation = _locked(consultation)
    _require_manager(actor, consultation)
    if consultation.kind != KIND.DRAFT:
        raise WrongStatus(status=consultation.get_kind_display())
    if consultation.status not in (STATUS.DRAFT, STATUS.ANNOUNCED, STATUS.OPEN):
        raise WrongStatus(status=consultation.get_status_display())
    errors: dict[str, str] = {}
    text = _clean_text(text, field="text", maximum=DRAFT_MAX, errors=errors)
    note = _clean_text(note, field="note", maximum=500, errors=errors, required=False)
    parts = drafts.split_articles(text) if not errors else []
    if not errors and not parts:
        errors["text"] = str(_("The draft has no articles."))
    if errors:
        raise ValidationFailed(fields=errors)
    last = consultation.versions.order_by("-number").first()
    version = DraftVersion.objects.create(
        consultation=consultation, number=(last.number + 1) if last else 1, text=text, note=note
    )
    Article.objects.bulk_create(
        Article(
            version=version,
            key=part.key,
            section=part.section,
            heading=part.heading,
            text=part.text,
            position=index,
        )
        for index, part in enumerate(parts)
    )
    if last is not None:
        audit.record(
            actor=actor,
            action="consultation.version_published",
            target=consultation,
            after={"version": version.number, "articles": len(parts)},
        )
    return version


def current_version(consultation: Consultation) -> DraftVersion | None:
    return consultation.versions.order_by("-number").first()


# Comments, amendments, votes ----------------------------------------------------------


def _require_open(consultation: Consultation) -> None:
    if not consultation.is_open:
        raise NotOpen(status=consultation.get_status_display())


def _article(consultation: Consultation, key: str) -> tuple[DraftVersion, Article | None]:
    version = current_version(consultation)
    if version is None:
        raise NotOpen(status=consultation.get_status_display())
    if not key:
        return version, None
    article = version.articles.filter(key=str(key)[:80]).first()
    if article is None:
        raise ValidationFailed(fields={"article": str(_("There is no such article."))})
    return version, article


def add_comment(
    *,
    consultation: Consultation,
    resident: Resident,
    text: str,
    article_key: str = "",
    is_proposal: bool = False,
) -> Comment:
    """Record a resident's comment on an article or on the whole draft."""
    _require_open(consultation)
    # Resolution №996: anonymous proposals are not considered.
    require_level(
        resident=resident, community=consultation.community, action="consultations.comment"
    )
    errors: dict[str, str] = {}
    text = _clean_text(text, field="text", maximum=COMMENT_MAX, errors=errors)
    if errors:
        raise ValidationFailed(fields=errors)
    version = None
    if consultation.kind == KIND.DRAFT:
        version, article = _article(consultation, article_key)
        article_key = article.key if article else ""
    else:
        article_key = ""
    with transaction.atomic():
        return Comment.objects.create(
            community=consultation.community,
            consultation=consultation,
            article_key=article_key,
            version=version,
            source=SOURCE.ONLINE,
            resident=resident,
            text=text,
            is_proposal=bool(is_proposal),
        )


def propose_amendment(
    *, consultation: Consultation, resident: Resident, article_key: str, replacement: str, text=""
) -> Comment:
    """Record an amendment: the article's whole replacement text, shown as a redline."""
    _require_open(consultation)
    require_level(
        resident=resident, community=consultation.community, action="consultations.comment"
    )
    if consultation.kind != KIND.DRAFT:
        raise WrongStatus(status=consultation.get_kind_display())
    errors: dict[str, str] = {}
    replacement = _clean_text(replacement, field="replacement", maximum=COMMENT_MAX, errors=errors)
    text = _clean_text(text, field="text", maximum=COMMENT_MAX, errors=errors, required=False)
    version, article = _article(consultation, article_key)
    if article is None:
        errors["article"] = str(_("Choose the article to amend."))
    elif replacement == article.text.strip():
        errors["replacement"] = str(_("The proposed text is the same as the article's."))
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        return Comment.objects.create(
            community=consultation.community,
            consultation=consultation,
            article_key=article.key,
            version=version,
            source=SOURCE.AMENDMENT,
            resident=resident,
            text=text or str(_("Amendment to %(article)s") % {"article": article.heading}),
            replacement=replacement,
            original=article.text,
            is_proposal=True,
        )


def vote_comment(*, comment: Comment, resident: Resident, value: int) -> CommentVote:
    """Record the resident's one support (+1) or opposition (−1) of a comment."""
    consultation = comment.consultation
    _require_open(consultation)
    require_level(
        resident=resident, community=consultation.community, action="consultations.comment"
    )
    if value not in (1, -1):
        raise ValidationFailed(fields={"value": str(_("Support or oppose, please."))})
    if comment.removed:
        raise CommentNotFound()
    if comment.resident_id == resident.pk:
        raise OwnComment()
    try:
        with transaction.atomic():
            vote = CommentVote.objects.create(comment=comment, resident=resident, value=value)
            counter = "support_count" if value > 0 else "oppose_count"
            Comment.objects.filter(pk=comment.pk).update(**{counter: F(counter) + 1})
    except IntegrityError:
        raise AlreadyVoted() from None
    return vote


@transaction.atomic
def remove_comment(
    *, moderator: Resident, comment: Comment, reason: str, note: str = ""
) -> Comment:
    """Hide a comment behind the public "removed: <reason>" placeholder (audited)."""
    _require_moderator(moderator, comment.community)
    if reason not in Comment.Removal.values:
        raise ValidationFailed(fields={"reason": str(_("Choose a reason."))})
    errors: dict[str, str] = {}
    note = _clean_text(note, field="note", maximum=REASON_MAX, errors=errors, required=False)
    if errors:
        raise ValidationFailed(fields=errors)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    before = {"removed": comment.removed}
    comment.removed, comment.removed_note, comment.removed_by = reason, note, moderator
    comment.save(update_fields=["removed", "removed_note", "removed_by"])
    audit.record(
        actor=moderator,
        action="consultation_comment.removed",
        target=comment,
        before=before,
        after={"removed": reason, "note": note},
    )
    return comment


@transaction.atomic
def reply_to_comment(*, staff: Resident, comment: Comment, text: str) -> Comment:
    """Give the council's official reply under a comment."""
    _require_manager(staff, comment.consultation)
    errors: dict[str, str] = {}
    text = _clean_text(text, field="reply", maximum=COMMENT_MAX, errors=errors)
    if errors:
        raise ValidationFailed(fields=errors)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    before = {"reply": comment.reply}
    comment.reply, comment.replied_by, comment.replied_at = text, staff, timezone.now()
    comment.save(update_fields=["reply", "replied_by", "replied_at"])
    audit.record(
        actor=staff,
        action="consultation_comment.replied",
        target=comment,
        before=before,
        after={"reply": text},
    )
    if comment.resident_id and comment.resident_id != staff.pk:
        notify(
            comment.resident,
            "consultations/replied",
            community=comment.community,
            consultation=comment.consultation,
            comment=comment,
        )
    return comment


@transaction.atomic
def enter_proposal(
    *,
    staff: Resident,
    consultation: Consultation,
    text: str,
    author_name: str,
    source: str = SOURCE.PAPER,
    article_key: str = "",
) -> Comment:
    """Enter a proposal received on paper or spoken at the hearing (staff)."""
    _require_manager(staff, consultation)
    if source not in (SOURCE.PAPER, SOURCE.HEARING):
        raise ValidationFailed(fields={"source": str(_("Unknown source."))})
    if consultation.status not in (STATUS.ANNOUNCED, STATUS.OPEN, STATUS.CLOSED, STATUS.PROCESSING):
        raise WrongStatus(status=consultation.get_status_display())
    errors: dict[str, str] = {}
    text = _clean_text(text, field="text", maximum=COMMENT_MAX, errors=errors)
    # Anonymous proposals are not considered: the name is required.
    author_name = _clean_text(author_name, field="author_name", maximum=200, errors=errors)
    if errors:
        raise ValidationFailed(fields=errors)
    version = None
    if consultation.kind == KIND.DRAFT and article_key:
        version, article = _article(consultation, article_key)
        article_key = article.key if article else ""
    comment = Comment.objects.create(
        community=consultation.community,
        consultation=consultation,
        article_key=article_key,
        version=version,
        source=source,
        author_name=author_name,
        entered_by=staff,
        text=text,
        is_proposal=True,
    )
    audit.record(actor=staff, action="consultation_comment.entered", target=comment)
    return comment


@transaction.atomic
def mark_survey_proposal(*, staff: Resident, answer: Answer) -> Comment:
    """Take a survey's free-text answer as a proposal; the respondent stays unknown."""
    consultation = answer.question.consultation
    _require_manager(staff, consultation)
    if answer.question.kind not in Question.TEXT or not answer.text.strip():
        raise ValidationFailed(fields={"answer": str(_("Only a text answer can be a proposal."))})
    comment = Comment.objects.create(
        community=consultation.community,
        consultation=consultation,
        source=SOURCE.SURVEY,
        author_name=str(_("Survey respondent")),
        entered_by=staff,
        text=answer.text[:COMMENT_MAX],
        is_proposal=True,
    )
    audit.record(actor=staff, action="consultation_comment.marked_proposal", target=comment)
    return comment


@transaction.atomic
def mark_as_proposal(*, staff: Resident, comment: Comment, is_proposal: bool = True) -> Comment:
    """Count a comment as a proposal (it then needs a decision), or stop counting it."""
    _require_manager(staff, comment.consultation)
    if comment.source == SOURCE.AMENDMENT and not is_proposal:
        raise ValidationFailed(fields={"is_proposal": str(_("An amendment is a proposal."))})
    Comment.objects.filter(pk=comment.pk).update(is_proposal=bool(is_proposal))
    comment.is_proposal = bool(is_proposal)
    audit.record(
        actor=staff,
        action="consultation_comment.marked_proposal",
        target=comment,
        after={"is_proposal": comment.is_proposal},
    )
    return comment


@transaction.atomic
def decide_proposals(
    *, staff: Resident, comments: list[Comment], decision: str, reason: str = ""
) -> int:
    """
    Record one decision on one or more proposals (a group answered at once).

    A partly accepted or rejected proposal needs a reason; merged duplicates
    take the decision of the comment they were merged into.
    """
    if not comments:
        return 0
    consultation = comments[0].consultation
    _require_manager(staff, consultation)
    if any(comment.consultation_id != consultation.pk for comment in comments):
        raise ValidationFailed(fields={"comments": str(_("All from one consultation, please."))})
    if consultation.status not in (STATUS.OPEN, STATUS.CLOSED, STATUS.PROCESSING):
        raise WrongStatus(status=consultation.get_status_display())
    if decision not in DECISION.values:
        raise ValidationFailed(fields={"decision": str(_("Choose a decision."))})
    errors: dict[str, str] = {}
    reason = _clean_text(
        reason, field="reason", maximum=REASON_MAX, errors=errors, required=decision != "accepted"
    )
    if errors:
        raise ValidationFailed(fields=errors)
    ids = [comment.pk for comment in comments]
    rows = Comment.objects.filter(
        Q(pk__in=ids) | Q(duplicate_of_id__in=ids), consultation=consultation
    )
    changed = rows.update(
        decision=decision, decision_reason=reason, decided_by=staff, is_proposal=True
    )
    for comment in comments:
        audit.record(
            actor=staff,
            action="consultation_comment.decided",
            target=comment,
            before={"decision": comment.decision},
            after={"decision": decision, "reason": reason},
        )
    return changed


@transaction.atomic
def merge_duplicates(*, moderator: Resident, keep: Comment, duplicates: list[Comment]) -> int:
    """Merge near-duplicate comments into one; they then share its decision."""
    _require_manager(moderator, keep.consultation)
    others = [
        c for c in duplicates if c.pk != keep.pk and c.consultation_id == keep.consultation_id
    ]
    ids = [c.pk for c in others]
    merged = Comment.objects.filter(pk__in=ids).update(duplicate_of=keep)
    Comment.objects.filter(duplicate_of_id__in=ids).update(duplicate_of=keep)
    if merged:
        audit.record(
            actor=moderator,
            action="consultation_comment.merged",
            target=keep,
            after={"merged": ids},
        )
    return merged


@transaction.atomic
def regroup_comments(*, staff: Resident, consultation: Consultation) -> int:
    """Group similar comments (lemmas + clustering) for the moderators' queue."""
    from hromada.consultations import grouping

    _require_manager(staff, consultation)
    rows = list(
        Comment.objects.filter(consultation=consultation, removed="").values_list("pk", "text")
    )
    labels = grouping.cluster([text for _pk, text in rows])
    for (pk, _text), label in zip(rows, labels, strict=True):
        Comment.objects.filter(pk=pk).update(group=label)
    return len(set(labels))


# Surveys --------------------------------------------------------------------------


def response_key(consultation: Consultation, resident: Resident) -> str:
    """
    Return HMAC(secret, survey, person): the same person gives the same key
    for one survey and unrelated keys across surveys.
    """
    person = resident.tax_hash or f"resident:{resident.pk}"
    secret = _response_secret(settings.SECRET_KEY)
    message = f"{consultation.uid}\0{person}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


AGE_GROUPS = [
    (0, 17, "<18"),
    (18, 29, "18-29"),
    (30, 44, "30-44"),
    (45, 59, "45-59"),
    (60, 200, "60+"),
]


def age_group(resident: Resident, day: date | None = None) -> str:
    age = resident.age_on(day or timezone.localdate())
    if age is None:
        return ""
    for low, high, label in AGE_GROUPS:
        if low <= age <= high:
            return label
    return ""


# A response goes in as plain statements: a model instance and the ORM's
# per-field preparation for each of a survey's thirty-odd answer rows cost
# more than the rest of the request. The values are checked first by
# survey.clean_values and always bound as parameters, never spliced into SQL.
# The statements also check the survey's row once more (open at this moment,
# of this community, the same uid and anonymity): a caller may hold the row as
# its worker last saw it (selectors.survey_to_answer), and a survey closed
# since then stores nothing.
ANSWER_BATCH = 100  # rows per INSERT on SQLite: 700 parameters, under its old limit of 999
ANSWER_FIELDS = ("question", "row", "option", "number", "day", "text")
OPEN_CHECK = ("id", "community", "kind", "status", "anonymity", "uid")


@functools.cache
def _response_sql(vendor: str) -> dict[str, str]:
    """Return the statements that store a response, names taken from the models."""
    quote = connection.ops.quote_name

    def table(model):
        return quote(model._meta.db_table)

    def columns(model, *names):
        return ", ".join(quote(model._meta.get_field(name).column) for name in names)

    street = CommunityLink._meta.get_field("street").related_model
    link_id, street_id = quote(CommunityLink._meta.pk.column), quote(street._meta.pk.column)
    response_id = quote(Response._meta.pk.column)
    # The respondent's settlement, from the street of their first link to the
    # community, found inside the INSERT (no round trip of its own).
    settlement = (
        f"SELECT s.{columns(street, 'settlement')} FROM {table(CommunityLink)} l "  # noqa: S608 -- names from the models
        f"JOIN {table(street)} s ON s.{street_id} = l.{columns(CommunityLink, 'street')} "
        f"WHERE l.{columns(CommunityLink, 'resident')} = %s "
        f"AND l.{columns(CommunityLink, 'community')} = %s ORDER BY l.{link_id} LIMIT 1"
    )
    # The survey open now, as the caller holds it: one row, or none.
    tests = " AND ".join(f"{columns(Consultation, name)} = %s" for name in OPEN_CHECK)
    is_open = (
        f"SELECT 1 FROM {table(Consultation)} WHERE {tests} "  # noqa: S608
        f"AND {columns(Consultation, 'opens_at')} <= %s AND {columns(Consultation, 'closes_at')} > %s"
    )
    response = columns(
        Response, "consultation", "resident", "settlement", "age_group", "submitted_on"
    )
    answer = columns(Answer, "response", *ANSWER_FIELDS)
    returned = f"{response_id}, {columns(Response, 'settlement')}"
    key = columns(ResponseKey, "consultation", "key")
    sql = {
        "open": is_open,
        "key": f"INSERT INTO {table(ResponseKey)} ({key}) VALUES (%s, %s)",  # noqa: S608
        "response": f"INSERT INTO {table(Response)} ({response}) "  # noqa: S608
        f"VALUES (%s, %s, ({settlement}), %s, %s) RETURNING {returned}",
        "answers": f"INSERT INTO {table(Answer)} ({answer}) VALUES ",  # noqa: S608
        "read": f"SELECT {returned} FROM {table(Response)} WHERE {response_id} = %s",  # noqa: S608
    }
    if vendor == "postgresql":
        # The whole response in one statement: every INSERT takes its row
        # from `ok`, the survey's check; the answer rows arrive as one JSON
        # array of arrays, each element cast to its column's type.
        types = [Answer._meta.get_field(name).db_type(connection) for name in ANSWER_FIELDS]
        cells = ", ".join(
            f"e ->> {n}" if kind == "text" else f"(e ->> {n})::{kind}"
            for n, kind in enumerate(types)
        )
        made = (
            f"made AS (INSERT INTO {table(Response)} ({response}) "  # noqa: S608
            f"SELECT %s, %s, ({settlement}), %s, %s FROM ok RETURNING {returned}), "
            f"stored AS (INSERT INTO {table(Answer)} ({answer}) "
            f"SELECT made.{response_id}, {cells} FROM made, json_array_elements(%s::json) e) "
            f"SELECT {returned} FROM made"
        )
        person = f"person_key AS (INSERT INTO {table(ResponseKey)} ({key}) SELECT %s, %s FROM ok)"  # noqa: S608
        sql["one"] = f"WITH ok AS ({is_open}), {made}"
        sql["one_anonymous"] = f"WITH ok AS ({is_open}), {person}, {made}"
    return sql


@functools.cache
def _response_secret(secret_key: str) -> bytes:
    return hashlib.sha256(f"consultations-response\0{secret_key}".encode()).digest()


def _open_params(consultation: Consultation, now: datetime) -> list:
    """Return the parameters of the statements' check of the survey (see OPEN_CHECK)."""
    uid = Consultation._meta.get_field("uid").get_db_prep_value(
        consultation.uid, connection, prepared=False
    )
    moment = connection.ops.adapt_datetimefield_value(now)
    return [
        consultation.pk,
        consultation.community_id,
        KIND.SURVEY.value,
        STATUS.OPEN.value,
        consultation.anonymity,
        uid,
        moment,
        moment,
    ]


def _store(
    *, consultation, resident, anonymous: bool, group: str, day: date, rows: list, now: datetime
):
    """
    Write the response, its answers and, if anonymous, its key; return
    (id, settlement), or None when the survey's row says it is not open now.
    """
    sql = _response_sql(connection.vendor)
    check = _open_params(consultation, now)
    key = [consultation.pk, response_key(consultation, resident)] if anonymous else []
    params = [
        consultation.pk,
        None if anonymous else resident.pk,
        resident.pk,
        consultation.community_id,
        group,
        connection.ops.adapt_datefield_value(day),
    ]
    if "one" in sql:
        # One statement is one transaction on its own; inside a caller's, a
        # savepoint keeps that one usable when the constraint refuses.
        values = json.dumps(rows, ensure_ascii=False, default=date.isoformat)
        statement = sql["one_anonymous" if anonymous else "one"]
        guard = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
        with guard, connection.cursor() as cursor:
            cursor.execute(statement, [*check, *key, *params, values])
            return cursor.fetchone()
    with transaction.atomic(), connection.cursor() as cursor:
        # SQLite's transactions here take the write lock first (IMMEDIATE):
        # the survey cannot close between the check and the rows.
        cursor.execute(sql["open"], check)
        if cursor.fetchone() is None:
            return None
        if anonymous:
            cursor.execute(sql["key"], key)
        if connection.features.can_return_columns_from_insert:
            cursor.execute(sql["response"], params)
            response_id, settlement_id = cursor.fetchone()
        else:  # SQLite before 3.35
            cursor.execute(sql["response"].partition(" RETURNING ")[0], params)
            cursor.execute(sql["read"], [cursor.lastrowid])
            response_id, settlement_id = cursor.fetchone()
        adapt = connection.ops.adapt_datefield_value
        for start in range(0, len(rows), ANSWER_BATCH):
            chunk = rows[start : start + ANSWER_BATCH]
            flat = []
            for question, row, option, number, answered_on, text in chunk:
                flat += (response_id, question, row, option, number, adapt(answered_on), text)
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(sql["answers"] + values, flat)
    return response_id, settlement_id


def submit_response(
    *, consultation: Consultation, resident: Resident, answers: dict, questions=None
) -> Response:
    """
    Store a resident's one response; all or nothing.

    `answers` maps a question's position to its value (see survey.clean_answers).
    An anonymous survey stores a keyed hash of the person in a table of its
    own, and the response without the resident. `questions`, when given, are
    the survey's own (survey.questions_of), already read by the caller.
    The database refuses a second response (ResponseKey's or Response's
    unique constraint), so two submissions racing store one; and it stores
    nothing unless the survey's row says it is open now (NotOpen).
    """
    from hromada.consultations import survey

    if consultation.kind != KIND.SURVEY:
        raise ConsultationNotFound()
    _require_open(consultation)
    require_level(
        resident=resident, community=consultation.community, action="consultations.answer"
    )
    if questions is None:
        questions = survey.questions_of(consultation)
    rows = survey.clean_values(questions, answers)
    anonymous = consultation.is_anonymous
    now = timezone.now()
    day = timezone.localdate(now)
    group = age_group(resident, day)
    try:
        stored = _store(
            consultation=consultation,
            resident=resident,
            anonymous=anonymous,
            group=group,
            day=day,
            rows=rows,
            now=now,
        )
    except IntegrityError:
        raise AlreadyAnswered() from None
    if stored is None:
        raise NotOpen(status=consultation.get_status_display())
    response_id, settlement_id = stored
    return Response(
        pk=response_id,
        consultation_id=consultation.pk,
        resident_id=None if anonymous else resident.pk,
        settlement_id=settlement_id,
        age_group=group,
        submitted_on=day,
    )


def has_answered(*, consultation: Consultation, resident) -> bool:
    if resident is None or not getattr(resident, "is_authenticated", False):
        return False
    if consultation.is_anonymous:
        return ResponseKey.objects.filter(
            consultation=consultation, key=response_key(consultation, resident)
        ).exists()
    return Response.objects.filter(consultation=consultation, resident=resident).exists()


def check_results_visible(*, consultation: Consultation, viewer, early: bool = False) -> None:
    """
    Raise ResultsHidden unless the results may be shown.

    Hidden from everyone, staff included, until the survey closes, unless it
    says otherwise; a staff member may look early on purpose, and that look
    is audited.
    """
    if consultation.status in Consultation.AFTER_CLOSE or consultation.results_while_open:
        return
    if early and can_manage(viewer, consultation):
        audit.record(actor=viewer, action="consultation.results_viewed_early", target=consultation)
        return
    raise ResultsHidden()


# Public hearings ---------------------------------------------------------------------


def register_for_hearing(*, consultation: Consultation, resident: Resident) -> Registration:
    """
    Register the resident, or put them on the waiting list when the places are taken.

    The consultation's row is locked while places are counted, so two
    residents racing for the last place cannot both get it.
    """
    require_level(
        resident=resident, community=consultation.community, action="consultations.register"
    )
    with transaction.atomic():
        consultation = _locked(consultation)
        if consultation.kind != KIND.HEARING:
            raise ConsultationNotFound()
        if consultation.status not in (STATUS.ANNOUNCED, STATUS.OPEN) or (
            consultation.hearing_at and consultation.hearing_at <= timezone.now()
        ):
            raise NotOpen(status=consultation.get_status_display())
        existing = (
            Registration.objects.select_for_update()
            .filter(consultation=consultation, resident=resident)
            .first()
        )
        if existing and existing.status != Registration.Status.CANCELLED:
            raise AlreadyRegistered()
        taken = Registration.objects.filter(
            consultation=consultation, status=Registration.Status.REGISTERED
        ).count()
        full = consultation.capacity is not None and taken >= consultation.capacity
        status = Registration.Status.WAITING if full else Registration.Status.REGISTERED
        if existing:
            existing.status, existing.created_at = status, timezone.now()
            existing.save(update_fields=["status", "created_at"])
            return existing
        try:
            with transaction.atomic():
                return Registration.objects.create(
                    consultation=consultation, resident=resident, status=status
                )
        except IntegrityError:
            raise AlreadyRegistered() from None


@transaction.atomic
def cancel_registration(*, consultation: Consultation, resident: Resident) -> Registration | None:
    """Cancel the resident's registration; the first on the waiting list takes the place."""
    consultation = _locked(consultation)
    registration = (
        Registration.objects.select_for_update()
        .filter(consultation=consultation, resident=resident)
        .exclude(status=Registration.Status.CANCELLED)
        .first()
    )
    if registration is None:
        raise NotFound()
    was = registration.status
    registration.status = Registration.Status.CANCELLED
    registration.save(update_fields=["status"])
    if was == Registration.Status.REGISTERED:
        waiting = (
            Registration.objects.select_for_update()
            .filter(consultation=consultation, status=Registration.Status.WAITING)
            .order_by("created_at", "id")
            .first()
        )
        if waiting:
            waiting.status = Registration.Status.REGISTERED
            waiting.save(update_fields=["status"])
            notify(
                waiting.resident,
                "consultations/place_freed",
                community=consultation.community,
                consultation=consultation,
            )
    return registration


@transaction.atomic
def record_minutes(
    *, staff: Resident, consultation: Consultation, minutes: str, video_url: str = ""
) -> Consultation:
    """Record the hearing's minutes and the link to its video."""
    consultation = _locked(consultation)
    _require_manager(staff, consultation)
    if consultation.kind != KIND.HEARING:
        raise WrongStatus(status=consultation.get_kind_display())
    errors: dict[str, str] = {}
    minutes = _clean_text(minutes, field="minutes", maximum=100_000, errors=errors)
    video_url = str(video_url or "").strip()[:200]
    if video_url and not video_url.startswith(("https://", "http://")):
        errors["video_url"] = str(_("Enter a web address."))
    if errors:
        raise ValidationFailed(fields=errors)
    consultation.minutes, consultation.video_url = minutes, video_url
    consultation.save(update_fields=["minutes", "video_url"])
    audit.record(actor=staff, action="consultation.hearing_minutes", target=consultation)
    return consultation


# Residents' initiative of a hearing ----------------------------------------------------


def _check_member(*, resident: Resident, community: Community, min_age: int) -> None:
    """Raise unless the resident is linked to the community and old enough."""
    # The same test petitions apply to signers (petitions.services._check_resident_of).
    if not CommunityLink.objects.filter(resident=resident, community=community).exists():
        raise NotLinked()
    age = resident.age_on(timezone.localdate())
    if age is None or age < min_age:
        raise TooYoung(age=min_age)


@transaction.atomic
def start_initiative(
    *, community: Community, author: Resident, title: str, text: str
) -> HearingInitiative:
    """Start collecting signatures for a public hearing; the author signs first."""
    require_level(resident=author, community=community, action="consultations.initiate")
    rules = rules_for(community)
    _check_member(resident=author, community=community, min_age=rules.min_age)
    errors: dict[str, str] = {}
    title = _clean_text(title, field="title", maximum=TITLE_MAX, errors=errors)
    text = _clean_text(text, field="text", maximum=SUMMARY_MAX, errors=errors)
    if errors:
        raise ValidationFailed(fields=errors)
    initiative = HearingInitiative.objects.create(
        community=community,
        author=author,
        title=title,
        text=text,
        threshold=rules.hearing_signatures,
        min_age=rules.min_age,
        ends_at=timezone.now() + timedelta(days=rules.initiative_days),
    )
    sign_initiative(initiative=initiative, resident=author)
    initiative.refresh_from_db()
    return initiative


def sign_initiative(*, initiative: HearingInitiative, resident: Resident) -> InitiativeSignature:
    """Record the resident's one identified signature under a hearing initiative."""
    if not initiative.is_collecting:
        raise InitiativeClosed()
    require_level(resident=resident, community=initiative.community, action="consultations.sign")
    _check_member(resident=resident, community=initiative.community, min_age=initiative.min_age)
    try:
        with transaction.atomic():
            signature = InitiativeSignature.objects.create(
                initiative=initiative, resident=resident, tax_hash=resident.tax_hash or None
            )
            HearingInitiative.objects.filter(pk=initiative.pk).update(
                signature_count=F("signature_count") + 1
            )
    except IntegrityError:
        raise AlreadySigned() from None
    total = InitiativeSignature.objects.filter(initiative=initiative).count()
    if total >= initiative.threshold:
        _reach_threshold(initiative)
    return signature


@transaction.atomic
def _reach_threshold(initiative: HearingInitiative) -> bool:
    moved = HearingInitiative.objects.filter(
        pk=initiative.pk, status=HearingInitiative.Status.COLLECTING
    ).update(status=HearingInitiative.Status.REACHED, reached_at=timezone.now())
    if not moved:
        return False
    audit.record(actor=None, action="hearing_initiative.reached", target=initiative)
    for moderator in Resident.objects.filter(
        staff_roles__community=initiative.community,
        staff_roles__role__in=[ROLE.MODERATOR, ROLE.ADMINISTRATOR],
        is_active=True,
    ).distinct():
        notify(
            moderator,
            "consultations/initiative_reached",
            community=initiative.community,
            initiative=initiative,
        )
    return True


# The report -----------------------------------------------------------------------


def missing_decisions(consultation: Consultation) -> int:
    """Return how many proposals still lack a decision (or a needed reason)."""
    proposals = Comment.objects.filter(consultation=consultation, is_proposal=True, removed="")
    return proposals.filter(
        Q(decision="") | (Q(decision__in=["partly", "rejected"]) & Q(decision_reason=""))
    ).count()


@transaction.atomic
def publish_report(
    *, actor: Resident, consultation: Consultation, notice: str = ""
) -> Consultation:
    """
    Publish the report: refused while any proposal lacks its decision.

    The report is frozen as a JSON document; its SHA-256 is published with
    it, so anyone can check a copy.
    """
    from hromada.consultations import report

    consultation = _locked(consultation)
    _require_manager(actor, consultation)
    if consultation.status not in TRANSITIONS["report"][0]:
        raise WrongStatus(status=consultation.get_status_display())
    missing = missing_decisions(consultation)
    if missing:
        raise DecisionsMissing(count=missing)
    errors: dict[str, str] = {}
    notice = _clean_text(notice, field="notice", maximum=SUMMARY_MAX, errors=errors, required=False)
    if errors:
        raise ValidationFailed(fields=errors)
    now = timezone.now()
    consultation.report_notice = notice
    document = report.build(consultation, published_at=now)
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1, default=str)
    digest = hashlib.sha256(text.encode()).hexdigest()
    _move(
        consultation,
        "report",
        report_published_at=now,
        report_json=text,
        report_sha256=digest,
        report_notice=notice,
    )
    audit.record(
        actor=actor,
        action="consultation.report_published",
        target=consultation,
        after={"sha256": digest},
    )
    consultation_id = consultation.pk
    transaction.on_commit(lambda: _enqueue("notify_participants", consultation_id))
    return consultation


# Notifications --------------------------------------------------------------------


def notify_subscribers(*, consultation_id: int) -> int:
    """Tell subscribers of the topic or the settlement (or of everything) of an announcement."""
    consultation = Consultation.objects.select_related("community").get(pk=consultation_id)
    matches = Q(topic__isnull=True) | Q(topic_id=consultation.topic_id)
    place = Q(settlement__isnull=True) | Q(settlement_id=consultation.settlement_id)
    subscribers = Resident.objects.filter(
        pk__in=Subscription.objects.filter(community=consultation.community)
        .filter(matches & place)
        .values("resident_id"),
        is_active=True,
    )
    sent = 0
    for resident in subscribers.iterator():
        with transaction.atomic():
            sent += bool(
                notify(
                    resident,
                    "consultations/announced",
                    community=consultation.community,
                    consultation=consultation,
                )
            )
    return sent


def participant_ids(consultation: Consultation):
    """Residents who took part in their own name (anonymous respondents stay unknown)."""
    ids = set(
        Comment.objects.filter(consultation=consultation, resident__isnull=False).values_list(
            "resident_id", flat=True
        )
    )
    ids |= set(
        Registration.objects.filter(consultation=consultation)
        .exclude(status=Registration.Status.CANCELLED)
        .values_list("resident_id", flat=True)
    )
    ids |= set(
        Response.objects.filter(consultation=consultation, resident__isnull=False).values_list(
            "resident_id", flat=True
        )
    )
    return ids


def notify_participants(*, consultation_id: int) -> int:
    """Tell the participants that the report is out, once per consultation."""
    claimed = Consultation.objects.filter(
        pk=consultation_id, status=STATUS.REPORTED, participants_notified_at__isnull=True
    ).update(participants_notified_at=timezone.now())
    if not claimed:
        return 0
    consultation = Consultation.objects.select_related("community").get(pk=consultation_id)
    sent = 0
    ids = participant_ids(consultation)
    for resident in Resident.objects.filter(pk__in=ids, is_active=True).iterator():
        with transaction.atomic():
            sent += bool(
                notify(
                    resident,
                    "consultations/reported",
                    community=consultation.community,
                    consultation=consultation,
                )
            )
    return sent


def notify_staff_of_proposals(*, consultation_id: int, now=None) -> int:
    """Tell the staff in charge of proposals received since the last message (a digest)."""
    now = now or timezone.now()
    consultation = Consultation.objects.select_related("community", "department").get(
        pk=consultation_id
    )
    since = consultation.staff_notified_at or consultation.opens_at
    fresh = Comment.objects.filter(
        consultation=consultation, is_proposal=True, created_at__gt=since, created_at__lte=now
    ).count()
    if not fresh:
        return 0
    claimed = Consultation.objects.filter(
        pk=consultation_id, staff_notified_at=consultation.staff_notified_at
    ).update(staff_notified_at=now)
    if not claimed:
        return 0
    staff = Resident.objects.filter(is_active=True, staff_roles__community=consultation.community)
    if consultation.department_id:
        staff = staff.filter(
            Q(staff_roles__department_id=consultation.department_id)
            | Q(staff_roles__role=ROLE.MODERATOR)
        )
    else:
        staff = staff.filter(staff_roles__role=ROLE.MODERATOR)
    sent = 0
    for member in staff.distinct():
        with transaction.atomic():
            sent += bool(
                notify(
                    member,
                    "consultations/new_proposals",
                    community=consultation.community,
                    consultation=consultation,
                    count=fresh,
                )
            )
    return sent


@transaction.atomic
def subscribe(
    *, resident: Resident, community: Community, topic=None, settlement=None
) -> Subscription:
    """Subscribe to announcements of a topic, a settlement or all (both empty)."""
    for value in (topic, settlement):
        if value is not None and value.community_id != community.pk:
            raise NotFound()
    subscription, _created = Subscription.objects.get_or_create(
        community=community, resident=resident, topic=topic, settlement=settlement
    )
    return subscription


def proposals_publish_due(consultation: Consultation, received: date) -> date:
    """Resolution №996 as in local rules: proposals received online published within N working days."""
    rules = rules_for(consultation.community)
    return add_working_days(received, rules.publish_working_days, community=consultation.community)


@transaction.atomic
def add_question(
    *,
    actor: Resident,
    consultation: Consultation,
    kind: str,
    text: str,
    required: bool = False,
    options: list | None = None,
    rows: list | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
    condition: dict | None = None,
) -> Question:
    """Add a question at the end of a survey that has not opened yet."""
    from hromada.consultations import survey

    consultation = _locked(consultation)
    _require_manager(actor, consultation)
    if consultation.kind != KIND.SURVEY:
        raise WrongStatus(status=consultation.get_kind_display())
    if consultation.status not in (STATUS.DRAFT, STATUS.ANNOUNCED):
        raise WrongStatus(status=consultation.get_status_display())
    if kind not in Question.Kind.values:
        raise ValidationFailed(fields={"kind": str(_("Unknown question type."))})
    errors: dict[str, str] = {}
    text = _clean_text(text, field="text", maximum=500, errors=errors)
    options = [str(o).replace("\x00", "").strip()[:200] for o in (options or []) if str(o).strip()][
        :50
    ]
    rows = [str(r).replace("\x00", "").strip()[:200] for r in (rows or []) if str(r).strip()][:50]
    existing = list(consultation.questions.values_list("position", flat=True))
    position = max(existing, default=0) + 1
    if minimum is not None and maximum is not None and minimum >= maximum:
        errors["maximum"] = str(_("The highest value must be above the lowest."))
    scale = kind == Question.Kind.SCALE and minimum is not None and maximum is not None
    if scale and maximum - minimum > 100:
        errors["maximum"] = str(_("A scale has at most 101 points."))
    question = Question(
        consultation=consultation,
        position=position,
        kind=kind,
        text=text,
        required=bool(required),
        options=options,
        rows=rows,
        minimum=minimum,
        maximum=maximum,
        condition=condition or {},
    )
    errors.update({k: str(v) for k, v in survey.check_question(question, set(existing)).items()})
    if errors:
        raise ValidationFailed(fields=errors)
    question.save()
    return question
