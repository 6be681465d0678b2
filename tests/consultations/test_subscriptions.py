"""Subscriptions to announcements: one row per person and choice, "all" included."""

import pytest
from django.db import IntegrityError, transaction

from hromada.consultations import services
from hromada.consultations.models import Subscription
from tests.factories import make_resident

pytestmark = pytest.mark.django_db


def test_subscribing_to_everything_twice_keeps_one_row(community):
    resident = make_resident(community)
    first = services.subscribe(resident=resident, community=community)
    second = services.subscribe(resident=resident, community=community)
    assert first.pk == second.pk
    assert Subscription.objects.filter(resident=resident).count() == 1


def test_the_database_refuses_a_second_subscription_to_everything(community):
    """Empty topic and settlement count as equal, on SQLite as on PostgreSQL."""
    resident = make_resident(community)
    services.subscribe(resident=resident, community=community)
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscription.objects.create(community=community, resident=resident)
    assert Subscription.objects.filter(resident=resident).count() == 1
