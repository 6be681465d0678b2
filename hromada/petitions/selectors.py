"""Read queries of petitions shared by pages, the API, the dashboard and open data."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from django.db import connection
from django.db.models import Case, F, IntegerField, Max, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hromada.core import audit
from hromada.core.calendar import working_days_between
from hromada.core.models import Community, CommunityLink, Resident, StaffRole
from hromada.core.notifications import site_url
from hromada.core.registry import DashboardItem, MyItem, MySection
from hromada.core.rows import RowLoader
from hromada.petitions.models import Petition, Signature, Topic
from hromada.petitions.services import PetitionNotFound, can_answer, normalise

ROLE = StaffRole.Role
STATUS = Petition.Status

SORTS = {
    # Rejected petitions were never published: they go after the published ones.
    "newest": [F("published_at").desc(nulls_last=True), "-pk"],
    "signed": ["-signature_count", F("published_at").desc(nulls_last=True), "-pk"],
    # Collecting petitions nearest their end first, then the rest, newest first.
    "ending": [
        Case(
            When(status=STATUS.COLLECTING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        F("collection_ends_at").asc(nulls_last=True),
        F("published_at").desc(nulls_last=True),
    ],
}

# Ukrainian inflection endings, longest first: a query for "парку" should
# find "парк", "парку" and "парком" alike.
_ENDINGS = sorted(
    [
        "ями",
        "ами",
        "ові",
        "еві",
        "ого",
        "ому",
        "ими",
        "іми",
        "ій",
        "ий",
        "ої",
        "ою",
        "ею",
        "ам",
        "ям",
        "ах",
        "ях",
        "ів",
        "їв",
        "ом",
        "ем",
        "а",
        "я",
        "у",
        "ю",
        "і",
        "и",
        "е",
        "о",
        "ь",
        "ї",
        "й",
    ],
    key=len,
    reverse=True,
)
_WORD = re.compile(r"[\w']+")


def search_terms(query: str) -> list[str]:
    """Return the stems to look for: words of the query without their endings."""
    terms = []
    for word in _WORD.findall(normalise(query))[:8]:
        if len(word) < 2:
            continue
        for ending in _ENDINGS:
            if len(word) - len(ending) >= 4 and word.endswith(ending):
                word = word[: -len(ending)]
                break
        terms.append(word)
    return terms


def public_petitions(*, community: Community) -> QuerySet[Petition]:
    """Return the petitions anyone may see in the community."""
    return Petition.objects.filter(
        community=community, status__in=Petition.PUBLIC, is_hidden=False
    ).select_related("topic", "author")


def search_petitions(
    *,
    community: Community,
    query: str = "",
    status: str = "",
    topic: Topic | int | None = None,
    sort: str = "newest",
) -> QuerySet[Petition]:
    """Return public petitions matching every word of the query and the filters."""
    petitions = public_petitions(community=community)
    for term in search_terms(query):
        # search_text is folded when saved, so `contains` finds Cyrillic on
        # SQLite (whose LIKE folds ASCII only) and PostgreSQL alike.
        petitions = petitions.filter(search_text__contains=term)
    if status:
        petitions = petitions.filter(status=status)
    if topic:
        petitions = petitions.filter(topic=topic)
    return petitions.order_by(*SORTS.get(sort, SORTS["newest"]))


def topics(*, community: Community, active_only: bool = True) -> QuerySet[Topic]:
    found = Topic.objects.filter(community=community)
    return found.filter(is_active=True) if active_only else found


def petition_in(*, community: Community, pk) -> Petition:
    """Return the community's petition with the primary key, or raise PetitionNotFound."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise PetitionNotFound() from None
    # No join to the community: the request has it, and its territory is heavy.
    found = list(
        Petition.objects.select_related("topic", "author").filter(community=community, pk=pk)[:1]
    )
    if not found:
        raise PetitionNotFound()
    petition = found[0]
    petition.community = community
    return petition


def is_moderator(resident, community: Community) -> bool:
    return bool(
        resident is not None
        and resident.is_authenticated
        and resident.is_active
        and resident.has_role(community, ROLE.MODERATOR)
    )


def can_see(*, viewer, petition: Petition) -> bool:
    """Return whether the viewer may open the petition's page (hidden ones show a notice)."""
    if petition.status in Petition.PUBLIC:
        return True
    if viewer is None or not viewer.is_authenticated:
        return False
    return petition.author_id == viewer.pk or is_moderator(viewer, petition.community)


def can_see_hidden(*, viewer, petition: Petition) -> bool:
    """Return whether the viewer sees a hidden petition's text (author and moderators)."""
    if viewer is None or not viewer.is_authenticated:
        return False
    return petition.author_id == viewer.pk or is_moderator(viewer, petition.community)


def visible_petition(*, community: Community, pk, viewer) -> Petition:
    """Return the petition if the viewer may open its page, else raise PetitionNotFound."""
    petition = petition_in(community=community, pk=pk)
    if not can_see(viewer=viewer, petition=petition):
        # The same answer as "missing": a draft's existence is nobody's business.
        raise PetitionNotFound()
    return petition


# What signing reads: the hot path loads no more than this.
SIGNING_FIELDS = [
    "id",
    "community_id",
    "title",
    "status",
    "is_hidden",
    "collection_ends_at",
    "threshold",
    "min_age",
    "residents_only",
    "author_id",
    "published_at",
]


_SIGNING = RowLoader(Petition, SIGNING_FIELDS, extra=("viewer_link",))


def petition_for_signing(*, community: Community, pk, viewer) -> Petition:
    """
    Return the petition with the fields signing needs, or raise PetitionNotFound.

    The signed-in viewer's links to the community come in the same statement
    and stay on the viewer for the signing checks.
    """
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise PetitionNotFound() from None
    # A hot path: a plain statement (with the model's field converters) costs
    # half of what the ORM spends composing the same query.
    table = Petition._meta.db_table
    links = CommunityLink._meta.db_table
    viewer_id = viewer.pk if viewer.is_authenticated else None
    sql = (
        f"SELECT {_SIGNING.columns('p', connection)}, link.kind FROM {table} p "  # noqa: S608
        f"LEFT JOIN {links} link ON link.community_id = p.community_id AND link.resident_id = %s "
        "WHERE p.id = %s AND p.community_id = %s"
    )
    rows = _SIGNING.load(sql, [viewer_id, pk, community.pk])
    if not rows or not can_see(viewer=viewer, petition=rows[0]):
        raise PetitionNotFound()
    petition = rows[0]
    if viewer_id is not None:
        kinds = frozenset(row.viewer_link for row in rows if row.viewer_link)
        viewer.link_kinds_loaded = (community.pk, kinds)
    # The request's community is loaded already; no second fetch for the join.
    petition.community = community
    return petition


def signers(*, petition: Petition) -> QuerySet[Signature]:
    """Return the petition's signatures for the public list, newest first."""
    return (
        Signature.objects.filter(petition=petition)
        .select_related("resident")
        .only(
            "created_at",
            "petition_id",
            "resident__full_name",
            "resident__deleted_at",
        )
        .order_by("-created_at", "-pk")
    )


def signature_of(*, petition: Petition, resident) -> Signature | None:
    if resident is None or not resident.is_authenticated:
        return None
    return Signature.objects.filter(petition=petition, resident=resident).first()


def my_petitions(*, community: Community, resident: Resident) -> QuerySet[Petition]:
    return (
        Petition.objects.filter(community=community, author=resident)
        .select_related("topic")
        .order_by("-created_at")
    )


def my_signatures(*, community: Community, resident: Resident) -> QuerySet[Signature]:
    return (
        Signature.objects.filter(community=community, resident=resident)
        .select_related("petition", "petition__topic")
        .order_by("-created_at")
    )


# Public history: the steps residents care about, not each signature.
PUBLIC_EVENTS = {
    "petition.submitted": gettext_lazy("Sent to moderation"),
    "petition.published": gettext_lazy("Published; signature collection started"),
    "petition.rejected": gettext_lazy("Rejected by the moderator"),
    "petition.threshold_reached": gettext_lazy(
        "Reached the number of signatures; under consideration"
    ),
    "petition.registered_as_appeal": gettext_lazy(
        "Collection ended below the threshold; registered as a collective appeal"
    ),
    "petition.answered": gettext_lazy("The council answered"),
    "petition.hidden": gettext_lazy("Hidden by the moderator"),
    "petition.unhidden": gettext_lazy("Shown again by the moderator"),
    "petition.assigned": gettext_lazy("Responsible official named"),
}


def public_history(*, petition: Petition) -> list[tuple]:
    """Return (time, description) of the petition's public steps, oldest first."""
    entries = audit.history(petition).filter(action__in=list(PUBLIC_EVENTS))
    return [(entry.created_at, PUBLIC_EVENTS[entry.action]) for entry in entries]


def audit_trail(*, petition: Petition):
    """Return every audit entry about the petition for staff, newest first."""
    return audit.history(petition).select_related("actor").order_by("-created_at", "-id")


def moderation_queue(*, community: Community) -> QuerySet[Petition]:
    """Return the petitions awaiting moderation, nearest deadline first."""
    return (
        Petition.objects.filter(community=community, status=STATUS.SUBMITTED)
        .select_related("author", "topic")
        .order_by("moderation_due_on", "submitted_at")
    )


def answer_queue(*, community: Community, staff: Resident) -> QuerySet[Petition]:
    """Return the petitions under consideration the staff member may answer."""
    petitions = (
        Petition.objects.filter(community=community, status=STATUS.CONSIDERATION)
        .select_related("community", "department__head", "official", "topic")
        .order_by("answer_due_on", "threshold_reached_at")
    )
    if is_moderator(staff, community):
        return petitions
    allowed = [p.pk for p in petitions if can_answer(staff=staff, petition=p)]
    return petitions.filter(pk__in=allowed)


def dashboard_items(staff: Resident, community: Community) -> list[DashboardItem]:
    """Return the petition counts shown on the staff dashboard."""
    today = timezone.localdate()
    items = []
    url = reverse("petitions:staff_queue")
    if is_moderator(staff, community):
        queue = moderation_queue(community=community)
        overdue = queue.filter(moderation_due_on__lt=today).count()
        items.append(DashboardItem(_("Petitions awaiting moderation"), queue.count(), url))
        items.append(
            DashboardItem(_("Moderation overdue"), overdue, url, urgent=True),
        )
    answers = answer_queue(community=community, staff=staff)
    if is_moderator(staff, community) or answers.exists():
        items.append(DashboardItem(_("Petitions awaiting an answer"), answers.count(), url))
        items.append(
            DashboardItem(
                _("Answers overdue"),
                answers.filter(answer_due_on__lt=today).count(),
                url,
                urgent=True,
            )
        )
    return items


def latest(community: Community, limit: int = 5) -> list[tuple]:
    """Return (title, url, date) of the newest published petitions for the home page."""
    petitions = public_petitions(community=community).exclude(status=STATUS.REJECTED)
    return [
        (petition.title, petition.get_absolute_url(), petition.published_at)
        for petition in petitions.order_by("-published_at")[:limit]
    ]


def statistics(*, community: Community) -> dict[str, int]:
    """Return the public counts, named as in E-DEM's public statistics."""
    petitions = public_petitions(community=community).exclude(status=STATUS.REJECTED)
    return {
        "Petitions": petitions.count(),
        "PetitionsActive": petitions.filter(status=STATUS.COLLECTING).count(),
        "PetitionsPending": petitions.filter(status=STATUS.CONSIDERATION).count(),
        "OnlineVotes": Signature.objects.filter(
            community=community, petition__in=petitions.values("pk")
        ).count(),
    }


OPEN_DATA_FIELDS = [
    "uid",
    "kind",
    "title",
    "url",
    "authorityName",
    "edrpou",
    "katottg",
    "startDate",
    "count",
    "creator",
    "status",
    "answerDate",
    "answerUrl",
    "answerText",
]


def open_data_rows(community: Community) -> list[dict]:
    """
    Return the e-petitions data set (Cabinet Resolution №835) of the community.

    Only published petitions; values in Ukrainian, as the national portal
    expects.
    """
    base = site_url(community)
    petitions = (
        public_petitions(community=community)
        .exclude(status=STATUS.REJECTED)
        .order_by("published_at", "pk")
    )
    rows = []
    with translation.override("uk"):
        for petition in petitions:
            url = base + petition.get_absolute_url()
            answer_url = ""
            if petition.status == STATUS.ANSWERED:
                answer_url = (
                    # Relative on the local disk, absolute in object storage.
                    urljoin(base, petition.answer_document.url)
                    if petition.answer_document
                    else url + "#answer"
                )
            rows.append(
                {
                    "uid": str(petition.uid),
                    "kind": "Місцева електронна петиція",
                    "title": petition.title,
                    "url": url,
                    "authorityName": community.council_name or community.name,
                    "edrpou": community.edrpou,
                    "katottg": community.katottg,
                    "startDate": timezone.localtime(petition.published_at).date().isoformat()
                    if petition.published_at
                    else None,
                    "count": petition.signature_count,
                    "creator": petition.author.public_name,
                    "status": str(petition.get_status_display()),
                    "answerDate": timezone.localtime(petition.answered_at).date().isoformat()
                    if petition.answered_at
                    else None,
                    "answerUrl": answer_url or None,
                    "answerText": petition.answer_text or None,
                }
            )
    return rows


def personal_data(resident: Resident) -> dict:
    """Return the resident's petitions and signatures, for "download my data"."""
    petitions = Petition.objects.filter(author=resident).select_related("community", "topic")
    signatures = Signature.objects.filter(resident=resident).select_related("petition", "community")
    return {
        "petitions": [
            {
                "id": petition.pk,
                "community": petition.community.name,
                "title": petition.title,
                "text": petition.text,
                "topic": petition.topic.name,
                "status": petition.get_status_display(),
                "created": petition.created_at,
                "submitted": petition.submitted_at,
                "published": petition.published_at,
                "signatures": petition.signature_count,
            }
            for petition in petitions.order_by("created_at")
        ],
        "signatures": [
            {
                "petition_id": signature.petition_id,
                "petition": signature.petition.title,
                "community": signature.community.name,
                "signed": signature.created_at,
                "tell_me_of_the_answer": signature.notify_on_answer,
            }
            for signature in signatures.order_by("created_at")
        ],
    }


def answer_overdue_by(*, petition: Petition, today=None) -> int:
    """
    Return by how many working days the answer is late, 0 when it is not.

    Art. 23-1: a petition that reached its threshold is considered within
    10 working days; `answer_due_on` holds that day, so each working day
    after it without an answer counts.
    """
    if petition.status != STATUS.CONSIDERATION or petition.answer_due_on is None:
        return 0
    today = today or timezone.localdate()
    return working_days_between(petition.answer_due_on, today, community=petition.community)


MY_ITEMS_SHOWN = 5


def my_items(resident: Resident, community: Community) -> list[MySection]:
    """Return the resident's petitions and signatures for the "My community" page."""
    petitions = my_petitions(community=community, resident=resident)[:MY_ITEMS_SHOWN]
    signatures = my_signatures(community=community, resident=resident)[:MY_ITEMS_SHOWN]
    return [
        MySection(
            _("Petitions I created"),
            [
                MyItem(p.title, p.get_absolute_url(), p.get_status_display(), p.created_at)
                for p in petitions
            ],
            more_url=reverse("petitions:mine"),
            empty=_("You have not created any petition yet."),
        ),
        MySection(
            _("Petitions I signed"),
            [
                MyItem(
                    s.petition.title,
                    s.petition.get_absolute_url(),
                    s.petition.get_status_display(),
                    s.created_at,
                    # The resident's subscription: the answer comes by notification.
                    _("you will be told of the answer") if s.notify_on_answer else "",
                )
                for s in signatures
            ],
            more_url=reverse("petitions:signed"),
            empty=_("You have not signed any petition yet."),
        ),
    ]


def open_data_updated(community: Community):
    """Return when the e-petitions set last changed: a publication, a closing or an answer."""
    latest = Petition.objects.filter(community=community).aggregate(
        Max("published_at"), Max("closed_at"), Max("answered_at")
    )
    return max((when for when in latest.values() if when), default=None)
