"""Petitions built through the services, so every fixture obeys the rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hromada.core.models import Identity, StaffRole
from hromada.petitions import services
from hromada.petitions.models import Petition, Topic
from tests.factories import make_department, make_resident, make_staff

TEXT = (
    "Просимо міську раду облаштувати безпечний пішохідний перехід біля школи "
    "на вулиці Парусній і встановити світлофор до початку навчального року."
)


@pytest.fixture(autouse=True)
def _fresh_pages():
    """Each test starts without cached public pages (kept in process memory)."""
    from hromada.petitions.views import PAGES

    PAGES.clear()
    yield
    PAGES.clear()


@pytest.fixture
def administrator(community):
    return make_staff(community, StaffRole.Role.ADMINISTRATOR)


@pytest.fixture
def moderator(community):
    return make_staff(community, StaffRole.Role.MODERATOR)


@pytest.fixture
def department(community):
    """The responsible department, whose head is the official."""
    department = make_department(community, "Управління ЖКГ")
    head = make_staff(community, StaffRole.Role.STAFF, department)
    department.head = head
    department.save(update_fields=["head"])
    return department


@pytest.fixture
def official(department):
    return department.head


@pytest.fixture
def rules(community, administrator):
    """Small numbers so tests can reach the threshold: 3 signatures in 30 days."""
    return set_rules(community, administrator, threshold=3, collection_days=30)


def set_rules(community, administrator, **changes):
    current = services.rules_for(community)
    values = {
        "threshold": current.threshold,
        "collection_days": current.collection_days,
        "max_collection_days": current.max_collection_days,
        "min_age": current.min_age,
        "moderation_days": current.moderation_days,
        "consideration_days": current.consideration_days,
        "create_level": Identity.STRONG,
        "sign_level": Identity.STRONG,
        "residents_only": current.residents_only,
        "department": current.department,
        "official": current.official,
    }
    values.update(changes)
    return services.update_rules(actor=administrator, community=community, **values)


@pytest.fixture
def topic(community):
    return Topic.objects.create(community=community, name="Транспорт і дороги")


@pytest.fixture
def author(community):
    return make_resident(community, full_name="Авторенко Олена Петрівна")


def make_draft(community, author, topic, **fields) -> Petition:
    values = {
        "title": "Облаштувати пішохідний перехід біля школи",
        "text": TEXT,
        "topic_id": topic.pk,
    }
    values.update(fields)
    return services.create_petition(community=community, author=author, **values)


def make_collecting(community, author, topic, moderator, department=None, **fields) -> Petition:
    petition = make_draft(community, author, topic, **fields)
    services.submit_petition(petition=petition, author=author)
    return services.publish_petition(petition=petition, moderator=moderator, department=department)


@pytest.fixture
def draft(community, author, topic, rules):
    return make_draft(community, author, topic)


@pytest.fixture
def submitted(draft, author):
    return services.submit_petition(petition=draft, author=author)


@pytest.fixture
def collecting(community, author, topic, moderator, department, rules):
    return make_collecting(community, author, topic, moderator, department)


def sign_by_new_residents(petition: Petition, count: int, **resident_fields) -> list:
    residents = [make_resident(petition.community, **resident_fields) for _ in range(count)]
    for resident in residents:
        services.sign_petition(petition=petition, resident=resident)
    return residents


@pytest.fixture
def consideration(collecting):
    sign_by_new_residents(collecting, 3)
    collecting.refresh_from_db()
    assert collecting.status == Petition.Status.CONSIDERATION
    return collecting


def end_collection(petition: Petition) -> None:
    """Move the petition's collection end into the past (time passing)."""
    Petition.objects.filter(pk=petition.pk).update(
        collection_ends_at=timezone.now() - timedelta(minutes=1)
    )
    petition.refresh_from_db()


@pytest.fixture
def one_rate_window(monkeypatch):
    """Keep rate-limit counting in one time window, so a minute boundary cannot reset it."""
    from django_ratelimit import core

    monkeypatch.setattr(core, "_get_window", lambda value, period: 1_000_000_000)
