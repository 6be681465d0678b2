"""
Read queries of staff training shared by pages, the API and exports.

Progress reports aggregate in the database in a handful of queries whatever
the number of staff: members and requirements come as id pairs, averages and
sums are grouped there, and only the completion check (a set lookup per
person and course) runs in Python.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.core.models import Community, Department, Resident, StaffRole
from hromada.core.registry import DashboardItem, MyItem, MySection
from hromada.training import services
from hromada.training.models import (
    AreaResult,
    Certificate,
    CompetenceArea,
    Course,
    Enrollment,
    ExternalRecord,
    Lesson,
    LessonProgress,
    MandatoryCourse,
)

ES = Enrollment.Status


def year_start(year: int) -> datetime:
    return timezone.make_aware(datetime.combine(date(year, 1, 1), time.min))


def catalogue(*, community: Community, resident: Resident | None) -> list[Course]:
    """Return the current published courses the resident may take (residents' ones for all)."""
    courses = (
        Course.objects.filter(community=community, is_current=True, is_published=True)
        .prefetch_related("areas", "departments")
        .order_by("title")
    )
    if resident is None or not resident.is_authenticated:
        return [c for c in courses if c.audience == Course.Audience.RESIDENTS]
    return [c for c in courses if services.may_take(resident, c)]


def course_for(*, community: Community, pk: int) -> Course:
    found = (
        Course.objects.filter(community=community, pk=pk, is_published=True)
        .prefetch_related("areas", "prerequisites")
        .first()
    )
    if found is None:
        raise services.CourseNotFound()
    return found


def lesson_states(*, course: Course, resident: Resident | None) -> list[tuple[Lesson, bool]]:
    lessons = list(course.lessons.all())
    done = set()
    if resident is not None and resident.is_authenticated:
        done = set(
            LessonProgress.objects.filter(lesson__course=course, resident=resident).values_list(
                "lesson_id", flat=True
            )
        )
    return [(lesson, lesson.pk in done) for lesson in lessons]


def resume_lesson(*, course: Course, resident: Resident) -> Lesson | None:
    """Return where the resident left off: the first lesson not done after the last opened."""
    states = lesson_states(course=course, resident=resident)
    for lesson, done in states:
        if not done:
            return lesson
    return states[-1][0] if states else None


@dataclass
class PersonProgress:
    enrollments: list
    certificates: list
    records: list
    hours_this_year: Decimal
    mandatory: list = field(default_factory=list)


def person_progress(*, resident: Resident, community: Community, year: int) -> PersonProgress:
    enrollments = list(
        Enrollment.objects.filter(community=community, resident=resident)
        .select_related("course")
        .order_by("-started_at")
    )
    certificates = list(
        Certificate.objects.filter(community=community, resident=resident).select_related("course")
    )
    records = list(ExternalRecord.objects.filter(community=community, resident=resident))
    start = year_start(year)
    hours = sum(
        (e.hours for e in enrollments if e.passed_at and e.passed_at >= start), Decimal(0)
    ) + sum(
        (
            r.hours
            for r in records
            if r.status == ExternalRecord.Status.CONFIRMED and r.completed_on.year == year
        ),
        Decimal(0),
    )
    passed = {e.series for e in enrollments if e.status == ES.PASSED}
    departments = resident.departments_in(community)
    mandatory = [
        {"course": m.course, "due_on": m.due_on, "passed": m.course.series in passed}
        for m in MandatoryCourse.objects.filter(
            department_id__in=departments, course__community=community
        )
        .select_related("course")
        .order_by("due_on")
    ]
    return PersonProgress(enrollments, certificates, records, hours, mandatory)


# Departments ----------------------------------------------------------------


def visible_departments(*, resident: Resident, community: Community) -> list[Department]:
    """Return the departments whose progress the resident may see (HR: all)."""
    rows = Department.objects.filter(community=community).order_by("name")
    if services.is_hr(resident, community):
        return list(rows)
    return list(rows.filter(pk__in=services.headed_departments(resident, community)))


def _members(community: Community, department_ids) -> dict[int, set[int]]:
    members: dict[int, set[int]] = defaultdict(set)
    rows = (
        StaffRole.objects.filter(
            community=community,
            department_id__in=department_ids,
            resident__is_active=True,
            resident__deleted_at__isnull=True,
        )
        .values_list("department_id", "resident_id")
        .distinct()
    )
    for department_id, resident_id in rows:
        members[department_id].add(resident_id)
    return members


def _requirements(community: Community, department_ids) -> dict[int, list[tuple]]:
    found: dict[int, list[tuple]] = defaultdict(list)
    rows = MandatoryCourse.objects.filter(
        course__community=community, department_id__in=department_ids
    ).values_list("department_id", "course__series", "due_on")
    for department_id, series, due_on in rows:
        found[department_id].append((series, due_on))
    return found


def _passed(community: Community, resident_ids, series) -> set[tuple[int, object]]:
    """Return (resident, series) pairs passed, for the given people and courses only."""
    if not resident_ids or not series:
        return set()
    return set(
        Enrollment.objects.filter(
            community=community,
            status=ES.PASSED,
            resident_id__in=resident_ids,
            series__in=series,
        )
        .values_list("resident_id", "series")
        .distinct()
    )


def _hours(community: Community, resident_ids, year: int) -> dict[int, Decimal]:
    """Return each person's hours of learning in the year (courses and confirmed records)."""
    hours: dict[int, Decimal] = defaultdict(Decimal)
    rows = (
        Enrollment.objects.filter(
            community=community,
            status=ES.PASSED,
            passed_at__gte=year_start(year),
            passed_at__lt=year_start(year + 1),
            resident_id__in=resident_ids,
        )
        .values_list("resident_id")
        .annotate(total=Sum("hours"))
    )
    for resident_id, total in rows:
        hours[resident_id] += total or 0
    rows = (
        ExternalRecord.objects.filter(
            community=community,
            status=ExternalRecord.Status.CONFIRMED,
            completed_on__year=year,
            resident_id__in=resident_ids,
        )
        .values_list("resident_id")
        .annotate(total=Sum("hours"))
    )
    for resident_id, total in rows:
        hours[resident_id] += total or 0
    return hours


def department_summary(
    *, community: Community, departments: list[Department], today: date
) -> list[dict]:
    """
    Return per department: staff, completion % of mandatory courses, overdue
    ones, average score per competence area and hours this year.

    Sums and averages are grouped per person in the database (a few hundred
    rows for a council), then per department here: a person in two
    departments counts in both, once in each.
    """
    ids = [d.pk for d in departments]
    members = _members(community, ids)
    everyone = set().union(*members.values()) if members else set()
    requirements = _requirements(community, ids)
    series = {item[0] for items in requirements.values() for item in items}
    passed = _passed(community, everyone, series)
    per_person: dict[int, list[tuple[int, float, int]]] = defaultdict(list)
    for resident_id, area_id, total, count in (
        AreaResult.objects.filter(community=community, resident_id__in=everyone)
        .values("resident_id", "area_id")
        .annotate(total=Sum("score"), count=Count("pk"))
        .values_list("resident_id", "area_id", "total", "count")
    ):
        per_person[resident_id].append((area_id, total, count))
    hours = _hours(community, everyone, today.year)
    area_list = list(CompetenceArea.objects.filter(community=community))
    summary = []
    for department in departments:
        staff = members.get(department.pk, set())
        required = requirements.get(department.pk, [])
        total = done = overdue = 0
        sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0])
        department_hours = Decimal(0)
        for resident_id in staff:
            for course_series, due_on in required:
                total += 1
                if (resident_id, course_series) in passed:
                    done += 1
                elif due_on < today:
                    overdue += 1
            for area_id, area_total, count in per_person.get(resident_id, ()):
                sums[area_id][0] += area_total
                sums[area_id][1] += count
            department_hours += hours.get(resident_id, Decimal(0))
        summary.append(
            {
                "department": department,
                "staff": len(staff),
                "required": total,
                "completed": done,
                "completion": round(100 * done / total, 1) if total else None,
                "overdue": overdue,
                "areas": [
                    (area, sums[area.pk][0] / sums[area.pk][1] if sums[area.pk][1] else None)
                    for area in area_list
                ],
                "hours": department_hours,
            }
        )
    return summary


def department_staff(*, community: Community, department: Department, today: date) -> list[dict]:
    """Return one row per staff member of the department with their progress."""
    members = _members(community, [department.pk]).get(department.pk, set())
    required = _requirements(community, [department.pk]).get(department.pk, [])
    passed = _passed(community, members, {item[0] for item in required})
    people = Resident.objects.filter(pk__in=members).order_by("full_name", "pk")
    hours = _hours(community, members, today.year)
    certificates = dict(
        Certificate.objects.filter(
            community=community, resident_id__in=members, revoked_at__isnull=True
        )
        .values_list("resident_id")
        .annotate(count=Count("pk"))
    )
    rows = []
    for person in people:
        done = sum(1 for series, _due in required if (person.pk, series) in passed)
        overdue = sum(
            1 for series, due in required if (person.pk, series) not in passed and due < today
        )
        rows.append(
            {
                "resident": person,
                "required": len(required),
                "completed": done,
                "overdue": overdue,
                "hours": hours.get(person.pk, Decimal(0)),
                "certificates": certificates.get(person.pk, 0),
            }
        )
    return rows


def pending_records(*, community: Community):
    return ExternalRecord.objects.filter(
        community=community, status=ExternalRecord.Status.PENDING
    ).select_related("resident", "area")


# Registry hooks -------------------------------------------------------------


def dashboard_items(staff: Resident, community: Community) -> list[DashboardItem]:
    if not services.is_hr(staff, community):
        return []
    count = pending_records(community=community).count()
    return [
        DashboardItem(
            _("Learning records waiting for HR"),
            count,
            reverse("training:records"),
            urgent=count > 0,
        )
    ]


def my_items(resident: Resident, community: Community) -> list[MySection]:
    enrollments = (
        Enrollment.objects.filter(community=community, resident=resident)
        .select_related("course")
        .order_by("-started_at")[:5]
    )
    items = [
        MyItem(
            title=e.course.title,
            url=e.course.get_absolute_url(),
            status=e.get_status_display(),
            when=e.passed_at or e.started_at,
        )
        for e in enrollments
    ]
    if not items and not resident.is_staff_of(community):
        return []
    return [
        MySection(
            title=_("My training"),
            items=items,
            more_url=reverse("training:mine"),
            empty=_("You have not started any course yet."),
        )
    ]


def personal_data(resident: Resident) -> dict:
    return {
        "enrollments": [
            {
                "course": e.course.title,
                "version": e.course.version,
                "status": e.get_status_display(),
                "score": e.score,
                "started": e.started_at,
                "passed": e.passed_at,
            }
            for e in Enrollment.objects.filter(resident=resident).select_related("course")
        ],
        "certificates": [
            {
                "course": c.course.title,
                "code": c.display_code,
                "issued": c.issued_on,
                "valid_until": c.expires_on,
                "revoked": c.revoked_at,
            }
            for c in Certificate.objects.filter(resident=resident).select_related("course")
        ],
        "external_learning": [
            {
                "title": r.title,
                "provider": r.provider,
                "number": r.number,
                "hours": r.hours,
                "completed": r.completed_on,
                "status": r.get_status_display(),
            }
            for r in ExternalRecord.objects.filter(resident=resident)
        ],
    }
