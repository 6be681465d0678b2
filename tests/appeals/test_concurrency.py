"""Races the database decides (PostgreSQL: real parallel transactions)."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from hromada.appeals import errors, services
from hromada.appeals.models import Appeal, AppealCounter, Supporter
from hromada.core.errors import DomainError
from tests.appeals.conftest import LAT, LON, report
from tests.factories import make_resident

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(workers):
    """Start all workers at once; return what each returned or raised."""
    barrier = threading.Barrier(len(workers))
    results = [None] * len(workers)

    def run(index, work):
        try:
            barrier.wait()
            results[index] = work()
        except Exception as error:  # collected for the assertions
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_parallel_registrations_get_distinct_consecutive_numbers(community, categories):
    """Twelve reports at once: numbers 1..12 of the year, none twice, the counter at 12."""
    authors = [make_resident(community, level=1) for _ in range(12)]
    category = categories["light-out"]
    results = race(
        [
            lambda author=author: services.submit_report(
                community=community,
                category=category,
                description="Темно.",
                lat=LAT,
                lon=LON,
                author=author,
            )
            for author in authors
        ]
    )
    assert all(isinstance(result, Appeal) for result in results), results
    year = timezone.localdate().year
    numbers = sorted(Appeal.objects.values_list("number", flat=True))
    assert numbers == [f"{year}/{n:06d}" for n in range(1, 13)]
    assert AppealCounter.objects.get(community=community, year=year).last == 12


def test_the_first_registration_of_a_year_races_for_the_counter_row(community, categories):
    """Nobody has a counter row yet: the racers still get 1 and 2, not one number twice."""
    authors = [make_resident(community, level=1) for _ in range(2)]
    results = race(
        [
            lambda author=author: services.submit_report(
                community=community,
                category=categories["pothole"],
                description="Яма.",
                lat=LAT,
                lon=LON,
                attributes={"size": "small"},
                author=author,
            )
            for author in authors
        ]
    )
    assert all(isinstance(result, Appeal) for result in results), results
    assert len({result.number for result in results}) == 2


def test_double_tap_on_support_counts_once(community, categories, resident, neighbour):
    appeal = report(community, categories, resident)
    results = race(
        [
            lambda: services.support_appeal(
                appeal=Appeal.objects.get(pk=appeal.pk), resident=neighbour
            )
            for _ in range(4)
        ]
    )
    assert sum(isinstance(result, Supporter) for result in results) == 1
    assert sum(isinstance(result, errors.AlreadySupported) for result in results) == 3
    appeal.refresh_from_db()
    assert appeal.supporters_count == 1


def test_many_supporters_at_once_are_all_counted(community, categories, resident):
    appeal = report(community, categories, resident)
    supporters = [make_resident(community, level=1) for _ in range(8)]
    results = race(
        [
            lambda person=person: services.support_appeal(
                appeal=Appeal.objects.get(pk=appeal.pk), resident=person
            )
            for person in supporters
        ]
    )
    assert all(isinstance(result, Supporter) for result in results), results
    appeal.refresh_from_db()
    assert appeal.supporters_count == 8


def test_two_moderators_accepting_at_once_accept_once(community, categories, resident, moderator):
    """Both press "accept" on a new appeal: one moves it, the other is told it is not new."""
    appeal = report(community, categories, resident)
    second = make_resident(community, level=1)
    from hromada.core.models import AuditEntry, StaffRole

    StaffRole.objects.create(community=community, resident=second, role=StaffRole.Role.MODERATOR)
    results = race(
        [
            lambda staff=staff: services.accept_appeal(
                appeal=Appeal.objects.get(pk=appeal.pk), moderator=staff
            )
            for staff in (moderator, second)
        ]
    )
    assert sum(isinstance(result, Appeal) for result in results) == 1, results
    assert sum(isinstance(result, DomainError) for result in results) == 1
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.ACCEPTED
    assert (
        AuditEntry.objects.filter(action="appeal.accepted", target_id=str(appeal.pk)).count() == 1
    )


def test_accept_and_reject_at_once_leave_a_coherent_history(
    community, categories, resident, moderator
):
    """
    One accepts while another rejects: the row lock puts them in some order.
    Rejected first, the acceptance is refused (a rejected appeal is closed);
    accepted first, the rejection applies to the accepted appeal, as staff may
    reject an accepted one. Either way the history tells exactly what happened.
    """
    from hromada.core.models import AuditEntry, StaffRole

    appeal = report(community, categories, resident)
    second = make_resident(community, level=1)
    StaffRole.objects.create(community=community, resident=second, role=StaffRole.Role.MODERATOR)
    accepted, rejected = race(
        [
            lambda: services.accept_appeal(
                appeal=Appeal.objects.get(pk=appeal.pk), moderator=moderator
            ),
            lambda: services.reject_appeal(
                appeal=Appeal.objects.get(pk=appeal.pk), staff=second, reason="Дубль."
            ),
        ]
    )
    assert isinstance(rejected, Appeal), rejected
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.REJECTED
    actions = list(
        AuditEntry.objects.filter(
            target_id=str(appeal.pk), action__in=["appeal.accepted", "appeal.rejected"]
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )
    if isinstance(accepted, Appeal):
        assert actions == ["appeal.accepted", "appeal.rejected"]
    else:
        assert isinstance(accepted, DomainError)
        assert actions == ["appeal.rejected"]


def test_escalation_run_twice_at_once_notifies_once(community, categories, resident, moderator):
    from datetime import timedelta

    from hromada.core.models import Notification

    appeal = report(community, categories, resident)
    Appeal.objects.filter(pk=appeal.pk).update(due_on=timezone.localdate() - timedelta(days=2))
    results = race([services.escalate_overdue, services.escalate_overdue])
    assert sorted(results) == [0, 1]
    assert Notification.objects.filter(event="appeals/escalated").count() == 1


def test_an_open311_report_with_nothing_else_to_write_commits_as_one_statement(
    community, categories
):
    """No photo, no account, no address: the report, its number and audit entry or nothing."""
    from django.core import mail
    from django.test import Client

    from hromada.core.models import AuditEntry

    _key, raw = services.issue_open311_key(community=community, name="Партнер")
    client = Client()
    url = "/open311/v2/requests.json"
    fields = {"api_key": raw, "service_code": "light-out", "lat": LAT, "long": LON}
    assert client.post(url, fields).status_code == 200
    assert client.post(url, {**fields, "email": "petro@example.com"}).status_code == 200
    # A refused report writes nothing, the counter included.
    assert client.post(url, {**fields, "lat": "0", "long": "0"}).status_code == 400
    year = timezone.localdate().year
    first, second = Appeal.objects.order_by("pk")
    assert [first.number, second.number] == [f"{year}/000001", f"{year}/000002"]
    assert AppealCounter.objects.get(community=community, year=year).last == 2
    entries = AuditEntry.objects.filter(action="appeal.registered").order_by("pk")
    assert [e.target_id for e in entries] == [str(first.pk), str(second.pk)]
    assert [e.after["number"] for e in entries] == [first.number, second.number]
    assert not connection.in_atomic_block
    assert [m.to for m in mail.outbox] == [["petro@example.com"]]
