"""API tokens expire, can be revoked, and stop working when the password changes."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from hromada.core import services
from hromada.core.errors import Forbidden
from hromada.core.models import ApiToken
from tests.factories import PASSWORD, client_for, make_resident

pytestmark = pytest.mark.django_db

UNAUTHENTICATED = {
    "error": {
        "code": "unauthenticated",
        "message": "Увійдіть або надішліть дійсний токен API.",
        "fields": {},
    }
}


def me_with(key: str):
    return Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_a_token_works_for_the_configured_days(community, settings):
    settings.HROMADA_API_TOKEN_DAYS = 7
    resident = make_resident(community)
    before = timezone.now()
    token, key = services.issue_api_token(resident=resident, name="мій скрипт")
    assert before + timedelta(days=7) <= token.expires_at <= timezone.now() + timedelta(days=7)
    assert me_with(key).status_code == 200


def test_tokens_last_ninety_days_by_default(community):
    token, _key = services.issue_api_token(resident=make_resident(community), name="скрипт")
    lifetime = token.expires_at - token.created_at
    assert timedelta(days=90) - timedelta(seconds=5) < lifetime <= timedelta(days=90)


def test_an_expired_token_is_refused(community):
    resident = make_resident(community)
    token, key = services.issue_api_token(resident=resident, name="скрипт")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = me_with(key)
    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_revoking_from_the_profile(community):
    resident = make_resident(community)
    kept, kept_key = services.issue_api_token(resident=resident, name="телефон")
    gone, gone_key = services.issue_api_token(resident=resident, name="ноутбук")
    client = client_for(resident)

    response = client.post(f"/accounts/profile/tokens/{gone.pk}/revoke/", follow=True)

    assert "Токен «ноутбук» більше не діє." in response.content.decode()
    assert me_with(gone_key).status_code == 401
    assert me_with(kept_key).status_code == 200
    page = client.get("/accounts/profile/").content.decode()
    assert "телефон" in page
    assert "ноутбук" not in page
    assert ApiToken.objects.get(pk=gone.pk).revoked_at is not None  # the record stays


def test_nobody_revokes_another_residents_token(community):
    owner = make_resident(community)
    token, key = services.issue_api_token(resident=owner, name="скрипт")
    stranger = make_resident(community)
    response = client_for(stranger).post(f"/accounts/profile/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    with pytest.raises(Forbidden):
        services.revoke_api_token(resident=stranger, token=token)
    assert me_with(key).status_code == 200


def test_revoking_every_token_from_the_profile(community):
    resident = make_resident(community)
    keys = [services.issue_api_token(resident=resident, name=f"t{n}")[1] for n in range(2)]
    client_for(resident).post("/accounts/profile/tokens/revoke-all/")
    assert [me_with(key).status_code for key in keys] == [401, 401]


def test_changing_the_password_revokes_every_token(community):
    resident = make_resident(community)
    _token, key = services.issue_api_token(resident=resident, name="скрипт")
    client = client_for(resident)

    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "novyi-parol-2026",
            "new_password2": "novyi-parol-2026",
        },
    )

    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.check_password("novyi-parol-2026")
    assert me_with(key).status_code == 401
    # The session that changed the password stays logged in.
    assert client.get("/accounts/profile/").status_code == 200


def test_a_wrong_old_password_changes_nothing(community):
    resident = make_resident(community)
    _token, key = services.issue_api_token(resident=resident, name="скрипт")
    response = client_for(resident).post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": "novyi-2026-x", "new_password2": "novyi-2026-x"},
    )
    assert response.status_code == 200
    assert me_with(key).status_code == 200


def test_resetting_the_password_revokes_every_token(community):
    resident = make_resident(community)
    _token, key = services.issue_api_token(resident=resident, name="скрипт")
    client = client_for()
    client.post("/accounts/password-reset/", {"email": resident.email})
    path = re.search(r"/accounts/password-reset/[^\s]+/[^\s]+/", mail.outbox[0].body).group(0)
    set_url = client.get(path, follow=True).redirect_chain[-1][0]

    done = client.post(
        set_url, {"new_password1": "novyi-parol-2026", "new_password2": "novyi-parol-2026"}
    )

    assert done.status_code == 302
    assert me_with(key).status_code == 401


def test_an_endpoint_needing_auth_answers_401_in_the_error_shape(community):
    for response in (
        Client().get("/api/v1/me"),
        Client().post("/api/v1/me/links", {"kind": "works"}, content_type="application/json"),
        Client().get("/api/v1/me", HTTP_AUTHORIZATION="Bearer no-such-token"),
    ):
        assert response.status_code == 401
        assert response.json() == UNAUTHENTICATED
