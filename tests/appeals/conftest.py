"""Fixtures of the appeals tests: built through the services, as residents and staff would."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from hromada.appeals import services
from hromada.appeals.models import Appeal, Category
from hromada.core.models import Department, Identity, StaffRole
from tests.factories import make_resident, make_staff

# A point inside the test territory (tests/factories.SQUARE), near "проспект Миру".
LAT, LON = 46.3001, 30.6552
OUTSIDE = (50.45, 30.52)  # Kyiv


def image_upload(
    name: str = "photo.jpg", *, size=(64, 48), fmt: str = "JPEG"
) -> SimpleUploadedFile:
    """Return an uploaded image file, as a browser would send it."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, fmt)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png"}[fmt]
    return SimpleUploadedFile(name, out.getvalue(), content_type=content_type)


@pytest.fixture
def housing(community) -> Department:
    return Department.objects.create(
        community=community, name="Управління житлово-комунального господарства"
    )


@pytest.fixture
def water(community) -> Department:
    return Department.objects.create(community=community, name="КП «Водоканал»")


@pytest.fixture
def categories(community, housing, water) -> dict[str, Category]:
    """The standard category tree, routed to the two departments."""
    services.install_default_categories(community=community)
    return {c.service_code: c for c in Category.objects.filter(community=community)}


@pytest.fixture
def other_categories(other_community) -> dict[str, Category]:
    Department.objects.create(
        community=other_community, name="Відділ житлово-комунального господарства"
    )
    services.install_default_categories(community=other_community)
    return {c.service_code: c for c in Category.objects.filter(community=other_community)}


@pytest.fixture
def resident(community):
    return make_resident(community, level=Identity.EMAIL)


@pytest.fixture
def neighbour(community):
    return make_resident(community, level=Identity.EMAIL)


@pytest.fixture
def moderator(community):
    return make_staff(community, StaffRole.Role.MODERATOR)


@pytest.fixture
def housing_staff(community, housing):
    return make_staff(community, StaffRole.Role.STAFF, housing)


@pytest.fixture
def water_staff(community, water):
    return make_staff(community, StaffRole.Role.STAFF, water)


def report(community, categories, author, code: str = "light-out", **fields) -> Appeal:
    """Register a problem report through the service."""
    values = {"lat": LAT, "lon": LON, "description": "Не світить ліхтар біля під'їзду."}
    values.update(fields)
    return services.submit_report(
        community=community, category=categories[code], author=author, **values
    )


@pytest.fixture
def new_report(community, categories, resident) -> Appeal:
    return report(community, categories, resident, address="проспект Миру, 5")


@pytest.fixture
def accepted_report(new_report, moderator) -> Appeal:
    return services.accept_appeal(appeal=new_report, moderator=moderator)


@pytest.fixture
def resolved_report(accepted_report, housing_staff) -> Appeal:
    services.start_work(appeal=accepted_report, staff=housing_staff)
    return services.resolve_appeal(
        appeal=accepted_report, staff=housing_staff, comment="Замінено лампу."
    )
