"""
Fixed-window rate limits that count several limits in one trip to Redis.

django-ratelimit spends two cache calls per limit; the petition signing path
counts two limits on every signature at hundreds a second, so here both are
counted in one pipelined round trip. Same rates ("20/m") and the same rule:
over the limit once the count in the current window exceeds it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """Return (hits, window in seconds) of a rate such as "20/m" or "300/5m"."""
    hits, _, period = rate.partition("/")
    return int(hits), int(period[:-1] or 1) * UNITS[period[-1]]


def address_bucket(address: str) -> str:
    """Return the bucket of a client address: itself, or its /64 network for IPv6."""
    # One IPv6 subscriber holds a whole /64, as django-ratelimit assumes too.
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def over_any(*, group: str, checks: list[tuple[str, str]]) -> bool:
    """
    Count one hit for each (value, rate) of `group`; return whether any is over.

    Values (an account, an address) are hashed into the keys, so the cache
    holds no personal data.
    """
    if not settings.RATELIMIT_ENABLE:
        return False
    cache = caches[settings.RATELIMIT_USE_CACHE]
    now = int(time.time())
    counters = []
    for value, rate in checks:
        limit, window = parse_rate(rate)
        digest = hashlib.blake2b(f"{group}\0{value}".encode(), digest_size=12).hexdigest()
        counters.append((f"rl:{digest}:{window}:{now // window}", limit, window))
    if isinstance(cache, RedisCache):
        pipe = cache._cache.get_client(write=True).pipeline(transaction=False)
        for key, _limit, window in counters:
            full = cache.make_key(key)
            pipe.set(full, 0, ex=window, nx=True)
            pipe.incr(full)
        counts = pipe.execute()[1::2]
    else:
        counts = []
        for key, _limit, window in counters:
            cache.add(key, 0, window)
            counts.append(cache.incr(key))
    return any(
        count > limit for count, (_key, limit, _window) in zip(counts, counters, strict=True)
    )
