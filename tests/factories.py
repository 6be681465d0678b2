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


# --- a row of any model, for tests that walk every back-office screen ----------


def make_row(model, community: Community, made: dict):
    """
    Create a row of `model` in `community` with made-up values and return it.

    Required foreign keys point at rows of the same community: `made` maps a
    model to its row already built here (a missing one is built first, and
    added); optional keys are filled when such a row exists. The values obey
    the field types, not the business rules: for screens that list rows.
    """
    import uuid
    from datetime import timedelta

    from django.db import models as m
    from django.utils import timezone

    if model is Resident:
        return make_resident(community)  # an account exists only with its links
    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or getattr(field, "auto_now", False):
            continue
        if getattr(field, "auto_now_add", False):
            continue
        if field.is_relation:
            related = field.related_model
            if related is Community:
                values[field.name] = community
            elif related in made:
                values[field.name] = made[related]
            elif not field.null and related is not model:
                values[field.name] = made[related] = make_row(related, community, made)
            continue
        if field.has_default() or field.null:
            continue
        number = next(_numbers)
        if field.choices:
            value = field.choices[0][0]
        elif isinstance(field, m.EmailField):
            value = f"row{number}@example.test"
        elif isinstance(field, m.GenericIPAddressField):
            value = "192.0.2.1"
        elif isinstance(field, (m.CharField, m.TextField)):
            value = f"row-{number}"[: field.max_length or None]
        elif isinstance(field, m.BooleanField):
            value = False
        elif isinstance(field, (m.IntegerField, m.DecimalField, m.FloatField)):
            value = 1
        elif isinstance(field, m.DateTimeField):
            value = timezone.now()
        elif isinstance(field, m.DateField):
            value = timezone.localdate() + timedelta(days=number)
        elif isinstance(field, m.JSONField):
            value = {}
        elif isinstance(field, m.UUIDField):
            value = uuid.uuid4()
        elif isinstance(field, m.FileField):
            value = ""
        else:
            raise TypeError(f"make_row: no made-up value for {model.__name__}.{field.name}")
        values[field.name] = value
    return model._default_manager.create(**values)
