"""Read queries of the service centre shared by the pages, the API and the back office."""

from __future__ import annotations

import math
import re
import uuid
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.cnap import dispatch, services
from hromada.cnap.models import (
    Booking,
    CnapRules,
    Desk,
    LifeSituation,
    Office,
    QueueEvent,
    Service,
    Ticket,
)
from hromada.core.models import Community, Resident, StaffRole
from hromada.core.params import parse_int
from hromada.core.registry import DashboardItem
from hromada.core.rows import RowLoader, statement

TS = Ticket.Status
BOARD_CALLS = 5

# Ukrainian word endings, longest first: "паспорта", "паспортом" and
# "паспорт" all look for "паспорт".
_ENDINGS = sorted(
    [
        "ами",
        "ями",
        "ого",
        "ому",
        "ими",
        "іми",
        "ими",
        "ої",
        "ій",
        "ий",
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
        "ти",
        "ть",
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
_WORD = re.compile(r"\w+")
_APOSTROPHES = str.maketrans({"’": "", "ʼ": "", "`": "", "‘": "", "'": ""})


def normalise(text: str) -> str:
    """Return text folded for search: case folded, apostrophes dropped, ґ as г."""
    return str(text or "").translate(_APOSTROPHES).casefold().replace("ґ", "г")


def search_text(service: Service) -> str:
    """Return what the search looks through: name, code, result, documents, provider."""
    return normalise(" ".join([service.name, service.code, service.result, service.provider_name]))


def search_terms(query: str) -> list[str]:
    """Return the stems to look for: the words of the query without their endings."""
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


# How close a misspelt word must come to a word of the service (pg_trgm's
# word similarity: "паспотр" against "паспорта" is 0.625).
TRIGRAM_THRESHOLD = 0.5
# Shorter stems match too much by trigrams: they are looked up by full text only.
TRIGRAM_MIN_LENGTH = 4


def _match(services_qs: QuerySet[Service], terms: list[str]) -> QuerySet[Service]:
    """
    Match every stem as a word prefix: full text on PostgreSQL, `contains` on SQLite.

    On PostgreSQL a service also matches when each word of the query comes
    close to one of its words by trigram similarity (pg_trgm), so a typo
    still finds it.
    """
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import (
            SearchQuery,
            SearchVector,
            TrigramWordSimilarity,
        )

        # The 'simple' configuration keeps Ukrainian words whole; a prefix
        # query (stem:*) then finds every form of the word.
        raw = " & ".join(f"{term}:*" for term in terms)
        found = services_qs.annotate(document=SearchVector("search_text", config="simple"))
        matches = Q(document=SearchQuery(raw, config="simple", search_type="raw"))
        if all(len(term) >= TRIGRAM_MIN_LENGTH for term in terms):
            similar = {
                f"similar_{index}": TrigramWordSimilarity(term, "search_text")
                for index, term in enumerate(terms)
            }
            found = found.annotate(**similar)
            fuzzy = Q()
            for name in similar:
                fuzzy &= Q(**{f"{name}__gte": TRIGRAM_THRESHOLD})
            matches |= fuzzy
        return found.filter(matches)
    for term in terms:
        # search_text is folded when saved: SQLite's LIKE folds ASCII only.
        services_qs = services_qs.filter(search_text__contains=term)
    return services_qs


def catalogue(
    *,
    community: Community,
    query: str = "",
    situation: LifeSituation | None = None,
    provider: str = "",
    audience: str = "",
) -> QuerySet[Service]:
    """Return the offered services matching the query and the filters."""
    found = Service.objects.filter(community=community, is_active=True).select_related(
        "provider_department"
    )
    terms = search_terms(query)
    if terms:
        found = _match(found, terms)
    if situation is not None:
        found = found.filter(life_situations=situation)
    if provider:
        found = found.filter(Q(provider_department__name=provider) | Q(provider_name=provider))
    if audience:
        found = found.filter(audience__in=[audience, Service.Audience.BOTH])
    return found.order_by("position", "name")


def life_situations(*, community: Community) -> QuerySet[LifeSituation]:
    return LifeSituation.objects.filter(community=community)


def providers(*, community: Community) -> list[str]:
    """Return the names of those who provide the community's services."""
    rows = Service.objects.filter(community=community, is_active=True).values_list(
        "provider_department__name", "provider_name"
    )
    return sorted({department or name for department, name in rows if department or name})


def service_in(*, community: Community, pk) -> Service:
    try:
        return Service.objects.select_related("provider_department").get(
            community=community, pk=int(pk), is_active=True
        )
    except (Service.DoesNotExist, TypeError, ValueError):
        raise services.ServiceNotFound() from None


def offices(*, community: Community) -> QuerySet[Office]:
    return Office.objects.filter(community=community).prefetch_related("hours")


_OFFICE_ROW = RowLoader(Office)


def office_in(*, community: Community, pk) -> Office:
    """Return the community's office (one plain statement: every kiosk request reads it)."""
    pk = parse_int(pk)
    if pk is None:
        raise services.OfficeNotFound()
    sql = statement(
        "cnap.office",
        lambda connection: (
            f"SELECT {_OFFICE_ROW.columns('o', connection)} FROM cnap_office o"  # noqa: S608 -- names from the models
            " WHERE o.id = %s AND o.community_id = %s"
        ),
    )
    found = _OFFICE_ROW.load(sql, [pk, community.pk])
    if not found:
        raise services.OfficeNotFound()
    office = found[0]
    office.community = community
    return office


# What taking a ticket needs of a service (services.issue_ticket), without its long texts.
_QUEUED_SERVICE_ROW = RowLoader(
    Service,
    [
        "id",
        "community",
        "name",
        "duration_minutes",
        "booking_allowed",
        "needs_registers",
        "at_remote_workplace",
        "series",
        "is_active",
    ],
)


def service_to_queue(*, community: Community, pk) -> Service | None:
    """Return the community's service a kiosk visitor chose (what a ticket needs of it), or None."""
    pk = parse_int(pk)
    if pk is None:
        return None
    sql = statement(
        "cnap.service_to_queue",
        lambda connection: (
            f"SELECT {_QUEUED_SERVICE_ROW.columns('s', connection)} FROM cnap_service s"  # noqa: S608 -- names from the models
            " WHERE s.id = %s AND s.community_id = %s"
        ),
    )
    found = _QUEUED_SERVICE_ROW.load(sql, [pk, community.pk])
    return found[0] if found else None


def offices_for(*, service: Service) -> list[Office]:
    """Return the offices that provide the service (a desk handles it)."""
    found = Office.objects.filter(community_id=service.community_id, desks__services=service)
    found = found.distinct()
    return [office for office in found if services.offered_at(service=service, office=office)]


_DESK_ROW = RowLoader(Desk)
_RULES_ROW = RowLoader(CnapRules)


def desk_in(*, community: Community, pk, staff: Resident | None = None) -> Desk:
    """
    Return the community's desk with its office, and the community's rules on the side.

    One plain statement (every console action and panel poll starts
    here): the rules come with it, so the action that needs them
    (services.rules_of) reads nothing more; given the signed-in `staff`,
    so do their roles in the community, which every permission check of
    the request then uses (Resident.roles_in keeps them per request).
    """
    pk = parse_int(pk)
    if pk is None:
        raise services.NotCnapStaff()
    params = [pk, community.pk]
    roles = "NULL"
    if staff is not None and staff.is_authenticated:
        together = "string_agg" if connection.vendor == "postgresql" else "group_concat"
        roles = (
            f"(SELECT {together}(sr.role, ',') FROM {StaffRole._meta.db_table} sr"  # noqa: S608 -- names from the models
            " WHERE sr.resident_id = %s AND sr.community_id = %s)"
        )
        params = [staff.pk, community.pk, *params]
    sql = statement(
        "cnap.desk_in" if roles == "NULL" else "cnap.desk_in.roles",
        lambda connection: (
            f"SELECT {_DESK_ROW.columns('d', connection)}, {_OFFICE_ROW.columns('o', connection)},"  # noqa: S608 -- names from the models
            f" {_RULES_ROW.columns('r', connection)}, {roles} FROM cnap_desk d"
            " JOIN cnap_office o ON o.id = d.office_id"
            " LEFT JOIN cnap_cnaprules r ON r.community_id = o.community_id"
            " WHERE d.id = %s AND o.community_id = %s"
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise services.NotCnapStaff()
    desk = _DESK_ROW.build(row, connection)
    office = _OFFICE_ROW.build(row, connection, len(_DESK_ROW.fields))
    start = len(_DESK_ROW.fields) + len(_OFFICE_ROW.fields)
    if row[start] is not None:  # the rules are made on their first use
        office.__dict__["_cnap_rules"] = _RULES_ROW.build(row, connection, start)
    if roles != "NULL":
        found = row[start + len(_RULES_ROW.fields)]
        _keep_roles(staff, community, set(found.split(",")) if found else set())
    office.community = community
    desk.office = office
    return desk


def _keep_roles(staff: Resident, community: Community, roles: set[str]) -> None:
    """Give the resident's per-request role cache (Resident.roles_in) the roles just read."""
    # Through getattr/setattr, so a lazy request.user passes them to the resident itself.
    kept = getattr(staff, "_roles_cache", None)
    if kept is None:
        kept = {}
        staff._roles_cache = kept
    kept[community.pk] = roles


def waiting_at_desk(desk: Desk) -> int:
    """
    Return how many checked-in tickets wait for the desk's services.

    One plain statement: the console's panel shows it after every action
    and every poll, and the ORM spent five times the CPU building it.
    """
    tickets = Ticket._meta.db_table
    links = Desk.services.through._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {tickets} WHERE office_id = %s AND status = %s"  # noqa: S608 -- names from the models
            " AND checked_in_at IS NOT NULL"
            f" AND service_id IN (SELECT service_id FROM {links} WHERE desk_id = %s)",
            [desk.office_id, Ticket.Status.WAITING.value, desk.pk],
        )
        return cursor.fetchone()[0]


def desk_panel_lists(desk: Desk) -> tuple[int, list[tuple[int, str]], list[tuple[int, int]]]:
    """
    Return what the panel shows with a ticket in hand, from one plain statement.

    The waiting count (as `waiting_at_desk`), then (id, name) of the
    community's offered services in catalogue order and (id, number) of
    the office's other desks: the transfer form's choices.
    """
    tickets = Ticket._meta.db_table
    links = Desk.services.through._meta.db_table
    sql = (
        f"SELECT 0, COUNT(*), '', 0 FROM {tickets} WHERE office_id = %s AND status = %s"  # noqa: S608 -- names from the models
        " AND checked_in_at IS NOT NULL"
        f" AND service_id IN (SELECT service_id FROM {links} WHERE desk_id = %s)"
        f" UNION ALL SELECT 1, id, name, position FROM {Service._meta.db_table}"
        " WHERE community_id = %s AND is_active"
        f" UNION ALL SELECT 2, id, '', number FROM {Desk._meta.db_table}"
        " WHERE office_id = %s AND id <> %s"
        " ORDER BY 1, 4, 3, 2"
    )
    params = [desk.office_id, Ticket.Status.WAITING.value, desk.pk]
    params += [desk.office.community_id, desk.office_id, desk.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    waiting = rows[0][1]
    to_services = [(pk, name) for part, pk, name, _ in rows if part == 1]
    to_desks = [(pk, number) for part, pk, _, number in rows if part == 2]
    return waiting, to_services, to_desks


def desks_of(*, staff: Resident, community: Community) -> list[Desk]:
    """Return the desks the staff member may work at."""
    desks = Desk.objects.filter(office__community=community).select_related("office")
    return [
        desk
        for desk in desks.order_by("office__position", "number")
        if services.may_work_desk(staff, desk)
    ]


def is_cnap_staff(staff: Resident, community: Community) -> bool:
    return bool(staff and staff.is_authenticated) and staff.has_role(
        community,
        services.CNAP_HEAD,
        services.CNAP_ADMIN,
        services.CNAP_OPERATOR,
        services.STAROSTA,
    )


# A ticket's place and wait ---------------------------------------------------


_TICKET_ROW = RowLoader(Ticket)
_TOKEN_FIELD = Ticket._meta.get_field("token")
# What the ticket's pages show of its service and desk.
_TICKET_SERVICE_ROW = RowLoader(Service, ["id", "community", "name", "duration_minutes"])
_TICKET_DESK_ROW = RowLoader(Desk, ["id", "office", "number"])


def ticket_for_page(*, token) -> Ticket:
    """
    Return the ticket of a page key with its office, service and desk, and its place in the line.

    One plain statement for the ticket's pages (every phone in the queue
    polls one): the callable tickets ahead of it (as `ahead_of` counts
    them) come in it too, and `ahead_of` then counts nothing.
    """
    try:
        token = uuid.UUID(str(token))
    except ValueError:
        raise services.TicketNotFound() from None
    sql = statement(
        "cnap.ticket_for_page",
        lambda connection: (
            f"SELECT {_TICKET_ROW.columns('t', connection)},"  # noqa: S608 -- names from the models
            f" {_OFFICE_ROW.columns('o', connection)},"
            f" {_TICKET_SERVICE_ROW.columns('s', connection)},"
            f" {_TICKET_DESK_ROW.columns('d', connection)},"
            " (SELECT COUNT(*) FROM cnap_ticket a WHERE a.office_id = t.office_id"
            " AND a.service_id = t.service_id AND a.status = 'waiting'"
            " AND a.checked_in_at IS NOT NULL AND (a.queued_at < t.queued_at"
            " OR (a.queued_at = t.queued_at AND a.id < t.id)))"
            " FROM cnap_ticket t JOIN cnap_office o ON o.id = t.office_id"
            " JOIN cnap_service s ON s.id = t.service_id"
            " LEFT JOIN cnap_desk d ON d.id = t.desk_id"
            " WHERE t.token = %s"
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_TOKEN_FIELD.get_db_prep_value(token, connection)])
        row = cursor.fetchone()
    if row is None:
        raise services.TicketNotFound()
    at = 0
    found = []
    for loader in (_TICKET_ROW, _OFFICE_ROW, _TICKET_SERVICE_ROW, _TICKET_DESK_ROW):
        found.append(loader.build(row, connection, at) if row[at] is not None else None)
        at += len(loader.fields)
    ticket, ticket.office, ticket.service, ticket.desk = found
    ticket.__dict__["_ahead"] = row[at]
    return ticket


def ahead_of(ticket: Ticket) -> int:
    """Return how many callable tickets for the same service wait before this one."""
    if ticket.status != TS.WAITING:
        return 0
    counted = ticket.__dict__.get("_ahead")
    if counted is not None:  # read with the ticket (ticket_for_page)
        return counted
    return (
        Ticket.objects.filter(
            office_id=ticket.office_id,
            service_id=ticket.service_id,
            status=TS.WAITING,
            checked_in_at__isnull=False,
        )
        .filter(Q(queued_at__lt=ticket.queued_at) | Q(queued_at=ticket.queued_at, pk__lt=ticket.pk))
        .count()
    )


def _service_model(office: Office):
    """Return the service-time model learned from the office's last two weeks (cached)."""
    from hromada.cnap import predict

    key = f"cnap:model:{office.pk}"
    model = cache.get(key)
    if model is not None:
        return model
    since = timezone.now() - timedelta(days=14)
    durations: dict[int, list[float]] = {}
    rows = Ticket.objects.filter(
        office=office, finished_at__gte=since, started_at__isnull=False, status=TS.DONE
    ).values_list("service_id", "started_at", "finished_at")
    for service_id, started, finished in rows[:5000]:
        minutes = (finished - started).total_seconds() / 60
        if minutes > 0:
            durations.setdefault(service_id, []).append(minutes)
    for service_id, minutes in Service.objects.filter(community_id=office.community_id).values_list(
        "pk", "duration_minutes"
    ):
        # A service with no history yet: its catalogue duration, twice, as a guess.
        durations.setdefault(service_id, [minutes * 0.8, minutes * 1.25])
    model = predict.ServiceTimeModel.fit(durations)
    cache.set(key, model, 600)
    return model


def _snapshot(office: Office, now: datetime):
    """Return what the predictor knows of the office now, read as plain rows (four statements)."""
    from hromada.cnap import predict

    rules = services.rules_for(office.community)
    desks = list(
        Desk.objects.filter(office=office, is_open=True)
        .order_by("number")
        .values_list("pk", "on_break")
    )
    handles: dict[int, set[int]] = {}
    for desk_id, service_id in Desk.services.through.objects.filter(
        desk__office=office, desk__is_open=True
    ).values_list("desk_id", "service_id"):
        handles.setdefault(desk_id, set()).add(service_id)
    in_hand = {
        desk_id: (service_id, started or called)
        for desk_id, service_id, started, called in Ticket.objects.filter(
            office=office, status__in=Ticket.IN_HAND
        ).values_list("desk_id", "service_id", "started_at", "called_at")
    }
    states = []
    for desk_id, on_break in desks:
        service_id, started = in_hand.get(desk_id, (None, None))
        states.append(
            predict.DeskState(
                desk=dispatch.Desk(id=desk_id, service_ids=frozenset(handles.get(desk_id, ()))),
                serving_service_id=service_id,
                serving_elapsed_min=((now - started).total_seconds() / 60) if started else 0.0,
                break_until=now + timedelta(minutes=15) if on_break else None,
            )
        )
    waiting = tuple(
        dispatch.Waiting(
            id=pk,
            service_id=service_id,
            kind=kind,
            priority=priority_id is not None,
            queued_at=queued_at,
            slot_at=slot_at,
        )
        for pk, service_id, kind, priority_id, queued_at, slot_at in Ticket.objects.filter(
            office=office, status=TS.WAITING, checked_in_at__isnull=False
        )
        .order_by("queued_at", "id")
        .values_list("id", "service_id", "kind", "priority_id", "queued_at", "slot_at")
    )
    return predict.Snapshot(
        now=now, desks=tuple(states), waiting=waiting, rules=services.dispatch_rules(rules)
    )


# An office's ticket pages share one replay of its whole queue
# (predict.predict_all) while the board has not changed, or for this many
# seconds at most, unless a ticket the replay did not know asks: a replay
# per page poll would cost each poll a replay. The replay also follows a
# walk-in issued now for every service the open desks handle, so a ticket
# issued within these seconds (the printed ticket, its first page) takes
# its line's value instead of a replay of its own.
ESTIMATES_SECONDS = 15


def _is_newcomer(ticket: Ticket, replayed_at: datetime) -> bool:
    """Return whether the ticket joined the back of its line after the replay."""
    return (
        ticket.priority_id is None
        and ticket.kind != Ticket.Kind.BOOKED
        and ticket.queued_at >= replayed_at
    )


def _office_estimates(office: Office, now: datetime, ticket: Ticket):
    """Return the ticket's estimate (predict.Estimate or None) from the office's shared replay."""
    from hromada.cnap import board, predict

    key = f"cnap:estimates:{office.pk}"
    version = board.version(office.pk)
    cached = cache.get(key)
    if cached is not None:
        known_version, at, estimates = cached
        recent = abs((now - at).total_seconds()) < ESTIMATES_SECONDS
        if known_version == version or recent:
            found = estimates.get(ticket.pk)
            if found is None and recent and _is_newcomer(ticket, at):
                found = estimates.get(predict.newcomer_id(ticket.service_id))
            if found is not None:
                return found
        # One request replays the office's queue at a time; the pages that
        # ask meanwhile take the last replay (a ticket it did not know gets
        # the queue-length estimate) instead of each replaying it again.
        if not cache.add(f"{key}:replaying", 1, ESTIMATES_SECONDS):
            return estimates.get(ticket.pk)
    try:
        snapshot = _snapshot(office, now)
        handled = set().union(*(state.desk.service_ids for state in snapshot.desks))
        estimates = predict.predict_all(
            snapshot, _service_model(office), office.pk, newcomers=handled
        )
        cache.set(key, (version, now, estimates), 4 * ESTIMATES_SECONDS)
    finally:
        if cached is not None:
            cache.delete(f"{key}:replaying")
    return estimates.get(ticket.pk)


def estimate(ticket: Ticket, *, now: datetime | None = None) -> tuple[int, int] | None:
    """
    Return the typical and the upper (80th percentile) wait in whole minutes.

    The predictor replays the centre's own dispatch rules from what is known
    now; when it cannot (no desk for the service), the queue length times
    the service's duration over the open desks stands in.
    """
    if ticket.status != TS.WAITING or ticket.checked_in_at is None:
        return None
    now = now or timezone.now()
    try:
        result = _office_estimates(ticket.office, now, ticket)
        if result is not None and math.isfinite(result.typical_min):
            return round(result.typical_min), max(
                round(result.upper_min), round(result.typical_min)
            )
    except (ImportError, ValueError):
        pass
    desks = max(
        1,
        Desk.objects.filter(
            office_id=ticket.office_id, is_open=True, services=ticket.service_id
        ).count(),
    )
    minutes = (ahead_of(ticket) + 1) * ticket.service.duration_minutes / desks
    return round(minutes), round(minutes * 1.5)


# The board -------------------------------------------------------------------


def board_state(*, office: Office) -> dict:
    """Return what the board shows: current calls, the last five, the notices (plain rows)."""
    today = timezone.localdate()
    in_hand = (
        Ticket.objects.filter(office=office, day=today, status__in=Ticket.IN_HAND)
        .order_by("-called_at")
        .values_list("series", "number", "desk__number", "status")
    )
    recent = (
        QueueEvent.objects.filter(
            office=office,
            action__in=[QueueEvent.Action.CALLED, QueueEvent.Action.RECALLED],
            at__date=today,
            ticket__isnull=False,
            desk__isnull=False,
        )
        .order_by("-at", "-id")
        .values_list("id", "ticket__series", "ticket__number", "desk__number", "at")[:BOARD_CALLS]
    )
    waiting = Ticket.objects.filter(office=office, day=today, status=TS.WAITING).count()
    return {
        "office": office,
        "current": [
            {"ticket": f"{series}{number}", "desk": desk, "serving": status == TS.SERVING}
            for series, number, desk, status in in_hand
        ],
        "recent": [
            {"id": pk, "ticket": f"{series}{number}", "desk": desk, "at": at}
            for pk, series, number, desk, at in recent
        ],
        "waiting": waiting,
        "paused": office.is_paused,
        "blackout": office.blackout,
    }


# Residents' own ---------------------------------------------------------------


def my_tickets(*, resident: Resident, community: Community) -> QuerySet[Ticket]:
    return (
        Ticket.objects.filter(resident=resident, community=community, day=timezone.localdate())
        .select_related("office", "service", "desk")
        .order_by("-queued_at")
    )


def my_bookings(*, resident: Resident, community: Community) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(
            resident=resident,
            community=community,
            starts_at__gte=timezone.now() - timedelta(days=1),
        )
        .select_related("office", "service")
        .order_by("starts_at")
    )


def booking_of(*, resident: Resident, community: Community, pk) -> Booking:
    try:
        return Booking.objects.select_related("office", "service").get(
            resident=resident, community=community, pk=int(pk)
        )
    except (Booking.DoesNotExist, TypeError, ValueError):
        raise services.BookingNotFound() from None


def dashboard_items(staff: Resident, community: Community) -> list[DashboardItem]:
    """Return today's queue figures for the service centre's staff."""
    if not is_cnap_staff(staff, community):
        return []
    today = timezone.localdate()
    tickets = Ticket.objects.filter(community=community, day=today)
    url = reverse("cnap:console")
    return [
        DashboardItem(
            _("Visitors waiting in the service centre"),
            tickets.filter(status=TS.WAITING).count(),
            url,
        ),
        DashboardItem(_("Visitors served today"), tickets.filter(status=TS.DONE).count(), url),
    ]


def personal_data(resident: Resident) -> dict:
    """Return the resident's tickets and bookings, for "download my data"."""
    return {
        "bookings": [
            {
                "community": booking.community.name,
                "office": booking.office.name,
                "service": booking.service.name,
                "slot": booking.starts_at,
                "status": booking.get_status_display(),
            }
            for booking in Booking.objects.filter(resident=resident).select_related(
                "community", "office", "service"
            )
        ],
        "tickets": [
            {
                "office": ticket.office.name,
                "day": ticket.day,
                "ticket": ticket.label,
                "service": ticket.service.name,
                "status": ticket.get_status_display(),
            }
            for ticket in Ticket.objects.filter(resident=resident).select_related(
                "office", "service"
            )
        ],
    }
