"""The departments' progress dashboard: each figure grouped per department in the database."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from hromada.core.models import StaffRole
from hromada.training import selectors
from hromada.training.models import (
    AreaResult,
    Course,
    Enrollment,
    ExternalRecord,
    MandatoryCourse,
)
from tests.factories import make_department, make_staff

pytestmark = pytest.mark.django_db


def passed(course, person, *, hours, scores=()):
    enrollment = Enrollment.objects.create(
        community=course.community,
        course=course,
        series=course.series,
        resident=person,
        status=Enrollment.Status.PASSED,
        score=80,
        passed_at=timezone.now(),
        hours=hours,
    )
    for area, score in scores:
        AreaResult.objects.create(
            community=course.community,
            enrollment=enrollment,
            resident=person,
            area=area,
            score=score,
        )
    return enrollment


def test_people_in_two_roles_or_two_departments_count_once_in_each(community, areas, course):
    """
    A person with two roles in one department counts once there, a person in
    two departments once in each, an inactive one nowhere; a pass of an
    older version of a course counts for the course.
    """
    safety, info = areas
    today = timezone.localdate()
    first = make_department(community, "Відділ А")
    second = make_department(community, "Відділ Б")
    old = Course.objects.create(
        community=community,
        title="Старий курс",
        series=course.series,
        version=0,
        is_current=False,
        hours=2,
    )
    other = Course.objects.create(community=community, title="Документообіг", hours=3)
    MandatoryCourse.objects.create(course=course, department=first, due_on=today - timedelta(1))
    MandatoryCourse.objects.create(course=other, department=first, due_on=today + timedelta(9))
    MandatoryCourse.objects.create(course=course, department=second, due_on=today + timedelta(9))

    twice = make_staff(community, StaffRole.Role.STAFF, first)
    StaffRole.objects.create(
        community=community, resident=twice, role=StaffRole.Role.MODERATOR, department=first
    )
    both = make_staff(community, StaffRole.Role.STAFF, first)
    StaffRole.objects.create(
        community=community, resident=both, role=StaffRole.Role.STAFF, department=second
    )
    make_staff(community, StaffRole.Role.STAFF, first)  # has passed nothing yet
    gone = make_staff(community, StaffRole.Role.STAFF, first)
    gone.is_active = False
    gone.save(update_fields=["is_active"])

    passed(old, twice, hours=2, scores=[(safety, 80)])
    passed(course, both, hours=4, scores=[(safety, 60), (info, 90)])
    passed(course, gone, hours=4, scores=[(safety, 0)])
    ExternalRecord.objects.create(
        community=community,
        resident=both,
        title="Цифрограм",
        provider="Дія",
        hours=Decimal("3.5"),
        completed_on=date(today.year, 1, 1),
        status=ExternalRecord.Status.CONFIRMED,
    )

    rows = selectors.department_summary(
        community=community, departments=[first, second], today=today
    )
    a, b = ({"department": row["department"], **row} for row in rows)
    assert (a["staff"], a["required"], a["completed"], a["overdue"]) == (3, 6, 2, 1)
    assert a["completion"] == 33.3
    assert dict(a["areas"]) == {safety: 70.0, info: 90.0}
    assert a["hours"] == Decimal("9.5")
    assert (b["staff"], b["required"], b["completed"], b["overdue"]) == (1, 1, 1, 0)
    assert b["completion"] == 100.0
    assert dict(b["areas"]) == {safety: 60.0, info: 90.0}
    assert b["hours"] == Decimal("7.5")


def test_a_department_without_staff_shows_no_figures(community, areas):
    empty = make_department(community, "Порожній відділ")
    (row,) = selectors.department_summary(
        community=community, departments=[empty], today=timezone.localdate()
    )
    assert (row["staff"], row["required"], row["completion"], row["overdue"]) == (0, 0, None, 0)
    assert all(score is None for _area, score in row["areas"])
    assert row["hours"] == 0
