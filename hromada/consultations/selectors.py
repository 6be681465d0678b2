"""Read queries of consultations shared by the pages, the API and the registry."""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.consultations import services
from hromada.consultations.models import (
    Comment,
    Consultation,
    DraftVersion,
    HearingInitiative,
    Registration,
    Response,
    Topic,
)
from hromada.core.models import Community, Resident
from hromada.core.registry import DashboardItem

STATUS = Consultation.Status
WHEN = {"open", "upcoming", "closed"}


def public_consultations(
    *,
    community: Community,
    when: str = "",
    topic: int | None = None,
    settlement: int | None = None,
    kind: str = "",
):
    rows = Consultation.objects.filter(community=community, status__in=Consultation.PUBLIC)
    if when == "open":
        rows = rows.filter(status=STATUS.OPEN)
    elif when == "upcoming":
        rows = rows.filter(status=STATUS.ANNOUNCED)
    elif when == "closed":
        rows = rows.filter(status__in=Consultation.AFTER_CLOSE)
    if topic:
        rows = rows.filter(topic_id=topic)
    if settlement:
        rows = rows.filter(settlement_id=settlement)
    if kind in Consultation.Kind.values:
        rows = rows.filter(kind=kind)
    return rows.select_related("topic", "settlement").order_by("-opens_at", "-id")


def visible_consultation(*, community: Community, pk: int, viewer=None) -> Consultation:
    """Return the consultation if the viewer may see it; another community's is not found."""
    consultation = (
        Consultation.objects.filter(community=community, pk=pk)
        .select_related("community", "topic", "settlement", "department")
        .first()
    )
    if consultation is None:
        raise services.ConsultationNotFound()
    if consultation.status == STATUS.DRAFT and not services.can_manage(viewer, consultation):
        raise services.ConsultationNotFound()
    return consultation


# What answering a survey reads of it: a POST that is stored renders nothing,
# so its consultation is read as one narrow row (no joins, the rest deferred)
# and the page, when shown again, reads the whole one.
ANSWERING = ("id", "community_id", "uid", "kind", "status", "opens_at", "closes_at", "anonymity")

# An open survey changes only by closing: its times and anonymity are fixed
# once it opens (update_consultation refuses then), and so are its questions
# (survey.questions_of). Each worker keeps the narrow row of the open surveys
# it has read, and the statement that stores a response checks that row in the
# database again (services._store: open now, same uid and anonymity), so a
# survey closed since stores nothing and is read afresh.
_OPEN: dict[tuple[int, int], list] = {}
_OPEN_MAX = 256


@functools.cache
def _answering_sql(vendor: str) -> tuple[list[str], str]:
    quote = connection.ops.quote_name
    fields = [f for f in Consultation._meta.concrete_fields if f.attname in ANSWERING]
    columns = ", ".join(quote(f.column) for f in fields)
    table = quote(Consultation._meta.db_table)
    community = quote(Consultation._meta.get_field("community").column)
    sql = f"SELECT {columns} FROM {table} WHERE {quote('id')} = %s AND {community} = %s"  # noqa: S608 -- names from the model
    return [f.attname for f in fields], sql


def _aware(value):
    """Return a moment as the ORM would (SQLite hands back naive UTC or text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if settings.USE_TZ and timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value


def survey_to_answer(
    *, community: Community, pk: int, viewer=None, remembered: bool = False
) -> Consultation:
    """
    Return the consultation a survey answer is posted to, as `visible_consultation`
    would, with only the fields answering needs (others load when touched).

    `remembered`: an open survey as this worker last read it, if it has; the
    instance's `remembered` attribute says whether it came so. Only for
    storing a response, whose statement checks the row again (see _OPEN);
    the caller reads afresh (remembered=False) when that check refuses.
    """
    names, sql = _answering_sql(connection.vendor)
    key = (community.pk, pk)
    values = _OPEN.get(key) if remembered else None
    if values is None:
        with connection.cursor() as cursor:
            cursor.execute(sql, [pk, community.pk])
            row = cursor.fetchone()
        if row is None:
            _OPEN.pop(key, None)
            raise services.ConsultationNotFound()
        found = dict(zip(names, row, strict=True))
        if found["status"] == STATUS.DRAFT:
            _OPEN.pop(key, None)
            consultation = visible_consultation(community=community, pk=pk, viewer=viewer)
            consultation.remembered = False
            return consultation
        uid = found["uid"]
        found["uid"] = uid if isinstance(uid, uuid.UUID) else uuid.UUID(str(uid))
        found["opens_at"] = _aware(found["opens_at"])
        found["closes_at"] = _aware(found["closes_at"])
        values = [found[n] for n in names]
        if found["status"] == STATUS.OPEN and found["kind"] == Consultation.Kind.SURVEY:
            if len(_OPEN) >= _OPEN_MAX:
                _OPEN.clear()
            _OPEN[key] = values
        else:
            _OPEN.pop(key, None)
        came = False
    else:
        came = True
    consultation = Consultation.from_db(connection.alias, names, values)
    consultation.community = community
    consultation.remembered = came
    return consultation


def topics(*, community: Community):
    return Topic.objects.filter(community=community)


def articles_with_counts(version: DraftVersion | None):
    """Return the version's articles, each with the count of its visible comments."""
    if version is None:
        return []
    counts = dict(
        Comment.objects.filter(consultation_id=version.consultation_id, removed="")
        .exclude(article_key="")
        .values_list("article_key")
        .annotate(n=Count("id"))
        .order_by()
    )
    articles = list(version.articles.all())
    for article in articles:
        article.comment_count = counts.get(article.key, 0)
    return articles


def comments(*, consultation: Consultation, article_key: str | None = None):
    rows = Comment.objects.filter(consultation=consultation).select_related("resident")
    if article_key is not None:
        rows = rows.filter(article_key=article_key)
    return rows.order_by("created_at", "id")


def moderation_queue(*, consultation: Consultation):
    return (
        Comment.objects.filter(consultation=consultation, removed="")
        .select_related("resident", "duplicate_of")
        .order_by("group", "created_at", "id")
    )


def proposals(*, consultation: Consultation, undecided_only: bool = False):
    rows = Comment.objects.filter(consultation=consultation, is_proposal=True, removed="")
    if undecided_only:
        rows = rows.filter(Q(decision="") | (~Q(decision="accepted") & Q(decision_reason="")))
    return rows.select_related("resident").order_by("created_at", "id")


def registration_of(*, consultation: Consultation, resident) -> Registration | None:
    if resident is None or not getattr(resident, "is_authenticated", False):
        return None
    return (
        Registration.objects.filter(consultation=consultation, resident=resident)
        .exclude(status=Registration.Status.CANCELLED)
        .first()
    )


def registration_counts(consultation: Consultation) -> dict:
    counts = dict(
        Registration.objects.filter(consultation=consultation)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "registered": counts.get(Registration.Status.REGISTERED, 0),
        "waiting": counts.get(Registration.Status.WAITING, 0),
    }


def initiatives(*, community: Community):
    return HearingInitiative.objects.filter(community=community).order_by("-created_at")


def overdue_reports(community: Community):
    today = timezone.localdate()
    return Consultation.objects.filter(
        community=community,
        status__in=[STATUS.CLOSED, STATUS.PROCESSING],
        report_due_on__lt=today,
    )


def dashboard_items(staff: Resident, community: Community) -> list[DashboardItem]:
    """Return overdue reports and proposals waiting for a decision, for the staff dashboard."""
    if not services.is_consultation_staff(staff, community):
        return []
    url = reverse("consultations:staff")
    overdue = overdue_reports(community).count()
    undecided = Comment.objects.filter(
        community=community,
        is_proposal=True,
        removed="",
        decision="",
        consultation__status__in=[STATUS.OPEN, STATUS.CLOSED, STATUS.PROCESSING],
    ).count()
    return [
        DashboardItem(_("Consultation reports overdue"), overdue, url, urgent=overdue > 0),
        DashboardItem(_("Consultation proposals awaiting a decision"), undecided, url),
    ]


OPEN_DATA_FIELDS = [
    "id",
    "title",
    "form",
    "status",
    "body",
    "legal_basis",
    "topic",
    "settlement",
    "opens_at",
    "closes_at",
    "proposals_received",
    "proposals_accepted",
    "proposals_partly",
    "proposals_rejected",
    "report_published_at",
    "report_sha256",
    "url",
]


def open_data_rows(community: Community):
    """Return the public consultations and their report figures (counts only)."""
    rows = (
        Consultation.objects.filter(community=community, status__in=Consultation.PUBLIC)
        .select_related("topic", "settlement")
        .annotate(
            received=Count("comments", filter=Q(comments__is_proposal=True, comments__removed="")),
            accepted=Count(
                "comments", filter=Q(comments__decision="accepted", comments__removed="")
            ),
            partly=Count("comments", filter=Q(comments__decision="partly", comments__removed="")),
            rejected=Count(
                "comments", filter=Q(comments__decision="rejected", comments__removed="")
            ),
        )
        .order_by("pk")
    )
    for item in rows.iterator(chunk_size=500):
        yield {
            "id": item.pk,
            "title": item.title,
            "form": item.kind,
            "status": item.status,
            "body": item.body,
            "legal_basis": item.legal_basis,
            "topic": item.topic.name if item.topic else "",
            "settlement": item.settlement.name if item.settlement else "",
            "opens_at": item.opens_at.isoformat(),
            "closes_at": item.closes_at.isoformat(),
            "proposals_received": item.received,
            "proposals_accepted": item.accepted,
            "proposals_partly": item.partly,
            "proposals_rejected": item.rejected,
            "report_published_at": item.report_published_at.isoformat()
            if item.report_published_at
            else "",
            "report_sha256": item.report_sha256,
            "url": item.get_absolute_url(),
        }


def open_data_updated(community: Community):
    latest = (
        Consultation.objects.filter(community=community, status__in=Consultation.PUBLIC)
        .order_by("-announced_at")
        .values_list("announced_at", flat=True)
        .first()
    )
    reported = (
        Consultation.objects.filter(community=community, report_published_at__isnull=False)
        .order_by("-report_published_at")
        .values_list("report_published_at", flat=True)
        .first()
    )
    return max([moment for moment in (latest, reported) if moment], default=None)


def latest(community: Community, limit: int = 5) -> list[tuple]:
    rows = Consultation.objects.filter(
        community=community, status__in=Consultation.PUBLIC
    ).order_by("-announced_at", "-id")[:limit]
    return [
        (item.title, item.get_absolute_url(), item.announced_at or item.opens_at) for item in rows
    ]


def personal_data(resident: Resident) -> dict:
    """Return the resident's comments, votes, registrations and signatures (not anonymous answers)."""
    return {
        "comments": [
            {
                "consultation": comment.consultation.title,
                "text": comment.text,
                "replacement": comment.replacement,
                "created_at": comment.created_at.isoformat(),
            }
            for comment in Comment.objects.filter(resident=resident).select_related("consultation")
        ],
        "registrations": [
            {"hearing": registration.consultation.title, "status": registration.status}
            for registration in Registration.objects.filter(resident=resident).select_related(
                "consultation"
            )
        ],
        "initiative_signatures": list(
            HearingInitiative.objects.filter(signatures__resident=resident).values_list(
                "title", flat=True
            )
        ),
    }


# Strategy indicators ---------------------------------------------------------------
# compute(community, start, end, settlement=None) -> number | None; the period
# runs from `start` to `end`, both days included. A settlement narrows to the
# consultations concerning it.


def _day(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def _period(start, end) -> tuple[datetime, datetime]:
    """Return the period's first and past-the-last moments in the current time zone."""
    first = timezone.make_aware(datetime.combine(_day(start), time.min))
    after = timezone.make_aware(datetime.combine(_day(end) + timedelta(days=1), time.min))
    return first, after


def _concerning(rows, settlement, prefix: str = ""):
    if settlement is None:
        return rows
    settlement_id = getattr(settlement, "pk", settlement)
    return rows.filter(**{f"{prefix}settlement_id": settlement_id})


def held_count(community: Community, start, end, settlement=None) -> int:
    """Consultations that opened to the public in the period (announced-only ones wait)."""
    first, after = _period(start, end)
    rows = Consultation.objects.filter(
        community=community,
        status__in=[STATUS.OPEN, *Consultation.AFTER_CLOSE],
        opens_at__gte=first,
        opens_at__lt=after,
    )
    return _concerning(rows, settlement).count()


def participant_count(community: Community, start, end, settlement=None) -> int:
    """
    People who took part in the period: residents who commented, proposed an
    amendment, registered for a hearing or answered an identified survey,
    each once; plus each anonymous survey response (a respondent cannot be
    matched across surveys, by design).
    """
    first, after = _period(start, end)
    consultations = _concerning(Consultation.objects.filter(community=community), settlement)
    people = set(
        Comment.objects.filter(
            consultation__in=consultations,
            resident__isnull=False,
            created_at__gte=first,
            created_at__lt=after,
        ).values_list("resident_id", flat=True)
    )
    people |= set(
        Registration.objects.filter(
            consultation__in=consultations, created_at__gte=first, created_at__lt=after
        )
        .exclude(status=Registration.Status.CANCELLED)
        .values_list("resident_id", flat=True)
    )
    responses = Response.objects.filter(
        consultation__in=consultations,
        submitted_on__gte=_day(start),
        submitted_on__lte=_day(end),
    )
    people |= set(
        responses.filter(resident__isnull=False).values_list("resident_id", flat=True).distinct()
    )
    return len(people) + responses.filter(resident__isnull=True).count()


def taken_into_account_share(community: Community, start, end, settlement=None) -> float | None:
    """
    Percentage of the proposals accepted or partly accepted, among those
    decided in the reports published in the period; None without any.
    """
    first, after = _period(start, end)
    consultations = _concerning(
        Consultation.objects.filter(
            community=community,
            status=STATUS.REPORTED,
            report_published_at__gte=first,
            report_published_at__lt=after,
        ),
        settlement,
    )
    counts = Comment.objects.filter(
        consultation__in=consultations, is_proposal=True, removed=""
    ).aggregate(
        decided=Count("pk", filter=~Q(decision="")),
        taken=Count("pk", filter=Q(decision__in=["accepted", "partly"])),
    )
    if not counts["decided"]:
        return None
    return round(100 * counts["taken"] / counts["decided"], 1)


def overdue_report_count(community: Community, start, end, settlement=None) -> int:
    """
    Reports due in the period (up to today) that were not published by
    their deadline: still missing, or published late.
    """
    # A report due today is not late yet.
    rows = Consultation.objects.filter(
        community=community,
        report_due_on__gte=_day(start),
        report_due_on__lte=_day(end),
        report_due_on__lt=timezone.localdate(),
    )
    overdue = 0
    for due, published in _concerning(rows, settlement).values_list(
        "report_due_on", "report_published_at"
    ):
        if published is None or timezone.localdate(published) > due:
            overdue += 1
    return overdue
