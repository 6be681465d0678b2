"""Strong identification end to end against an OpenID Connect provider on 127.0.0.1."""

from urllib.parse import urlparse

import pytest
import requests

from hromada.core.identity import tax_number_hash
from hromada.core.models import AuditEntry, Identity, Resident
from tests.factories import client_for, make_resident
from tests.support.oidc_provider import OIDCProvider

CLAIMS = {
    "sub": "person-1",
    "family_name": "Петренко",
    "given_name": "Марія",
    "middle_name": "Іванівна",
    "birthdate": "1988-02-14",
    "drfocode": "3201234567",
}


@pytest.fixture
def provider(settings):
    with OIDCProvider() as running:
        settings.IDGOVUA_CLIENT_ID = ""  # else ID.GOV.UA's own protocol is chosen
        settings.OIDC_ISSUER = running.issuer
        settings.OIDC_CLIENT_ID = running.client_id
        settings.OIDC_CLIENT_SECRET = running.client_secret
        running.identity = dict(CLAIMS)
        yield running


def identify(client, *, next_url: str = "") -> str:
    """Walk the browser's path: our start → provider → our callback; return the final URL."""
    start = client.post("/accounts/identity/start/", {"next": next_url})
    assert start.status_code == 302
    assert start["Location"].startswith("http://127.0.0.1:")
    consent = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert consent.status_code == 302
    callback = urlparse(consent.headers["Location"])
    response = client.get(f"{callback.path}?{callback.query}")
    assert response.status_code == 302
    return response["Location"]


def test_identification_makes_the_account_strong(community, provider):
    resident = make_resident(community, level=Identity.EMAIL, full_name="Маша")
    client = client_for(resident)

    final = identify(client, next_url="/accounts/profile/")

    resident.refresh_from_db()
    assert final == "/accounts/profile/"
    assert resident.identity_level == Identity.STRONG
    assert resident.full_name == "Петренко Марія Іванівна"
    assert str(resident.birth_date) == "1988-02-14"
    assert resident.tax_hash == tax_number_hash("3201234567")
    assert "3201234567" not in str(Resident.objects.filter(pk=resident.pk).values().first())
    assert (
        AuditEntry.objects.filter(action="resident.identified", target_id=str(resident.pk)).count()
        == 1
    )


def test_second_account_of_the_same_person_cannot_become_strong(community, provider):
    first = make_resident(community, level=Identity.EMAIL)
    identify(client_for(first))
    second = make_resident(community, level=Identity.EMAIL)
    client = client_for(second)

    final = identify(client)

    second.refresh_from_db()
    assert final == "/accounts/identity/"
    assert second.identity_level == Identity.EMAIL
    assert second.tax_hash is None
    page = client.get(final).content.decode()
    assert "вже ідентифіковано в іншому обліковому записі" in page


def test_forged_callback_state_is_refused(community, provider):
    resident = make_resident(community, level=Identity.EMAIL)
    client = client_for(resident)
    client.post("/accounts/identity/start/")

    response = client.get("/accounts/identity/callback/?code=forged&state=forged")

    resident.refresh_from_db()
    assert response["Location"] == "/accounts/identity/"
    assert resident.identity_level == Identity.EMAIL


def test_cancelling_at_the_provider_changes_nothing(community, provider):
    resident = make_resident(community, level=Identity.EMAIL)
    client = client_for(resident)
    client.post("/accounts/identity/start/")

    response = client.get("/accounts/identity/callback/?error=access_denied", follow=True)

    resident.refresh_from_db()
    assert "Ідентифікацію скасовано" in response.content.decode()
    assert resident.identity_level == Identity.EMAIL


def test_identity_start_without_provider_explains(community, settings):
    settings.IDGOVUA_CLIENT_ID = ""
    settings.OIDC_ISSUER = ""
    resident = make_resident(community, level=Identity.EMAIL)
    response = client_for(resident).post("/accounts/identity/start/", follow=True)
    assert "ще не налаштовано" in response.content.decode()
