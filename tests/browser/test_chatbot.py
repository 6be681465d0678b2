"""
The web chat in Chromium: used by keyboard alone, replies announced (a polite
live log), no WCAG 2.1 A/AA violations by axe-core; and markup stays text —
in a knowledge base answer, a button's title, an operator's reply and the
resident's own words — in the widget and in the back office's inbox.
"""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client

from hromada.chatbot.models import Chat, KnowledgeEntry
from hromada.chatbot.services import import_knowledge
from hromada.core.models import StaffRole
from tests.browser.conftest import assert_accessible
from tests.factories import make_staff

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

IMG = '<img src=x onerror="window.__xss=1">'
SVG = '<svg onload="window.__xss=1">'
SCRIPT = '"><script>window.__xss=1</script>'

# Elements the payloads would leave behind if any of them were parsed as HTML.
INJECTED = """() => Array.from(document.querySelectorAll("[onerror], [onload], script"))
    .filter((e) => /__xss/.test((e.getAttribute("onerror") || "") +
        (e.getAttribute("onload") || "") + (e.tagName === "SCRIPT" ? e.textContent : "")))
    .map((e) => e.outerHTML)"""

LOG = "#webchat-log"
CHOICES = "#webchat-buttons .webchat-choice"


def log_in(context, base: str, resident) -> None:
    """Give a browser context the session cookie of a logged-in resident."""
    client = Client()
    client.force_login(resident, backend="hromada.core.auth.ResidentBackend")
    name = django_settings.SESSION_COOKIE_NAME
    context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": base}])


def assert_inert(page, errors: list[str]) -> None:
    assert page.evaluate("() => typeof window.__xss") == "undefined", page.url
    assert page.evaluate(INJECTED) == [], page.url
    assert errors == [], page.url


def bot_lines(page) -> list[str]:
    return page.locator(f"{LOG} li.webchat-bot span:not(.visually-hidden)").all_inner_texts()


def wait_for_bot_lines(page, count: int) -> None:
    page.wait_for_function(
        "(n) => document.querySelectorAll('#webchat-log li.webchat-bot').length >= n", arg=count
    )


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable by Tab")


@pytest.fixture
def knowledge(community):
    import_knowledge(
        community=community,
        items=[
            {
                "id": "cnap-hours",
                "question": "Який графік роботи ЦНАП?",
                "variants": ["коли працює цнап", "години роботи центру адмінпослуг"],
                "answer": f"ЦНАП працює з 8:00 до 17:00 {IMG}",
                "tags": ["цнап"],
            }
        ],
        actor=None,
    )
    KnowledgeEntry.objects.filter(community=community).update(
        buttons=[{"title": f"Сайт ЦНАП {SCRIPT}", "url": "/cnap/"}]
    )


def test_the_widget_is_keyboard_usable_announced_and_accessible(page, live_server, community):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + "/chatbot/")
    log = page.locator(LOG)
    assert log.get_attribute("aria-live") == "polite"
    assert log.get_attribute("role") == "log"
    wait_for_bot_lines(page, 1)  # the menu, said into the live log
    page.locator(CHOICES).first.wait_for()
    assert_accessible(page)

    # The menu by keyboard: Tab to the first choice, Enter; the submenu's reply comes into the log.
    tab_to(page, CHOICES)
    page.keyboard.press("Enter")
    wait_for_bot_lines(page, 2)
    # The focus stays among the new choices, so the next one is a Tab away, not a page away.
    assert page.evaluate("() => document.activeElement.matches('.webchat-choice')")
    page.keyboard.press("Space")  # a button takes Space as well
    wait_for_bot_lines(page, 3)

    # Typing: Tab to the field, type, Enter.
    tab_to(page, "#webchat-text")
    page.keyboard.type("Привіт")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('#webchat-log li.webchat-you'))"
        ".some((li) => li.textContent.includes('Привіт'))"
    )
    wait_for_bot_lines(page, 4)
    assert_accessible(page)
    assert errors == []


def test_markup_stays_text_in_the_widget_and_the_inbox(
    page, browser, live_server, community, knowledge
):
    base = live_server.url
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base + "/chatbot/")
    wait_for_bot_lines(page, 1)

    # A knowledge base answer and its button's title, with markup in both.
    page.locator("#webchat-text").fill("Який графік роботи ЦНАП?")
    page.locator("#webchat-text").press("Enter")
    page.get_by_text("ЦНАП працює з 8:00").wait_for()
    assert any(IMG in line for line in bot_lines(page))
    titles = page.locator(CHOICES).all_inner_texts()
    assert any(SCRIPT.strip() in " ".join(title.split()) for title in titles), titles
    assert_inert(page, errors)

    # A person is asked for, and the resident's own words go to the inbox.
    page.locator("#webchat-menu").click()
    page.locator("[data-chat='m:community']").click()
    page.locator("[data-chat='f:chatbot.person']").click()
    page.locator("#webchat-text").wait_for()
    for text in (SVG, IMG):
        with page.expect_response("**/chatbot/chat/send/"):
            page.locator("#webchat-text").fill(text)
            page.locator("#webchat-text").press("Enter")
    said = page.locator(f"{LOG} li.webchat-you").all_inner_texts()
    assert any(SVG in line for line in said) and any(IMG in line for line in said)
    chat = Chat.objects.get(community=community, channel="web")
    assert chat.handover == Chat.Handover.WAITING
    assert_inert(page, errors)

    # An operator reads the conversation and answers with markup, in the back office.
    staff = make_staff(community, StaffRole.Role.MODERATOR)
    office = browser.new_context(locale="uk-UA")
    log_in(office, base, staff)
    desk = office.new_page()
    desk_errors: list[str] = []
    desk.on("pageerror", lambda error: desk_errors.append(str(error)))
    desk.goto(base + "/chatbot/inbox/")
    assert_accessible(desk)
    desk.goto(base + f"/chatbot/inbox/{chat.pk}/")
    history = desk.locator(".chatbot-history").inner_text()
    assert SVG in history and IMG in history
    assert_inert(desk, desk_errors)
    assert_accessible(desk)
    desk.locator("#reply-text").fill(f"Відповідаю {SCRIPT}")
    desk.locator("button[value=reply]").click()
    desk.wait_for_load_state()
    assert f"Відповідаю {SCRIPT}" in " ".join(desk.locator(".chatbot-history").inner_text().split())
    assert_inert(desk, desk_errors)
    office.close()

    # The reply reaches the widget by its polling, as text.
    page.wait_for_function(
        "(t) => Array.from(document.querySelectorAll('#webchat-log li.webchat-bot'))"
        ".some((li) => li.textContent.includes(t))",
        arg="Відповідаю",
        timeout=20000,
    )
    assert any(SCRIPT in line for line in bot_lines(page))
    assert_inert(page, errors)
