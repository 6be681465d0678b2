"""The REST API at /api/v1/appeals/: the same services, JSON errors with stable codes."""

import pytest

from hromada.appeals import services
from hromada.appeals.models import Appeal
from hromada.core.models import Identity
from hromada.core.services import issue_api_token
from tests.appeals.conftest import LAT, LON, OUTSIDE, image_upload, report
from tests.factories import client_for, make_resident

pytestmark = pytest.mark.django_db
API = "/api/v1/appeals"


def bearer(resident) -> dict:
    _token, key = issue_api_token(resident=resident, name="тест")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_categories_are_public(community, categories):
    data = client_for().get(f"{API}/categories").json()
    pothole = next(item for item in data if item["code"] == "pothole")
    assert pothole["group"] == "Дороги і тротуари"
    assert pothole["questions"][0]["code"] == "size"
    assert ["small", "до 30 см"] in pothole["questions"][0]["choices"]


def test_report_through_the_api(community, categories, resident):
    response = client_for().post(
        f"{API}/reports",
        {
            "category": "pothole",
            "description": "Яма біля школи.",
            "lat": LAT,
            "lon": LON,
            "attributes": {"size": "large"},
        },
        content_type="application/json",
        **bearer(resident),
    )
    assert response.status_code == 201
    data = response.json()
    appeal = Appeal.objects.get(pk=data["id"])
    assert appeal.channel == Appeal.Channel.API and appeal.author == resident
    assert data["number"] == appeal.number and data["status"] == "new"


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        (
            {"category": "nothing", "description": "x", "lat": LAT, "lon": LON},
            "appeal_category_invalid",
            "category",
        ),
        ({"category": "light-out", "description": "x"}, "appeal_location_required", "location"),
        (
            {"category": "light-out", "description": "x", "lat": OUTSIDE[0], "lon": OUTSIDE[1]},
            "appeal_outside_territory",
            "location",
        ),
        (
            {"category": "light-out", "description": "я" * 4001, "lat": LAT, "lon": LON},
            "appeal_text_invalid",
            "description",
        ),
    ],
)
def test_bad_reports_get_stable_codes(community, categories, resident, payload, code, field):
    response = client_for().post(
        f"{API}/reports", payload, content_type="application/json", **bearer(resident)
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code
    assert field in error["fields"]
    assert not Appeal.objects.exists()


def test_api_needs_authentication_and_identity(community, categories):
    response = client_for().post(
        f"{API}/reports",
        {"category": "light-out", "description": "x", "lat": LAT, "lon": LON},
        content_type="application/json",
    )
    assert response.status_code == 401
    unconfirmed = make_resident(community, level=Identity.NONE)
    response = client_for().post(
        f"{API}/reports",
        {"category": "light-out", "description": "x", "lat": LAT, "lon": LON},
        content_type="application/json",
        **bearer(unconfirmed),
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "identity_required"


def test_photos_support_and_lists(community, categories, resident, neighbour):
    appeal = report(community, categories, resident)
    response = client_for().post(
        f"{API}/reports/{appeal.pk}/photos", {"photos": [image_upload()]}, **bearer(resident)
    )
    assert response.status_code == 201
    assert appeal.photos.count() == 1
    bad = client_for().post(
        f"{API}/reports/{appeal.pk}/photos", {"photos": [image_upload()]}, **bearer(neighbour)
    )
    assert bad.json()["error"]["code"] == "appeal_not_author"
    supported = client_for().post(f"{API}/reports/{appeal.pk}/support", **bearer(neighbour))
    assert supported.status_code == 201 and supported.json()["supporters"] == 1
    again = client_for().post(f"{API}/reports/{appeal.pk}/support", **bearer(neighbour))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "appeal_already_supported"
    listed = client_for().get(f"{API}/reports").json()
    assert listed["count"] == 1 and listed["items"][0]["number"] == appeal.number
    mine = client_for().get(f"{API}/mine", **bearer(neighbour)).json()
    assert [item["id"] for item in mine["items"]] == [appeal.pk]
    nearby = (
        client_for().get(f"{API}/nearby", {"category": "light-out", "lat": LAT, "lon": LON}).json()
    )
    assert nearby[0]["number"] == appeal.number and nearby[0]["distance_m"] == 0


def test_written_appeal_is_private_in_the_api(community, categories, resident, neighbour):
    response = client_for().post(
        f"{API}/written",
        {"kind": "complaint", "category": "bins-full", "subject": "Скарга", "text": "Текст."},
        content_type="application/json",
        **bearer(resident),
    )
    assert response.status_code == 201
    pk = response.json()["id"]
    assert client_for().get(f"{API}/reports/{pk}").status_code == 404
    assert client_for().get(f"{API}/reports/{pk}", **bearer(neighbour)).status_code == 404
    assert client_for().get(f"{API}/reports/{pk}", **bearer(resident)).json()["subject"] == "Скарга"
    assert client_for().get(f"{API}/reports").json()["count"] == 0


def test_confirm_and_reopen_in_the_api(resolved_report, resident):
    response = client_for().post(
        f"{API}/{resolved_report.pk}/reopen",
        {"reason": "Знову темно."},
        content_type="application/json",
        **bearer(resident),
    )
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    again = client_for().post(f"{API}/{resolved_report.pk}/confirm", **bearer(resident))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "appeal_wrong_status"


def test_api_submissions_are_rate_limited(community, categories, resident):
    headers = bearer(resident)
    codes = []
    for _ in range(21):
        codes.append(
            client_for()
            .post(
                f"{API}/reports",
                {"category": "light-out", "description": "x", "lat": LAT, "lon": LON},
                content_type="application/json",
                **headers,
            )
            .status_code
        )
    assert codes[:20] == [201] * 20 and codes[20] == 429


def test_moderation_then_public_status(community, categories, resident, moderator):
    appeal = report(community, categories, resident)
    services.reject_appeal(appeal=appeal, staff=moderator, reason="Дубль.", hide=True)
    assert client_for().get(f"{API}/reports/{appeal.pk}").status_code == 404
    data = client_for().get(f"{API}/reports/{appeal.pk}", **bearer(resident)).json()
    assert data["status"] == "rejected" and data["answer"] == "Дубль."
