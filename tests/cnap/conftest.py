"""A service centre built as staff would set it up: offices, hours, desks, services."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from hromada.cnap import selectors
from hromada.cnap.models import Desk, Office, PriorityCategory, ReceptionHours, Service
from hromada.core.models import Identity
from tests.factories import make_resident, make_staff


def at(day_offset: int, hour: int, minute: int = 0) -> datetime:
    """Return a local moment `day_offset` days from today."""
    day = timezone.localdate() + timedelta(days=day_offset)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def make_service(community, name, code, **fields) -> Service:
    service = Service(community=community, name=name, code=code, **fields)
    service.search_text = selectors.search_text(service)
    service.save()
    return service


def make_office(community, name="ЦНАП", kind=Office.Kind.CENTRAL, **fields) -> Office:
    office = Office.objects.create(
        community=community, name=name, kind=kind, address="проспект Миру, 33", **fields
    )
    for weekday in range(7):
        # All day, every day: tests run at any hour.
        ReceptionHours.objects.create(
            office=office, weekday=weekday, opens=time(0, 0), closes=time(23, 45)
        )
    return office


@pytest.fixture
def office(community):
    return make_office(community)


@pytest.fixture
def passport(community):
    return make_service(
        community,
        "Оформлення паспорта громадянина України у формі ID-картки",
        "00001",
        documents="Свідоцтво про народження\nДовідка про реєстрацію місця проживання",
        duration_minutes=15,
        needs_registers=True,
    )


@pytest.fixture
def residence(community):
    return make_service(
        community,
        "Реєстрація місця проживання",
        "00002",
        series="Б",
        duration_minutes=15,
        at_remote_workplace=True,
    )


@pytest.fixture
def operators(community):
    return [make_staff(community, "cnap_operator") for _ in range(3)]


@pytest.fixture
def desks(office, passport, residence, operators):
    """Desk 1 handles both services, desk 2 passports only, desk 3 residence only."""
    one = Desk.objects.create(office=office, number=1, operator=operators[0])
    one.services.set([passport, residence])
    two = Desk.objects.create(office=office, number=2, operator=operators[1])
    two.services.set([passport])
    three = Desk.objects.create(office=office, number=3, operator=operators[2])
    three.services.set([residence])
    return [one, two, three]


@pytest.fixture
def head(community):
    return make_staff(community, "cnap_head")


@pytest.fixture
def resident(community):
    return make_resident(community, level=Identity.EMAIL)


@pytest.fixture
def veterans(community):
    return PriorityCategory.objects.create(community=community, name="Ветерани війни")
