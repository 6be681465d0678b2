"""
Out-of-range numbers, dates and NULs answer 4xx in the channel's error shape, never 500.

Each URL here gave a 500 (an OverflowError or "math domain error") before
ids, pages, coordinates and dates were bounded.
"""

import json
import xml.etree.ElementTree as ET

import pytest
from django.db import connection

from hromada.appeals import services as appeals_services
from hromada.budget import services as budget_services
from hromada.budget.models import Ballot
from hromada.core.models import StaffRole
from hromada.core.services import issue_api_token
from hromada.petitions.models import Petition, Topic
from tests.budget.helpers import admitted_projects, draft, make_category, make_cycle, move_to
from tests.factories import client_for, make_department, make_resident, make_staff

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # past 2**63 - 1, the largest id a database holds


def bearer(resident) -> dict:
    _, key = issue_api_token(resident=resident, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def error_of(response, status: int) -> dict:
    """Return the API error after checking the status and the documented shape."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["message"], str) and error["message"]
    return error


@pytest.fixture
def voting(community):
    """A cycle in voting with two admitted projects; returns (category, projects)."""
    cycle = make_cycle(community)
    category = make_category(cycle)
    projects = admitted_projects(community, category, 2)
    move_to(cycle, "voting")
    category.refresh_from_db()
    return category, projects


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/petitions/?page=798801124674660608", "page"),
        (f"/api/v1/petitions/?topic={HUGE}", "topic"),
        (f"/api/v1/petitions/{HUGE}", "petition_id"),
        (f"/api/v1/petitions/{HUGE}/signers", "petition_id"),
        (f"/api/v1/budget/cycles/{HUGE}", "cycle_id"),
        (f"/api/v1/budget/cycles/1/projects?category={HUGE}", "category"),
        (f"/api/v1/budget/projects/{HUGE}", "project_id"),
        ("/api/v1/appeals/nearby?category=pothole&lat=1e309&lon=30.6", "lat"),
        ("/api/v1/appeals/nearby?category=pothole&lat=46.3&lon=-1e309", "lon"),
        ("/api/v1/appeals/nearby?category=pothole&lat=nan&lon=30.6", "lat"),
        (f"/api/v1/appeals/reports/{HUGE}", "appeal_id"),
        ("/api/v1/appeals/reports?page=0", "page"),
    ],
)
def test_out_of_range_api_values_are_a_422_naming_the_field(community, url, field):
    error = error_of(client_for().get(url), 422)
    assert error["code"] == "validation"
    assert field in error["fields"]


def test_signing_a_petition_of_a_huge_id(community):
    """Without credentials it is a 401; with them the id is refused, not looked up."""
    url = f"/api/v1/petitions/{HUGE}/sign"
    assert error_of(client_for().post(url), 401)["code"] == "unauthenticated"
    signed = client_for().post(
        url, content_type="application/json", **bearer(make_resident(community))
    )
    error = error_of(signed, 422)
    assert "petition_id" in error["fields"]


def test_api_ballot_with_a_huge_project_id(voting, community):
    category, projects = voting
    for choices in (
        {"projects": [projects[0].pk, int(HUGE)]},
        {"points": {HUGE: 1}},
    ):
        response = client_for().post(
            f"/api/v1/budget/cycles/{category.cycle_id}/ballots",
            {"category": category.pk, **choices},
            content_type="application/json",
            **bearer(make_resident(community)),
        )
        assert error_of(response, 422)["code"] == "validation"
    assert not Ballot.objects.exists()


def test_api_project_with_an_infinite_latitude(voting, community):
    category, _projects = voting
    response = client_for().post(
        f"/api/v1/budget/cycles/{category.cycle_id}/projects",
        '{"category": CATEGORY, "lat": 1e309, "lon": 30.6}'.replace("CATEGORY", str(category.pk)),
        content_type="application/json",
        **bearer(make_resident(community)),
    )
    assert "lat" in error_of(response, 422)["fields"]


def test_web_ballot_with_a_huge_project_id_is_refused_on_the_form(voting, community):
    category, projects = voting
    client = client_for(make_resident(community))
    url = f"/budget/{category.cycle_id}/vote/{category.pk}/"
    for step in ("confirm", "cast"):
        response = client.post(url, {"project": [str(projects[0].pk), HUGE], "step": step})
        assert response.status_code == 400
        assert "У бюлетені зазначено щось, що не є проєктом." in response.text
    assert not Ballot.objects.exists()


@pytest.mark.parametrize(
    ("query", "words"),
    [
        (f"service_request_id={HUGE}", None),
        ("service_request_id=²", "service_request_id"),
        ("start_date=9999-12-31", "start_date"),
        ("end_date=0001-01-01", "end_date"),
        ("start_date=0001-01-01&end_date=0001-02-01", "start_date"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_out_of_range_values(community, query, words, fmt):
    """A huge id finds nothing; dates out of the calendar are a 400 in GeoReport's shape."""
    response = client_for().get(f"/open311/v2/requests.{fmt}?{query}")
    if words is None:
        assert response.status_code == 200
        found = (
            json.loads(response.content) if fmt == "json" else list(ET.fromstring(response.content))
        )
        assert found == []
        return
    assert response.status_code == 400
    if fmt == "json":
        errors = json.loads(response.content)
        assert [error["code"] for error in errors] == [400]
        description = errors[0]["description"]
    else:
        root = ET.fromstring(response.content)
        assert root.tag == "errors"
        assert root.find("error/code").text == "400"
        description = root.find("error/description").text
    assert words in description


def test_open311_request_of_a_huge_id_is_not_found(community):
    response = client_for().get(f"/open311/v2/requests/{HUGE}.json")
    assert response.status_code == 404
    assert json.loads(response.content)[0]["code"] == 404


def test_open311_post_with_an_infinite_latitude(community):
    make_department(community)
    appeals_services.install_default_categories(community=community)
    _key, raw = appeals_services.issue_open311_key(community=community, name="Партнер")
    response = client_for().post(
        "/open311/v2/requests.json",
        {"api_key": raw, "service_code": "pothole", "lat": "1e309", "long": "30.65"},
    )
    assert response.status_code == 400
    assert "lat" in json.loads(response.content)[0]["description"]


@pytest.mark.parametrize(
    "url",
    [
        f"/appeals/open-data/?year={HUGE}",
        "/appeals/open-data/?year=²",
        f"/petitions/?page={HUGE}",
        f"/petitions/?topic={HUGE}",
        f"/appeals/?page={HUGE}",
        "/appeals/nearby.json?category=pothole&lat=1e309&lon=30.6",
    ],
)
def test_web_pages_with_out_of_range_values_do_not_fail(community, url):
    """The value is ignored (the page answers) or refused with a 4xx, never a 500."""
    response = client_for().get(url)
    assert response.status_code in (200, 400, 404)


def test_staff_queue_ignores_a_huge_department(community):
    staff = make_staff(community, StaffRole.Role.MODERATOR)
    for value in (HUGE, "²"):
        response = client_for(staff).get(f"/appeals/staff/?department={value}")
        assert response.status_code == 200


def test_a_json_body_sent_as_a_form_is_a_415(community):
    response = client_for().post(
        "/api/v1/petitions/",
        json.dumps({"title": "Парк", "text": "Текст", "topic_id": 1}),
        content_type="text/plain",
        **bearer(make_resident(community)),
    )
    assert error_of(response, 415)["code"] == "unsupported_media_type"
    assert not Petition.objects.exists()


def test_malformed_json_is_a_400(community):
    response = client_for().post(
        "/api/v1/petitions/",
        "{not json",
        content_type="application/json",
        **bearer(make_resident(community)),
    )
    assert error_of(response, 400)["code"] == "malformed_json"


def test_unauthenticated_write_is_a_401(community):
    response = client_for().post(
        "/api/v1/petitions/", {"title": "x"}, content_type="application/json"
    )
    assert error_of(response, 401)["code"] == "unauthenticated"


@pytest.mark.parametrize(
    "body",
    [
        '{"title": "Парк\\u0000", "text": "Текст", "topic_id": 1}',
        '{"title": "Парк\u0000", "text": "Текст", "topic_id": 1}',
    ],
)
def test_nul_in_a_json_body_is_refused(community, body):
    topic = Topic.objects.create(community=community, name="Благоустрій")
    response = client_for().post(
        "/api/v1/petitions/",
        body.replace('"topic_id": 1', f'"topic_id": {topic.pk}'),
        content_type="application/json",
        **bearer(make_resident(community)),
    )
    assert error_of(response, 400)["code"] == "nul_character"
    assert not Petition.objects.exists()


def test_an_escaped_backslash_before_u0000_is_plain_text(community):
    """The JSON text "\\\\u0000" is a backslash and "u0000", not a NUL: not refused for it."""
    response = client_for().post(
        "/api/v1/petitions/",
        '{"title": "a\\\\u0000", "text": "b", "topic_id": 1}',
        content_type="application/json",
        **bearer(make_resident(community)),
    )
    assert response.status_code != 400 or response.json()["error"]["code"] != "nul_character"


def test_nul_in_a_query_string_or_form_is_refused(community):
    api = client_for().get("/api/v1/petitions/?q=%00")
    assert error_of(api, 400)["code"] == "nul_character"
    page = client_for().get("/petitions/?q=a%00b")
    assert page.status_code == 400
    form = client_for(make_resident(community)).post(
        "/accounts/log-in/", {"username": "a\x00b", "password": "x"}
    )
    assert form.status_code == 400
    open311 = client_for().get("/open311/v2/requests.xml?service_code=%00")
    assert open311.status_code == 400
    assert ET.fromstring(open311.content).find("error/code").text == "400"


def test_an_unforeseen_failure_answers_500_in_the_error_shape(community, caplog):
    """A fault of ours (here a table gone missing) still answers JSON, and is logged."""
    with connection.cursor() as cursor:
        # Renamed, not dropped: PostgreSQL keeps the petitions' foreign key to it.
        cursor.execute(f"ALTER TABLE {Topic._meta.db_table} RENAME TO gone_topic")
    response = client_for().get("/api/v1/petitions/topics?secret=1")
    assert error_of(response, 500)["code"] == "server_error"
    logged = [r for r in caplog.records if r.name == "hromada.api"]
    assert logged and logged[0].exc_info is not None
    assert "secret" not in logged[0].getMessage()


def test_review_with_a_huge_department_id_is_a_form_error(community):
    """The staff form's checkboxes refuse an id the database cannot hold, without a 500."""
    cycle = make_cycle(community)
    category = make_category(cycle)
    author = make_resident(community)
    project = draft(author, category)
    budget_services.submit_project(resident=author, project=project)
    move_to(cycle, "review")
    staff = make_staff(community, StaffRole.Role.MODERATOR)
    response = client_for(staff).post(
        f"/budget/staff/projects/{project.pk}/", {"action": "start", "departments": [HUGE]}
    )
    assert response.status_code == 200
    project.refresh_from_db()
    assert not project.conclusions.exists()
