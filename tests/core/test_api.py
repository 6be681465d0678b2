"""The REST API: OpenAPI, token and session auth, one error shape."""

from django.test import Client

from hromada.core import services
from tests.factories import client_for, make_resident


def test_openapi_and_docs_are_published(community):
    client = client_for()
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Hromada API"
    assert "/api/v1/me" in schema["paths"]
    docs = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs  # served by us, no CDN


def test_community_of_the_host(community, other_community):
    assert (
        client_for(host="pivdenne.localhost").get("/api/v1/community").json()["slug"] == "pivdenne"
    )


def test_me_needs_authentication_with_the_error_shape(community):
    response = client_for().get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "unauthenticated",
            "message": "Увійдіть або надішліть дійсний токен API.",
            "fields": {},
        }
    }


def test_token_authentication(community):
    resident = make_resident(community)
    _token, key = services.issue_api_token(resident=resident, name="мій скрипт")
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert response.json()["email"] == resident.email
    assert response.json()["links"] == ["lives"]
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_session_authentication(community):
    resident = make_resident(community)
    assert client_for(resident).get("/api/v1/me").json()["id"] == resident.pk


def test_english_error_messages_with_accept_language(community):
    response = client_for().get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["error"]["message"] == "Log in or send a valid API token."
