"""Voting: one unchangeable ballot per person per category, within limits, on any channel."""

from datetime import date

import pytest

from hromada.budget import services
from hromada.budget.errors import (
    AlreadyVoted,
    BallotInvalid,
    NotEligible,
    PaperNumberUsed,
    PhaseClosed,
)
from hromada.budget.models import Ballot, Choice, Cycle
from hromada.core.errors import Forbidden, IdentityRequired, ValidationFailed
from hromada.core.identity import tax_number_hash
from hromada.core.models import AuditEntry, CommunityLink, Identity, Notification, Settlement
from tests.budget.helpers import admitted_projects, make_category, make_cycle, moderator, move_to
from tests.factories import make_resident, make_staff

pytestmark = pytest.mark.django_db

TAX = "3012345678"


def paper(staff, category, projects, **extra):
    fields = {
        "staff": staff,
        "category": category,
        "paper_number": "A-0001",
        "tax_number": TAX,
        "birth_date": date(1980, 1, 2),
        "basis": CommunityLink.Kind.LIVES,
        "settlement": Settlement.objects.filter(community=category.community).first(),
        "choices": [p.pk for p in projects],
        "support_point": "ЦНАП, проспект Миру, 33",
    }
    fields.update(extra)
    return services.enter_paper_ballot(**fields)


def test_receipt_codes_are_four_groups_of_the_alphabet():
    """Sixteen letters of the read-aloud alphabet in groups of four; every letter turns up."""
    codes = [services.new_receipt() for _ in range(300)]
    letters = set()
    for code in codes:
        groups = code.split("-")
        assert [len(group) for group in groups] == [4, 4, 4, 4]
        assert set("".join(groups)) <= set(services.RECEIPT_ALPHABET)
        letters.update("".join(groups))
    assert letters == set(services.RECEIPT_ALPHABET)
    assert len(set(codes)) == len(codes)


def test_ballot_is_recorded_with_a_receipt(voting, voter):
    """A valid ballot stores the choices, a hash of the receipt, age group and settlement."""
    category, projects = voting
    ballot, receipt = services.cast_ballot(
        resident=voter, category=category, choices=[projects[0].pk, projects[2].pk]
    )
    assert len(receipt) == 19 and receipt.count("-") == 3
    assert ballot.receipt_hash == services.receipt_hash(receipt)
    assert ballot.receipt_hash != receipt
    assert set(ballot.choices.values_list("project_id", flat=True)) == {
        projects[0].pk,
        projects[2].pk,
    }
    assert ballot.age_group == "30-44"
    assert ballot.settlement is not None
    assert ballot.voter_key == voter.tax_hash
    notice = Notification.objects.get(resident=voter, event="budget/ballot_cast")
    assert receipt in notice.body


def test_second_ballot_is_refused_and_changes_nothing(voting, voter):
    category, projects = voting
    services.cast_ballot(resident=voter, category=category, choices=[projects[0].pk])
    with pytest.raises(AlreadyVoted) as caught:
        services.cast_ballot(resident=voter, category=category, choices=[projects[1].pk])
    assert caught.value.code == "pb_already_voted"
    assert Ballot.objects.count() == 1
    assert list(Choice.objects.values_list("project_id", flat=True)) == [projects[0].pk]


def test_ballot_over_the_limit_is_refused(voting, voter):
    """Choosing more than k projects is refused; nothing is stored."""
    category, projects = voting
    with pytest.raises(BallotInvalid) as caught:
        services.cast_ballot(resident=voter, category=category, choices=[p.pk for p in projects])
    assert "3" in str(caught.value)
    assert not Ballot.objects.exists()


@pytest.mark.parametrize("choices", [[], [999_999], "twice"])
def test_malformed_ballots_are_refused(voting, voter, choices):
    category, projects = voting
    if choices == "twice":
        choices = [projects[0].pk, projects[0].pk]
    with pytest.raises(BallotInvalid):
        services.cast_ballot(resident=voter, category=category, choices=choices)
    assert not Ballot.objects.exists()


def test_project_of_another_category_is_refused(community, voting, voter):
    category, projects = voting
    other = make_category(category.cycle, "Великі проєкти", budget=1_500_000, max_cost=1_500_000)
    with pytest.raises(BallotInvalid):
        services.cast_ballot(resident=voter, category=other, choices=[projects[0].pk])


def test_one_ballot_per_category(community, cycle, category, voter):
    """The same person votes once in each category."""
    large = make_category(cycle, "Великі проєкти", budget=1_500_000, max_cost=1_500_000)
    small_projects = admitted_projects(community, category, 2)
    large_projects = admitted_projects(community, large, 2)
    move_to(cycle, "voting")
    category.refresh_from_db()
    large.refresh_from_db()
    services.cast_ballot(resident=voter, category=category, choices=[small_projects[0].pk])
    services.cast_ballot(resident=voter, category=large, choices=[large_projects[1].pk])
    assert Ballot.objects.filter(resident=voter).count() == 2


@pytest.mark.parametrize("phase", ["submission", "review", "results", "upcoming"])
def test_voting_outside_the_phase_is_refused(voting, voter, phase):
    category, projects = voting
    move_to(category.cycle, phase)
    category.refresh_from_db()
    with pytest.raises(PhaseClosed) as caught:
        services.cast_ballot(resident=voter, category=category, choices=[projects[0].pk])
    assert caught.value.code == "pb_phase_closed"
    assert not Ballot.objects.exists()


def test_ineligible_voters_are_refused(community, voting):
    category, projects = voting
    too_young = make_resident(community, birth_date=date(date.today().year - 15, 1, 1))
    outsider = make_resident(None)
    email_only = make_resident(community, level=Identity.EMAIL)
    for resident, error in (
        (too_young, NotEligible),
        (outsider, NotEligible),
        (email_only, IdentityRequired),
    ):
        with pytest.raises(error):
            services.cast_ballot(resident=resident, category=category, choices=[projects[0].pk])
    assert not Ballot.objects.exists()


def test_students_vote_only_when_allowed(community, voting):
    category, projects = voting
    student = make_resident(community, link=CommunityLink.Kind.STUDIES)
    Cycle.objects.filter(pk=category.cycle_id).update(allow_workers_and_students=False)
    category.refresh_from_db()
    with pytest.raises(NotEligible):
        services.cast_ballot(resident=student, category=category, choices=[projects[0].pk])
    Cycle.objects.filter(pk=category.cycle_id).update(allow_workers_and_students=True)
    category.refresh_from_db()
    services.cast_ballot(resident=student, category=category, choices=[projects[0].pk])


def test_community_may_lower_the_identity_level(community, voting):
    category, projects = voting
    community.action_levels = {"budget.vote": Identity.EMAIL}
    community.save()
    category.refresh_from_db()
    email_only = make_resident(community, level=Identity.EMAIL)
    ballot, _ = services.cast_ballot(
        resident=email_only, category=category, choices=[projects[0].pk]
    )
    assert ballot.voter_key == f"resident:{email_only.pk}"


def test_cumulative_ballots_spread_points(community):
    cycle = make_cycle(community, ballot_kind="cumulative")
    category = make_category(cycle, max_choices=3, max_points=5)
    projects = admitted_projects(community, category, 3)
    move_to(cycle, "voting")
    category.refresh_from_db()
    voter = make_resident(community)
    with pytest.raises(BallotInvalid):
        services.cast_ballot(
            resident=voter, category=category, choices={projects[0].pk: 4, projects[1].pk: 2}
        )
    ballot, _ = services.cast_ballot(
        resident=voter, category=category, choices={projects[0].pk: 3, projects[1].pk: 2}
    )
    assert sorted(ballot.choices.values_list("points", flat=True)) == [2, 3]


def test_approval_ballot_refuses_points(voting, voter):
    category, projects = voting
    with pytest.raises(BallotInvalid):
        services.cast_ballot(resident=voter, category=category, choices={projects[0].pk: 2})


# --- paper ballots -------------------------------------------------------------


def test_paper_ballot_is_entered_under_the_same_checks(community, voting):
    category, projects = voting
    operator = make_staff(community, role=services.OPERATOR_ROLE)
    ballot, _ = paper(operator, category, projects[:2])
    assert ballot.channel == Ballot.Channel.OFFLINE
    assert ballot.voter_key == tax_number_hash(TAX)
    assert ballot.paper_number == "A-0001"
    assert ballot.entered_by == operator
    with pytest.raises(BallotInvalid):
        paper(operator, category, projects, paper_number="A-0002", tax_number="3012345679")
    with pytest.raises(NotEligible):
        paper(
            operator,
            category,
            projects[:1],
            paper_number="A-0003",
            tax_number="3012345670",
            birth_date=date(date.today().year - 10, 1, 1),
        )


def test_paper_number_is_used_once(community, voting):
    category, projects = voting
    staff = moderator(community)
    paper(staff, category, projects[:1])
    with pytest.raises(PaperNumberUsed):
        paper(staff, category, projects[:1], tax_number="3012345671")
    assert Ballot.objects.count() == 1


def test_person_cannot_vote_online_and_on_paper(community, voting):
    """The tax-number hash is one key across channels, in both orders."""
    category, projects = voting
    staff = moderator(community)
    online = make_resident(community)
    online.tax_hash = tax_number_hash(TAX)
    online.save()
    services.cast_ballot(resident=online, category=category, choices=[projects[0].pk])
    with pytest.raises(AlreadyVoted):
        paper(staff, category, projects[:1])

    other = "3099999999"
    paper(staff, category, projects[:1], tax_number=other, paper_number="B-1")
    late = make_resident(community)
    late.tax_hash = tax_number_hash(other)
    late.save()
    with pytest.raises(AlreadyVoted):
        services.cast_ballot(resident=late, category=category, choices=[projects[1].pk])
    assert Ballot.objects.count() == 2


def test_only_operators_enter_paper_ballots(community, voting):
    category, projects = voting
    with pytest.raises(Forbidden):
        paper(make_resident(community), category, projects[:1])
    with pytest.raises(Forbidden):
        paper(make_staff(community), category, projects[:1])


def test_paper_ballot_needs_a_valid_tax_number(community, voting):
    category, projects = voting
    with pytest.raises(ValidationFailed) as caught:
        paper(moderator(community), category, projects[:1], tax_number="12345")
    assert "tax_number" in caught.value.fields


def test_paper_ballots_only_during_voting(community, voting):
    category, projects = voting
    move_to(category.cycle, "results")
    category.refresh_from_db()
    with pytest.raises(PhaseClosed):
        paper(moderator(community), category, projects[:1])


def test_a_failed_notification_leaves_no_ballot(voting, voter, monkeypatch):
    """The ballot and its notification are written together or not at all."""
    category, projects = voting

    def broken(*args, **kwargs):
        raise RuntimeError("the notification could not be written")

    monkeypatch.setattr(services, "notify", broken)
    with pytest.raises(RuntimeError):
        services.cast_ballot(resident=voter, category=category, choices=[projects[0].pk])
    assert not Ballot.objects.exists()
    assert not Choice.objects.exists()


def test_a_voter_without_notifications_gets_the_same_ballot(voting, voter):
    """No notification: the ballot, its choices, settlement and audit entry, and one per category."""
    category, projects = voting
    voter.notify_by_email = False
    voter.save(update_fields=["notify_by_email"])
    ballot, receipt = services.cast_ballot(
        resident=voter, category=category, choices=[projects[0].pk, projects[1].pk]
    )
    stored = Ballot.objects.get()
    assert stored.pk == ballot.pk and stored.receipt_hash == services.receipt_hash(receipt)
    assert stored.settlement_id is not None and stored.age_group == "30-44"
    assert Choice.objects.filter(ballot=stored).count() == 2
    entry = AuditEntry.objects.get(action="budget.ballot_cast")
    assert (entry.actor_id, entry.target_id) == (voter.pk, str(stored.pk))
    assert not Notification.objects.filter(resident=voter).exists()
    with pytest.raises(AlreadyVoted):
        services.cast_ballot(resident=voter, category=category, choices=[projects[2].pk])
    assert Ballot.objects.count() == 1
