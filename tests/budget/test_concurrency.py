"""Parallel ballots on PostgreSQL: exactly one per person and category, none lost."""

import threading
from datetime import date

import pytest
from django.db import connection

from hromada.budget import services
from hromada.budget.errors import AlreadyVoted
from hromada.budget.models import Ballot, Choice
from hromada.core.identity import tax_number_hash
from hromada.core.models import AuditEntry, Notification, Settlement, StaffRole
from tests.budget.helpers import admitted_projects, make_category, make_cycle, move_to
from tests.factories import make_community, make_resident, make_staff

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(workers):
    """Run the callables at the same moment; return (results, errors)."""
    barrier = threading.Barrier(len(workers))
    results, errors = [], []

    def run(work):
        try:
            barrier.wait()
            results.append(work())
        except Exception as error:  # collected and asserted by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.fixture
def voting_category():
    community = make_community("chornomorsk")
    cycle = make_cycle(community)
    category = make_category(cycle)
    projects = admitted_projects(community, category, 3)
    move_to(cycle, "voting")
    category.refresh_from_db()
    return category, projects


def test_parallel_ballots_from_one_voter_count_once(voting_category):
    """Eight taps on "Vote" at once leave one ballot; the others get AlreadyVoted."""
    category, projects = voting_category
    voter = make_resident(category.community)
    results, errors = race(
        [
            lambda i=i: services.cast_ballot(
                resident=voter, category=category, choices=[projects[i % 3].pk]
            )
            for i in range(8)
        ]
    )
    assert len(results) == 1
    assert len(errors) == 7 and all(isinstance(e, AlreadyVoted) for e in errors)
    assert Ballot.objects.count() == 1
    assert Choice.objects.count() == 1


def test_parallel_ballots_of_a_voter_without_notifications_count_once(voting_category):
    """Without a notification the ballot is one statement, no transaction: still one ballot."""
    category, projects = voting_category
    voter = make_resident(category.community)
    voter.notify_by_email = False
    voter.save(update_fields=["notify_by_email"])
    results, errors = race(
        [
            lambda i=i: services.cast_ballot(
                resident=voter, category=category, choices=[projects[i % 3].pk, projects[2].pk]
            )
            for i in range(2)
        ]
        * 4
    )
    assert len(results) == 1
    assert len(errors) == 7 and all(isinstance(e, AlreadyVoted) for e in errors)
    ballot = Ballot.objects.get()
    assert ballot.pk == results[0][0].pk
    assert Choice.objects.filter(ballot=ballot).count() == Choice.objects.count() == 2
    assert AuditEntry.objects.filter(action="budget.ballot_cast").count() == 1
    assert not Notification.objects.filter(resident=voter).exists()


def test_parallel_ballots_from_many_voters_all_count(voting_category):
    category, projects = voting_category
    voters = [make_resident(category.community) for _ in range(12)]
    results, errors = race(
        [
            lambda v=v: services.cast_ballot(
                resident=v, category=category, choices=[projects[0].pk, projects[1].pk]
            )
            for v in voters
        ]
    )
    assert errors == []
    assert Ballot.objects.count() == 12
    assert Choice.objects.filter(project=projects[0]).count() == 12


def test_online_and_paper_race_for_one_person(voting_category):
    """The same person online and at a support point at once: one ballot wins."""
    category, projects = voting_category
    tax = "3055555555"
    voter = make_resident(category.community)
    voter.tax_hash = tax_number_hash(tax)
    voter.save()
    operator = make_staff(category.community, StaffRole.Role.MODERATOR)
    settlement = Settlement.objects.filter(community=category.community).first()
    online = lambda: services.cast_ballot(  # noqa: E731
        resident=voter, category=category, choices=[projects[0].pk]
    )
    paper = lambda n: services.enter_paper_ballot(  # noqa: E731
        staff=operator,
        category=category,
        paper_number=f"P-{n}",
        tax_number=tax,
        birth_date=date(1980, 1, 1),
        basis="lives",
        settlement=settlement,
        choices=[projects[1].pk],
    )
    results, errors = race([online, lambda: paper(1), lambda: paper(2), online])
    assert len(results) == 1
    assert all(isinstance(e, AlreadyVoted) for e in errors)
    assert Ballot.objects.count() == 1
