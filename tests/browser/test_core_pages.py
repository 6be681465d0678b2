"""Core pages have no WCAG 2.1 AA violations; sign-up works by clicking."""

import re

import pytest
from django.core import mail

from hromada.core.models import Identity, Resident
from tests.browser.conftest import assert_accessible
from tests.factories import PASSWORD, make_community, make_resident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLIC_PAGES = [
    "/",
    "/accounts/sign-up/",
    "/accounts/log-in/",
    "/accounts/password-reset/",
    "/accounts/password-reset/sent/",
    "/accounts/sign-up/sent/",
    "/open-data/",
    "/privacy/",
    "/no-such-page/",
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_is_accessible(page, live_server, path):
    make_community("chornomorsk")
    page.goto(live_server.url + path)
    assert page.locator("html").get_attribute("lang") == "uk"
    assert_accessible(page)


def log_in(page, live_server, email, password=PASSWORD):
    page.goto(live_server.url + "/accounts/log-in/")
    page.get_by_label("Електронна пошта").fill(email)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Увійти").click()


@pytest.mark.parametrize(
    "path",
    ["/accounts/profile/", "/accounts/identity/", "/accounts/delete/", "/accounts/password/"],
)
def test_resident_pages_are_accessible(page, live_server, path):
    community = make_community("chornomorsk")
    resident = make_resident(community, level=Identity.EMAIL)
    log_in(page, live_server, resident.email)
    page.goto(live_server.url + path)
    assert_accessible(page)


def test_form_errors_are_accessible(page, live_server):
    make_community("chornomorsk")
    page.goto(live_server.url + "/accounts/sign-up/")
    page.get_by_role("button", name="Створити обліковий запис").click()
    assert page.locator("[aria-invalid=true]").count() >= 1
    assert_accessible(page)


def test_sign_up_confirm_and_log_in_by_clicking(page, live_server):
    make_community("chornomorsk")
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Зареєструватися").first.click()
    page.get_by_label("Прізвище, ім’я та по батькові").fill("Лисенко Оксана Петрівна")
    page.get_by_label("Електронна пошта").fill("oksana@example.test")
    page.get_by_label("Пароль").fill("morskyi-briz-2026")
    page.locator("#id_privacy_consent").check()
    page.get_by_role("button", name="Створити обліковий запис").click()
    # Not logged in yet: a taken address gets this same page (no account probing).
    page.wait_for_url(re.compile(r".*/accounts/sign-up/sent/$"))

    link = re.search(r"http://\S+/accounts/confirm/\S+/", mail.outbox[-1].body).group(0)
    page.goto(live_server.url + link[link.index("/accounts/") :])
    assert "підтверджено" in page.content()

    log_in(page, live_server, "oksana@example.test", "morskyi-briz-2026")
    page.wait_for_url(re.compile(r".*/$"))
    page.goto(live_server.url + "/accounts/profile/")
    assert "oksana@example.test" in page.content()
    assert Resident.objects.get(email="oksana@example.test").identity_level == Identity.EMAIL
