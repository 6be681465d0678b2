"""Build participatory-budget data through the services, as residents and staff do."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from hromada.budget import services
from hromada.budget.models import Cycle, Project
from hromada.core.models import Settlement, StaffRole
from tests.factories import make_department, make_resident, make_staff

# Day offsets from today of: submission start/end, review end, voting start/end,
# implementation start.
PHASES = {
    "upcoming": (10, 20, 30, 31, 40, 60),
    "submission": (-5, 5, 10, 11, 20, 30),
    "review": (-20, -10, 5, 6, 10, 20),
    "voting": (-30, -20, -10, -5, 5, 20),
    "results": (-40, -30, -20, -15, -1, 20),
    "implementation": (-60, -50, -40, -35, -20, -5),
}
FIELDS = [
    "submission_starts",
    "submission_ends",
    "review_ends",
    "voting_starts",
    "voting_ends",
    "implementation_starts",
]
POINT = {"lat": 46.30, "lon": 30.655}


def phase_dates(phase: str) -> dict:
    today = timezone.localdate()
    return {f: today + timedelta(days=d) for f, d in zip(FIELDS, PHASES[phase], strict=True)}


def move_to(cycle: Cycle, phase: str) -> Cycle:
    """Let time pass: put the cycle's dates around today so it is in `phase`."""
    Cycle.objects.filter(pk=cycle.pk).update(**phase_dates(phase))
    cycle.refresh_from_db()
    return cycle


def make_cycle(community, phase: str = "submission", **fields) -> Cycle:
    defaults = {
        "year": timezone.localdate().year,
        "title": "Громадський бюджет",
        "total_budget": Decimal("1800000"),
        "contingency_percent": Decimal("10"),
        "min_age": 16,
        **phase_dates(phase),
    }
    defaults.update(fields)
    return services.create_cycle(actor=None, community=community, **defaults)


def make_category(cycle: Cycle, name: str = "Малі проєкти", **fields):
    defaults = {
        "budget": Decimal("300000"),
        "max_cost": Decimal("300000"),
        "max_choices": 3,
        "size": "small",
    }
    defaults.update(fields)
    return services.add_category(actor=None, cycle=cycle, name=name, **defaults)


def items_for(cost: int) -> list[dict]:
    """Return estimate items that, with a 10% contingency, make `cost` UAH."""
    base = Decimal(cost) / Decimal("1.1")
    return [{"name": "Роботи", "quantity": "1", "unit_price": str(base.quantize(Decimal("0.01")))}]


def draft(resident, category, *, price: int = 110_000, title: str = "Сквер біля школи", **extra):
    """Draft a project whose estimate, with the 10% contingency, makes `price` UAH."""
    community = category.community
    fields = {
        "resident": resident,
        "cycle": category.cycle,
        "category": category,
        "title": title,
        "problem": "Немає де відпочити",
        "description": "Лавки, освітлення, клумби",
        "beneficiaries": "Мешканці району",
        "settlement": Settlement.objects.filter(community=community).first(),
        "items": [{"name": "Лавки", "quantity": "10", "unit_price": str(price / 11)}],
        **POINT,
    }
    fields.update(extra)
    return services.create_project(**fields)


def moderator(community):
    return make_staff(community, StaffRole.Role.MODERATOR)


def reviewed(community, project, *, staff=None, department=None):
    """Take a submitted project through review to admission."""
    staff = staff or moderator(community)
    department = department or make_department(community)
    services.start_review(staff=staff, project=project, departments=[department])
    for conclusion in project.conclusions.all():
        services.give_conclusion(staff=staff, conclusion=conclusion, feasible=True, reason="")
    return services.admit_project(staff=staff, project=project)


def admitted_projects(community, category, n: int, *, costs=None, author=None):
    """Return `n` projects admitted to voting (the cycle must be in submission)."""
    author = author or make_resident(community)
    staff = moderator(community)
    department = make_department(community)
    projects = []
    for i in range(n):
        cost = costs[i] if costs else 110_000
        project = draft(author, category, price=cost, title=f"Проєкт {i + 1}")
        services.submit_project(resident=author, project=project)
        projects.append(reviewed(community, project, staff=staff, department=department))
    return projects


def image_upload(name: str = "photo.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 100, 50)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def refresh(project: Project) -> Project:
    project.refresh_from_db()
    return project
