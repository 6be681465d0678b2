"""
Operating Hromada: readiness, metrics and the request log.

`/healthz` says the process answers; `/readyz` says it can serve: the
database, Redis, the file storage and the schema are all there. `/metrics`
is for Prometheus on the inside network only. Every request leaves one log
line that lets an operator follow it across nginx and the app servers
without learning anything about the resident.

Logging loads this module while Django sets up, before the apps are ready:
models, the registry and the middleware helpers are imported where used.
"""

from __future__ import annotations

import contextvars
import ipaddress
import logging
import os
import re
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.utils.functional import empty
from django.views.decorators.cache import never_cache
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

logger = logging.getLogger("hromada.request")

# --- Readiness -------------------------------------------------------------

# Database aliases found fully migrated by this process. A deploy that adds
# migrations restarts the process, so "applied" stays true once it is; until
# then every probe asks again (the plan reads every migration file: slow).
_migrated: set[str] = set()
# Redis clients by URL: each keeps its connection between probes.
_redis_clients: dict[str, object] = {}
READY_MARKER = "readyz"  # a name looked up, never written


def _redis(url: str):
    import redis

    client = _redis_clients.get(url)
    if client is None:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        _redis_clients[url] = client
    return client


def _check_database() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_migrations() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if connection.alias in _migrated:
        return
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RuntimeError("unapplied migrations")
    _migrated.add(connection.alias)


def _check_redis() -> None:
    if settings.REDIS_URL:
        _redis(settings.REDIS_URL).ping()


def _check_storage() -> None:
    from django.core.files.storage import default_storage

    # Found or not, the storage answered; only an error means it is away.
    # Storage API only, nothing written: the same call asks S3 for one key.
    default_storage.exists(READY_MARKER)


READINESS_CHECKS = [
    ("database", _check_database),
    ("migrations", _check_migrations),
    ("redis", _check_redis),
    ("storage", _check_storage),
]


def readiness_failures() -> list[str]:
    """Return the names of the checks that failed; empty when ready to serve."""
    failed = []
    for name, check in READINESS_CHECKS:
        if name == "migrations" and "database" in failed:
            failed.append(name)  # nothing to ask without a database
            continue
        try:
            check()
        except Exception as error:
            # The class only: messages may name hosts and users.
            logging.getLogger(__name__).warning(
                "readyz: %s failed (%s)", name, type(error).__name__
            )
            failed.append(name)
    return failed


@never_cache
def readyz(request):
    """Answer 200 "ok" when this server can serve, else 503 listing what failed."""
    failed = readiness_failures()
    if failed:
        body = "not ready: " + ", ".join(failed) + "\n"
        return HttpResponse(body, status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


# --- Metrics ---------------------------------------------------------------

# Totals read from the modules' own counting columns, cached in the shared
# cache: a scrape from every app server and every Prometheus costs the
# database these queries once per TOTALS_TTL seconds.
TOTALS_TTL = 30


def _totals_of_signatures() -> dict[int, int]:
    # The petitions' own counter column, kept by the signing service; the
    # signature rows themselves may number millions.
    from django.db.models import Sum

    from hromada.petitions.models import Petition

    rows = Petition.objects.values("community_id").annotate(total=Sum("signature_count"))
    return {row["community_id"]: row["total"] or 0 for row in rows}


def _totals_of_ballots() -> dict[int, int]:
    # No counter column: an exact count through the community index. Ballots
    # are a few hundred thousand at Kyiv scale (191,712 voters in 2019), and
    # TOTALS_TTL keeps it to one count per half minute for the installation.
    from django.db.models import Count

    from hromada.budget.models import Ballot

    rows = Ballot.objects.values("community_id").annotate(total=Count("id"))
    return {row["community_id"]: row["total"] for row in rows}


def _totals_of_appeals() -> dict[int, int]:
    # Registration numbers given (one counter row per community and year),
    # not a count over a million appeals: every appeal takes a number.
    from django.db.models import Sum

    from hromada.appeals.models import AppealCounter

    rows = AppealCounter.objects.values("community_id").annotate(total=Sum("last"))
    return {row["community_id"]: row["total"] or 0 for row in rows}


# module name → (metric name, help, reader); a module switched off is skipped.
MODULE_TOTALS = {
    "petitions": ("hromada_signatures", "Petition signatures collected.", _totals_of_signatures),
    "budget": ("hromada_ballots", "Participatory budget ballots cast.", _totals_of_ballots),
    "appeals": ("hromada_appeals", "Appeals and problem reports registered.", _totals_of_appeals),
}


def module_totals() -> dict[str, dict[str, int]]:
    """Return {metric name: {community slug: total}} for the modules switched on."""
    totals = cache.get("hromada:metrics:totals")
    if totals is not None:
        return totals
    from hromada.core import registry
    from hromada.core.models import Community

    slugs = dict(Community.objects.values_list("pk", "slug"))
    totals = {}
    for module in registry.modules():
        if module.name not in MODULE_TOTALS:
            continue
        name, _help, read = MODULE_TOTALS[module.name]
        counted = read()
        totals[name] = {slug: counted.get(pk, 0) for pk, slug in slugs.items()}
    cache.set("hromada:metrics:totals", totals, TOTALS_TTL)
    return totals


class ModuleTotalsCollector:
    """Counters of what residents did, per community, read at scrape time."""

    def collect(self):
        from prometheus_client.core import CounterMetricFamily

        try:
            totals = module_totals()
        except Exception:
            logging.getLogger(__name__).exception("metrics: module totals failed")
            return
        for name, help_text, _read in MODULE_TOTALS.values():
            if name not in totals:
                continue
            family = CounterMetricFamily(name, help_text, labels=["community"])
            for slug, total in sorted(totals[name].items()):
                family.add_metric([slug], total)
            yield family


def task_queue_counts() -> list[tuple[str, int, int]]:
    """
    Return (queue, waiting, failed) for each queue of the default task backend.

    RQ on Redis: the queue's length and its failed-job registry. The database
    backend: results ready to run and failed ones. Others (the tests'
    in-line backend) keep no queue.
    """
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    backend = task_backends["default"]
    if isinstance(backend, DatabaseBackend):
        from django.db.models import Count
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        rows = (
            DBTaskResult.objects.filter(
                status__in=[TaskResultStatus.READY, TaskResultStatus.FAILED]
            )
            .values("queue_name", "status")
            .annotate(n=Count("id"))
        )
        counts: dict[str, list[int]] = {name: [0, 0] for name in backend.queues}
        for row in rows:
            pair = counts.setdefault(row["queue_name"], [0, 0])
            pair[row["status"] == TaskResultStatus.FAILED] = row["n"]
        return [(name, waiting, failed) for name, (waiting, failed) in sorted(counts.items())]
    if type(backend).__name__ == "RQBackend":
        from rq import Queue

        result = []
        for name in sorted(backend.queues):
            queue = Queue(name, connection=_redis(settings.RQ_QUEUES[name]["URL"]))
            # Without cleanup: a scrape only reads.
            failed = queue.failed_job_registry.get_job_count(cleanup=False)
            result.append((name, queue.count, failed))
        return result
    return []


class TaskQueueCollector:
    """Background jobs waiting and failed, read at scrape time."""

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        try:
            counts = task_queue_counts()
        except Exception:
            logging.getLogger(__name__).exception("metrics: task queue counts failed")
            return
        waiting = GaugeMetricFamily(
            "hromada_task_queue_length", "Background jobs waiting to run.", labels=["queue"]
        )
        failed = GaugeMetricFamily(
            "hromada_tasks_failed", "Background jobs that failed and are kept.", labels=["queue"]
        )
        for name, waiting_count, failed_count in counts:
            waiting.add_metric([name], waiting_count)
            failed.add_metric([name], failed_count)
        yield waiting
        yield failed


class _ProcessRegistry:
    """The process's own metrics (django-prometheus, Python), for one-process servers."""

    def collect(self):
        from prometheus_client import REGISTRY

        yield from REGISTRY.collect()


def scrape_registry():
    """
    Return a registry holding every metric of a scrape.

    With PROMETHEUS_MULTIPROC_DIR set (several gunicorn workers), request
    metrics come from the files every worker writes there, whichever worker
    answers the scrape; otherwise from this process.
    """
    from prometheus_client import CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ProcessRegistry())
    registry.register(TaskQueueCollector())
    registry.register(ModuleTotalsCollector())
    return registry


def _networks(entries) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries if entry)


def metrics_allowed(address: str) -> bool:
    """Return whether `address` (the client's, after trusted proxies) may read /metrics."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(settings.HROMADA_METRICS_ALLOWED))


@never_cache
def metrics(request):
    """Answer Prometheus's scrape; anyone not listed in HROMADA_METRICS_ALLOWED gets a 404."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    # 404, not 403: from the outside the address does not exist.
    if not metrics_allowed(request.META.get("REMOTE_ADDR", "")):
        raise Http404()
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)


# --- Request log -----------------------------------------------------------

# The id of the request being served, for every log record written meanwhile.
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# nginx's $request_id is 32 hex digits; other proxies send UUIDs. Anything
# else is replaced: the id goes into logs and a response header verbatim.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,100}")
# Probes every few seconds would drown the log: a successful one is DEBUG.
QUIET_VIEWS = frozenset({"core:healthz", "core:readyz", "core:metrics"})


class RequestIdFilter(logging.Filter):
    """Put the current request's id on every log record (`-` outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # Django logs a 4xx/5xx answer after the middleware returned; that
            # record carries the request itself.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or _request_id.get()
        return True


class JsonFormatter(BaseJsonFormatter):
    """
    One JSON object a line (python-json-logger), for LOG_FORMAT=json.

    Django's request log passes the request object along; its text holds the
    query string, so it is left out like the record's own attributes.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s")
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level"})
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request", "server_time"])
        super().__init__(*args, **kwargs)


def _community_slug(request) -> str:
    # Only a community the request already looked up: the log line must not
    # cost a query (health checks never touch the database).
    community = request.__dict__.get("community")
    if community is None:
        return "-"
    if getattr(community, "_wrapped", None) is empty:
        return "-"
    return community.slug


class RequestLogMiddleware:
    """
    Log one line per request: id, community, view, status and milliseconds.

    Never the path (it may hold a token), the query string, the body, or who
    asked. The id comes from X-Request-ID when a trusted proxy sent it, so
    nginx's and our lines match; otherwise it is made here. Either way the
    response carries it back in X-Request-ID.
    """

    def __init__(self, get_response):
        from hromada.core.middleware import _networks as proxy_networks

        self.get_response = get_response
        self.proxies = proxy_networks(settings.HROMADA_TRUSTED_PROXIES)

    def request_id(self, request) -> str:
        offered = request.META.get("HTTP_X_REQUEST_ID", "")
        if offered and self.proxies and _REQUEST_ID.fullmatch(offered):
            from hromada.core.middleware import _is_trusted

            if _is_trusted(request.META.get("REMOTE_ADDR", ""), self.proxies):
                return offered
        return uuid.uuid4().hex

    def __call__(self, request):
        started = time.perf_counter()
        request_id = self.request_id(request)
        request.request_id = request_id
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            self.log(request, response, started)
        finally:
            _request_id.reset(token)
        return response

    def log(self, request, response, started: float) -> None:
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else None) or "-"
        status = response.status_code
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        community = _community_slug(request)
        level = logging.DEBUG if view in QUIET_VIEWS and status == 200 else logging.INFO
        logger.log(
            level,
            "%s %s %s %.1fms community=%s id=%s",
            request.method,
            view,
            status,
            duration_ms,
            community,
            request.request_id,
            extra={
                "method": request.method,
                "view": view,
                "status": status,
                "duration_ms": duration_ms,
                "community": community,
            },
        )
