"""Small fixes clerks asked for in the appeals' staff pages (issue 10)."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from hromada.appeals import services
from hromada.appeals.models import Appeal
from hromada.core.models import Settlement, Street
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


# Reporting on a phone ------------------------------------------------------


def test_a_tap_names_the_nearest_street_of_the_registry(community):
    settlement = Settlement.objects.get(community=community)
    far = Street.objects.create(
        settlement=settlement, name="вулиця Паркова", lat=46.3050, lon=30.6600
    )
    client = client_for()
    near = client.get("/appeals/streets/nearest.json", {"lat": "46.3001", "lon": "30.6552"})
    assert near.json()["street"]["name"].startswith("проспект Миру")
    assert near.json()["street"]["distance"] < 50
    other = client.get("/appeals/streets/nearest.json", {"lat": "46.3049", "lon": "30.6601"})
    assert other.json()["street"]["id"] == far.pk


def test_no_street_is_guessed_far_away(community):
    response = client_for().get("/appeals/streets/nearest.json", {"lat": "46.40", "lon": "30.80"})
    assert response.json() == {"street": None}


def test_nearest_street_refuses_unbounded_coordinates(community):
    client = client_for()
    assert (
        client.get("/appeals/streets/nearest.json", {"lat": "1e309", "lon": "30"}).status_code
        == 400
    )
    assert client.get("/appeals/streets/nearest.json", {"lat": "46.3"}).status_code == 400


def test_another_communitys_streets_are_not_offered(community, other_community):
    response = client_for().get(
        "/appeals/streets/nearest.json", {"lat": "46.3001", "lon": "30.6552"}
    )
    street = Street.objects.get(pk=response.json()["street"]["id"])
    assert street.settlement.community_id == community.pk


def test_place_step_offers_my_location_with_its_messages(community, categories, resident):
    page = text(client_for(resident).get("/appeals/report/light-out/"))
    assert 'id="locate-me"' in page and "Визначити моє місцезнаходження" in page
    config = json.loads(
        re.search(
            r'<script id="appeals-picker-config" type="application/json">(.*?)</script>', page, re.S
        ).group(1)
    )
    assert config["nearestUrl"] == "/appeals/streets/nearest.json"
    assert "Доступ до місцезнаходження заборонено" in config["texts"]["refused"]
    script = Path(finders.find("appeals/picker.js")).read_text()
    assert "navigator.geolocation.getCurrentPosition" in script
    assert "config.texts.refused" in script and "config.nearestUrl" in script
