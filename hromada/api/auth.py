"""API authentication: a personal token (Bearer) or the browser session with CSRF."""

from __future__ import annotations

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from hromada.core.models import ApiToken
from hromada.core.privacy import check_api_consent


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        from hromada.core.services import api_token_hash

        # Revoked and expired tokens are refused like unknown ones: 401.
        now = timezone.now()
        found = (
            ApiToken.objects.select_related("resident")
            .filter(
                key_hash=api_token_hash(token),
                resident__is_active=True,
                revoked_at__isnull=True,
                expires_at__gt=now,
            )
            .first()
        )
        if found is None:
            return None
        # Touch at most once a minute: a hot token must not write on every call.
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.resident
        # A write needs the current privacy notice accepted: 403 consent_required.
        check_api_consent(request, found.resident)
        return found.resident


class ResidentSessionAuth(SessionAuth):
    """Session log-in; ninja checks the CSRF token for unsafe methods."""


class OptionalAuth:
    """Let anonymous callers in, but recognise a token or a session when given."""

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            return TokenAuth()(request) or None
        return request.user if request.user.is_authenticated else AnonymousMarker


class _Anonymous:
    is_authenticated = False

    def __bool__(self) -> bool:  # ninja treats a falsy result as "not authenticated"
        return True


AnonymousMarker = _Anonymous()

required = [TokenAuth(), ResidentSessionAuth()]
optional = [OptionalAuth()]
