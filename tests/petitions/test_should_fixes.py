"""Small fixes residents and clerks asked for on the petition pages (issue 10)."""

import pytest

from tests.factories import client_for, make_resident
from tests.petitions.conftest import sign_by_new_residents

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


def test_htmx_signing_updates_the_count_on_the_page(collecting, community):
    """The box and, out of band, the count above it include the new signature."""
    sign_by_new_residents(collecting, 1)
    client = client_for(make_resident(community))
    before = page(client.get(collecting.get_absolute_url()))
    assert '<div id="petition-progress">' in before
    assert 'aria-valuenow="1"' in before
    response = client.post(f"/petitions/{collecting.pk}/sign/", HTTP_HX_REQUEST="true")
    text = page(response)
    assert text.lstrip().startswith('<section class="card sign-box" id="sign-box"')
    assert '<div id="petition-progress" hx-swap-oob="true">' in text
    assert 'aria-valuenow="2"' in text
    assert "2 підписи з 3 потрібних" in text


def test_signing_without_javascript_shows_the_new_count(collecting, community):
    client = client_for(make_resident(community))
    response = client.post(f"/petitions/{collecting.pk}/sign/", follow=True)
    assert 'aria-valuenow="1"' in page(response)
