"""Consultations built the way staff set them up: through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hromada.consultations import services
from hromada.consultations.models import Consultation
from hromada.core.models import Identity, StaffRole
from tests.factories import make_resident, make_staff

DRAFT_TEXT = """# Загальні положення

### Стаття 1. Предмет регулювання
Ці Правила визначають порядок благоустрою території громади.

### Стаття 2. Терміни
У цих Правилах терміни вживаються у такому значенні: благоустрій, утримання, прибирання.

## Утримання територій

### Стаття 3. Прибирання
Власники територій прибирають їх щодня до 8 години ранку.
"""

QUESTIONS = [
    {
        "kind": "single",
        "text": "Як часто ви їздите автобусом?",
        "required": True,
        "options": ["Щодня", "Щотижня", "Рідко"],
    },
    {"kind": "multiple", "text": "Які маршрути потрібні?", "options": ["№1", "№2", "№3"]},
    {"kind": "ranking", "text": "Що важливіше?", "options": ["Частота", "Ціна", "Комфорт"]},
    {"kind": "scale", "text": "Оцініть мережу", "minimum": 1, "maximum": 5, "required": True},
    {"kind": "number", "text": "Скільки хвилин чекаєте?", "minimum": 0, "maximum": 180},
    {"kind": "date", "text": "Коли востаннє їздили?"},
    {"kind": "short", "text": "Ваша зупинка"},
    {
        "kind": "long",
        "text": "Чому рідко?",
        "required": True,
        "condition": {"join": "and", "rules": [{"question": 1, "test": "equals", "value": 2}]},
    },
    {
        "kind": "matrix_single",
        "text": "Оцініть маршрути",
        "options": ["Погано", "Добре"],
        "rows": ["№1", "№2"],
    },
    {
        "kind": "matrix_multiple",
        "text": "Коли їздите?",
        "options": ["Ранок", "Вечір"],
        "rows": ["Будні", "Вихідні"],
    },
]


@pytest.fixture
def moderator(community):
    return make_staff(community, StaffRole.Role.MODERATOR)


@pytest.fixture
def resident(community):
    return make_resident(community, level=Identity.EMAIL)


@pytest.fixture
def strong_resident(community):
    return make_resident(community)


def make_consultation(community, staff, kind, *, days=20, start=-1, **extra) -> Consultation:
    now = timezone.now()
    values = {
        "title": extra.pop("title", "Правила благоустрою території"),
        "summary": "Проєкт рішення",
        "body": "Виконавчий комітет",
        "legal_basis": "Закон України «Про публічні консультації»",
        "opens_at": now + timedelta(days=start),
        "closes_at": now + timedelta(days=start + days),
    }
    values.update(extra)
    return services.create_consultation(actor=staff, community=community, kind=kind, **values)


def open_draft(community, staff, text=DRAFT_TEXT) -> Consultation:
    consultation = make_consultation(community, staff, Consultation.Kind.DRAFT)
    services.publish_version(actor=staff, consultation=consultation, text=text)
    return services.announce_consultation(actor=staff, consultation=consultation)


def open_survey(community, staff, anonymous=False, questions=QUESTIONS, **extra) -> Consultation:
    consultation = make_consultation(
        community,
        staff,
        Consultation.Kind.SURVEY,
        anonymity="anonymous" if anonymous else "identified",
        **extra,
    )
    for question in questions:
        services.add_question(actor=staff, consultation=consultation, **question)
    return services.announce_consultation(actor=staff, consultation=consultation)


def close_now(consultation, staff) -> Consultation:
    """Move the closing time into the past and close."""
    Consultation.objects.filter(pk=consultation.pk).update(
        opens_at=timezone.now() - timedelta(days=30),
        closes_at=timezone.now() - timedelta(minutes=1),
    )
    consultation.refresh_from_db()
    return services.close_consultation(actor=staff, consultation=consultation)


@pytest.fixture
def draft(community, moderator):
    return open_draft(community, moderator)


@pytest.fixture
def open_survey_identified(community, moderator):
    return open_survey(community, moderator)


@pytest.fixture
def anonymous_survey(community, moderator):
    return open_survey(community, moderator, anonymous=True)
