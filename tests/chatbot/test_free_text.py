"""The engine's use of the knowledge base's verdict: answer when sure, else offer or hand over.

The matcher is replaced by a fixed verdict, so these tests pin the engine's
rules whatever the model ranks: only a sure match is answered outright; an
unsure one offers at most three entries as buttons and is logged as a gap.
"""

from __future__ import annotations

import pytest

from hromada.chatbot import knowledge
from hromada.chatbot.models import Chat, ChatMessage, KnowledgeEntry, KnowledgeGap
from hromada.chatbot.services import import_knowledge
from tests.chatbot.test_webchat import datas, say

ENTRIES = [
    ("cnap-hours", "Який графік роботи ЦНАП?", "ЦНАП працює з 8:00 до 17:00."),
    ("water-outage", "Коли дадуть воду?", "Графік відключень води на сайті водоканалу."),
    ("shelters", "Де найближче укриття?", "Мапа укриттів на сайті громади."),
    ("bus-routes", "Які автобуси їздять до моря?", "Маршрути №1 і №5."),
]


@pytest.fixture
def entries(community):
    import_knowledge(
        community=community,
        items=[
            {"id": key, "question": question, "variants": [], "answer": answer, "tags": []}
            for key, question, answer in ENTRIES
        ],
        actor=None,
    )
    return {entry.key: entry for entry in KnowledgeEntry.objects.filter(community=community)}


@pytest.fixture
def verdict(monkeypatch):
    """Make the knowledge base give the verdict a test sets."""
    given = {}

    def answer(community, text):
        return given["result"]

    monkeypatch.setattr(knowledge, "answer", answer)

    def set_verdict(result):
        given["result"] = result

    return set_verdict


def test_an_unsure_match_offers_at_most_three_buttons_and_records_a_gap(
    community, client, entries, verdict
):
    verdict(
        knowledge.Answer(
            "water-outage",
            0.55,
            ["cnap-hours", "shelters", "bus-routes"],
            handover=False,
            answer=None,
        )
    )
    replies = say(client, text="шо там з водою")
    offered = [d for d in datas(replies[-1]) if d.startswith("k:")]
    assert offered == [f"k:{entries[key].pk}" for key in ("water-outage", "cnap-hours", "shelters")]
    assert "h:person" in datas(replies[-1])
    assert "Графік відключень" not in replies[-1]["text"]  # not answered outright
    gap = KnowledgeGap.objects.get(community=community)
    assert gap.suggestion == entries["water-outage"]
    asked = ChatMessage.objects.filter(direction="in").last()
    assert asked.outcome == ChatMessage.Outcome.SUGGESTED
    assert Chat.objects.get(channel="web").handover == ""
    replies = say(client, data=f"k:{entries['water-outage'].pk}")  # the resident picks one
    assert replies[-1]["text"] == "Графік відключень води на сайті водоканалу."


def test_a_sure_match_answers_and_records_no_gap(community, client, entries, verdict):
    verdict(
        knowledge.Answer(
            "cnap-hours", 0.93, ["water-outage"], handover=False, answer="ЦНАП працює з 8:00"
        )
    )
    replies = say(client, text="коли працює цнап")
    assert replies[-1]["text"] == "ЦНАП працює з 8:00 до 17:00."
    assert not any(d.startswith("k:") for d in datas(replies[-1]))
    assert "h:person" in datas(replies[-1])
    assert not KnowledgeGap.objects.exists()
    asked = ChatMessage.objects.filter(direction="in").last()
    assert (asked.outcome, asked.answer_key) == (ChatMessage.Outcome.ANSWERED, "cnap-hours")


def test_a_sure_match_of_a_switched_off_entry_is_only_offered(community, client, entries, verdict):
    KnowledgeEntry.objects.filter(pk=entries["cnap-hours"].pk).update(active=False)
    verdict(
        knowledge.Answer(
            "cnap-hours", 0.93, ["water-outage"], handover=False, answer="ЦНАП працює з 8:00"
        )
    )
    replies = say(client, text="коли працює цнап")
    assert "8:00" not in replies[-1]["text"]
    assert datas(replies[-1])[0] == f"k:{entries['water-outage'].pk}"
    assert KnowledgeGap.objects.count() == 1


def test_no_match_hands_over_and_records_a_gap(community, client, entries, verdict):
    verdict(knowledge.Answer(None, 0.1, ["bus-routes"], handover=True, answer=None))
    say(client, text="скільки коштує квиток на концерт")
    assert Chat.objects.get(channel="web").handover == Chat.Handover.WAITING
    assert KnowledgeGap.objects.filter(community=community).count() == 1
    asked = ChatMessage.objects.filter(direction="in").last()
    assert asked.outcome == ChatMessage.Outcome.HANDOVER
