"""
Schools benchmark: the journal, a column save, concurrent teachers, the diary, the
semester report and the timetable generator.

PostgreSQL (a fresh database, hromada_bench_schools), gunicorn as in production
(bench/_server.py). Knobs (environment): BENCH_QUICK=1 for a small quick run;
BENCH_PUPILS (35), BENCH_LESSONS (40), BENCH_SAMPLES (60), BENCH_TEACHERS (64),
BENCH_SECONDS (30), BENCH_REPORT_PUPILS (1000), BENCH_SUBJECTS (15),
BENCH_TT_CLASSES (30), BENCH_TT_TEACHERS (60), BENCH_TT_ROOMS (40).

Prints a table and, as the last line, one JSON object with journal_p95_ms,
journal_queries, save_p95_ms, concurrent_lost, concurrent_doubled, log_rows_ok,
diary_p95_ms, report_s, report_peak_mb, timetable_s, timetable_clashes, and the
CPU milliseconds per request of the app and of the database.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

import requests

from bench._server import database_cpu, database_cpu_spent, gunicorn_command, tree_cpu

ROOT = Path(__file__).resolve().parent.parent
QUICK = os.environ.get("BENCH_QUICK") == "1"


def knob(name: str, full: int, quick: int) -> int:
    return int(os.environ.get(name, str(quick if QUICK else full)))


PUPILS = knob("BENCH_PUPILS", 35, 35)
LESSONS = knob("BENCH_LESSONS", 40, 40)
SAMPLES = knob("BENCH_SAMPLES", 60, 15)
TEACHERS = knob("BENCH_TEACHERS", 64, 8)
SECONDS = knob("BENCH_SECONDS", 30, 5)
REPORT_PUPILS = knob("BENCH_REPORT_PUPILS", 1000, 150)
SUBJECTS = knob("BENCH_SUBJECTS", 15, 15)
TT_CLASSES = knob("BENCH_TT_CLASSES", 30, 10)
TT_TEACHERS = knob("BENCH_TT_TEACHERS", 60, 20)
TT_ROOMS = knob("BENCH_TT_ROOMS", 40, 14)
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "hromada_bench_schools"
HOST = "chornomorsk.localhost"


def environment() -> dict:
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.update(
        DATABASE_URL=f"{PG}/{DB_NAME}",
        DJANGO_SETTINGS_MODULE="hromada.settings",
        DEBUG="0",
    )
    return env


def recreate_database(env: dict) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DB_NAME}"')
    subprocess.run(
        [sys.executable, "-m", "hromada", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def p95(values: list[float]) -> float:
    values = sorted(values)
    return round(values[max(0, int(len(values) * 0.95) - 1)], 1) if values else 0.0


# Data ------------------------------------------------------------------------------------


def prepare() -> dict:
    """Create a school with a 35-pupil class × 40 lessons, 64 teachers, a parent of three."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.utils import timezone

    from hromada.core.models import Community, Identity, Resident
    from hromada.core.services import issue_api_token
    from hromada.schools.models import (
        Assignment,
        Enrolment,
        Entry,
        Guardianship,
        Lesson,
        Pupil,
        School,
        SchoolClass,
        SchoolStaff,
        SchoolYear,
        Subject,
        Term,
    )

    community = Community.objects.filter(slug="chornomorsk").first() or Community.objects.create(
        slug="chornomorsk", name="Чорноморська громада"
    )
    today = timezone.localdate()
    school = School.objects.create(community=community, name="Бенчмарк-ліцей")
    year = SchoolYear.objects.create(
        community=community,
        school=school,
        name="bench",
        starts_on=today - timedelta(days=200),
        ends_on=today + timedelta(days=100),
    )
    term = Term.objects.create(
        community=community, year=year, number=1, starts_on=year.starts_on, ends_on=year.ends_on
    )

    def person(email, level=Identity.EMAIL):
        return Resident.objects.create_user(email, None, full_name=email, identity_level=level)

    def session(resident) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(resident.pk)
        store[BACKEND_SESSION_KEY] = "hromada.core.auth.ResidentBackend"
        store[HASH_SESSION_KEY] = resident.get_session_auth_hash()
        store.create()
        return store.session_key

    subjects = [
        Subject.objects.create(community=community, school=school, name=f"Предмет {n}")
        for n in range(SUBJECTS)
    ]
    main = person("bench-teacher@example.test")
    SchoolStaff.objects.create(community=community, school=school, resident=main, role="teacher")
    classes = []
    for n in range(max(TEACHERS, 1)):
        classes.append(
            SchoolClass.objects.create(
                community=community, school=school, year=year, grade=5 + n % 7, letter=f"{n // 7}"
            )
        )
    pupils = Pupil.objects.bulk_create(
        Pupil(community=community, school=school, full_name=f"Учень {c}-{n}")
        for c in range(len(classes))
        for n in range(PUPILS)
    )
    Enrolment.objects.bulk_create(
        Enrolment(
            community=community,
            pupil=pupil,
            school_class=classes[index // PUPILS],
            enrolled_on=year.starts_on,
        )
        for index, pupil in enumerate(pupils)
    )
    teachers, assignments = [], []
    for n, school_class in enumerate(classes):
        teacher = main if n == 0 else person(f"bench-teacher{n}@example.test")
        if n:
            SchoolStaff.objects.create(
                community=community, school=school, resident=teacher, role="teacher"
            )
        teachers.append(teacher)
        assignments.append(
            Assignment.objects.create(
                community=community, school_class=school_class, subject=subjects[0], teacher=teacher
            )
        )
    # The journal under test: 40 past columns with grades and absences.
    first = assignments[0]
    days = [today - timedelta(days=LESSONS - n) for n in range(LESSONS)]
    lessons = Lesson.objects.bulk_create(
        Lesson(community=community, assignment=first, term=term, date=day, topic="Тема")
        for day in days
    )
    now = timezone.now()
    Entry.objects.bulk_create(
        Entry(
            community=community,
            lesson=lesson,
            pupil=pupil,
            value="" if (i + j) % 9 == 0 else str(1 + (i * j) % 12),
            absent=(i + j) % 9 == 0,
            changed_at=now,
            changed_by=main,
        )
        for i, lesson in enumerate(lessons)
        for j, pupil in enumerate(pupils[:PUPILS])
        if (i + j) % 3 == 0
    )
    # Each teacher's column for today: the saves write here.
    columns = Lesson.objects.bulk_create(
        Lesson(community=community, assignment=a, term=term, date=today, period=2)
        for a in assignments
    )
    parent = person("bench-parent@example.test", Identity.STRONG)
    for child in (pupils[0], pupils[1], pupils[PUPILS] if len(classes) > 1 else pupils[2]):
        Guardianship.objects.create(community=community, pupil=child, guardian=parent)
    tokens = [issue_api_token(resident=t, name="bench")[1] for t in teachers]
    connection.close()
    return {
        "assignment": first.pk,
        "column": columns[0].pk,
        "columns": [c.pk for c in columns],
        "assignments": [a.pk for a in assignments],
        "pupils": [
            [p.pk for p in pupils[c * PUPILS : (c + 1) * PUPILS]] for c in range(len(classes))
        ],
        "teacher_session": session(main),
        "parent_session": session(parent),
        "child": pupils[0].pk,
        "tokens": tokens,
        "school": school.pk,
        "term": term.pk,
    }


def journal_queries(data: dict) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from hromada.core.models import Resident

    client = Client(HTTP_HOST=HOST)
    client.force_login(
        Resident.objects.get(email="bench-teacher@example.test"),
        backend="hromada.core.auth.ResidentBackend",
    )
    url = f"/schools/journal/{data['assignment']}/"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries)


# Load --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def timed(call) -> tuple[float, requests.Response]:
    start = time.perf_counter()
    response = call()
    return (time.perf_counter() - start) * 1000, response


def run_http(base: str, data: dict) -> dict:
    page = requests.Session()
    page.headers["Host"] = HOST
    teacher_cookie = {"sessionid": data["teacher_session"]}
    parent_cookie = {"sessionid": data["parent_session"]}
    results = {"requests": 0}
    journal, save, diary = [], [], []
    url = f"{base}/schools/journal/{data['assignment']}/"
    for _ in range(SAMPLES):
        ms, response = timed(lambda: page.get(url, cookies=teacher_cookie))
        assert response.status_code == 200, response.status_code
        journal.append(ms)
    pupils = data["pupils"][0]
    save_url = (
        f"{base}/api/v1/schools/assignments/{data['assignment']}/lessons/{data['column']}/cells"
    )
    auth = {"Authorization": f"Bearer {data['tokens'][0]}", "Host": HOST}
    for n in range(SAMPLES):
        value = str(1 + n % 12)
        body = {"cells": {str(pk): value for pk in pupils}}
        ms, response = timed(lambda body=body: requests.put(save_url, json=body, headers=auth))
        assert response.status_code == 200, response.text
        save.append(ms)
    diary_url = f"{base}/schools/diary/{data['child']}/"
    for _ in range(SAMPLES):
        ms, response = timed(lambda: page.get(diary_url, cookies=parent_cookie))
        assert response.status_code == 200, response.status_code
        diary.append(ms)
    results.update(journal=journal, save=save, diary=diary, requests=SAMPLES * 3)
    return results


def concurrent(base: str, data: dict) -> dict:
    """Teachers save their own columns at once, each save changing all 35 cells."""
    deadline = time.monotonic() + SECONDS
    expected: dict[int, str] = {}
    changed = [0] * TEACHERS
    errors = [0] * TEACHERS
    done = [0] * TEACHERS
    barrier = threading.Barrier(TEACHERS)

    def work(index: int) -> None:
        session = requests.Session()
        url = (
            f"{base}/api/v1/schools/assignments/{data['assignments'][index]}"
            f"/lessons/{data['columns'][index]}/cells"
        )
        headers = {"Authorization": f"Bearer {data['tokens'][index]}", "Host": HOST}
        barrier.wait()
        n = 0
        while time.monotonic() < deadline:
            value = str(1 + (n + index) % 12)
            body = {"cells": {str(pk): value for pk in data["pupils"][index]}}
            response = session.put(url, json=body, headers=headers, timeout=60)
            if response.status_code >= 500:
                errors[index] += 1
            elif response.status_code == 200:
                changed[index] += response.json()["logged"]
                expected[data["columns"][index]] = value
                done[index] += 1
            n += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(TEACHERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"expected": expected, "logged": sum(changed), "errors": sum(errors), "saves": sum(done)}


def check_concurrent(data: dict, outcome: dict) -> dict:
    from django.db import connection
    from django.db.models import Count

    from hromada.schools.models import Entry, JournalChange

    lost = doubled = 0
    columns = data["columns"][:TEACHERS]
    per_cell = Entry.objects.filter(lesson_id__in=columns).values("lesson_id", "pupil_id")
    doubled = per_cell.annotate(n=Count("id")).filter(n__gt=1).count()
    for index, column in enumerate(columns):
        want = outcome["expected"].get(column)
        if want is None:
            continue
        values = dict(Entry.objects.filter(lesson_id=column).values_list("pupil_id", "value"))
        lost += sum(1 for pk in data["pupils"][index] if values.get(pk) != want)
    # The column of the sequential saves (column 0) was written before: count it too.
    logged = JournalChange.objects.filter(lesson_id__in=columns, kind="cell").count()
    connection.close()
    return {"lost": lost, "doubled": doubled, "log_rows": logged}


def report(data: dict) -> tuple[float, float]:
    """Whole-school semester report to XLSX: time and peak memory of building it."""
    from django.db import connection
    from django.utils import timezone

    from hromada.core.exports import xlsx_response
    from hromada.schools import selectors
    from hromada.schools.models import (
        Assignment,
        Enrolment,
        Lesson,
        Pupil,
        School,
        SchoolClass,
        SchoolYear,
        Subject,
        Term,
    )

    base = School.objects.get(pk=data["school"])
    community = base.community
    school = School.objects.create(community=community, name="Звітна школа")
    today = timezone.localdate()
    year = SchoolYear.objects.create(
        community=community,
        school=school,
        name="report",
        starts_on=today - timedelta(days=120),
        ends_on=today + timedelta(days=100),
    )
    term = Term.objects.create(
        community=community, year=year, number=1, starts_on=year.starts_on, ends_on=year.ends_on
    )
    subjects = [
        Subject.objects.create(community=community, school=school, name=f"S{n}")
        for n in range(SUBJECTS)
    ]
    teacher_id = Assignment.objects.filter(pk=data["assignment"]).values_list(
        "teacher_id", flat=True
    )[0]
    per_class = 30
    classes = [
        SchoolClass.objects.create(
            community=community, school=school, year=year, grade=5 + n % 7, letter=str(n // 7)
        )
        for n in range((REPORT_PUPILS + per_class - 1) // per_class)
    ]
    pupils = Pupil.objects.bulk_create(
        Pupil(community=community, school=school, full_name=f"П {n}") for n in range(REPORT_PUPILS)
    )
    Enrolment.objects.bulk_create(
        Enrolment(
            community=community,
            pupil=p,
            school_class=classes[i // per_class],
            enrolled_on=year.starts_on,
        )
        for i, p in enumerate(pupils)
    )
    assignments = Assignment.objects.bulk_create(
        Assignment(community=community, school_class=c, subject=s, teacher_id=teacher_id)
        for c in classes
        for s in subjects
    )
    lessons = Lesson.objects.bulk_create(
        Lesson(
            community=community,
            assignment=a,
            term=term,
            date=year.starts_on + timedelta(days=7 * k),
        )
        for a in assignments
        for k in range(8)
    )
    members: dict[int, list[int]] = {}
    for i, p in enumerate(pupils):
        members.setdefault(classes[i // per_class].pk, []).append(p.pk)
    class_of = {a.pk: a.school_class_id for a in assignments}
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [
        (community.pk, lesson.pk, pk, str(1 + (lesson.pk + pk) % 12), False, "", 1, now, teacher_id)
        for lesson in lessons
        for pk in members[class_of[lesson.assignment_id]]
        if (lesson.pk + pk) % 2 == 0
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO schools_entry (community_id, lesson_id, pupil_id, value, absent, reason, "
            "version, changed_at, changed_by_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )
    # Timed alone (tracing every allocation slows it), then built again to trace its peak.
    start = time.perf_counter()
    response = xlsx_response(
        selectors.semester_rows(school, term), fields=selectors.SEMESTER_FIELDS, name="report"
    )
    seconds = time.perf_counter() - start
    tracemalloc.start()
    xlsx_response(
        selectors.semester_rows(school, term), fields=selectors.SEMESTER_FIELDS, name="report"
    )
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(response.content) > 1000
    connection.close()
    return seconds, peak / 1024 / 1024


def generate_timetable() -> tuple[float, int]:
    from hromada.schools import timetable

    needs = []
    hours = [4, 4, 3, 3, 2, 2, 2, 2, 1, 1, 2]  # 26 a week per class
    for c in range(TT_CLASSES):
        for s, h in enumerate(hours):
            needs.append(timetable.Need(c * 100 + s, c, (c * 5 + s) % TT_TEACHERS, h))
    start = time.perf_counter()
    plan = timetable.solve(needs, rooms=list(range(TT_ROOMS)), periods=7, seconds=55)
    seconds = time.perf_counter() - start
    return seconds, (timetable.clashes(plan, needs) if plan is not None else -1)


def main() -> None:
    env = environment()
    recreate_database(env)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    data = prepare()
    queries = journal_queries(data)
    port = free_port()
    server = subprocess.Popen(
        gunicorn_command(f"127.0.0.1:{port}"), cwd=ROOT, env=env, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                requests.get(f"{base}/healthz", timeout=10, headers={"Host": HOST})
                break
            except requests.RequestException:
                time.sleep(0.5)
        before_app, before_db = tree_cpu(server.pid), database_cpu(f"{PG}/postgres", DB_NAME)
        http = run_http(base, data)
        outcome = concurrent(base, data)
        after_app, after_db = tree_cpu(server.pid), database_cpu(f"{PG}/postgres", DB_NAME)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    checked = check_concurrent(data, outcome)
    report_s, report_mb = report(data)
    timetable_s, clashes = generate_timetable()
    count = http["requests"] + outcome["saves"]
    result = {
        "journal_p95_ms": p95(http["journal"]),
        "journal_queries": queries,
        "save_p95_ms": p95(http["save"]),
        "concurrent_lost": checked["lost"],
        "concurrent_doubled": checked["doubled"],
        "concurrent_5xx": outcome["errors"],
        "concurrent_saves": outcome["saves"],
        # Column 0 also took the sequential saves; every save's "logged" is counted.
        "log_rows_ok": checked["log_rows"] == outcome["logged"] + _sequential_logged(),
        "diary_p95_ms": p95(http["diary"]),
        "report_s": round(report_s, 2),
        "report_peak_mb": round(report_mb, 1),
        "timetable_s": round(timetable_s, 1),
        "timetable_clashes": clashes,
        "app_cpu_ms_per_request": round(1000 * (after_app - before_app) / max(count, 1), 2),
        "db_cpu_ms_per_request": round(
            1000 * database_cpu_spent(before_db, after_db) / max(count, 1), 2
        ),
        "quick": QUICK,
    }
    print(f"{'figure':<28}value")
    for key, value in result.items():
        print(f"{key:<28}{value}")
    print(json.dumps(result))


def _sequential_logged() -> int:
    """Log rows the sequential saves left on column 0 (35 first values, then changes)."""
    # SAMPLES saves of value 1 + n % 12: every save changes all cells but when the value repeats.
    values = [str(1 + n % 12) for n in range(SAMPLES)]
    previous, rows = "", 0
    for value in values:
        rows += PUPILS if value != previous else 0
        previous = value
    return rows


if __name__ == "__main__":
    main()
