"""
Residents' text shows as text on maps and in script-built parts of pages.

Every free-text field that reaches a map or an element our scripts build is
filled with markup that would set `window.__xss` if it ran. The pages are then
opened in Chromium; markers, clusters, tooltips and popups are hovered and
clicked; the flag must stay unset and the markup must read as plain text.
No tile server is named, and no request may leave the machine.
"""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client

from hromada.appeals import services as appeals
from hromada.appeals.models import Category
from hromada.budget import services as budget
from hromada.core.models import Identity, Settlement, StaffRole, Street
from hromada.core.services import issue_api_token
from hromada.petitions import services as petitions
from hromada.petitions.models import Topic
from tests.budget.helpers import POINT, draft, make_category, make_cycle
from tests.factories import client_for, make_department, make_resident, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

IMG = '<img src=x onerror="window.__xss=1">'
SVG = '<svg onload="window.__xss=1">'
SCRIPT = '"><script>window.__xss=1</script>'
LINK = "javascript:window.__xss=1"

# A point of the test territory (tests/factories.SQUARE) and two more a few
# dozen metres away: one cluster on the city map, all "nearby" one another.
LAT, LON = 46.3001, 30.6552
NEAR = [(LAT, LON), (LAT + 0.0003, LON), (LAT, LON + 0.0004)]

# Elements the payloads would leave behind if any of them were parsed as HTML.
INJECTED = """() => Array.from(document.querySelectorAll("[onerror], [onload], script, a[href]"))
    .filter((e) => e.tagName !== "SCRIPT" || e.type !== "application/json")
    .filter((e) => /__xss/.test(
        (e.getAttribute("onerror") || "") + (e.getAttribute("onload") || "") +
        (e.tagName === "SCRIPT" ? e.textContent : "")) ||
        /^\\s*javascript:/i.test(e.getAttribute("href") || ""))
    .map((e) => e.outerHTML)"""


class Watch:
    """The page, plus what it tried to fetch elsewhere and the script errors it raised."""

    def __init__(self, page, base: str):
        self.page, self.base = page, base
        self.outside: list[str] = []
        self.errors: list[str] = []
        page.route("**/*", self._route)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base) or url.startswith("data:"):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def open(self, path: str):
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, path
        self.page.wait_for_load_state("networkidle")
        return self.page

    def assert_inert(self) -> None:
        """Fail if a payload ran, left an element behind, or the page broke or went out."""
        page = self.page
        assert page.evaluate("() => typeof window.__xss") == "undefined", page.url
        assert page.evaluate(INJECTED) == [], page.url
        assert self.errors == [], page.url
        assert self.outside == [], page.url

    def text(self) -> str:
        return self.page.locator("body").inner_text()


@pytest.fixture
def watch(page, live_server, settings):
    settings.HROMADA_MAP_TILES = ""  # no tiles: nothing leaves the machine
    return Watch(page, live_server.url)


def log_in(page, base: str, resident) -> None:
    """Give the browser the session cookie of a logged-in resident."""
    client = Client()
    client.force_login(resident, backend="hromada.core.auth.ResidentBackend")
    name = django_settings.SESSION_COOKIE_NAME
    page.context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": base}])


def open_popups(page, markers: str) -> list[str]:
    """Click each marker in turn; return the text of each popup, which holds no markup."""
    seen = []
    for index in range(page.locator(markers).count()):
        page.locator(markers).nth(index).click()
        content = page.locator(".leaflet-popup-content")
        content.wait_for()
        assert content.locator("img, svg, script").count() == 0
        seen.append(content.inner_text())
        page.locator(".leaflet-popup-close-button").click()
        content.wait_for(state="detached")
    return seen


# -- participatory budget -------------------------------------------------------


def test_budget_maps_show_project_titles_as_text(watch, community):
    """Project popups on the list map and the tooltip on a project's map hold its title as text."""
    settlement = Settlement.objects.filter(community=community).first()
    cycle = make_cycle(community)
    category = make_category(cycle, name=f"Малі {SCRIPT}")
    author = make_resident(community)
    # The reported case: a title submitted through the API.
    key = issue_api_token(resident=author, name="test")[1]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    created = client_for().post(
        f"/api/v1/budget/cycles/{cycle.pk}/projects",
        {
            "category": category.pk,
            "title": f"Сквер {IMG}",
            "problem": SVG,
            "description": SCRIPT,
            "beneficiaries": LINK,
            "settlement": settlement.pk,
            "address": f"{LINK} {IMG}",
            "items": [{"name": "Лавки", "quantity": "1", "unit_price": "50000"}],
            **POINT,
        },
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    first = created.json()["id"]
    submitted = client_for().post(f"/api/v1/budget/projects/{first}/submit", **headers)
    assert submitted.status_code == 200, submitted.content
    second = draft(author, category, title=f"Парк {SVG} {SCRIPT}", lat=46.33, lon=30.62)
    budget.submit_project(resident=author, project=second)
    titles = [f"№1 Сквер {IMG}", f"№2 Парк {SVG} {SCRIPT}"]

    page = watch.open(f"/budget/{cycle.pk}/projects/")
    markers = 'path.leaflet-interactive[fill="#ffd500"]'
    page.locator(markers).first.wait_for()
    assert sorted(open_popups(page, markers)) == titles
    assert all(title in watch.text() for title in titles)
    watch.assert_inert()

    page = watch.open(f"/budget/projects/{first}/")
    page.locator(markers).hover()
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert tooltip.inner_text() == titles[0]
    assert tooltip.locator("img, svg, script").count() == 0
    text = watch.text()
    for shown in (titles[0], SVG, SCRIPT, LINK, f"{LINK} {IMG}", category.name):
        assert shown in text
    watch.assert_inert()


# -- Open City: the map, a report's page, the place step of the wizard ----------


@pytest.fixture
def reports(community):
    """Three open reports, a few metres apart, with markup in every text of theirs."""
    appeals.install_default_categories(community=community)
    # Staff name categories in the back office.
    category = Category.objects.get(community=community, service_code="light-out")
    category.name = f"Ліхтар {SVG}"
    category.save(update_fields=["name"])
    author = make_resident(community, level=Identity.EMAIL)
    texts = [(IMG, f"вулиця {SCRIPT}"), (SCRIPT, LINK), (f"{SVG} {LINK}", f"двір {IMG}")]
    found = [
        appeals.submit_report(
            community=community,
            category=category,
            author=author,
            description=description,
            address=address,
            lat=lat,
            lon=lon,
        )
        for (description, address), (lat, lon) in zip(texts, NEAR, strict=True)
    ]
    department = make_department(community, f"Відділ {IMG}")
    moderator = make_staff(community, StaffRole.Role.MODERATOR)
    found[0] = appeals.accept_appeal(
        appeal=found[0], moderator=moderator, department=department, note=SVG
    )
    return found


def test_appeals_map_shows_categories_and_counts_as_text(watch, reports):
    """The city map's cluster shows a count and its popups the category name, as text."""
    name = reports[0].category.name
    page = watch.open("/appeals/")
    page.locator("#map-status").filter(has_text="3").wait_for()
    assert page.locator(".marker-cluster").inner_text().strip() == "3"
    markers = 'path.leaflet-interactive[stroke="#ffffff"]'
    # Each click zooms in (or spreads the markers at the last zoom) until all show.
    for _attempt in range(6):
        if page.locator(markers).count() == len(reports):
            break
        page.locator(".marker-cluster").first.click()
        page.wait_for_timeout(700)
    popups = open_popups(page, markers)
    assert len(popups) == len(reports)
    assert all(text.startswith(f"{name}\n") for text in popups)
    watch.assert_inert()

    page = watch.open("/appeals/list/")
    text = watch.text()
    assert name in text
    assert all(report.address in text for report in reports)
    watch.assert_inert()


def test_report_page_shows_its_texts_as_text(watch, reports):
    """A report's page and its marker carry the address, texts and department as text."""
    report = reports[0]
    page = watch.open(f"/appeals/{report.pk}/")
    marker = page.locator(".leaflet-marker-icon")
    marker.wait_for()
    assert marker.get_attribute("title") == report.address
    marker.hover()
    text = watch.text()
    for shown in (report.category.name, report.description, report.address, SVG):
        assert shown in text
    assert report.department.name in text
    assert page.locator("h1").inner_text() == report.category.name
    watch.assert_inert()


def test_place_step_shows_streets_and_nearby_reports_as_text(watch, community, reports):
    """Street search results and the reports found nearby are built from text nodes."""
    settlement = Settlement.objects.create(
        community=community, name=f"Село {SCRIPT}", kind="village"
    )
    # The street registry is loaded by staff; its names come from outside too.
    street = Street.objects.create(
        settlement=settlement, name=f"вулиця Парусна {SVG}", lat=LAT, lon=LON
    )
    log_in(watch.page, watch.base, make_resident(community, level=Identity.EMAIL))
    page = watch.open(f"/appeals/report/{reports[0].category.service_code}/")
    page.locator("#street-query").fill("Парусна")
    choice = page.locator("#street-results button")
    choice.wait_for()
    assert choice.inner_text() == str(street)
    choice.click()
    nearby = page.locator("#nearby-live li a")
    nearby.first.wait_for()
    assert nearby.count() == len(reports)
    shown = "\n".join(nearby.all_inner_texts())
    assert all(report.address in shown for report in reports)
    assert page.locator("#nearby-live").locator("img, svg, script").count() == 0
    watch.assert_inert()


# -- petitions ----------------------------------------------------------------


def test_petition_pages_show_titles_and_names_as_text(watch, community):
    """A petition's title, topic and signer's name stay text, also after htmx signs."""
    from hromada.petitions.views import PAGES

    PAGES.clear()
    author = make_resident(community)
    topic = Topic.objects.create(community=community, name=f"Дороги {SVG}")
    petition = petitions.create_petition(
        community=community,
        author=author,
        title=f"Перехід {IMG} {SCRIPT}",
        text=f"Просимо облаштувати пішохідний перехід біля школи. {SVG} {LINK} " * 3,
        topic_id=topic.pk,
    )
    petitions.submit_petition(petition=petition, author=author)
    petition = petitions.publish_petition(
        petition=petition,
        moderator=make_staff(community, StaffRole.Role.MODERATOR),
        department=make_department(community, f"Управління {SCRIPT}"),
    )
    signer = make_resident(community, full_name=f"Іваненко {IMG}")

    page = watch.open("/petitions/")
    assert petition.title in watch.text()
    watch.assert_inert()

    log_in(page, watch.base, signer)
    page = watch.open(f"/petitions/{petition.pk}/")
    text = watch.text()
    assert petition.title in text
    assert topic.name in text
    # htmx swaps in the answer to the signature: server-rendered, escaped.
    page.locator("#sign-box button[type=submit]").click()
    page.locator("#sign-box .message-success").wait_for()
    watch.assert_inert()

    watch.open(f"/petitions/{petition.pk}/signers/")
    assert signer.full_name in watch.text()
    watch.assert_inert()


# -- service centre (ЦНАП) -------------------------------------------------------


def test_cnap_names_and_addresses_stay_text_on_kiosk_board_ticket_and_console(watch, community):
    """
    A service's name and card, an office's name and address, a life situation
    and a priority category full of markup: the kiosk, the printed ticket, the
    board (built by board.js from its feed), the ticket page (htmx) and the
    operator's panel (htmx) show them as text.
    """
    from hromada.cnap import services as cnap
    from hromada.cnap.models import Desk, LifeSituation, Office, PriorityCategory
    from tests.cnap.conftest import make_office, make_service

    office = make_office(community, name=f"ЦНАП {SCRIPT}")
    Office.objects.filter(pk=office.pk).update(address=f"вул. {IMG} {LINK}")
    office.refresh_from_db()
    situation = LifeSituation.objects.create(
        community=community, name=f"Переїзд {SVG}", slug="moving"
    )
    service = make_service(
        community,
        f"Паспорт {IMG} {SCRIPT}",
        "X-1",
        documents=f"Свідоцтво {SVG}\n{LINK}",
        result=f"Паспорт {SVG}",
        term=f"20 днів {IMG}",
        cost=f"{SCRIPT} 300 грн",
        provider_name=f"ДМС {IMG}",
    )
    service.life_situations.add(situation)
    PriorityCategory.objects.create(community=community, name=f"Ветерани {IMG}")
    operator = make_staff(community, "cnap_operator")
    operator.full_name = f"Оператор {SVG}"
    operator.save(update_fields=["full_name"])
    desk = Desk.objects.create(office=office, number=7, operator=operator)
    desk.services.add(service)

    for path in ["/cnap/", f"/cnap/?q={service.name[:6]}", service.get_absolute_url()]:
        watch.open(path)
        assert service.name in watch.text()
        watch.assert_inert()
    watch.open(office.get_absolute_url())
    assert office.address in watch.text()
    watch.assert_inert()
    watch.open(f"/cnap/services/{service.pk}/join-by-phone/")
    watch.assert_inert()

    # The kiosk prints a ticket for the service.
    page = watch.open(f"/cnap/kiosk/{office.pk}/?situation=moving")
    assert situation.name in watch.text()
    page.locator("button[name=service]").first.click()
    page.wait_for_load_state("networkidle")
    assert service.name in watch.text() and office.name in watch.text()
    watch.assert_inert()

    # The board takes the call from its feed.
    watch.open(f"/cnap/board/{office.pk}/")
    ticket = cnap.call_next(desk=desk, actor=operator)
    page.wait_for_function(
        "label => document.getElementById('board-recent').textContent.includes(label)",
        arg=f"{ticket.label} → 7",
        timeout=5000,
    )
    assert office.name in watch.text()
    watch.assert_inert()
    watch.open(ticket.get_absolute_url())
    assert service.name in watch.text()
    watch.assert_inert()

    # The operator's panel is swapped in by htmx.
    log_in(page, watch.base, operator)
    page = watch.open(f"/cnap/console/desks/{desk.pk}/")
    assert service.name in watch.text()
    page.locator("button[data-key=s]").click()
    page.locator("button[data-key=s]").wait_for(state="detached", timeout=5000)
    assert service.name in watch.text()
    watch.assert_inert()


# -- public consultations -----------------------------------------------------------


def test_consultation_texts_stay_text_on_every_page(watch, community):
    """
    Markup in a consultation's title, an article, a comment, an official reply,
    an amendment (shown as a redline), survey options and free-text answers, and
    a hearing's agenda reads as text on every public and staff page, in the
    charts' SVG, and in the report's JSON.
    """
    import json

    from tests.browser.test_consultations import build, public_paths, staff_paths

    mark = f"{IMG} {SCRIPT} {SVG}"
    built = build(community, mark=mark)
    texts = {
        f"/consultations/{built.draft.pk}/": built.draft.title,
        f"/consultations/{built.draft.pk}/articles/st-3/": "Раніше — чистіше",
        f"/consultations/{built.closed.pk}/results/": f"Центр {mark}",
        f"/consultations/{built.hearing.pk}/": built.hearing.agenda,
    }
    for path in public_paths(built):
        watch.open(path)
        if path in texts:
            assert texts[path] in watch.text(), path
        watch.assert_inert()
    # The redline marks the change word by word, each word still text.
    watch.open(f"/consultations/{built.draft.pk}/articles/st-3/")
    assert watch.page.locator("ins, del").count() > 0
    watch.assert_inert()

    resident = make_resident(community)
    log_in(watch.page, watch.base, resident)
    watch.open(f"/consultations/{built.survey.pk}/survey/")
    assert f"Щодня {mark}" in watch.text()
    watch.assert_inert()

    watch.page.context.clear_cookies()
    log_in(watch.page, watch.base, built.moderator)
    for path in staff_paths(built):
        watch.open(path)
        watch.assert_inert()

    # The frozen report as JSON keeps the markup as data, never as markup to run.
    report = Client().get(f"/consultations/{built.closed.pk}/report.json")
    document = json.loads(
        b"".join(report.streaming_content) if report.streaming else report.content
    )
    assert document["consultation"]["title"] == built.closed.title
    assert document["proposals"][0]["reason"] == f"Частково {mark}"
    assert report["Content-Type"].startswith("application/json")
