"""The REST API at /api/v1/petitions/: the same rules, one error shape."""

import pytest
from django.test import Client

from hromada.core.models import Identity
from hromada.core.services import issue_api_token
from hromada.petitions import services
from hromada.petitions.models import Petition, Signature
from tests.factories import client_for, make_resident
from tests.petitions.conftest import TEXT, make_collecting, sign_by_new_residents

pytestmark = pytest.mark.django_db
BASE = "/api/v1/petitions/"
JSON = "application/json"


def token_client(resident) -> Client:
    _token, key = issue_api_token(resident=resident, name="test")
    return Client(HTTP_HOST="testserver", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_list_is_paginated_and_filtered(collecting, consideration_pair):
    data = client_for().get(BASE).json()
    assert set(data) == {"items", "count", "page", "pages"}
    assert data["count"] == 2
    item = data["items"][0]
    assert {"id", "uid", "title", "status", "signature_count", "threshold", "url"} <= set(item)
    collecting_only = client_for().get(BASE, {"status": "collecting"}).json()
    assert [i["id"] for i in collecting_only["items"]] == [collecting.pk]
    found = client_for().get(BASE, {"q": "ПЕРЕХІД"}).json()
    assert found["count"] == 2
    page = client_for().get(BASE, {"page_size": 1, "page": 2}).json()
    assert page["pages"] == 2 and len(page["items"]) == 1


@pytest.fixture
def consideration_pair(community, author, topic, moderator, rules):
    petition = make_collecting(community, author, topic, moderator)
    sign_by_new_residents(petition, 3)
    return petition


@pytest.mark.parametrize(("param", "value"), [("status", "draft"), ("sort", "random")])
def test_unknown_filter_values_are_validation_errors(collecting, param, value):
    response = client_for().get(BASE, {param: value})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation"
    assert param in response.json()["error"]["fields"]


def test_detail_has_history_and_answer_fields(collecting):
    data = client_for().get(f"{BASE}{collecting.pk}").json()
    assert data["text"] == collecting.text
    assert data["status"] == "collecting"
    assert [item["event"] for item in data["history"]] == [
        "Надіслано на модерацію",
        "Оприлюднено; розпочато збір підписів",
    ]
    assert data["answer_document_url"] is None


def test_drafts_and_hidden_petitions_are_not_found(draft, collecting, moderator, author):
    assert client_for().get(f"{BASE}{draft.pk}").json()["error"]["code"] == "petition_not_found"
    assert token_client(author).get(f"{BASE}{draft.pk}").status_code == 200
    services.hide_petition(petition=collecting, moderator=moderator, reason="Спам.")
    assert client_for().get(f"{BASE}{collecting.pk}").status_code == 404
    assert client_for().get(f"{BASE}{collecting.pk}/signers").status_code == 404


def test_create_and_submit(community, author, topic, rules):
    response = token_client(author).post(
        BASE,
        {"title": "Облаштувати пішохідний перехід", "text": TEXT, "topic_id": topic.pk},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["status"] == "submitted"
    assert Petition.objects.get().author == author


def test_create_a_draft(community, author, topic, rules):
    response = token_client(author).post(
        BASE,
        {
            "title": "Облаштувати пішохідний перехід",
            "text": TEXT,
            "topic_id": topic.pk,
            "submit": False,
        },
        content_type="application/json",
    )
    assert response.json()["status"] == "draft"
    petition_id = response.json()["id"]
    submitted = token_client(author).post(f"{BASE}{petition_id}/submit")
    assert submitted.json()["status"] == "submitted"
    withdrawn = token_client(author).post(f"{BASE}{petition_id}/withdraw")
    assert withdrawn.json()["status"] == "withdrawn"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "Д" * 250}, "title"),
        ({"text": "коротко"}, "text"),
        ({"topic_id": 999999}, "topic"),
        ({"collection_days": 1000}, "collection_days"),
    ],
)
def test_create_with_bad_fields(community, author, topic, rules, payload, field):
    body = {"title": "Облаштувати пішохідний перехід", "text": TEXT, "topic_id": topic.pk}
    body.update(payload)
    response = token_client(author).post(BASE, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation"
    assert field in response.json()["error"]["fields"]
    assert not Petition.objects.exists()


def test_create_with_a_malformed_body(community, author, topic, rules):
    response = token_client(author).post(
        BASE, {"title": 5, "topic_id": "x"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation"
    assert not Petition.objects.exists()


def test_create_needs_authentication(community, topic, rules):
    response = client_for().post(
        BASE, {"title": "x", "text": TEXT, "topic_id": topic.pk}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_session_post_without_csrf_is_refused(community, author, topic, rules):
    client = Client(HTTP_HOST="testserver", enforce_csrf_checks=True)
    client.force_login(author, backend="hromada.core.auth.ResidentBackend")
    response = client.post(
        BASE,
        {"title": "Облаштувати пішохідний перехід", "text": TEXT, "topic_id": topic.pk},
        content_type="application/json",
    )
    assert response.status_code in (401, 403)
    assert not Petition.objects.exists()


def test_sign_and_sign_again(collecting, community):
    client = token_client(make_resident(community))
    first = client.post(
        f"{BASE}{collecting.pk}/sign", {"notify_on_answer": True}, content_type="application/json"
    )
    assert first.status_code == 201
    assert first.json()["signature_count"] == 1
    again = client.post(f"{BASE}{collecting.pk}/sign", content_type=JSON)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "petition_already_signed"
    assert Signature.objects.get().notify_on_answer


def test_sign_refusals_have_codes(consideration_pair, collecting, community, other_community):
    closed = token_client(make_resident(community)).post(
        f"{BASE}{consideration_pair.pk}/sign", content_type=JSON
    )
    assert (closed.status_code, closed.json()["error"]["code"]) == (409, "petition_closed")
    weak = token_client(make_resident(community, level=Identity.EMAIL)).post(
        f"{BASE}{collecting.pk}/sign", content_type=JSON
    )
    assert (weak.status_code, weak.json()["error"]["code"]) == (403, "identity_required")
    stranger = token_client(make_resident(other_community)).post(
        f"{BASE}{collecting.pk}/sign", content_type=JSON
    )
    assert stranger.json()["error"]["code"] == "petition_not_linked"
    missing = token_client(make_resident(community)).post(f"{BASE}999999/sign", content_type=JSON)
    assert missing.status_code == 404


def test_signing_through_the_api_is_rate_limited(collecting, community, one_rate_window):
    client = token_client(make_resident(community))
    codes = [
        client.post(f"{BASE}{collecting.pk}/sign", content_type=JSON).status_code for _ in range(21)
    ]
    assert codes[0] == 201 and set(codes[1:20]) == {409}
    assert codes[20] == 429
    assert (
        client.post(f"{BASE}{collecting.pk}/sign", content_type=JSON).json()["error"]["code"]
        == "rate_limited"
    )


def test_signers_are_public_and_paginated(collecting, community):
    signer = make_resident(community, full_name="Підписант Олег Іванович")
    services.sign_petition(petition=collecting, resident=signer)
    data = client_for().get(f"{BASE}{collecting.pk}/signers").json()
    assert data["count"] == 1
    assert data["items"][0]["full_name"] == "Підписант Олег Іванович"
    assert "signed_at" in data["items"][0]


def test_statistics_are_shaped_like_e_dem(collecting, consideration_pair, submitted):
    data = client_for().get(f"{BASE}statistics").json()
    assert data == {
        "Petitions": 2,
        "PetitionsActive": 1,
        "PetitionsPending": 1,
        "OnlineVotes": 3,
    }


def test_topics(topic):
    assert client_for().get(f"{BASE}topics").json() == [{"id": topic.pk, "name": topic.name}]
