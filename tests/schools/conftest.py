"""A school as the education department would set it up: year, classes, teachers, parents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.utils import timezone

from hromada.core.models import Community, Identity, Resident
from hromada.schools.models import (
    Assignment,
    Enrolment,
    Guardianship,
    Pupil,
    School,
    SchoolClass,
    SchoolStaff,
    SchoolYear,
    Subject,
    Term,
)
from hromada.schools.services import save_lesson
from tests.factories import make_resident


@dataclass
class World:
    community: Community
    school: School
    year: SchoolYear
    term: Term
    seventh: SchoolClass
    second: SchoolClass
    maths: Subject
    art: Subject
    teacher: Resident
    other_teacher: Resident
    class_teacher: Resident
    deputy: Resident
    director: Resident
    department: Resident
    parent: Resident
    stranger: Resident
    pupils: list[Pupil]
    little: list[Pupil]
    maths7: Assignment
    art7: Assignment
    maths2: Assignment

    def lesson(self, assignment=None, day: date | None = None, **fields):
        assignment = assignment or self.maths7
        return save_lesson(
            actor=assignment.teacher,
            assignment=assignment,
            day=day or timezone.localdate(),
            topic=fields.pop("topic", "Дроби"),
            **fields,
        )


def staff(community, school, role, **kwargs) -> Resident:
    person = make_resident(community, level=Identity.EMAIL, **kwargs)
    SchoolStaff.objects.create(community=community, school=school, resident=person, role=role)
    return person


def build_world(community: Community, name: str = "Ліцей №1") -> World:
    today = timezone.localdate()
    school = School.objects.create(community=community, name=name)
    year = SchoolYear.objects.create(
        community=community,
        school=school,
        name="2026/2027",
        starts_on=today - timedelta(days=150),
        ends_on=today + timedelta(days=200),
    )
    term = Term.objects.create(
        community=community,
        year=year,
        number=1,
        starts_on=year.starts_on,
        ends_on=today + timedelta(days=30),
    )
    Term.objects.create(
        community=community,
        year=year,
        number=2,
        starts_on=today + timedelta(days=31),
        ends_on=year.ends_on,
    )
    maths = Subject.objects.create(
        community=community, school=school, name="Математика", is_core=True
    )
    art = Subject.objects.create(community=community, school=school, name="Мистецтво")
    teacher = staff(community, school, "teacher")
    other_teacher = staff(community, school, "teacher")
    class_teacher = staff(community, school, "teacher")
    deputy = staff(community, school, "deputy")
    director = staff(community, school, "director")
    department = make_resident(community, level=Identity.EMAIL)
    SchoolStaff.objects.create(community=community, resident=department, role="education")
    seventh = SchoolClass.objects.create(
        community=community,
        school=school,
        year=year,
        grade=7,
        letter="А",
        class_teacher=class_teacher,
    )
    second = SchoolClass.objects.create(
        community=community, school=school, year=year, grade=2, letter="Б"
    )
    pupils, little = [], []
    for number, school_class, bucket in [(n, seventh, pupils) for n in range(5)] + [
        (n, second, little) for n in range(3)
    ]:
        pupil = Pupil.objects.create(
            community=community,
            school=school,
            full_name=f"Учень {school_class} {number}",
            birth_date=date(2013, 3, 1),
        )
        Enrolment.objects.create(
            community=community, pupil=pupil, school_class=school_class, enrolled_on=year.starts_on
        )
        bucket.append(pupil)
    parent = make_resident(community, level=Identity.STRONG)
    for child in (pupils[0], little[0]):
        Guardianship.objects.create(community=community, pupil=child, guardian=parent)
    stranger = make_resident(community, level=Identity.STRONG)
    maths7 = Assignment.objects.create(
        community=community, school_class=seventh, subject=maths, teacher=teacher, hours_per_week=4
    )
    art7 = Assignment.objects.create(
        community=community, school_class=seventh, subject=art, teacher=other_teacher
    )
    maths2 = Assignment.objects.create(
        community=community, school_class=second, subject=maths, teacher=teacher, hours_per_week=4
    )
    return World(
        community=community,
        school=school,
        year=year,
        term=term,
        seventh=seventh,
        second=second,
        maths=maths,
        art=art,
        teacher=teacher,
        other_teacher=other_teacher,
        class_teacher=class_teacher,
        deputy=deputy,
        director=director,
        department=department,
        parent=parent,
        stranger=stranger,
        pupils=pupils,
        little=little,
        maths7=maths7,
        art7=art7,
        maths2=maths2,
    )


@pytest.fixture
def world(community) -> World:
    return build_world(community)


def last_working_day(before: date | None = None) -> date:
    day = before or timezone.localdate()
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def working_days_ago(count: int) -> date:
    day = timezone.localdate()
    while count:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day
