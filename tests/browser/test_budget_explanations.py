"""The results page with the reasons a project lost, and the rules page, meet WCAG 2.1 AA."""

import pytest

from tests.browser.conftest import assert_accessible
from tests.budget.helpers import make_cycle
from tests.budget.test_explanations import counted_example

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_results_with_reasons_and_rules_page_are_accessible(page, live_server, community):
    cycle = make_cycle(community)
    counted_example(community, cycle, "phragmen")
    page.goto(f"{live_server.url}/budget/{cycle.pk}/results/")
    assert page.get_by_text("Не вистачило коштів: залишок 55").count() == 1
    assert_accessible(page)
    page.get_by_role("link", name="Як обирають переможців").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/budget/rules/#phragmen")
    assert_accessible(page)
