"""Races of the knowledge base the database decides (PostgreSQL: real parallel transactions)."""

import threading

import pytest
from django.db import connection

from hromada.chatbot.models import KnowledgeEntry, KnowledgeGap
from hromada.chatbot.services import import_knowledge, record_gap

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ITEMS = [
    {"id": f"entry-{n}", "question": f"Питання {n}?", "variants": [], "answer": "Відповідь."}
    for n in range(5)
]


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


def test_the_same_unanswered_question_from_twelve_chats_is_one_gap_counted_twelve_times(community):
    results = race(
        [lambda: record_gap(community=community, question="Коли відкриють аквапарк?")] * 12
    )
    assert not [r for r in results if isinstance(r, Exception)]
    gap = KnowledgeGap.objects.get(community=community)
    assert gap.times_asked == 12


def test_two_imports_of_the_same_file_at_once_create_each_entry_once(community):
    results = race([lambda: import_knowledge(community=community, items=ITEMS, actor=None)] * 4)
    assert not [r for r in results if isinstance(r, Exception)]
    assert KnowledgeEntry.objects.filter(community=community).count() == len(ITEMS)
    # The first import creates every entry; the others wait for it and find them unchanged.
    assert sum(r["created"] for r in results) == len(ITEMS)
    assert sum(r["unchanged"] for r in results) == 3 * len(ITEMS)
