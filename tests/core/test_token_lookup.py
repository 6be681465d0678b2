"""The API token's one-statement look-up keeps every condition of the ORM query it replaced."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from hromada.core import services
from hromada.core.models import ApiToken
from tests.factories import make_resident

pytestmark = pytest.mark.django_db


def me_with(key: str):
    return Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_a_deactivated_resident_token_is_refused(community):
    """A token of a resident whose account was switched off answers 401."""
    resident = make_resident(community)
    _, key = services.issue_api_token(resident=resident, name="app")
    assert me_with(key).status_code == 200
    resident.is_active = False
    resident.save(update_fields=["is_active"])
    assert me_with(key).status_code == 401


def test_a_revoked_token_is_refused(community):
    """A revoked token answers 401 like an unknown one."""
    resident = make_resident(community)
    token, key = services.issue_api_token(resident=resident, name="app")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert me_with(key).status_code == 401
    assert me_with(key + "x").status_code == 401


def test_last_use_is_touched_at_most_once_a_minute(community):
    """The first call notes the time; calls within the minute leave it; a later one moves it."""
    resident = make_resident(community)
    token, key = services.issue_api_token(resident=resident, name="app")
    response = me_with(key)
    assert response.status_code == 200
    assert response.json()["email"] == resident.email
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=30)
    me_with(key)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    earlier = first - timedelta(minutes=5)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    me_with(key)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > earlier + timedelta(minutes=4)
