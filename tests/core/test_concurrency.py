"""Races the database must decide (PostgreSQL: real parallel transactions)."""

import threading

import pytest
from django.db import connection

from hromada.core import services
from hromada.core.errors import DomainError
from hromada.core.models import Identity, Resident
from tests.factories import make_resident

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLAIMS = {"family_name": "Ткаченко", "given_name": "Іван", "drfocode": "2900011122"}


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


def test_one_person_becomes_strong_on_one_account_only(community):
    accounts = [make_resident(community, level=Identity.EMAIL) for _ in range(8)]

    results = race(
        [
            lambda account=account: services.verify_strong_identity(
                resident=Resident.objects.get(pk=account.pk), claims=CLAIMS, tax_claim="drfocode"
            )
            for account in accounts
        ]
    )

    assert sum(isinstance(result, Resident) for result in results) == 1
    assert all(isinstance(r, (Resident, DomainError)) for r in results)
    assert Resident.objects.filter(identity_level=Identity.STRONG).count() == 1


def test_parallel_sign_ups_with_one_email_create_one_account(community):
    results = race(
        [
            lambda: services.register_resident(
                community=community,
                email="same@example.test",
                password="teplyi-veresen-42",
                full_name="Одна Особа",
            )
            for _ in range(6)
        ]
    )
    assert sum(isinstance(result, Resident) for result in results) == 1
    assert Resident.objects.filter(email="same@example.test").count() == 1
