"""The token look-up's touch of "last used" on PostgreSQL, outside any transaction."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from hromada.core import services
from hromada.core.models import ApiToken
from tests.factories import make_community, make_resident

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def me_with(key: str):
    return Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")


def synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_touch_in_its_own_transaction_is_kept_once_a_minute():
    """The touch is written once a minute, committed durably, and a revoked token is refused."""
    resident = make_resident(make_community("chornomorsk"))
    token, key = services.issue_api_token(resident=resident, name="app")
    assert not connection.in_atomic_block
    assert me_with(key).status_code == 200
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=30)
    assert synchronous_commit() == "on"
    assert me_with(key).status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=5))
    assert me_with(key).status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first - timedelta(minutes=1)
    assert synchronous_commit() == "on"
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert me_with(key).status_code == 401
