"""
REST API of the service centre at /api/v1/cnap/: the same services as the pages.

The chatbot and the contact centre call these too: catalogue, offices with
hours, free slots, bookings, the live queue, ticket status and the board feed.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from ninja import Field, Query, Router, Schema, Status

from hromada.api import auth
from hromada.api.types import Id
from hromada.cnap import board, selectors, services
from hromada.cnap.models import LifeSituation, Office, Service, Ticket

router = Router(tags=["cnap"])


class SituationOut(Schema):
    id: int
    name: str
    slug: str


class ServiceOut(Schema):
    id: int
    code: str
    name: str
    audience: str
    provider: str
    cost: str
    term: str
    result: str
    documents: list[str] = Field(..., alias="document_lines")
    duration_minutes: int
    booking_allowed: bool
    online_share: float
    needs_registers: bool
    diia_url: str
    life_situations: list[int]
    url: str = Field(..., alias="get_absolute_url")

    @staticmethod
    def resolve_life_situations(service: Service) -> list[int]:
        return [situation.pk for situation in service.life_situations.all()]


class HoursOut(Schema):
    # Local wall-clock times ("08:00"): a JSON "time" would need a UTC offset.
    weekday: int = Field(..., description="0 is Monday")
    opens: str = Field(..., pattern=r"^\d\d:\d\d$")
    closes: str = Field(..., pattern=r"^\d\d:\d\d$")


class OfficeOut(Schema):
    id: int
    name: str
    kind: str
    address: str
    lat: float | None
    lon: float | None
    paused: bool = Field(..., alias="is_paused")
    blackout: bool
    hours: list[HoursOut]

    @staticmethod
    def resolve_hours(office: Office) -> list[dict]:
        return [
            {
                "weekday": row.weekday,
                "opens": row.opens.strftime("%H:%M"),
                "closes": row.closes.strftime("%H:%M"),
            }
            for row in office.hours.all()
        ]


class SlotOut(Schema):
    starts_at: datetime
    free: int


class BookIn(Schema):
    service_id: Id
    office_id: Id
    starts_at: datetime


class BookingOut(Schema):
    id: int
    service_id: int
    office_id: int
    starts_at: datetime
    code: str
    status: str


class JoinIn(Schema):
    service_id: Id
    office_id: Id


class TicketOut(Schema):
    token: UUID
    ticket: str = Field(..., alias="label")
    office_id: int
    service_id: int
    kind: str
    status: str
    desk: int | None
    check_in_code: str
    check_in_by: datetime | None
    ahead: int
    wait_typical_min: int | None
    wait_upper_min: int | None
    url: str = Field(..., alias="get_absolute_url")

    @staticmethod
    def resolve_desk(ticket: Ticket) -> int | None:
        return ticket.desk.number if ticket.desk_id else None

    @staticmethod
    def resolve_check_in_code(ticket: Ticket) -> str:
        return ticket.code if ticket.checked_in_at is None else ""

    @staticmethod
    def resolve_ahead(ticket: Ticket) -> int:
        return selectors.ahead_of(ticket)

    @staticmethod
    def resolve_wait_typical_min(ticket: Ticket) -> int | None:
        found = ticket.__dict__.setdefault("_estimate", selectors.estimate(ticket))
        return found[0] if found else None

    @staticmethod
    def resolve_wait_upper_min(ticket: Ticket) -> int | None:
        found = ticket.__dict__.setdefault("_estimate", selectors.estimate(ticket))
        return found[1] if found else None


class CallOut(Schema):
    ticket: str
    desk: int
    text: str


class BoardOut(Schema):
    office_id: int
    current: list[CallOut]
    recent: list[CallOut]
    waiting: int
    paused: bool
    blackout: bool


class CatalogueFilters(Schema):
    q: str = Field("", max_length=200)
    situation: Id | None = None


class SlotFilters(Schema):
    service_id: Id
    office_id: Id
    day: date


def _service(request, pk: int) -> Service:
    return selectors.service_in(community=request.community, pk=pk)


def _office(request, pk: int) -> Office:
    return selectors.office_in(community=request.community, pk=pk)


@router.get("/services", response=list[ServiceOut], auth=None, summary="The catalogue")
def list_services(request, filters: Query[CatalogueFilters]):
    situation = None
    if filters.situation:
        situation = LifeSituation.objects.filter(
            community=request.community, pk=filters.situation
        ).first()
        if situation is None:
            return []
    found = selectors.catalogue(community=request.community, query=filters.q, situation=situation)
    return found.prefetch_related("life_situations")


@router.get("/services/{int:service_id}", response=ServiceOut, auth=None)
def service_detail(request, service_id: Id):
    return _service(request, service_id)


@router.get("/life-situations", response=list[SituationOut], auth=None)
def life_situations(request):
    return selectors.life_situations(community=request.community)


@router.get("/offices", response=list[OfficeOut], auth=None, summary="Offices with hours")
def offices(request):
    return selectors.offices(community=request.community)


@router.get("/slots", response=list[SlotOut], auth=None, summary="Free slots of a day")
def free_slots(request, filters: Query[SlotFilters]):
    found = _service(request, filters.service_id)
    office = _office(request, filters.office_id)
    return [
        {"starts_at": start, "free": free}
        for start, free in services.free_slots(office=office, service=found, day=filters.day)
    ]


@router.post("/bookings", response={201: BookingOut}, auth=auth.required)
def book(request, payload: BookIn):
    booking = services.book_slot(
        resident=request.auth,
        office=_office(request, payload.office_id),
        service=_service(request, payload.service_id),
        starts_at=payload.starts_at,
    )
    return Status(201, booking)


@router.get("/bookings", response=list[BookingOut], auth=auth.required, summary="My bookings")
def my_bookings(request):
    return selectors.my_bookings(resident=request.auth, community=request.community)


@router.post("/bookings/{int:booking_id}/cancel", response=BookingOut, auth=auth.required)
def cancel_booking(request, booking_id: Id):
    booking = selectors.booking_of(
        resident=request.auth, community=request.community, pk=booking_id
    )
    return services.cancel_booking(booking=booking, actor=request.auth)


@router.post("/queue", response={201: TicketOut}, auth=auth.required, summary="Join today's queue")
def join_queue(request, payload: JoinIn):
    ticket = services.join_remotely(
        resident=request.auth,
        office=_office(request, payload.office_id),
        service=_service(request, payload.service_id),
    )
    return Status(201, ticket)


class PhoneCodeIn(Schema):
    service_id: Id
    office_id: Id
    phone: str = Field(..., max_length=40, description="A Ukrainian mobile number")


class PhoneCodeOut(Schema):
    token: UUID = Field(..., description="Send it back with the code the phone received")
    expires_at: datetime


class PhoneConfirmIn(Schema):
    token: UUID
    code: str = Field(..., max_length=20)


@router.post(
    "/queue/phone-code",
    response={201: PhoneCodeOut},
    auth=None,
    summary="Text a one-time code to join today's queue without an account",
)
def request_phone_code(request, payload: PhoneCodeIn):
    challenge = services.request_phone_code(
        office=_office(request, payload.office_id),
        service=_service(request, payload.service_id),
        phone=payload.phone,
        address=request.META.get("REMOTE_ADDR", ""),
    )
    return Status(201, challenge)


@router.post(
    "/queue/phone-confirm",
    response={201: TicketOut},
    auth=None,
    summary="Confirm the texted code and join today's queue",
)
def confirm_phone_code(request, payload: PhoneConfirmIn):
    ticket = services.confirm_phone_code(
        community=request.community,
        token=payload.token,
        code=payload.code,
        address=request.META.get("REMOTE_ADDR", ""),
    )
    return Status(201, ticket)


@router.get("/tickets/{uuid:token}", response=TicketOut, auth=None, summary="Ticket status")
def ticket_status(request, token: UUID):
    ticket = services.ticket_by_token(token=token)
    if ticket.community_id != request.community.pk:
        raise services.TicketNotFound()
    return ticket


@router.get("/offices/{int:office_id}/board", response=BoardOut, auth=None, summary="Board feed")
def board_feed(request, office_id: Id):
    office = _office(request, office_id)
    state = selectors.board_state(office=office)

    def call(item):
        label = item["ticket"]
        text = board.call_phrase(label[0], int(label[1:]), item["desk"])
        return {"ticket": label, "desk": item["desk"], "text": text}

    return {
        "office_id": office.pk,
        "current": [call(item) for item in state["current"]],
        "recent": [call(item) for item in state["recent"]],
        "waiting": state["waiting"],
        "paused": state["paused"],
        "blackout": state["blackout"],
    }


# Statistics for staff live in their own module; mounted here, at /statistics.
from hromada.cnap.stats_api import router as statistics_router  # noqa: E402

router.add_router("", statistics_router)
