"""
The platforms' webhooks through a short middleware chain of their own.

Telegram and Viber post every update a resident sends, and wait for the
acknowledgement; the webhook view stores the update and answers with an empty
body. The full chain after SecurityMiddleware serves pages for people:
sessions, the signed-in resident, messages, language, the privacy consent,
CSRF, the Content-Security-Policy and frame headers, the log-in lock-out.
None of it applies to a platform's bodiless POST, and together it cost a
third of the acknowledgement's CPU. A webhook request keeps what does apply:
the metrics, the request log line and the client's address (the middleware
before this one), HTTPS (SecurityMiddleware, before this one), the community
of the host, the refusal of NUL characters, and Django's own
exception-to-response conversion. Every other URL takes the full chain.
"""

from __future__ import annotations

import functools
import re

from django.apps import apps
from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.urls import Resolver404, get_resolver
from django.utils import translation
from django.utils.module_loading import import_string

# The middleware a webhook request still passes through, outermost first.
WEBHOOK_MIDDLEWARE = [
    "hromada.core.middleware.CommunityMiddleware",
    "hromada.core.middleware.RefuseNulMiddleware",
]
# Only paths like these are looked at; the routes themselves stay in
# chatbot/urls.py, and a path that resolves to another view takes the full chain.
_CANDIDATE = re.compile(r"/chatbot/(?:telegram|viber)/[0-9]+/")


@functools.lru_cache(maxsize=64)
def _resolve(resolver, path: str):
    """
    Return the match of a candidate path, or None.

    Walking every module's patterns cost as much as the rest of the chain;
    the same few paths (one per bot) come again and again, and a match holds
    nothing of the request. Keyed by the resolver, which Django makes anew
    when the URLs change.
    """
    try:
        return resolver.resolve(path)
    except Resolver404:
        return None


def _webhook_views() -> frozenset:
    from hromada.chatbot import views

    return frozenset({views.telegram_webhook, views.viber_webhook})


class WebhookMiddleware:
    """Serve a platform's POST to a webhook URL through WEBHOOK_MIDDLEWARE only."""

    def __init__(self, get_response):
        if not apps.is_installed("hromada.chatbot"):
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.views = _webhook_views()
        # The metrics middleware's per-view counters, as the full chain keeps them.
        self.metrics = None
        for path in settings.MIDDLEWARE:
            if path.endswith("PrometheusAfterMiddleware"):
                self.metrics = import_string(path)(self._view)
        handler = convert_exception_to_response(self.metrics or self._view)
        for path in reversed(WEBHOOK_MIDDLEWARE):
            handler = convert_exception_to_response(import_string(path)(handler))
        self.webhook = handler

    def __call__(self, request):
        if request.method != "POST" or not _CANDIDATE.fullmatch(request.path_info):
            return self.get_response(request)
        urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
        match = _resolve(get_resolver(urlconf), request.path_info)
        if match is None or match.func not in self.views:
            return self.get_response(request)
        request.resolver_match = match
        # No LocaleMiddleware here: the thread would keep the language of its
        # last page. The webhook answers no text, and the engine sets the
        # chat's own language where it replies (Viber's welcome).
        translation.activate(settings.LANGUAGE_CODE)
        response = self.webhook(request)
        # As CommonMiddleware does: a length, not a chunked body, for the platform.
        if not response.streaming and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))
        return response

    def _view(self, request):
        match = request.resolver_match
        if self.metrics is not None:
            self.metrics.process_view(request, match.func, match.args, match.kwargs)
        return match.func(request, *match.args, **match.kwargs)
