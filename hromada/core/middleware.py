"""The request's community comes from its host name."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import Http404
from django.utils.functional import SimpleLazyObject

from hromada.core.models import Community

# Host → (expiry, community): the lookup runs on every page, the rows
# change rarely; administrators' edits show within `_TTL` seconds.
_CACHE: dict[str, tuple[float, Community]] = {}
_TTL = 30.0


def community_for_host(host: str) -> Community:
    """
    Return the community served at `host`.

    A community's own domain wins; then "<slug>.<base domain>"; any other
    host gets the default community, so a bare 127.0.0.1 just works.
    """
    host = host.split(":", 1)[0].lower().rstrip(".")
    cached = _CACHE.get(host)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    community = Community.objects.filter(domain=host, is_active=True).first()
    suffix = "." + settings.HROMADA_BASE_DOMAIN
    if community is None and host.endswith(suffix):
        slug = host[: -len(suffix)].rsplit(".", 1)[-1]
        community = Community.objects.filter(slug=slug, is_active=True).first()
    if community is None:
        community = (
            Community.objects.filter(
                slug=settings.HROMADA_DEFAULT_COMMUNITY, is_active=True
            ).first()
            or Community.objects.filter(is_active=True).order_by("pk").first()
        )
    if community is None:
        raise Http404("No community is configured.")
    _CACHE[host] = (time.monotonic() + _TTL, community)
    return community


def forget_communities() -> None:
    """Drop the host cache (after a community is edited, and between tests)."""
    _CACHE.clear()


class CommunityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Lazy: static files and health checks never touch the database.
        request.community = SimpleLazyObject(lambda: community_for_host(request.get_host()))
        return self.get_response(request)
