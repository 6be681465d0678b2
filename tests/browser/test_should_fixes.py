"""Fixes of issue 10 as a browser sees them: focus on errors, location on a phone."""

import pytest

from hromada.appeals import services as appeals
from tests.browser.conftest import assert_accessible
from tests.browser.test_core_pages import log_in
from tests.factories import make_community, make_resident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_errors_are_summed_up_and_focused(page, live_server):
    """Sent empty, the form opens with the focus on a summary whose links reach the fields."""
    make_community("chornomorsk")
    page.goto(live_server.url + "/accounts/sign-up/")
    page.get_by_role("button", name="Створити обліковий запис").click()
    page.wait_for_selector("[data-error-summary]")
    focused = page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert focused
    page.locator("[data-error-summary] a[href='#id_email']").click()
    assert page.evaluate("document.activeElement.id") == "id_email"
    assert_accessible(page)


def test_my_community_and_notifications_are_accessible(page, live_server):
    community = make_community("chornomorsk")
    resident = make_resident(community, email="me@example.org")
    log_in(page, live_server, resident.email)
    for path in ("/my/", "/accounts/notifications/"):
        page.goto(live_server.url + path)
        assert_accessible(page)


@pytest.fixture
def place_step(page, live_server):
    community = make_community("chornomorsk")
    appeals.install_default_categories(community=community)
    resident = make_resident(community, email="me@example.org")
    log_in(page, live_server, resident.email)
    return live_server.url + "/appeals/report/light-out/"


def test_my_location_sets_the_point(page, place_step):
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 46.3001, "longitude": 30.6552})
    page.goto(place_step)
    page.get_by_role("button", name="Визначити моє місцезнаходження").click()
    page.wait_for_function("document.getElementById('id_lat').value !== ''")
    assert page.locator("#id_lat").input_value() == "46.300100"
    # The registry's nearest street is chosen in the form as well.
    page.wait_for_function("document.getElementById('id_street').value !== ''")
    assert "Найближча вулиця в реєстрі" in page.locator("#picker-status").inner_text()


def test_refused_location_says_so(page, place_step):
    page.context.clear_permissions()
    page.goto(place_step)
    page.get_by_role("button", name="Визначити моє місцезнаходження").click()
    page.wait_for_function(
        "document.getElementById('picker-status').textContent.includes('заборонено')"
    )
    assert page.locator("#id_lat").input_value() == ""
