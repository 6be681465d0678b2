"""
The service centre's pages, filled with the demo data, have no WCAG 2.1 AA
violations: catalogue, service card, office, kiosk, printed ticket, board,
ticket page, booking, and the operator's console; and the board takes a
call within its polling time without a reload.
"""

from datetime import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from hromada.cnap import services
from hromada.cnap.models import Desk, Office, OfficeException, Service, Ticket
from hromada.core.demo import DEMO_PASSWORD
from tests.browser.conftest import assert_accessible, while_page_polls

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def log_in(page, base, email):
    page.goto(base + "/accounts/log-in/")
    page.get_by_label("Електронна пошта").fill(email)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Увійти").click()
    page.wait_for_load_state()


def check_all(page, base, paths) -> list[str]:
    failures = []
    for path in paths:
        response = page.goto(base + path)
        if response is None or response.status >= 400:
            failures.append(f"{path}: HTTP {response.status if response else '—'}")
            continue
        page.wait_for_load_state("domcontentloaded")
        try:
            assert_accessible(page)
        except AssertionError as error:
            failures.append(str(error))
    return failures


def test_cnap_pages_are_accessible_and_the_board_is_live(page, live_server):
    call_command("seed_demo", verbosity=0)
    base = live_server.url
    office = Office.objects.get(community__slug="chornomorsk", kind="central")
    service = Service.objects.get(community__slug="chornomorsk", code="02-01")
    waiting = Ticket.objects.filter(office=office, day=timezone.localdate(), status="waiting")
    ticket = waiting.order_by("queued_at").first()
    paths = [
        "/cnap/",
        "/cnap/?q=паспорта",
        "/cnap/?situation=birth",
        service.get_absolute_url(),
        f"/cnap/services/{service.pk}/join-by-phone/",
        office.get_absolute_url(),
        f"/cnap/kiosk/{office.pk}/",
        f"/cnap/kiosk/{office.pk}/tickets/{ticket.token}/",
        f"/cnap/board/{office.pk}/",
        ticket.get_absolute_url(),
    ]
    failures = check_all(page, base, paths)
    log_in(page, base, "resident@chornomorsk.demo")
    failures += check_all(page, base, [f"/cnap/services/{service.pk}/book/", "/cnap/mine/"])
    page.context.clear_cookies()
    log_in(page, base, "operator@chornomorsk.demo")
    desk = Desk.objects.get(office=office, number=5)
    failures += check_all(page, base, [f"/cnap/console/desks/{desk.pk}/"])
    page.context.clear_cookies()
    log_in(page, base, "cnap@chornomorsk.demo")
    failures += check_all(page, base, ["/cnap/console/?all=1"])
    assert failures == [], "\n\n".join(failures)

    # The board shows a new call without a reload; the office receives all day today.
    OfficeException.objects.update_or_create(
        office=office,
        date=timezone.localdate(),
        defaults={"closed": False, "opens": time(0, 0), "closes": time(23, 59)},
    )
    page.goto(f"{base}/cnap/board/{office.pk}/")
    page.wait_for_timeout(2000)
    desk = Desk.objects.get(office=office, number=9)
    if while_page_polls(lambda: services.in_hand(desk=desk)) is not None:
        while_page_polls(lambda: services.finish(desk=desk, actor=desk.operator, outcome="served"))
    extract = Service.objects.get(community=office.community, code="07-03")
    while_page_polls(lambda: services.issue_ticket(office=office, service=extract))
    called = while_page_polls(lambda: services.call_next(desk=desk, actor=desk.operator))
    page.wait_for_function(
        "label => document.getElementById('board-recent').textContent.includes(label)",
        arg=f"{called.label} → 9",
        timeout=5000,
    )
