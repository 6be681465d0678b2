"""The request's community comes from its host name; its address from a trusted proxy."""

from __future__ import annotations

import ipaddress
import re
import time

from csp.constants import HEADER as CSP_HEADER
from csp.constants import HEADER_REPORT_ONLY as CSP_HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from django.http import Http404, HttpResponseBadRequest, JsonResponse
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
    from hromada.core.privacy import _LOCAL as privacy_versions

    _CACHE.clear()
    privacy_versions.clear()


class CommunityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Lazy: static files and health checks never touch the database.
        request.community = SimpleLazyObject(lambda: community_for_host(request.get_host()))
        return self.get_response(request)


def _networks(entries) -> tuple:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry)


def _is_trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(forwarded_for: str, networks) -> str | None:
    """
    Return the client's address from an X-Forwarded-For header, or None.

    The rightmost address that is not one of our proxies: everything to its
    left was written by the client and proves nothing.
    """
    for part in reversed(forwarded_for.split(",")):
        candidate = part.strip()
        try:
            ipaddress.ip_address(candidate)
        except ValueError:
            return None
        if not _is_trusted(candidate, networks):
            return candidate
    return None


class ClientAddressMiddleware:
    """
    Behind a trusted reverse proxy, put the client's own address in REMOTE_ADDR.

    Behind nginx every request comes from the proxy, yet rate limits and the
    log-in lock-out work per address. Only proxies listed in
    HROMADA_TRUSTED_PROXIES are believed, so nobody chooses their address by
    sending the header themselves.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.proxies = _networks(settings.HROMADA_TRUSTED_PROXIES)

    def __call__(self, request):
        if self.proxies and _is_trusted(request.META.get("REMOTE_ADDR", ""), self.proxies):
            client = client_address(request.META.get("HTTP_X_FORWARDED_FOR", ""), self.proxies)
            if client:
                request.META["REMOTE_ADDR"] = client
        return self.get_response(request)


# A JSON escape of NUL: an odd run of backslashes before u0000 (an even run
# is escaped backslashes followed by the plain text "u0000").
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _has_nul(request) -> bool:
    if "\x00" in request.path_info or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    media_type = request.content_type or ""
    if media_type == "multipart/form-data":
        if request.path_info.startswith("/api/"):
            # The API takes only files as multipart, and parsing the form here
            # would leave ninja no body to read when a JSON body was expected.
            return False
        # Files may hold any byte; only the form's text fields are checked.
        return any("\x00" in value for values in request.POST.lists() for value in values[1])
    if media_type == "application/x-www-form-urlencoded":
        return b"%00" in request.body or b"\x00" in request.body
    if media_type == "application/json" or media_type.endswith("+json"):
        return b"\x00" in request.body or bool(_JSON_NUL.search(request.body))
    return False


class RefuseNulMiddleware:
    """
    Answer 400 to a request whose path, query string, form or JSON body holds a NUL.

    One check for every channel, rather than a validator per form and API
    schema: no text here may hold a NUL (PostgreSQL refuses it in a text
    column, so it would surface as a 500), Django's forms already refuse it,
    and a middleware also covers the API's schemas, Open311's hand-read forms
    and whatever endpoint comes next.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            return nul_refused(request)
        return self.get_response(request)


def nul_refused(request):
    """Answer 400 in the shape the refused channel speaks: the API's, Open311's or text."""
    # Django's own sentence, the one its forms show, translated in its catalogue.
    message = str(ProhibitNullCharactersValidator.message)
    if request.path_info.startswith("/api/"):
        body = {"error": {"code": "nul_character", "message": message, "fields": {}}}
        return JsonResponse(body, status=400)
    if request.path_info.startswith("/open311/"):
        from hromada.appeals.open311 import Open311Error, error_response

        fmt = "json" if request.path_info.endswith(".json") else "xml"
        return error_response(Open311Error(400, message), fmt)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """
    django-csp's middleware without deep-copying the policy for every response.

    The library passes its policy parts through dataclasses.asdict, a deep
    copy of the whole configuration twice per response; build_policy copies
    what it changes anyway, so the parts are handed over as they are.
    """

    def process_response(self, request, response):
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        for report_only, header, setting, exempt in (
            (False, CSP_HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt"),
            (True, CSP_HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", "_csp_exempt_ro"),
        ):
            parts = self.get_policy_parts(
                request=request, response=response, report_only=report_only
            )
            policy = build_policy(**vars(parts), report_only=report_only)
            if not policy or header in response or getattr(response, exempt, False) is not False:
                continue
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = policy
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
