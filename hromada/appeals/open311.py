"""
Open311 GeoReport v2 at /open311/v2/ (spec: shared/reference/open311/).

Every resource answers in XML (required by the spec) and JSON (the Spark
convention: the root element is dropped and a container of repeated
elements becomes an array). Errors are the spec's ``errors/error`` list with
``code`` and ``description``; the HTTP status is 404 for a resource that does
not exist, 403 for a missing or wrong api_key and 400 for everything else.
Requests are problem reports; written appeals and hidden reports never
appear here. ``jurisdiction_id`` is a community's slug (or domain); without
it the host name selects the community.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from functools import wraps
from time import monotonic
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import CharField, Max
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import is_ratelimited
from psycopg import ClientCursor
from psycopg.adapt import Loader

from hromada.appeals import selectors, services
from hromada.appeals.models import Appeal, Category, Open311Key
from hromada.core.errors import DomainError
from hromada.core.lanes import FOR_PAGES, Lane
from hromada.core.models import Community, Department, Street
from hromada.core.notifications import site_url
from hromada.core.params import (
    MAX_DATE,
    MAX_LAT,
    MAX_LON,
    MIN_DATE,
    MIN_LAT,
    MIN_LON,
    parse_float,
    parse_int,
)
from hromada.core.rows import RowLoader

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# Partner applications post reports with an api_key, not a session: their
# POSTs take a short lane of the middleware chain (hromada.core.lanes) that
# keeps the community, the language the client asks for, the refusal of NUL
# characters, the Content-Security-Policy and frame headers, the rate-limit
# page and the metrics. A request with a session cookie takes the full chain.
SUBMISSION_LANE = Lane(
    name="Open311 submissions",
    paths=r"/open311/v2/requests\.[A-Za-z0-9]+",
    views=frozenset({"open311:requests"}),
    skip=FOR_PAGES,
)
FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
MAX_SPAN = timedelta(days=90)  # "may not span more than 90 days"
MAX_RESULTS = 1000  # "first 1000 requests returned"


class Items(list):
    """A container of repeated elements: `<tag><child/>…</tag>` in XML, an array in JSON."""

    def __init__(self, child: str, items):
        super().__init__(items)
        self.child = child


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str):
        self.status = status
        self.errors = [(status, str(text)) for text in descriptions]
        super().__init__(self.errors)


# -- rendering ----------------------------------------------------------------


def _xml_value(value) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return escape(str(value))


def _xml(tag: str, value, out: list[str]) -> None:
    if isinstance(value, Items):
        out.append(f"<{tag}>")
        for item in value:
            _xml(value.child, item, out)
        out.append(f"</{tag}>")
    elif isinstance(value, dict):
        out.append(f"<{tag}>")
        for key, item in value.items():
            _xml(key, item, out)
        out.append(f"</{tag}>")
    else:
        out.append(f"<{tag}>{_xml_value(value)}</{tag}>")


def _json(value):
    if isinstance(value, Items):
        return [_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    if value == "":
        return None  # an empty element is null in the Spark convention
    return value


def respond(root: str, document, fmt: str, status: int = 200, ready: bool = False) -> HttpResponse:
    """
    Return the document as XML (with the UTF-8 declaration) or as Spark JSON.

    `ready` says the document already holds None for empty values and plain
    lists, so JSON needs no conversion pass.
    """
    if fmt == "json":
        body = json.dumps(
            document if ready else _json(document), ensure_ascii=False, separators=(",", ":")
        )
    else:
        out = ['<?xml version="1.0" encoding="utf-8"?>\n']
        _xml(root, document, out)
        body = "".join(out)
    response = HttpResponse(
        body.encode(), content_type=FORMATS.get(fmt, FORMATS["xml"]), status=status
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


def error_response(error: Open311Error, fmt: str) -> HttpResponse:
    document = Items("error", [{"code": code, "description": text} for code, text in error.errors])
    return respond("errors", document, fmt if fmt in FORMATS else "xml", status=error.status)


def endpoint(*, methods: tuple[str, ...] = ("GET",)):
    """Decorate an Open311 view: format, method, jurisdiction and errors in the spec's shape."""

    def decorator(view):
        @csrf_exempt  # partner applications post forms with an api_key, not a session
        @wraps(view)
        def wrapper(request, fmt: str, *args, **kwargs):
            fmt = fmt.lower()
            try:
                if fmt not in FORMATS:
                    raise Open311Error(400, _("The format must be xml or json."))
                if request.method not in methods:
                    raise Open311Error(
                        400,
                        _("This resource accepts only %(methods)s requests.")
                        % {"methods": ", ".join(methods)},
                    )
                community = jurisdiction(request)
                return view(request, community, fmt, *args, **kwargs)
            except Open311Error as error:
                return error_response(error, fmt)

        return wrapper

    return decorator


def jurisdiction(request) -> Community:
    """Return the community named by jurisdiction_id, or the host's community."""
    value = (request.POST.get("jurisdiction_id") if request.method == "POST" else None) or (
        request.GET.get("jurisdiction_id")
    )
    value = (value or "").strip().lower()
    if not value:
        return request.community
    suffix = "." + settings.HROMADA_BASE_DOMAIN
    slug = value[: -len(suffix)] if value.endswith(suffix) else value
    found = (
        Community.objects.filter(is_active=True, slug=slug).first()
        or Community.objects.filter(is_active=True, domain=value).first()
    )
    if found is None:
        raise Open311Error(404, _("jurisdiction_id provided was not found."))
    return found


def _base_url(request, community: Community) -> str:
    if community.pk == request.community.pk:
        return f"{request.scheme}://{request.get_host()}"
    return site_url(community)


# -- discovery and services ---------------------------------------------------


def _changeset(community: Community) -> str:
    changed = Category.objects.filter(community=community).aggregate(last=Max("updated_at"))["last"]
    changed = changed or datetime(2026, 1, 1, tzinfo=timezone.get_current_timezone())
    return timezone.localtime(changed).isoformat(timespec="seconds")


@endpoint()
def discovery(request, community: Community, fmt: str):
    changeset = _changeset(community)
    contact = ", ".join(
        part
        for part in [community.council_name or community.name, community.email, community.phone]
        if part
    )
    document = {
        "changeset": changeset,
        "contact": contact,
        "key_service": _(
            "Write to the council to request an API key for posting service requests: %(email)s"
        )
        % {"email": community.email or community.name},
        "endpoints": Items(
            "endpoint",
            [
                {
                    "specification": SPECIFICATION,
                    "url": _base_url(request, community) + "/open311/v2",
                    "changeset": changeset,
                    "type": "production",
                    "formats": Items("format", ["text/xml", "application/json"]),
                }
            ],
        ),
    }
    return respond("discovery", document, fmt)


def _language() -> str:
    return (translation.get_language() or "uk")[:2]


def _service(category: Category, language: str) -> dict:
    return {
        "service_code": category.service_code,
        "service_name": category.display_name(language),
        "description": category.description,
        "metadata": bool(getattr(category, "question_count", 0)),
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.parent.display_name(language) if category.parent else "",
    }


@endpoint()
def service_list(request, community: Community, fmt: str):
    from django.db.models import Count

    # Informational attributes count too: clients show them from the definition.
    # Services are the map's categories: written topics have no place to report.
    categories = (
        selectors.leaf_categories(community)
        .filter(kind=Category.Kind.MAP)
        .annotate(question_count=Count("attributes"))
    )
    language = _language()
    document = Items("service", [_service(category, language) for category in categories])
    return respond("services", document, fmt)


@endpoint()
def service_definition(request, community: Community, fmt: str, code: str):
    category = selectors.category_by_code(community, code)
    if category is None or not category.is_map:
        raise Open311Error(404, _("service_code provided was not found."))
    attributes = []
    for attribute in category.attributes.all():
        item = {
            "variable": attribute.variable,
            "code": attribute.code,
            "datatype": attribute.datatype,
            "required": attribute.required,
            "datatype_description": attribute.datatype_description,
            "order": attribute.order,
            "description": attribute.description,
        }
        if attribute.datatype in ("singlevaluelist", "multivaluelist"):
            item["values"] = Items(
                "value", [{"key": key, "name": name} for key, name in attribute.choices]
            )
        attributes.append(item)
    document = {"service_code": category.service_code, "attributes": Items("attribute", attributes)}
    return respond("service_definition", document, fmt)


# -- requests -----------------------------------------------------------------


@endpoint(methods=("GET", "POST"))
def requests_resource(request, community: Community, fmt: str):
    if request.method == "POST":
        return _create_request(request, community, fmt)
    return _list_requests(request, community, fmt)


_KEYS = RowLoader(Open311Key)


def _active_key(key_hash: str) -> Open311Key | None:
    """Return the active key with this hash: every submission asks, so a plain statement."""
    table = connection.ops.quote_name(Open311Key._meta.db_table)
    columns = _KEYS.columns(table, connection)
    sql = f"SELECT {columns} FROM {table} WHERE key_hash = %s AND is_active = %s"  # noqa: S608
    found = _KEYS.load(sql, [key_hash, True])
    return found[0] if found else None


def _key_for(request, community: Community) -> Open311Key:
    raw = (request.POST.get("api_key") or request.GET.get("api_key") or "").strip()
    if not raw:
        raise Open311Error(403, _("api_key is missing -- can't proceed with create_request."))
    key = _active_key(services.open311_key_hash(raw))
    if key is None or key.community_id != community.pk:
        raise Open311Error(403, _("Invalid api_key received -- can't proceed with create_request."))
    if key.requests_per_minute and is_ratelimited(
        request,
        group="appeals.open311",
        key=lambda _group, _request: key.key_hash[:24],
        rate=f"{key.requests_per_minute}/m",
        increment=True,
    ):
        raise Open311Error(400, _("Too many requests with this api_key; please wait a minute."))
    now = timezone.now()
    # Touch at most once a minute: a busy key must not write on every request.
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        Open311Key.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


def _attributes_from(data) -> dict:
    """Return {code: value or [values]} from attribute[code] and attribute[code][] fields."""
    answers: dict = {}
    for name in data:
        if not name.startswith("attribute["):
            continue
        rest = name[len("attribute[") :]
        if rest.endswith("][]"):
            answers[rest[:-3]] = data.getlist(name)
        elif rest.endswith("]"):
            values = data.getlist(name)
            answers[rest[:-1]] = values if len(values) > 1 else values[0]
    return answers


def _float_or_error(value: str, name: str, *, low: float, high: float) -> float:
    number = parse_float(value, low=low, high=high)
    if number is None:
        raise Open311Error(
            400,
            _("%(name)s must be a number from %(low)s to %(high)s.")
            % {"name": name, "low": int(low), "high": int(high)},
        )
    return number


def _street_for_address(community: Community, text: str) -> Street | None:
    """Find the registry street an address string names, the longest name first."""
    lowered = text.lower()
    best, best_length = None, -1
    # Names only: a city's registry holds thousands of streets, and one model
    # row each cost tens of milliseconds a report.
    streets = Street.objects.filter(settlement__community=community)
    for pk, name in streets.values_list("pk", "name"):
        length, name = len(name), name.lower()
        core = name.split(" ", 1)[1] if " " in name else name
        named = name in lowered or (len(core) > 3 and core in lowered)
        if named and length > best_length:
            best, best_length = pk, length
    return None if best is None else Street.objects.select_related("settlement").get(pk=best)


def _create_request(request, community: Community, fmt: str) -> HttpResponse:
    key = _key_for(request, community)
    data = request.POST
    code = (data.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("service_code was not provided."))
    category = selectors.category_by_code(community, code)
    if category is None or not category.is_map:
        raise Open311Error(404, _("service_code provided was not found."))
    lat, lon = (data.get("lat") or "").strip(), (data.get("long") or "").strip()
    address = (data.get("address_string") or "").strip()
    address_id = (data.get("address_id") or "").strip()
    street = None
    if bool(lat) != bool(lon):
        raise Open311Error(400, _("lat and long must both be sent."))
    if address_id:
        street_id = parse_int(address_id)
        street = (
            Street.objects.filter(settlement__community=community, pk=street_id).first()
            if street_id is not None
            else None
        )
        if street is None:
            raise Open311Error(400, _("address_id was not found in the address registry."))
    if not (lat or address or address_id):
        raise Open311Error(
            400, _("A location is required: lat and long, address_string or address_id.")
        )
    if address and street is None and not lat:
        street = _street_for_address(community, address)
    first, last = (data.get("first_name") or "").strip(), (data.get("last_name") or "").strip()
    try:
        appeal = services.submit_report(
            community=community,
            category=category,
            description=data.get("description") or "",
            lat=_float_or_error(lat, "lat", low=MIN_LAT, high=MAX_LAT) if lat else None,
            lon=_float_or_error(lon, "long", low=MIN_LON, high=MAX_LON) if lon else None,
            street=street,
            address=address,
            photos=request.FILES.getlist("media"),
            attributes=_attributes_from(data),
            channel=Appeal.Channel.OPEN311,
            contact={
                "name": " ".join(part for part in (first, last) if part),
                "email": data.get("email") or "",
                "phone": data.get("phone") or "",
            },
            open311_key=key,
            media_url=data.get("media_url") or "",
            device_id=data.get("device_id") or "",
            account_id=data.get("account_id") or "",
        )
    except DomainError as error:
        descriptions = list(error.fields.values()) or [str(error)]
        raise Open311Error(400, *descriptions) from None
    document = Items(
        "request",
        [
            {
                "service_request_id": appeal.pk,
                "service_notice": _service_notice(appeal.number, category, appeal.target_on),
                "account_id": appeal.account_id,
            }
        ],
    )
    return respond("service_requests", document, fmt)


def _notice_wording(days: int) -> str:
    """Return the service notice's wording for a target of `days` working days."""
    return ngettext(
        "Registration number %(number)s. The council aims to deal with it within "
        "%(days)d working day, by %(date)s.",
        "Registration number %(number)s. The council aims to deal with it within "
        "%(days)d working days, by %(date)s.",
        days,
    )


def _service_notice(number: str, category: Category, target) -> str:
    days = category.target_days
    return _notice_wording(days) % {
        "number": number,
        "days": days,
        "date": target.strftime("%d.%m.%Y"),
    }


def parse_w3(value: str, name: str) -> datetime:
    """Parse a W3C date-time ("2010-01-01T00:00:00Z"); a date alone means its midnight."""
    text = value.strip().replace(" ", "+")  # an unescaped "+" arrives as a space
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(
            400,
            _("%(name)s must be a W3C date and time, e.g. 2026-01-01T00:00:00Z.") % {"name": name},
        ) from None
    if not MIN_DATE <= parsed.date() <= MAX_DATE:
        # Moving such a date by the 90-day span would leave the calendar.
        raise Open311Error(
            400,
            _("%(name)s must fall between %(low)s and %(high)s.")
            % {"name": name, "low": MIN_DATE.isoformat(), "high": MAX_DATE.isoformat()},
        )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


LIST_CACHE_SECONDS = 10


def _list_requests(request, community: Community, fmt: str) -> HttpResponse:
    """
    Answer GET requests. Applications poll this list, so an answer is kept
    for ten seconds, or until the community's appeals change.
    """
    key = ":".join(
        [
            "appeals:open311",
            str(community.pk),
            selectors.data_version(community),
            fmt,
            _language(),
            request.get_host(),
            urlencode(sorted(request.GET.items())),
        ]
    )
    cached = cache.get(key)
    if cached is not None:
        return respond_cached(cached, fmt)
    response = _query_requests(request, community, fmt)
    cache.set(key, response.content, LIST_CACHE_SECONDS)
    return response


def respond_cached(body: bytes, fmt: str) -> HttpResponse:
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _query_requests(request, community: Community, fmt: str) -> HttpResponse:
    params = request.GET
    reports = selectors.public_reports(community).order_by()
    ids = (params.get("service_request_id") or "").strip()
    if ids:
        values = [part.strip() for part in ids.split(",") if part.strip()]
        if not values or not all(part.isascii() and part.isdigit() for part in values):
            raise Open311Error(400, _("service_request_id must be numbers separated by commas."))
        # A number past the largest id names no request (and would overflow the query).
        wanted = [parse_int(part) for part in values[:MAX_RESULTS]]
        reports = reports.filter(pk__in=[number for number in wanted if number is not None])
        return _requests_response(request, community, reports.order_by("-created_at"), fmt)
    codes = [part.strip() for part in (params.get("service_code") or "").split(",") if part.strip()]
    if codes:
        reports = reports.filter(category__service_code__in=codes)
    statuses = [
        part.strip().lower() for part in (params.get("status") or "").split(",") if part.strip()
    ]
    if any(status not in ("open", "closed") for status in statuses):
        raise Open311Error(400, _("status must be open, closed or both."))
    if len(set(statuses)) == 1:
        reports = reports.filter(is_open=statuses[0] == "open")
    start = parse_w3(params["start_date"], "start_date") if params.get("start_date") else None
    end = parse_w3(params["end_date"], "end_date") if params.get("end_date") else None
    if start and end and start > end:
        raise Open311Error(400, _("start_date must be before end_date."))
    if start and end and end - start > MAX_SPAN:
        raise Open311Error(400, _("The date range may not span more than 90 days."))
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    reports = reports.filter(created_at__gte=start, created_at__lte=end)
    return _requests_response(request, community, reports.order_by("-created_at", "-id"), fmt)


REQUEST_COLUMNS = (
    "id",
    "number",
    "status",
    "is_open",
    "status_notes",
    "category_id",
    "description",
    "department_id",
    "created_text",
    "updated_text",
    "target_on",
    "address",
    "street_id",
    "lat",
    "lon",
    "media_url",
    "cover",
)


# Serialised rows kept per process, as UTF-8: {namespace: {id: (updated, expires, text)}}.
_FRAGMENTS: dict[tuple, dict[int, tuple[str, float, bytes]]] = {}
FRAGMENT_SECONDS = 600
FRAGMENT_LIMIT = 20_000


def _requests_response(request, community: Community, reports, fmt: str) -> HttpResponse:
    """
    Return up to 1,000 requests.

    A first, light query finds which rows answer and when each last changed;
    each row's XML or JSON text is kept per process until the row changes
    (or ten minutes pass), so only new and changed rows are read in full and
    serialised. Category edits start the kept texts afresh.

    On PostgreSQL the JSON texts are written by the database (the same bytes
    as json.dumps writes; tests/appeals/test_open311_sql.py compares them), and
    a process that keeps no texts yet reads the rows in full in that first
    query, in the order of the list's index, instead of looking up each by id.
    """
    reports = reports.annotate(
        created_text=Cast("created_at", CharField()), updated_text=Cast("updated_at", CharField())
    )
    language = _language()
    base = _base_url(request, community)
    version = selectors.categories_version(community)
    namespace = (community.pk, version, fmt, language, base)
    store = _FRAGMENTS.get(namespace)
    if store is None:
        # Texts made before a category edit are of no more use.
        for stale in [key for key in _FRAGMENTS if key[0] == community.pk and key[1] != version]:
            del _FRAGMENTS[stale]
        store = _FRAGMENTS[namespace] = {}
    zone = getattr(timezone.get_current_timezone(), "key", "")
    in_database = fmt == "json" and connection.vendor == "postgresql" and bool(zone)
    now = monotonic()
    if in_database and not store:
        text_sql, text_params = _json_sql(community, language, base)
        # Column names and values as parameters only: no outside text in the SQL.
        text = RawSQL(text_sql, text_params)  # noqa: S611
        columns = reports.annotate(json_text=text)
        rows = _fetch_in_zone(
            columns.values_list("id", "updated_text", "json_text")[:MAX_RESULTS], zone
        )
        keys = [(pk, updated) for pk, updated, _text in rows]
        for pk, updated, text in rows:
            store[pk] = (updated, now + FRAGMENT_SECONDS, text)
    else:
        # In the same zone as the texts were made in: the times compared are
        # written in the session's zone.
        ids = reports.values_list("id", "updated_text")[:MAX_RESULTS]
        keys = _fetch_in_zone(ids, zone) if in_database else _fetch(ids)
        missing = []
        for pk, updated in keys:
            held = store.get(pk)
            if held is None or held[0] != updated or held[1] < now:
                missing.append(pk)
        if missing:
            if len(store) + len(missing) > FRAGMENT_LIMIT:
                store.clear()
            if in_database:
                made = _serialise_json_in_database(community, missing, language, base, zone)
            else:
                made = (
                    (pk, updated, text.encode())
                    for pk, updated, text in _serialise_in_python(
                        community, missing, fmt, language, base
                    )
                )
            for pk, updated, text in made:
                store[pk] = (updated, now + FRAGMENT_SECONDS, text)
    # Kept as UTF-8 and joined as such: a thousand rows of Ukrainian text cost
    # more to decode, join as text and encode again than the query does.
    parts = [store[pk][2] for pk, _updated in keys if pk in store]
    if fmt == "json":
        body = b"[" + b",".join(parts) + b"]"
    else:
        body = b'<?xml version="1.0" encoding="utf-8"?>\n<service_requests>' + b"".join(parts)
        body += b"</service_requests>"
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _fetch(queryset) -> list[tuple]:
    """Return a values_list query's rows as plain cursor tuples."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # e.g. only ids past the largest one: no query can match
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _fetch_in_zone(queryset, zone: str) -> list[tuple]:
    """Return a values_list query's rows, run with the PostgreSQL time zone `zone`."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return []
    return _rows_in_zone(sql, params, zone)


class _Utf8Loader(Loader):
    """Load text as the UTF-8 bytes sent: the answer is bytes, so no decoding and encoding."""

    def load(self, data) -> bytes:
        return bytes(data)


def _rows_in_zone(sql: str, params, zone: str) -> list[tuple]:
    """
    Run a query with the PostgreSQL session's time zone set to `zone` for it
    alone, so that to_json writes times with the zone's offset. Columns of
    type text come back as the UTF-8 bytes PostgreSQL sends (varchar and
    others as usual): the list's answer is made of bytes.

    With client-side binding (Django's default for psycopg) the zone, the
    query and the zone put back go in one message: PostgreSQL runs the three
    statements as one transaction (an implicit one outside a caller's), so
    the setting (is_local) never outlives the query nor reaches another
    client of a pooler in transaction mode. One round trip instead of the
    five of BEGIN, set, query, set back and COMMIT.
    """
    with connection.cursor() as cursor:
        if not isinstance(cursor.cursor, ClientCursor):  # server-side binding
            with _session_zone(zone), connection.cursor() as zoned:
                zoned.cursor.adapters.register_loader("text", _Utf8Loader)
                zoned.execute(sql, params)
                return zoned.fetchall()
        cursor.cursor.adapters.register_loader("text", _Utf8Loader)
        cursor.execute(
            f"SELECT set_config('TimeZone', %s, true); {sql}; "
            "SELECT set_config('TimeZone', %s, true)",
            [zone, *params, connection.timezone_name],
        )
        cursor.nextset()
        rows = cursor.fetchall()
        cursor.nextset()
        return rows


@contextmanager
def _session_zone(zone: str):
    """
    Give the PostgreSQL transaction the community's time zone for a while.

    PostgreSQL then writes a time as W3C text with the zone's offset itself
    (to_json). The setting is the transaction's own (is_local), in a
    transaction of its own, so a pooler in transaction mode (PgBouncer) never
    hands it to another client; it is put back for a caller's outer
    transaction (an error rolls it back with the savepoint).
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('TimeZone', %s, true)", [zone])
        yield
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('TimeZone', %s, true)", [connection.timezone_name])


def _category_texts(community: Community, language: str) -> dict[int, tuple]:
    """Return {category id: (code, name, notice template, target days)}."""
    texts = {}
    rows = Category.objects.filter(community=community).values_list(
        "pk", "service_code", "name", "name_en", "target_days"
    )
    for pk, code, name, name_en, days in rows:
        # As Category.display_name: the English name when there is one.
        shown = name_en if language == "en" and name_en else name
        texts[pk] = (code, shown, _notice_wording(days), days)
    return texts


# Stand-ins for a registration number and a date in a category's notice,
# replaced by the database (characters of Unicode's private use area).
_NUMBER_MARK, _DATE_MARK = "\ue000", "\ue001"


def _json_text(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _float_sql(column: str) -> str:
    """Return SQL writing a float column as json.dumps does ("46.0", not "46")."""
    return (
        f"CASE WHEN {column} IS NULL THEN 'null' WHEN {column} = trunc({column}) "
        f"AND abs({column}) < 1e15 THEN {column}::text || '.0' ELSE {column}::text END"
    )


def _w3_sql(column: str) -> str:
    """
    Return SQL of a time as W3Times writes it: to_json in the session's zone,
    cut to the second (after 2000, by rounding half a second earlier, which is
    cheaper than date_trunc's calendar arithmetic).
    """
    return (
        f"to_json(CASE WHEN {column} >= '2000-01-01T00:00:00Z' "
        f"THEN ({column} - interval '0.5 second')::timestamptz(0) "
        f"ELSE date_trunc('second', {column}) END)::text"
    )


# Service notices as format() templates by a category's target days, per
# process and language: {language: [JSON text for 1 day, 2 days, …]}.
_NOTICE_TEMPLATES: dict[str, list[str]] = {}
MAX_TARGET_DAYS = 45  # appeals_category_target_range


def _notice_templates(language: str) -> list[str]:
    """
    Return each target days' notice as the JSON text of a format() template:
    %3$s stands for the registration number, %4$s for the date (see _json_sql).
    """
    templates = _NOTICE_TEMPLATES.get(language)
    if templates is None:
        templates = []
        for days in range(1, MAX_TARGET_DAYS + 1):
            notice = _notice_wording(days)
            text = _json_text(notice % {"number": _NUMBER_MARK, "days": days, "date": _DATE_MARK})
            text = text.replace("%", "%%").replace(_NUMBER_MARK, "%3$s")
            templates.append(text.replace(_DATE_MARK, "%4$s"))
        _NOTICE_TEMPLATES[language] = templates
    return templates


def _json_sql(community: Community, language: str, base: str) -> tuple[str, list]:
    """
    Return SQL (and its parameters) of one request's JSON text, as
    _serialise_in_python writes it, for a row of the appeals table.

    Times come out of to_json in the session's zone (see _rows_in_zone).
    The community's categories and departments are read by the same
    statement, once (sub-selects that do not depend on the row), into JSON
    objects by id: the texts are always current and the list needs no
    queries of its own for them. Status labels and notices are JSON texts
    made here; floats get json.dumps's ".0".
    """
    t = connection.ops.quote_name(Appeal._meta.db_table)
    name = (
        "CASE WHEN c.name_en <> '' THEN c.name_en ELSE c.name END" if language == "en" else "c.name"
    )
    category_table = connection.ops.quote_name(Category._meta.db_table)
    department_table = connection.ops.quote_name(Department._meta.db_table)
    # Names from the models; every value is a parameter.
    # Per category, what follows the status as a format() template: its name
    # and code, then %1$s for the description, %2$s for the department and
    # the notice of its target days (%3$s the number, %4$s the date).
    categories = (
        "(SELECT jsonb_object_agg(c.id, concat(',\"service_name\":', "  # noqa: S608
        f"replace(to_json({name})::text, '%%', '%%%%'), ',\"service_code\":', "
        "replace(to_json(c.service_code)::text, '%%', '%%%%'), %s::text, "
        f"(%s::text[])[c.target_days])) FROM {category_table} c WHERE c.community_id = %s)"
    )
    departments = (
        f"(SELECT jsonb_object_agg(d.id, d.name) FROM {department_table} d "  # noqa: S608
        "WHERE d.community_id = %s)"
    )
    labels = " ".join("WHEN %s THEN %s" for _value, _label in Appeal.Status.choices)
    label_params = []
    for value, label in Appeal.Status.choices:
        label_params += [value, _json_text(str(label))]
    sql = f"""concat(
        '{{"service_request_id":', {t}.id,
        CASE WHEN {t}.is_open THEN ',"status":"open"' ELSE ',"status":"closed"' END,
        ',"status_notes":', CASE WHEN {t}.status_notes <> ''
            THEN to_json({t}.status_notes)::text ELSE CASE {t}.status {labels} END END,
        format({categories} ->> {t}.category_id::text,
            CASE WHEN {t}.description <> '' THEN to_json({t}.description)::text ELSE 'null' END,
            coalesce(({departments} -> {t}.department_id::text)::text, 'null'),
            left(right(to_json({t}.number)::text, -1), -1),
            to_char({t}.target_on::timestamp, 'DD.MM.YYYY')),
        ',"requested_datetime":', {_w3_sql(f"{t}.created_at")},
        ',"updated_datetime":', {_w3_sql(f"{t}.updated_at")},
        ',"expected_datetime":', to_json(({t}.target_on + time '18:00')::timestamptz)::text,
        ',"address":', CASE WHEN {t}.address <> '' THEN to_json({t}.address)::text ELSE 'null' END,
        ',"address_id":', coalesce({t}.street_id::text, 'null'),
        ',"zipcode":null,"lat":', {_float_sql(f"{t}.lat")},
        ',"long":', {_float_sql(f"{t}.lon")},
        ',"media_url":', CASE
            WHEN {t}.cover <> '' THEN to_json(%s || {t}.id || '/photos/cover/')::text
            WHEN {t}.media_url <> '' THEN to_json({t}.media_url)::text ELSE 'null' END,
        '}}')"""
    middle = ',"description":%1$s,"agency_responsible":%2$s,"service_notice":'
    params = [
        *label_params,
        middle, _notice_templates(language), community.pk,
        community.pk,
        base + "/appeals/",
    ]  # fmt: skip
    return sql, params


def _serialise_json_in_database(
    community: Community, ids: list[int], language: str, base: str, zone: str
) -> list[tuple]:
    """Return (id, updated, JSON text) of the given requests, times in the zone."""
    text_sql, text_params = _json_sql(community, language, base)
    table = connection.ops.quote_name(Appeal._meta.db_table)
    sql = (
        f"SELECT {table}.id, ({table}.updated_at)::varchar, {text_sql} "  # noqa: S608
        f"FROM {table} WHERE {table}.id = ANY(%s)"
    )
    return _rows_in_zone(sql, [*text_params, list(ids)], zone)


def _serialise_in_python(community: Community, ids: list[int], fmt: str, language: str, base: str):
    """
    Yield (id, updated, text) for the given requests. Rows come as plain
    cursor tuples (a thousand rows through the ORM's per-value converters cost
    more than the query); per-category and per-date texts are made once.
    """
    columns = (
        Appeal.objects.annotate(
            created_text=Cast("created_at", CharField()),
            updated_text=Cast("updated_at", CharField()),
        )
        .values_list(*REQUEST_COLUMNS)
        .order_by()  # the caller puts the texts in order
    )
    if connection.vendor == "postgresql":
        # One array parameter instead of a thousand: the driver splits and
        # quotes a short statement, and the server plans it in a fraction of the time.
        select_sql, params = columns.query.sql_with_params()
        table = connection.ops.quote_name(Appeal._meta.db_table)
        rows_sql = f"{select_sql} WHERE {table}.{connection.ops.quote_name('id')} = ANY(%s)"
        params = (*params, list(ids))
    else:
        rows_sql, params = columns.filter(pk__in=ids).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(rows_sql, params)
        rows = cursor.fetchall()
    categories = _category_texts(community, language)
    departments = dict(community.departments.values_list("pk", "name"))
    # Photos go out through the photo view, which checks access; these rows
    # are all public reports (the callers filter with public_reports).
    # Modules are mounted at /<name>/ (hromada/urls.py); written out rather than
    # reversed, so that a list never waits for the URLconf to be imported.
    cover_url = base + "/appeals/%d/photos/cover/"
    kyiv = timezone.get_current_timezone()
    w3 = W3Times(kyiv)
    labels = {value: str(label) for value, label in Appeal.Status.choices}
    expected: dict = {}
    dates: dict = {}
    for (
        pk, number, status, is_open, notes, category_id, description, department_id,
        created, updated, target, address, street_id, lat, lon, media_url, cover,
    ) in rows:  # fmt: skip
        code, name, notice, days = categories[category_id]
        if isinstance(target, str):  # SQLite returns dates as text
            target = date.fromisoformat(target)
        if target not in expected:
            expected[target] = datetime.combine(target, time(18, 0), kyiv).isoformat()
            dates[target] = target.strftime("%d.%m.%Y")
        item = {
            "service_request_id": pk,
            "status": "open" if is_open else "closed",
            "status_notes": notes or labels[status],
            "service_name": name,
            "service_code": code,
            "description": description or None,
            "agency_responsible": departments.get(department_id),
            "service_notice": notice % {"number": number, "days": days, "date": dates[target]},
            "requested_datetime": w3(created),
            "updated_datetime": w3(updated),
            "expected_datetime": expected[target],
            "address": address or None,
            "address_id": street_id,
            "zipcode": None,
            "lat": lat,
            "long": lon,
            "media_url": cover_url % pk if cover else media_url or None,
        }
        if fmt == "json":
            text = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
        else:
            out: list[str] = []
            _xml("request", item, out)
            text = "".join(out)
        yield pk, updated, text


class W3Times:
    """
    Format stored times as W3C text with the community's offset, quickly.

    A full answer has two thousand times; zone arithmetic per value costs more
    than the query. The offset only changes at daylight-saving switches, so
    it is worked out once per hour of UTC time.
    """

    def __init__(self, zone):
        self.zone = zone
        self.offsets: dict[datetime, tuple[timedelta, str]] = {}

    def __call__(self, value) -> str:
        if isinstance(value, str):  # SQLite keeps naive UTC text
            value = datetime.fromisoformat(value)
        if value.tzinfo is not None:
            value = (value - value.utcoffset()).replace(tzinfo=None)
        hour = value.replace(minute=0, second=0, microsecond=0)
        known = self.offsets.get(hour)
        if known is None:
            delta = hour.replace(tzinfo=UTC).astimezone(self.zone).utcoffset()
            minutes = int(delta.total_seconds() // 60)
            sign = "+" if minutes >= 0 else "-"
            text = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
            known = self.offsets[hour] = (delta, text)
        local = value + known[0]
        return (
            f"{local.year:04d}-{local.month:02d}-{local.day:02d}T"
            f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}{known[1]}"
        )


@endpoint()
def request_detail(request, community: Community, fmt: str, pk: str):
    number = parse_int(pk)
    if number is None:
        raise Open311Error(404, _("service_request_id provided was not found."))
    reports = selectors.public_reports(community).filter(pk=number)
    if not reports.exists():
        raise Open311Error(404, _("service_request_id provided was not found."))
    return _requests_response(request, community, reports.order_by(), fmt)


@endpoint()
def token_detail(request, community: Community, fmt: str, token: str):
    found = (
        selectors.public_reports(community).filter(token=token).values_list("pk", "token").first()
    )
    if found is None:
        raise Open311Error(404, _("token provided was not found."))
    document = Items("request", [{"service_request_id": found[0], "token": found[1]}])
    return respond("service_requests", document, fmt)


def not_found(request, rest: str = ""):
    fmt = "json" if request.path.endswith(".json") else "xml"
    return error_response(Open311Error(404, _("There is no such Open311 resource.")), fmt)


def index(request):
    """Describe the API for people: the endpoint, formats and how to get a key."""
    base = f"{request.scheme}://{request.get_host()}/open311"
    return render(
        request,
        "appeals/open311_index.html",
        {"base": base, "services": selectors.leaf_categories(request.community)},
    )
