"""
Grouping similar comments and finding near-duplicates, offline.

Words are reduced to their lemmas with pymorphy3 and its Ukrainian
dictionary (a package, no download), weighed by TF-IDF in numpy and grouped
by cosine similarity: a single pass assigns each comment to the nearest
group above a threshold (or starts a new one), a few rounds of spherical
k-means then settle the groups, and groups whose centres are close merge.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache, lru_cache

import numpy as np

_TOKEN = re.compile(r"[a-zа-щьюяґєії'’]+", re.IGNORECASE)
STOP = frozenset(
    """
і й та а але або що щоб як це цей ця ці той те ті в у на до з із зі від для по при
про за під над між через не ні так ж же би б є був була було були буде будуть мене мені
ми ви вони він вона воно їх його її нам нас вам вас треба також дуже вже ще тут там коли
який яка яке які свій своя своє свої весь вся все всі можна потрібно слід необхідно
пропоную прошу вважаю думаю
    """.split()  # noqa: SIM905
)
FEATURES_MAX = 4000


@cache
def _analyzer():
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="uk")


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    parsed = _analyzer().parse(word)
    return parsed[0].normal_form if parsed else word


def lemmas(text: str) -> list[str]:
    words = (w.lower().replace("’", "'") for w in _TOKEN.findall(text or ""))
    return [lemma(w) for w in words if len(w) > 2 and w not in STOP]


def tfidf(texts: list[str], *, min_df: int = 2) -> np.ndarray:
    """Return the L2-normalised TF-IDF rows of the texts (float32, dense)."""
    documents = [lemmas(text) for text in texts]
    frequency = Counter(word for words in documents for word in set(words))
    vocabulary = [w for w, n in frequency.most_common(FEATURES_MAX) if n >= min_df]
    index = {word: i for i, word in enumerate(vocabulary)}
    matrix = np.zeros((len(texts), max(len(vocabulary), 1)), dtype=np.float32)
    for row, words in enumerate(documents):
        for word in words:
            column = index.get(word)
            if column is not None:
                matrix[row, column] += 1.0
    if vocabulary:
        df = np.array([frequency[w] for w in vocabulary], dtype=np.float32)
        matrix = np.log1p(matrix) * (np.log((1 + len(texts)) / (1 + df)) + 1.0)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def _normalise(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return rows / norms


def cluster(
    texts: list[str], *, threshold: float = 0.35, merge_at: float = 0.45, rounds: int = 6
) -> list[int]:
    """
    Return a group number (0, 1, …) for each text; similar texts share one.

    The first pass's threshold is kept well above the similarity that words
    common to every topic (places, set phrases) give two unrelated comments:
    a group started too loosely swallows a second topic, and k-means cannot
    split it again. Too many groups are cheap: close centres merge later.
    """
    if not texts:
        return []
    matrix = tfidf(texts, min_df=2 if len(texts) > 20 else 1)
    # One pass: the nearest centre above the threshold, or a new group.
    centres: list[np.ndarray] = []
    sums: list[np.ndarray] = []
    labels = np.empty(len(texts), dtype=np.int64)
    stack = np.zeros((0, matrix.shape[1]), dtype=np.float32)
    for i, row in enumerate(matrix):
        if len(centres):
            scores = stack @ row
            best = int(np.argmax(scores))
            if scores[best] >= threshold:
                labels[i] = best
                sums[best] += row
                stack[best] = sums[best] / (np.linalg.norm(sums[best]) or 1.0)
                continue
        labels[i] = len(centres)
        centres.append(row)
        sums.append(row.copy())
        stack = np.vstack([stack, row[None, :]])
    # Spherical k-means from those centres; merge centres that came close.
    for _round in range(rounds):
        centre = _normalise(np.vstack([matrix[labels == k].sum(axis=0) for k in range(len(stack))]))
        keep = _merge(centre, merge_at)
        centre = _normalise(np.vstack([centre[group].sum(axis=0) for group in keep]))
        new = np.argmax(matrix @ centre.T, axis=1)
        if len(centre) == len(stack) and np.array_equal(new, labels):
            break
        labels, stack = new, centre
    # Renumber by first appearance.
    seen: dict[int, int] = {}
    return [seen.setdefault(int(label), len(seen)) for label in labels]


def _merge(centres: np.ndarray, at: float) -> list[list[int]]:
    """Return groups of centre indexes whose similarity reaches `at` (single link)."""
    similarity = centres @ centres.T
    parent = list(range(len(centres)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    pairs = np.argwhere(np.triu(similarity, k=1) >= at)
    for i, j in pairs:
        parent[find(int(i))] = find(int(j))
    groups: dict[int, list[int]] = {}
    for i in range(len(centres)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def near_duplicates(
    texts: list[str], *, at: float = 0.8, block: int = 2000
) -> list[tuple[int, int, float]]:
    """Return (i, j, similarity) of text pairs that say nearly the same, i < j."""
    if len(texts) < 2:
        return []
    matrix = tfidf(texts, min_df=1)
    found = []
    for start in range(0, len(texts), block):
        scores = matrix[start : start + block] @ matrix.T
        for i, j in np.argwhere(scores >= at):
            i = int(i) + start
            if i < int(j):
                found.append((i, int(j), float(scores[i - start, j])))
    return found


def top_words(texts: list[str], limit: int = 5) -> list[str]:
    counts = Counter(word for text in texts for word in set(lemmas(text)))
    return [word for word, _n in counts.most_common(limit)]


def adjusted_rand_index(truth: list[int], found: list[int]) -> float:
    """Return the adjusted Rand index of two labelings (1 = identical groupings)."""
    truth_ids = {label: i for i, label in enumerate(sorted(set(truth)))}
    found_ids = {label: i for i, label in enumerate(sorted(set(found)))}
    table = np.zeros((len(truth_ids), len(found_ids)), dtype=np.int64)
    for a, b in zip(truth, found, strict=True):
        table[truth_ids[a], found_ids[b]] += 1

    def pairs(values):
        values = np.asarray(values, dtype=np.float64)
        return float((values * (values - 1) / 2).sum())

    index = pairs(table.ravel())
    rows, columns = pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    total = pairs([len(truth)])
    expected = rows * columns / total if total else 0.0
    most = (rows + columns) / 2
    if most == expected:
        return 1.0
    return (index - expected) / (most - expected)
