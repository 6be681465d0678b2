"""Teachers saving the same cells at once (PostgreSQL: real parallel transactions)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from hromada.schools import services
from hromada.schools.models import Entry, JournalChange
from tests.schools.conftest import build_world

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


def test_concurrent_saves_of_one_column_lose_nothing_and_log_each_change_once(community):
    world = build_world(community)
    lesson = world.lesson()
    pupils = world.pupils
    values = [str(n) for n in range(1, 11)]
    results = race(
        [
            lambda value=value: services.save_cells(
                actor=world.teacher,
                lesson=lesson,
                values={pupil.pk: value for pupil in pupils},
            )
            for value in values
        ]
    )
    errors = [result for result in results if isinstance(result, Exception)]
    assert errors == []
    entries = list(Entry.objects.filter(lesson=lesson))
    assert len(entries) == len(pupils)  # one cell per pupil: nothing doubled
    assert len({entry.value for entry in entries}) == 1  # one whole save won, none mixed
    logged = sum(result["logged"] for result in results)
    log = JournalChange.objects.filter(lesson=lesson, kind="cell")
    assert log.count() == logged
    # Each pupil's history chains: every row starts where the previous one ended.
    for pupil in pupils:
        rows = list(log.filter(pupil=pupil).order_by("id"))
        previous = ""
        for row in rows:
            assert row.old_value == previous
            previous = row.new_value
        assert previous == Entry.objects.get(lesson=lesson, pupil=pupil).value
