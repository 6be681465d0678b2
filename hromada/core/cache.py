"""Django's Redis cache, keeping one client per connection pool."""

from __future__ import annotations

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    """Reuse the client of each pool: Django builds a new one on every cache call."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            # A redis client is safe to share between threads: each command
            # takes a connection from the pool.
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write)
            )
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient


def page_key(request, *parts) -> str:
    """
    Return the cache key of a public page (or a part of one) for this request.

    The key names what decides the page: the community, its public address
    and the language. Never the Host header as sent: a client can forge it,
    and every forged name would be a new copy pushing real pages out. So a
    page kept here must not depend on that header either: its absolute links
    (share links, canonical URLs) are built from the community's configured
    address, `hromada.core.notifications.site_url`.
    """
    # Imported here: the cache backend above loads before the apps are ready.
    from hromada.core.notifications import site_url

    community = request.community
    return ":".join(
        ["page", str(community.pk), site_url(community), request.LANGUAGE_CODE, *map(str, parts)]
    )
