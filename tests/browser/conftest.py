"""
Headless Chromium (Debian's package) driven by Playwright, with axe-core.

`assert_accessible(page)` runs axe-core's WCAG 2.0/2.1 A and AA rules on the
loaded page and fails with the list of violations.
"""

import os
import shutil
import time
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run `bash scripts/ensure-chromium.sh`.")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser, live_server, settings):
    settings.ALLOWED_HOSTS = ["*"]
    context = browser.new_context(locale="uk-UA", viewport={"width": 390, "height": 844})
    opened = context.new_page()
    opened.set_default_timeout(15000)
    yield opened
    context.close()


def while_page_polls(write):
    """
    Run `write` from the test while a page keeps polling the live server.

    The SQLite test database is an in-memory one shared between threads, and
    shared-cache SQLite locks whole tables: a write that meets the server
    thread's read fails at once with "database table is locked" instead of
    waiting. Production SQLite is a file and waits; here the write is retried.
    """
    from django.db import OperationalError

    for _ in range(100):
        try:
            return write()
        except OperationalError as error:
            if "locked" not in str(error):
                raise
            time.sleep(0.05)
    return write()


def assert_accessible(page) -> None:
    """Fail if axe-core finds WCAG 2.1 A/AA violations on the current page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
        })"""
    )
    violations = [
        f"{v['id']}: {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]
    assert violations == [], f"{page.url}\n" + "\n".join(violations)
