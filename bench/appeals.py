"""
Benchmark of Open City with 1,000,000 reports, on SQLite and on PostgreSQL.

For each database it measures, over real HTTP against gunicorn:
- the map's marker query for a viewport at zoom 15 (1280×800 px) over the
  city, with the map's default filters (last 90 days, every status), p95;
- Open311 ``GET requests.json`` with its defaults (last 90 days, newest
  1,000 requests), p95;
- report submissions through Open311 ``POST requests.json`` from 8 client
  threads, per second.

The data set lives in its own database (var/bench/appeals/sqlite/… and the
PostgreSQL database ``hromada_bench_appeals``) and is reused when present;
it is bulk-loaded with raw SQL (SQLite) or COPY (PostgreSQL) the first time.
Targets on a 2-core machine: p95 ≤ 50 ms for both queries, ≥ 200
submissions per second. The last line printed is one JSON object; its
top-level figures are the worse of the two databases.

    .venv/bin/python bench/appeals.py [--reports N] [--backends sqlite,postgresql]

BENCH_APPEALS_ONLY=submit runs only the Open311 submissions, on whatever data
set is there (``--reports 0`` loads none): app and database CPU per report
(``submit_cpu_ms``, the database's from PostgreSQL's backends), no map or list
figures. BENCH_PG_URL names another PostgreSQL database.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench._server import WORKERS, database_cpu, database_cpu_spent, gunicorn_command

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/hromada_bench_appeals")
ONLY_SUBMIT = os.environ.get("BENCH_APPEALS_ONLY", "") == "submit"
YEARS = 6  # the data set spans six years of reports
VIEW_W_DEG = 1280 / 256 * 360 / 2**15  # longitude span of 1280 px at zoom 15
VIEW_H_M = 800 * 156543.03 * math.cos(math.radians(46.3)) / 2**15  # metres of 800 px


# -- the parent: one child process per database --------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--child", default="")
    # A shared installation: more reports in other communities (PostgreSQL only),
    # generated in SQL; the measured community keeps --reports of its own.
    parser.add_argument("--other-communities", type=int, default=0)
    parser.add_argument("--other-reports", type=int, default=0)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    results = {}
    for backend in args.backends.split(","):
        env = dict(os.environ)
        env.update(backend_env(backend))
        if backend == "postgresql" and not ensure_pg_database():
            print(f"== {backend}: PostgreSQL is not reachable, skipped", flush=True)
            continue
        print(f"== {backend}", flush=True)
        command = [sys.executable, __file__, "--child", backend]
        command += ["--reports", str(args.reports), "--samples", str(args.samples)]
        command += ["--seconds", str(args.seconds), "--workers", str(args.workers)]
        if backend == "postgresql":
            command += ["--other-communities", str(args.other_communities)]
            command += ["--other-reports", str(args.other_reports)]
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
        sys.stdout.write(done.stdout[: done.stdout.rfind("\n", 0, len(done.stdout) - 1) + 1])
        if done.returncode != 0:
            sys.stderr.write(done.stderr[-4000:])
            raise SystemExit(f"{backend} benchmark failed")
        results[backend] = json.loads(done.stdout.strip().splitlines()[-1])
    if not results:
        raise SystemExit("no database could be measured")
    if ONLY_SUBMIT:
        print()
        print(f"{'database':<12}{'reports':>10}{'submit/s':>10}{'app CPU ms':>12}{'db CPU ms':>11}")
        for backend, figures in results.items():
            cpu = figures["submit_cpu_ms"]
            database = "—" if cpu["database"] is None else f"{cpu['database']:.2f}"
            print(
                f"{backend:<12}{figures['reports']:>10}{figures['submit_per_s']:>10.0f}"
                f"{cpu['app']:>12.2f}{database:>11}"
            )
        print("(CPU per report over HTTP: gunicorn's processes; PostgreSQL's backends)")
        print(
            json.dumps(
                {"submit_per_s": min(f["submit_per_s"] for f in results.values()), **results}
            )
        )
        return
    print()
    print(
        f"{'database':<12}{'reports':>10}{'in table':>11}{'bbox p95 ms':>13}{'cold':>7}"
        f"{'CPU app+db':>12}{'open311 p95 ms':>16}{'cold':>7}{'CPU app+db':>12}{'submit/s':>10}"
    )
    for backend, figures in results.items():
        bbox_cpu = figures["bbox_cold_cpu_ms"]
        open311_cpu = figures["open311_cold_cpu_ms"]
        print(
            f"{backend:<12}{figures['reports']:>10}{figures['reports_all_communities']:>11}"
            f"{figures['bbox_p95_ms']:>13.1f}{figures['bbox_cold_p95_ms']:>7.1f}"
            f"{bbox_cpu['app']:>6.1f}+{bbox_cpu['database']:<5.1f}"
            f"{figures['open311_p95_ms']:>16.1f}{figures['open311_cold_p95_ms']:>7.1f}"
            f"{open311_cpu['app']:>6.1f}+{open311_cpu['database']:<5.1f}"
            f"{figures['submit_per_s']:>10.0f}"
        )
    print("(cold: in-process, caches emptied before each call; CPU: ms per cold call)")
    summary = {
        "bbox_p95_ms": max(f["bbox_p95_ms"] for f in results.values()),
        "open311_p95_ms": max(f["open311_p95_ms"] for f in results.values()),
        "bbox_cold_p95_ms": max(f["bbox_cold_p95_ms"] for f in results.values()),
        "open311_cold_p95_ms": max(f["open311_cold_p95_ms"] for f in results.values()),
        "reports_all_communities": max(f["reports_all_communities"] for f in results.values()),
        "submit_per_s": min(f["submit_per_s"] for f in results.values()),
        **results,
    }
    print(json.dumps(summary))


def backend_env(backend: str) -> dict:
    var = ROOT / "var" / "bench" / "appeals" / backend
    var.mkdir(parents=True, exist_ok=True)
    env = {
        "HROMADA_VAR_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "hromada.settings",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    if backend == "postgresql":
        env["DATABASE_URL"] = PG_URL
    else:
        env["DATABASE_URL"] = f"sqlite:///{var / 'hromada.sqlite3'}"
    return env


def ensure_pg_database() -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    parsed = urllib.parse.urlparse(PG_URL)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as connection:
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if exists.fetchone() is None:
                connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error:
        return False
    return True


# -- the child: one database ----------------------------------------------------


def child(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    community, categories, streets = prepare()
    have = count_reports(community)
    print(f"reports in {args.child} data set: {have:,}", flush=True)
    # A data set within 1% of the size is reused as it is: topping up a few
    # rows would rebuild every index for nothing.
    if have < args.reports * 0.99:
        started = time.perf_counter()
        bulk_load(community, categories, streets, args.reports - have)
        print(f"loaded {args.reports - have:,} reports in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        print(f"analysed in {time.perf_counter() - started:.0f} s", flush=True)
    if connection.vendor == "postgresql" and args.other_reports:
        fill_other_communities(community, categories, args.other_communities, args.other_reports)
    from hromada.appeals.models import Appeal
    from hromada.appeals.services import issue_open311_key

    _key, api_key = issue_open311_key(community=community, name="bench", requests_per_minute=0)
    baseline = Appeal.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    if ONLY_SUBMIT:
        submit_only(args, community, api_key, streets, baseline)
        return
    cold, map_app_ms, map_db_ms = cold_map_p95(community, streets, args.samples)
    print(
        f"map viewport at zoom 15 without any cache, in-process: p95 {cold:.1f} ms, "
        f"CPU {map_app_ms:.1f} ms app + {map_db_ms:.1f} ms database per call",
        flush=True,
    )
    cold_open311, open311_app_ms, open311_db_ms = cold_open311_p95(community)
    print(
        "Open311 GET requests.json made afresh (no answer cache, no kept row texts), "
        f"in-process: p95 {cold_open311:.1f} ms, CPU {open311_app_ms:.1f} ms app + "
        f"{open311_db_ms:.1f} ms database per call",
        flush=True,
    )
    cold_all, _app, _db = cold_open311_p95(community, 20, keep_categories=False)
    print(
        f"  the same with the category set read again each time: p95 {cold_all:.1f} ms",
        flush=True,
    )
    connection.close()
    port = free_port()
    server = start_server(port, args.workers)
    try:
        figures = measure(port, api_key, streets, args)
    finally:
        server.terminate()
        server.wait(timeout=20)
    if args.child == "sqlite":
        # The shipped settings close SQLite connections after each request
        # (CONN_MAX_AGE=0), which costs a WAL checkpoint each time; measure
        # submissions with persistent connections too, for comparison.
        server = start_server(port, args.workers, settings_module=persistent_settings())
        try:
            city = [s for s in streets if s[4] == "city"] or streets
            rate, failed = submit(port, api_key, city, args.seconds)
        finally:
            server.terminate()
            server.wait(timeout=20)
        print(
            f"Open311 POST with persistent connections: {rate:.0f} per second ({failed} failed), "
            f"{CPU_MS.get('submit')} ms server CPU each"
        )
        figures["submit_per_s_persistent_connections"] = round(rate, 1)
        figures["submit_cpu_ms_persistent_connections"] = CPU_MS.get("submit")
    forget_submissions(community, baseline)
    figures["reports"] = count_reports(community)
    figures["reports_all_communities"] = count_all_reports()
    figures["communities_with_reports"] = count_communities()
    figures["bbox_cold_p95_ms"] = round(cold, 1)
    figures["bbox_cold_cpu_ms"] = {"app": round(map_app_ms, 1), "database": round(map_db_ms, 1)}
    figures["open311_cold_p95_ms"] = round(cold_open311, 1)
    figures["open311_cold_cpu_ms"] = {
        "app": round(open311_app_ms, 1),
        "database": round(open311_db_ms, 1),
    }
    figures["open311_cold_categories_read_p95_ms"] = round(cold_all, 1)
    figures["load_average"] = round(os.getloadavg()[0], 1)
    figures["database"] = args.child
    print(json.dumps(figures))


def submit_only(args, community, api_key, streets, baseline: int) -> None:
    """Measure Open311 submissions alone: rate and app and database CPU per report."""
    from django.db import connection

    connection.close()
    port = free_port()
    server = start_server(port, args.workers)
    city = [s for s in streets if s[4] == "city"] or streets
    try:
        submit(port, api_key, city, 1.0)  # the workers import and connect first
        rate, failed = submit(port, api_key, city, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=20)
    forget_submissions(community, baseline)
    figures = {
        "database": args.child,
        "reports": count_reports(community),
        "submit_per_s": round(rate, 1),
        "submit_failed": failed,
        "submit_cpu_ms": {"app": CPU_MS.get("submit"), "database": CPU_MS.get("submit_db")},
        "load_average": round(os.getloadavg()[0], 1),
    }
    print(
        f"Open311 POST requests.json: {rate:.0f} per second ({failed} failed), CPU per report "
        f"app {figures['submit_cpu_ms']['app']} ms, database {figures['submit_cpu_ms']['database']}"
        f" ms (load average {figures['load_average']})",
        flush=True,
    )
    print(json.dumps(figures))


def prepare():
    from hromada.appeals.models import Category
    from hromada.appeals.services import install_default_categories
    from hromada.core import demo
    from hromada.core.models import Street

    communities = demo.load()
    community = communities[0]
    install_default_categories(community=community)
    categories = list(
        Category.objects.filter(community=community, parent__isnull=False).values_list(
            "pk", "department_id", "target_days", "requires_study"
        )
    )
    streets = list(
        Street.objects.filter(settlement__community=community, lat__isnull=False).values_list(
            "pk", "name", "lat", "lon", "settlement__kind"
        )
    )
    return community, categories, streets


def count_all_reports() -> int:
    """Return the table's row count (the planner's estimate: exact after VACUUM ANALYZE)."""
    from django.db import connection

    from hromada.appeals.models import Appeal

    if connection.vendor != "postgresql":
        return Appeal.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'appeals_appeal'")
        return int(cursor.fetchone()[0])


def count_communities() -> int:
    from hromada.appeals.models import Appeal

    return Appeal.objects.values("community").distinct().count()


def fill_other_communities(community, categories, communities: int, reports: int) -> None:
    """
    Give `communities` other communities `reports` reports between them, in SQL.

    A shared installation's table: the measured community's queries must not
    slow down with everybody else's rows. Rows come from generate_series in
    one INSERT … SELECT (plain indexes dropped and rebuilt once), each
    community around its own point of the country, over six years.
    """
    from django.db import connection, transaction

    from hromada.core.models import Community

    others = []
    for n in range(communities):
        other, _ = Community.objects.get_or_create(
            slug=f"bench-other-{n:03d}", defaults={"name": f"Громада для навантаження {n:03d}"}
        )
        others.append(other.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM appeals_appeal WHERE community_id = ANY(%s)", [others])
        have = cursor.fetchone()[0]
    if have >= reports * 0.99:
        print(f"other communities: {communities} with {have:,} reports", flush=True)
        return
    each = (reports - have) // max(1, len(others))
    category = categories[0][0]
    started = time.perf_counter()
    indexes = plain_indexes(connection)
    columns = ", ".join(COLUMNS)
    # Status by age as rows() does, roughly: recent reports open, old ones closed.
    sql = f"""
        INSERT INTO appeals_appeal ({columns})
        SELECT c.id, 'B' || c.id || '/' || lpad((g + %(offset)s)::text, 8, '0'), 'report', 'web',
               st, st IN ('new', 'accepted', 'in_progress'), %(category)s, NULL, false,
               '', '', '', '', 'Не світить ліхтар біля під''їзду.', lat, lon,
               (floor(lat / %(cell)s) + 9000)::bigint * 100000 + floor(lon / %(cell)s) + 18000,
               NULL, 'вулиця Тестова, ' || (g %% 120 + 1), '{{}}', '', '', '',
               md5(c.id || ':' || (g + %(offset)s)), false, false,
               created::date + 15, created::date + 20, '', '', '', '', 0, 0,
               created, created, created + interval '6 hours', NULL, NULL
        FROM unnest(%(others)s::bigint[]) AS c(id)
        CROSS JOIN generate_series(1, %(each)s) AS g
        -- g in every expression: a subquery naming only c would be worked
        -- out once per community, giving all its rows one time and place.
        CROSS JOIN LATERAL (SELECT
            now() - (random() + g * 0) * interval '6 years' AS created,
            45 + (c.id * 7919 %% 700) / 100.0 + (random() + g * 0) * 0.08 AS lat,
            23 + (c.id * 104729 %% 1600) / 100.0 + (random() + g * 0) * 0.12 AS lon) AS p
        CROSS JOIN LATERAL (SELECT CASE
            WHEN p.created > now() - interval '30 days'
              THEN (ARRAY['accepted', 'in_progress', 'resolved', 'rejected'])[1 + (g %% 4)]
            WHEN g %% 100 < 85 THEN 'closed' WHEN g %% 100 < 97 THEN 'rejected'
            ELSE 'in_progress' END AS st) AS s
    """
    from hromada.appeals.models import CELL_DEGREES

    with transaction.atomic(), connection.cursor() as cursor:
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        # Every row names communities and a category that exist: no foreign-key
        # check per row (millions of them, queued until the end otherwise).
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            sql,
            {
                "offset": have,
                "category": category,
                "cell": CELL_DEGREES,
                "others": others,
                "each": each,
            },
        )
        loaded = cursor.rowcount
        cursor.execute("SET LOCAL session_replication_role = origin")
        print(f"other communities: {loaded:,} reports in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        for _name, index_sql in indexes:
            cursor.execute(index_sql)
        print(f"rebuilt {len(indexes)} indexes in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE appeals_appeal")
    print(f"vacuumed in {time.perf_counter() - started:.0f} s", flush=True)


def count_reports(community) -> int:
    from hromada.appeals.models import Appeal

    return Appeal.objects.filter(community=community).count()


COLUMNS = [
    "community_id", "number", "kind", "channel", "status", "is_open", "category_id",
    "department_id", "author_public", "contact_name", "contact_email", "contact_phone",
    "subject", "description", "lat", "lon", "cell", "street_id", "address", "attributes",
    "media_url", "device_id", "account_id", "token", "hidden", "requires_study", "due_on",
    "target_on", "extension_reason", "status_notes", "redirect_to", "resolution",
    "supporters_count", "reopen_count", "created_at", "updated_at", "accepted_at",
    "resolved_at", "closed_at",
]  # fmt: skip
TEXTS = [
    "Не світить ліхтар біля під'їзду.",
    "Вибоїна посеред дороги, машини об'їжджають по зустрічній.",
    "Переповнені контейнери, сміття навколо майданчика.",
    "Аварійне дерево нахилилося над тротуаром.",
    "Витік води з-під асфальту.",
]


def rows(community, categories, streets, count: int, numbers: dict[int, int], *, text: bool):
    """
    Yield report rows spread over six years and over the streets, in every state.

    With `text`, times are naive UTC strings and dates ISO strings, as Django
    keeps them in SQLite; otherwise aware datetimes and dates for COPY.
    """
    from hromada.appeals.models import cell_of
    from hromada.core.geo import territory_contains

    rng = random.Random(20260000 + count + sum(numbers.values()))
    now = datetime.now(UTC).replace(microsecond=0)
    span = YEARS * 365 * 86400
    city = [s for s in streets if s[4] == "city"] or streets
    territory = community.territory
    run = uuid.uuid4().hex[:8]
    statuses_recent = ["accepted", "in_progress", "resolved", "rejected"]
    for index in range(count):
        created = now - timedelta(seconds=int(rng.random() * span))
        street = rng.choice(city) if rng.random() < 0.85 else rng.choice(streets)
        while True:
            lat = street[2] + rng.gauss(0, 0.004)
            lon = street[3] + rng.gauss(0, 0.006)
            if territory_contains(territory, lat=lat, lon=lon):
                break
        category, department, target, study = rng.choice(categories)
        age = (now - created).days
        roll = rng.random()
        if age < 3:
            status = "new" if roll < 0.6 else "accepted"
        elif age < 30:
            status = statuses_recent[int(roll * 4)]
        else:
            status = "closed" if roll < 0.85 else "rejected" if roll < 0.97 else "in_progress"
        is_open = status in ("new", "accepted", "in_progress")
        year = created.year
        numbers[year] = numbers.get(year, 0) + 1
        resolved = closed = None
        if status in ("resolved", "closed"):
            resolved = created + timedelta(seconds=int(rng.uniform(0.5, 20) * 86400))
        if status == "closed":
            closed = resolved + timedelta(days=14)
        elif status == "rejected":
            closed = created + timedelta(seconds=int(rng.uniform(0.1, 3) * 86400))
        accepted = created + timedelta(hours=6) if status != "new" else None
        updated = closed or resolved or created
        day = created.date()
        due = day + timedelta(days=30 if study else 15)
        goal = day + timedelta(days=target * 7 // 5 + 1)
        if text:
            created, updated = _stamp(created), _stamp(updated)
            accepted, resolved, closed = _stamp(accepted), _stamp(resolved), _stamp(closed)
            due, goal = due.isoformat(), goal.isoformat()
        yield (
            community.pk, f"{year}/{numbers[year]:06d}", "report", "web", status, is_open,
            category, department, False, "", "", "", "", TEXTS[index % 5], round(lat, 6),
            round(lon, 6), cell_of(lat, lon), street[0], f"{street[1]}, {index % 120 + 1}",
            "{}", "", "", "", f"{run}{index:024x}", False, study, due, goal,
            "", "", "", "", 0, 0, created, updated, accepted, resolved, closed,
        )  # fmt: skip


def _stamp(value: datetime | None) -> str | None:
    """Write a UTC time as Django keeps it in SQLite: naive text that sorts as time does."""
    return value.replace(tzinfo=None).isoformat(sep=" ") if value is not None else None


def plain_indexes(connection) -> list[tuple[str, str]]:
    """Return (name, SQL) of the non-unique indexes of the appeals table."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'appeals_appeal' "
                "AND indexdef NOT LIKE 'CREATE UNIQUE%%'"
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'appeals_appeal' AND sql IS NOT NULL "
                "AND sql NOT LIKE 'CREATE UNIQUE%'"
            )
        return list(cursor.fetchall())


def bulk_load(community, categories, streets, count: int) -> None:
    """Insert `count` reports; plain indexes are dropped first and rebuilt once at the end."""
    from django.db import connection, transaction

    from hromada.appeals.models import AppealCounter

    numbers = dict(AppealCounter.objects.filter(community=community).values_list("year", "last"))
    table = "appeals_appeal"
    indexes = plain_indexes(connection)
    with transaction.atomic():
        with connection.cursor() as cursor:
            for name, _sql in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        if connection.vendor == "postgresql":
            generated = rows(community, categories, streets, count, numbers, text=False)
            with connection.cursor() as cursor:
                sql = f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN"
                with cursor.cursor.copy(sql) as copy:
                    for row in generated:
                        copy.write_row(row)
                # The foreign keys are deferred; check them now, or PostgreSQL
                # refuses to build indexes over rows with pending checks.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        else:
            generated = rows(community, categories, streets, count, numbers, text=True)
            raw = connection.connection
            placeholders = ", ".join("?" for _ in COLUMNS)
            sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({placeholders})"
            while batch := list(itertools.islice(generated, 20_000)):
                raw.executemany(sql, batch)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for _name, sql in indexes:
                cursor.execute(sql)
        print(f"rebuilt {len(indexes)} indexes in {time.perf_counter() - started:.0f} s")
        for year, last in numbers.items():
            AppealCounter.objects.update_or_create(
                community=community, year=year, defaults={"last": last}
            )


def forget_submissions(community, baseline: int) -> None:
    """Delete the reports the runs posted, so the data set stays at its size."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM core_auditentry WHERE target_type = 'appeals.appeal' AND action = "
            "'appeal.registered' AND CAST(target_id AS BIGINT) > %s",
            [baseline],
        )
        cursor.execute(
            "DELETE FROM appeals_appeal WHERE community_id = %s AND (id > %s OR open311_key_id "
            "IN (SELECT id FROM appeals_open311key WHERE name = 'bench'))",
            [community.pk, baseline],
        )
        cursor.execute("DELETE FROM appeals_open311key WHERE name = 'bench'")


# -- the server and the measurements --------------------------------------------


def viewports(streets, count: int) -> list[tuple[float, float, float, float]]:
    """Return zoom-15 boxes (west, south, east, north) centred near the city's streets."""
    rng = random.Random(15)
    city = [s for s in streets if s[4] == "city"] or streets
    height = VIEW_H_M / 111_320
    boxes = []
    for _ in range(count):
        street = rng.choice(city)
        lat = street[2] + rng.uniform(-0.003, 0.003)
        lon = street[3] + rng.uniform(-0.004, 0.004)
        boxes.append(
            (lon - VIEW_W_DEG / 2, lat - height / 2, lon + VIEW_W_DEG / 2, lat + height / 2)
        )
    return boxes


class CpuMeter:
    """
    CPU this process and its database backend use, from /proc (Linux).

    The database's share is read from the backend's own counters, so other
    work on a shared machine does not count; ticks are 10 ms, so figures are
    averages over many calls.
    """

    def __init__(self) -> None:
        from django.db import connection

        self.backend = None
        if connection.vendor == "postgresql":  # SQLite runs in this process
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.backend = cursor.fetchone()[0]

    def read(self) -> tuple[float, float]:
        ticks = os.sysconf("SC_CLK_TCK")
        database = 0.0
        if self.backend:
            try:
                stat = Path(f"/proc/{self.backend}/stat").read_text().rsplit(")", 1)[1].split()
                database = (int(stat[11]) + int(stat[12])) / ticks
            except OSError:
                database = 0.0
        return time.process_time(), database


def cold_map_p95(community, streets, count: int) -> tuple[float, float, float]:
    """
    Time the map query itself with every cache emptied first; return the p95
    and the app's and the database's CPU milliseconds per call.
    """
    from django.core.cache import cache

    from hromada.appeals import selectors

    meter = CpuMeter()
    times = []
    cpu = [0.0, 0.0]
    for west, south, east, north in viewports(streets, count // 2):
        cache.clear()
        app_before, db_before = meter.read()
        started = time.perf_counter()
        selectors.map_markers(
            community=community,
            bbox=(south, west, north, east),
            since=selectors.since_for(selectors.DEFAULT_PERIOD),
        )
        times.append((time.perf_counter() - started) * 1000)
        app_after, db_after = meter.read()
        cpu[0] += app_after - app_before
        cpu[1] += db_after - db_before
    return p95(times), cpu[0] * 1000 / len(times), cpu[1] * 1000 / len(times)


def cold_open311_p95(community, count: int = 40, *, keep_categories: bool = True):
    """
    Time the default Open311 list made afresh: the answer cache and the kept
    row texts emptied before every call, so each call queries and writes all
    1,000 requests. With `keep_categories` the category set stays loaded, as
    in any serving process (it is kept per process for a minute); without,
    it is read again each time too. Return the p95 and the app's and the
    database's CPU milliseconds per call.
    """
    from django.core.cache import cache
    from django.test import RequestFactory

    from hromada.appeals import open311, selectors

    factory = RequestFactory(HTTP_HOST="127.0.0.1")
    meter = CpuMeter()
    times = []
    cpu = [0.0, 0.0]
    # One untimed call first: it loads code (URL configuration, templates),
    # which a serving process has done long before; the data caches are
    # emptied before every timed call all the same.
    for run in range(count + 1):
        cache.clear()
        open311._FRAGMENTS.clear()
        if keep_categories:
            selectors.categories_version(community)
        request = factory.get("/open311/v2/requests.json")
        request.community = community
        app_before, db_before = meter.read()
        started = time.perf_counter()
        response = open311._query_requests(request, community, "json")
        elapsed = (time.perf_counter() - started) * 1000
        app_after, db_after = meter.read()
        if run:
            times.append(elapsed)
            cpu[0] += app_after - app_before
            cpu[1] += db_after - db_before
    if len(json.loads(response.content)) != 1000:
        raise SystemExit("Open311 list did not answer 1,000 requests")
    return p95(times), cpu[0] * 1000 / count, cpu[1] * 1000 / count


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def persistent_settings() -> str:
    """Write a settings module that keeps database connections open between requests."""
    folder = Path(os.environ["HROMADA_VAR_DIR"])
    (folder / "bench_persistent_settings.py").write_text(
        "from hromada.settings import *  # noqa: F403\n"
        'DATABASES["default"]["CONN_MAX_AGE"] = 600  # noqa: F405\n'
    )
    return "bench_persistent_settings"


def start_server(port: int, workers: int, settings_module: str = "") -> subprocess.Popen:
    env = dict(os.environ)
    if settings_module:
        env["DJANGO_SETTINGS_MODULE"] = settings_module
        env["PYTHONPATH"] = f"{env['HROMADA_VAR_DIR']}:{env.get('PYTHONPATH', '')}"
    server = subprocess.Popen(
        gunicorn_command(f"127.0.0.1:{port}", workers=workers),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    SERVER[:] = [server]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, _body = get(port, "/healthz")
            if status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


SERVER: list[subprocess.Popen] = []


def server_cpu_seconds() -> float:
    """Return the CPU time the server's processes have used so far (Linux /proc)."""
    if not SERVER:
        return 0.0
    pids = [SERVER[0].pid]
    try:
        children = Path(f"/proc/{pids[0]}/task/{pids[0]}/children").read_text().split()
    except OSError:
        return 0.0
    pids += [int(pid) for pid in children]
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / ticks


def get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def post(port: int, path: str, fields: dict) -> tuple[int, bytes]:
    body = urllib.parse.urlencode(fields)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                "Host": "127.0.0.1",
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            },
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


CPU_MS: dict[str, float] = {}


def timed(port: int, paths: list[str], name: str = "") -> list[float]:
    """Return the milliseconds each GET took; every answer must be 200."""
    for path in paths[:10]:
        get(port, path)  # warm the workers and the caches
    started_cpu = server_cpu_seconds()
    times = []
    for path in paths:
        started = time.perf_counter()
        status, _body = get(port, path)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}")
    if name:
        CPU_MS[name] = round((server_cpu_seconds() - started_cpu) * 1000 / len(paths), 1)
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def measure(port: int, api_key: str, streets, args) -> dict:
    city = [s for s in streets if s[4] == "city"] or streets
    boxes = [
        f"/appeals/markers.json?bbox={west:.6f},{south:.6f},{east:.6f},{north:.6f}"
        for west, south, east, north in viewports(streets, args.samples)
    ]
    bbox_times = timed(port, boxes, "bbox")
    _status, sample = get(port, boxes[0])
    sample = json.loads(sample)
    print(
        "map viewport at zoom 15 over HTTP (cells cached for a minute): "
        f"p50 {statistics.median(bbox_times):.1f} ms, "
        f"p95 {p95(bbox_times):.1f} ms ({len(sample['markers'])} markers, "
        f"{len(sample['clusters'])} clusters, {sample['total']:,} reports in view)",
        flush=True,
    )
    cold_paths = [f"/open311/v2/requests.json?bench={n}" for n in range(max(args.samples // 2, 20))]
    open311_times = timed(port, cold_paths, "open311")
    _status, body = get(port, cold_paths[0])
    print(
        "Open311 GET requests.json, each answer made afresh (row texts kept until a row "
        f"changes): p50 "
        f"{statistics.median(open311_times):.1f} ms, p95 {p95(open311_times):.1f} ms "
        f"({len(json.loads(body))} requests, {len(body) // 1024} KB)",
        flush=True,
    )
    warm_times = timed(port, ["/open311/v2/requests.json"] * 60)
    print(
        f"Open311 GET requests.json, as polled (10 s answer cache): p95 {p95(warm_times):.1f} ms",
        flush=True,
    )
    open_times = timed(port, [f"/open311/v2/requests.json?status=open&b={n}" for n in range(40)])
    print(f"Open311 GET requests.json?status=open, made afresh: p95 {p95(open_times):.1f} ms")
    submit_per_s, failures = submit(port, api_key, city, args.seconds)
    print(
        f"Open311 POST requests.json: {submit_per_s:.0f} per second "
        f"({failures} failed) from 8 client threads",
        flush=True,
    )
    print(
        "server CPU per request: "
        + ", ".join(f"{name} {value} ms" for name, value in CPU_MS.items())
        + " (independent of other load on the machine)",
        flush=True,
    )
    return {
        "bbox_p95_ms": round(p95(bbox_times), 1),
        "open311_p95_ms": round(p95(open311_times), 1),
        "submit_per_s": round(submit_per_s, 1),
        "open311_polled_p95_ms": round(p95(warm_times), 1),
        "server_cpu_ms_per_request": dict(CPU_MS),
    }


def backends_cpu() -> dict[int, float] | None:
    """Return the CPU of the PostgreSQL backends serving the data set, None on SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return None
    parsed = urllib.parse.urlparse(url)
    return database_cpu(parsed._replace(path="/postgres").geturl(), parsed.path.lstrip("/"))


def submit(port: int, api_key: str, streets, seconds: float) -> tuple[float, int]:
    done, failed = [0], [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < stop:
            street = rng.choice(streets)
            status, _body = post(
                port,
                "/open311/v2/requests.json",
                {
                    "api_key": api_key,
                    "service_code": "light-out",
                    "lat": f"{street[2] + rng.uniform(-0.002, 0.002):.6f}",
                    "long": f"{street[3] + rng.uniform(-0.002, 0.002):.6f}",
                    "description": "Не світить ліхтар біля під'їзду.",
                    "attribute[lamps]": "2",
                },
            )
            with lock:
                if status == 200:
                    done[0] += 1
                else:
                    failed[0] += 1

    started = time.monotonic()
    started_cpu = server_cpu_seconds()
    started_db = backends_cpu()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if done[0]:
        precision = 2 if ONLY_SUBMIT else 1
        spent = server_cpu_seconds() - started_cpu
        CPU_MS["submit"] = round(spent * 1000 / done[0], precision)
        if started_db is not None:
            spent_db = database_cpu_spent(started_db, backends_cpu())
            CPU_MS["submit_db"] = round(spent_db * 1000 / done[0], precision)
    return done[0] / (time.monotonic() - started), failed[0]


if __name__ == "__main__":
    main()
