"""
The module registry: each app declares what it plugs in, in its `module.py`.

A declaration names things by dotted path and is resolved on first use, so
loading the registry loads nothing else. `HROMADA_MODULES` switches modules
off: their data stays, their pages, API and dashboard entries disappear.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import import_module

from django.conf import settings
from django.utils.module_loading import import_string

from hromada.core.models import Identity


@dataclass(frozen=True)
class Nav:
    title: str
    url_name: str


@dataclass(frozen=True)
class Export:
    """An open-data set (Cabinet Resolution №835): name and a rows function."""

    name: str
    rows: str  # dotted path: rows(community) -> iterable of dicts
    # Said on the open-data page: what the set holds, its fields (dotted path
    # of the list of names) and when it last changed (dotted path:
    # updated(community) -> datetime or None).
    description: str = ""
    fields: str | None = None
    updated: str | None = None


@dataclass(frozen=True)
class Schedule:
    """A scheduled, idempotent job: a task's dotted path and its period."""

    task: str
    every_seconds: int


@dataclass(frozen=True)
class Flow:
    """A conversation a module offers in the chatbot: a few steps that end in a service call.

    `start` is the dotted path of the first step: step(conversation, message) -> Reply,
    each reply naming the next step. The engine renders replies per channel and never
    imports a module's models.
    """

    name: str
    title: str
    start: str
    level: int = Identity.NONE  # identity level the flow needs before it starts
    menu: str = ""  # the top menu it sits under: "services", "power" or "community"


@dataclass(frozen=True)
class Indicator:
    """A figure the strategy dashboard reads from a module.

    compute(community, start, end, settlement=None) -> number | None (None: no data).
    """

    key: str
    title: str
    unit: str
    direction: str  # "up" when more is better, "down" when less is better
    compute: str


@dataclass(frozen=True)
class Module:
    name: str
    title: str
    description: str = ""
    urls: str | None = None  # dotted path of the URLconf, mounted at /<name>/
    root_urls: str | None = None  # dotted path of a URLconf mounted at the site root
    api_router: str | None = None  # dotted path of a ninja Router
    navigation: list[Nav] = field(default_factory=list)
    # Identity level each action needs unless the community sets another.
    actions: dict[str, int] = field(default_factory=dict)
    # Dotted path: counts(staff, community) -> list[DashboardItem].
    dashboard: str | None = None
    exports: list[Export] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)
    demo: str | None = None  # dotted path: load(community) for the demo data
    # Dotted path: latest(community, limit) -> list of (title, url, date) for the home page.
    news: str | None = None
    # Dotted path: personal_data(resident) -> dict of the resident's records in the
    # module, JSON-safe, for "download my data" (Law №2297-VI, art. 8).
    personal_data: str | None = None
    # Dotted path: my_items(resident, community) -> list[MySection], the
    # resident's own things in the module for the "My community" page.
    my_items: str | None = None
    # Chatbot conversations and strategy indicators the module offers.
    chatbot: list[Flow] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)


@dataclass(frozen=True)
class MyItem:
    """One of the resident's own things: a petition, a ballot, an appeal."""

    title: str
    url: str
    status: str = ""
    when: object = None  # a date or a datetime
    note: str = ""


@dataclass(frozen=True)
class MySection:
    """A short list on the "My community" page, with a link to the whole list."""

    title: str
    items: list[MyItem]
    more_url: str = ""
    empty: str = ""  # said when the list is empty


@dataclass(frozen=True)
class DashboardItem:
    label: str
    count: int
    url: str
    urgent: bool = False


@cache
def _load(name: str) -> Module:
    return import_module(f"hromada.{name}.module").MODULE


def modules() -> list[Module]:
    """Return the enabled modules in the configured order."""
    return [_load(name) for name in settings.HROMADA_MODULES]


def module(name: str) -> Module | None:
    return _load(name) if name in settings.HROMADA_MODULES else None


def resolve(dotted: str):
    return import_string(dotted)


def default_action_level(action: str) -> int:
    """Return a module's declared level for "<module>.<action>"."""
    name = action.split(".", 1)[0]
    if name == "core":
        return Identity.NONE
    try:
        declared = _load(name)
    except ModuleNotFoundError:
        return Identity.STRONG
    return declared.actions.get(action.split(".", 1)[1], Identity.STRONG)


def extra_urlpatterns() -> list:
    """Return URL patterns a module mounts outside /<name>/ (Open311 at /open311/)."""
    patterns = []
    for declared in modules():
        if declared.root_urls:
            patterns += import_module(declared.root_urls).urlpatterns
    return patterns
