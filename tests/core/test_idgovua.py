"""Strong identification end to end against a stand-in ID.GOV.UA on 127.0.0.1."""

from urllib.parse import parse_qs, urlparse

import pytest
import requests

from hromada.core.identity import tax_number_hash
from hromada.core.models import AuditEntry, Identity, Resident
from tests.factories import client_for, make_resident
from tests.support.idgovua_provider import IdGovUaProvider
from tests.support.oidc_provider import OIDCProvider

PERSON = {
    "lastname": "Петренко",
    "givenname": "Марія",
    "middlename": "Іванівна",
    "drfocode": "3201234567",
    "email": "maria@example.test",
    "phone": "+380501234567",
}


@pytest.fixture
def provider(settings):
    with IdGovUaProvider() as running:
        settings.IDGOVUA_URL = running.url
        settings.IDGOVUA_CLIENT_ID = running.client_id
        settings.IDGOVUA_CLIENT_SECRET = running.client_secret
        settings.IDGOVUA_AUTH_TYPES = "dig_sign,bank_id,diia_id"
        settings.IDGOVUA_TIMEOUT = 5
        settings.OIDC_ISSUER = ""
        running.identity = dict(PERSON)
        yield running


def sign_in_at_provider(client, *, next_url: str = "") -> str:
    """Post our start form and follow ID.GOV.UA; return the callback path with its query."""
    start = client.post("/accounts/identity/start/", {"next": next_url})
    assert start.status_code == 302
    answer = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    callback = urlparse(answer.headers["Location"])
    assert callback.path == "/accounts/identity/callback/"
    return f"{callback.path}?{callback.query}"


def identify(client, *, next_url: str = "") -> str:
    """Walk the browser's path: our start → ID.GOV.UA → our callback; return the final URL."""
    response = client.get(sign_in_at_provider(client, next_url=next_url))
    assert response.status_code == 302
    return response["Location"]


def error_shown(client, final: str) -> str:
    assert final == "/accounts/identity/"
    return client.get(final).content.decode()


def assert_unchanged(resident: Resident) -> None:
    resident.refresh_from_db()
    assert resident.identity_level == Identity.EMAIL
    assert resident.tax_hash is None
    assert not AuditEntry.objects.filter(
        action="resident.identified", target_id=str(resident.pk)
    ).exists()


def test_identification_makes_the_account_strong(community, provider):
    resident = make_resident(community, level=Identity.EMAIL, full_name="Маша")
    client = client_for(resident)

    final = identify(client, next_url="/accounts/profile/")

    resident.refresh_from_db()
    assert final == "/accounts/profile/"
    assert resident.identity_level == Identity.STRONG
    assert resident.full_name == "Петренко Марія Іванівна"
    assert resident.tax_hash == tax_number_hash("3201234567")
    assert "3201234567" not in str(Resident.objects.filter(pk=resident.pk).values().first())
    assert (
        AuditEntry.objects.filter(action="resident.identified", target_id=str(resident.pk)).count()
        == 1
    )
    assert "Вас ідентифіковано" in client.get(final).content.decode()


def test_the_resident_is_sent_with_the_real_parameters(community, provider):
    client = client_for(make_resident(community, level=Identity.EMAIL))

    start = client.post("/accounts/identity/start/")

    target = urlparse(start["Location"])
    query = parse_qs(target.query)
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{provider.url}/"
    assert "auth_type=dig_sign,bank_id,diia_id" in target.query  # the list as written
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [provider.client_id]
    assert query["redirect_uri"] == ["http://testserver/accounts/identity/callback/"]
    assert len(query["state"][0]) >= 32
    assert client.session["idgovua_state"] == query["state"][0]


def test_only_the_fields_kept_are_asked_for(community, provider):
    identify(client_for(make_resident(community, level=Identity.EMAIL)))

    (asked,) = provider.user_info_requests
    assert set(asked["fields"].split(",")) == {"lastname", "givenname", "middlename", "drfocode"}
    assert asked["cert"] == ""  # plain JSON, not encrypted to a certificate


def test_second_account_of_the_same_person_cannot_become_strong(community, provider):
    identify(client_for(make_resident(community, level=Identity.EMAIL)))
    second = make_resident(community, level=Identity.EMAIL)
    client = client_for(second)

    final = identify(client)

    assert "вже ідентифіковано в іншому обліковому записі" in error_shown(client, final)
    assert_unchanged(second)


def test_wrong_state_is_refused_before_the_code_is_used(community, provider):
    resident = make_resident(community, level=Identity.EMAIL)
    client = client_for(resident)
    callback = sign_in_at_provider(client)
    code = parse_qs(urlparse(callback).query)["code"][0]

    response = client.get(f"/accounts/identity/callback/?code={code}&state=forged")

    assert "не належить до ідентифікації" in error_shown(client, response["Location"])
    assert code in provider.codes  # never sent to get-access-token
    assert_unchanged(resident)


def test_a_callback_cannot_be_replayed(community, provider):
    resident = make_resident(community, level=Identity.EMAIL)
    client = client_for(resident)
    callback = sign_in_at_provider(client)
    assert client.get(callback)["Location"] == "/accounts/profile/"

    response = client.get(callback)

    assert "не належить до ідентифікації" in error_shown(client, response["Location"])
    identified = AuditEntry.objects.filter(action="resident.identified", target_id=str(resident.pk))
    assert identified.count() == 1


def test_callback_without_a_started_identification_is_refused(community, provider):
    resident = make_resident(community, level=Identity.EMAIL)
    client = client_for(resident)

    response = client.get("/accounts/identity/callback/?code=abc&state=abc")

    assert "не належить до ідентифікації" in error_shown(client, response["Location"])
    assert_unchanged(resident)


def test_cancelling_at_the_provider_changes_nothing(community, provider):
    provider.deny = True
    resident = make_resident(community, level=Identity.EMAIL)
    client = client_for(resident)

    callback = sign_in_at_provider(client)
    response = client.get(callback)

    assert "error=access_denied" in callback
    assert "Ідентифікацію скасовано" in error_shown(client, response["Location"])
    assert_unchanged(resident)


def test_wrong_client_secret_is_a_clear_error(community, provider, settings):
    settings.IDGOVUA_CLIENT_SECRET = "not-the-secret"
    resident = make_resident(community, level=Identity.EMAIL)
    client = client_for(resident)

    final = identify(client)

    assert "ID.GOV.UA не підтвердив ідентифікацію" in error_shown(client, final)
    assert provider.user_info_requests == []
    assert_unchanged(resident)


def test_refused_user_info_is_a_clear_error(community, provider):
    provider.revoke_tokens = True
    resident = make_resident(community, level=Identity.EMAIL)
    client = client_for(resident)

    final = identify(client)

    assert "ID.GOV.UA не передав нам ваших даних" in error_shown(client, final)
    assert_unchanged(resident)


def test_provider_down_is_a_clear_error(community, provider):
    resident = make_resident(community, level=Identity.EMAIL)
    client = client_for(resident)
    callback = sign_in_at_provider(client)
    provider.stop()

    response = client.get(callback)

    assert "ID.GOV.UA зараз не відповідає" in error_shown(client, response["Location"])
    assert_unchanged(resident)


def test_provider_too_slow_is_a_clear_error(community, provider, settings):
    settings.IDGOVUA_TIMEOUT = 0.3
    provider.delay = 1.5
    resident = make_resident(community, level=Identity.EMAIL)
    client = client_for(resident)

    final = identify(client)

    assert "ID.GOV.UA зараз не відповідає" in error_shown(client, final)
    assert_unchanged(resident)


def test_without_a_tax_number_the_account_stays_as_it_was(community, provider):
    del provider.identity["drfocode"]  # e.g. a foreigner's qualified e-signature
    resident = make_resident(community, level=Identity.EMAIL)
    client = client_for(resident)

    final = identify(client)

    page = error_shown(client, final)
    assert "не передав вашого податкового номера (РНОКПП)" in page
    assert_unchanged(resident)


@pytest.mark.parametrize("form", ["json", "raw"])
def test_an_encrypted_answer_is_refused_clearly(community, provider, form):
    provider.encrypted = form
    resident = make_resident(community, level=Identity.EMAIL)
    client = client_for(resident)

    final = identify(client)

    assert "зашифровану відповідь" in error_shown(client, final)
    assert_unchanged(resident)


def test_idgovua_is_chosen_over_openid_connect(community, provider, settings):
    with OIDCProvider() as oidc:
        settings.OIDC_ISSUER = oidc.issuer
        settings.OIDC_CLIENT_ID = oidc.client_id
        client = client_for(make_resident(community, level=Identity.EMAIL))

        start = client.post("/accounts/identity/start/")

    assert start["Location"].startswith(f"{provider.url}/?")


def test_the_identity_page_offers_identification_when_set_up(community, provider, settings):
    client = client_for(make_resident(community, level=Identity.EMAIL))
    assert (
        'action="/accounts/identity/start/"' in client.get("/accounts/identity/").content.decode()
    )

    settings.IDGOVUA_CLIENT_ID = ""
    page = client.get("/accounts/identity/").content.decode()

    assert 'action="/accounts/identity/start/"' not in page
    assert "ще не налаштовано" in page
