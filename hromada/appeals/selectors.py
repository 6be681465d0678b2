"""Read queries shared by the pages, the API, Open311, the dashboard and open data."""

from __future__ import annotations

import math
import statistics
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db.models import Avg, Count, Max, Q
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hromada.appeals.errors import AppealNotFound
from hromada.appeals.models import (
    CELL_DEGREES,
    Appeal,
    AppealPhoto,
    Category,
    Supporter,
    cell_of,
)
from hromada.core import audit
from hromada.core.geo import bbox_around, distance_m
from hromada.core.models import Community, Department, Resident, StaffRole
from hromada.core.registry import DashboardItem, MyItem, MySection

Status = Appeal.Status
MARKER_CAP = 1000  # more than this in a viewport and the map gets clusters instead
MAX_CELLS = 2500
NEARBY_METRES = 50

PERIODS = {
    "30": (30, gettext_lazy("last 30 days")),
    "90": (90, gettext_lazy("last 90 days")),
    "365": (365, gettext_lazy("last year")),
    "all": (None, gettext_lazy("all time")),
}
DEFAULT_PERIOD = "90"
STATUS_GROUPS = {
    "open": (gettext_lazy("open"), Appeal.OPEN_STATUSES),
    "resolved": (gettext_lazy("resolved"), (Status.RESOLVED, Status.CLOSED)),
    "rejected": (gettext_lazy("rejected or merged"), (Status.REJECTED, Status.MERGED)),
}


# -- categories ---------------------------------------------------------------


def category_tree(
    community: Community, kind: str | None = None
) -> list[tuple[Category, list[Category]]]:
    """Return active groups with their active categories, in order; of one kind if given."""
    categories = Category.objects.filter(community=community, is_active=True)
    if kind is not None:
        categories = categories.filter(kind=kind)
    categories = list(categories.select_related("department"))
    groups = [c for c in categories if c.parent_id is None]
    tree = []
    for group in groups:
        children = [c for c in categories if c.parent_id == group.pk]
        if children:
            tree.append((group, children))
    return tree


def leaf_categories(community: Community):
    """Return the categories that accept appeals."""
    return (
        Category.objects.filter(community=community, is_active=True, parent__isnull=False)
        .filter(parent__is_active=True)
        .select_related("parent", "department")
        .order_by("parent__position", "position", "name")
    )


CATEGORY_CACHE_SECONDS = 60
# Process-local copies: {community id: (version, expires, categories)}.
_CATEGORIES: dict[int, tuple[str, float, dict]] = {}


def _version_key(community: Community) -> str:
    return f"appeals:categories:{community.pk}"


def active_categories(community: Community) -> dict[str, Category]:
    """
    Return the categories that accept appeals by service code, with their
    group, department and questions loaded.

    Every submission needs its category, so each process keeps the set for
    up to a minute. A version token in the shared cache lets a change in the
    back office reach every process (at once with Redis; a cleared cache
    counts as a change too).
    """
    version = categories_version(community)
    held = _CATEGORIES.get(community.pk)
    if held and held[0] == version and held[1] > time.monotonic():
        return held[2]
    found = {
        category.service_code: category
        for category in leaf_categories(community).prefetch_related("attributes")
    }
    _CATEGORIES[community.pk] = (version, time.monotonic() + CATEGORY_CACHE_SECONDS, found)
    return found


def categories_version(community: Community) -> str:
    """
    Return the token that changes whenever the community's categories are
    edited (or the shared cache loses it), without loading the categories.
    """
    key = _version_key(community)
    version = cache.get(key)
    if version is None:
        version = uuid.uuid4().hex
        cache.set(key, version, CATEGORY_CACHE_SECONDS)
    return version


def forget_categories(community: Community) -> None:
    cache.delete(_version_key(community))
    _CATEGORIES.pop(community.pk, None)


def category_by_code(community: Community, code: str) -> Category | None:
    return active_categories(community).get(code or "")


def category_ids_for(community: Community, code: str) -> list[int]:
    """Return the ids a filter code stands for: a category, or every category of a group."""
    found = Category.objects.filter(community=community, service_code=code).first()
    if found is None:
        return []
    if found.parent_id is None:
        return list(Category.objects.filter(parent=found).values_list("pk", flat=True))
    return [found.pk]


# -- who sees what ------------------------------------------------------------


def is_public(appeal: Appeal) -> bool:
    return appeal.kind == Appeal.Kind.REPORT and not appeal.hidden


def can_handle(staff: Resident | None, appeal: Appeal) -> bool:
    """Return whether a staff member acts for the appeal's department (moderators: all)."""
    if staff is None or not staff.is_authenticated:
        return False
    if staff.has_role(appeal.community, StaffRole.Role.MODERATOR):
        return True
    return staff.acts_for(appeal.department)


def can_view(viewer: Resident | None, appeal: Appeal) -> bool:
    if is_public(appeal):
        return True
    if viewer is None or not viewer.is_authenticated:
        return False
    return appeal.author_id == viewer.pk or can_handle(viewer, appeal)


def appeal_for_viewer(*, community: Community, pk: int, viewer: Resident | None) -> Appeal:
    """Return the appeal if the viewer may see it; otherwise the same "not found" as missing."""
    appeal = (
        Appeal.objects.select_related("community", "category__parent", "department", "author")
        .filter(community=community, pk=pk)
        .first()
    )
    if appeal is None or not can_view(viewer, appeal):
        raise AppealNotFound()
    return appeal


def photo_for_viewer(
    *, community: Community, pk: int, photo_pk: int | None, viewer: Resident | None
) -> tuple[Appeal, AppealPhoto]:
    """
    Return a photo of an appeal the viewer may see: the one asked for, or the
    cover (the first photo of the problem) when `photo_pk` is None. Anything
    else is the same "not found" as a missing appeal.
    """
    appeal = appeal_for_viewer(community=community, pk=pk, viewer=viewer)
    photos = AppealPhoto.objects.filter(appeal=appeal)
    if photo_pk is not None:
        photo = photos.filter(pk=photo_pk).first()
    else:
        photo = photos.filter(image=appeal.cover).first() if appeal.cover else None
    if photo is None:
        raise AppealNotFound()
    return appeal, photo


def appeal_for_staff(*, staff: Resident, community: Community, pk: int) -> Appeal:
    """Return the appeal if it lies within the staff member's scope."""
    appeal = (
        Appeal.objects.select_related(
            "community", "category__parent", "department", "author", "merged_into"
        )
        .filter(community=community, pk=pk)
        .first()
    )
    if appeal is None or not can_handle(staff, appeal):
        raise AppealNotFound()  # same answer as "missing": don't reveal that it exists
    return appeal


def has_supported(resident: Resident | None, appeal: Appeal) -> bool:
    if resident is None or not resident.is_authenticated:
        return False
    return Supporter.objects.filter(appeal=appeal, resident=resident).exists()


# -- public lists and the map -------------------------------------------------


def public_reports(community: Community):
    return Appeal.objects.filter(community=community, kind=Appeal.Kind.REPORT, hidden=False)


def since_for(period: str | None, *, now: datetime | None = None) -> datetime | None:
    """Return the start of a period; whole minutes, so that answers can be cached."""
    days = PERIODS.get(period or DEFAULT_PERIOD, PERIODS[DEFAULT_PERIOD])[0]
    if days is None:
        return None
    return (now or timezone.now()).replace(second=0, microsecond=0) - timedelta(days=days)


def statuses_for(group: str | None):
    return STATUS_GROUPS[group][1] if group in STATUS_GROUPS else None


def filtered_reports(
    community: Community, *, category: str = "", status: str = "", period: str = ""
):
    """Return public reports after the list and map filters."""
    reports = public_reports(community)
    if category:
        reports = reports.filter(category_id__in=category_ids_for(community, category))
    statuses = statuses_for(status)
    if statuses:
        reports = reports.filter(status__in=statuses)
    since = since_for(period)
    if since:
        reports = reports.filter(created_at__gte=since)
    return reports


def territory_bbox(community: Community) -> tuple[float, float, float, float] | None:
    """Return (min_lat, min_lon, max_lat, max_lon) of the community's territory."""
    geometry = community.territory or {}
    coordinates = geometry.get("coordinates") or []
    if geometry.get("type") == "Polygon":
        rings = coordinates[:1]
    elif geometry.get("type") == "MultiPolygon":
        rings = [polygon[0] for polygon in coordinates if polygon]
    else:
        return None
    points = [point for ring in rings for point in ring]
    if not points:
        return None
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    return min(lats), min(lons), max(lats), max(lons)


def cells_in(min_lat: float, min_lon: float, max_lat: float, max_lon: float) -> list[int]:
    """Return the map grid cells a box touches."""
    rows = range(math.floor(min_lat / CELL_DEGREES), math.floor(max_lat / CELL_DEGREES) + 1)
    cols = range(math.floor(min_lon / CELL_DEGREES), math.floor(max_lon / CELL_DEGREES) + 1)
    if len(rows) * len(cols) > MAX_CELLS:
        return []
    return [
        cell_of((row + 0.5) * CELL_DEGREES, (col + 0.5) * CELL_DEGREES)
        for row in rows
        for col in cols
    ]


def map_markers(
    *,
    community: Community,
    bbox: tuple[float, float, float, float],
    since: datetime | None,
    statuses=None,
    category_ids: list[int] | None = None,
) -> dict:
    """
    Return the reports inside a box (min_lat, min_lon, max_lat, max_lon).

    Up to MARKER_CAP reports come back one by one; beyond that, counts per
    grid cell, so a dense city at a low zoom stays one quick query.
    """
    min_lat, min_lon, max_lat, max_lon = bbox
    bounds = territory_bbox(community)
    if bounds:
        min_lat, min_lon = max(min_lat, bounds[0]), max(min_lon, bounds[1])
        max_lat, max_lon = min(max_lat, bounds[2]), min(max_lon, bounds[3])
    if min_lat > max_lat or min_lon > max_lon:
        return {"markers": [], "clusters": [], "total": 0}
    reports = Appeal.objects.filter(
        community=community, lat__range=(min_lat, max_lat), lon__range=(min_lon, max_lon)
    )
    cells = cells_in(min_lat, min_lon, max_lat, max_lon)
    # `cell` is only set on public reports, so the cell filter also keeps
    # written appeals and hidden reports off the map.
    reports = reports.filter(cell__in=cells) if cells else reports.filter(cell__isnull=False)
    if since is not None:
        reports = reports.filter(created_at__gte=since)
    if statuses:
        reports = reports.filter(status__in=statuses)
    if category_ids is not None:
        reports = reports.filter(category_id__in=category_ids)
    reports = reports.order_by()
    # Count in the database first: a dense view never brings its rows to Python.
    if reports[: MARKER_CAP + 1].count() <= MARKER_CAP:
        rows = list(reports.values_list("id", "lat", "lon", "status", "category_id"))
        return {"markers": rows, "clusters": [], "total": len(rows)}
    if cells:
        clusters = _cell_clusters(community, cells, since, statuses, category_ids)
    else:
        clusters = [
            (round(row["clat"], 6), round(row["clon"], 6), row["n"])
            for row in reports.values("cell").annotate(
                n=Count("*"), clat=Avg("lat"), clon=Avg("lon")
            )
        ]
    return {"markers": [], "clusters": clusters, "total": sum(c[2] for c in clusters)}


CELL_CACHE_SECONDS = 60


def _cell_clusters(community, cells, since, statuses, category_ids) -> list[tuple]:
    """
    Return (lat, lon, count) of each grid cell, whole cells, cached per cell.

    Neighbouring viewports share most of their cells, so a busy map answers
    from the cache; any change to the community's appeals starts afresh.
    """
    prefix = ":".join(
        [
            "appeals:cell",
            str(community.pk),
            data_version(community),
            since.isoformat() if since else "all",
            ",".join(sorted(statuses)) if statuses else "any",
            ",".join(map(str, sorted(category_ids))) if category_ids is not None else "any",
        ]
    )
    keys = {cell: f"{prefix}:{cell}" for cell in cells}
    found = cache.get_many(list(keys.values()))
    missing = [cell for cell, key in keys.items() if key not in found]
    if missing:
        reports = Appeal.objects.filter(community=community, cell__in=missing)
        if since is not None:
            reports = reports.filter(created_at__gte=since)
        if statuses:
            reports = reports.filter(status__in=statuses)
        if category_ids is not None:
            reports = reports.filter(category_id__in=category_ids)
        computed = dict.fromkeys(missing, ())
        for row in (
            reports.order_by()
            .values("cell")
            .annotate(n=Count("*"), clat=Avg("lat"), clon=Avg("lon"))
        ):
            computed[row["cell"]] = (round(row["clat"], 6), round(row["clon"], 6), row["n"])
        cache.set_many({keys[cell]: value for cell, value in computed.items()}, CELL_CACHE_SECONDS)
        found.update({keys[cell]: value for cell, value in computed.items()})
    return [found[keys[cell]] for cell in cells if found.get(keys[cell])]


def data_version(community: Community) -> str:
    """Return a token that changes whenever the community's appeals change."""
    key = f"appeals:version:{community.pk}"
    version = cache.get(key)
    if version is None:
        version = uuid.uuid4().hex[:12]
        cache.set(key, version, None)
    return version


def touch(community: Community) -> None:
    """Start cached map cells and Open311 lists afresh (call after a change commits)."""
    cache.set(f"appeals:version:{community.pk}", uuid.uuid4().hex[:12], None)


def nearby_open_reports(
    *,
    community: Community,
    category: Category,
    lat: float,
    lon: float,
    radius_m: float = NEARBY_METRES,
    exclude_pk: int | None = None,
) -> list[tuple[Appeal, float]]:
    """Return open public reports of the category within `radius_m`, nearest first."""
    min_lat, min_lon, max_lat, max_lon = bbox_around(lat, lon, radius_m)
    candidates = (
        Appeal.objects.filter(
            community=community,
            cell__in=cells_in(min_lat, min_lon, max_lat, max_lon),
            category=category,
            status__in=Appeal.OPEN_STATUSES,
            lat__range=(min_lat, max_lat),
            lon__range=(min_lon, max_lon),
        )
        .exclude(pk=exclude_pk)
        .select_related("category")
        .order_by("-created_at")[:50]
    )
    found = []
    for appeal in candidates:
        distance = distance_m(lat, lon, appeal.lat, appeal.lon)
        if distance <= radius_m:
            found.append((appeal, distance))
    return sorted(found, key=lambda pair: pair[1])


def my_appeals(*, resident: Resident, community: Community):
    """Return the appeals the resident wrote or supports in the community."""
    supported = Supporter.objects.filter(resident=resident, community=community).values("appeal")
    return (
        Appeal.objects.filter(community=community)
        .filter(Q(author=resident) | Q(pk__in=supported))
        .select_related("category", "department")
    )


# -- staff --------------------------------------------------------------------


def staff_queue(
    *,
    staff: Resident,
    community: Community,
    status: str = "",
    department: int | None = None,
    overdue: bool = False,
    kind: str = "",
    query: str = "",
):
    """Return the appeals a staff member handles, filtered, most urgent first."""
    appeals = Appeal.objects.filter(community=community).select_related(
        "category", "department", "author"
    )
    if not staff.has_role(community, StaffRole.Role.MODERATOR):
        appeals = appeals.filter(department_id__in=staff.departments_in(community))
    if status == "open":
        appeals = appeals.filter(is_open=True)
    elif status in Status.values:
        appeals = appeals.filter(status=status)
    if department:
        appeals = appeals.filter(department_id=department)
    if overdue:
        appeals = appeals.filter(is_open=True, due_on__lt=timezone.localdate())
    if kind in Appeal.Kind.values:
        appeals = appeals.filter(kind=kind)
    if query:
        appeals = appeals.filter(
            Q(number__icontains=query) | Q(address__icontains=query) | Q(subject__icontains=query)
        )
    return appeals.order_by("-is_open", "due_on", "created_at")


def dashboard_items(staff: Resident, community: Community) -> list[DashboardItem]:
    """Return the counts the staff dashboard shows for appeals."""
    queue = reverse("appeals:staff_queue")
    mine = staff_queue(staff=staff, community=community)
    items = []
    if staff.has_role(community, StaffRole.Role.MODERATOR):
        items.append(
            DashboardItem(
                _("New appeals to moderate"),
                mine.filter(status=Status.NEW).count(),
                f"{queue}?status=new",
            )
        )
    items.append(
        DashboardItem(
            _("Appeals in work"),
            mine.filter(status__in=(Status.ACCEPTED, Status.IN_PROGRESS)).count(),
            f"{queue}?status=open",
        )
    )
    items.append(
        DashboardItem(
            _("Overdue appeals"),
            mine.filter(is_open=True, due_on__lt=timezone.localdate()).count(),
            f"{queue}?overdue=1",
            urgent=True,
        )
    )
    return items


# -- timeline -----------------------------------------------------------------

TIMELINE = {
    "appeal.registered": gettext_lazy("Registered"),
    "appeal.photos_added": gettext_lazy("Photos added"),
    "appeal.accepted": gettext_lazy("Accepted and sent to the department"),
    "appeal.rerouted": gettext_lazy("Sent to another department"),
    "appeal.started": gettext_lazy("Work started"),
    "appeal.noted": gettext_lazy("Progress note"),
    "appeal.extended": gettext_lazy("Term extended"),
    "appeal.escalated": gettext_lazy("Term passed: reported to the head of the department"),
    "appeal.resolved": gettext_lazy("Resolved"),
    "appeal.confirmed": gettext_lazy("The author confirmed the fix"),
    "appeal.reopened": gettext_lazy("Reopened by the author"),
    "appeal.closed_automatically": gettext_lazy("Closed: the fix was not disputed in 14 days"),
    "appeal.rejected": gettext_lazy("Rejected"),
    "appeal.merged": gettext_lazy("Merged into another report"),
    "appeal.duplicate_merged": gettext_lazy("A duplicate report was merged into this one"),
}


@dataclass
class TimelineEntry:
    when: datetime
    label: str
    note: str
    department: str
    actor: str


def timeline(appeal: Appeal, *, for_staff: bool = False) -> list[TimelineEntry]:
    """Return the appeal's history from the audit log, oldest first."""
    entries = audit.history(appeal).filter(action__in=list(TIMELINE)).select_related("actor")
    department_ids = {
        entry.after.get("department") for entry in entries if entry.after.get("department")
    }
    names = dict(
        Department.objects.filter(pk__in=[int(pk) for pk in department_ids]).values_list(
            "pk", "name"
        )
    )
    result = []
    for entry in entries:
        department = entry.after.get("department")
        note = entry.after.get("note") or ""
        if entry.action == "appeal.extended":
            due = entry.after.get("due_on", "")
            note = f"{_('New term')}: {_format_day(due)}. {note}".strip()
        if entry.action == "appeal.duplicate_merged":
            note = entry.after.get("duplicate", "")
        result.append(
            TimelineEntry(
                when=entry.created_at,
                label=str(TIMELINE[entry.action]),
                note=note,
                department=names.get(int(department), "") if department else "",
                actor=str(entry.actor) if for_staff and entry.actor else "",
            )
        )
    return result


def _format_day(value: str) -> str:
    try:
        return date.fromisoformat(value).strftime("%d.%m.%Y")
    except (TypeError, ValueError):
        return value


# -- statistics and open data -------------------------------------------------


@dataclass
class DepartmentStats:
    name: str
    received: int
    resolved: int
    rejected: int
    overdue: int
    median_days: float | None


def department_statistics(*, community: Community, since: datetime | None) -> list[DepartmentStats]:
    """Return received, resolved, rejected, overdue and median days to resolve, per department."""
    appeals = Appeal.objects.filter(community=community)
    if since is not None:
        appeals = appeals.filter(created_at__gte=since)
    today = timezone.localdate()
    counts = (
        appeals.order_by()
        .values("department_id")
        .annotate(
            received=Count("id"),
            resolved=Count("id", filter=Q(status__in=(Status.RESOLVED, Status.CLOSED))),
            rejected=Count("id", filter=Q(status__in=(Status.REJECTED, Status.MERGED))),
            overdue=Count("id", filter=Q(is_open=True, due_on__lt=today)),
        )
    )
    durations: dict[int | None, list[float]] = {}
    for department_id, created, resolved in (
        appeals.filter(resolved_at__isnull=False)
        .order_by()
        .values_list("department_id", "created_at", "resolved_at")
        .iterator(chunk_size=2000)
    ):
        durations.setdefault(department_id, []).append((resolved - created).total_seconds() / 86400)
    names = dict(Department.objects.filter(community=community).values_list("pk", "name"))
    result = []
    for row in counts:
        spans = durations.get(row["department_id"])
        result.append(
            DepartmentStats(
                name=names.get(row["department_id"], str(_("Not routed yet"))),
                received=row["received"],
                resolved=row["resolved"],
                rejected=row["rejected"],
                overdue=row["overdue"],
                median_days=round(statistics.median(spans), 1) if spans else None,
            )
        )
    return sorted(result, key=lambda stats: (-stats.received, stats.name))


def monthly_received(*, community: Community, months: int = 12) -> list[tuple[date, int]]:
    """Return (first day of month, appeals received) for the last `months` months."""
    today = timezone.localdate()
    start = date(today.year, today.month, 1)
    for _step in range(months - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    rows = (
        Appeal.objects.filter(community=community, created_at__date__gte=start)
        .annotate(month=TruncMonth("created_at"))
        .order_by()
        .values("month")
        .annotate(n=Count("id"))
    )
    counts = {}
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        counts[month.replace(day=1)] = row["n"]
    result, month = [], start
    for _step in range(months):
        result.append((month, counts.get(month, 0)))
        month = (month + timedelta(days=32)).replace(day=1)
    return result


OPEN_DATA_FIELDS = [
    "registration_number",
    "registration_date",
    "channel",
    "kind",
    "category_group",
    "category",
    "settlement",
    "address",
    "latitude",
    "longitude",
    "description",
    "executor",
    "status",
    "answer_due_date",
    "term_extended",
    "resolution_date",
    "closing_date",
    "days_to_resolve",
    "supporters",
    "url",
]


def open_data_rows(community: Community, year: int | None = None):
    """
    Yield the hotline-appeals data set (Cabinet Resolution №835): one row per
    appeal, without personal data: written appeals and hidden reports carry no
    text and no place, and no row names the author.
    """
    from hromada.core.notifications import site_url

    base = site_url(community)
    appeals = Appeal.objects.filter(community=community).select_related(
        "category__parent", "department", "street__settlement"
    )
    if year:
        appeals = appeals.filter(created_at__year=year)
    for appeal in appeals.order_by("created_at", "id").iterator(chunk_size=2000):
        public = is_public(appeal)
        created = timezone.localtime(appeal.created_at)
        resolved = timezone.localtime(appeal.resolved_at) if appeal.resolved_at else None
        closed = timezone.localtime(appeal.closed_at) if appeal.closed_at else None
        yield {
            "registration_number": appeal.number,
            "registration_date": created.isoformat(timespec="seconds"),
            "channel": appeal.channel,
            "kind": appeal.kind,
            "category_group": appeal.category.parent.name if appeal.category.parent else "",
            "category": appeal.category.name,
            "settlement": appeal.street.settlement.name if appeal.street else "",
            "address": appeal.address if public else "",
            "latitude": appeal.lat if public else None,
            "longitude": appeal.lon if public else None,
            "description": appeal.description if public else "",
            "executor": appeal.department.name if appeal.department else "",
            "status": appeal.status,
            "answer_due_date": appeal.due_on.isoformat(),
            "term_extended": bool(appeal.extension_reason),
            "resolution_date": resolved.isoformat(timespec="seconds") if resolved else "",
            "closing_date": closed.isoformat(timespec="seconds") if closed else "",
            "days_to_resolve": (
                round((appeal.resolved_at - appeal.created_at).total_seconds() / 86400, 1)
                if appeal.resolved_at
                else None
            ),
            "supporters": appeal.supporters_count,
            "url": base + appeal.get_absolute_url() if public else "",
        }


def latest(community: Community, limit: int) -> list[tuple[str, str, date]]:
    """Return recently resolved public reports for the home page."""
    reports = (
        public_reports(community)
        .filter(status__in=(Status.RESOLVED, Status.CLOSED), resolved_at__isnull=False)
        .select_related("category")
        .order_by("-resolved_at")[:limit]
    )
    return [
        (
            _("Resolved: %(category)s, %(address)s")
            % {"category": report.category.name, "address": report.address or report.number},
            report.get_absolute_url(),
            timezone.localtime(report.resolved_at).date(),
        )
        for report in reports
    ]


def personal_data(resident: Resident) -> dict:
    """
    Return the resident's appeals with the council's messages on them and the
    reports they supported, for "download my data".
    """
    appeals = Appeal.objects.filter(author=resident).select_related("community", "category")
    supported = Supporter.objects.filter(resident=resident).select_related("appeal")
    return {
        "appeals": [
            {
                "number": appeal.number,
                "community": appeal.community.name,
                "kind": appeal.get_kind_display(),
                "channel": appeal.get_channel_display(),
                "category": appeal.category.name if appeal.category else "",
                "subject": appeal.subject,
                "text": appeal.description,
                "address": appeal.address,
                "latitude": appeal.lat,
                "longitude": appeal.lon,
                "name": appeal.contact_name,
                "email": appeal.contact_email,
                "phone": appeal.contact_phone,
                "name_shown_publicly": appeal.author_public,
                "status": appeal.get_status_display(),
                "registered": appeal.created_at,
                "answer_due": appeal.due_on,
                "photos": appeal.photos.count(),
                # What the author's page shows of the handling, no staff names.
                "messages": [
                    {"at": entry.when, "event": entry.label, "text": entry.note}
                    for entry in timeline(appeal)
                ],
                "latest_note": appeal.status_notes,
                "answer": appeal.resolution,
            }
            for appeal in appeals.order_by("created_at")
        ],
        "supported": [
            {"number": support.appeal.number, "since": support.created_at}
            for support in supported.order_by("created_at")
        ],
    }


def my_items(resident: Resident, community: Community) -> list[MySection]:
    """Return the resident's appeals and the reports they support, for "My community"."""
    appeals = my_appeals(resident=resident, community=community).order_by("-created_at")[:5]
    return [
        MySection(
            _("My appeals and reports"),
            [
                MyItem(
                    f"{appeal.number} · {appeal.subject or appeal.category.name}",
                    appeal.get_absolute_url(),
                    appeal.get_status_display(),
                    appeal.created_at,
                    # Supporters follow a report: they hear when it is fixed.
                    "" if appeal.author_id == resident.pk else _("you support this report"),
                )
                for appeal in appeals
            ],
            more_url=reverse("appeals:mine"),
            empty=_("You have not written to the council yet."),
        )
    ]


def open_data_updated(community: Community):
    """Return when an appeal of the community last changed."""
    return Appeal.objects.filter(community=community).aggregate(Max("updated_at"))[
        "updated_at__max"
    ]
