"""REST API of appeals at /api/v1/appeals/: the same services as the pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django_ratelimit.core import is_ratelimited
from ninja import File, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from hromada.api import auth
from hromada.api.pagination import Pages
from hromada.api.types import Id, Lat, Lon
from hromada.appeals import selectors, services
from hromada.appeals.models import Appeal
from hromada.core.errors import RateLimited
from hromada.core.models import Street

router = Router(tags=["appeals"])


class QuestionOut(Schema):
    code: str
    datatype: str
    required: bool
    description: str
    choices: list[list[str]]


class CategoryOut(Schema):
    code: str
    kind: str  # "map": for problem reports; "written": a topic of written appeals
    name: str
    name_en: str
    group: str
    department: str | None
    target_days: int
    description: str
    questions: list[QuestionOut]


class AppealOut(Schema):
    id: int
    number: str
    kind: str
    status: str
    status_label: str
    category: str
    category_name: str
    department: str | None
    subject: str
    description: str
    lat: float | None
    lon: float | None
    address: str
    author: str
    supporters: int
    created_at: datetime
    due_on: date
    target_on: date
    overdue: bool
    status_notes: str
    answer: str
    url: str
    photos: list[str]

    @staticmethod
    def resolve_id(appeal: Appeal) -> int:
        return appeal.pk

    @staticmethod
    def resolve_status_label(appeal: Appeal) -> str:
        return str(appeal.get_status_display())

    @staticmethod
    def resolve_category(appeal: Appeal) -> str:
        return appeal.category.service_code

    @staticmethod
    def resolve_category_name(appeal: Appeal) -> str:
        return appeal.category.name

    @staticmethod
    def resolve_department(appeal: Appeal) -> str | None:
        return appeal.department.name if appeal.department else None

    @staticmethod
    def resolve_author(appeal: Appeal) -> str:
        return appeal.author_display

    @staticmethod
    def resolve_supporters(appeal: Appeal) -> int:
        return appeal.supporters_count

    @staticmethod
    def resolve_overdue(appeal: Appeal) -> bool:
        return appeal.is_overdue

    @staticmethod
    def resolve_answer(appeal: Appeal) -> str:
        return appeal.resolution

    @staticmethod
    def resolve_url(appeal: Appeal) -> str:
        return appeal.get_absolute_url()

    @staticmethod
    def resolve_photos(appeal: Appeal) -> list[str]:
        """Addresses of the photos: a view that checks who may see the appeal sends them."""
        return [photo.get_absolute_url() for photo in appeal.photos.all()]


class ReportIn(Schema):
    category: str
    description: str
    lat: Lat | None = None
    lon: Lon | None = None
    street_id: Id | None = None
    address: str = ""
    author_public: bool = False
    attributes: dict[str, str | list[str]] = {}


class WrittenIn(Schema):
    kind: str
    category: str
    subject: str
    text: str


class ReopenIn(Schema):
    reason: str


class NearbyOut(Schema):
    id: int
    number: str
    distance_m: int
    supporters: int
    url: str


def _viewer(request):
    user = getattr(request, "auth", None)
    return user if getattr(user, "is_authenticated", False) else None


def _limit(request, group: str, rate: str) -> None:
    if is_ratelimited(request, group=group, key="user", rate=rate, increment=True):
        raise RateLimited()


def _appeal(request, appeal_id: int) -> Appeal:
    return selectors.appeal_for_viewer(
        community=request.community, pk=appeal_id, viewer=_viewer(request)
    )


@router.get("/categories", response=list[CategoryOut], auth=None, summary="Categories")
def categories(request, kind: Literal["map", "written"] | None = None):
    found = selectors.leaf_categories(request.community).prefetch_related("attributes")
    if kind is not None:
        found = found.filter(kind=kind)
    result = []
    for category in found:
        result.append(
            {
                "code": category.service_code,
                "kind": category.kind,
                "name": category.name,
                "name_en": category.name_en,
                "group": category.parent.name,
                "department": category.department.name if category.department else None,
                "target_days": category.target_days,
                "description": category.description,
                "questions": [
                    {
                        "code": a.code,
                        "datatype": a.datatype,
                        "required": a.required,
                        "description": a.description,
                        "choices": [list(choice) for choice in a.choices],
                    }
                    for a in category.attributes.all()
                    if a.variable
                ],
            }
        )
    return result


@router.get("/reports", response=list[AppealOut], auth=None, summary="Public problem reports")
@paginate(Pages)
def reports(request, category: str = "", status: str = "", period: str = "all"):
    queryset = selectors.filtered_reports(
        request.community, category=category, status=status, period=period
    ).select_related("category", "department", "author")
    return queryset.prefetch_related("photos")


@router.get("/reports/{appeal_id}", response=AppealOut, auth=auth.optional, summary="One appeal")
def report(request, appeal_id: Id):
    return _appeal(request, appeal_id)


@router.get("/nearby", response=list[NearbyOut], auth=None, summary="Open reports within 50 m")
def nearby(request, category: str, lat: Lat, lon: Lon):
    found = selectors.category_by_code(request.community, category)
    if found is None:
        return []
    return [
        {
            "id": appeal.pk,
            "number": appeal.number,
            "distance_m": round(distance),
            "supporters": appeal.supporters_count,
            "url": appeal.get_absolute_url(),
        }
        for appeal, distance in selectors.nearby_open_reports(
            community=request.community, category=found, lat=lat, lon=lon
        )
    ]


@router.post("/reports", response={201: AppealOut}, auth=auth.required, summary="Report a problem")
def create_report(request, payload: ReportIn):
    _limit(request, "appeals.api.report", "20/h")
    community = request.community
    street = (
        Street.objects.filter(settlement__community=community, pk=payload.street_id).first()
        if payload.street_id
        else None
    )
    appeal = services.submit_report(
        community=community,
        category=selectors.category_by_code(community, payload.category),
        description=payload.description,
        lat=payload.lat,
        lon=payload.lon,
        street=street,
        address=payload.address,
        attributes=payload.attributes,
        author=request.auth,
        author_public=payload.author_public,
        channel=Appeal.Channel.API,
    )
    return Status(201, appeal)


@router.post(
    "/reports/{appeal_id}/photos",
    response={201: AppealOut},
    auth=auth.required,
    summary="Add photos to one's new report",
)
def add_photos(request, appeal_id: Id, photos: list[UploadedFile] = File(...)):  # noqa: B008
    _limit(request, "appeals.api.photos", "30/h")
    appeal = _appeal(request, appeal_id)
    services.add_photos(appeal=appeal, resident=request.auth, photos=photos)
    return Status(201, appeal)


@router.post(
    "/written", response={201: AppealOut}, auth=auth.required, summary="Write to the council"
)
def create_written(request, payload: WrittenIn):
    _limit(request, "appeals.api.written", "10/h")
    community = request.community
    appeal = services.submit_written_appeal(
        community=community,
        kind=payload.kind,
        category=selectors.category_by_code(community, payload.category),
        subject=payload.subject,
        text=payload.text,
        author=request.auth,
        channel=Appeal.Channel.API,
    )
    return Status(201, appeal)


@router.post(
    "/reports/{appeal_id}/support",
    response={201: AppealOut},
    auth=auth.required,
    summary="I have this problem too",
)
def support(request, appeal_id: Id):
    _limit(request, "appeals.api.support", "60/h")
    appeal = _appeal(request, appeal_id)
    services.support_appeal(appeal=appeal, resident=request.auth)
    return Status(201, appeal)


@router.post(
    "/{appeal_id}/confirm", response=AppealOut, auth=auth.required, summary="Confirm the fix"
)
def confirm(request, appeal_id: Id):
    appeal = services.confirm_resolution(appeal=_appeal(request, appeal_id), resident=request.auth)
    return appeal


@router.post(
    "/{appeal_id}/reopen", response=AppealOut, auth=auth.required, summary="Reopen the report"
)
def reopen(request, appeal_id: Id, payload: ReopenIn):
    appeal = services.reopen_appeal(
        appeal=_appeal(request, appeal_id), resident=request.auth, reason=payload.reason
    )
    return appeal


@router.get("/mine", response=list[AppealOut], auth=auth.required, summary="My appeals")
@paginate(Pages)
def mine(request):
    return selectors.my_appeals(
        resident=request.auth, community=request.community
    ).prefetch_related("photos")
