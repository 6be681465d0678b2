"""Read queries of the core shared by pages, the API and the dashboard."""

from __future__ import annotations

from hromada.core import registry
from hromada.core.models import Community, Resident


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
