"""
Open311 GeoReport v2 over raw HTTP: every resource in XML and JSON, parsed strictly,
errors in the spec's shape, and the georeport client library against a live server.
"""

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from hromada.appeals import services
from hromada.appeals.models import Appeal, CategoryAttribute, Open311Key
from tests.appeals.conftest import LAT, LON, OUTSIDE, image_upload, report

pytestmark = pytest.mark.django_db
W3 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
BASE = "/open311/v2"


def xml_of(response) -> ET.Element:
    """Parse an XML answer strictly: declaration, UTF-8, content type."""
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    body = response.content
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(body)


def json_of(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content.decode("utf-8"))


def errors_of(response, fmt: str) -> list[tuple[int, str]]:
    """Return (code, description) pairs of an errors document."""
    if fmt == "xml":
        root = xml_of(response)
        assert root.tag == "errors"
        return [(int(e.findtext("code")), e.findtext("description")) for e in root.findall("error")]
    data = json_of(response)
    assert isinstance(data, list)
    return [(item["code"], item["description"]) for item in data]


@pytest.fixture
def api_key(community) -> str:
    _key, raw = services.issue_open311_key(community=community, name="Тестовий застосунок")
    return raw


@pytest.fixture
def client():
    return Client(HTTP_HOST="testserver")


def post(client, fmt="json", **data):
    return client.post(f"{BASE}/requests.{fmt}", data)


# -- discovery and services ---------------------------------------------------


def test_discovery_in_both_formats(client, community, categories):
    root = xml_of(client.get("/open311/discovery.xml"))
    assert root.tag == "discovery"
    for name in ("changeset", "contact", "key_service"):
        assert root.find(name) is not None
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url") == "http://testserver/open311/v2"
    assert endpoint.findtext("type") == "production"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]
    data = json_of(client.get(f"{BASE}/discovery.json"))
    assert data["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert data["changeset"] == root.findtext("changeset")


def test_service_list_xml(client, categories):
    root = xml_of(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    services_ = root.findall("service")
    codes = [s.findtext("service_code") for s in services_]
    assert "light-out" in codes and "pothole" in codes
    assert "lighting" not in codes  # groups are not services
    pothole = services_[codes.index("pothole")]
    assert [child.tag for child in pothole] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert pothole.findtext("metadata") == "true"
    assert pothole.findtext("type") == "realtime"
    assert pothole.findtext("group") == "Дороги і тротуари"
    assert services_[codes.index("pavement")].findtext("metadata") == "false"


def test_service_list_json_is_an_array(client, categories):
    data = json_of(client.get(f"{BASE}/services.json"))
    assert isinstance(data, list)
    pothole = next(item for item in data if item["service_code"] == "pothole")
    assert pothole["metadata"] is True
    assert pothole["service_name"] == "Вибоїна на дорозі"


def test_service_names_follow_the_language(client, categories):
    data = json_of(client.get(f"{BASE}/services.json", HTTP_ACCEPT_LANGUAGE="en"))
    assert next(i for i in data if i["service_code"] == "pothole")["service_name"] == "Pothole"


def test_service_definition(client, categories):
    root = xml_of(client.get(f"{BASE}/services/pothole.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "pothole"
    attribute = root.find("attributes/attribute")
    assert attribute.findtext("variable") == "true"
    assert attribute.findtext("code") == "size"
    assert attribute.findtext("datatype") == "singlevaluelist"
    assert attribute.findtext("required") == "true"
    assert attribute.findtext("order") == "1"
    assert [v.findtext("key") for v in attribute.findall("values/value")] == [
        "small",
        "medium",
        "large",
    ]
    data = json_of(client.get(f"{BASE}/services/pothole.json"))
    assert data["service_code"] == "pothole"
    assert data["attributes"][0]["values"][0] == {"key": "small", "name": "до 30 см"}
    assert data["attributes"][0]["datatype_description"] is None


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_unknown_service_code_is_404(client, categories, fmt):
    response = client.get(f"{BASE}/services/nothing.{fmt}")
    assert response.status_code == 404
    assert errors_of(response, fmt) == [(404, "service_code provided was not found.")] or (
        errors_of(response, fmt)[0][0] == 404
    )


def test_unsupported_format_is_400(client, categories):
    response = client.get(f"{BASE}/services.html")
    assert response.status_code == 400
    assert errors_of(response, "xml")[0][0] == 400


def test_unknown_resource_is_404_in_the_spec_shape(client, community):
    response = client.get(f"{BASE}/nothing.json")
    assert response.status_code == 404
    assert errors_of(response, "json")[0][0] == 404


# -- posting ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_post_request_returns_the_service_request_id(client, categories, api_key, fmt):
    response = post(
        client,
        fmt,
        api_key=api_key,
        service_code="pothole",
        lat=str(LAT),
        long=str(LON),
        description="Яма біля перехрестя.",
        email="ivan@example.test",
        first_name="Іван",
        last_name="Петренко",
        phone="+380501112233",
        device_id="device-1",
        account_id="acc-7",
        **{"attribute[size]": "medium", "attribute[on_crossing]": "yes"},
    )
    assert response.status_code == 200
    if fmt == "xml":
        root = xml_of(response)
        assert root.tag == "service_requests"
        request = root.find("request")
        assert [child.tag for child in request] == [
            "service_request_id",
            "service_notice",
            "account_id",
        ]
        pk = int(request.findtext("service_request_id"))
        assert request.findtext("account_id") == "acc-7"
    else:
        data = json_of(response)
        assert isinstance(data, list) and "token" not in data[0]
        pk = data[0]["service_request_id"]
    appeal = Appeal.objects.get(pk=pk)
    assert appeal.channel == Appeal.Channel.OPEN311
    assert appeal.author is None
    assert appeal.contact_name == "Іван Петренко"
    assert appeal.attributes == {"size": "medium", "on_crossing": "yes"}
    assert appeal.open311_key.name == "Тестовий застосунок"


def test_post_with_a_photo_and_a_multivalue_attribute(client, community, categories, api_key):
    CategoryAttribute.objects.create(
        community=community,
        category=categories["bins-full"],
        code="kinds",
        datatype="multivaluelist",
        description="Що саме?",
        order=2,
        values=[{"key": "a", "name": "А"}, {"key": "b", "name": "Б"}],
    )
    response = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": api_key,
            "service_code": "bins-full",
            "lat": LAT,
            "long": LON,
            "attribute[container]": "glass",
            "attribute[kinds][]": ["a", "b"],
            "media": image_upload(),
        },
    )
    assert response.status_code == 200, response.content
    appeal = Appeal.objects.get(pk=json_of(response)[0]["service_request_id"])
    assert appeal.attributes == {"container": "glass", "kinds": ["a", "b"]}
    assert appeal.photos.count() == 1


def test_address_string_finds_the_registry_street(client, community, categories, api_key):
    response = post(
        client,
        api_key=api_key,
        service_code="light-out",
        address_string="проспект Миру, 12",
        description="Темно.",
    )
    appeal = Appeal.objects.get(pk=json_of(response)[0]["service_request_id"])
    assert appeal.street.name == "проспект Миру"
    assert appeal.lat is not None
    assert appeal.address == "проспект Миру, 12"


def test_address_string_takes_the_longest_street_name_it_holds(
    client, community, categories, api_key
):
    from hromada.core.models import Street

    settlement = Street.objects.get(settlement__community=community).settlement
    for name in ("вулиця Миру Нова", "провулок Миру", "ВУЛИЦЯ ДОВГА"):
        Street.objects.create(settlement=settlement, name=name, lat=46.3, lon=30.65)
    cases = {
        "вулиця миру нова, 3": "вулиця Миру Нова",  # not "проспект Миру" by its core "миру"
        "Довга, 7": "ВУЛИЦЯ ДОВГА",  # the name without its kind, in any case
    }
    for address, expected in cases.items():
        response = post(client, api_key=api_key, service_code="light-out", address_string=address)
        appeal = Appeal.objects.get(pk=json_of(response)[0]["service_request_id"])
        assert appeal.street.name == expected


def test_address_id_is_a_registry_street(client, community, categories, api_key):
    from hromada.core.models import Street

    street = Street.objects.get(settlement__community=community)
    response = post(client, api_key=api_key, service_code="light-out", address_id=str(street.pk))
    appeal = Appeal.objects.get(pk=json_of(response)[0]["service_request_id"])
    assert (appeal.lat, appeal.lon) == (street.lat, street.lon)
    response = post(client, api_key=api_key, service_code="light-out", address_id="999999")
    assert response.status_code == 400


def test_unknown_address_string_is_kept_for_staff(client, categories, api_key):
    response = post(
        client, api_key=api_key, service_code="light-out", address_string="біля старого млина"
    )
    appeal = Appeal.objects.get(pk=json_of(response)[0]["service_request_id"])
    assert appeal.lat is None and appeal.address == "біля старого млина"


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_missing_or_wrong_api_key_is_403(client, categories, api_key, fmt):
    for key in ("", "wrong-key"):
        response = post(client, fmt, api_key=key, service_code="light-out", lat=LAT, long=LON)
        assert response.status_code == 403
        [(code, description)] = errors_of(response, fmt)
        assert code == 403 and "api_key" in description
    assert not Appeal.objects.exists()


def test_revoked_key_and_key_of_another_community_are_refused(
    client, community, other_community, categories, other_categories, api_key
):
    _other_key, other_raw = services.issue_open311_key(community=other_community, name="Інший")
    response = post(client, api_key=other_raw, service_code="light-out", lat=LAT, long=LON)
    assert response.status_code == 403
    services.revoke_open311_key(key=Open311Key.objects.get(community=community), actor=None)
    response = post(client, api_key=api_key, service_code="light-out", lat=LAT, long=LON)
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("data", "status", "needle"),
    [
        ({}, 400, "service_code"),
        ({"service_code": "nothing", "lat": LAT, "long": LON}, 404, "service_code"),
        ({"service_code": "light-out"}, 400, "location"),
        ({"service_code": "light-out", "lat": LAT}, 400, "long"),
        ({"service_code": "light-out", "lat": "north", "long": LON}, 400, "lat"),
        ({"service_code": "light-out", "lat": OUTSIDE[0], "long": OUTSIDE[1]}, 400, "території"),
        (
            {"service_code": "light-out", "lat": LAT, "long": LON, "description": "я" * 4001},
            400,
            "4001",
        ),
        ({"service_code": "pothole", "lat": LAT, "long": LON}, 400, "розмір"),
        (
            {"service_code": "pothole", "lat": LAT, "long": LON, "attribute[size]": "giant"},
            400,
            "розмір",
        ),
        ({"service_code": "light-out", "lat": LAT, "long": LON, "email": "nope"}, 400, "пошти"),
        (
            {"service_code": "light-out", "lat": LAT, "long": LON, "media_url": "ftp://x"},
            400,
            "http",
        ),
    ],
)
def test_bad_posts_are_refused_and_store_nothing(client, categories, api_key, data, status, needle):
    for fmt in ("xml", "json"):
        response = post(client, fmt, api_key=api_key, **data)
        assert response.status_code == status
        described = " ".join(text for _code, text in errors_of(response, fmt))
        assert needle.lower() in described.lower()
    assert not Appeal.objects.exists()


def test_several_problems_come_back_as_several_errors(client, categories, api_key):
    response = post(
        client,
        api_key=api_key,
        service_code="pothole",
        lat=OUTSIDE[0],
        long=OUTSIDE[1],
        description="я" * 4001,
    )
    assert response.status_code == 400
    assert len(errors_of(response, "json")) == 3


def test_non_image_media_is_refused(client, categories, api_key):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": api_key,
            "service_code": "light-out",
            "lat": LAT,
            "long": LON,
            "media": SimpleUploadedFile("x.jpg", b"GIF89a broken"),
        },
    )
    assert response.status_code == 400
    assert not Appeal.objects.exists()


def test_keys_are_rate_limited(client, community, categories):
    _key, raw = services.issue_open311_key(community=community, name="Малий", requests_per_minute=2)
    codes = [
        post(client, api_key=raw, service_code="light-out", lat=LAT, long=LON).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 400]


def test_get_on_post_only_semantics(client, community):
    response = client.put(f"{BASE}/requests.json")
    assert response.status_code == 400


# -- reading requests ---------------------------------------------------------


@pytest.fixture
def published(community, categories, resident, moderator):
    """Three reports: new, accepted with a note, and rejected; plus a private complaint."""
    first = report(community, categories, resident, address="проспект Миру, 1")
    second = report(
        community,
        categories,
        resident,
        code="pothole",
        attributes={"size": "small"},
        address="проспект Миру, 2",
        photos=[image_upload()],
    )
    services.accept_appeal(appeal=second, moderator=moderator, note="Передано до ЖКГ.")
    third = report(community, categories, resident, code="water-leak")
    services.reject_appeal(appeal=third, staff=moderator, reason="Дубль.")
    services.submit_written_appeal(
        community=community,
        kind=Appeal.Kind.COMPLAINT,
        category=categories["other-problem"],
        subject="Скарга",
        text="Приватна скарга.",
        author=resident,
    )
    return first, second, third


def test_requests_xml_has_every_field_in_order(client, published):
    root = xml_of(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests"
    requests = root.findall("request")
    assert len(requests) == 3  # the written complaint is not public
    assert [child.tag for child in requests[0]] == [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ]
    for request in requests:
        for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
            assert W3.match(request.findtext(name)), request.findtext(name)
    by_id = {int(r.findtext("service_request_id")): r for r in requests}
    first, second, third = published
    assert by_id[first.pk].findtext("status") == "open"
    assert by_id[third.pk].findtext("status") == "closed"
    assert by_id[third.pk].findtext("status_notes") == "Дубль."
    assert by_id[second.pk].findtext("status_notes") == "Передано до ЖКГ."
    assert by_id[second.pk].findtext("agency_responsible").startswith("Управління")
    assert (
        by_id[second.pk].findtext("media_url")
        == f"http://testserver/appeals/{second.pk}/photos/cover/"
    )
    assert first.number in by_id[first.pk].findtext("service_notice")
    assert float(by_id[first.pk].findtext("lat")) == pytest.approx(LAT)


def test_requests_json_is_spark(client, published):
    data = json_of(client.get(f"{BASE}/requests.json"))
    assert isinstance(data, list) and len(data) == 3
    first = next(item for item in data if item["service_request_id"] == published[0].pk)
    assert first["status"] == "open"
    assert isinstance(first["lat"], float) and isinstance(first["long"], float)
    assert first["zipcode"] is None
    assert first["media_url"] is None
    # Newest first.
    assert [item["service_request_id"] for item in data] == sorted(
        (item["service_request_id"] for item in data), reverse=True
    )


def test_requests_filters(client, published):
    first, second, third = published

    def ids(**params):
        return {
            i["service_request_id"] for i in json_of(client.get(f"{BASE}/requests.json", params))
        }

    assert ids(status="open") == {first.pk, second.pk}
    assert ids(status="closed") == {third.pk}
    assert ids(status="open,closed") == {first.pk, second.pk, third.pk}
    assert ids(service_code="pothole,water-leak") == {second.pk, third.pk}
    assert ids(service_request_id=f"{first.pk},{third.pk}", status="open") == {first.pk, third.pk}
    now = timezone.now()
    start = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S+02:00")
    assert ids(start_date=start, end_date=end) == {first.pk, second.pk, third.pk}
    old = (now - timedelta(days=80)).strftime("%Y-%m-%dT%H:%M:%SZ")
    older = (now - timedelta(days=85)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(start_date=older, end_date=old) == set()
    assert ids(service_code="") == {first.pk, second.pk, third.pk}  # empty = not given


def test_requests_default_to_the_last_90_days(client, published):
    Appeal.objects.filter(pk=published[0].pk).update(created_at=timezone.now() - timedelta(days=91))
    data = json_of(client.get(f"{BASE}/requests.json"))
    assert published[0].pk not in {item["service_request_id"] for item in data}


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "yesterday"},
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
        {"status": "pending"},
        {"service_request_id": "1,abc"},
    ],
)
def test_bad_request_queries_are_400(client, published, params):
    for fmt in ("xml", "json"):
        response = client.get(f"{BASE}/requests.{fmt}", params)
        assert response.status_code == 400
        assert errors_of(response, fmt)[0][0] == 400


def test_one_request(client, published):
    first = published[0]
    root = xml_of(client.get(f"{BASE}/requests/{first.pk}.xml"))
    assert [int(r.findtext("service_request_id")) for r in root.findall("request")] == [first.pk]
    data = json_of(client.get(f"{BASE}/requests/{first.pk}.json"))
    assert len(data) == 1 and data[0]["service_code"] == "light-out"


def test_private_and_missing_requests_are_404(client, published):
    complaint = Appeal.objects.get(kind=Appeal.Kind.COMPLAINT)
    for path in (f"{BASE}/requests/{complaint.pk}.json", f"{BASE}/requests/999999.json"):
        response = client.get(path)
        assert response.status_code == 404
        assert errors_of(response, "json")[0][0] == 404


def test_token_gives_the_request_id(client, published):
    first = published[0]
    root = xml_of(client.get(f"{BASE}/tokens/{first.token}.xml"))
    request = root.find("request")
    assert int(request.findtext("service_request_id")) == first.pk
    assert request.findtext("token") == first.token
    data = json_of(client.get(f"{BASE}/tokens/{first.token}.json"))
    assert data == [{"service_request_id": first.pk, "token": first.token}]
    assert client.get(f"{BASE}/tokens/nothing.json").status_code == 404


# -- jurisdictions ------------------------------------------------------------


def test_jurisdiction_id_selects_the_community(
    client, community, other_community, categories, other_categories, published
):
    """On the first community's host, jurisdiction_id=pivdenne answers for Pivdenne."""
    other = json_of(client.get(f"{BASE}/requests.json", {"jurisdiction_id": "pivdenne"}))
    assert other == []
    mine = json_of(client.get(f"{BASE}/requests.json", {"jurisdiction_id": "chornomorsk"}))
    assert len(mine) == 3
    by_host = json_of(Client(HTTP_HOST="pivdenne.localhost").get(f"{BASE}/requests.json"))
    assert by_host == []
    response = client.get(f"{BASE}/services.xml", {"jurisdiction_id": "atlantis"})
    assert response.status_code == 404
    assert "jurisdiction_id" in errors_of(response, "xml")[0][1]
    assert (
        client.get(
            f"{BASE}/requests/{published[0].pk}.json", {"jurisdiction_id": "pivdenne"}
        ).status_code
        == 404
    )


def test_posting_to_another_jurisdiction_needs_its_key(
    client, community, other_community, categories, other_categories, api_key
):
    response = post(
        client,
        api_key=api_key,
        jurisdiction_id="pivdenne",
        service_code="light-out",
        lat=LAT,
        long=LON,
    )
    assert response.status_code == 403
    _key, raw = services.issue_open311_key(community=other_community, name="Південне")
    response = post(
        client, api_key=raw, jurisdiction_id="pivdenne", service_code="light-out", lat=LAT, long=LON
    )
    assert response.status_code == 200
    assert Appeal.objects.get().community == other_community


# -- the key command and a client library --------------------------------------


def test_open311_key_command_prints_a_working_key(client, community, categories):
    out, err = StringIO(), StringIO()
    call_command("open311-key", "FixMyStreet Чорноморськ", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    key = Open311Key.objects.get()
    assert key.name == "FixMyStreet Чорноморськ" and key.prefix == raw[:8]
    assert raw not in key.key_hash
    assert post(client, api_key=raw, service_code="light-out", lat=LAT, long=LON).status_code == 200


def test_open311_key_command_needs_a_known_community(community):
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("open311-key", "Застосунок", community="atlantis", stdout=StringIO())


def test_index_page_describes_the_api(client, categories):
    response = client.get(f"{BASE}/")
    assert response.status_code == 200
    assert "discovery.xml" in response.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_reads_everything(live_server, community, categories, resident, fmt):
    """The georeport library (PyPI) lists services, definitions and requests without trouble."""
    georeport = pytest.importorskip("georeport")
    first = report(community, categories, resident, address="проспект Миру, 1")
    client = georeport.GeoReport(
        f"{live_server.url}{BASE}", jurisdiction="chornomorsk", output_format=fmt
    )
    services_ = client.get_service_list()
    assert "pothole" in {item["service_code"] for item in services_}
    definition = client.get_service_definition("pothole")
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = attributes["attribute"]
        attributes = attributes if isinstance(attributes, list) else [attributes]
    assert attributes[0]["code"] == "size"
    requests_ = client.get_service_requests(status="open")
    if fmt == "xml":
        requests_ = [requests_] if isinstance(requests_, dict) else requests_
    assert [str(item["service_request_id"]) for item in requests_] == [str(first.pk)]
    one = client.get_service_request(str(first.pk))
    assert str(one["service_request_id"]) == str(first.pk)


@pytest.mark.parametrize(
    "value",
    [
        "2026-03-29 00:30:00",  # the spring switch in Kyiv is at 01:00 UTC
        "2026-03-29 01:30:00.250000",
        "2026-10-25 00:59:59",  # and the autumn one
        "2026-10-25 01:00:00",
        "2026-07-01 12:00:05",
    ],
)
def test_times_carry_the_kyiv_offset_across_daylight_saving(value):
    """The fast formatter agrees with zoneinfo on both sides of each switch."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from hromada.appeals.open311 import W3Times

    kyiv = ZoneInfo("Europe/Kyiv")
    stored = datetime.fromisoformat(value).replace(tzinfo=UTC)
    expected = stored.astimezone(kyiv).isoformat(timespec="seconds")
    assert W3Times(kyiv)(value) == expected
    assert W3Times(kyiv)(stored) == expected
    assert W3.match(expected)


def test_lists_show_changes_at_once(client, community, categories, resident, moderator):
    """Answers and kept row texts never outlive a change to the report or its category."""
    appeal = report(community, categories, resident)
    first = json_of(client.get(f"{BASE}/requests.json"))[0]
    assert first["status_notes"] == "зареєстровано" and first["media_url"] is None
    services.accept_appeal(appeal=appeal, moderator=moderator, note="Передано до ЖКГ.")
    services.resolve_appeal(
        appeal=appeal, staff=moderator, comment="Лампу замінено.", photo=image_upload()
    )
    second = json_of(client.get(f"{BASE}/requests.json"))[0]
    assert (second["status"], second["status_notes"]) == ("closed", "Лампу замінено.")
    category = categories["light-out"]
    category.name = "Не світить вуличний ліхтар"
    category.save()
    from hromada.appeals.selectors import forget_categories

    forget_categories(community)
    third = json_of(client.get(f"{BASE}/requests.json", {"status": "closed"}))[0]
    assert third["service_name"] == "Не світить вуличний ліхтар"
    xml = xml_of(client.get(f"{BASE}/requests.xml", {"status": "closed"}))
    assert xml.find("request/service_name").text == "Не світить вуличний ліхтар"


def test_a_new_photo_reaches_the_list(client, community, categories, resident):
    appeal = report(community, categories, resident)
    assert json_of(client.get(f"{BASE}/requests.json"))[0]["media_url"] is None
    services.add_photos(appeal=appeal, resident=resident, photos=[image_upload()])
    media = json_of(client.get(f"{BASE}/requests.json"))[0]["media_url"]
    assert media == f"http://testserver/appeals/{appeal.pk}/photos/cover/"
    assert client.get(media.removeprefix("http://testserver")).status_code == 200
