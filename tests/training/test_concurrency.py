"""Races the database decides (PostgreSQL: real parallel transactions)."""

import threading

import pytest
from django.db import connection

from hromada.training import services
from hromada.training.models import Answer, Attempt, Certificate, Enrollment, Question
from tests.training.conftest import finish_lessons, right_raw

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(workers):
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


def test_ten_simultaneous_submissions_count_once(course, staff):
    finish_lessons(course, staff)
    attempt = services.start_attempt(course=course, resident=staff)
    questions = Question.objects.in_bulk(attempt.questions)
    responses = {pk: right_raw(q) for pk, q in questions.items()}

    def submit():
        fresh = Attempt.objects.select_related("enrollment__course").get(pk=attempt.pk)
        return services.submit_attempt(attempt=fresh, resident=staff, responses=responses)

    results = race([submit for _ in range(10)])
    won = [r for r in results if isinstance(r, Attempt)]
    assert len(won) == 1
    assert all(isinstance(r, services.AttemptClosed) for r in results if r not in won)
    assert Attempt.objects.filter(pk=attempt.pk, status="submitted").count() == 1
    assert Answer.objects.filter(attempt=attempt).count() == len(questions)
    assert Certificate.objects.filter(resident=staff).count() == 1
    assert Enrollment.objects.get(resident=staff).status == "passed"


def test_two_tabs_starting_the_test_get_one_attempt(course, staff):
    finish_lessons(course, staff)
    results = race(
        [lambda: services.start_attempt(course=course, resident=staff) for _ in range(6)]
    )
    attempts = {r.pk for r in results if isinstance(r, Attempt)}
    assert len(attempts) == 1
    assert Attempt.objects.count() == 1
