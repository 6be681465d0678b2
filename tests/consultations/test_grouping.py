"""Grouping similar Ukrainian comments and finding near-duplicates, offline."""

import random

from hromada.consultations import grouping

TOPICS = [
    ["зупинка", "автобус", "маршрут", "розклад"],
    ["дерево", "парк", "сквер", "газон"],
    ["сміття", "контейнер", "урна", "вивезення"],
    ["дорога", "яма", "асфальт", "ремонт"],
    ["освітлення", "ліхтар", "вулиця", "темрява"],
]
FILLER = ["прошу", "терміново", "будь ласка", "мешканці", "міста", "вважаю"]


def _comments(seed=1, per_topic=20):
    rng = random.Random(seed)
    texts, truth = [], []
    for label, words in enumerate(TOPICS):
        for _ in range(per_topic):
            chosen = rng.sample(words, 3) + rng.sample(FILLER, 2)
            rng.shuffle(chosen)
            texts.append(" ".join(chosen))
            truth.append(label)
    return texts, truth


def test_lemmas_fold_word_forms():
    assert grouping.lemmas("зупинки зупинкою зупинці") == ["зупинка"] * 3


def test_groups_match_topics():
    texts, truth = _comments()
    found = grouping.cluster(texts)
    assert grouping.adjusted_rand_index(truth, found) >= 0.8


def test_adjusted_rand_index_bounds():
    assert grouping.adjusted_rand_index([0, 0, 1, 1], [5, 5, 7, 7]) == 1.0
    assert grouping.adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) < 0.1


def test_near_duplicates():
    texts = [
        "Прошу встановити урну біля зупинки",
        "Прошу встановити урни біля зупинки!",
        "Відремонтуйте дорогу на Миру",
    ]
    pairs = grouping.near_duplicates(texts)
    assert [(i, j) for i, j, _s in pairs] == [(0, 1)]
    assert grouping.cluster([]) == []
