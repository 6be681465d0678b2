"""
Signing races on PostgreSQL: exact counts, one signature per person, and the
threshold transition recorded once, even with the scheduled task running.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from hromada.core.audit import history
from hromada.core.models import Notification
from hromada.petitions import services
from hromada.petitions.models import Petition, Signature
from tests.factories import make_resident
from tests.petitions.conftest import make_collecting, set_rules

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SIGNERS = 200
# PostgreSQL allows about 100 connections on a shared machine: 40 threads,
# each its own connection, start together and take signers from one queue.
THREADS = 40


@pytest.fixture
def race(community, author, topic, moderator, administrator, department):
    set_rules(community, administrator, threshold=SIGNERS, collection_days=30)
    petition = make_collecting(community, author, topic, moderator, department)
    residents = [make_resident(community) for _ in range(SIGNERS)]
    return petition, residents


def run_in_threads(jobs, threads=THREADS):
    """Run the callables on `threads` threads started together; return outcomes."""
    barrier = threading.Barrier(threads)
    lock = threading.Lock()
    queue = list(jobs)
    outcomes = []

    def worker():
        barrier.wait()
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    job = queue.pop()
                try:
                    outcome = job()
                except services.DomainError as error:
                    outcome = error.code
                with lock:
                    outcomes.append(outcome)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(worker) for _ in range(threads)]:
            future.result()
    return outcomes


def test_parallel_signers_are_counted_exactly_and_cross_the_threshold_once(race, official):
    """200 signers and 100 repeated taps in parallel, with the task running too."""
    petition, residents = race

    def sign(resident):
        return lambda: services.sign_petition(petition=petition, resident=resident) and "signed"

    def task():
        services.close_due_collections()
        return "task"

    jobs = [sign(resident) for resident in residents]
    jobs += [sign(resident) for resident in residents[::2]]  # second taps of half of them
    jobs += [task for _ in range(10)]
    jobs.sort(key=lambda job: hash(job) % 97)  # interleave taps, repeats and the task
    outcomes = run_in_threads(jobs)

    assert outcomes.count("signed") == SIGNERS
    assert outcomes.count("petition_already_signed") == SIGNERS // 2
    assert Signature.objects.filter(petition=petition).count() == SIGNERS
    assert (
        Signature.objects.filter(petition=petition).values("resident").distinct().count() == SIGNERS
    )
    petition.refresh_from_db()
    assert petition.signature_count == SIGNERS
    assert petition.status == Petition.Status.CONSIDERATION
    assert history(petition).filter(action="petition.threshold_reached").count() == 1
    assert Notification.objects.filter(resident=official, event="petitions/threshold").count() == 1


def test_two_taps_of_one_resident_leave_one_signature(race):
    """Ten simultaneous requests of one resident: one signature, nine refusals."""
    petition, residents = race
    resident = residents[0]
    jobs = [
        lambda: services.sign_petition(petition=petition, resident=resident) and "signed"
        for _ in range(10)
    ]
    outcomes = run_in_threads(jobs, threads=10)
    assert sorted(outcomes) == ["petition_already_signed"] * 9 + ["signed"]
    assert Signature.objects.filter(petition=petition).count() == 1
    petition.refresh_from_db()
    assert petition.signature_count == 1
