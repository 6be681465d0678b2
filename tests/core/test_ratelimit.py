"""Fixed-window limits counted together, on the local cache and on Redis."""

import redis
from django.test import override_settings

from hromada.core import ratelimit


def test_rates_and_address_buckets():
    assert ratelimit.parse_rate("20/m") == (20, 60)
    assert ratelimit.parse_rate("300/5m") == (300, 300)
    assert ratelimit.parse_rate("10/h") == (10, 3600)
    assert ratelimit.address_bucket("198.51.100.7") == "198.51.100.7"
    assert ratelimit.address_bucket("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert ratelimit.address_bucket("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"


def _exercise():
    checks = [("resident:1", "3/m"), ("198.51.100.7", "5/m")]
    # The account limit is the first to trip; another account still counts on the address.
    assert [ratelimit.over_any(group="test.sign", checks=checks) for _ in range(4)] == [
        False,
        False,
        False,
        True,
    ]
    other = [("resident:2", "3/m"), ("198.51.100.7", "5/m")]
    assert ratelimit.over_any(group="test.sign", checks=other) is False  # address: 5th hit
    assert ratelimit.over_any(group="test.sign", checks=other) is True  # address: 6th hit
    # Another group or another address is another bucket.
    assert ratelimit.over_any(group="test.create", checks=checks) is False
    assert ratelimit.over_any(group="test.sign", checks=[("198.51.100.8", "5/m")]) is False


@override_settings(
    RATELIMIT_ENABLE=True,
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
)
def test_limits_on_the_local_cache():
    from django.core.cache import cache

    cache.clear()
    _exercise()


def test_limits_on_redis(redis_url):
    caches = {
        "default": {
            "BACKEND": "hromada.core.cache.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "ratelimit-test",
        }
    }
    with override_settings(RATELIMIT_ENABLE=True, CACHES=caches):
        from django.core.cache import caches as handler

        handler["default"].clear()
        _exercise()
        server = redis.Redis.from_url(redis_url)
        keys = server.keys("ratelimit-test:*")
        assert keys and all(b"198.51" not in key and b"resident" not in key for key in keys)
        # Every counter lives no longer than its window.
        assert all(0 < server.ttl(key) <= 60 for key in keys)

        assert all(0 < redis.Redis.from_url(redis_url).ttl(key) <= 60 for key in keys)
        handler["default"].clear()


@override_settings(RATELIMIT_ENABLE=False)
def test_switched_off_nothing_is_limited():
    checks = [("resident:1", "1/m")]
    assert not any(ratelimit.over_any(group="test.off", checks=checks) for _ in range(5))
