"""API authentication: a personal token (Bearer) or the browser session with CSRF."""

from __future__ import annotations

from django.db import connections
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from hromada.core.models import ApiToken, Resident
from hromada.core.privacy import check_api_consent
from hromada.core.rows import RowLoader

_TOKEN = RowLoader(ApiToken, ["id", "last_used_at"])
_RESIDENT = RowLoader(Resident)


def token_resident(key: str, now) -> Resident | None:
    """
    Return the active resident whose usable token `key` is, or None.

    Every API call with a token runs this: one plain statement, since
    composing the join through the ORM costs more than the database spends.
    Touches the token's last use at most once a minute.
    """
    from hromada.core.services import api_token_hash

    connection = connections["default"]
    quote = connection.ops.quote_name
    tokens, residents = quote(ApiToken._meta.db_table), quote(Resident._meta.db_table)
    moment = ApiToken._meta.get_field("expires_at").get_db_prep_value(now, connection)
    # The names come from the models; every value is a parameter.
    sql = (
        f"SELECT {_TOKEN.columns('t', connection)}, {_RESIDENT.columns('r', connection)} "  # noqa: S608
        f"FROM {tokens} t JOIN {residents} r ON r.id = t.resident_id "
        "WHERE t.key_hash = %s AND r.is_active AND t.revoked_at IS NULL AND t.expires_at > %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [api_token_hash(key), moment])
        row = cursor.fetchone()
        if row is None:
            return None
        token = _TOKEN.build(row, connection)
        # Touch at most once a minute: a hot token must not write on every call.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            cursor.execute(
                f"UPDATE {tokens} SET last_used_at = %s WHERE id = %s",  # noqa: S608
                [moment, token.pk],
            )
    return _RESIDENT.build(row, connection, len(_TOKEN.fields))


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        # Revoked and expired tokens are refused like unknown ones: 401.
        resident = token_resident(token, timezone.now())
        if resident is None:
            return None
        request.user = resident
        # A write needs the current privacy notice accepted: 403 consent_required.
        check_api_consent(request, resident)
        return resident


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
