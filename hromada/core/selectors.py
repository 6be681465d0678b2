"""Read queries of the core shared by pages, the API and the dashboard."""

from __future__ import annotations

from django.db.models import Q

from hromada.core import registry
from hromada.core.geo import bbox_around, distance_m
from hromada.core.models import Community, Notification, Resident, Street


def dashboard_items(*, staff: Resident, community: Community) -> list[tuple[str, list]]:
    """Return (module title, items) for each module with something for the staff member."""
    sections = []
    for module in registry.modules():
        if not module.dashboard:
            continue
        items = registry.resolve(module.dashboard)(staff, community)
        if items:
            sections.append((module.title, items))
    return sections


def home_news(*, community: Community, limit: int = 5) -> list[tuple[str, list]]:
    """Return the latest public items of each module for the home page."""
    news = []
    for module in registry.modules():
        if module.news:
            items = registry.resolve(module.news)(community, limit)
            if items:
                news.append((module.title, items))
    return news


def nearest_street(
    *, community: Community, lat: float, lon: float, within_m: float = 500
) -> tuple[Street, float] | None:
    """
    Return the registry's street whose point lies nearest, and how far, or None.

    The registry keeps one point per street, so a tap on the map names the
    street around it; none is guessed beyond `within_m` metres.
    """
    min_lat, min_lon, max_lat, max_lon = bbox_around(lat, lon, within_m)
    candidates = Street.objects.filter(
        settlement__community=community,
        lat__range=(min_lat, max_lat),
        lon__range=(min_lon, max_lon),
    ).select_related("settlement")
    measured = [(street, distance_m(lat, lon, street.lat, street.lon)) for street in candidates]
    measured = [(street, metres) for street, metres in measured if metres <= within_m]
    return min(measured, key=lambda pair: (pair[1], pair[0].pk), default=None)


def my_hromada(*, resident: Resident, community: Community) -> list[tuple[str, list]]:
    """Return (module title, sections) of the resident's own things, module by module."""
    gathered = []
    for module in registry.modules():
        if module.my_items:
            sections = registry.resolve(module.my_items)(resident, community)
            if sections:
                gathered.append((module.title, sections))
    return gathered


def my_notifications(*, resident: Resident, community: Community):
    """Return what was sent to the resident here (and from the platform itself), newest first."""
    return (
        Notification.objects.filter(resident=resident)
        .filter(Q(community=community) | Q(community__isnull=True))
        .order_by("-created_at", "-pk")
    )


# Ukrainian open data is commonly published under CC BY 4.0 (Cabinet
# Resolution №835 asks for a free licence that allows reuse).
OPEN_DATA_LICENCE = ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/deed.uk")


def open_data_sets(*, community: Community) -> list[dict]:
    """Return each module's data sets with their fields and last change."""
    sets = []
    for module in registry.modules():
        for export in module.exports:
            sets.append(
                {
                    "module": module,
                    "export": export,
                    "fields": registry.resolve(export.fields) if export.fields else [],
                    "updated": registry.resolve(export.updated)(community)
                    if export.updated
                    else None,
                }
            )
    return sets
