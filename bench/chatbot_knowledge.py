"""
Benchmark: the chatbot's free-text answers (`hromada.chatbot.knowledge`).

On its own PostgreSQL database (or SQLite with BENCH_KB_SQLITE=1):

1. accuracy on the project's labelled development sets against Chornomorsk's
   knowledge base (~67 entries): top-1, top-3 and out-of-scope hand-over, on
   set B (held out; the figures reported) and set A (tuning);
2. latency with a 1,000-entry knowledge base: Chornomorsk's entries and
   synthetic ones (each a real entry's texts with a district's name added).
   The synthetic texts' vectors are written to the cache as the real entry's
   vector plus noise instead of being embedded (6,000 texts take minutes of
   CPU on two shared cores; the answer path's cost does not depend on the
   values), unless BENCH_KB_EMBED=1. Then, in a fresh process, the cold start
   (model load, cached vectors from the database, n-gram index, first answer)
   and BENCH_KB_QUESTIONS answers one after another (questions of both sets,
   cycled): wall-clock p50/p95/p99 and CPU per answer.

Prints a table and, last, one JSON line. `knowledge_part()` returns the dict
(bench/chatbot.py adds it to its own). Environment: BENCH_KB_ENTRIES (1000),
BENCH_KB_QUESTIONS (1000), BENCH_KB_EMBED (0), BENCH_KB_SQLITE (0),
BENCH_PG (postgres://postgres@127.0.0.1:5432), HROMADA_CHATBOT_THREADS (1).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRIES = int(os.environ.get("BENCH_KB_ENTRIES", "1000"))
QUESTIONS = int(os.environ.get("BENCH_KB_QUESTIONS", "1000"))
EMBED_ALL = os.environ.get("BENCH_KB_EMBED", "0") == "1"
SQLITE = os.environ.get("BENCH_KB_SQLITE", "0") == "1"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "hromada_bench_chatbot_kb"
DEV = ROOT / "tests" / "chatbot"
KB = ROOT / "hromada" / "chatbot" / "kb" / "chornomorsk.json"
DISTRICTS = [
    "Центр",
    "Олександрівка",
    "Малодолинське",
    "Бурлача Балка",
    "Молодіжне",
    "Таірове",
    "Ринок",
    "Порт",
    "Парк",
    "Набережна",
    "Школа №1",
    "Школа №2",
    "Лікарня",
    "Стадіон",
    "Вокзал",
]


def environment(var_dir: str) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{var_dir}/kb.sqlite3" if SQLITE else f"{PG}/{DB_NAME}",
        HROMADA_ENV="development",
        DEBUG="0",
        HROMADA_VAR_DIR=var_dir,
        DJANGO_SETTINGS_MODULE="hromada.settings",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
    )
    return env


def recreate_database(env: dict) -> None:
    if not SQLITE:
        admin = f"{PG}/postgres"
        for sql in (f"DROP DATABASE IF EXISTS {DB_NAME}", f"CREATE DATABASE {DB_NAME}"):
            subprocess.run(["psql", admin, "-qc", sql], check=True, env=env)
    subprocess.run(
        [sys.executable, "-m", "hromada", "migrate", "--noinput", "-v0"],
        check=True,
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )


def child(step: str, env: dict) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.chatbot_knowledge", "--child", step],
        check=True,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# In the child processes ------------------------------------------------------


def synthetic(items: list[dict], count: int) -> list[dict]:
    """Return `count` entries: the real ones, then copies naming a district."""
    out = list(items)
    n = 0
    while len(out) < count:
        base = items[n % len(items)]
        place = DISTRICTS[(n // len(items)) % len(DISTRICTS)]
        round_ = n // (len(items) * len(DISTRICTS))
        tag = f"{place} {round_}" if round_ else place
        out.append(
            {
                "id": f"{base['id']}-{n}",
                "question": f"{base['question']} ({tag})",
                "variants": [f"{v} — {tag}" for v in base["variants"]],
                "answer": f"{base['answer']} ({tag})",
                "tags": base["tags"],
            }
        )
        n += 1
    return out


def _setup():
    import django

    django.setup()
    from hromada.core.models import Community

    small, _ = Community.objects.get_or_create(
        slug="chornomorsk", defaults={"name": "Чорноморська громада"}
    )
    large, _ = Community.objects.get_or_create(
        slug="kb-large", defaults={"name": "Громада з 1000 записів"}
    )
    return small, large


def step_build() -> dict:
    import numpy as np

    small, large = _setup()
    from hromada.chatbot import knowledge
    from hromada.chatbot.services import import_knowledge

    items = json.loads(KB.read_text("utf-8"))
    knowledge.preload_vectors(KB.with_suffix(".vectors.npz"))
    import_knowledge(community=small, items=items, actor=None, replace=True)
    started = time.perf_counter()
    knowledge.refresh(small)
    small_build = time.perf_counter() - started
    many = synthetic(items, ENTRIES)
    import_knowledge(community=large, items=many, actor=None, replace=True)
    model = knowledge.embedder()
    if model is not None and not EMBED_ALL:
        # Vectors of the synthetic texts: the real text's vector plus noise.
        real = {}
        for item in items:
            for text in [item["question"], *item["variants"]]:
                real[knowledge.normalize(text)] = ("q", knowledge.normalize(text))
        method = knowledge.method_name()
        rng = np.random.default_rng(7)
        for item in many[len(items) :]:
            base = next(i for i in items if item["id"].startswith(i["id"] + "-"))
            pairs = [
                (t, b)
                for t, b in zip(
                    [item["question"], *item["variants"]],
                    [base["question"], *base["variants"]],
                    strict=True,
                )
            ]
            pairs.append((item["answer"], base["answer"]))
            for position, (text, source) in enumerate(pairs):
                kind = "p" if position == len(pairs) - 1 else "q"
                source_key = (method, kind + knowledge._text_hash(knowledge.normalize(source)))
                vector = knowledge._memo.get(source_key)
                if vector is None:
                    continue
                noisy = vector + rng.normal(0, 0.02, vector.shape).astype(np.float32)
                noisy /= np.linalg.norm(noisy)
                knowledge._memo[method, kind + knowledge._text_hash(knowledge.normalize(text))] = (
                    noisy
                )
    started = time.perf_counter()
    knowledge.refresh(large)
    large_build = time.perf_counter() - started
    accuracy = {}
    for name in ("dev_a", "dev_b"):
        result = knowledge.evaluate(small, knowledge.read_labelled(DEV / f"{name}.tsv"))
        accuracy[name] = {k: result[k] for k in ("top1", "top3", "handover", "questions")}
    return {
        "method": knowledge.method_name(),
        "small_build_s": small_build,
        "large_build_s": large_build,
        "entries": len(many),
        "accuracy": accuracy,
    }


def step_answer() -> dict:
    import numpy as np

    _small, large = _setup()
    from hromada.chatbot import knowledge
    from hromada.chatbot.models import KnowledgeEntry

    questions = [
        text
        for name in ("dev_a", "dev_b")
        for _key, text in knowledge.read_labelled(DEV / f"{name}.tsv")
    ]
    started, cpu = time.perf_counter(), time.process_time()
    first = knowledge.answer(large, questions[0])
    cold = time.perf_counter() - started
    cold_cpu = time.process_time() - cpu
    walls, cpus = [], []
    for i in range(QUESTIONS):
        text = questions[i % len(questions)]
        started, cpu = time.perf_counter(), time.process_time()
        knowledge.answer(large, text)
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    walls_a, cpus_a = np.asarray(walls), np.asarray(cpus)
    index = knowledge.index_for(large)
    return {
        "entries": KnowledgeEntry.objects.filter(community=large).count(),
        "phrasings": int(len(index.owner)),
        "embedded": index.phrasing_vectors is not None,
        "first_answer": first.answer_id,
        "cold_start_s": cold,
        "cold_start_cpu_s": cold_cpu,
        "answers": len(walls),
        "p50_ms": float(np.percentile(walls_a, 50)),
        "p95_ms": float(np.percentile(walls_a, 95)),
        "p99_ms": float(np.percentile(walls_a, 99)),
        "cpu_mean_ms": float(cpus_a.mean()),
        "cpu_p95_ms": float(np.percentile(cpus_a, 95)),
    }


# The benchmark ---------------------------------------------------------------


def knowledge_part(verbose: bool = True) -> dict:
    """Run the knowledge-base benchmark; return its figures (keys of the issue's JSON)."""
    with tempfile.TemporaryDirectory(prefix="hromada-bench-kb-") as var_dir:
        env = environment(var_dir)
        recreate_database(env)
        built = child("build", env)
        answered = child("answer", env)
    held_out = built["accuracy"]["dev_b"]
    if verbose:
        rows = [
            ("method", built["method"]),
            ("entries (latency run)", answered["entries"]),
            ("phrasings (latency run)", answered["phrasings"]),
            ("build, 67 entries, vectors shipped (s)", f"{built['small_build_s']:.2f}"),
            (f"build, {built['entries']} entries (s)", f"{built['large_build_s']:.2f}"),
            ("cold start from cached vectors (s)", f"{answered['cold_start_s']:.2f}"),
            ("cold start CPU (s)", f"{answered['cold_start_cpu_s']:.2f}"),
            ("answers timed", answered["answers"]),
            (
                "answer p50 / p95 / p99 (ms)",
                "{p50_ms:.1f} / {p95_ms:.1f} / {p99_ms:.1f}".format(**answered),
            ),
            (
                "answer CPU mean / p95 (ms)",
                "{cpu_mean_ms:.1f} / {cpu_p95_ms:.1f}".format(**answered),
            ),
        ]
        for name in ("dev_a", "dev_b"):
            acc = built["accuracy"][name]
            label = "held out" if name == "dev_b" else "tuning"
            rows.append(
                (
                    f"{name} ({label}, {acc['questions']} q.) top1 / top3 / hand-over",
                    f"{acc['top1']:.3f} / {acc['top3']:.3f} / {acc['handover']:.3f}",
                )
            )
        width = max(len(label) for label, _value in rows)
        for label, value in rows:
            print(f"{label:<{width}}  {value}")
    return {
        "answer_p50_ms": round(answered["p50_ms"], 1),
        "answer_p95_ms": round(answered["p95_ms"], 1),
        "answer_p99_ms": round(answered["p99_ms"], 1),
        "answer_cpu_ms": round(answered["cpu_mean_ms"], 1),
        "cold_start_s": round(answered["cold_start_s"], 2),
        "dev_top1": round(held_out["top1"], 3),
        "dev_top3": round(held_out["top3"], 3),
        "dev_handover": round(held_out["handover"], 3),
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        result = {"build": step_build, "answer": step_answer}[sys.argv[2]]()
        print(json.dumps(result))
        return
    print(json.dumps(knowledge_part()))


if __name__ == "__main__":
    main()
