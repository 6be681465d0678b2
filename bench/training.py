"""
Benchmark staff training over HTTP as in production.

Starts gunicorn (bench/_server.py: the production command line) on its own
PostgreSQL database with sessions and the cache in Redis, builds a council of
BENCH_STAFF staff (500) in five departments with BENCH_COURSES (20) courses,
mandatory dates and passed enrolments with area scores, and one timed test
of 40 questions (8 per area, every question type), then:

1. BENCH_TAKERS (200) staff take the test at once: start it (POST), read the
   attempt page, save BENCH_SAVES answers one by one as the page's script
   does, then submit every answer; every taker sends its submission twice at
   the same moment (a double click, two tabs). Submit latency is measured on
   all submissions; afterwards the database must hold each acknowledged
   answer (answers lost) and one graded submission per attempt (attempts
   doubled);
2. the certificate PDF of BENCH_PDFS passers (wall time, max);
3. the public verify page for BENCH_VERIFY_SECONDS with 16 clients, each
   from its own address (rate limits stay on);
4. the council's progress dashboard (500 staff × 20 courses) as HR.

Besides latencies it reports the CPU milliseconds each request costs the app
and the database: the figure to compare across machines. Prints a table and,
last, one JSON line.

Environment: BENCH_STAFF (500), BENCH_COURSES (20), BENCH_TAKERS (200),
BENCH_SAVES (5), BENCH_PDFS (10), BENCH_VERIFY_SECONDS (6),
BENCH_DASHBOARD_READS (40), BENCH_WORKERS, BENCH_THREADS,
BENCH_PG (postgres://postgres@127.0.0.1:5432), BENCH_REDIS
(redis://127.0.0.1:6379/11, flushed; empty for none). A quick run:
BENCH_STAFF=100 BENCH_COURSES=5 BENCH_TAKERS=20 BENCH_VERIFY_SECONDS=2.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from bench import petitions as shared
from bench._server import THREADS as PRODUCTION_THREADS
from bench._server import WORKERS as PRODUCTION_WORKERS

ROOT = Path(__file__).resolve().parent.parent
STAFF = int(os.environ.get("BENCH_STAFF", "500"))
COURSES = int(os.environ.get("BENCH_COURSES", "20"))
TAKERS = int(os.environ.get("BENCH_TAKERS", "200"))
SAVES = int(os.environ.get("BENCH_SAVES", "5"))
PDFS = int(os.environ.get("BENCH_PDFS", "10"))
VERIFY_SECONDS = float(os.environ.get("BENCH_VERIFY_SECONDS", "6"))
DASHBOARD_READS = int(os.environ.get("BENCH_DASHBOARD_READS", "40"))
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/11")
DB_NAME = "hromada_bench_training"
HOST = "127.0.0.1"
PER_AREA = 8
AREAS = 5
DEPARTMENTS = 5
TARGETS = {
    "submit_p95_ms": 150,
    "certificate_pdf_s": 1.5,
    "verify_p95_ms": 30,
    "dashboard_p95_ms": 200,
}

# The benchmark's own database and Redis number, on the shared helpers.
shared.DB_NAME = DB_NAME
shared.PG = PG
shared.REDIS = REDIS
shared.WORKERS = int(os.environ.get("BENCH_WORKERS", str(PRODUCTION_WORKERS)))
shared.THREADS = int(os.environ.get("BENCH_THREADS", str(PRODUCTION_THREADS)))


def question_specs(area: int) -> list[tuple[str, str, dict]]:
    """Return 10 questions of every type for one area (8 are drawn)."""
    opts = [{"id": i, "text": f"Варіант {i}"} for i in "abcd"]
    left = [{"id": f"l{i}", "text": f"Поняття {i}"} for i in range(3)]
    right = [{"id": f"r{i}", "text": f"Значення {i}"} for i in range(3)]
    items = [{"id": str(i), "text": f"Крок {i}"} for i in range(4)]
    specs = [
        ("single", {"options": opts, "correct": ["b"]}),
        ("multiple", {"options": opts, "correct": ["a", "c"]}),
        ("true_false", {"correct": True}),
        (
            "matching",
            {"left": left, "right": right, "correct": {f"l{i}": f"r{i}" for i in range(3)}},
        ),
        ("ordering", {"items": items}),
        ("short", {"variants": ["КЕП"]}),
        ("numeric", {"value": 12, "tolerance": 0.5}),
        ("single", {"options": opts, "correct": ["d"]}),
        ("true_false", {"correct": False}),
        ("multiple", {"options": opts, "correct": ["b", "d"]}),
    ]
    return [(kind, f"Питання {area}.{n} ({kind})", data) for n, (kind, data) in enumerate(specs)]


def form_fields(question_id: int, kind: str, data: dict) -> list[tuple[str, str]]:
    """Return the form fields a person who knows the answer would post."""
    name = f"q{question_id}"
    if kind in ("single",):
        return [(name, data["correct"][0])]
    if kind == "multiple":
        return [(name, value) for value in data["correct"]]
    if kind == "true_false":
        return [(name, "true" if data["correct"] else "false")]
    if kind == "matching":
        return [(f"{name}-{k}", v) for k, v in data["correct"].items()]
    if kind == "ordering":
        return [(f"{name}-{item['id']}", str(n)) for n, item in enumerate(data["items"], start=1)]
    if kind == "short":
        return [(name, data["variants"][0])]
    return [(name, str(data["value"]))]


def prepare() -> dict:
    import django

    django.setup()
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from hromada.core.models import Community, Department, Identity, Resident, StaffRole
    from hromada.training import services
    from hromada.training.models import (
        AreaResult,
        CompetenceArea,
        Course,
        Enrollment,
        HrOfficer,
        MandatoryCourse,
        Question,
        QuestionBank,
    )

    community = Community.objects.create(
        slug="chornomorsk", name="Чорноморська міська територіальна громада"
    )
    departments = [
        Department.objects.create(community=community, name=f"Управління {n + 1}")
        for n in range(DEPARTMENTS)
    ]
    password = make_password("bench-password-2026")
    people = Resident.objects.bulk_create(
        [
            Resident(
                email=f"staff{n:05d}@bench.invalid",
                password=password,
                full_name=f"Працівник Бенчмарк {n:05d}",
                identity_level=Identity.EMAIL,
                is_staff=True,
                notify_by_email=False,
            )
            for n in range(STAFF + 1)
        ],
        batch_size=2000,
    )
    people = list(Resident.objects.order_by("pk"))
    hr, staff = people[0], people[1:]
    HrOfficer.objects.create(community=community, resident=hr)
    StaffRole.objects.create(community=community, resident=hr, role="staff")
    StaffRole.objects.bulk_create(
        [
            StaffRole(
                community=community,
                resident=person,
                role="staff",
                department=departments[n % DEPARTMENTS],
            )
            for n, person in enumerate(staff)
        ],
        batch_size=2000,
    )
    areas = [
        CompetenceArea.objects.create(community=community, code=f"a{n}", name=f"Сфера {n + 1}")
        for n in range(AREAS)
    ]
    banks = []
    for n, area in enumerate(areas):
        bank = QuestionBank.objects.create(community=community, title=f"Банк {n}", area=area)
        Question.objects.bulk_create(
            [Question(bank=bank, kind=k, text=t, data=d) for k, t, d in question_specs(n)]
        )
        banks.append(bank)
    test = Course.objects.create(
        community=community,
        title="Цифрова безпека: підсумковий тест",
        is_published=True,
        hours=6,
        valid_months=12,
        questions_per_area=PER_AREA,
        time_limit_minutes=60,
        max_attempts=3,
        pass_mark=70,
    )
    test.areas.set(areas)
    test.banks.set(banks)
    # The council's history for the dashboard: COURSES courses, each
    # mandatory for every department, passed by about 60 % of the staff.
    today = timezone.localdate()
    now = timezone.now()
    others = [test]
    for n in range(COURSES - 1):
        course = Course.objects.create(
            community=community, title=f"Курс {n + 2}", is_published=True, hours=4
        )
        course.areas.set(areas[n % AREAS : n % AREAS + 2])
        others.append(course)
    MandatoryCourse.objects.bulk_create(
        [
            MandatoryCourse(
                course=course, department=department, due_on=today + timedelta(days=30 - 3 * n)
            )
            for n, course in enumerate(others)
            for department in departments
        ]
    )
    enrollments = []
    for n, course in enumerate(others[1:], start=1):
        for m, person in enumerate(staff):
            if (m + n) % 5 < 3:
                enrollments.append(
                    Enrollment(
                        community=community,
                        course=course,
                        series=course.series,
                        resident=person,
                        status="passed",
                        score=80,
                        passed_at=now - timedelta(days=n),
                        hours=course.hours,
                    )
                )
    Enrollment.objects.bulk_create(enrollments, batch_size=5000)
    area_ids = [a.pk for a in areas]
    results = []
    for enrollment in Enrollment.objects.filter(community=community).values_list(
        "pk", "resident_id", "course_id"
    ):
        for k in range(2):
            results.append(
                AreaResult(
                    community=community,
                    enrollment_id=enrollment[0],
                    resident_id=enrollment[1],
                    area_id=area_ids[(enrollment[2] + k) % AREAS],
                    score=50 + (enrollment[1] + k * 7) % 50,
                )
            )
    AreaResult.objects.bulk_create(results, batch_size=5000)
    questions = {q.pk: (q.kind, q.data) for q in Question.objects.filter(bank__community=community)}
    keys = {person.pk: secrets.token_hex(16) for person in [hr, *staff]}
    shared.save_sessions(
        {
            keys[person.pk]: {
                "_auth_user_id": str(person.pk),
                "_auth_user_backend": "hromada.core.auth.ResidentBackend",
                "_auth_user_hash": person.get_session_auth_hash(),
            }
            for person in [hr, *staff]
        }
    )
    assert services.is_hr(hr, community)
    from django.db import connection

    connection.close()
    return {
        "course": test.pk,
        "hr": keys[hr.pk],
        "takers": [keys[p.pk] for p in staff[:TAKERS]],
        "questions": questions,
    }


CSRF = "benchcsrftoken0123456789abcdefgh"  # 32 characters: a valid unmasked secret


def headers(session: str, address: str = "", form: bool = False) -> dict:
    found = {"Cookie": f"sessionid={session}; csrftoken={CSRF}"}
    if form:
        found["Content-Type"] = "application/x-www-form-urlencoded"
        found["X-CSRFToken"] = CSRF
    if address:
        found["X-Forwarded-For"] = address
    return found


async def take_tests(port: int, data: dict, meter) -> dict:
    """Every taker starts, saves a few answers and submits twice at once."""
    submits: list[float] = []
    outcome = {"ok": 0, "bad": 0, "sent_answers": 0, "attempts": [], "certificates": []}
    ready = asyncio.Event()
    waiting = {"count": len(data["takers"])}

    async def taker(session: str):
        first, second = shared.Connection(port), shared.Connection(port)
        status, head, _, _ = await first.request(
            "POST", f"/training/courses/{data['course']}/start/", headers(session, form=True)
        )
        location = head.get("location", "")
        match = re.search(r"/training/attempts/(\d+)/", location)
        if status != 302 or not match:
            outcome["bad"] += 1
            waiting["count"] -= 1
            if waiting["count"] == 0:
                outcome["before_submit"] = meter.snapshot()
                ready.set()
            return
        attempt = int(match.group(1))
        status, _, _, body = await first.request("GET", location, headers(session))
        ids = [int(x) for x in re.findall(rb'data-question="(\d+)"', body)]
        fields = {pk: form_fields(pk, *data["questions"][pk]) for pk in ids}
        for pk in ids[:SAVES]:
            payload = urlencode([("question", str(pk)), *fields[pk]]).encode()
            status, _, _, _ = await first.request(
                "POST",
                f"/training/attempts/{attempt}/answer/",
                headers(session, form=True),
                payload,
            )
            if status != 200:
                outcome["bad"] += 1
        everything = urlencode([f for pk in ids for f in fields[pk]]).encode()
        outcome["sent_answers"] += len(ids)
        outcome["attempts"].append((attempt, len(ids)))
        # Everyone submits at the same moment.
        waiting["count"] -= 1
        if waiting["count"] == 0:
            outcome["before_submit"] = meter.snapshot()
            ready.set()
        await ready.wait()

        async def submit(connection):
            started = time.perf_counter()
            status, _, _, _ = await connection.request(
                "POST",
                f"/training/attempts/{attempt}/submit/",
                headers(session, form=True),
                everything,
            )
            submits.append(time.perf_counter() - started)
            outcome["ok" if status == 302 else "bad"] += 1

        await asyncio.gather(submit(first), submit(second))
        first.close()
        second.close()

    await asyncio.gather(*(taker(s) for s in data["takers"]))
    outcome["after_submit"] = meter.snapshot()
    outcome["latencies"] = submits
    return outcome


async def timed_gets(
    port: int, paths_headers: list[tuple[str, dict]], clients: int, seconds=None, count=None
):
    latencies, bad = [], 0
    deadline = time.perf_counter() + seconds if seconds else None
    remaining = {"n": count}

    async def client(index):
        nonlocal bad
        connection = shared.Connection(port)
        n = 0
        while True:
            if deadline and time.perf_counter() >= deadline:
                break
            if count is not None:
                if remaining["n"] <= 0:
                    break
                remaining["n"] -= 1
            path, head = paths_headers[(index + n * clients) % len(paths_headers)]
            n += 1
            started = time.perf_counter()
            status, _, _, _ = await connection.request("GET", path, head)
            latencies.append(time.perf_counter() - started)
            bad += status != 200
        connection.close()

    await asyncio.gather(*(client(i) for i in range(clients)))
    return latencies, bad


def database_facts(env: dict, attempts: list[tuple[int, int]]) -> dict:
    script = (
        "import django, json, sys; django.setup();"
        "from django.db.models import Count;"
        "from hromada.training.models import Answer, Attempt, Certificate;"
        "from hromada.core.models import AuditEntry;"
        "pairs = json.loads(sys.stdin.read());"
        "ids = [a for a, _ in pairs];"
        "stored = dict(Answer.objects.filter(attempt_id__in=ids).values_list('attempt_id')"
        ".annotate(n=Count('pk')));"
        "lost = sum(max(0, n - stored.get(a, 0)) for a, n in pairs);"
        "submitted = AuditEntry.objects.filter(action='training_attempt.submitted')"
        ".values('target_id').annotate(n=Count('pk'));"
        "doubled = sum(1 for row in submitted if row['n'] > 1);"
        "graded = Attempt.objects.filter(pk__in=ids, status='submitted').count();"
        "certs = list(Certificate.objects.values_list('code', flat=True)[:500]);"
        "print(json.dumps({'lost': lost, 'doubled': doubled, 'graded': graded,"
        " 'attempts': Attempt.objects.filter(pk__in=ids).count(), 'codes': certs}))"
    )
    output = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        input=json.dumps(attempts).encode(),
    )
    return json.loads(output.stdout.decode().strip().splitlines()[-1])


def certificate_owners(env: dict, limit: int) -> list[tuple[str, int]]:
    script = (
        "import django, json; django.setup();"
        "from hromada.training.models import Certificate;"
        f"print(json.dumps(list(Certificate.objects.values_list('code', 'resident_id')[:{limit}])))"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return json.loads(output.stdout.decode().strip().splitlines()[-1])


class Meter(shared.CpuMeter):
    """CPU of the app server and this benchmark's database backends."""


def ms(values, share) -> float:
    return round(shared.percentile(values, share) * 1000, 1)


def main() -> None:
    var_dir = tempfile.mkdtemp(prefix="hromada-bench-training-")
    env = shared.environment(var_dir)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    shared.recreate_database(env)
    data = prepare()
    setup_seconds = time.perf_counter() - started
    port = shared.free_port()
    server = shared.start_server(env, port)
    meter = Meter(server, env)
    try:
        before = meter.snapshot()
        tests = asyncio.run(take_tests(port, data, meter))
        after_tests = meter.snapshot()
        facts = database_facts(env, tests["attempts"])
        owners = certificate_owners(env, PDFS)
        # Certificate PDFs, one at a time, as their owners download them.
        pdf_seconds = []
        hr_session = data["hr"]
        for code, _owner in owners:
            latencies, bad = asyncio.run(
                timed_gets(
                    port, [(f"/training/certificates/{code}.pdf", headers(hr_session))], 1, count=1
                )
            )
            pdf_seconds += latencies
        # The public verify page, from many addresses (rate limits stay on).
        codes = facts["codes"] or ["AAAAAAAAAAAAAAAA"]
        verify_paths = [
            (
                f"/training/verify/{code}/",
                {"X-Forwarded-For": f"10.{n // 250 % 250}.{n % 250}.{n % 7 + 1}"},
            )
            for n, code in enumerate(codes * max(1, 400 // len(codes)))
        ]
        before_verify = meter.snapshot()
        verify, verify_bad = asyncio.run(timed_gets(port, verify_paths, 16, seconds=VERIFY_SECONDS))
        after_verify = meter.snapshot()
        dashboard, dashboard_bad = asyncio.run(
            timed_gets(
                port, [("/training/progress/", headers(hr_session))], 4, count=DASHBOARD_READS
            )
        )
        after_dashboard = meter.snapshot()
    finally:
        shared.stop_server(server)
    shutil.rmtree(var_dir, ignore_errors=True)

    test_cpu = shared.CpuMeter.spent(before, after_tests)
    submit_cpu = shared.CpuMeter.spent(tests["before_submit"], tests["after_submit"])
    submissions = max(1, len(tests["latencies"]))
    verify_cpu = shared.CpuMeter.spent(before_verify, after_verify)
    dashboard_cpu = shared.CpuMeter.spent(after_verify, after_dashboard)
    # Test phase requests: start, page, saves, two submissions per taker.
    test_requests = max(1, len(tests["attempts"]) * (4 + SAVES))
    result = {
        "submit_p95_ms": ms(tests["latencies"], 0.95),
        "answers_lost": facts["lost"],
        "attempts_doubled": facts["doubled"],
        "certificate_pdf_s": round(max(pdf_seconds), 3) if pdf_seconds else None,
        "verify_p95_ms": ms(verify, 0.95),
        "dashboard_p95_ms": ms(dashboard, 0.95),
        "submit_p50_ms": ms(tests["latencies"], 0.50),
        "takers": len(tests["attempts"]),
        "attempts_graded": facts["graded"],
        "failed_requests": tests["bad"] + verify_bad + dashboard_bad,
        "submit_cpu_ms": {k: round(1000 * v / submissions, 2) for k, v in submit_cpu.items()},
        "test_cpu_ms_per_request": {
            k: round(1000 * v / test_requests, 2) for k, v in test_cpu.items()
        },
        "verify_cpu_ms": {
            k: round(1000 * v / max(1, len(verify)), 3) for k, v in verify_cpu.items()
        },
        "dashboard_cpu_ms": {
            k: round(1000 * v / max(1, len(dashboard)), 2) for k, v in dashboard_cpu.items()
        },
        "staff": STAFF,
        "courses": COURSES,
        "workers": shared.WORKERS,
        "threads": shared.THREADS,
    }
    rows = [
        ("staff / courses (dashboard data)", f"{STAFF} / {COURSES}"),
        ("takers of the 40-question test at once", len(tests["attempts"])),
        ("setup (database, people, history, sessions)", f"{setup_seconds:.1f} s"),
        ("submit latency p50 / p95 (target ≤ 150)", f"{result['submit_p50_ms']} / {result['submit_p95_ms']} ms"),
        ("answers sent / lost", f"{tests['sent_answers']} / {facts['lost']}"),
        ("attempts graded / submitted twice (doubled)", f"{facts['graded']} / {facts['doubled']}"),
        (f"certificate PDF, slowest of {len(pdf_seconds)} (target ≤ 1.5 s)", f"{result['certificate_pdf_s']} s"),
        ("verify page p95 (target ≤ 30)", f"{result['verify_p95_ms']} ms over {len(verify)} reads"),
        ("progress dashboard p95 (target ≤ 200)", f"{result['dashboard_p95_ms']} ms over {len(dashboard)} reads"),
        ("failed requests", result["failed_requests"]),
        ("CPU per submission (both of a pair): app / database", " / ".join(f"{result['submit_cpu_ms'][p]:.2f}" for p in ("app", "db")) + " ms"),
        ("CPU per test request: app / database", " / ".join(f"{result['test_cpu_ms_per_request'][p]:.2f}" for p in ("app", "db")) + " ms"),
        ("CPU per verify page: app / database", " / ".join(f"{result['verify_cpu_ms'][p]:.3f}" for p in ("app", "db")) + " ms"),
        ("CPU per dashboard: app / database", " / ".join(f"{result['dashboard_cpu_ms'][p]:.2f}" for p in ("app", "db")) + " ms"),
        ("gunicorn workers × threads", f"{shared.WORKERS} × {shared.THREADS}"),
        ("machine load average (1 min) at the end", f"{os.getloadavg()[0]:.1f}"),
    ]  # fmt: skip
    width = max(len(label) for label, _ in rows)
    print(f"{'measure'.ljust(width)}  value")
    for label, value in rows:
        print(f"{label.ljust(width)}  {value}")
    met = (
        all(result[key] is not None and result[key] <= target for key, target in TARGETS.items())
        and not facts["lost"]
        and not facts["doubled"]
    )
    print(f"{'targets met'.ljust(width)}  {'yes' if met else 'NO'}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
