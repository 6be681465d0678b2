"""The log-in backend's per-request look-up and the Redis cache's shared client."""

import pytest

from hromada.core.auth import ResidentBackend
from hromada.core.cache import RedisCache
from tests.factories import make_resident


@pytest.mark.django_db
def test_the_backend_loads_an_active_resident_and_nobody_else(community):
    backend = ResidentBackend()
    resident = make_resident(community)
    loaded = backend.get_user(str(resident.pk))
    assert loaded == resident
    assert loaded.email == resident.email and loaded.tax_hash == resident.tax_hash
    assert backend.get_user(resident.pk + 1000) is None
    assert backend.get_user("not a number") is None
    resident.is_active = False
    resident.save(update_fields=["is_active"])
    assert backend.get_user(resident.pk) is None


@pytest.mark.django_db
def test_a_signed_in_page_shows_the_resident(client, community):
    resident = make_resident(community)
    client.force_login(resident, backend="hromada.core.auth.ResidentBackend")
    page = client.get("/accounts/profile/")
    assert page.status_code == 200
    assert resident.email in page.content.decode()


def test_the_redis_cache_reuses_one_client_and_works(redis_url):
    cache = RedisCache(redis_url, {"KEY_PREFIX": "backend-test"})
    cache.clear()
    cache.set("answer", {"text": "Відповідь"}, 30)
    assert cache.get("answer") == {"text": "Відповідь"}
    assert cache.add("counter", 1)
    assert cache.incr("counter") == 2
    client = cache._cache.get_client()
    assert cache._cache.get_client() is client
    cache.delete("answer")
    assert cache.get("answer") is None
    cache.clear()
