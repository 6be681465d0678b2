"""The community's petition rules: defaults, who may change them, their bounds."""

import pytest
from django.db import IntegrityError

from hromada.core.audit import history
from hromada.core.errors import Forbidden, ValidationFailed
from hromada.core.identity import action_level
from hromada.core.models import Identity, StaffRole
from hromada.petitions import services
from hromada.petitions.models import PetitionRules
from tests.factories import client_for, make_resident, make_staff
from tests.petitions.conftest import set_rules

pytestmark = pytest.mark.django_db


def test_defaults_follow_the_demo_charter(community):
    """A community starts with 250 signatures in 60 days (at most 90), age 16, 2 and 10 days."""
    rules = services.rules_for(community)
    assert (rules.threshold, rules.collection_days, rules.max_collection_days) == (250, 60, 90)
    assert rules.min_age == 16
    assert (rules.moderation_days, rules.consideration_days) == (2, 10)
    assert action_level(community, "petitions.create") == Identity.STRONG
    assert action_level(community, "petitions.sign") == Identity.STRONG


def test_administrator_changes_rules_and_identity_levels(community, administrator):
    """The change is saved, the levels go to the community, and the audit log records it."""
    rules = set_rules(
        community, administrator, threshold=500, collection_days=45, sign_level=Identity.EMAIL
    )
    community.refresh_from_db()
    assert rules.threshold == 500 and rules.collection_days == 45
    assert action_level(community, "petitions.sign") == Identity.EMAIL
    entry = history(rules).get()
    assert entry.action == "petition_rules.changed"
    assert entry.after["threshold"] == 500
    assert entry.before["threshold"] == 250


@pytest.mark.parametrize("role", [StaffRole.Role.MODERATOR, StaffRole.Role.STAFF])
def test_only_administrators_change_rules(community, role):
    """Moderators and department staff are refused; nothing changes."""
    staff = make_staff(community, role)
    with pytest.raises(Forbidden):
        set_rules(community, staff, threshold=1)
    assert services.rules_for(community).threshold == 250


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"threshold": 0}, "threshold"),
        ({"threshold": "many"}, "threshold"),
        ({"collection_days": 120}, "collection_days"),
        ({"max_collection_days": 400}, "max_collection_days"),
        ({"min_age": 10}, "min_age"),
        ({"moderation_days": 0}, "moderation_days"),
        ({"consideration_days": 100}, "consideration_days"),
        ({"sign_level": 7}, "sign_level"),
    ],
)
def test_bad_rule_values_are_refused(community, administrator, changes, field):
    """Each out-of-bounds value names its field; the rules stay as they were."""
    with pytest.raises(ValidationFailed) as caught:
        set_rules(community, administrator, **changes)
    assert field in caught.value.fields
    assert services.rules_for(community).threshold == 250


def test_database_refuses_a_period_longer_than_the_maximum(community):
    """The CheckConstraint holds even for writers that skip the service."""
    rules = services.rules_for(community)
    with pytest.raises(IntegrityError):
        PetitionRules.objects.filter(pk=rules.pk).update(collection_days=120)


def test_rules_screen_in_the_back_office(community, administrator):
    """An administrator edits the rules in the admin; the service saves and audits them."""
    administrator.is_staff = True
    administrator.save()
    rules = services.rules_for(community)
    client = client_for(administrator)
    url = f"/admin/petitions/petitionrules/{rules.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(
        url,
        {
            "threshold": 300,
            "collection_days": 60,
            "max_collection_days": 90,
            "min_age": 16,
            "moderation_days": 2,
            "consideration_days": 10,
            "create_level": Identity.STRONG,
            "sign_level": Identity.EMAIL,
        },
    )
    assert response.status_code == 302
    rules.refresh_from_db()
    community.refresh_from_db()
    assert rules.threshold == 300
    assert community.action_levels["petitions.sign"] == Identity.EMAIL
    assert history(rules).filter(action="petition_rules.changed").count() == 1


def test_rules_screen_refuses_bad_values(community, administrator):
    """The form shows the error and nothing is saved."""
    administrator.is_staff = True
    administrator.save()
    rules = services.rules_for(community)
    response = client_for(administrator).post(
        f"/admin/petitions/petitionrules/{rules.pk}/change/",
        {
            "threshold": 300,
            "collection_days": 95,
            "max_collection_days": 90,
            "min_age": 16,
            "moderation_days": 2,
            "consideration_days": 10,
            "create_level": Identity.STRONG,
            "sign_level": Identity.STRONG,
        },
    )
    assert response.status_code == 200
    rules.refresh_from_db()
    assert rules.threshold == 250


def test_residents_do_not_see_the_rules_screen(community):
    """A resident without a role gets no access to the back office rules."""
    resident = make_resident(community)
    resident.is_staff = True
    resident.save()
    response = client_for(resident).get("/admin/petitions/petitionrules/")
    assert response.status_code == 403
