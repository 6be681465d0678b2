"""API authentication: a personal token (Bearer) or the browser session with CSRF."""

from __future__ import annotations

from datetime import timedelta

from django.db import connections
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from hromada.core.models import ApiToken, Resident
from hromada.core.privacy import check_api_consent
from hromada.core.rows import RowLoader, statement

_TOKEN = RowLoader(ApiToken, ["id", "last_used_at"])
_RESIDENT = RowLoader(Resident)


def token_resident(key: str, now) -> Resident | None:
    """
    Return the active resident whose usable token `key` is, or None.

    Every API call with a token runs this: one plain statement, since
    composing the join through the ORM costs more than the database spends.
    Touches the token's last use at most once a minute (on PostgreSQL in the
    same statement).
    """
    from hromada.core.services import api_token_hash

    connection = connections["default"]
    field = ApiToken._meta.get_field("expires_at")
    moment = field.get_db_prep_value(now, connection)
    key_hash = api_token_hash(key)
    touch_in_lookup = connection.vendor == "postgresql"
    if touch_in_lookup:
        sql = statement("api.token_resident_touching", _lookup_touching_sql)
        stale = field.get_db_prep_value(now - _TOUCH_EVERY, connection)
        params = [moment, key_hash, moment, stale, key_hash, moment]
    else:
        sql = statement("api.token_resident", _lookup_sql)
        params = [key_hash, moment]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None
        if not touch_in_lookup:
            token = _TOKEN.build(row, connection)
            if token.last_used_at is None or token.last_used_at < now - _TOUCH_EVERY:
                cursor.execute(statement("api.token_touch", _touch_sql), [moment, token.pk])
    return _RESIDENT.build(row, connection, len(_TOKEN.fields))


# A hot token must not write on every call.
_TOUCH_EVERY = timedelta(seconds=60)
# The usable token of an active resident: the look-up's and the touch's condition.
_USABLE = "t.key_hash = %s AND r.is_active AND t.revoked_at IS NULL AND t.expires_at > %s"


def _lookup_sql(connection) -> str:
    quote = connection.ops.quote_name
    tokens, residents = quote(ApiToken._meta.db_table), quote(Resident._meta.db_table)
    # The names come from the models; every value is a parameter.
    return (
        f"SELECT {_TOKEN.columns('t', connection)}, {_RESIDENT.columns('r', connection)} "  # noqa: S608
        f"FROM {tokens} t JOIN {residents} r ON r.id = t.resident_id WHERE {_USABLE}"
    )


def _lookup_touching_sql(connection) -> str:
    """
    The look-up, with the touch of a token last used over a minute ago as its CTE (PostgreSQL).

    The select reads the rows as before the touch (one snapshot), as the two
    statements did; the touch's condition is the look-up's.
    """
    quote = connection.ops.quote_name
    tokens, residents = quote(ApiToken._meta.db_table), quote(Resident._meta.db_table)
    return (
        f"WITH touched AS (UPDATE {tokens} t SET last_used_at = %s FROM {residents} r "  # noqa: S608
        f"WHERE r.id = t.resident_id AND {_USABLE} "
        "AND (t.last_used_at IS NULL OR t.last_used_at < %s)) "
        f"{_lookup_sql(connection)}"
    )


def _touch_sql(connection) -> str:
    tokens = connection.ops.quote_name(ApiToken._meta.db_table)
    return f"UPDATE {tokens} SET last_used_at = %s WHERE id = %s"  # noqa: S608


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
