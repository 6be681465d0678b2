"""
The production configuration serves every page: a crawl through gunicorn.

In a temporary folder the release steps of docs/deploy.md run with
HROMADA_ENV=production (hashed static files, secure cookies, HSTS, CSP) on
SQLite, the demo is loaded, and gunicorn starts with the command line the
guide prescribes. Then visitors (anonymous, and the demo staff, moderator and
administrator logged in through the real form) follow every link of the site
as the reverse proxy would pass them on: no page may answer 5xx, every HTML
page carries the security headers, and every static file a page names is
there.
"""

import os
import re
import shlex
import socket
import subprocess
import sys
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from django.conf import settings

pytestmark = [pytest.mark.slow, pytest.mark.once]

BASE_DOMAIN = "hromada.test"
COMMUNITIES = ["chornomorsk", "pivdenne"]
DEMO_PASSWORD = "hromada-demo-2026"
LOGINS = ["staff@chornomorsk.demo", "moderator@chornomorsk.demo", "admin@chornomorsk.demo"]
PAGES_PER_VISIT = 300  # per visitor and community
# Every kind of page, not every page: /appeals/421/ and /appeals/420/?page=2
# are one kind (the path, its segments with digits aside); two of each will do.
PAGES_PER_KIND = 2
SKIPPED = re.compile(r"log-?out|/media/")
SECURITY_HEADERS = {
    "Strict-Transport-Security": re.compile(r"^max-age=\d{7,}"),
    "Content-Security-Policy": re.compile(r"(^|; )default-src 'self'(;|$)"),
    "X-Frame-Options": re.compile(r"^DENY$"),
    "X-Content-Type-Options": re.compile(r"^nosniff$"),
    "Referrer-Policy": re.compile(r"^[a-z-]+$"),
}
TIMEOUT = 30


def deployment_gunicorn(bind: str) -> list[str]:
    """Return the app server's command line from docs/deploy.md, bound to `bind`."""
    guide = (Path(settings.BASE_DIR) / "docs" / "deploy.md").read_text()
    line = re.search(r"^ExecStart=(\S*/gunicorn .*)$", guide, re.MULTILINE).group(1)
    words = shlex.split(line)
    words[words.index("--bind") + 1] = bind
    return [sys.executable, "-m", "gunicorn", *words[1:]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Links(HTMLParser):
    """Collect the links to follow and the static files a page names."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.assets: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        for name in ("src", "href"):
            if values.get(name, "") and values[name].startswith("/static/"):
                self.assets.append(values[name])


class Visitor:
    """A browser of one community: its cookies, the pages it saw, what went wrong."""

    def __init__(self, server: str, host: str, name: str):
        self.server, self.host, self.name = server, host, name
        self.origin = f"https://{host}"
        self.cookies: dict[str, str] = {}
        self.http = requests.Session()

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {
            # What nginx passes on (docs/deploy.md): the site is HTTPS to Django.
            "Host": self.host,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "198.51.100.7",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Accept-Language": "uk",
            **kwargs.pop("headers", {}),
        }
        # The cookies are Secure and name the public host, not 127.0.0.1: a
        # requests jar would not send them, so they are kept by hand.
        response = self.http.request(
            method,
            self.server + path,
            headers=headers,
            allow_redirects=False,
            timeout=TIMEOUT,
            **kwargs,
        )
        for header in response.raw.headers.getlist("Set-Cookie"):
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def log_in(self, email: str) -> None:
        """Log in through the log-in form, with its CSRF token, as a browser does."""
        form = self.request("GET", "/accounts/log-in/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        answer = self.request(
            "POST",
            "/accounts/log-in/",
            data={"csrfmiddlewaretoken": token, "username": email, "password": DEMO_PASSWORD},
            headers={"Origin": self.origin, "Referer": f"{self.origin}/accounts/log-in/"},
        )
        assert answer.status_code == 302, f"{email}: log-in answered {answer.status_code}"
        assert "sessionid" in self.cookies, email


class Crawl:
    """Follow a community's links from its home page and note every failure."""

    def __init__(self, visitor: Visitor):
        self.visitor = visitor
        self.failures: list[str] = []
        self.assets: set[str] = set()
        self.seen: set[str] = set()
        self.kinds: dict[str, int] = {}
        self.pages = 0

    def fetch(self, path: str) -> list[str]:
        """Return the same-site links of the page at `path` after checking it."""
        try:
            response = self.visitor.request("GET", path, stream=True)
        except requests.RequestException as error:
            self.failures.append(f"{self.visitor.name} {path}: {error}")
            return []
        with response:
            where = f"{self.visitor.name} {self.visitor.host}{path}"
            if response.status_code >= 500:
                self.failures.append(f"{where}: HTTP {response.status_code}")
            if response.is_redirect:
                return [response.headers["Location"]]
            if "text/html" not in response.headers.get("Content-Type", ""):
                # Downloads (exports, PDFs, photos): the first bytes are enough.
                next(response.iter_content(65536), b"")
                return []
            for header, expected in SECURITY_HEADERS.items():
                if not expected.search(response.headers.get(header, "")):
                    self.failures.append(f"{where}: {header} is {response.headers.get(header)!r}")
            page = Links()
            page.feed(response.text)
        self.assets.update(page.assets)
        return page.links

    def same_site(self, base: str, link: str) -> str | None:
        """Return the path of a link on this community's site, or None."""
        url = urlsplit(urljoin(f"{self.visitor.origin}{base}", link))
        if url.scheme != "https" or url.hostname != self.visitor.host:
            return None
        if SKIPPED.search(url.path) or url.path.startswith("/static/"):
            return None
        return url.path + (f"?{url.query}" if url.query else "")

    def new_kind(self, path: str) -> bool:
        """Count a page of its kind; False once enough of that kind are queued."""
        kind = re.sub(r"[^/]*\d[^/]*", "N", urlsplit(path).path)
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        return self.kinds[kind] <= PAGES_PER_KIND

    def run(self, workers: int = 4) -> None:
        frontier = deque(["/"])
        self.seen.add("/")
        with ThreadPoolExecutor(workers) as pool:
            while frontier and self.pages < PAGES_PER_VISIT:
                batch = [
                    frontier.popleft()
                    for _ in range(min(len(frontier), PAGES_PER_VISIT - self.pages))
                ]
                self.pages += len(batch)
                for base, links in zip(batch, pool.map(self.fetch, batch), strict=True):
                    for link in links:
                        path = self.same_site(base, link)
                        if path and path not in self.seen:
                            self.seen.add(path)
                            if self.new_kind(path):
                                frontier.append(path)


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """Release the project into a temporary folder and serve it with gunicorn."""
    root = tmp_path_factory.mktemp("production")
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DJANGO_SETTINGS_MODULE",
            "HROMADA_TESTING",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "DATABASE_URL",
            "REDIS_URL",
            "EMAIL_URL",
            "DEBUG",
        }
    }
    env.update(
        HROMADA_ENV="production",
        SECRET_KEY="production-crawl-" + "k" * 50,
        HROMADA_VAR_DIR=str(root / "var"),
        DATABASE_URL=f"sqlite:///{root / 'hromada.sqlite3'}",
        STATIC_ROOT=str(root / "static"),
        MEDIA_ROOT=str(root / "media"),
        PRIVATE_MEDIA_ROOT=str(root / "private-media"),
        ALLOWED_HOSTS=f".{BASE_DOMAIN}",
        HROMADA_BASE_DOMAIN=BASE_DOMAIN,
        HROMADA_TRUSTED_PROXIES="127.0.0.1",
        LOG_LEVEL="WARNING",
    )
    timings = {}

    def release(*steps: list[str]) -> None:
        for step in steps:
            started = time.monotonic()
            done = subprocess.run(
                [sys.executable, "-m", "hromada", *step],
                env=env,
                cwd=settings.BASE_DIR,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, f"{step[0]}:\n{done.stdout}\n{done.stderr}"
            timings[step[0]] = round(time.monotonic() - started, 1)

    # The files and the database don't depend on each other: two lines at once.
    with ThreadPoolExecutor(2) as pool:
        files = pool.submit(release, ["compilecatalogues"], ["collectstatic", "--noinput", "-v0"])
        release(["migrate", "--noinput", "-v0"], ["seed_demo", "-v0"])
        files.result()
    print("release steps, seconds:", timings)

    port = free_port()
    log = (root / "gunicorn.log").open("w")
    server = subprocess.Popen(
        deployment_gunicorn(f"127.0.0.1:{port}"),
        env=env,
        cwd=settings.BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (root / "gunicorn.log").read_text()
            try:
                health = requests.get(
                    f"{base}/healthz", headers={"Host": f"www.{BASE_DOMAIN}"}, timeout=10
                )
                if health.status_code == 200:
                    break
            except requests.RequestException:
                pass  # not listening yet, or the worker still loading
            assert time.monotonic() < deadline, (root / "gunicorn.log").read_text()[-3000:]
            time.sleep(0.3)
        yield base, root / "gunicorn.log"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_every_page_of_the_demo_answers_with_the_security_headers(production):
    server, log = production
    crawls = [Crawl(Visitor(server, f"{slug}.{BASE_DOMAIN}", "anonymous")) for slug in COMMUNITIES]
    for email in LOGINS:
        visitor = Visitor(server, f"chornomorsk.{BASE_DOMAIN}", email)
        visitor.log_in(email)
        crawls.append(Crawl(visitor))

    started = time.monotonic()
    for crawl in crawls:
        crawl.run()
    print(
        f"crawled {[crawl.pages for crawl in crawls]} pages in {time.monotonic() - started:.0f} s"
    )

    failures = [failure for crawl in crawls for failure in crawl.failures]
    assets = set().union(*(crawl.assets for crawl in crawls))
    anonymous = crawls[0].visitor
    for asset in sorted(assets):
        answer = anonymous.request("GET", asset)
        if answer.status_code != 200:
            failures.append(f"static {asset}: HTTP {answer.status_code}")
    assert failures == [], "\n".join(failures) + "\n\n" + log.read_text()[-3000:]

    # The crawl saw the site: the logged-in visitors reached pages of their roles.
    assert all(crawl.pages >= 30 for crawl in crawls), [crawl.pages for crawl in crawls]
    for crawl in crawls[2:]:
        assert "/staff/" in crawl.seen, crawl.visitor.name
    assert "/admin/" in crawls[-1].seen
    assert any(re.search(r"/static/.+\.[0-9a-f]{12}\.css$", asset) for asset in assets), assets


def test_an_upload_over_the_limit_is_refused_before_gunicorn_reads_it(production):
    """50 MB declared, 1 KB sent: gunicorn answers 413 at once, not after the rest."""
    server, _ = production
    host = f"chornomorsk.{BASE_DOMAIN}"
    address = urlsplit(server)
    head = (
        "POST /appeals/report/light-out/details/ HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        "X-Forwarded-Proto: https\r\n"
        f"Origin: https://{host}\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {50 * 1024 * 1024}\r\n"
        "Cookie: csrftoken=abcdefghijklmnopqrstuvwxyz012345\r\n"
        "\r\n"
        '--b\r\nContent-Disposition: form-data; name="photos"; filename="big.jpg"\r\n\r\n'
    ).encode()
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(head + b"\xff" * 1024)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk

    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
