"""Build test data through the same paths the application uses."""

from __future__ import annotations

import itertools
from datetime import date

from django.test import Client

from hromada.core.identity import tax_number_hash
from hromada.core.models import (
    Community,
    CommunityLink,
    Department,
    Identity,
    Resident,
    Settlement,
    StaffRole,
    Street,
)

PASSWORD = "correct-horse-battery-9"
_numbers = itertools.count(1)

SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[30.56, 46.24], [30.72, 46.24], [30.72, 46.38], [30.56, 46.38], [30.56, 46.24]]
    ],
}


def make_community(slug: str = "chornomorsk", **fields) -> Community:
    community = Community.objects.filter(slug=slug).first()
    if community:
        return community
    community = Community.objects.create(
        slug=slug,
        name=fields.pop("name", f"Громада {slug}"),
        katottg=fields.pop("katottg", "UA51100370000015427"),
        edrpou=fields.pop("edrpou", "04056204"),
        territory=fields.pop("territory", SQUARE),
        **fields,
    )
    settlement = Settlement.objects.create(community=community, name=f"Місто {slug}", kind="city")
    Street.objects.create(settlement=settlement, name="проспект Миру", lat=46.30, lon=30.655)
    return community


def make_department(community: Community, name: str = "Управління ЖКГ") -> Department:
    return Department.objects.get_or_create(community=community, name=name)[0]


def make_resident(
    community: Community | None = None,
    *,
    level: int = Identity.STRONG,
    link: str | None = CommunityLink.Kind.LIVES,
    birth_date: date = date(1990, 5, 17),
    email: str | None = None,
    full_name: str | None = None,
) -> Resident:
    number = next(_numbers)
    resident = Resident.objects.create_user(
        email or f"resident{number}@example.test",
        PASSWORD,
        full_name=full_name or f"Мешканець Тестовий {number}",
        identity_level=level,
        birth_date=birth_date,
        tax_hash=tax_number_hash(f"{number:010d}") if level >= Identity.STRONG else None,
    )
    if community is not None and link:
        street = Street.objects.filter(settlement__community=community).first()
        CommunityLink.objects.create(
            resident=resident,
            community=community,
            kind=link,
            street=street if link == CommunityLink.Kind.LIVES else None,
            house="1",
            note="" if link == CommunityLink.Kind.LIVES else "test",
        )
    return resident


def make_staff(
    community: Community, role: str = StaffRole.Role.STAFF, department: Department | None = None
) -> Resident:
    staff = make_resident(community, level=Identity.EMAIL)
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    StaffRole.objects.create(community=community, resident=staff, role=role, department=department)
    return staff


def client_for(resident: Resident | None = None, host: str = "testserver") -> Client:
    """Return a test client on a community's host, logged in as the resident."""
    client = Client(HTTP_HOST=host)
    if resident is not None:
        client.force_login(resident, backend="hromada.core.auth.ResidentBackend")
    return client
