"""Small fixes clerks asked for in the appeals' staff pages (issue 10)."""

import re

import pytest

from tests.factories import client_for

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_department_staff_see_a_new_appeal_awaits_a_moderator(new_report, housing_staff):
    client = client_for(housing_staff)
    assert "очікує на модератора" in text(client.get("/appeals/staff/"))
    detail = text(client.get(f"/appeals/staff/{new_report.pk}/"))
    assert "Очікує на модератора" in detail


def test_accepted_appeal_no_longer_awaits_a_moderator(accepted_report, housing_staff):
    client = client_for(housing_staff)
    assert "на модератора" not in text(client.get("/appeals/staff/"))
    assert "на модератора" not in text(client.get(f"/appeals/staff/{accepted_report.pk}/"))


def test_moderators_are_not_told_to_wait_for_themselves(new_report, moderator):
    assert "на модератора" not in text(client_for(moderator).get("/appeals/staff/"))


def department_choices(page: str) -> set[str]:
    select = re.search(r'<select id="f-department" name="department">(.*?)</select>', page, re.S)
    return set(re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select.group(1)))


def test_department_filter_lists_only_the_staff_members_departments(
    housing, water, housing_staff, moderator
):
    assert department_choices(text(client_for(housing_staff).get("/appeals/staff/"))) == {
        housing.name
    }
    assert {housing.name, water.name} <= department_choices(
        text(client_for(moderator).get("/appeals/staff/"))
    )
