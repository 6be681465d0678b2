"""A council's training set up as HR would: areas, a bank of every question type, a course."""

from __future__ import annotations

import pytest

from hromada.core.models import StaffRole
from hromada.training.models import (
    CompetenceArea,
    Course,
    HrOfficer,
    Lesson,
    Question,
    QuestionBank,
)
from tests.factories import make_department, make_staff


def choice(ids_texts, correct):
    return {"options": [{"id": i, "text": t} for i, t in ids_texts], "correct": correct}


QUESTIONS = [
    (
        "single",
        "Який пароль найнадійніший?",
        choice([("a", "123456"), ("b", "Kx!9-vR2#lq")], ["b"]),
    ),
    (
        "multiple",
        "Ознаки фішингового листа?",
        choice(
            [("a", "терміновість"), ("b", "чужий домен"), ("c", "підпис керівника")], ["a", "b"]
        ),
    ),
    ("true_false", "Двофакторна автентифікація захищає обліковий запис.", {"correct": True}),
    (
        "matching",
        "Зіставте поняття",
        {
            "left": [{"id": "l1", "text": "КЕП"}, {"id": "l2", "text": "VPN"}],
            "right": [{"id": "r1", "text": "підпис"}, {"id": "r2", "text": "тунель"}],
            "correct": {"l1": "r1", "l2": "r2"},
        },
    ),
    (
        "ordering",
        "Порядок реєстрації документа",
        {
            "items": [
                {"id": "1", "text": "отримати"},
                {"id": "2", "text": "зареєструвати"},
                {"id": "3", "text": "передати"},
            ]
        },
    ),
    (
        "short",
        "Скорочення кваліфікованого електронного підпису",
        {"variants": ["КЕП", "кваліфікований підпис"]},
    ),
    ("numeric", "Скільки символів має мати пароль щонайменше?", {"value": 12, "tolerance": 0}),
]


@pytest.fixture
def areas(community):
    safety = CompetenceArea.objects.create(
        community=community, code="safety", name="Безпека", position=4
    )
    info = CompetenceArea.objects.create(
        community=community, code="info", name="Інформація", position=1
    )
    return safety, info


@pytest.fixture
def questions(areas):
    safety, info = areas
    made = []
    for area in (safety, info):
        bank = QuestionBank.objects.create(
            community=area.community, title=f"Банк {area.name}", area=area
        )
        for kind, text, data in QUESTIONS:
            question = Question(bank=bank, kind=kind, text=text, data=data)
            question.full_clean()
            question.save()
            made.append(question)
    return made


@pytest.fixture
def department(community):
    return make_department(community, "Відділ цифрової трансформації")


@pytest.fixture
def course(community, areas, questions):
    course = Course.objects.create(
        community=community,
        title="Цифрова безпека для працівників ради",
        is_published=True,
        hours=4,
        questions_per_area=3,
        time_limit_minutes=20,
        grace_seconds=30,
        max_attempts=2,
        pass_mark=60,
        valid_months=12,
    )
    course.areas.set(areas)
    course.banks.set({q.bank for q in questions})
    Lesson.objects.create(
        course=course,
        position=1,
        title="Паролі",
        body="# Паролі\n\nДовгі й різні.",
        check_question="Чи можна повторювати паролі?",
        check_options=["Так", "Ні"],
        check_correct=2,
    )
    Lesson.objects.create(
        course=course, position=2, title="Фішинг", body="Перевіряйте відправника."
    )
    return course


@pytest.fixture
def staff(community, department):
    return make_staff(community, StaffRole.Role.STAFF, department)


@pytest.fixture
def hr(community):
    person = make_staff(community, StaffRole.Role.STAFF)
    HrOfficer.objects.create(community=community, resident=person)
    return person


def finish_lessons(course, resident):
    from hromada.training import services

    for lesson in course.lessons.all():
        services.complete_lesson(
            lesson=lesson, resident=resident, check_answer=lesson.check_correct
        )


def right_raw(question):
    """Return the raw value a person who knows would send for the question."""
    data = question.data
    return {
        "single": data.get("correct", [None])[0] if question.kind == "single" else None,
        "multiple": data.get("correct"),
        "true_false": "true" if data.get("correct") is True else "false",
        "matching": data.get("correct"),
        "ordering": [item["id"] for item in data.get("items", [])],
        "short": (data.get("variants") or [""])[0],
        "numeric": str(data.get("value")),
    }[question.kind]
