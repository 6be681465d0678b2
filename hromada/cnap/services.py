"""
Every change in the service centre (ЦНАП): tickets, bookings, desks, offices.

Each function checks the rules and who acts, changes rows in one
transaction and appends a `QueueEvent` for every step of a ticket (the
event log is the queue's audit trail and the source of its statistics);
staff switches of an office are also written to the audit log. Boards are
told on commit. The kiosk, the pages, the API, the chatbot and the contact
centre call these and nothing else.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, time, timedelta
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.dateparse import parse_time
from django.utils.translation import gettext_lazy as _

from hromada.cnap import board, dispatch
from hromada.cnap.models import (
    BOOKING_CODE_LENGTH,
    Booking,
    CnapRules,
    Desk,
    Office,
    OfficeException,
    PhoneCode,
    PriorityCategory,
    PriorityUse,
    QueueEvent,
    ReceptionHours,
    Service,
    Ticket,
    TicketCounter,
)
from hromada.core import audit, onetime
from hromada.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    ValidationFailed,
)
from hromada.core.identity import require_level
from hromada.core.models import Community, Resident
from hromada.core.notifications import notify
from hromada.core.ratelimit import address_bucket, over_any
from hromada.core.rows import RowLoader, insert, statement

# Staff roles of the service centre (core's StaffRole.Role lists them).
CNAP_HEAD = "cnap_head"  # everything in the community's ЦНАП
CNAP_ADMIN = "cnap_admin"  # catalogue, offices, desks, schedules
CNAP_OPERATOR = "cnap_operator"  # own desk
STAROSTA = "starosta"  # own remote workplace

TS = Ticket.Status
EV = QueueEvent.Action
SLOT_STEP_MINUTES = 15
CLAIM_ATTEMPTS = 20


class OfficeNotFound(NotFound):
    code = "cnap_office_not_found"
    message = _("There is no such office.")


class ServiceNotFound(NotFound):
    code = "cnap_service_not_found"
    message = _("There is no such service.")


class TicketNotFound(NotFound):
    code = "cnap_ticket_not_found"
    message = _("There is no such ticket.")


class BookingNotFound(NotFound):
    code = "cnap_booking_not_found"
    message = _("There is no such booking.")


class CodeNotFound(NotFound):
    code = "cnap_code_not_found"
    message = _("No booking or queue place of today has this code at this office.")


class OfficeClosed(Conflict):
    code = "cnap_office_closed"
    message = _("The office does not receive visitors now.")


class OfficePaused(Conflict):
    code = "cnap_office_paused"
    message = _("Reception is paused for an air-raid alert. The queue keeps its order.")


class ServiceUnavailable(Conflict):
    code = "cnap_service_unavailable"
    message = _("This service is not provided at this office now.")


class NotBookable(Conflict):
    code = "cnap_not_bookable"
    message = _("This service cannot be booked online. Take a ticket at the kiosk.")


class SlotUnavailable(Conflict):
    code = "cnap_slot_unavailable"
    message = _("There is no such free time for this service.")


class SlotInPast(Conflict):
    code = "cnap_slot_in_past"
    message = _("This time has already passed.")


class TooFarAhead(Conflict):
    code = "cnap_too_far_ahead"
    message = _("Visits can be booked at most %(days)d days ahead.")


class SlotTaken(Conflict):
    code = "cnap_slot_taken"
    message = _("Someone has just booked the last place at this time. Choose another time.")


class AlreadyBooked(Conflict):
    code = "cnap_already_booked"
    message = _("You have already booked this service for that day.")


class MonthlyCapReached(Conflict):
    code = "cnap_monthly_cap"
    message = _("You may book at most %(cap)d visits a month.")


class BookingBlocked(Forbidden):
    code = "cnap_booking_blocked"
    message = _(
        "Online booking is closed to you for now: you did not come to %(count)d booked "
        "visits. Take a ticket at the kiosk."
    )


class BookingNotActive(Conflict):
    code = "cnap_booking_not_active"
    message = _("This booking can no longer be changed.")


class WrongDay(Conflict):
    code = "cnap_wrong_day"
    message = _("This booking is for another day: %(day)s.")


class AlreadyInQueue(Conflict):
    code = "cnap_already_in_queue"
    message = _("You already have a place in today's queue for this service.")


class DeskBusy(Conflict):
    code = "cnap_desk_busy"
    message = _("Finish the visitor at the desk first.")


class DeskClosed(Conflict):
    code = "cnap_desk_closed"
    message = _("The desk is closed or on a break.")


class NothingInHand(Conflict):
    code = "cnap_nothing_in_hand"
    message = _("No visitor is called to this desk.")


class WrongTicketStatus(Conflict):
    code = "cnap_wrong_ticket_status"
    message = _("This step is not possible while the ticket is %(status)s.")


class TooEarlyForNoShow(Conflict):
    code = "cnap_too_early_for_no_show"
    message = _("Call the visitor again first: %(left)d more call(s) before a no-show.")


class NotCnapStaff(Forbidden):
    code = "cnap_forbidden"
    message = _("Only the service centre's staff responsible for this may do this.")


# Rules and who may act -------------------------------------------------------


def rules_for(community: Community) -> CnapRules:
    """Return the community's service centre rules, creating the defaults on first use."""
    rules = CnapRules.objects.filter(community=community).first()
    if rules is None:
        rules, _created = CnapRules.objects.get_or_create(community=community)
    return rules


def rules_of(office: Office) -> CnapRules:
    """
    Return the rules of the office's community.

    The console's desk read (selectors.desk_in) brings them in its own
    statement, so a console action costs no round trip for them; otherwise
    they are read as `rules_for` does.
    """
    rules = office.__dict__.get("_cnap_rules")
    return rules if rules is not None else rules_for(office.community)


def _starosta_of(staff: Resident, office: Office) -> bool:
    if office.department_id is None:
        return False
    return staff.staff_roles.filter(
        community_id=office.community_id, role=STAROSTA, department_id=office.department_id
    ).exists()


def may_set_up(staff: Resident | None, community: Community) -> bool:
    """Return whether the staff member keeps the catalogue, offices and desks."""
    return bool(staff) and staff.has_role(community, CNAP_HEAD, CNAP_ADMIN)


def may_run_office(staff: Resident | None, office: Office) -> bool:
    """Return whether the staff member runs the office: the head, or its starosta."""
    if not staff or not staff.is_authenticated:
        return False
    return staff.has_role(office.community, CNAP_HEAD) or _starosta_of(staff, office)


def may_work_desk(staff: Resident | None, desk: Desk) -> bool:
    """Return whether the staff member may call visitors to the desk."""
    if not staff or not staff.is_authenticated:
        return False
    if desk.operator_id == staff.pk and staff.has_role(
        desk.office.community, CNAP_OPERATOR, STAROSTA
    ):
        return True
    return may_run_office(staff, desk.office)


def _require(allowed: bool) -> None:
    if not allowed:
        raise NotCnapStaff()


# Hours and slots -------------------------------------------------------------


def reception_hours(*, office: Office, day: date) -> tuple[time, time] | None:
    """Return when the office receives on the day, or None when it is closed."""
    special = OfficeException.objects.filter(office=office, date=day).first()
    if special is not None:
        return None if special.closed else (special.opens, special.closes)
    usual = ReceptionHours.objects.filter(office=office, weekday=day.weekday()).first()
    return (usual.opens, usual.closes) if usual else None


def _at(day: date, moment: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, moment))


def is_receiving(*, office: Office, now: datetime) -> bool:
    local = timezone.localtime(now)
    hours = reception_hours(office=office, day=local.date())
    return hours is not None and hours[0] <= local.time() < hours[1]


def offered_at(*, service: Service, office: Office) -> bool:
    """Return whether the office provides the service now (blackout stops register ones)."""
    if not _offered_apart_from_desks(service=service, office=office):
        return False
    return service.desks.filter(office=office).exists()


def _offered_apart_from_desks(*, service: Service, office: Office) -> bool:
    """Return whether the office may provide the service now if a desk handles it."""
    if not service.is_active or service.community_id != office.community_id:
        return False
    if office.blackout and service.needs_registers:
        return False
    return office.kind != Office.Kind.REMOTE or service.at_remote_workplace


def slot_minutes(service: Service) -> int:
    """Return the length of the service's booking slots: its duration in 15-minute steps."""
    steps = -(-service.duration_minutes // SLOT_STEP_MINUTES)
    return steps * SLOT_STEP_MINUTES


def slot_grid(*, office: Office, service: Service, day: date) -> list[tuple[datetime, int]]:
    """
    Return (start, capacity) of each bookable slot of the day.

    Slots come from the desks handling the service × reception hours × the
    service's duration. Only `online_share` of the places is bookable (ДМС
    books a third online); the share is spread over the day by rounding the
    running total, so a single desk with a third offers every third slot.
    """
    hours = reception_hours(office=office, day=day)
    desks = service.desks.filter(office=office).count()
    if hours is None or desks == 0 or not service.booking_allowed:
        return []
    share = Fraction(service.online_share).limit_denominator(100) * desks
    length = timedelta(minutes=slot_minutes(service))
    start, end = _at(day, hours[0]), _at(day, hours[1])
    grid, index = [], 0
    while start + length <= end:
        capacity = int(share * (index + 1)) - int(share * index)
        if capacity:
            grid.append((start, capacity))
        start += length
        index += 1
    return grid


def free_slots(
    *, office: Office, service: Service, day: date, now: datetime | None = None
) -> list[tuple[datetime, int]]:
    """Return (start, free places) of the day's slots that can still be booked."""
    now = now or timezone.now()
    if not _day_open_for_booking(day=day, now=now, rules=rules_for(office.community)):
        return []
    grid = slot_grid(office=office, service=service, day=day)
    if not grid:
        return []
    taken: dict[datetime, int] = {}
    for starts_at in Booking.objects.filter(
        office=office,
        service=service,
        status__in=Booking.ACTIVE,
        starts_at__gte=grid[0][0],
        starts_at__lte=grid[-1][0],
    ).values_list("starts_at", flat=True):
        taken[starts_at] = taken.get(starts_at, 0) + 1
    return [
        (start, capacity - taken.get(start, 0))
        for start, capacity in grid
        if start > now and capacity > taken.get(start, 0)
    ]


def _day_open_for_booking(*, day: date, now: datetime, rules: CnapRules) -> bool:
    """The last day of the horizon opens at the community's hour (МВС practice)."""
    today = timezone.localtime(now).date()
    if day < today:
        return False
    last = today + timedelta(days=rules.horizon_days)
    if timezone.localtime(now).hour < rules.opens_hour:
        last -= timedelta(days=1)
    return day <= last


# Tickets -----------------------------------------------------------------------


def _allocate_number(*, office: Office, day: date, series: str) -> int:
    """Return the next number of the series today; the caller's transaction holds the row."""
    # One statement: the row's new number comes back from the UPDATE.
    meta, quote = TicketCounter._meta, connection.ops.quote_name
    table = quote(meta.db_table)
    last, office_id, on_day, in_series = (
        quote(meta.get_field(name).column) for name in ("last", "office", "day", "series")
    )
    sql = (
        f"UPDATE {table} SET {last} = {last} + 1 "  # noqa: S608 - names from the model
        f"WHERE {office_id} = %s AND {on_day} = %s AND {in_series} = %s RETURNING {last}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [office.pk, connection.ops.adapt_datefield_value(day), series])
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    try:
        with transaction.atomic():
            TicketCounter.objects.create(office=office, day=day, series=series, last=1)
        return 1
    except IntegrityError:
        # Another kiosk made the day's row first; take the next number.
        return _allocate_number(office=office, day=day, series=series)


def _event(ticket: Ticket, action: str, *, actor=None, desk=None, outcome="", at=None):
    # One plain INSERT (hromada.core.rows): the event log grows with every step.
    insert(
        QueueEvent(
            community_id=ticket.community_id,
            office_id=ticket.office_id,
            ticket_id=ticket.pk,
            desk_id=desk.pk if desk is not None else None,
            service_id=ticket.service_id,
            actor_id=actor.pk if actor is not None and actor.pk else None,
            action=action,
            outcome=outcome,
            priority=ticket.priority_id is not None,
            at=at or timezone.now(),
        )
    )


def _board_changed(office_id: int, *service_ids: int, office_wide: bool = False) -> None:
    """Tell the board and the ticket pages of the touched service lines, on commit."""
    transaction.on_commit(lambda: board.bump(office_id, service_ids, office_wide=office_wide))


def _check_can_queue(*, office: Office, service: Service, now: datetime) -> None:
    """
    Refuse a place in the queue while the office is paused or closed, or does not provide the service.

    What `is_receiving` and `offered_at` read (the day's exception, the
    weekday's hours, a desk handling the service) comes in one plain
    statement: every kiosk ticket asks it.
    """
    if office.is_paused:
        raise OfficePaused()
    local = timezone.localtime(now)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT x.id, x.closed, x.opens, x.closes, h.opens, h.closes,"
            " EXISTS (SELECT 1 FROM cnap_desk d JOIN cnap_desk_services l ON l.desk_id = d.id"
            " WHERE d.office_id = %s AND l.service_id = %s)"
            " FROM (SELECT 1 AS one) z"
            " LEFT JOIN cnap_officeexception x ON x.office_id = %s AND x.date = %s"
            " LEFT JOIN cnap_receptionhours h ON h.office_id = %s AND h.weekday = %s",
            [
                office.pk,
                service.pk,
                office.pk,
                connection.ops.adapt_datefield_value(local.date()),
                office.pk,
                local.weekday(),
            ],
        )
        special, closed, special_opens, special_closes, opens, closes, handled = cursor.fetchone()
    if special is not None:
        hours = None if closed else (_time(special_opens), _time(special_closes))
    else:
        hours = (_time(opens), _time(closes)) if opens is not None else None
    if hours is None or not hours[0] <= local.time() < hours[1]:
        raise OfficeClosed()
    if not (_offered_apart_from_desks(service=service, office=office) and handled):
        raise ServiceUnavailable()


def _time(value) -> time | None:
    """Return a TimeField's value as read by a plain statement (SQLite gives text)."""
    return value if value is None or isinstance(value, time) else parse_time(value)


def _new_ticket(
    *,
    office: Office,
    service: Service,
    kind: str,
    now: datetime,
    priority: PriorityCategory | None = None,
    resident: Resident | None = None,
    booking: Booking | None = None,
    **fields,
) -> Ticket:
    day = timezone.localtime(now).date()
    series = rules_for(office.community).priority_series if priority else service.series
    # One plain INSERT (hromada.core.rows), as save() would write it.
    ticket = insert(
        Ticket(
            community_id=office.community_id,
            office=office,
            day=day,
            series=series,
            number=_allocate_number(office=office, day=day, series=series),
            service=service,
            kind=kind,
            priority=priority,
            resident=resident,
            booking=booking,
            queued_at=now,
            **fields,
        )
    )
    return ticket


@transaction.atomic
def issue_ticket(
    *,
    office: Office,
    service: Service,
    priority: PriorityCategory | None = None,
    resident: Resident | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Issue a walk-in ticket at the kiosk: the series of the service (or priority), today's next number."""
    now = now or timezone.now()
    _check_can_queue(office=office, service=service, now=now)
    if priority is not None and priority.community_id != office.community_id:
        raise ValidationFailed(fields={"priority": str(_("Unknown priority category."))})
    ticket = _new_ticket(
        office=office, service=service, kind=Ticket.Kind.WALK_IN, now=now, priority=priority,
        resident=resident, checked_in_at=now,
    )  # fmt: skip
    _event(ticket, EV.ISSUED, at=now)
    _board_changed(office.pk, ticket.service_id)
    return ticket


def _new_code(*, office: Office) -> str:
    while True:
        code = onetime.new_code(BOOKING_CODE_LENGTH)
        taken = Booking.objects.filter(office=office, code=code, status=Booking.Status.BOOKED)
        if (
            not taken.exists()
            and not Ticket.objects.filter(
                office=office, code=code, status=TS.WAITING, checked_in_at__isnull=True
            ).exists()
        ):
            return code


@transaction.atomic
def join_remotely(
    *, resident: Resident, office: Office, service: Service, now: datetime | None = None
) -> Ticket:
    """
    Give a signed-in resident a place in today's live queue.

    The place counts from now, but nobody is called before checking in at
    the kiosk with the ticket's code; without a check-in within the
    community's window the ticket lapses.
    """
    now = now or timezone.now()
    require_level(resident=resident, community=office.community, action="cnap.join")
    _check_can_queue(office=office, service=service, now=now)
    day = timezone.localtime(now).date()
    if Ticket.objects.filter(
        resident=resident, office=office, service=service, day=day, status__in=Ticket.OPEN
    ).exists():
        raise AlreadyInQueue()
    rules = rules_for(office.community)
    ticket = _new_ticket(
        office=office,
        service=service,
        kind=Ticket.Kind.REMOTE,
        now=now,
        resident=resident,
        code=_new_code(office=office),
        check_in_by=now + timedelta(minutes=rules.check_in_minutes),
    )
    _event(ticket, EV.JOINED, actor=resident, at=now)
    _board_changed(office.pk, ticket.service_id)
    return ticket


@transaction.atomic
def check_in(*, office: Office, code: str, now: datetime | None = None) -> Ticket:
    """
    Check a visitor in at the kiosk by the code of a booking or a remote join.

    A booked visitor more than the community's minutes late joins the live
    queue as a walk-in: the slot's time has gone to others.
    """
    now = now or timezone.now()
    code = (code or "").strip()
    if office.is_paused:
        raise OfficePaused()
    if not (code.isdigit() and len(code) == BOOKING_CODE_LENGTH):
        raise CodeNotFound()
    today = timezone.localtime(now).date()
    remote = (
        Ticket.objects.select_for_update()
        .filter(office=office, day=today, code=code, status=TS.WAITING, checked_in_at__isnull=True)
        .first()
    )
    if remote is not None:
        remote.checked_in_at = now
        remote.save(update_fields=["checked_in_at"])
        remote.office = office
        _event(remote, EV.CHECKED_IN, at=now)
        _board_changed(office.pk, remote.service_id)
        return remote
    booking = (
        Booking.objects.select_for_update()
        .select_related("service")
        .filter(office=office, code=code, status=Booking.Status.BOOKED)
        .first()
    )
    if booking is None:
        raise CodeNotFound()
    slot_day = timezone.localtime(booking.starts_at).date()
    if slot_day != today:
        raise WrongDay(day=slot_day.strftime("%d.%m.%Y"))
    if not is_receiving(office=office, now=now):
        raise OfficeClosed()
    rules = rules_for(office.community)
    late = now > booking.starts_at + timedelta(minutes=rules.late_minutes)
    moved = Booking.objects.filter(pk=booking.pk, status=Booking.Status.BOOKED).update(
        status=Booking.Status.CHECKED_IN
    )
    if not moved:
        raise BookingNotActive()
    ticket = _new_ticket(
        office=office,
        service=booking.service,
        kind=Ticket.Kind.WALK_IN if late else Ticket.Kind.BOOKED,
        now=now,
        resident=booking.resident,
        booking=booking,
        slot_at=None if late else booking.starts_at,
        checked_in_at=now,
    )
    _event(ticket, EV.CHECKED_IN, at=now, outcome="late" if late else "")
    _board_changed(office.pk, ticket.service_id)
    return ticket


@transaction.atomic
def cancel_ticket(*, ticket: Ticket, resident: Resident, now: datetime | None = None) -> Ticket:
    """Give up one's own waiting place."""
    now = now or timezone.now()
    if ticket.resident_id != resident.pk:
        raise TicketNotFound()
    moved = Ticket.objects.filter(pk=ticket.pk, status=TS.WAITING).update(
        status=TS.CANCELLED, finished_at=now
    )
    if not moved:
        ticket.refresh_from_db()
        raise WrongTicketStatus(status=ticket.get_status_display())
    ticket.refresh_from_db()
    _event(ticket, EV.CANCELLED, actor=resident, at=now)
    _board_changed(ticket.office_id, ticket.service_id)
    return ticket


# The desk ------------------------------------------------------------------------


def waiting_for(*, office: Office) -> list[Ticket]:
    """Return the office's tickets that may be called, in queue order."""
    return list(
        Ticket.objects.filter(office=office, status=TS.WAITING, checked_in_at__isnull=False)
        .only("id", "service_id", "kind", "priority_id", "queued_at", "slot_at", "target_desk_id")
        .order_by("queued_at", "id")
    )


def callable_at(*, desk: Desk, service_ids, now: datetime, rules: dispatch.Rules):
    """
    Return the waiting tickets the desk may call now, as `dispatch.Waiting`, in queue order.

    The database does the filtering `dispatch.choose_next` would do in
    Python (the desk's services, tickets sent to another desk, booked
    visitors not yet due), so a long queue for other desks costs the call
    nothing; the rows come as plain values, without model instances.
    """
    due = now + timedelta(minutes=rules.booked_early_minutes)
    rows = (
        Ticket.objects.filter(
            office_id=desk.office_id,
            status=TS.WAITING,
            checked_in_at__isnull=False,
            service_id__in=service_ids,
        )
        .filter(Q(target_desk__isnull=True) | Q(target_desk_id=desk.pk))
        .filter(~Q(kind=Ticket.Kind.BOOKED) | Q(slot_at__isnull=True) | Q(slot_at__lte=due))
        .order_by("queued_at", "id")
        .values_list("id", "service_id", "kind", "priority_id", "queued_at", "slot_at")
    )
    return [
        dispatch.Waiting(
            id=pk,
            service_id=service_id,
            kind=kind,
            priority=priority_id is not None,
            queued_at=queued_at,
            slot_at=slot_at,
        )
        for pk, service_id, kind, priority_id, queued_at, slot_at in rows
    ]


def dispatch_rules(rules: CnapRules) -> dispatch.Rules:
    return dispatch.Rules(priority_cap=rules.priority_cap, late_minutes=rules.late_minutes)


def as_waiting(ticket: Ticket) -> dispatch.Waiting:
    return dispatch.Waiting(
        id=ticket.pk,
        service_id=ticket.service_id,
        kind=ticket.kind,
        priority=ticket.priority_id is not None,
        queued_at=ticket.queued_at,
        slot_at=ticket.slot_at,
    )


def desk_services(desk: Desk) -> frozenset[int]:
    """Return the ids of the services the desk handles (its link rows only)."""
    links = Desk.services.through.objects.filter(desk_id=desk.pk)
    return frozenset(links.values_list("service_id", flat=True))


def recent_calls(*, desk: Desk, window: int) -> tuple[int, int]:
    """Return (priority calls, calls) among the desk's last `window` calls."""
    flags = list(
        QueueEvent.objects.filter(desk=desk, action=EV.CALLED)
        .order_by("-at", "-id")
        .values_list("priority", flat=True)[:window]
    )
    return sum(flags), len(flags)


def in_hand(*, desk: Desk) -> Ticket | None:
    """Return the ticket called to or served at the desk, its service and priority named."""
    # What a step returns (`_returning`), read with a plain statement.
    sql = statement(
        "cnap.in_hand",
        lambda connection: (
            f"SELECT {_returning().removeprefix('RETURNING ')} FROM cnap_ticket"  # noqa: S608 -- names from the models
            " WHERE desk_id = %s AND status IN ('called', 'serving')"
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [desk.pk])
        return _ticket_of(cursor.fetchone())


def _desk_ready(*, desk: Desk, actor: Resident) -> Office:
    office = desk.office
    _require(may_work_desk(actor, desk))
    if office.is_paused:
        raise OfficePaused()
    if not desk.is_open or desk.on_break:
        raise DeskClosed()
    return office


# The console's steps read and write the ticket with plain statements
# (hromada.core.rows): each step is one conditional UPDATE that returns the
# ticket as it is now, with the names the panel shows, instead of a locking
# read, an update and a read again through the ORM.
_TICKET_ROW = RowLoader(Ticket)
_CANDIDATE_ROW = RowLoader(
    Ticket, ["id", "service", "kind", "priority", "queued_at", "slot_at"], extra=("part",)
)


def _returning() -> str:
    """Return the RETURNING clause of a ticket step: the row, its service's and priority's names."""
    return statement(
        "cnap.returning",
        lambda connection: (
            "RETURNING "  # noqa: S608 -- names from the models
            + ", ".join(f"cnap_ticket.{field.column}" for field in _TICKET_ROW.fields)
            + ", (SELECT s.name FROM cnap_service s WHERE s.id = cnap_ticket.service_id)"
            " AS service_name,"
            " (SELECT p.name FROM cnap_prioritycategory p WHERE p.id = cnap_ticket.priority_id)"
            " AS priority_name"
        ),
    )


# PostgreSQL writes a step's event in the statement that changes the ticket
# (a data-modifying WITH): one round trip, no transaction around it, and
# the row's lock is held only while the statement runs.
_WITH_EVENT = (
    "WITH t AS ({update}), e AS ("
    "INSERT INTO cnap_queueevent (community_id, office_id, ticket_id, desk_id, service_id,"
    " actor_id, action, outcome, priority, at)"
    " SELECT t.community_id, t.office_id, t.id, %s, t.service_id, %s, %s, %s,"
    " t.priority_id IS NOT NULL, %s FROM t)"
    " SELECT * FROM t"
)


def _one_statement() -> bool:
    """Return whether a step's change and its event are one statement here (PostgreSQL)."""
    return connection.vendor == "postgresql"


def _update_ticket(
    sql: str,
    params: list,
    *,
    action: str,
    desk: Desk,
    actor: Resident | None,
    at: datetime,
    outcome: str = "",
) -> Ticket | None:
    """
    Run a ticket step's UPDATE and append its event; return the ticket as changed, or None.

    The ticket comes back with its service's and priority's names (what the
    panel shows); nothing is appended when the UPDATE changed no row.
    """
    actor_id = actor.pk if actor is not None and actor.pk else None
    if _one_statement():
        update = f"{sql} {_returning()}"
        with connection.cursor() as cursor:
            cursor.execute(
                _WITH_EVENT.format(update=update),
                [*params, desk.pk, actor_id, action, outcome, _dt(at)],
            )
            row = cursor.fetchone()
        return _ticket_of(row)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} {_returning()}", params)
            row = cursor.fetchone()
        ticket = _ticket_of(row)
        if ticket is not None:
            _event(ticket, action, actor=actor, desk=desk, outcome=outcome, at=at)
    return ticket


def _ticket_of(row) -> Ticket | None:
    if row is None:
        return None
    size = len(_TICKET_ROW.fields)
    ticket = _TICKET_ROW.build(row, connection)
    service_name, priority_name = row[size], row[size + 1]
    # The panel shows these names; the rest of the service is read only if asked for.
    ticket.service = Service.from_db(
        connection.alias, ["id", "name"], [ticket.service_id, service_name]
    )
    ticket.priority = (
        PriorityCategory.from_db(
            connection.alias, ["id", "name"], [ticket.priority_id, priority_name]
        )
        if ticket.priority_id is not None
        else None
    )
    return ticket


def _dt(value: datetime):
    return connection.ops.adapt_datetimefield_value(value)


def next_candidates(*, desk: Desk, now: datetime, rules: dispatch.Rules) -> list[dispatch.Waiting]:
    """
    Return what `dispatch.choose_next` needs to choose the desk's next ticket: at most three.

    Of the waiting tickets the desk may call now (its services, not sent
    to another desk, booked ones due) choose_next looks only at the first
    priority ticket in queue order, the booked visitor with the earliest
    slot and the first regular ticket in queue order; one statement
    returns those three, so the queue's length costs the call nothing.
    """
    return _candidates_and_near(desk=desk, now=now, rules=rules)[0]


def _candidates_sql(connection) -> str:
    """The statement of `_candidates_and_near`: the three candidates and anyone to tell."""
    columns = _CANDIDATE_ROW.columns("t", connection)
    callable_ = (
        "FROM cnap_ticket t"
        " WHERE t.office_id = %s AND t.status = 'waiting' AND t.checked_in_at IS NOT NULL"
        " AND t.service_id IN (SELECT l.service_id FROM cnap_desk_services l WHERE l.desk_id = %s)"
        " AND (t.target_desk_id IS NULL OR t.target_desk_id = %s)"
        " AND (t.kind <> 'booked' OR t.slot_at IS NULL OR t.slot_at <= %s)"
    )
    return (
        f"SELECT * FROM (SELECT {columns}, 'p' {callable_} AND t.priority_id IS NOT NULL"  # noqa: S608 -- as above
        " ORDER BY t.queued_at, t.id LIMIT 1) p"
        f" UNION ALL SELECT * FROM (SELECT {columns}, 'b' {callable_}"
        " AND t.priority_id IS NULL AND t.kind = 'booked'"
        " ORDER BY COALESCE(t.slot_at, t.queued_at), t.queued_at, t.id LIMIT 1) b"
        f" UNION ALL SELECT * FROM (SELECT {columns}, 'r' {callable_} AND t.priority_id IS NULL"
        " ORDER BY t.queued_at, t.id LIMIT 1) r"
        f" UNION ALL SELECT * FROM (SELECT {columns}, 'n' FROM cnap_ticket t"
        " WHERE t.office_id = %s AND t.status = 'waiting' AND t.near_notified_at IS NULL"
        " AND t.day = %s AND NOT (t.resident_id IS NULL AND t.phone = '') LIMIT 1) n"
    )


def _candidates_and_near(
    *, desk: Desk, now: datetime, rules: dispatch.Rules
) -> tuple[list[dispatch.Waiting], bool]:
    """
    Return `next_candidates` and whether the office has anyone `tell_near` may have to tell.

    The second comes in the same statement: most queues have no waiting
    ticket whose owner (a resident or a confirmed phone) is still untold.
    """
    sql = statement("cnap.candidates", _candidates_sql)
    due = _dt(now + timedelta(minutes=rules.booked_early_minutes))
    params = [desk.office_id, desk.pk, desk.pk, due] * 3
    params += [desk.office_id, connection.ops.adapt_datefield_value(timezone.localtime(now).date())]
    rows = _CANDIDATE_ROW.load(sql, params)
    candidates = [as_waiting(ticket) for ticket in rows if ticket.part != "n"]
    return candidates, any(ticket.part == "n" for ticket in rows)


def _desk_holds_ticket(desk: Desk) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM cnap_ticket WHERE desk_id = %s AND status IN ('called', 'serving')",
            [desk.pk],
        )
        return cursor.fetchone() is not None


def call_next(*, desk: Desk, actor: Resident, now: datetime | None = None) -> Ticket | None:
    """
    Call the next visitor to the desk, or return None when nobody waits for it.

    `dispatch.choose_next` picks the ticket; the claim is a conditional
    UPDATE (waiting → called only while still waiting), so of operators who
    pick the same ticket at once exactly one gets it and the others pick
    again. A unique constraint lets a desk hold one ticket at a time: a
    desk that already holds one fails its claim on it (DeskBusy), so the
    desk is looked at separately only when nobody waits for it.
    """
    now = now or timezone.now()
    office = _desk_ready(desk=desk, actor=actor)
    rules = dispatch_rules(rules_of(office))
    claim = (
        "UPDATE cnap_ticket SET status = 'called', desk_id = %s, called_at = %s,"
        " target_desk_id = NULL WHERE id = %s AND status = 'waiting'"
    )
    for _attempt in range(CLAIM_ATTEMPTS):
        try:
            # On PostgreSQL outside a transaction, none: the claim with its
            # event is one statement; a savepoint inside the caller's.
            together = (
                contextlib.nullcontext()
                if _one_statement() and not connection.in_atomic_block
                else transaction.atomic()
            )
            with together:
                candidates, anyone_near = _candidates_and_near(desk=desk, now=now, rules=rules)
                if not candidates:
                    if _desk_holds_ticket(desk):
                        raise DeskBusy()
                    return None
                # Every candidate is for one of the desk's services.
                desk_view = dispatch.Desk(
                    id=desk.pk, service_ids=frozenset(c.service_id for c in candidates)
                )
                # The desk's recent calls matter only when a priority and a
                # regular visitor both wait (the cap chooses between them).
                priority_calls = calls = 0
                if any(c.priority for c in candidates) and not all(c.priority for c in candidates):
                    priority_calls, calls = recent_calls(desk=desk, window=rules.window)
                chosen = dispatch.choose_next(
                    desk_view,
                    candidates,
                    now,
                    recent_priority_calls=priority_calls,
                    recent_calls=calls,
                    rules=rules,
                )
                if chosen is None:
                    return None
                # The claim returns the ticket as called: nothing is read again.
                # The claim and its event commit together, and at once: the
                # row stays locked (other desks wait on it) only this long.
                ticket = _update_ticket(
                    claim,
                    [desk.pk, _dt(now), chosen.id],
                    action=EV.CALLED,
                    desk=desk,
                    actor=actor,
                    at=now,
                )
                if ticket is None:
                    continue  # another desk took it first; choose again
                _board_changed(office.pk, chosen.service_id)
        except IntegrityError:
            # The desk holds a ticket already (or pressed "next" twice at
            # once): the claim broke the one-in-hand constraint; one call stands.
            raise DeskBusy() from None
        # Told after the commit (each telling is claimed by its own
        # conditional UPDATE, so it is said once): never of a call undone.
        ticket.office = office
        tell_called(ticket=ticket, desk=desk, now=now)
        if anyone_near:
            tell_near(office=office, now=now)
        return ticket
    return None


def _hand(*, desk: Desk, actor: Resident, statuses) -> Ticket:
    """Return the desk's ticket in hand, its row locked, with what the console shows of it."""
    _require(may_work_desk(actor, desk))
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("service", "priority")
        .filter(desk=desk, status__in=Ticket.IN_HAND)
        .first()
    )
    if ticket is None:
        raise NothingInHand()
    if ticket.status not in statuses:
        raise WrongTicketStatus(status=ticket.get_status_display())
    ticket.office = desk.office
    return ticket


def _step(
    *,
    desk: Desk,
    actor: Resident,
    statuses,
    changes: str,
    params: list,
    action: str,
    at: datetime,
    outcome: str = "",
    recalls: int = 0,
) -> Ticket:
    """
    Change the desk's ticket in hand with one conditional UPDATE, append the step's event, and
    return the ticket as changed.

    The UPDATE takes the row's lock itself and changes it only while it is
    in one of `statuses` at this desk (and called at least `recalls` times
    again), so two presses at once change it once: the second finds nothing
    to change. Why nothing changed is read only then.
    """
    _require(may_work_desk(actor, desk))
    in_statuses = ", ".join(f"'{TS(status).value}'" for status in statuses)
    sql = (
        f"UPDATE cnap_ticket SET {changes} WHERE desk_id = %s"  # noqa: S608 -- fixed names
        f" AND status IN ({in_statuses}) AND recalls >= %s"
    )
    ticket = _update_ticket(
        sql,
        [*params, desk.pk, recalls],
        action=action,
        desk=desk,
        actor=actor,
        at=at,
        outcome=outcome,
    )
    if ticket is None:
        held = Ticket.objects.filter(desk=desk, status__in=Ticket.IN_HAND).first()
        if held is None:
            raise NothingInHand()
        if held.status not in statuses:
            raise WrongTicketStatus(status=held.get_status_display())
        if held.recalls < recalls:
            raise TooEarlyForNoShow(left=recalls - held.recalls)
        raise NothingInHand()  # the desk's ticket changed meanwhile: press again
    ticket.office = desk.office
    return ticket


def recall(*, desk: Desk, actor: Resident, now: datetime | None = None) -> Ticket:
    """Call the visitor at the desk again (the board shows and says it once more)."""
    now = now or timezone.now()
    if desk.office.is_paused:
        raise OfficePaused()
    ticket = _step(
        desk=desk,
        actor=actor,
        action=EV.RECALLED,
        at=now,
        statuses=[TS.CALLED],
        changes="recalls = recalls + 1, called_at = %s",
        params=[_dt(now)],
    )
    _board_changed(desk.office_id, ticket.service_id)
    return ticket


def start(*, desk: Desk, actor: Resident, now: datetime | None = None) -> Ticket:
    """The visitor came to the desk: the service begins."""
    now = now or timezone.now()
    ticket = _step(
        desk=desk,
        actor=actor,
        action=EV.STARTED,
        at=now,
        statuses=[TS.CALLED],
        changes="status = 'serving', started_at = %s",
        params=[_dt(now)],
    )
    _board_changed(desk.office_id, ticket.service_id)
    return ticket


def finish(*, desk: Desk, actor: Resident, outcome: str, now: datetime | None = None) -> Ticket:
    """End the visit with its outcome: served, needs documents, redirected, not served."""
    now = now or timezone.now()
    if outcome not in Ticket.Outcome.values:
        raise ValidationFailed(fields={"outcome": str(_("Choose the outcome of the visit."))})
    ticket = _step(
        desk=desk,
        actor=actor,
        action=EV.FINISHED,
        at=now,
        outcome=outcome,
        statuses=[TS.CALLED, TS.SERVING],
        changes=(
            "status = 'done', outcome = %s, finished_at = %s, started_at = COALESCE(started_at, %s)"
        ),
        params=[outcome, _dt(now), _dt(now)],
    )
    _board_changed(desk.office_id, ticket.service_id)
    return ticket


@transaction.atomic
def transfer(
    *,
    desk: Desk,
    actor: Resident,
    to_service: Service | None = None,
    to_desk: Desk | None = None,
    now: datetime | None = None,
) -> Ticket:
    """
    Send the visitor at the desk to another service or desk, keeping the place.

    The ticket goes back to the queue with its original queue time, so it is
    called before those who came later.
    """
    now = now or timezone.now()
    if to_service is None and to_desk is None:
        raise ValidationFailed(fields={"to_service": str(_("Choose a service or a desk."))})
    office = desk.office
    if to_desk is not None and (to_desk.office_id != office.pk or to_desk.pk == desk.pk):
        raise ValidationFailed(fields={"to_desk": str(_("Choose another desk of this office."))})
    if to_service is not None and not offered_at(service=to_service, office=office):
        raise ServiceUnavailable()
    # The row is locked while its line (the service it leaves) is known.
    held = _hand(desk=desk, actor=actor, statuses=[TS.CALLED, TS.SERVING])
    ticket = _update_ticket(
        "UPDATE cnap_ticket SET status = 'waiting', desk_id = NULL, called_at = NULL,"
        " started_at = NULL, service_id = %s, target_desk_id = %s WHERE id = %s",
        [
            to_service.pk if to_service is not None else held.service_id,
            to_desk.pk if to_desk is not None else None,
            held.pk,
        ],
        action=EV.TRANSFERRED,
        desk=desk,
        actor=actor,
        at=now,
    )
    ticket.office = office
    _board_changed(office.pk, held.service_id, ticket.service_id)
    return ticket


def mark_no_show(*, desk: Desk, actor: Resident, now: datetime | None = None) -> Ticket:
    """The called visitor did not come after the community's number of recalls."""
    now = now or timezone.now()
    ticket = _step(
        desk=desk,
        actor=actor,
        action=EV.NO_SHOW,
        at=now,
        statuses=[TS.CALLED],
        changes="status = 'no_show', finished_at = %s",
        params=[_dt(now)],
        recalls=rules_of(desk.office).recalls_before_no_show,
    )
    _board_changed(desk.office_id, ticket.service_id)
    return ticket


@transaction.atomic
def set_desk_state(
    *, desk: Desk, actor: Resident, is_open: bool | None = None, on_break: bool | None = None
) -> Desk:
    """Open or close the desk, or start or end a break; not with a visitor in hand."""
    _require(may_work_desk(actor, desk))
    if (is_open is False or on_break) and in_hand(desk=desk) is not None:
        raise DeskBusy()
    before = {"is_open": desk.is_open, "on_break": desk.on_break}
    if is_open is not None:
        desk.is_open = is_open
    if on_break is not None:
        desk.on_break = on_break
    desk.save(update_fields=["is_open", "on_break"])
    audit.record(
        actor=actor,
        action="cnap_desk.state_changed",
        target=desk,
        community=desk.office.community,
        before=before,
        after={"is_open": desk.is_open, "on_break": desk.on_break},
    )
    return desk


# The office ------------------------------------------------------------------------


@transaction.atomic
def pause_office(*, office: Office, actor: Resident, now: datetime | None = None) -> Office:
    """Stop calling for an air-raid alert; check-in deadlines stop with it."""
    now = now or timezone.now()
    _require(may_run_office(actor, office))
    if Office.objects.filter(pk=office.pk, paused_since__isnull=True).update(paused_since=now):
        office.paused_since = now
        QueueEvent.objects.create(
            community_id=office.community_id, office=office, actor=actor, action=EV.PAUSED, at=now
        )
        audit.record(actor=actor, action="cnap_office.paused", target=office)
        _board_changed(office.pk, office_wide=True)
    return office


@transaction.atomic
def resume_office(*, office: Office, actor: Resident, now: datetime | None = None) -> Office:
    """
    Resume after the all-clear in the same order.

    Queue times are left as they were, so the order is the one before the
    alert; remote joins get the paused time added to their check-in window.
    """
    now = now or timezone.now()
    _require(may_run_office(actor, office))
    office.refresh_from_db(fields=["paused_since"])
    since = office.paused_since
    if since is None:
        return office
    Office.objects.filter(pk=office.pk).update(paused_since=None)
    office.paused_since = None
    Ticket.objects.filter(
        office=office, status=TS.WAITING, checked_in_at__isnull=True, check_in_by__isnull=False
    ).update(check_in_by=F("check_in_by") + (now - since))
    QueueEvent.objects.create(
        community_id=office.community_id, office=office, actor=actor, action=EV.RESUMED, at=now
    )
    audit.record(actor=actor, action="cnap_office.resumed", target=office)
    _board_changed(office.pk, office_wide=True)
    return office


@transaction.atomic
def set_blackout(*, office: Office, actor: Resident, on: bool) -> Office:
    """Switch blackout mode: services needing state registers stop being offered."""
    _require(may_run_office(actor, office))
    if office.blackout != bool(on):
        office.blackout = bool(on)
        office.save(update_fields=["blackout"])
        audit.record(
            actor=actor,
            action="cnap_office.blackout_on" if on else "cnap_office.blackout_off",
            target=office,
        )
        _board_changed(office.pk)
    return office


# Bookings -------------------------------------------------------------------------


def _check_booker(*, resident: Resident, community: Community, starts_at: datetime, rules) -> None:
    month_start = timezone.localtime(starts_at).date().replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    in_month = Booking.objects.filter(
        resident=resident,
        community=community,
        starts_at__gte=_at(month_start, time(0)),
        starts_at__lt=_at(next_month, time(0)),
    ).exclude(status=Booking.Status.CANCELLED)
    if in_month.count() >= rules.monthly_cap:
        raise MonthlyCapReached(cap=rules.monthly_cap)
    missed = Booking.objects.filter(
        resident=resident,
        community=community,
        status=Booking.Status.NO_SHOW,
        starts_at__gte=timezone.now() - timedelta(days=rules.no_show_days),
    ).count()
    if missed >= rules.no_show_limit:
        raise BookingBlocked(count=missed)


@transaction.atomic
def book_slot(
    *,
    resident: Resident,
    office: Office,
    service: Service,
    starts_at: datetime,
    now: datetime | None = None,
) -> Booking:
    """
    Book a visit at a slot of a future or today's reception.

    Each slot has seats 0…capacity-1 and the database holds one active
    booking per seat: of many residents booking the last place at once,
    exactly one gets it and the others hear it was taken.
    """
    now = now or timezone.now()
    community = office.community
    require_level(resident=resident, community=community, action="cnap.book")
    if service.community_id != community.pk or not service.is_active:
        raise ServiceNotFound()
    if not service.booking_allowed:
        raise NotBookable()
    if office.kind == Office.Kind.REMOTE and not service.at_remote_workplace:
        raise ServiceUnavailable()
    rules = rules_for(community)
    if starts_at <= now:
        raise SlotInPast()
    day = timezone.localtime(starts_at).date()
    if not _day_open_for_booking(day=day, now=now, rules=rules):
        raise TooFarAhead(days=rules.horizon_days)
    capacity = dict(slot_grid(office=office, service=service, day=day)).get(starts_at)
    if not capacity:
        raise SlotUnavailable()
    if Booking.objects.filter(
        resident=resident,
        service=service,
        status__in=Booking.ACTIVE,
        starts_at__gte=_at(day, time(0)),
        starts_at__lt=_at(day + timedelta(days=1), time(0)),
    ).exists():
        raise AlreadyBooked()
    _check_booker(resident=resident, community=community, starts_at=starts_at, rules=rules)
    taken = set(
        Booking.objects.filter(
            office=office, service=service, starts_at=starts_at, status__in=Booking.ACTIVE
        ).values_list("seat", flat=True)
    )
    code = _new_code(office=office)
    booking = None
    for seat in range(capacity):
        if seat in taken:
            continue
        try:
            with transaction.atomic():  # savepoint: a lost seat leaves the outer one usable
                booking = Booking.objects.create(
                    community=community,
                    office=office,
                    service=service,
                    resident=resident,
                    starts_at=starts_at,
                    seat=seat,
                    code=code,
                    created_at=now,
                )
            break
        except IntegrityError:
            continue  # another resident took this seat a moment ago
    if booking is None:
        raise SlotTaken()
    audit.record(actor=resident, action="cnap_booking.created", target=booking, community=community)
    notify(
        resident,
        "cnap/booked",
        community=community,
        booking=booking,
        office=office,
        late_minutes=rules.late_minutes,
    )
    return booking


def _own_booking(*, booking: Booking, actor: Resident) -> None:
    if booking.resident_id == actor.pk:
        return
    if not may_run_office(actor, booking.office):
        raise BookingNotFound()


@transaction.atomic
def cancel_booking(*, booking: Booking, actor: Resident, now: datetime | None = None) -> Booking:
    """Cancel a booking that has not started; its seat is free at once."""
    now = now or timezone.now()
    _own_booking(booking=booking, actor=actor)
    if booking.starts_at <= now:
        raise BookingNotActive()
    moved = Booking.objects.filter(pk=booking.pk, status=Booking.Status.BOOKED).update(
        status=Booking.Status.CANCELLED, cancelled_at=now
    )
    if not moved:
        raise BookingNotActive()
    booking.refresh_from_db()
    audit.record(actor=actor, action="cnap_booking.cancelled", target=booking)
    return booking


@transaction.atomic
def reschedule(
    *, booking: Booking, actor: Resident, starts_at: datetime, now: datetime | None = None
) -> Booking:
    """Move a booking to another slot: the new one is booked before the old one is let go."""
    now = now or timezone.now()
    _own_booking(booking=booking, actor=actor)
    cancel_booking(booking=booking, actor=actor, now=now)
    # The cancellation rolls back with the whole transaction if the new slot fails.
    return book_slot(
        resident=booking.resident,
        office=booking.office,
        service=booking.service,
        starts_at=starts_at,
        now=now,
    )


# Scheduled -------------------------------------------------------------------------


@transaction.atomic
def expire_overdue(*, now: datetime | None = None) -> dict[str, int]:
    """
    Lapse remote joins past their check-in window (not while their office is
    paused), mark bookings nobody checked in for as no-shows and close the
    tickets left open from earlier days. Safe to run any number of times.
    """
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    lapsed = list(
        Ticket.objects.filter(
            status=TS.WAITING,
            checked_in_at__isnull=True,
            check_in_by__lt=now,
            office__paused_since__isnull=True,
        )
    )
    for ticket in lapsed:
        if Ticket.objects.filter(pk=ticket.pk, status=TS.WAITING).update(
            status=TS.LAPSED, finished_at=now
        ):
            _event(ticket, EV.LAPSED, at=now)
            _board_changed(ticket.office_id, ticket.service_id)
    no_shows = 0
    for rules in CnapRules.objects.all():
        no_shows += Booking.objects.filter(
            community_id=rules.community_id,
            status=Booking.Status.BOOKED,
            starts_at__lt=now - timedelta(minutes=rules.late_minutes + 60),
        ).update(status=Booking.Status.NO_SHOW)
    stale = Ticket.objects.filter(day__lt=today, status__in=Ticket.OPEN).update(
        status=TS.LAPSED, desk=None, finished_at=now
    )
    # A visitor's phone serves the day's messages only; codes live minutes.
    Ticket.objects.filter(day__lt=today).exclude(phone="").update(phone="")
    PhoneCode.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    return {"lapsed": len(lapsed), "no_shows": no_shows, "stale": stale}


def ticket_by_token(*, token) -> Ticket:
    try:
        return Ticket.objects.select_related("office", "service", "desk").get(token=token)
    except (Ticket.DoesNotExist, ValueError, ValidationError):
        raise TicketNotFound() from None


# Joining by phone ------------------------------------------------------------------

# A phone gets a few codes a quarter of an hour; an address a few more an
# hour (a family's phones behind one router); confirmations are counted per
# address on top of each code's own lock-out.
PHONE_CODE_RATE = "3/15m"
PHONE_ADDRESS_RATE = "10/h"
CONFIRM_ADDRESS_RATE = "30/h"


class PhoneCodeNotFound(NotFound):
    code = "cnap_phone_code_not_found"
    message = _("This confirmation page is not valid. Ask for a new code.")


class PhoneCodeWrong(Conflict):
    code = "cnap_phone_code_wrong"
    message = _("The code is wrong. Check the text message: %(left)d tries left.")


class PhoneCodeExpired(Conflict):
    code = "cnap_phone_code_expired"
    message = _("The code is no longer valid. Ask for a new one.")


class PhoneCodeLocked(Conflict):
    code = "cnap_phone_code_locked"
    message = _("Too many wrong codes. This code is blocked; ask for a new one.")


class TooManyCodes(RateLimited):
    code = "cnap_too_many_codes"
    message = _("Too many codes were asked for. Please try again in a quarter of an hour.")


class SmsNotSent(DomainError):
    code = "cnap_sms_not_sent"
    status = 503
    message = _("The text message could not be sent now. Please try again in a few minutes.")


PHONE_CODE_PURPOSE = "hromada.cnap.phone_code"


def _phone_holds_place(*, office: Office, service: Service, phone: str, day: date) -> bool:
    return Ticket.objects.filter(
        office=office, service=service, day=day, phone=phone, status__in=Ticket.OPEN
    ).exists()


@transaction.atomic
def request_phone_code(
    *,
    office: Office,
    service: Service,
    phone: str,
    address: str = "",
    now: datetime | None = None,
) -> PhoneCode:
    """
    Text a one-time code to a phone so its owner can join today's queue without an account.

    Only a keyed hash of the code is stored; the code is valid for
    `PHONE_CODE_MINUTES`. Codes are rate-limited per phone and per address,
    and nothing is sent for an office or a service that cannot take the visitor now.
    """
    from hromada.cnap.models import PHONE_CODE_LENGTH, PHONE_CODE_MINUTES
    from hromada.core import sms

    now = now or timezone.now()
    phone = sms.normalise_phone(str(phone or "")[:40])
    if service.community_id != office.community_id:
        raise ServiceNotFound()
    _check_can_queue(office=office, service=service, now=now)
    if _phone_holds_place(
        office=office, service=service, phone=phone, day=timezone.localtime(now).date()
    ):
        raise AlreadyInQueue()
    if over_any(
        group="cnap.phone_code",
        checks=[(phone, PHONE_CODE_RATE), (address_bucket(address), PHONE_ADDRESS_RATE)],
    ):
        raise TooManyCodes()
    code = onetime.new_code(PHONE_CODE_LENGTH)
    row = PhoneCode(
        community_id=office.community_id,
        office=office,
        service=service,
        phone=phone,
        created_at=now,
        expires_at=now + timedelta(minutes=PHONE_CODE_MINUTES),
    )
    row.code_hash = onetime.code_hash(PHONE_CODE_PURPOSE, row.token, code)
    row.save()
    text = _("ЦНАП code: %(code)s. Valid %(minutes)d min. Tell it to no one.") % {
        "code": code,
        "minutes": PHONE_CODE_MINUTES,
    }
    try:
        # Sent before the commit: a code that never left is not kept either.
        sms.send_sms(phone=phone, text=str(text), reference=f"cnap.phone_code.{row.pk}")
    except sms.SmsError:
        raise SmsNotSent() from None
    return row


def phone_code_by_token(*, community: Community, token) -> PhoneCode:
    try:
        return PhoneCode.objects.select_related("office", "service").get(
            community=community, token=token, used_at__isnull=True
        )
    except (PhoneCode.DoesNotExist, ValueError, ValidationError):
        raise PhoneCodeNotFound() from None


def confirm_phone_code(
    *,
    community: Community,
    token,
    code: str,
    address: str = "",
    now: datetime | None = None,
) -> Ticket:
    """
    Check the code texted to the phone and give its owner a place in today's queue.

    The code is compared in constant time. A wrong code counts a try, which
    is kept although the call fails; after `PHONE_CODE_TRIES` the code is
    blocked. Nothing else changes until the right code comes in time.
    """
    from hromada.cnap.models import PHONE_CODE_TRIES

    now = now or timezone.now()
    code = str(code or "").strip()[:20]
    if over_any(
        group="cnap.phone_confirm", checks=[(address_bucket(address), CONFIRM_ADDRESS_RATE)]
    ):
        raise RateLimited()
    failure: DomainError | None = None
    with transaction.atomic():
        try:
            row = (
                PhoneCode.objects.select_for_update()
                .select_related("office", "service")
                .get(community=community, token=token)
            )
        except (PhoneCode.DoesNotExist, ValueError, ValidationError):
            raise PhoneCodeNotFound() from None
        if row.used_at is not None:
            reason, left = onetime.EXPIRED, 0
        else:
            reason, left = onetime.check_code(
                row,
                code,
                purpose=PHONE_CODE_PURPOSE,
                key=row.token,
                now=now,
                tries=PHONE_CODE_TRIES,
            )
        if reason == onetime.WRONG:
            failure = PhoneCodeWrong(left=left)
        elif reason is not None:
            failure = PhoneCodeLocked() if reason == onetime.LOCKED else PhoneCodeExpired()
        else:
            ticket = _join_by_phone(row=row, now=now)
            row.used_at = now
            row.ticket = ticket
            row.save(update_fields=["used_at", "ticket"])
            return ticket
    # Raised after the commit: the counted try stays counted.
    raise failure


def _join_by_phone(*, row: PhoneCode, now: datetime) -> Ticket:
    office, service = row.office, row.service
    office.community = Community.objects.get(pk=row.community_id)
    _check_can_queue(office=office, service=service, now=now)
    day = timezone.localtime(now).date()
    if _phone_holds_place(office=office, service=service, phone=row.phone, day=day):
        raise AlreadyInQueue()
    rules = rules_for(office.community)
    try:
        with transaction.atomic():
            ticket = _new_ticket(
                office=office,
                service=service,
                kind=Ticket.Kind.REMOTE,
                now=now,
                phone=row.phone,
                code=_new_code(office=office),
                check_in_by=now + timedelta(minutes=rules.check_in_minutes),
            )
    except IntegrityError:
        raise AlreadyInQueue() from None  # the same phone confirmed twice at once
    _event(ticket, EV.JOINED, at=now)
    _board_changed(office.pk, ticket.service_id)
    return ticket


# Telling the ticket's owner --------------------------------------------------------

NEAR_AHEAD = 3
NEAR_CANDIDATES = 200


def _text_ticket(ticket: Ticket, event: str) -> None:
    if ticket.phone:
        transaction.on_commit(lambda: _enqueue_ticket_sms(ticket.pk, event))


def _enqueue_ticket_sms(ticket_id: int, event: str) -> None:
    from hromada.cnap.tasks import send_ticket_sms

    send_ticket_sms.enqueue(ticket_id, event)


def tell_called(*, ticket: Ticket, desk: Desk, now: datetime | None = None) -> bool:
    """Tell the owner (e-mail, SMS to a confirmed phone) the ticket is called: once per ticket."""
    now = now or timezone.now()
    if ticket.resident_id is None and not ticket.phone:
        return False
    claimed = Ticket.objects.filter(
        pk=ticket.pk, status__in=Ticket.IN_HAND, called_notified_at__isnull=True
    ).update(called_notified_at=now)
    if not claimed:
        return False
    if ticket.resident_id is not None:
        notify(
            ticket.resident,
            "cnap/called",
            community=ticket.office.community,
            ticket=ticket,
            desk=desk,
        )
    _text_ticket(ticket, "called")
    return True


def tell_near(*, office: Office, now: datetime | None = None) -> int:
    """
    Tell the owners of waiting tickets with at most three ahead that their turn is near.

    Each ticket is claimed by a conditional UPDATE before anything is sent,
    so however often this runs its owner hears it once; a lapsed, cancelled
    or called ticket is never told.
    """
    now = now or timezone.now()
    # Most queues have nobody to tell: a narrow plain statement (after every
    # call) finds that out, and only then are the tickets read whole.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM cnap_ticket WHERE office_id = %s AND status = 'waiting'"
            " AND near_notified_at IS NULL AND day = %s"
            " AND NOT (resident_id IS NULL AND phone = '')"
            " ORDER BY queued_at, id LIMIT %s",
            [
                office.pk,
                connection.ops.adapt_datefield_value(timezone.localtime(now).date()),
                NEAR_CANDIDATES,
            ],
        )
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return 0
    owned = list(
        Ticket.objects.filter(pk__in=ids)
        .select_related("resident", "service")
        .order_by("queued_at", "id")
    )
    # Positions from one query: the callable tickets per service in queue order.
    lines: dict[int, list[tuple]] = {}
    for service_id, queued_at, pk in (
        Ticket.objects.filter(office=office, status=TS.WAITING, checked_in_at__isnull=False)
        .order_by("queued_at", "id")
        .values_list("service_id", "queued_at", "id")
    ):
        lines.setdefault(service_id, []).append((queued_at, pk))
    told = 0
    for ticket in owned:
        line = lines.get(ticket.service_id, [])
        ahead = sum(1 for entry in line if entry < (ticket.queued_at, ticket.pk))
        if ahead > NEAR_AHEAD:
            continue
        if not Ticket.objects.filter(
            pk=ticket.pk, status=TS.WAITING, near_notified_at__isnull=True
        ).update(near_notified_at=now):
            continue
        ticket.office = office
        if ticket.resident_id is not None:
            notify(
                ticket.resident,
                "cnap/near",
                community=office.community,
                ticket=ticket,
                ahead=ahead,
            )
        _text_ticket(ticket, "near")
        told += 1
    return told


def ticket_sms_text(ticket: Ticket, event: str) -> str:
    office = ticket.office.name[:60]
    if event == "called":
        desk = ticket.desk.number if ticket.desk_id else ""
        return str(
            _("Ticket %(ticket)s: please come to desk %(desk)s now. %(office)s")
            % {"ticket": ticket.label, "desk": desk, "office": office}
        )
    return str(
        _("Ticket %(ticket)s: your turn is near, please come to %(office)s.")
        % {"ticket": ticket.label, "office": office}
    )


def send_ticket_sms(*, ticket_id: int, event: str) -> bool:
    """
    Text the ticket's confirmed phone (the background job's body).

    Sent only while the ticket is still in the state the message speaks of:
    a ticket cancelled or lapsed meanwhile gets nothing.
    """
    from django.conf import settings
    from django.utils import translation

    from hromada.core import sms

    ticket = Ticket.objects.select_related("office", "desk").filter(pk=ticket_id).first()
    if ticket is None or not ticket.phone:
        return False
    still = TS.WAITING if event == "near" else Ticket.IN_HAND
    if ticket.status not in still:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        text = ticket_sms_text(ticket, event)
    sms.send_sms(phone=ticket.phone, text=text, reference=f"cnap.ticket.{ticket.pk}.{event}")
    return True


# Booking reminders -----------------------------------------------------------------


def remind_bookings(*, now: datetime | None = None) -> dict[str, int]:
    """
    Remind residents of their bookings a day and an hour before (scheduled, idempotent).

    Each reminder is claimed by stamping the booking first, so two runs at
    once, or a run repeated, send it once. A booking made less than a day
    ahead gets only the hour's reminder; a cancelled one gets none.
    """
    now = now or timezone.now()
    sent = {"day": 0, "hour": 0}
    due = Booking.objects.filter(
        status=Booking.Status.BOOKED, starts_at__gt=now, starts_at__lte=now + timedelta(hours=24)
    ).select_related("resident", "office", "service", "community")
    for booking in due.filter(
        reminded_hour_at__isnull=True, starts_at__lte=now + timedelta(hours=1)
    ):
        sent["hour"] += _remind(booking, "reminded_hour_at", hours=1, now=now)
    for booking in due.filter(
        reminded_day_at__isnull=True,
        starts_at__gt=now + timedelta(hours=1),
        created_at__lte=F("starts_at") - timedelta(hours=24),
    ):
        sent["day"] += _remind(booking, "reminded_day_at", hours=24, now=now)
    return sent


def _remind(booking: Booking, stamp: str, *, hours: int, now: datetime) -> int:
    with transaction.atomic():
        claimed = Booking.objects.filter(
            pk=booking.pk, status=Booking.Status.BOOKED, **{f"{stamp}__isnull": True}
        ).update(**{stamp: now})
        if not claimed:
            return 0
        notify(
            booking.resident,
            "cnap/reminder",
            community=booking.community,
            booking=booking,
            office=booking.office,
            hours=hours,
        )
    return 1


# Priority --------------------------------------------------------------------------


class NotPriority(Conflict):
    code = "cnap_not_priority"
    message = _("This ticket is not a priority one.")


class PriorityUsedToday(Conflict):
    code = "cnap_priority_used_today"
    message = _(
        "This document has already given priority for this service today. "
        "Serve the visitor in the usual order."
    )


def _document_key(*, community_id: int, document: str) -> str:
    folded = "".join(ch for ch in str(document or "").upper() if ch.isalnum())
    if not 2 <= len(folded) <= 40:
        raise ValidationFailed(
            fields={"document": str(_("Enter the series and number of the document."))}
        )
    return salted_hmac(
        "hromada.cnap.priority", f"{community_id}:{folded}", algorithm="sha256"
    ).hexdigest()


@transaction.atomic
def confirm_priority(
    *, desk: Desk, actor: Resident, document: str, now: datetime | None = None
) -> PriorityUse:
    """
    The operator checked the visitor's priority document at the desk.

    A document gives priority at most once a day per service (a unique
    row of a keyed hash of its number: no numbers are stored); a second
    check the same day is refused and the visitor is served as usual.
    """
    now = now or timezone.now()
    ticket = _hand(desk=desk, actor=actor, statuses=[TS.CALLED, TS.SERVING])
    if ticket.priority_id is None:
        raise NotPriority()
    person = _document_key(community_id=ticket.community_id, document=document)
    existing = PriorityUse.objects.filter(ticket=ticket).first()
    if existing is not None:
        if existing.person != person:
            raise WrongTicketStatus(status=ticket.get_status_display())
        return existing
    try:
        with transaction.atomic():
            use = PriorityUse.objects.create(
                community_id=ticket.community_id,
                day=ticket.day,
                service_id=ticket.service_id,
                person=person,
                ticket=ticket,
                category_id=ticket.priority_id,
                confirmed_by=actor,
                confirmed_at=now,
            )
    except IntegrityError:
        raise PriorityUsedToday() from None
    Ticket.objects.filter(pk=ticket.pk).update(priority_confirmed_at=now)
    audit.record(
        actor=actor,
        action="cnap_ticket.priority_confirmed",
        target=ticket,
        community=desk.office.community,
        after={"category": str(ticket.priority), "desk": desk.number},
    )
    return use
