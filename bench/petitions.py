"""
Benchmark: signing one petition over HTTP as in production.

Starts gunicorn (as docs/deploy.md runs it, DEBUG off) on its own PostgreSQL
database, with sessions and the cache in Redis as production runs them,
creates identified residents with real sessions and one collecting petition
whose threshold equals the number of residents, then:

1. 64 clients sign concurrently (session cookie, CSRF cookie and form token
   taken from the petition page, POST of the sign form) while other clients
   keep reading the petition page anonymously; the clock starts once every
   signing client has its form;
2. the page is read alone.

Rate limits stay on as in production; the load generator plays the trusted
reverse proxy and names each signer's own address in X-Forwarded-For.

It checks that every acknowledged signature is one row, that the cached
count agrees, and that the threshold transition happened once. Besides the
rates it measures the CPU each request costs the app, the database and the
load generator: on a shared machine that is the figure other work cannot
distort. Prints a table and, last, one JSON line.

Environment: BENCH_SIGNERS (5000), BENCH_CLIENTS (64), BENCH_READERS (8),
BENCH_WORKERS (6), BENCH_THREADS (1), BENCH_WORKER_CLASS (sync; gthread with threads), BENCH_READ_SECONDS (8),
BENCH_MAX_SIGN_SECONDS (100), BENCH_PG (postgres://postgres@127.0.0.1:5432),
BENCH_REDIS (redis://127.0.0.1:6379/12, flushed; empty for none).
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zlib
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

from bench._server import THREADS as PRODUCTION_THREADS
from bench._server import WORKERS as PRODUCTION_WORKERS
from bench._server import gunicorn_command

ROOT = Path(__file__).resolve().parent.parent
SIGNERS = int(os.environ.get("BENCH_SIGNERS", "5000"))
SIGN_CLIENTS = int(os.environ.get("BENCH_CLIENTS", "64"))
READERS_DURING_SIGN = int(os.environ.get("BENCH_READERS", "8"))
READERS_ALONE = 32
READ_SECONDS = float(os.environ.get("BENCH_READ_SECONDS", "8"))
# The signing phase stops here even if residents are left (keeps the run bounded).
MAX_SIGN_SECONDS = float(os.environ.get("BENCH_MAX_SIGN_SECONDS", "100"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(PRODUCTION_WORKERS)))
THREADS = int(os.environ.get("BENCH_THREADS", str(PRODUCTION_THREADS)))
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
# Production keeps sessions, the cache and the task queue in Redis; this
# database number is flushed by the benchmark. Empty: sessions in PostgreSQL.
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/12")
DB_NAME = "hromada_bench_petitions"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def environment(var_dir: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"{PG}/{DB_NAME}",
        HROMADA_ENV="development",
        DEBUG="0",
        # Rate limits on, as in production: the load generator plays the
        # reverse proxy and names each signer's own address.
        HROMADA_TRUSTED_PROXIES=HOST,
        HROMADA_VAR_DIR=var_dir,
        DJANGO_SETTINGS_MODULE="hromada.settings",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
        REDIS_URL=REDIS,
    )
    return env


def recreate_database(env: dict, name: str = DB_NAME) -> None:
    """Empty the benchmark's Redis database; make the PostgreSQL database `name` afresh."""
    if REDIS:
        import redis

        redis.Redis.from_url(REDIS).flushdb()
    admin = f"{PG}/postgres"
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", admin, "-qc", sql], check=True, env=env)
    subprocess.run(
        [sys.executable, "-m", "hromada", "migrate", "--noinput", "-v0"],
        check=True,
        cwd=ROOT,
        env=env,
    )


def prepare(signers: int) -> dict:
    """Create the community, the petition and the residents with sessions; return ids."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from hromada.core.identity import tax_number_hash
    from hromada.core.models import (
        Community,
        CommunityLink,
        Identity,
        Resident,
        Settlement,
        StaffRole,
        Street,
    )
    from hromada.petitions import services
    from hromada.petitions.models import PetitionRules, Topic

    community = Community.objects.create(
        slug="chornomorsk", name="Чорноморська міська територіальна громада"
    )
    settlement = Settlement.objects.create(community=community, name="Чорноморськ", kind="city")
    street = Street.objects.create(settlement=settlement, name="проспект Миру")
    PetitionRules.objects.create(community=community, threshold=signers)
    topic = Topic.objects.create(community=community, name="Транспорт і дороги")
    password = make_password("bench-password-2026")
    birth = date(1980, 1, 1)
    now = timezone.now()
    people = [
        Resident(
            email=f"bench{index:06d}@bench.invalid",
            password=password,
            full_name=f"Підписант Бенчмарк {index:06d}",
            birth_date=birth + timedelta(days=index % 7000),
            identity_level=Identity.STRONG,
            tax_hash=tax_number_hash(f"9{index:09d}"),
            strong_verified_at=now,
            notify_by_email=False,
        )
        for index in range(signers + 2 + SIGN_CLIENTS)
    ]
    Resident.objects.bulk_create(people, batch_size=2000)
    people = list(Resident.objects.order_by("pk"))
    CommunityLink.objects.bulk_create(
        [
            CommunityLink(resident=r, community=community, kind="lives", street=street, house="1")
            for r in people
        ],
        batch_size=2000,
    )
    author, moderator, signers_list = people[0], people[1], people[2:]
    # Viewers only open the page to get a CSRF token; they never sign, so
    # their page always shows the form.
    StaffRole.objects.create(community=community, resident=moderator, role="moderator")
    petition = services.create_petition(
        community=community,
        author=author,
        title="Облаштувати безпечний пішохідний перехід біля школи №7",
        text="Просимо облаштувати регульований пішохідний перехід біля школи на вулиці "
        "Парусній та встановити обмеження швидкості у шкільній зоні.",
        topic_id=topic.pk,
    )
    services.submit_petition(petition=petition, author=author)
    services.publish_petition(petition=petition, moderator=moderator)
    # Real sessions, as the log-in form would leave them in the session store.
    keys = [secrets.token_hex(16) for _ in signers_list]
    payloads = [
        {
            "_auth_user_id": str(resident.pk),
            "_auth_user_backend": "hromada.core.auth.ResidentBackend",
            "_auth_user_hash": resident.get_session_auth_hash(),
        }
        for resident in signers_list
    ]
    save_sessions(dict(zip(keys, payloads, strict=True)))
    from django.db import connection

    # Statistics, as a live database has them (autovacuum may be off, or not
    # yet run, on these fresh tables): without them the planner reads a
    # signer's link to the community through the community's index, that
    # is every resident's link, on each signature.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()
    return {
        "petition": petition.pk,
        "sessions": keys[:signers],
        "viewers": keys[signers:],
    }


def save_sessions(sessions: dict[str, dict]) -> None:
    """Write sessions straight into the configured session store (database or cache)."""
    from importlib import import_module

    from django.conf import settings
    from django.utils import timezone

    engine = import_module(settings.SESSION_ENGINE)
    if settings.SESSION_ENGINE.endswith(".cache"):
        from django.core.cache import caches

        store = caches[settings.SESSION_CACHE_ALIAS]
        items = [(engine.KEY_PREFIX + key, data) for key, data in sessions.items()]
        for start in range(0, len(items), 1000):
            store.set_many(dict(items[start : start + 1000]), timeout=86400)
        return
    from django.contrib.sessions.models import Session

    encoder = engine.SessionStore()
    expiry = timezone.now() + timedelta(days=1)
    rows = [
        Session(session_key=key, session_data=encoder.encode(data), expire_date=expiry)
        for key, data in sessions.items()
    ]
    Session.objects.bulk_create(rows, batch_size=2000)


def start_server(env: dict, port: int) -> subprocess.Popen:
    command = gunicorn_command(
        f"{HOST}:{port}", workers=WORKERS, threads=THREADS, worker_class=WORKER_CLASS
    )
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit("gunicorn did not start")


def stop_server(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)


class Connection:
    """One keep-alive HTTP/1.1 connection over asyncio streams: little CPU per request."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict, body: bytes = b""):
        """Return (status, headers, set-cookie values, body); reconnect once if closed."""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        for attempt in range(2):
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
                self.writer.write(data)
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                self.writer = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _response(self):
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        status_line, *lines = head.split("\r\n")
        headers, cookies = {}, []
        for line in lines:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookies.append(value)
            elif name:
                headers[name] = value
        length = int(headers.get("content-length", "0"))
        body = await self.reader.readexactly(length) if length else b""
        if headers.get("connection", "").lower() == "close":
            self.writer.close()
            self.writer = None
        return int(status_line.split()[1]), headers, cookies, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def address_of(session: str) -> str:
    """Return a signer's own client address, in 10.0.0.0/8, made from the session key."""
    a, b, c = (int(session[i : i + 2], 16) for i in (0, 2, 4))
    return f"10.{a}.{b}.{c}"


def cookie_value(cookies: list[str], name: str) -> str | None:
    for cookie in cookies:
        if cookie.startswith(name + "="):
            return cookie.split(";", 1)[0].split("=", 1)[1]
    return None


def acknowledged(status: int, cookies: list[str]) -> bool:
    """Return whether the answer carries the success message (the messages cookie)."""
    value = cookie_value(cookies, "messages")
    if status != 302 or not value:
        return False
    payload = value.strip('"').split(":", 1)[0]
    packed = payload.lstrip(".")
    raw = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))
    if payload.startswith("."):
        raw = zlib.decompress(raw)
    # Each message is [marker, is_safe, level, text]; 25 is SUCCESS.
    return any(message[2] == 25 for message in json.loads(raw))


async def sign_all(port: int, data: dict, stop: asyncio.Event) -> dict:
    """Sign with the signing clients until all residents signed or time is up."""
    url = f"/petitions/{data['petition']}/"
    queue = list(reversed(data["sessions"]))
    viewers = list(data["viewers"])
    latencies: list[float] = []
    outcomes = {"ok": 0, "bad": 0}
    deadline = 0.0  # set when signing starts

    async def open_client():
        connection = Connection(port)
        # The sign form's CSRF token, from the petition page as a signed-in resident.
        status, _, cookies, body = await connection.request(
            "GET", url, {"Cookie": f"sessionid={viewers.pop()}"}
        )
        csrf_cookie = cookie_value(cookies, "csrftoken")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or not csrf_cookie or not token or b"/sign/" not in body:
            raise SystemExit(f"no sign form on the petition page (status {status})")
        form = urlencode({"csrfmiddlewaretoken": token.group(1).decode()}).encode()
        return connection, csrf_cookie, form

    async def client(connection, csrf_cookie, form):
        while queue and time.perf_counter() < deadline:
            session = queue.pop()
            started = time.perf_counter()
            status, headers, cookies, _ = await connection.request(
                "POST",
                f"{url}sign/",
                {
                    "Cookie": f"sessionid={session}; csrftoken={csrf_cookie}",
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Forwarded-For": address_of(session),
                },
                form,
            )
            latencies.append(time.perf_counter() - started)
            if headers.get("location") == url and acknowledged(status, cookies):
                outcomes["ok"] += 1
            else:
                outcomes["bad"] += 1
        connection.close()

    # Every client has its form first; the clock runs from the first signature.
    clients = await asyncio.gather(*(open_client() for _ in range(SIGN_CLIENTS)))
    started = time.perf_counter()
    deadline = started + MAX_SIGN_SECONDS
    await asyncio.gather(*(client(*opened) for opened in clients))
    elapsed = time.perf_counter() - started
    stop.set()
    return {"latencies": latencies, "elapsed": elapsed, **outcomes}


async def read_until(port: int, path: str, clients: int, stop: asyncio.Event, seconds=None):
    """Read the page anonymously with keep-alive clients until stopped; return counts."""
    counts = {"ok": 0, "bad": 0}
    deadline = time.perf_counter() + seconds if seconds else None

    async def client():
        connection = Connection(port)
        headers = {}
        while not stop.is_set() and (deadline is None or time.perf_counter() < deadline):
            status, _, cookies, _ = await connection.request("GET", path, headers)
            counts["ok" if status == 200 else "bad"] += 1
            # Like a browser, keep the CSRF cookie the first answer set.
            token = cookie_value(cookies, "csrftoken")
            if token:
                headers = {"Cookie": f"csrftoken={token}"}
        connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    counts["elapsed"] = time.perf_counter() - started
    return counts


async def run_load(port: int, data: dict, meter) -> dict:
    """Sign while others read; then read alone. Return the phases' results and CPU."""
    path = f"/petitions/{data['petition']}/"
    stop = asyncio.Event()
    before = meter.snapshot()
    signing, during = await asyncio.gather(
        sign_all(port, data, stop),
        read_until(port, path, READERS_DURING_SIGN, stop),
    )
    middle = meter.snapshot()
    alone = await read_until(port, path, READERS_ALONE, asyncio.Event(), seconds=READ_SECONDS)
    after = meter.snapshot()
    return {
        "signing": signing,
        "during": during,
        "alone": alone,
        "sign_cpu": CpuMeter.spent(before, middle),
        "read_cpu": CpuMeter.spent(middle, after),
    }


def count_in_database(env: dict, petition: int) -> dict:
    script = (
        "import django, json; django.setup();"
        "from hromada.petitions.models import Petition, Signature;"
        "from hromada.core.models import AuditEntry;"
        f"p = Petition.objects.get(pk={petition});"
        "print(json.dumps({'rows': Signature.objects.filter(petition=p).count(),"
        "'distinct': Signature.objects.filter(petition=p).values('resident').distinct().count(),"
        "'cached': p.signature_count, 'status': p.status,"
        "'transitions': AuditEntry.objects.filter(action='petition.threshold_reached',"
        f" target_id='{petition}').count()}}))"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return json.loads(output.stdout.decode().strip().splitlines()[-1])


TICK = os.sysconf("SC_CLK_TCK")


def _process_cpu(pid: int) -> float:
    """Return the CPU seconds (user + system) a process has used, 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _database_backends(env: dict) -> list[int]:
    output = subprocess.run(
        [
            "psql",
            f"{PG}/postgres",
            "-Atc",
            f"SELECT pid FROM pg_stat_activity WHERE datname = '{DB_NAME}'",
        ],
        env=env,
        capture_output=True,
        check=True,
    )
    return [int(line) for line in output.stdout.decode().split()]


class CpuMeter:
    """CPU seconds used by the app server, its database backends and this load generator."""

    def __init__(self, server: subprocess.Popen, env: dict):
        self.server, self.env = server, env

    def snapshot(self) -> dict:
        app_pids = [self.server.pid, *_children(self.server.pid)]
        return {
            "app": sum(_process_cpu(pid) for pid in app_pids),
            "db": {pid: _process_cpu(pid) for pid in _database_backends(self.env)},
            "client": time.process_time(),
        }

    @staticmethod
    def spent(before: dict, after: dict) -> dict:
        database = sum(seconds - before["db"].get(pid, 0.0) for pid, seconds in after["db"].items())
        return {
            "app": after["app"] - before["app"],
            "db": database,
            "client": after["client"] - before["client"],
        }


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    var_dir = tempfile.mkdtemp(prefix="hromada-bench-petitions-")
    env = environment(var_dir)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    recreate_database(env)
    data = prepare(SIGNERS)
    setup_seconds = time.perf_counter() - started
    port = free_port()
    server = start_server(env, port)
    try:
        load = asyncio.run(run_load(port, data, CpuMeter(server, env)))
    finally:
        stop_server(server)
    signing, during, alone = load["signing"], load["during"], load["alone"]
    sign_cpu, read_cpu = load["sign_cpu"], load["read_cpu"]
    counted = count_in_database(env, data["petition"])
    shutil.rmtree(var_dir, ignore_errors=True)

    latencies = signing["latencies"]
    # CPU is what the shared machine cannot hide: per request, for each party.
    reads = max(1, alone["ok"])
    read_ms = {part: 1000 * seconds / reads for part, seconds in read_cpu.items()}
    signed = max(1, signing["ok"])
    sign_ms = {
        part: max(0.0, 1000 * seconds - during["ok"] * read_ms[part]) / signed
        for part, seconds in sign_cpu.items()
    }
    sign_ms_total = sum(sign_ms.values())
    read_ms_total = sum(read_ms.values())
    cores = os.cpu_count() or 1
    result = {
        "sign_per_s": round(signing["ok"] / signing["elapsed"], 1),
        "sign_p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "sign_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "read_per_s": round(alone["ok"] / alone["elapsed"], 1),
        "read_during_sign_per_s": round(during["ok"] / during["elapsed"], 1),
        "counted": counted["rows"],
        "expected": signing["ok"],
        "distinct_signers": counted["distinct"],
        "cached_count": counted["cached"],
        "threshold_transitions": counted["transitions"],
        "failed_requests": signing["bad"] + during["bad"] + alone["bad"],
        "sign_cpu_ms": {part: round(ms, 2) for part, ms in sign_ms.items()},
        "read_cpu_ms": {part: round(ms, 3) for part, ms in read_ms.items()},
        "sign_per_s_cpu_bound": round(cores * 1000 / sign_ms_total, 1),
        "read_per_s_cpu_bound": round(cores * 1000 / read_ms_total, 1),
        "workers": WORKERS,
        "threads": THREADS,
    }
    rows = [
        ("residents ready to sign (= threshold)", SIGNERS),
        ("signatures acknowledged / refused or failed", f"{signing['ok']} / {signing['bad']}"),
        ("signing clients / readers during signing", f"{SIGN_CLIENTS} / {READERS_DURING_SIGN}"),
        ("gunicorn workers × threads", f"{WORKERS} × {THREADS}"),
        ("sessions and cache", "Redis" if REDIS else "PostgreSQL, per-process memory"),
        ("setup (database, residents, sessions)", f"{setup_seconds:.1f} s"),
        ("signing time", f"{signing['elapsed']:.1f} s"),
        ("signatures per second", result["sign_per_s"]),
        ("sign latency p50 / p99", f"{result['sign_p50_ms']} / {result['sign_p99_ms']} ms"),
        ("page reads per second during signing", result["read_during_sign_per_s"]),
        ("page reads per second alone", result["read_per_s"]),
        (
            "signature rows / distinct / cached count",
            f"{counted['rows']} / {counted['distinct']} / {counted['cached']}",
        ),
        ("status, threshold transitions", f"{counted['status']}, {counted['transitions']}"),
        ("failed requests", result["failed_requests"]),
        (
            "CPU per signature: app / database / load generator",
            " / ".join(f"{sign_ms[part]:.2f}" for part in ("app", "db", "client")) + " ms",
        ),
        (
            "CPU per page read: app / database / load generator",
            " / ".join(f"{read_ms[part]:.3f}" for part in ("app", "db", "client")) + " ms",
        ),
        (
            f"CPU-bound capacity on {cores} idle cores: signatures / reads per second",
            f"{result['sign_per_s_cpu_bound']} / {result['read_per_s_cpu_bound']}",
        ),
        ("machine load average (1 min) at the end", f"{os.getloadavg()[0]:.1f}"),
    ]
    width = max(len(label) for label, _ in rows)
    print(f"{'measure'.ljust(width)}  value")
    for label, value in rows:
        print(f"{label.ljust(width)}  {value}")
    # Every acknowledged signature is a row, once; the threshold (everybody)
    # is crossed once if everybody signed in time.
    exact = counted["rows"] == signing["ok"] == counted["distinct"] == counted[
        "cached"
    ] and counted["transitions"] == (1 if counted["rows"] >= SIGNERS else 0)
    print(f"{'count exact'.ljust(width)}  {'yes' if exact else 'NO'}")
    print(json.dumps(result))
    if not exact:
        sys.exit(1)


if __name__ == "__main__":
    main()
