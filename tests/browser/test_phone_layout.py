"""
Every page fits a phone: nothing scrolls sideways at 360 px.

The crawl loads the demo once and, from the home page, follows the site's own
links as a visitor, a resident, a moderator, department staff and the
administrator, skipping log-out, downloads, the API and the back office. It
takes two pages of each kind (numbers in the address count as one kind, and a
few of a folder's many pages stand for the rest), opens them in a 360×740
window, and fails with every page wider than the window, naming the elements
that stick out. A later visitor opens a page again only where its main part has
elements that the earlier visitors' pages of that kind lacked.
"""

import re
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from hromada.core.models import Resident
from tests.factories import client_for, make_community, make_resident

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
VISITORS = [
    None,
    "resident@chornomorsk.demo",
    "moderator@chornomorsk.demo",
    "staff@chornomorsk.demo",
    "admin@chornomorsk.demo",
]
PAGES_PER_VISITOR = 150
PAGES_PER_KIND = 2  # e.g. two petitions, two budget cycles: their data differ
PAGES_PER_FOLDER = 8  # /appeals/report/<category>/: a few stand for them all
SKIP = re.compile(
    r"^/(admin|api|i18n|static|media)/"
    r"|/log-out/|/identity/start/"  # leaves the session or the site
    r"|[?&]format=|\.(csv|json|geojson|pb|pdf|xml|zip|ics|txt)$"
)

# The elements that stick out of the window, outermost first: boxes whose
# parent fits, and text running out of a box that fits. Content inside a box
# that scrolls or clips (a table in .table-wrap) does not count.
MEASURE = """() => {
  const inner = window.innerWidth;
  const clipped = (node) => {
    for (let up = node.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const name = (el) => {
    if (el.id) return el.tagName.toLowerCase() + "#" + el.id;
    const classes = [...el.classList].slice(0, 2).map((c) => "." + c).join("");
    return el.tagName.toLowerCase() + classes;
  };
  const selector = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      parts.unshift(name(e));
      if (e.id) break;
    }
    return parts.join(" > ");
  };
  const wide = [];
  if (document.documentElement.scrollWidth > inner) {
    for (const el of document.body.querySelectorAll("*")) {
      const box = el.getBoundingClientRect();
      if (box.right <= inner + 0.5 || box.width === 0 || clipped(el)) continue;
      if (el.parentElement !== document.body
          && el.parentElement.getBoundingClientRect().right > inner + 0.5) continue;
      wide.push([selector(el), box.right, box.width]);
    }
    const range = document.createRange();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      if (!text.textContent.trim() || clipped(text)) continue;
      range.selectNodeContents(text);
      const box = range.getBoundingClientRect();
      if (box.right <= inner + 0.5) continue;
      if (text.parentElement.getBoundingClientRect().right > inner + 0.5) continue;
      wide.push([selector(text.parentElement) + " (text)", box.right, box.width]);
    }
  }
  wide.sort((a, b) => b[1] - a[1]);
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: inner,
    wide: wide.map(([s, right, width]) => `${s} ${Math.round(width)} px wide, to ${Math.round(right)} px`),
  };
}"""


def kind(url: str) -> str:
    """The page's kind: its address with numbers as N and the query's names only."""
    parts = urlsplit(url)
    names = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return re.sub(r"\d+", "N", parts.path) + ("?" + ",".join(names) if names else "")


class Markup(HTMLParser):
    """A page's links, and the shape of its main part: its elements and their classes."""

    def __init__(self, html: str):
        super().__init__()
        self.links: list[str] = []
        self.shape: set[tuple[str, str]] = set()
        self.in_main = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href") and "download" not in attrs:
            self.links.append(attrs["href"])
        self.in_main = self.in_main or tag == "main"
        if self.in_main:
            self.shape.add((tag, attrs.get("class") or ""))

    def handle_endtag(self, tag):
        self.in_main = self.in_main and tag != "main"


def crawl(client, page, base: str, measured: dict) -> tuple[int, list[str]]:
    """
    Walk the site's pages as the client's visitor, and open in the phone window
    those that no earlier visitor opened or whose main part has a new shape (and
    the home page, for the visitor's own menu); return how many were opened and
    those too wide. The walk goes through the test client, much cheaper than a
    browser; `measured` keeps each kind's addresses and shapes across visitors.
    """
    queue, queued = deque(["/"]), {"/"}
    kinds, folders, walked, opened, too_wide = Counter(), {}, 0, 0, []
    while queue and walked < PAGES_PER_VISITOR:
        url = queue.popleft()
        path = kind(url.split("?")[0])
        folder = folders.setdefault(path.rstrip("/").rsplit("/", 1)[0], set())
        if kinds[kind(url)] >= PAGES_PER_KIND or (
            path not in folder and len(folder) >= PAGES_PER_FOLDER
        ):
            continue
        kinds[kind(url)] += 1
        folder.add(path)
        walked += 1
        response = client.get(url)
        if response.has_header("Location"):
            links = [response["Location"]]
        elif response.streaming or "text/html" not in response.get("Content-Type", ""):
            continue  # a download
        else:
            markup = Markup(response.content.decode())
            links = markup.links
            urls, shapes = measured.setdefault(kind(url), (set(), []))
            new_shape = not any(markup.shape <= shape for shape in shapes)
            if url == "/" or url not in urls or new_shape:
                urls.add(url)
                shapes.append(markup.shape)
                opened += 1
                page.goto(base + url)
                found = page.evaluate(MEASURE)
                if found["scrollWidth"] > found["innerWidth"]:
                    elements = list(dict.fromkeys(found["wide"]))[:5] or ["(none found)"]
                    too_wide.append(
                        f"{url} is {found['scrollWidth']} px wide:\n    " + "\n    ".join(elements)
                    )
        for link in links:
            parts = urlsplit(urljoin("http://site" + url, link))
            link = parts.path + ("?" + parts.query if parts.query else "")
            if parts.netloc != "site" or link in queued or SKIP.search(link):
                continue
            queued.add(link)
            queue.append(link)
    return opened, too_wide


def test_every_page_fits_a_phone(browser, live_server, settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.HROMADA_MAP_TILES = ""  # no request leaves the machine
    call_command("seed_demo", verbosity=0)
    base = live_server.url
    host = urlsplit(base).netloc
    measured, report, total = {}, [], 0
    for email in VISITORS:
        resident = Resident.objects.get(email=email) if email else None
        client = client_for(resident, host=host)
        context = browser.new_context(locale="uk-UA", viewport=PHONE)
        context.route(re.compile(rf"^(?!{re.escape(base)}/|data:)"), lambda route: route.abort())
        if resident:
            session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
            context.add_cookies(
                [{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": base}]
            )
        page = context.new_page()
        page.set_default_timeout(15000)
        opened, too_wide = crawl(client, page, base, measured)
        context.close()
        total += opened
        report += [f"[{email or 'visitor'}] {line}" for line in too_wide]
    # Each visitor's own pages were reached: the staff's queues, the resident's own lists.
    reached = set(measured)
    for expected in ["/petitions/N/", "/budget/N/vote/N/", "/appeals/mine/", "/appeals/staff/N/"]:
        assert expected in reached, sorted(reached)
    summary = f"{len(report)} of {total} pages scroll sideways at 360 px:\n"
    assert report == [], summary + "\n".join(report)


def test_map_page_shows_the_map_on_the_first_screen(browser, live_server, settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.HROMADA_MAP_TILES = ""
    make_community("chornomorsk")
    context = browser.new_context(locale="uk-UA", viewport=PHONE)
    page = context.new_page()
    page.goto(live_server.url + "/appeals/")
    box = page.locator("#map").bounding_box()
    context.close()
    # At least 200 px of the map, most of it, above the fold.
    assert box["height"] >= 250
    assert box["y"] + 200 <= PHONE["height"], box


def test_menu_folds_behind_one_button_on_a_phone(browser, live_server, settings):
    settings.ALLOWED_HOSTS = ["*"]
    community = make_community("chornomorsk")
    resident = make_resident(community)
    context = browser.new_context(locale="uk-UA", viewport=PHONE)
    session = client_for(resident).cookies[django_settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(live_server.url + "/")
    profile = page.get_by_role("link", name="Мій профіль")
    button = page.get_by_role("button", name="Меню")

    # One row: the community's name and the button; the menu hidden until asked for.
    assert page.locator(".site-header").bounding_box()["height"] <= 80
    assert profile.is_hidden()
    assert button.get_attribute("aria-expanded") == "false"

    button.click()
    assert profile.is_visible()
    assert button.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    assert profile.is_hidden()
    assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")

    # On a wide screen the whole menu shows and the button does not.
    page.set_viewport_size({"width": 1280, "height": 800})
    assert profile.is_visible()
    assert button.is_hidden()
    context.close()
