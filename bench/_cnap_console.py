"""
The ЦНАП console's actions replayed in-process: CPU and queries per action.

Not a benchmark of its own (`make bench` skips names starting with "_"): a
profiling harness for the console. It builds the HTTP benchmark's centre
(bench.cnap.prepare_centre: 26 desks with skills, a morning queue, operator
sessions in the configured store) in a database of its own, then drives the
desks through the production WSGI handler (every middleware, the session,
CSRF checked with the desk page's token) as the browser's htmx posts do:
next, recall, start, finish, no-show, transfer; kiosks (each its own
address) issue tickets and open the printed ticket to keep the queue full,
phones poll their ticket's live part and a board its feed. Per request kind
it reports the CPU of this process (time.process_time: the app's side of
the request; the database's own CPU is not in it) and the number of SQL
statements; `--sql` prints the statements of the first request of each
kind, `--profile FILE` writes a cProfile (CPU time) of them all.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> REDIS_URL=redis://127.0.0.1:6379/<n> \\
        .venv/bin/python -m bench._cnap_console [rounds] [--profile FILE]

The database is dropped and created again from a migrated template each run.
"""

from __future__ import annotations

import io
import os
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL.startswith("postgres"):
    raise SystemExit("Set DATABASE_URL to a PostgreSQL database of your own (it is recreated).")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hromada.settings")
os.environ.setdefault("HROMADA_ENV", "development")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")

IN_HAND = re.compile(rb'<p class="cnap-big"><strong>([^<]+)</strong>')
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def recreate() -> None:
    from bench.cnap import fresh_database

    server, name = DATABASE_URL.rsplit("/", 1)
    fresh_database(server, name, dict(os.environ))


class Browser:
    """One desk's browser (or a kiosk's): its cookies, posts through the WSGI handler."""

    def __init__(self, app, desk: dict | None = None, *, kiosk: int = 0, address="127.0.0.1"):
        self.app, self.desk, self.address = app, desk, address
        if desk is not None:
            self.cookie = f"sessionid={desk['session']}"
            self.base = f"/cnap/console/desks/{desk['pk']}/"
        else:
            self.cookie = ""
            self.base = f"/cnap/kiosk/{kiosk}/"
        status, headers, body = self.request("GET", self.base)
        assert status == 200, status
        csrf = next(
            value.strip().split(";")[0].split("=", 1)[1]
            for name, value in headers
            if name == "Set-Cookie" and value.strip().startswith("csrftoken=")
        )
        self.cookie = "; ".join(part for part in (self.cookie, f"csrftoken={csrf}") if part)
        self.form_token = TOKEN.search(body).group(1).decode()

    def request(self, method: str, path: str, body: bytes = b"", htmx: bool = False):
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": self.address,
            "HTTP_HOST": "127.0.0.1:8000",
            "HTTP_COOKIE": self.cookie,
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        if body:
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
            environ["CONTENT_LENGTH"] = str(len(body))
        if htmx:
            environ["HTTP_HX_REQUEST"] = "true"
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer["status"], answer["headers"] = int(status.split()[0]), headers

        chunks = self.app(environ, start_response)
        content = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        return answer["status"], answer["headers"], content

    def issue(self, service: int) -> str:
        """Take a ticket at the kiosk; return the printed ticket's address."""
        body = urlencode({"csrfmiddlewaretoken": self.form_token, "service": service}).encode()
        status, headers, _ = self.request("POST", f"{self.base}issue/", body)
        assert status == 302, status
        return next(value for name, value in headers if name == "Location")

    def act(self, action: str, **fields) -> bytes:
        body = urlencode({"csrfmiddlewaretoken": self.form_token, **fields}).encode()
        status, _, panel = self.request("POST", f"{self.base}{action}/", body, htmx=True)
        assert status == 200, (action, status)
        return panel


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 6
    profile = sys.argv[sys.argv.index("--profile") + 1] if "--profile" in sys.argv else None
    recreate()
    import django

    django.setup()
    import redis
    from django.conf import settings

    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    from bench import cnap as bench_cnap

    data = bench_cnap.prepare_centre()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hromada.cnap.models import Office, Service

    app = WSGIHandler()
    browsers = [Browser(app, desk) for desk in data["desks"]]
    # Kiosks of their own addresses: the kiosk's rate limit (30 a minute) stays on.
    kiosks = [Browser(app, kiosk=data["office"], address=f"10.77.0.{k + 1}") for k in range(8)]
    office = Office.objects.select_related("community").get(pk=data["office"])
    kinds = list(Service.objects.filter(community=office.community).order_by("pk"))
    consultation = kinds[-1].pk
    cpu: dict[str, list[float]] = {}
    queries: dict[str, list[int]] = {}
    profiler = None
    show_sql, shown = "--sql" in sys.argv, set()
    if profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)

    def timed(browser: Browser, action: str, **fields) -> bytes:
        with CaptureQueriesContext(connection) as captured:
            if profiler:
                profiler.enable()
            started = time.process_time()
            if action == "issue":
                panel = browser.issue(fields["service"])
            elif action in ("print", "status", "board"):
                status, _, panel = browser.request("GET", fields["path"], htmx=action == "status")
                assert status == 200, (action, status)
            else:
                panel = browser.act(action, **fields)
            spent = time.process_time() - started
            if profiler:
                profiler.disable()
        cpu.setdefault(action, []).append(spent * 1000)
        queries.setdefault(action, []).append(len(captured.captured_queries))
        if show_sql and action not in shown:
            shown.add(action)
            print(f"-- {action}")
            for query in captured.captured_queries:
                print("  ", query["sql"][:300])
        return panel

    # Warm up: one pass of every desk, not counted.
    for browser in browsers:
        browser.act("next")
        browser.act("finish", outcome="served")
    step = 0
    for _round in range(rounds):
        for k in range(len(browsers) // 4):
            kiosk = kiosks[(k + _round) % len(kiosks)]
            printed = timed(kiosk, "issue", service=kinds[(k + _round) % len(kinds)].pk)
            timed(kiosk, "print", path=printed)
        # Phones in the queue poll their ticket's live part; boards their feed (both changed).
        for _label, token in data["backlog"][_round * 10 : _round * 10 + 10]:
            timed(kiosks[0], "status", path=f"/cnap/tickets/{token}/status/")
        timed(kiosks[1], "board", path=f"/cnap/board/{data['office']}/feed/")
        for browser in browsers:
            step += 1
            panel = timed(browser, "next")
            if IN_HAND.search(panel) is None:
                continue
            if step % 7 == 0:
                timed(browser, "recall")
                timed(browser, "recall")
                timed(browser, "no-show")
                continue
            if step % 5 == 0:
                timed(browser, "recall")
            timed(browser, "start")
            if step % 11 == 0:
                timed(browser, "transfer", to_service=str(consultation))
                continue
            timed(browser, "finish", outcome="served")
    if profiler:
        profiler.dump_stats(profile)
    print(f"{'action':10} {'count':>6} {'CPU ms mean':>12} {'median':>8} {'queries':>8}")
    total_ms, total_n, total_q = 0.0, 0, 0
    for action in (
        "next",
        "recall",
        "start",
        "finish",
        "no-show",
        "transfer",
        "issue",
        "print",
        "status",
        "board",
    ):
        values = sorted(cpu.get(action, []))
        if not values:
            continue
        mean = sum(values) / len(values)
        q = queries[action]
        if action not in ("issue", "print", "status", "board"):
            total_ms += sum(values)
            total_n += len(values)
            total_q += sum(q)
        print(
            f"{action:10} {len(values):6d} {mean:12.2f} {values[len(values) // 2]:8.2f} "
            f"{sum(q) / len(q):8.1f}"
        )
    print(f"{'console':10} {total_n:6d} {total_ms / total_n:12.2f} {'':8} {total_q / total_n:8.1f}")
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
