import os
import time
from types import SimpleNamespace

import django_ratelimit.core
import pytest
from django.core.cache import cache

from hromada.core.middleware import forget_communities
from tests.factories import make_community


@pytest.fixture(autouse=True)
def _fresh_state(settings, tmp_path):
    """Every test starts with empty caches and its own media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    forget_communities()
    cache.clear()
    yield
    forget_communities()


@pytest.fixture(autouse=True)
def _steady_rate_limit_windows(monkeypatch):
    """
    Rate-limit windows stand still during a test.

    Both limiters count in fixed windows of wall-clock time; a test that sends
    its 32 requests across a minute's boundary on a busy machine would see the
    count start again. Their clocks are frozen at the test's start.
    """
    from hromada.core import ratelimit

    started = time.time()
    clock = SimpleNamespace(time=lambda: started)
    monkeypatch.setattr(ratelimit, "time", clock)
    monkeypatch.setattr(django_ratelimit.core, "time", clock)


@pytest.fixture
def community(db):
    """The default community (served at testserver and chornomorsk.localhost)."""
    return make_community("chornomorsk", name="Чорноморська громада")


@pytest.fixture
def other_community(db):
    """A second community, served at pivdenne.localhost."""
    return make_community("pivdenne", name="Південнівська громада")


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    if connection.vendor == "postgresql":
        # Browser, fuzz and whole-shape tests don't depend on the database:
        # they run once, on SQLite (HROMADA_TEST_EVERYTHING=1 runs them here too).
        if os.environ.get("HROMADA_TEST_EVERYTHING") == "1":
            return
        once = pytest.mark.skip(reason="runs once, on SQLite")
        for item in items:
            if "once" in item.keywords or "browser" in item.keywords:
                item.add_marker(once)
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def redis_url() -> str:
    """
    A Redis database for tests that need the real server; skipped where none runs.

    Each database's pass has its own, so the two passes CI runs side by side
    never empty each other's keys.
    """
    import redis
    from django.db import connection

    url = f"redis://127.0.0.1:6379/{12 if connection.vendor == 'postgresql' else 13}"
    try:
        redis.Redis.from_url(url).ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return url
