"""
Short middleware lanes for machines' posts: one mechanism for every module.

The full chain after SecurityMiddleware serves pages for people: sessions,
the signed-in resident, messages, the privacy consent, CSRF, the log-in
lock-out. A platform's webhook, a partner application's Open311 report or a
voter's app posting a ballot with its token uses none of that, and the chain
cost a third of such a request's CPU. A module declares a `Lane` next to its
views: the URL names it serves, the methods, and which of the chain's
middleware the lane leaves out; `LaneMiddleware` (in MIDDLEWARE where the
lanes leave the chain) serves a request that fits a lane through the rest of
the chain only, in the chain's order, and every other request through the
full chain.

What a lane always keeps: everything before LaneMiddleware (metrics, the
request log line, the client's address, SecurityMiddleware's HTTPS and
headers), every middleware it does not name (new ones included), the
per-view metrics, the views' own checks, and Django's conversion of
exceptions into error responses. What makes leaving something out safe is
checked on every request, not assumed:

- a request with a session cookie takes the full chain, so the session, the
  signed-in resident, messages, consent and the lock-out have nothing to do
  (without a cookie they would see an anonymous visitor; the lane gives the
  request Django's anonymous user, as AuthenticationMiddleware would);
- CSRF is left out only for views exempt from it (ninja's views check it in
  their session authentication, which runs unchanged);
- without LocaleMiddleware the default language is activated, so a thread
  never answers in the language of the page it served last;
- without CommonMiddleware the response still gets its Content-Length.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.urls import Resolver404, get_resolver
from django.utils import translation
from django.utils.module_loading import import_string

# The lanes of the modules, each a `Lane` declared next to its views; a lane of
# a module that is not installed is left out.
LANES = [
    "hromada.chatbot.middleware.WEBHOOK_LANE",
    "hromada.appeals.open311.SUBMISSION_LANE",
    "hromada.budget.api.BALLOT_LANE",
]

SESSIONS = "django.contrib.sessions.middleware.SessionMiddleware"
AUTHENTICATION = "django.contrib.auth.middleware.AuthenticationMiddleware"
CSRF = "django.middleware.csrf.CsrfViewMiddleware"
LOCALE = "django.middleware.locale.LocaleMiddleware"
COMMON = "django.middleware.common.CommonMiddleware"
# What a lane for a machine's post may leave out: pages' middleware that has
# nothing to do without a session cookie, for a view exempt from CSRF.
FOR_PAGES = frozenset(
    {
        "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, answered by GET
        SESSIONS,
        COMMON,
        CSRF,
        AUTHENTICATION,
        "django.contrib.messages.middleware.MessageMiddleware",
        "hromada.core.privacy.ConsentMiddleware",
        "axes.middleware.AxesMiddleware",
    }
)


@dataclass(frozen=True)
class Lane:
    """
    A short chain for some views' requests.

    `paths` is a pattern the path must match in full before it is resolved
    (cheap; the URLs themselves stay in the module's urls.py), `views` the
    URL names ("namespace:name") the lane serves, `skip` the middleware of
    MIDDLEWARE it leaves out, `admit` an optional further test of the request
    (a bearer token, say): a request it refuses takes the full chain.
    """

    name: str
    paths: str
    views: frozenset[str]
    skip: frozenset[str]
    methods: frozenset[str] = frozenset({"POST"})
    admit: Callable | None = None
    pattern: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "pattern", re.compile(self.paths))


@functools.lru_cache(maxsize=256)
def _resolve(resolver, path: str):
    """
    Return the match of a candidate path, or None.

    Walking every module's patterns cost as much as the rest of the chain;
    the same few paths come again and again, and a match holds nothing of
    the request. Keyed by the resolver, which Django makes anew when the
    URLs change.
    """
    try:
        return resolver.resolve(path)
    except Resolver404:
        return None


def installed_lanes() -> list[Lane]:
    found = []
    for path in LANES:
        module = path.split(".")[:2]
        if apps.is_installed(".".join(module)):
            found.append(import_string(path))
    return found


class _Chain:
    """One lane's middleware around its view, as Django's handler would run them."""

    def __init__(self, lane: Lane, middleware: list[str]):
        unknown = lane.skip - set(middleware)
        if unknown:
            raise ImproperlyConfigured(
                f"Lane {lane.name} leaves out middleware not in the chain: {sorted(unknown)}"
            )
        self.lane = lane
        self.kept = [path for path in middleware if path not in lane.skip]
        self.needs_csrf_exemption = CSRF in lane.skip
        self.anonymous = AUTHENTICATION in lane.skip
        self.default_language = LOCALE in lane.skip
        self.length = COMMON in lane.skip
        self.view_hooks: list = []
        self.exception_hooks: list = []
        handler = convert_exception_to_response(self._view)
        for path in reversed(self.kept):
            try:
                instance = import_string(path)(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(instance, "process_view"):
                self.view_hooks.insert(0, instance.process_view)
            if hasattr(instance, "process_exception"):
                self.exception_hooks.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self.handler = handler

    def __call__(self, request, match):
        request.resolver_match = match
        if self.anonymous:
            request.user = AnonymousUser()
        if self.default_language:
            translation.activate(settings.LANGUAGE_CODE)
        response = self.handler(request)
        if self.length and not response.streaming and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))
        return response

    def _view(self, request):
        match = request.resolver_match
        for hook in self.view_hooks:
            response = hook(request, match.func, match.args, match.kwargs)
            if response is not None:
                return response
        try:
            response = match.func(request, *match.args, **match.kwargs)
        except Exception as error:
            for hook in self.exception_hooks:
                response = hook(request, error)
                if response is not None:
                    return response
            raise
        if response is None:
            raise ValueError(f"The view {match.view_name} returned None.")
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        return response


class LaneMiddleware:
    """Serve a request that fits a module's lane through that lane's chain only."""

    def __init__(self, get_response):
        self.get_response = get_response
        here = f"{__name__}.{type(self).__name__}"
        after = settings.MIDDLEWARE[settings.MIDDLEWARE.index(here) + 1 :]
        self.chains = [_Chain(lane, after) for lane in installed_lanes()]
        if not self.chains:
            raise MiddlewareNotUsed
        self.methods = frozenset().union(*(chain.lane.methods for chain in self.chains))
        self.session_cookie = settings.SESSION_COOKIE_NAME

    def __call__(self, request):
        if request.method not in self.methods:
            return self.get_response(request)
        path = request.path_info
        for chain in self.chains:
            lane = chain.lane
            if request.method in lane.methods and lane.pattern.fullmatch(path):
                match = self._match(request, chain)
                if match is not None:
                    return chain(request, match)
        return self.get_response(request)

    def _match(self, request, chain: _Chain):
        lane = chain.lane
        if self.session_cookie in request.COOKIES:
            return None  # a signed-in browser: the session decides who asks
        urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
        match = _resolve(get_resolver(urlconf), request.path_info)
        if match is None or match.view_name not in lane.views:
            return None
        if chain.needs_csrf_exemption and not getattr(match.func, "csrf_exempt", False):
            return None
        if lane.admit is not None and not lane.admit(request):
            return None
        return match
