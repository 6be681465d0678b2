"""
Benchmark: Open City reports sent through the web form, as residents send them.

bench/appeals.py measures reports posted by partner applications over
Open311; this one measures the other door, the form a signed-in resident
fills in on the site. It starts gunicorn as docs/deploy.md runs it (through
bench/petitions.py's server: sessions and the cache in Redis, rate limits
on, the load generator playing the trusted reverse proxy) on its own
PostgreSQL database with the demo community and its categories, creates
identified residents with real sessions, and then:

- each client opens the "street light out" form for a point in the city
  once (the CSRF cookie and the form's token, as a browser keeps them), and
- posts reports with it, each from another resident (the form takes 20 an
  hour from one account), with the number of lamps answered and no photo.
  Each resident takes notifications by e-mail, as new accounts do, so a
  report also queues the message that it was registered.

It checks that every acknowledged report (the redirect to its page with the
success message) is one row with a number of its own, and reports per
second, latency, and the CPU each report costs the app server and the
database: on a shared machine the figures to compare. Prints a table and,
last, one JSON line.

Environment: BENCH_FORM_REPORTS (3000), BENCH_FORM_CLIENTS (32),
BENCH_WORKERS (6), BENCH_PG and BENCH_REDIS as in bench/petitions.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import petitions  # noqa: E402
from bench._server import database_cpu, database_cpu_spent, tree_cpu  # noqa: E402
from bench.petitions import (  # noqa: E402
    Connection,
    acknowledged,
    address_of,
    cookie_value,
    percentile,
    save_sessions,
    start_server,
    stop_server,
)

REPORTS = int(os.environ.get("BENCH_FORM_REPORTS", "3000"))
CLIENTS = int(os.environ.get("BENCH_FORM_CLIENTS", "32"))
DB_NAME = "hromada_bench_appeals_form"
CATEGORY = "light-out"
# The goal for a report, photos excluded: app and database together.
TARGET_CPU_MS = 4.0


def environment(var_dir: str) -> dict:
    env = petitions.environment(var_dir)
    env["DATABASE_URL"] = f"{petitions.PG}/{DB_NAME}"
    return env


def prepare(reports: int) -> dict:
    """Create the demo community, its categories and residents with sessions; return them."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from hromada.appeals.services import install_default_categories
    from hromada.core import demo
    from hromada.core.identity import tax_number_hash
    from hromada.core.models import CommunityLink, Identity, Resident, Street

    community = demo.load()[0]
    install_default_categories(community=community)
    street = Street.objects.filter(
        settlement__community=community, settlement__kind="city", lat__isnull=False
    ).first()
    password = make_password("bench-password-2026")
    now = timezone.now()
    people = [
        Resident(
            email=f"reporter{index:06d}@bench.invalid",
            password=password,
            full_name=f"Мешканець Бенчмарк {index:06d}",
            birth_date=date(1980, 1, 1) + timedelta(days=index % 7000),
            identity_level=Identity.STRONG,
            tax_hash=tax_number_hash(f"8{index:09d}"),
            strong_verified_at=now,
        )
        for index in range(reports + CLIENTS)
    ]
    created = Resident.objects.bulk_create(people, batch_size=2000)
    residents = list(
        Resident.objects.filter(email__endswith="@bench.invalid")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert len(residents) == len(created)
    CommunityLink.objects.bulk_create(
        [
            CommunityLink(resident_id=pk, community=community, kind="lives", street=street)
            for pk in residents
        ],
        batch_size=2000,
    )
    keys = [secrets.token_hex(16) for _ in residents]
    hashes = dict(
        Resident.objects.filter(pk__in=residents).values_list("pk", "password")
    )  # the session's auth hash is made from the password hash
    payloads = []
    for pk in residents:
        resident = Resident(pk=pk, password=hashes[pk])
        payloads.append(
            {
                "_auth_user_id": str(pk),
                "_auth_user_backend": "hromada.core.auth.ResidentBackend",
                "_auth_user_hash": resident.get_session_auth_hash(),
            }
        )
    save_sessions(dict(zip(keys, payloads, strict=True)))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()
    return {
        "sessions": keys[:reports],
        "viewers": keys[reports:],
        "point": (street.lat, street.lon),
        "residents": residents,
    }


async def report_all(port: int, data: dict) -> dict:
    """Post the reports with the clients; return latencies and outcomes."""
    path = f"/appeals/report/{CATEGORY}/details/"
    queue = list(reversed(data["sessions"]))
    viewers = list(data["viewers"])
    lat, lon = data["point"]
    latencies: list[float] = []
    outcomes = {"ok": 0, "bad": 0}

    async def open_client(seed: int):
        connection = Connection(port)
        place = urlencode({"lat": f"{lat:.6f}", "lon": f"{lon:.6f}"})
        status, _, cookies, body = await connection.request(
            "GET", f"{path}?{place}", {"Cookie": f"sessionid={viewers.pop()}"}
        )
        csrf_cookie = cookie_value(cookies, "csrftoken")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or not csrf_cookie or not token or b"attr_lamps" not in body:
            raise SystemExit(f"no report form on {path} (status {status})")
        return connection, csrf_cookie, token.group(1).decode(), random.Random(seed)

    async def client(connection, csrf_cookie, token, rng):
        while queue:
            session = queue.pop()
            form = urlencode(
                {
                    "csrfmiddlewaretoken": token,
                    # A point within a street's length of the street, as a tap on the map.
                    "lat": f"{lat + rng.uniform(-0.001, 0.001):.6f}",
                    "lon": f"{lon + rng.uniform(-0.001, 0.001):.6f}",
                    "attr_lamps": str(rng.randint(1, 4)),
                    "description": "Не світить ліхтар біля під'їзду, вночі зовсім темно.",
                }
            ).encode()
            started = time.perf_counter()
            status, headers, cookies, _ = await connection.request(
                "POST",
                path,
                {
                    "Cookie": f"sessionid={session}; csrftoken={csrf_cookie}",
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Forwarded-For": address_of(session),
                },
                form,
            )
            latencies.append(time.perf_counter() - started)
            location = headers.get("location", "")
            if location.startswith("/appeals/") and acknowledged(status, cookies):
                outcomes["ok"] += 1
            else:
                outcomes["bad"] += 1
        connection.close()

    clients = await asyncio.gather(*(open_client(seed) for seed in range(CLIENTS)))
    started = time.perf_counter()
    await asyncio.gather(*(client(*opened) for opened in clients))
    return {"latencies": latencies, "elapsed": time.perf_counter() - started, **outcomes}


def count_in_database(residents: list[int]) -> dict:
    from django.db import connection

    from hromada.appeals.models import Appeal

    reports = Appeal.objects.filter(author_id__in=residents)
    counted = {
        "rows": reports.count(),
        "distinct_numbers": reports.values("number").distinct().count(),
        "distinct_authors": reports.values("author_id").distinct().count(),
    }
    connection.close()
    return counted


def main() -> None:
    var_dir = tempfile.mkdtemp(prefix="hromada-bench-appeals-form-")
    env = environment(var_dir)
    os.environ.update(env)
    petitions.recreate_database(env, DB_NAME)
    data = prepare(REPORTS)
    port = petitions.free_port()
    admin = f"{petitions.PG}/postgres"
    server = start_server(env, port)
    try:
        app_before, db_before = tree_cpu(server.pid), database_cpu(admin, DB_NAME)
        outcome = asyncio.run(report_all(port, data))
        app_spent = tree_cpu(server.pid) - app_before
        db_spent = database_cpu_spent(db_before, database_cpu(admin, DB_NAME))
    finally:
        stop_server(server)
    counted = count_in_database(data["residents"])
    shutil.rmtree(var_dir, ignore_errors=True)
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {DB_NAME}"], env=env)

    # The clients' form pages were opened before the CPU was first read.
    done = max(1, outcome["ok"])
    app_ms, db_ms = 1000 * app_spent / done, 1000 * db_spent / done
    latencies = outcome["latencies"]
    exact = counted["rows"] == outcome["ok"] == counted["distinct_numbers"]
    result = {
        "web_reports_per_s": round(outcome["ok"] / outcome["elapsed"], 1),
        "web_report_p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "web_report_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "web_report_cpu_ms": {"app": round(app_ms, 2), "db": round(db_ms, 2)},
        "acknowledged": outcome["ok"],
        "failed_requests": outcome["bad"],
        "rows": counted["rows"],
        "distinct_numbers": counted["distinct_numbers"],
        "distinct_authors": counted["distinct_authors"],
        "count_exact": exact,
        "clients": CLIENTS,
        "workers": petitions.WORKERS,
        "targets_met": {"web_report_cpu_ms": app_ms + db_ms <= TARGET_CPU_MS},
    }
    rows = [
        ("reports acknowledged / failed", f"{outcome['ok']} / {outcome['bad']}"),
        ("clients / gunicorn workers", f"{CLIENTS} / {petitions.WORKERS}"),
        ("reports per second", f"{result['web_reports_per_s']}"),
        ("latency p50 / p99", f"{result['web_report_p50_ms']} / {result['web_report_p99_ms']} ms"),
        ("CPU per report: app / database", f"{app_ms:.2f} / {db_ms:.2f} ms"),
        (
            f"target: ≤ {TARGET_CPU_MS:g} ms in all",
            "met" if result["targets_met"]["web_report_cpu_ms"] else "NOT met",
        ),
        ("rows / distinct numbers / authors", "{rows} / {distinct_numbers} / {distinct_authors}"),
        ("count exact", "yes" if exact else "NO"),
        ("machine load average (1 min) at the end", f"{os.getloadavg()[0]:.1f}"),
    ]
    width = max(len(label) for label, _ in rows)
    print(f"{'measure':<{width}}  value")
    for label, value in rows:
        print(f"{label:<{width}}  {value.format(**counted)}")
    print(json.dumps(result))
    if not exact:
        raise SystemExit("the acknowledged reports and the rows disagree")


if __name__ == "__main__":
    main()
