"""
Benchmark the participatory budget at Kyiv's scale, end to end.

1. A Kyiv-scale cycle (1,600 projects in 10 categories, 200,000 voters,
   650,000 votes; Kyiv 2019 had 1,578 / 191,712 / 654,651) is loaded into a
   fresh PostgreSQL database: projects through the ORM, ballots with COPY.
2. Voting over HTTP: gunicorn with several workers serves the API; fresh,
   identified voters cast a bounded number of ballots in parallel through
   ``POST /api/v1/budget/cycles/<id>/ballots`` (token auth, every check, the
   receipt and the audit entry included; the voters take no notifications, so
   only the look-up of their channels runs). We report ballots per second,
   the 99th percentile latency and app and database CPU per ballot.
3. Tally: for each rule, every category's election is read back from the
   database as the count reads it (`tally.category_instance`) and counted
   (`rules.select`). `tally_*_s` is the whole tally, reading included;
   `rule_*_s` the rule alone and `tally_load_s` the reading alone (the
   slowest of the three passes). Then the public ballots file as the count
   publishes it (`tally.ballots_file`, every category by MES+add1):
   `ballots_file_s` and `ballots_file_cpu_s`.
4. Ours against pabutools 1.2.3 on real Pabulib files, through the rules
   helper's `bench/budget_rules.py`: Wieliczka Green Budget 2023 (MES with
   add1) and Warszawa 2026 (greedy), with identical winners required.

Environment: BENCH_PB_BALLOTS (ballots over HTTP, default 3000),
BENCH_PB_CLIENTS (parallel clients, 16), BENCH_PB_WORKERS (gunicorn workers,
as in production: 6 of one thread each), BENCH_PB_SKIP_PABUTOOLS=1 to skip step 4,
BENCH_PB_ONLY=ballots to run steps 1 and 2 only (the ballot's CPU). Needs PostgreSQL on
127.0.0.1:5432 (user postgres); the database it creates is dropped at the end.
The last line is one JSON object with the figures.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from bench._server import WORKERS as PRODUCTION_WORKERS
from bench._server import database_cpu, database_cpu_spent, gunicorn_command, tree_cpu

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

PG = os.environ.get("BENCH_PB_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DB_NAME = f"hromada_bench_budget_{os.getpid()}"
BALLOTS = int(os.environ.get("BENCH_PB_BALLOTS", "3000"))
CLIENTS = int(os.environ.get("BENCH_PB_CLIENTS", "16"))
WORKERS = int(os.environ.get("BENCH_PB_WORKERS", str(PRODUCTION_WORKERS)))
HOST = "kyiv.localhost"
ONLY_BALLOTS = os.environ.get("BENCH_PB_ONLY", "") == "ballots"


def log(text: str) -> None:
    print(text, flush=True)


def ensure_postgres() -> None:
    """Start the local cluster if it is not running (as .ci/run does)."""
    if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0:
        return
    versions = sorted(Path("/etc/postgresql").glob("*"))
    if versions:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1].name, "main", "start"]
        )
        for _ in range(30):
            if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0:
                return
            time.sleep(1)
    raise SystemExit("PostgreSQL is not reachable on 127.0.0.1:5432")


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
        connection.execute(statement)


def setup_django() -> None:
    os.environ["DATABASE_URL"] = f"{PG}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hromada.settings")
    os.environ.setdefault("HROMADA_VAR_DIR", f"/tmp/{DB_NAME}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- loading the cycle --------------------------------------------------------------


def kyiv_instances():
    """Return the Kyiv-scale elections, from the rules helper when it is there."""
    try:
        from budget_rules import kyiv_cycle

        return kyiv_cycle()
    except ImportError:  # pragma: no cover - the rules helper ships it
        raise SystemExit("bench/budget_rules.py is missing") from None


def load_cycle(instances):
    """Create the community, the cycle, its categories, projects and ballots."""
    from django.db import connection

    from hromada.budget.models import Category, Cycle, Project
    from hromada.core.models import Community, Settlement, Street

    today = date.today()
    community = Community.objects.create(
        slug="kyiv",
        name="Київська міська територіальна громада",
        territory={
            "type": "Polygon",
            "coordinates": [[[30.2, 50.2], [30.9, 50.2], [30.9, 50.7], [30.2, 50.7], [30.2, 50.2]]],
        },
    )
    settlement = Settlement.objects.create(community=community, name="Київ", kind="city")
    Street.objects.create(settlement=settlement, name="Хрещатик", lat=50.45, lon=30.52)
    cycle = Cycle.objects.create(
        community=community,
        year=today.year,
        title="Громадський бюджет Києва (навантажувальний тест)",
        total_budget=sum(Decimal(i.budget) for i in instances),
        contingency_percent=Decimal("10"),
        submission_starts=today - timedelta(days=90),
        submission_ends=today - timedelta(days=60),
        review_ends=today - timedelta(days=10),
        voting_starts=today - timedelta(days=5),
        voting_ends=today + timedelta(days=20),
        implementation_starts=today + timedelta(days=60),
        min_age=14,
    )
    categories, projects = [], {}
    for index, instance in enumerate(instances):
        category = Category.objects.create(
            community=community,
            cycle=cycle,
            name=f"Категорія {index + 1}",
            size="small" if index % 2 == 0 else "large",
            budget=Decimal(instance.budget),
            max_cost=Decimal(instance.budget),
            max_choices=max(5, max(len(b) for b in instance.ballots)),
            rule="greedy",
            order=index,
        )
        categories.append(category)
        rows = Project.objects.bulk_create(
            [
                Project(
                    community=community,
                    cycle=cycle,
                    category=category,
                    number=int(code[1:]) + 1,
                    pabulib_id=code,
                    title=f"Проєкт {code}",
                    problem="—",
                    description="—",
                    beneficiaries="—",
                    settlement=settlement,
                    lat=50.45,
                    lon=30.52,
                    cost=Decimal(cost),
                    status="admitted",
                )
                for code, cost in instance.projects.items()
            ]
        )
        projects.update({p.pabulib_id: p.pk for p in rows})

    # Ballots and choices with COPY: the ORM would spend minutes on 1.3 M rows.
    raw = connection.cursor().cursor
    # Bulk load only: skip the per-row foreign-key triggers (the ids are ours).
    raw.execute("SET session_replication_role = replica")
    ballot_id = 0
    started = time.perf_counter()
    with raw.copy(
        "COPY budget_ballot (id, community_id, cycle_id, category_id, voter_key, channel,"
        " paper_number, support_point, age_group, receipt_hash, cast_at) FROM STDIN"
    ) as copy:
        for category, instance in zip(categories, instances, strict=True):
            for voter in range(len(instance.ballots)):
                ballot_id += 1
                copy.write_row(
                    (
                        ballot_id,
                        community.pk,
                        cycle.pk,
                        category.pk,
                        f"bench:{voter}",
                        "imported",
                        "",
                        "",
                        "",
                        hashlib.sha256(f"bench:{ballot_id}".encode()).hexdigest(),
                        "2026-01-01 12:00:00+00",
                    )
                )
    ballot_id = 0
    with raw.copy(
        "COPY budget_choice (community_id, ballot_id, project_id, points) FROM STDIN"
    ) as copy:
        for instance in instances:
            for ballot in instance.ballots:
                ballot_id += 1
                for code in ballot:
                    copy.write_row((community.pk, ballot_id, projects[code], 1))
    raw.execute("SET session_replication_role = DEFAULT")
    raw.execute("SELECT setval(pg_get_serial_sequence('budget_ballot', 'id'), %s)", [ballot_id])
    raw.execute("ANALYZE budget_ballot")
    raw.execute("ANALYZE budget_choice")
    return community, cycle, categories, time.perf_counter() - started


def make_voters(community, count: int) -> list[str]:
    """Create identified resident voters with API tokens; return the token keys."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from hromada.core.identity import tax_number_hash
    from hromada.core.models import ApiToken, CommunityLink, Resident, Street
    from hromada.core.services import api_token_hash

    street = Street.objects.get(settlement__community=community)
    password = make_password(None)
    residents = Resident.objects.bulk_create(
        [
            Resident(
                email=f"bench-voter-{n}@kyiv.test",
                password=password,
                full_name=f"Учасник {n}",
                identity_level=2,
                birth_date=date(1960 + n % 45, 1 + n % 12, 1 + n % 28),
                tax_hash=tax_number_hash(f"9{n:09d}"),
                notify_by_email=False,
            )
            for n in range(count)
        ],
        batch_size=2000,
    )
    CommunityLink.objects.bulk_create(
        [
            CommunityLink(resident=r, community=community, kind="lives", street=street, house="1")
            for r in residents
        ],
        batch_size=2000,
    )
    keys = [secrets.token_urlsafe(24) for _ in residents]
    # Tokens expire; these outlive the run.
    expires = timezone.now() + timedelta(days=1)
    ApiToken.objects.bulk_create(
        [
            ApiToken(resident=r, name="bench", key_hash=api_token_hash(k), expires_at=expires)
            for r, k in zip(residents, keys, strict=True)
        ],
        batch_size=2000,
    )
    return keys


# --- voting over HTTP ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:
    env = {**os.environ, "DEBUG": "0"}
    process = subprocess.Popen(
        gunicorn_command(f"127.0.0.1:{port}", workers=WORKERS),
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    import requests

    for _ in range(60):
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except requests.RequestException:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("gunicorn did not start")


def vote_over_http(port: int, cycle, categories, keys: list[str], server=None) -> dict:
    """Cast one ballot per key in parallel; return throughput, latencies and CPU per ballot."""
    import threading

    import requests

    from hromada.budget.models import Project

    rng = random.Random(650_651)
    by_category = {
        c.pk: list(Project.objects.filter(category=c).values_list("pk", flat=True)[:200])
        for c in categories
    }
    jobs = []
    for key in keys:
        category = rng.choice(categories)
        picks = rng.sample(by_category[category.pk], rng.randint(1, 3))
        jobs.append((key, {"category": category.pk, "projects": picks}))
    url = f"http://127.0.0.1:{port}/api/v1/budget/cycles/{cycle.pk}/ballots"
    local = threading.local()

    def cast(job):
        key, payload = job
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        start = time.perf_counter()
        response = session.post(
            url,
            json=payload,
            headers={"Authorization": f"Bearer {key}", "Host": HOST},
            timeout=30,
        )
        return time.perf_counter() - start, response.status_code

    # A short warm-up: the workers import and connect once.
    warm, jobs = jobs[: CLIENTS * 2], jobs[CLIENTS * 2 :]
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(cast, warm))
        app_before = tree_cpu(server.pid) if server else 0.0
        db_before = database_cpu(f"{PG}/postgres", DB_NAME)
        started = time.perf_counter()
        results = list(pool.map(cast, jobs))
        elapsed = time.perf_counter() - started
        app_spent = tree_cpu(server.pid) - app_before if server else 0.0
        db_spent = database_cpu_spent(db_before, database_cpu(f"{PG}/postgres", DB_NAME))
    latencies = sorted(r[0] for r in results)
    statuses = [r[1] for r in results]
    return {
        "ballots": len(results),
        "ok": statuses.count(201),
        "errors": len(statuses) - statuses.count(201),
        "seconds": elapsed,
        "per_s": statuses.count(201) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "app_cpu_ms": 1000 * app_spent / max(1, statuses.count(201)),
        "db_cpu_ms": 1000 * db_spent / max(1, statuses.count(201)),
    }


# --- tally --------------------------------------------------------------------------


def tally_from_database(categories) -> dict:
    """
    Count every category by each rule as the count does: read it, then select.

    Each rule gets a pass of its own through `tally.category_instance` (the
    reading `services.count_votes` does) and `rules.select`, so its total
    includes the reading; the two parts are also kept apart.
    """
    from hromada.budget import rules, tally

    skipped = os.environ.get("BENCH_PB_SKIP_RULES", "").split(",")
    timings: dict = {"load": float("nan")}
    instances = []
    for name, rule, completion in (
        ("greedy", "greedy", None),
        ("mes", "mes", "add1"),
        ("phragmen", "phragmen", None),
    ):
        timings[name] = timings[f"{name}_rule"] = float("nan")
        if name in skipped:
            continue
        load = count = 0.0
        instances = []
        for category in categories:
            started = time.perf_counter()
            instance, _ = tally.category_instance(category)
            read = time.perf_counter()
            rules.select(instance, rule, completion)
            load += read - started
            count += time.perf_counter() - read
            instances.append(instance)
        timings[name], timings[f"{name}_rule"] = load + count, count
        # The slowest of the passes' readings.
        timings["load"] = load if math.isnan(timings["load"]) else max(timings["load"], load)
    timings["ballots"] = sum(len(i.ballots) for i in instances)
    timings["votes"] = sum(len(b) for i in instances for b in i.ballots)
    return timings


def publish_file(cycle, categories) -> dict:
    """
    Build the public ballots file as the count does, every category by MES+add1.

    `tally.ballots_file` is what `services.count_votes` publishes: each
    category read and counted once more, its ballots in hash order, the JSON
    bytes. The categories are switched to the costliest rule for this step.
    """
    import hashlib

    from hromada.budget import tally

    for category in categories:
        category.rule, category.completion = "mes", "add1"
        category.save(update_fields=["rule", "completion"])
    started, started_cpu = time.perf_counter(), time.process_time()
    document, body = tally.ballots_file(cycle)
    hashlib.sha256(body).hexdigest()
    return {
        "seconds": time.perf_counter() - started,
        "cpu_s": time.process_time() - started_cpu,
        "megabytes": len(body) / 1e6,
        "ballots": sum(len(c["ballots"]) for c in document["categories"]),
    }


def pabutools_comparison() -> list[dict]:
    from budget_rules import DATA, compare_with_pabutools

    return [
        compare_with_pabutools(DATA / "Poland_Wieliczka_2023_Green_Budget.pb", "mes", "add1"),
        compare_with_pabutools(DATA / "Poland_Warszawa_2026.pb", "greedy"),
    ]


def vote_figures(http: dict) -> dict:
    """The voting part's figures in the final JSON line."""
    return {
        "vote_per_s": round(http["per_s"], 1),
        "vote_p99_ms": round(http["p99_ms"], 1),
        "vote_errors": http["errors"],
        "vote_cpu_ms": {"app": round(http["app_cpu_ms"], 2), "db": round(http["db_cpu_ms"], 2)},
    }


def main() -> int:
    ensure_postgres()
    admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
    admin_sql(f'CREATE DATABASE "{DB_NAME}"')
    server = None
    try:
        setup_django()
        started = time.perf_counter()
        instances = kyiv_instances()
        generated = time.perf_counter() - started
        community, cycle, categories, copy_s = load_cycle(instances)
        voters = 200_000
        votes = sum(len(b) for i in instances for b in i.ballots)
        log(
            f"Kyiv-scale cycle: {sum(len(i.projects) for i in instances)} projects in "
            f"{len(categories)} categories, {voters} voters, {votes} votes "
            f"(generated in {generated:.1f} s, loaded with COPY in {copy_s:.1f} s)"
        )

        keys = make_voters(community, BALLOTS + CLIENTS * 2)
        port = free_port()
        server = start_gunicorn(port)
        http = vote_over_http(port, cycle, categories, keys, server)
        log(f"Voting over HTTP: gunicorn with {WORKERS} workers, {CLIENTS} parallel clients")
        log(
            f"  {http['ok']} ballots in {http['seconds']:.1f} s: {http['per_s']:.0f} ballots/s, "
            f"p50 {http['p50_ms']:.0f} ms, p99 {http['p99_ms']:.0f} ms, errors {http['errors']}"
        )
        log(
            f"  CPU per ballot: app {http['app_cpu_ms']:.2f} ms, database {http['db_cpu_ms']:.2f} ms"
        )
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        server = None

        if ONLY_BALLOTS:
            log(f"{'ballots':>8} {'per s':>6} {'p99 ms':>7} {'app CPU ms':>11} {'db CPU ms':>10}")
            log(
                f"{http['ok']:>8} {http['per_s']:>6.0f} {http['p99_ms']:>7.0f} "
                f"{http['app_cpu_ms']:>11.2f} {http['db_cpu_ms']:>10.2f}"
            )
            print(json.dumps({**vote_figures(http), "load_average": round(os.getloadavg()[0], 1)}))
            return 0 if http["errors"] == 0 else 1
        tally = tally_from_database(categories)
        log(
            f"Tally from the database ({tally['ballots']} category ballots, {tally['votes']} votes)"
        )
        log(f"  reading the ballots {tally['load']:.3f} s (the slowest of the passes)")
        for rule in ("greedy", "mes", "phragmen"):
            label = "mes (add1)" if rule == "mes" else rule
            log(
                f"  {label:<12} {tally[rule]:.3f} s in all, "
                f"{tally[rule] - tally[f'{rule}_rule']:.3f} s reading + "
                f"{tally[f'{rule}_rule']:.3f} s counting"
            )

        published = publish_file(cycle, categories)
        log(
            f"Public ballots file (MES+add1): {published['ballots']} ballots, "
            f"{published['megabytes']:.0f} MB in {published['seconds']:.1f} s "
            f"({published['cpu_s']:.1f} s of app CPU, the database's apart)"
        )

        comparisons = []
        if os.environ.get("BENCH_PB_SKIP_PABUTOOLS") != "1":
            comparisons = pabutools_comparison()
            log(f"{'file':<40} {'rule':<9} {'ours s':>8} {'pabutools s':>12} {'speedup':>8} same")
            for row in comparisons:
                log(
                    f"{row['file']:<40} {row['rule']:<9} {row['ours_s']:8.3f} "
                    f"{row['pabutools_s']:12.3f} {row['speedup']:8.1f} "
                    f"{'yes' if row['identical'] else 'NO'}"
                )
        summary = {
            **vote_figures(http),
            "tally_load_s": round(tally["load"], 3),
            "tally_greedy_s": round(tally["greedy"], 4),
            "tally_mes_s": round(tally["mes"], 4),
            "tally_phragmen_s": round(tally["phragmen"], 4),
            "rule_greedy_s": round(tally["greedy_rule"], 4),
            "rule_mes_s": round(tally["mes_rule"], 4),
            "rule_phragmen_s": round(tally["phragmen_rule"], 4),
            "ballots_file_s": round(published["seconds"], 2),
            "ballots_file_cpu_s": round(published["cpu_s"], 2),
            "wieliczka_speedup": round(comparisons[0]["speedup"], 1) if comparisons else None,
            "warszawa_speedup": round(comparisons[1]["speedup"], 1) if comparisons else None,
            "identical": all(row["identical"] for row in comparisons),
            "load_average": round(os.getloadavg()[0], 1),
        }
        print(json.dumps(summary))
        return 0 if summary["identical"] and http["errors"] == 0 else 1
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
        from django.db import connections

        connections.close_all()
        admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
