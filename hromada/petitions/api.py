"""REST API of petitions at /api/v1/petitions/: the same services as the pages."""

from datetime import date, datetime
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from hromada.api import auth
from hromada.api.pagination import Pages
from hromada.api.types import Count, Id
from hromada.core.errors import RateLimited, ValidationFailed
from hromada.petitions import selectors, services
from hromada.petitions.limits import over_limit
from hromada.petitions.models import TEXT_MAX, TITLE_MAX, Petition

router = Router(tags=["petitions"])


class PetitionOut(Schema):
    id: int
    uid: UUID
    title: str
    topic_id: int
    topic: str = Field(..., alias="topic.name")
    status: str
    status_label: str = Field(..., alias="get_status_display")
    outcome: str
    author: str = Field(..., alias="author.public_name")
    signature_count: int
    threshold: int | None
    published_at: datetime | None
    collection_ends_at: datetime | None
    days_left: int | None
    answer_due_on: date | None
    url: str = Field(..., alias="get_absolute_url")


class HistoryItem(Schema):
    at: datetime
    event: str


class PetitionDetailOut(PetitionOut):
    text: str
    rejection_reason: str
    rejection_note: str
    duplicate_of_id: int | None
    answer_text: str
    answered_at: datetime | None
    answer_document_url: str | None
    history: list[HistoryItem]

    @staticmethod
    def resolve_answer_document_url(petition: Petition) -> str | None:
        return petition.answer_document.url if petition.answer_document else None

    @staticmethod
    def resolve_history(petition: Petition) -> list[dict]:
        return [
            {"at": when, "event": str(what)}
            for when, what in selectors.public_history(petition=petition)
        ]


class PetitionIn(Schema):
    title: str = Field(..., max_length=TITLE_MAX * 2)
    text: str = Field(..., max_length=TEXT_MAX * 2)
    topic_id: Id
    collection_days: Count | None = None
    submit: bool = Field(True, description="Send to moderation at once; false keeps a draft.")


class SignIn(Schema):
    notify_on_answer: bool = False


class SignatureOut(Schema):
    full_name: str = Field(..., alias="resident.public_name")
    signed_at: datetime = Field(..., alias="created_at")


class SignedOut(Schema):
    petition_id: int
    signed_at: datetime
    signature_count: int


class StatisticsOut(Schema):
    Petitions: int
    PetitionsActive: int
    PetitionsPending: int
    OnlineVotes: int


class TopicOut(Schema):
    id: int
    name: str


class ListFilters(Schema):
    q: str = Field("", max_length=200, description="Words to find in the title or text")
    status: str = Field("", description="One of the public statuses")
    topic: Id | None = None
    sort: str = Field("newest", description="newest, signed or ending")


def _viewer(request):
    user = request.auth
    return user if getattr(user, "is_authenticated", False) else None


def _throttle(request, action: str) -> None:
    """Raise RateLimited when the account or the address went over its rate."""
    if over_limit(request, action):
        raise RateLimited()


def _shown(petition: Petition, viewer) -> Petition:
    """Return the petition unless it is hidden from this viewer."""
    if petition.is_hidden and not selectors.can_see_hidden(viewer=viewer, petition=petition):
        raise services.PetitionNotFound()
    return petition


@router.get("/", response=list[PetitionOut], auth=None, summary="Public petitions")
@paginate(Pages)
def list_petitions(request, filters: Query[ListFilters]):
    errors = {}
    if filters.status and filters.status not in Petition.PUBLIC:
        errors["status"] = _("Unknown status.")
    if filters.sort not in selectors.SORTS:
        errors["sort"] = _("Unknown sort order.")
    if errors:
        raise ValidationFailed(fields=errors)
    return selectors.search_petitions(
        community=request.community,
        query=filters.q,
        status=filters.status,
        topic=filters.topic,
        sort=filters.sort,
    )


@router.get("/statistics", response=StatisticsOut, auth=None, summary="Counts shaped like E-DEM's")
def statistics(request):
    return selectors.statistics(community=request.community)


@router.get("/topics", response=list[TopicOut], auth=None, summary="Topics to choose from")
def topics(request):
    return list(selectors.topics(community=request.community))


@router.get("/{int:petition_id}", response=PetitionDetailOut, auth=auth.optional)
def petition_detail(request, petition_id: Id):
    viewer = _viewer(request)
    petition = selectors.visible_petition(
        community=request.community, pk=petition_id, viewer=viewer
    )
    return _shown(petition, viewer)


@router.post(
    "/", response={201: PetitionDetailOut}, auth=auth.required, summary="Create a petition"
)
def create_petition(request, payload: PetitionIn):
    _throttle(request, "create")
    with transaction.atomic():  # both steps or neither: no stray draft
        petition = services.create_petition(
            community=request.community,
            author=request.auth,
            title=payload.title,
            text=payload.text,
            topic_id=payload.topic_id,
            collection_days=payload.collection_days,
        )
        if payload.submit:
            petition = services.submit_petition(petition=petition, author=request.auth)
    return Status(201, petition)


@router.post("/{int:petition_id}/submit", response=PetitionDetailOut, auth=auth.required)
def submit_petition(request, petition_id: Id):
    petition = selectors.visible_petition(
        community=request.community, pk=petition_id, viewer=request.auth
    )
    petition = services.submit_petition(petition=petition, author=request.auth)
    return petition


@router.post("/{int:petition_id}/withdraw", response=PetitionDetailOut, auth=auth.required)
def withdraw_petition(request, petition_id: Id):
    petition = selectors.visible_petition(
        community=request.community, pk=petition_id, viewer=request.auth
    )
    petition = services.withdraw_petition(petition=petition, author=request.auth)
    return petition


@router.post(
    "/{int:petition_id}/sign",
    response={201: SignedOut},
    auth=auth.required,
    summary="Sign a petition",
)
def sign_petition(request, petition_id: Id, payload: SignIn | None = None):
    _throttle(request, "sign")
    petition = selectors.petition_for_signing(
        community=request.community, pk=petition_id, viewer=request.auth
    )
    signature = services.sign_petition(
        petition=petition,
        resident=request.auth,
        notify_on_answer=bool(payload and payload.notify_on_answer),
    )
    count = Petition.objects.filter(pk=petition.pk).values_list("signature_count", flat=True)
    return Status(
        201,
        {
            "petition_id": petition.pk,
            "signed_at": signature.created_at,
            "signature_count": count.first() or 0,
        },
    )


@router.get(
    "/{int:petition_id}/signers",
    response=list[SignatureOut],
    auth=None,
    summary="Public list of signers",
)
@paginate(Pages)
def signers(request, petition_id: Id):
    petition = selectors.visible_petition(community=request.community, pk=petition_id, viewer=None)
    _shown(petition, None)  # a hidden petition's signers are hidden too
    return selectors.signers(petition=petition)
