"""The client's address behind a trusted reverse proxy, and only there."""

import pytest
from django.test import override_settings

from hromada.core.middleware import ClientAddressMiddleware, _networks, client_address

PROXIES = _networks(["127.0.0.1", "10.0.0.0/8"])


def test_the_rightmost_address_that_is_not_a_proxy_is_the_client():
    assert client_address("198.51.100.7", PROXIES) == "198.51.100.7"
    # The client wrote the first entry itself; our proxies appended the rest.
    assert client_address("203.0.113.9, 198.51.100.7, 10.1.2.3", PROXIES) == "198.51.100.7"
    assert client_address("2001:db8::5", PROXIES) == "2001:db8::5"


def test_nonsense_or_only_proxies_give_no_address():
    assert client_address("", PROXIES) is None
    assert client_address("not-an-address", PROXIES) is None
    assert client_address("198.51.100.7, <script>", PROXIES) is None
    assert client_address("10.0.0.1, 127.0.0.1", PROXIES) is None


def _seen(peer: str, forwarded: str | None) -> str:
    from django.test import RequestFactory

    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **extra)
    ClientAddressMiddleware(lambda r: None)(request)
    return request.META["REMOTE_ADDR"]


@override_settings(HROMADA_TRUSTED_PROXIES=["127.0.0.1"])
def test_a_trusted_proxy_passes_the_client_address_on():
    assert _seen("127.0.0.1", "198.51.100.7") == "198.51.100.7"
    assert _seen("127.0.0.1", "garbage") == "127.0.0.1"
    assert _seen("127.0.0.1", None) == "127.0.0.1"


@override_settings(HROMADA_TRUSTED_PROXIES=["127.0.0.1"])
def test_anyone_else_cannot_choose_their_address():
    assert _seen("192.0.2.44", "198.51.100.7") == "192.0.2.44"


@override_settings(HROMADA_TRUSTED_PROXIES=[])
def test_without_proxies_the_peer_is_the_client():
    assert _seen("127.0.0.1", "198.51.100.7") == "127.0.0.1"


@pytest.mark.django_db
@override_settings(HROMADA_TRUSTED_PROXIES=["127.0.0.1"], RATELIMIT_ENABLE=True)
def test_sign_up_limits_count_each_client_behind_the_proxy(client, community):
    """Ten sign-ups an hour per address: residents behind one proxy don't share the bucket."""
    from django.core.cache import cache

    cache.clear()

    def sign_up(address: str, index: int) -> int:
        data = {"email": f"bad-{index}", "password": "x", "full_name": ""}
        return client.post("/accounts/sign-up/", data, HTTP_X_FORWARDED_FOR=address).status_code

    assert {sign_up("198.51.100.7", i) for i in range(10)} == {200}
    assert sign_up("198.51.100.7", 10) == 429
    assert sign_up("198.51.100.8", 11) == 200
