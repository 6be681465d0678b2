"""
Read queries of staff training shared by pages, the API and exports.

Progress reports aggregate in the database in a handful of queries whatever
the number of staff: members and requirements come as id pairs, averages and
sums are grouped there, and only the completion check (a set lookup per
person and course) runs in Python.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Avg, Count, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.core.models import Community, Department, Resident, StaffRole
from hromada.core.registry import DashboardItem, MyItem, MySection
from hromada.training import services
from hromada.training.models import (
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


def _membership(community: Community, department_ids):
    """Return the distinct (department, staff member) pairs as a queryset of values."""
    return (
        StaffRole.objects.filter(
            community=community,
            department_id__in=department_ids,
            resident__is_active=True,
            resident__deleted_at__isnull=True,
        )
        .values("department_id", "resident_id")
        .distinct()
    )


def _per_department(members, sql: str, params: list) -> list[tuple]:
    """
    Run `sql` joined to the distinct membership pairs (aliased `m`).

    The join to distinct pairs counts a person with two roles in one
    department once there, and a person in two departments once in each;
    the database groups, so a few dozen rows come back, not one per person.
    """
    members_sql, members_params = members.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("{members}", members_sql), [*members_params, *params])
        return cursor.fetchall()


def _uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _decimal(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.1"))


def department_summary(
    *, community: Community, departments: list[Department], today: date
) -> list[dict]:
    """
    Return per department: staff, completion % of mandatory courses, overdue
    ones, average score per competence area and hours this year.

    Everything is grouped per department in the database: the dashboard of
    a council of a few thousand staff reads a few dozen rows.
    """
    ids = [d.pk for d in departments]
    if not ids:
        return []
    members = _membership(community, ids)
    ops = connection.ops
    staff_counts = dict(
        _per_department(
            members, "SELECT m.department_id, COUNT(*) FROM ({members}) m GROUP BY 1", []
        )
    )
    requirements = _requirements(community, ids)
    # Staff of the department who passed any version of the course, per series.
    passed = {
        (department_id, _uuid(series)): count
        for department_id, series, count in _per_department(
            members,
            "SELECT m.department_id, e.series, COUNT(DISTINCT e.resident_id) "
            "FROM training_enrollment e JOIN ({members}) m "
            "ON m.resident_id = e.resident_id "
            "WHERE e.community_id = %s AND e.status = %s GROUP BY 1, 2",
            [community.pk, ES.PASSED],
        )
    }
    scores: dict[tuple[int, int], tuple[float, int]] = {
        (department_id, area_id): (float(total), count)
        for department_id, area_id, total, count in _per_department(
            members,
            "SELECT m.department_id, r.area_id, SUM(r.score), COUNT(*) "
            "FROM training_arearesult r JOIN ({members}) m "
            "ON m.resident_id = r.resident_id "
            "WHERE r.community_id = %s GROUP BY 1, 2",
            [community.pk],
        )
    }
    hours: dict[int, Decimal] = defaultdict(Decimal)
    for department_id, total in _per_department(
        members,
        "SELECT m.department_id, SUM(e.hours) FROM training_enrollment e "
        "JOIN ({members}) m ON m.resident_id = e.resident_id "
        "WHERE e.community_id = %s AND e.status = %s "
        "AND e.passed_at >= %s AND e.passed_at < %s GROUP BY 1",
        [
            community.pk,
            ES.PASSED,
            ops.adapt_datetimefield_value(year_start(today.year)),
            ops.adapt_datetimefield_value(year_start(today.year + 1)),
        ],
    ):
        hours[department_id] += _decimal(total)
    for department_id, total in _per_department(
        members,
        "SELECT m.department_id, SUM(x.hours) FROM training_externalrecord x "
        "JOIN ({members}) m ON m.resident_id = x.resident_id "
        "WHERE x.community_id = %s AND x.status = %s "
        "AND x.completed_on >= %s AND x.completed_on <= %s GROUP BY 1",
        [
            community.pk,
            ExternalRecord.Status.CONFIRMED,
            ops.adapt_datefield_value(date(today.year, 1, 1)),
            ops.adapt_datefield_value(date(today.year, 12, 31)),
        ],
    ):
        hours[department_id] += _decimal(total)
    area_list = list(CompetenceArea.objects.filter(community=community))
    summary = []
    for department in departments:
        staff = staff_counts.get(department.pk, 0)
        total = done = overdue = 0
        for course_series, due_on in requirements.get(department.pk, []):
            passed_here = passed.get((department.pk, course_series), 0)
            total += staff
            done += passed_here
            if due_on < today:
                overdue += staff - passed_here
        averages = []
        for area in area_list:
            area_total, count = scores.get((department.pk, area.pk), (0.0, 0))
            averages.append((area, area_total / count if count else None))
        summary.append(
            {
                "department": department,
                "staff": staff,
                "required": total,
                "completed": done,
                "completion": round(100 * done / total, 1) if total else None,
                "overdue": overdue,
                "areas": averages,
                "hours": hours.get(department.pk, Decimal(0)),
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


# Strategy indicators: council-wide aggregates, never a person's name.


def certified_staff_share(community: Community, start, end, settlement=None) -> float | None:
    """Return the % of active staff holding a valid certificate of the programme on `end`."""
    if settlement is not None:
        return None
    staff = set(
        StaffRole.objects.filter(
            community=community, resident__is_active=True, resident__deleted_at__isnull=True
        ).values_list("resident_id", flat=True)
    )
    if not staff:
        return None
    certified = (
        Certificate.objects.filter(
            community=community, resident_id__in=staff, issued_on__lte=end, revoked_at__isnull=True
        )
        .exclude(expires_on__lt=end)
        .values("resident_id")
        .distinct()
        .count()
    )
    return round(100 * certified / len(staff), 1)


def average_passed_score(community: Community, start, end, settlement=None) -> float | None:
    """Return the average score of the courses passed in [start, end]."""
    if settlement is not None:
        return None
    found = _passed_between(community, start, end).aggregate(average=Avg("score"))["average"]
    return round(float(found), 1) if found is not None else None


def courses_completed(community: Community, start, end, settlement=None) -> int | None:
    """Return how many courses staff passed in [start, end]."""
    if settlement is not None:
        return None
    return _passed_between(community, start, end).count()


def _passed_between(community: Community, start, end):
    return Enrollment.objects.filter(
        community=community,
        status=ES.PASSED,
        passed_at__gte=timezone.make_aware(datetime.combine(start, time.min)),
        passed_at__lt=timezone.make_aware(datetime.combine(end, time.min)) + timedelta(days=1),
    )
