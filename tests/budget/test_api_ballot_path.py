"""Casting a ballot through the API: the plain-statement path keeps every check."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from hromada.budget import api as budget_api
from hromada.budget import services
from hromada.budget.models import Ballot, Choice, Cycle, Project
from hromada.core.models import AuditEntry, Community, CommunityLink, Settlement, Street
from hromada.core.services import issue_api_token
from tests.budget.helpers import admitted_projects, move_to
from tests.factories import client_for, make_resident

pytestmark = pytest.mark.django_db


def post_ballot(category, resident, projects, *, cycle_id=None, category_id=None):
    _, key = issue_api_token(resident=resident, name="test")
    return client_for().post(
        f"/api/v1/budget/cycles/{cycle_id or category.cycle_id}/ballots",
        {"category": category_id or category.pk, "projects": [p.pk for p in projects]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


def test_ballot_rows_settlement_and_audit(voting, voter):
    """The ballot, its choices, the voter's settlement and the audit entry are written."""
    category, projects = voting
    response = post_ballot(category, voter, projects[:2])
    assert response.status_code == 201
    ballot = Ballot.objects.get()
    assert ballot.pk == response.json()["ballot"]
    assert ballot.channel == Ballot.Channel.ONLINE
    assert ballot.voter_key == services.voter_key_for(voter)
    assert ballot.receipt_hash == services.receipt_hash(response.json()["receipt"])
    street = Street.objects.get(pk=voter.links.get().street_id)
    assert ballot.settlement_id == street.settlement_id
    assert ballot.age_group == "30-44"
    assert set(Choice.objects.values_list("project_id", "points")) == {
        (projects[0].pk, 1),
        (projects[1].pk, 1),
    }
    entry = AuditEntry.objects.get(action="budget.ballot_cast")
    assert (entry.community_id, entry.actor_id) == (category.community_id, voter.pk)
    assert entry.target_id == str(ballot.pk)


def test_second_ballot_is_refused_and_leaves_one(voting, voter):
    """A second ballot in the category answers 409 and stores nothing more."""
    category, projects = voting
    assert post_ballot(category, voter, projects[:1]).status_code == 201
    again = post_ballot(category, voter, projects[1:2])
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "pb_already_voted"
    assert Ballot.objects.count() == 1
    assert Choice.objects.count() == 1


def test_worker_without_residence_is_refused(community, voting):
    """A link that is not residence does not qualify unless the cycle allows it."""
    category, projects = voting
    Cycle.objects.filter(pk=category.cycle_id).update(allow_workers_and_students=False)
    worker = make_resident(community, link=CommunityLink.Kind.WORKS)
    refused = post_ballot(category, worker, projects[:1])
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "pb_not_eligible"
    Cycle.objects.filter(pk=category.cycle_id).update(allow_workers_and_students=True)
    assert post_ballot(category, worker, projects[:1]).status_code == 201
    assert Ballot.objects.get().settlement_id is None


def test_other_cycle_or_community_is_not_found(community, voting, voter):
    """A category of another cycle is a 404; a cycle of another community too."""
    category, projects = voting
    missing = post_ballot(category, voter, projects[:1], category_id=category.pk + 1000)
    assert missing.status_code == 404
    other = Community.objects.create(slug="other", name="Інша громада")
    foreign = Cycle.objects.filter(pk=category.cycle_id)
    foreign.update(community=other)
    gone = post_ballot(category, voter, projects[:1])
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "pb_cycle_not_found"
    assert not Ballot.objects.exists()


def test_project_not_admitted_is_refused(community, cycle, category, voter):
    """Only admitted projects of the category can be chosen."""
    projects = admitted_projects(community, category, 2)
    move_to(cycle, "voting")
    projects[1].status = "rejected"
    projects[1].save(update_fields=["status"])
    refused = post_ballot(category, voter, projects)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "pb_ballot_invalid"
    assert not Ballot.objects.exists()


@override_settings(RATELIMIT_ENABLE=True)
def test_ballots_over_the_rate_are_refused(voting, voter, monkeypatch):
    """Past the account's rate the API answers 429, before any check."""
    category, projects = voting
    cache.clear()
    monkeypatch.setattr(budget_api, "VOTE_RATE", "2/m")
    assert post_ballot(category, voter, projects[:1]).status_code == 201
    assert post_ballot(category, voter, projects[1:2]).status_code == 409
    limited = post_ballot(category, voter, projects[2:3])
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    cache.clear()


def test_the_link_is_checked_before_the_ballots_rules(voting, community):
    """One statement reads the link and the projects; the refusals keep their order."""
    category, projects = voting
    stranger = make_resident(community, link=None)
    twice = client_for().post(
        f"/api/v1/budget/cycles/{category.cycle_id}/ballots",
        {"category": category.pk, "projects": [projects[0].pk, projects[0].pk]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {issue_api_token(resident=stranger, name='t')[1]}",
    )
    assert twice.status_code == 403
    assert twice.json()["error"]["code"] == "pb_not_eligible"
    assert not Ballot.objects.exists()
    assert not AuditEntry.objects.filter(action="budget.ballot_cast").exists()


def test_a_project_not_admitted_is_refused_and_nothing_written(voting, voter):
    category, projects = voting
    Project.objects.filter(pk=projects[1].pk).update(status=Project.Status.REJECTED)
    refused = post_ballot(category, voter, projects[:2])
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "pb_ballot_invalid"
    assert not Ballot.objects.exists()
    assert not Choice.objects.exists()
    assert not AuditEntry.objects.filter(action="budget.ballot_cast").exists()


def test_the_audit_entry_is_the_ballots(voting, voter):
    category, projects = voting
    assert post_ballot(category, voter, projects[:3]).status_code == 201
    ballot = Ballot.objects.get()
    entry = AuditEntry.objects.get(action="budget.ballot_cast")
    assert (entry.target_type, entry.target_label) == ("budget.ballot", str(ballot))
    assert (entry.before, entry.after) == ({}, {})
    assert Choice.objects.filter(ballot=ballot).count() == 3


def test_the_link_is_checked_before_the_projects_admitted(voting, community):
    """Without a link and with a project not admitted, the link is what is refused."""
    category, projects = voting
    Project.objects.filter(pk=projects[1].pk).update(status=Project.Status.REJECTED)
    stranger = make_resident(community, link=None)
    refused = post_ballot(category, stranger, projects[:2])
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "pb_not_eligible"
    assert not Ballot.objects.exists()


def test_the_ballots_settlement_is_the_residences(voting, voter, community):
    """Of several addresses in the community, the residence's settlement is the ballot's."""
    category, projects = voting
    home = Street.objects.get(pk=voter.links.get().street_id)
    other = Settlement.objects.create(community=community, name="Село Інше", kind="village")
    refuge = Street.objects.create(settlement=other, name="вулиця Нова", lat=46.3, lon=30.6)
    CommunityLink.objects.create(
        resident=voter,
        community=community,
        kind=CommunityLink.Kind.DISPLACED,
        street=refuge,
        house="2",
    )
    assert post_ballot(category, voter, projects[:1]).status_code == 201
    assert Ballot.objects.get().settlement_id == home.settlement_id
