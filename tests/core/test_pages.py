"""The core pages answer in Ukrainian for the community of the host."""

import pytest

from tests.factories import client_for, make_resident


@pytest.mark.parametrize(
    "path",
    ["/", "/accounts/sign-up/", "/accounts/log-in/", "/accounts/password-reset/", "/open-data/"],
)
def test_public_pages_render_in_ukrainian(community, path):
    response = client_for().get(path)
    assert response.status_code == 200
    assert '<html lang="uk">' in response.content.decode()


def test_unknown_page_gets_translated_404(community):
    response = client_for().get("/no-such-page/")
    assert response.status_code == 404
    assert "Сторінку не знайдено" in response.content.decode()


def test_host_selects_the_community(community, other_community):
    home = client_for(host="pivdenne.localhost").get("/").content.decode()
    assert other_community.name in home
    assert community.name not in home


def test_unknown_host_gets_the_default_community(community, other_community, settings):
    settings.ALLOWED_HOSTS = ["*"]
    home = client_for(host="127.0.0.1").get("/").content.decode()
    assert community.name in home


def test_profile_needs_log_in(community):
    response = client_for().get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/log-in/")


def test_profile_shows_the_resident(community):
    resident = make_resident(community)
    page = client_for(resident).get("/accounts/profile/").content.decode()
    assert resident.email in page
