"""
Written appeals have their own topics, routed to departments like map
categories; the map, its wizard and Open311 keep the map's categories.
"""

import importlib
import json
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from hromada.appeals import catalogue, services
from hromada.appeals.errors import CategoryInvalid, DepartmentRequired
from hromada.appeals.models import Appeal, Category
from hromada.core.models import Department
from tests.appeals.conftest import LAT, LON, report
from tests.factories import client_for

pytestmark = pytest.mark.django_db

TOPIC_CODES = {code for code, *_rest in catalogue.TOPICS}
MAP_CODES = {child[0] for *_group, children in catalogue.TREE for child in children}
migration = importlib.import_module("hromada.appeals.migrations.0006_written_topics")


def page(response) -> str:
    return response.content.decode()


def options_of(response, name: str) -> set[str]:
    """Return the values a select of the page's form offers, the empty one left out."""
    field = response.context["form"].fields[name]
    values = set()
    for value, label in field.choices:
        if isinstance(label, (list, tuple)):  # an optgroup
            values.update(str(option) for option, _label in label)
        elif value:
            values.add(str(value))
    return values


@pytest.fixture
def education(community) -> Department:
    return Department.objects.create(community=community, name="Управління освіти")


@pytest.fixture
def topics(community, housing, water, education) -> dict[str, Category]:
    services.install_default_categories(community=community)
    return {c.service_code: c for c in Category.objects.filter(community=community)}


def write(client, code: str, **fields):
    data = {"kind": "complaint", "category": code, "subject": "Скарга", "text": "Текст скарги."}
    return client.post(reverse("appeals:write"), data | fields)


# -- what each form offers ------------------------------------------------------


def test_written_form_offers_written_topics_only(topics, resident):
    response = client_for(resident).get(reverse("appeals:write"))
    assert options_of(response, "category") == TOPIC_CODES
    assert "Освіта" in page(response) and "Вибоїна на дорозі" not in page(response)
    # A map category sent anyway is not a choice of this form.
    refused = write(client_for(resident), "pothole")
    assert refused.status_code == 400
    assert not Appeal.objects.exists()


def test_report_wizard_offers_map_categories_only(topics, resident):
    client = client_for(resident)
    text = page(client.get(reverse("appeals:report")))
    assert reverse("appeals:report_place", args=["pothole"]) in text
    assert "topic-" not in text and "Освіта" not in text
    assert client.get(reverse("appeals:report_place", args=["topic-education"])).status_code == 404
    details = reverse("appeals:report_details", args=["topic-education"])
    assert client.get(details, {"lat": LAT, "lon": LON}).status_code == 404


def test_map_filters_offer_map_categories_only(topics):
    response = client_for().get(reverse("appeals:map"))
    offered = options_of(response, "category")
    assert "pothole" in offered and "roads" in offered
    assert not offered & (TOPIC_CODES | {"topics"})


def test_staff_may_file_a_letter_under_a_topic(topics, moderator):
    response = client_for(moderator).get(reverse("appeals:staff_new"))
    assert TOPIC_CODES | {"pothole"} <= options_of(response, "category")


# -- routing ------------------------------------------------------------------


def test_written_appeal_on_education_goes_to_the_education_department(
    community, topics, resident, education, moderator
):
    response = write(client_for(resident), "topic-education", kind="statement")
    appeal = Appeal.objects.get()
    assert response.status_code == 302
    assert appeal.category == topics["topic-education"]
    assert appeal.department == education
    accepted = services.accept_appeal(appeal=appeal, moderator=moderator)
    assert accepted.department == education


def test_topics_are_routed_by_department_names(topics, housing, education):
    assert topics["topic-education"].department == education
    assert topics["topic-housing"].department == housing
    assert topics["topic-ecology"].department == housing  # no ecology department here
    # No department of their own: the moderator routes these.
    assert topics["topic-health"].department is None
    assert topics["topic-other"].department is None
    assert {topics[code].kind for code in TOPIC_CODES | {"topics"}} == {Category.Kind.WRITTEN}
    assert topics["pothole"].kind == Category.Kind.MAP


@pytest.mark.parametrize(
    ("code", "department", "routed"),
    [
        ("topic-education", "Управління освіти", True),
        ("topic-education", "Відділ вуличного освітлення", False),
        ("topic-culture", "Управління молоді та спорту", True),
        ("topic-culture", "Відділ транспорту, зв'язку та організації перевезень", False),
        ("topic-social", "Управління соціальної політики", True),
        ("topic-health", "Відділ охорони здоров'я", True),
        ("topic-safety", "Відділ з питань надзвичайних ситуацій", True),
        ("topic-other", "Управління житлово-комунального господарства", False),
    ],
)
def test_topic_routes_match_whole_words(code, department, routed):
    routes = next(topic[3] for topic in catalogue.TOPICS if topic[0] == code)
    assert (catalogue.route(routes, [department]) == 0) is routed


def test_unrouted_topic_waits_for_the_moderator(community, topics, resident, moderator, housing):
    appeal = services.submit_written_appeal(
        community=community,
        kind=Appeal.Kind.COMPLAINT,
        category=topics["topic-health"],
        subject="Амбулаторія",
        text="Немає прийому сімейного лікаря.",
        author=resident,
    )
    assert appeal.department is None
    with pytest.raises(DepartmentRequired):
        services.accept_appeal(appeal=appeal, moderator=moderator)
    assert services.accept_appeal(appeal=appeal, moderator=moderator, department=housing)


def test_a_report_needs_a_map_category(community, topics, resident, moderator):
    with pytest.raises(CategoryInvalid):
        report(community, topics, resident, code="topic-education", address="Школа №1")
    placed = report(community, topics, resident, address="проспект Миру, 5")
    with pytest.raises(CategoryInvalid):
        services.accept_appeal(
            appeal=placed, moderator=moderator, category=topics["topic-education"]
        )
    assert Appeal.objects.get().category.service_code == "light-out"


def test_a_category_has_its_groups_kind(topics):
    stray = Category(
        community=topics["topics"].community,
        parent=topics["topics"],
        kind=Category.Kind.MAP,
        service_code="stray-topic",
        name="Не та група",
    )
    with pytest.raises(ValidationError) as raised:
        stray.full_clean()
    assert "kind" in raised.value.message_dict


# -- the data migration -------------------------------------------------------


def run_migration():
    migration.add_written_topics(apps, SimpleNamespace(connection=connection))


def test_migration_adds_topics_to_a_community_with_categories(
    community, other_community, housing, education
):
    """An installation from before the topics: map categories only, a petition category."""
    services.install_default_categories(community=community)
    Category.objects.filter(kind=Category.Kind.WRITTEN, parent__isnull=False).delete()
    Category.objects.filter(kind=Category.Kind.WRITTEN).delete()
    petitions = services.petition_category(community)
    Category.objects.filter(pk__in=[petitions.pk, petitions.parent_id]).update(kind="map")
    assert not Category.objects.filter(kind=Category.Kind.WRITTEN).exists()

    run_migration()

    added = {c.service_code: c for c in Category.objects.filter(kind=Category.Kind.WRITTEN)}
    assert set(added) == TOPIC_CODES | {"topics", "petitions", "petition"}
    assert all(c.community == community for c in added.values())
    assert added["topic-education"].department == education
    assert added["topic-housing"].department == housing
    assert added["topic-cnap"].department is None
    assert added["topic-education"].parent == added["topics"]
    # The other community had no appeals categories: nothing is added there.
    assert not Category.objects.filter(community=other_community).exists()
    # Map categories stay as they were.
    map_codes = set(
        Category.objects.filter(kind=Category.Kind.MAP, parent__isnull=False).values_list(
            "service_code", flat=True
        )
    )
    assert map_codes == MAP_CODES
    # Run twice, it adds nothing more.
    count = Category.objects.count()
    run_migration()
    assert Category.objects.count() == count


def test_migration_keeps_a_topic_staff_already_made(community, housing):
    services.install_default_categories(community=community)
    Category.objects.filter(service_code__in=TOPIC_CODES - {"topic-other"}).delete()
    Category.objects.filter(service_code="topic-other").update(name="Інше (наше)")
    run_migration()
    assert Category.objects.get(service_code="topic-other").name == "Інше (наше)"
    assert Category.objects.filter(service_code__in=TOPIC_CODES).count() == len(TOPIC_CODES)


# -- the channels ------------------------------------------------------------


def test_open311_services_stay_the_map_categories(topics):
    client = Client(HTTP_HOST="testserver")
    services_ = json.loads(client.get("/open311/v2/services.json").content)
    assert {item["service_code"] for item in services_} == MAP_CODES
    assert client.get("/open311/v2/services/topic-education.json").status_code == 404


def test_open311_refuses_a_request_under_a_topic(community, topics):
    _key, raw = services.issue_open311_key(community=community, name="Застосунок")
    response = Client(HTTP_HOST="testserver").post(
        "/open311/v2/requests.json",
        {
            "api_key": raw,
            "service_code": "topic-education",
            "lat": str(LAT),
            "long": str(LON),
            "description": "Школа.",
        },
    )
    assert response.status_code == 404
    assert not Appeal.objects.exists()


def test_api_lists_categories_with_their_kind(topics):
    client = client_for()
    everything = {item["code"]: item for item in client.get("/api/v1/appeals/categories").json()}
    assert everything["pothole"]["kind"] == "map"
    assert everything["topic-education"]["kind"] == "written"
    assert everything["topic-education"]["department"] == "Управління освіти"
    written = client.get("/api/v1/appeals/categories", {"kind": "written"}).json()
    assert {item["code"] for item in written} == TOPIC_CODES
    mapped = client.get("/api/v1/appeals/categories", {"kind": "map"}).json()
    assert {item["code"] for item in mapped} == MAP_CODES


# -- signing in, and one's own report nearby ------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("appeals:write", "Увійдіть, щоб написати до ради"),
        ("appeals:report", "Увійдіть, щоб повідомити про проблему"),
    ],
)
def test_visitor_learns_why_to_sign_in(topics, name, reason):
    response = client_for().get(reverse(name), follow=True)
    login, _status = response.redirect_chain[-1]
    assert login.startswith(reverse("core:login") + "?next=")
    assert reason in page(response)


def test_signed_in_resident_gets_no_sign_in_note(topics, resident):
    text = page(client_for(resident).get(reverse("appeals:write")))
    assert "Увійдіть, щоб написати до ради" not in text


def test_nearby_box_does_not_offer_to_support_ones_own_report(
    community, topics, resident, neighbour
):
    mine = report(community, topics, resident, address="проспект Миру, 5")
    details = reverse("appeals:report_details", args=["light-out"])
    own_page = page(client_for(resident).get(details, {"lat": LAT, "lon": LON}))
    assert mine.number in own_page
    assert "Це ваше повідомлення." in own_page
    assert reverse("appeals:support", args=[mine.pk]) not in own_page
    their_page = page(client_for(neighbour).get(details, {"lat": LAT, "lon": LON}))
    assert reverse("appeals:support", args=[mine.pk]) in their_page
    nearby = reverse("appeals:nearby")
    query = {"category": "light-out", "lat": LAT, "lon": LON}
    assert client_for(resident).get(nearby, query).json()["reports"][0]["own"] is True
    assert client_for(neighbour).get(nearby, query).json()["reports"][0]["own"] is False
