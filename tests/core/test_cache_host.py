"""Cached public pages cannot be poisoned through the Host header."""

import pytest

from hromada.core.notifications import site_url
from hromada.petitions.models import Topic
from hromada.petitions.views import PAGES
from tests.factories import client_for, make_resident, make_staff
from tests.petitions.conftest import make_collecting

pytestmark = pytest.mark.django_db

# Allowed (".localhost"), but no community has that slug: the default one is served.
FORGED = "evil-example.localhost"
REAL = "chornomorsk.localhost"


@pytest.fixture(autouse=True)
def _fresh_pages():
    PAGES.clear()
    yield
    PAGES.clear()


@pytest.fixture
def petition(community):
    moderator = make_staff(community, "moderator")
    topic = Topic.objects.create(community=community, name="Транспорт і дороги")
    return make_collecting(community, make_resident(community), topic, moderator)


def test_a_forged_host_does_not_reach_the_cached_page(petition, community):
    """The forged request fills the cache; the real host's readers get no trace of it."""
    forged = client_for(host=FORGED).get(petition.get_absolute_url())
    assert forged.status_code == 200
    assert petition.title in forged.content.decode()  # the default community answered
    for client in (client_for(host=REAL), client_for(make_resident(community), host=REAL)):
        text = client.get(petition.get_absolute_url()).content.decode()
        assert petition.title in text
        assert FORGED not in text
        # Share links carry the community's configured address.
        assert f'value="{site_url(community)}{petition.get_absolute_url()}"' in text


def test_the_page_itself_never_echoes_the_host(petition, community):
    text = client_for(host=FORGED).get(petition.get_absolute_url()).content.decode()
    assert FORGED not in text
    assert site_url(community) + petition.get_absolute_url() in text
