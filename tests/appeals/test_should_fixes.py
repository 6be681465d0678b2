"""Small fixes clerks asked for in the appeals' staff pages (issue 10)."""

import json
import re

import pytest

from hromada.appeals import services
from hromada.appeals.models import Appeal
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


def test_staff_page_shows_the_place_on_a_map(new_report, moderator):
    """A small Leaflet map with the appeal's point; its data in JSON, no inline script."""
    page = text(client_for(moderator).get(f"/appeals/staff/{new_report.pk}/"))
    assert '<div id="detail-map"' in page
    config = re.search(
        r'<script id="appeals-detail-config" type="application/json">(.*?)</script>', page, re.S
    )
    data = json.loads(config.group(1))
    assert (data["lat"], data["lon"]) == (new_report.lat, new_report.lon)
    assert re.search(r'<script src="[^"]*appeals/detail\.js"></script>', page)
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page)
    assert inline == []


def test_staff_page_without_a_place_has_no_map(community, categories, resident, moderator):
    written = services.submit_written_appeal(
        community=community,
        kind=Appeal.Kind.STATEMENT,
        category=categories["other-problem"],
        subject="Заява",
        text="Прошу пояснити графік освітлення вулиць.",
        author=resident,
    )
    assert "detail-map" not in text(client_for(moderator).get(f"/appeals/staff/{written.pk}/"))
