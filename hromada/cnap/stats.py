"""
Statistics of the service centre, read from the queue's event log.

Every number comes from the append-only `QueueEvent` log (and the ticket's
kind), never from counters kept beside it, so it can be recomputed for any
past period and a fixed ticket never changes history. One ticket is one
visit; its facts are replayed from its events:

- entered: the first of issued / joined remotely / checked in (a booking);
- wait: from entering to the first call (an air-raid pause counts: people
  waited through it);
- service time: from the last start (or, without one, the last call) to
  the finish, at the desk that finished the visit;
- a no-show, the number of transfers, whether it was booked or priority.

A visit belongs to the day it entered the queue, to its office, to the
service it came for (the one it entered with; a transfer does not move it)
and to the operator who ended it (finished or marked the no-show; else the
first who called it).

Percentiles are computed in Python on both databases from one bounded
query (at most `MAX_DAYS` days): SQLite has no `percentile_cont`, and one
code path gives the same numbers on both. `percentile` interpolates
linearly between ranks, exactly as PostgreSQL's `percentile_cont` does.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.cnap import services
from hromada.cnap.models import Office, QueueEvent, Service, Ticket
from hromada.core.errors import ValidationFailed
from hromada.core.models import Community, Resident
from hromada.core.params import date_param, id_param

EV = QueueEvent.Action
MAX_DAYS = 366  # a year (a leap one too) per request
DEFAULT_DAYS = 30
ENTERED = (EV.ISSUED, EV.JOINED, EV.CHECKED_IN)
PERIODS = {"day": _("day"), "week": _("week"), "month": _("month")}
GROUPS = {
    "": _("whole centre"),
    "office": _("office"),
    "service": _("service"),
    "operator": _("operator"),
}


class PeriodTooLong(ValidationFailed):
    def __init__(self):
        super().__init__(
            fields={"to": str(_("Choose at most a year, with the first day before the last."))}
        )


# Who may see what -------------------------------------------------------------


def visible_offices(*, staff: Resident | None, community: Community) -> QuerySet[Office]:
    """
    Return the offices whose statistics the staff member may read.

    The head and the administrators of the ЦНАП see every office of the
    community; a starosta sees the offices of their starosta department.
    Anyone else (a resident, an operator, another community's staff) is refused.
    """
    if not staff or not staff.is_authenticated:
        raise services.NotCnapStaff()
    offices = Office.objects.filter(community=community)
    if staff.has_role(community, services.CNAP_HEAD, services.CNAP_ADMIN):
        return offices
    departments = staff.staff_roles.filter(
        community=community, role=services.STAROSTA, department__isnull=False
    ).values_list("department_id", flat=True)
    mine = offices.filter(department_id__in=list(departments))
    if not mine.exists():
        raise services.NotCnapStaff()
    return mine


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    period: str = "day"
    group: str = ""
    office_id: int | None = None
    service_id: int | None = None
    operator_id: int | None = None


def bounded(start: date | None, end: date | None) -> tuple[date, date]:
    """Return the period asked for, the last 30 days when none; refuse more than a year."""
    end = end or timezone.localdate()
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end or (end - start).days + 1 > MAX_DAYS:
        raise PeriodTooLong()
    return start, end


def filters_from(data) -> Filters:
    """Read the filters from a query (a QueryDict): bounded dates and ids."""
    start, end = bounded(date_param(data, "from"), date_param(data, "to"))
    period = data.get("period") if data.get("period") in PERIODS else "day"
    group = data.get("group") if data.get("group") in GROUPS else ""
    return Filters(
        start=start,
        end=end,
        period=period,
        group=group,
        office_id=id_param(data, "office"),
        service_id=id_param(data, "service"),
        operator_id=id_param(data, "operator"),
    )


# One visit from its events ----------------------------------------------------


@dataclass
class Visit:
    ticket_id: int
    day: date
    office_id: int
    service_id: int | None
    booked: bool
    priority: bool
    entered_at: datetime | None = None
    first_call: datetime | None = None
    begun_at: datetime | None = None
    finished_at: datetime | None = None
    outcome: str = ""
    no_show: bool = False
    transfers: int = 0
    operator_id: int | None = None
    caller_id: int | None = None

    @property
    def wait(self) -> float | None:
        """Minutes from entering the queue to the first call."""
        if self.entered_at is None or self.first_call is None:
            return None
        return max((self.first_call - self.entered_at).total_seconds(), 0) / 60

    @property
    def service_time(self) -> float | None:
        """Minutes at the desk that finished the visit."""
        if self.begun_at is None or self.finished_at is None:
            return None
        return max((self.finished_at - self.begun_at).total_seconds(), 0) / 60


def _window(start: date, end: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), zone),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), zone),
    )


def visits(
    *, community: Community, offices: Iterable[Office] | QuerySet[Office], start: date, end: date
) -> list[Visit]:
    """Replay the events of the tickets that entered the queue from `start` to `end`."""
    since, until = _window(start, end)
    events = (
        QueueEvent.objects.filter(
            community=community,
            office__in=offices,
            ticket__isnull=False,
            ticket__day__gte=start,
            ticket__day__lte=end,
            at__gte=since - timedelta(days=1),  # the (office, at) index bounds the scan
            at__lt=until + timedelta(days=1),
        )
        .order_by("ticket_id", "at", "id")
        .values_list(
            "ticket_id",
            "ticket__day",
            "ticket__kind",
            "office_id",
            "service_id",
            "actor_id",
            "action",
            "outcome",
            "priority",
            "at",
        )
    )
    found: dict[int, Visit] = {}
    for (
        ticket_id,
        day,
        kind,
        office_id,
        service_id,
        actor,
        action,
        outcome,
        priority,
        at,
    ) in events.iterator(chunk_size=5000):
        visit = found.get(ticket_id)
        if visit is None:
            visit = found[ticket_id] = Visit(
                ticket_id=ticket_id,
                day=day,
                office_id=office_id,
                service_id=service_id,
                booked=kind == Ticket.Kind.BOOKED,
                priority=priority,
            )
        _apply(visit, action, actor=actor, outcome=outcome, at=at)
    return [visit for visit in found.values() if visit.entered_at is not None]


def _apply(visit: Visit, action: str, *, actor, outcome: str, at: datetime) -> None:
    if action in ENTERED:
        if visit.entered_at is None:
            visit.entered_at = at
    elif action == EV.CALLED:
        if visit.first_call is None:
            visit.first_call, visit.caller_id = at, actor
        visit.begun_at = at  # until a start says otherwise
    elif action == EV.STARTED:
        visit.begun_at = at
    elif action == EV.FINISHED:
        visit.finished_at, visit.outcome, visit.operator_id = at, outcome, actor
    elif action == EV.TRANSFERRED:
        visit.transfers += 1
        visit.begun_at = None
    elif action == EV.NO_SHOW:
        visit.no_show, visit.operator_id = True, actor


# Numbers ----------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float | None:
    """Return the `share` percentile by linear interpolation, as SQL's percentile_cont."""
    if not values:
        return None
    ordered = sorted(values)
    rank = share * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _summary(values: list[float]) -> dict:
    mean = sum(values) / len(values) if values else None
    return {
        "mean": _round(mean),
        "p50": _round(percentile(values, 0.5)),
        "p90": _round(percentile(values, 0.9)),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def period_start(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


@dataclass
class Row:
    period: date
    key: int | None
    label: str
    visits: list[Visit] = field(default_factory=list)

    def numbers(self) -> dict:
        tickets = len(self.visits)
        waits = [v.wait for v in self.visits if v.wait is not None]
        times = [v.service_time for v in self.visits if v.service_time is not None]
        wait, service_time = _summary(waits), _summary(times)
        return {
            "tickets": tickets,
            "visitors": sum(1 for v in self.visits if v.finished_at is not None),
            "served": sum(1 for v in self.visits if v.outcome == Ticket.Outcome.SERVED),
            "no_shows": sum(1 for v in self.visits if v.no_show),
            "booked": sum(1 for v in self.visits if v.booked),
            "priority": sum(1 for v in self.visits if v.priority),
            "booked_share": _share(sum(1 for v in self.visits if v.booked), tickets),
            "priority_share": _share(sum(1 for v in self.visits if v.priority), tickets),
            "no_show_share": _share(sum(1 for v in self.visits if v.no_show), tickets),
            "transfers": sum(v.transfers for v in self.visits),
            "wait_mean": wait["mean"],
            "wait_p50": wait["p50"],
            "wait_p90": wait["p90"],
            "service_mean": service_time["mean"],
            "service_p50": service_time["p50"],
            "service_p90": service_time["p90"],
        }


FIELDS = [
    "period",
    "group",
    "tickets",
    "visitors",
    "served",
    "no_shows",
    "booked",
    "priority",
    "booked_share",
    "priority_share",
    "no_show_share",
    "transfers",
    "wait_mean",
    "wait_p50",
    "wait_p90",
    "service_mean",
    "service_p50",
    "service_p90",
]


def _key(visit: Visit, group: str) -> int | None:
    if group == "office":
        return visit.office_id
    if group == "service":
        return visit.service_id
    if group == "operator":
        return visit.operator_id or visit.caller_id
    return None


def _labels(community: Community, group: str, keys: set) -> dict:
    keys = {key for key in keys if key is not None}
    if group == "office":
        return dict(
            Office.objects.filter(community=community, pk__in=keys).values_list("pk", "name")
        )
    if group == "service":
        services_qs = Service.objects.filter(community=community, pk__in=keys)
        return dict(services_qs.values_list("pk", "name"))
    if group == "operator":
        return {
            resident.pk: resident.get_full_name() or resident.email
            for resident in Resident.objects.filter(pk__in=keys)
        }
    return {}


def statistics(*, staff: Resident | None, community: Community, filters: Filters) -> dict:
    """
    Return the statistics the staff member may read: rows per period and group.

    Each row is a dict of `FIELDS`; `total` sums the whole period and filter.
    An office outside what the staff member may see is "not found".
    """
    offices = visible_offices(staff=staff, community=community)
    if filters.office_id is not None:
        offices = offices.filter(pk=filters.office_id)
        if not offices.exists():
            raise services.OfficeNotFound()
    chosen = [
        visit
        for visit in visits(
            community=community, offices=offices, start=filters.start, end=filters.end
        )
        if (filters.service_id is None or visit.service_id == filters.service_id)
        and (
            filters.operator_id is None
            or (visit.operator_id or visit.caller_id) == filters.operator_id
        )
    ]
    grouped: dict[tuple[date, int | None], list[Visit]] = defaultdict(list)
    for visit in chosen:
        grouped[period_start(visit.day, filters.period), _key(visit, filters.group)].append(visit)
    labels = _labels(community, filters.group, {key for _period, key in grouped})
    unknown = str(_("not known"))
    rows = [
        {"period": period, "group": labels.get(key, unknown) if filters.group else "", "key": key}
        | Row(period, key, "", found).numbers()
        for (period, key), found in sorted(
            grouped.items(), key=lambda item: (item[0][0], labels.get(item[0][1], ""))
        )
    ]
    total = {"period": filters.start, "group": "", "key": None} | Row(
        filters.start, None, "", chosen
    ).numbers()
    return {"rows": rows, "total": total, "offices": offices, "filters": filters}


# The №835 open data set --------------------------------------------------------

OPEN_DATA_FIELDS = [
    "date",
    "office",
    "office_kind",
    "service_code",
    "service_name",
    "tickets",
    "services_provided",
    "no_shows",
    "booked",
    "average_wait_min",
    "average_service_min",
]


def open_data_rows(community: Community, year: int | None = None) -> Iterator[dict]:
    """
    Yield the administrative services data set (Cabinet Resolution №835):
    per day, office and service, how many visits and services provided and the
    average wait. Counts only: no names, no phone numbers, no ticket numbers.
    """
    first = Ticket.objects.filter(community=community).order_by("day").values_list("day", flat=True)
    first = first.first()
    if first is None:
        return
    years = [year] if year else range(first.year, timezone.localdate().year + 1)
    offices = {office.pk: office for office in Office.objects.filter(community=community)}
    catalogue = {
        pk: (code, name)
        for pk, code, name in Service.objects.filter(community=community).values_list(
            "pk", "code", "name"
        )
    }
    for one_year in years:
        # A year a query, the bound statistics keep to.
        found = visits(
            community=community,
            offices=list(offices.values()),
            start=date(one_year, 1, 1),
            end=date(one_year, 12, 31),
        )
        grouped: dict[tuple, list[Visit]] = defaultdict(list)
        for visit in found:
            grouped[visit.day, visit.office_id, visit.service_id].append(visit)
        for (day, office_id, service_id), group in sorted(
            grouped.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or 0)
        ):
            numbers = Row(day, None, "", group).numbers()
            office = offices[office_id]
            code, name = catalogue.get(service_id, ("", ""))
            yield {
                "date": day.isoformat(),
                "office": office.name,
                "office_kind": office.kind,
                "service_code": code,
                "service_name": name,
                "tickets": numbers["tickets"],
                "services_provided": numbers["served"],
                "no_shows": numbers["no_shows"],
                "booked": numbers["booked"],
                "average_wait_min": numbers["wait_mean"],
                "average_service_min": numbers["service_mean"],
            }


def choices_for(*, community: Community, offices: QuerySet[Office]) -> dict:
    """Return what the filters offer: the visible offices, services and operators."""
    operators = Resident.objects.filter(
        Q(staff_roles__community=community)
        & Q(staff_roles__role__in=[services.CNAP_OPERATOR, services.STAROSTA, services.CNAP_HEAD])
    ).distinct()
    return {
        "offices": list(offices),
        "services": list(Service.objects.filter(community=community).order_by("code")),
        "operators": sorted(operators, key=lambda r: r.get_full_name() or r.email),
        "periods": list(PERIODS.items()),
        "groups": list(GROUPS.items()),
    }
