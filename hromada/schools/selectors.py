"""Read queries of the schools module shared by pages, the API, exports and tasks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hromada.core.calendar import _exceptions
from hromada.core.models import CalendarDay, Community
from hromada.core.registry import DashboardItem
from hromada.schools import access, grading
from hromada.schools.models import (
    AbsenceNote,
    Assignment,
    Enrolment,
    Entry,
    Guardianship,
    JournalChange,
    Lesson,
    Notice,
    Pupil,
    School,
    SchoolClass,
    Term,
    TimetableSlot,
    Unlock,
)


def current_term(year_id: int, day: date | None = None) -> Term | None:
    day = day or timezone.localdate()
    terms = list(Term.objects.filter(year_id=year_id).order_by("starts_on"))
    for term in terms:
        if term.starts_on <= day <= term.ends_on:
            return term
    past = [term for term in terms if term.starts_on <= day]
    return past[-1] if past else (terms[0] if terms else None)


def class_pupils(school_class: SchoolClass, day: date | None = None) -> list[Pupil]:
    rows = Enrolment.objects.filter(school_class=school_class)
    if day is not None:
        rows = rows.filter(enrolled_on__lte=day).exclude(left_on__lt=day)
    return [
        row.pupil for row in rows.select_related("pupil").order_by("pupil__full_name", "pupil_id")
    ]


@dataclass
class Grid:
    assignment: Assignment
    term: Term | None
    terms: list[Term]
    pupils: list[Pupil]
    lessons: list[Lesson]
    cells: dict[tuple[int, int], Entry]
    open_ids: set[int]
    rows: list = field(default_factory=list)


def _open_lessons(assignment: Assignment, lessons: list[Lesson], term: Term | None) -> set[int]:
    """Return the ids of columns still open for edits, in two queries whatever their number."""
    if term is None or term.closed_at is not None or not lessons:
        return set()
    today = timezone.localdate()
    now = timezone.now()
    school = assignment.school_class.school
    first = min(lesson.date for lesson in lessons)
    exceptions = _exceptions(Community(pk=assignment.community_id), first, today)
    working = []
    day = first
    while day <= today:
        kind = exceptions.get(day)
        if (kind == CalendarDay.Kind.WORKING) if kind else day.weekday() < 5:
            working.append(day)
        day += timedelta(days=1)
    unlocks = list(
        Unlock.objects.filter(assignment=assignment, expires_at__gt=now).values_list(
            "date_from", "date_to"
        )
    )
    open_ids = set()
    for lesson in lessons:
        past = sum(1 for day in working if day > lesson.date)
        if lesson.date > today:
            continue
        if past <= school.lock_days or any(a <= lesson.date <= b for a, b in unlocks):
            open_ids.add(lesson.pk)
    return open_ids


def journal_grid(assignment: Assignment, term_id: int | None = None) -> Grid:
    """The teacher's grid: pupils × columns of a semester, in a fixed number of queries."""
    terms = list(Term.objects.filter(year_id=assignment.school_class.year_id).order_by("number"))
    term = next((t for t in terms if t.pk == term_id), None) if term_id else None
    if term is None:
        today = timezone.localdate()
        term = next((t for t in terms if t.starts_on <= today <= t.ends_on), None)
        term = term or (terms[-1] if terms else None)
    lessons = (
        list(Lesson.objects.filter(assignment=assignment, term=term).order_by("date", "period"))
        if term
        else []
    )
    pupils = class_pupils(assignment.school_class)
    cells = {}
    if lessons:
        for entry in Entry.objects.filter(lesson__in=[lesson.pk for lesson in lessons]):
            cells[entry.lesson_id, entry.pupil_id] = entry
    grid = Grid(
        assignment=assignment,
        term=term,
        terms=terms,
        pupils=pupils,
        lessons=lessons,
        cells=cells,
        open_ids=_open_lessons(assignment, lessons, term),
    )
    for pupil in pupils:
        row = [cells.get((lesson.pk, pupil.pk)) for lesson in lessons]
        points = [
            grading.numeric(entry.value)
            for entry, lesson in zip(row, lessons, strict=True)
            if entry and lesson.kind == Lesson.Kind.THEMATIC and grading.numeric(entry.value)
        ]
        suggested = round(sum(points) / len(points)) if points else None
        grid.rows.append((pupil, row, suggested))
    return grid


def column(lesson: Lesson) -> list[tuple[Pupil, Entry | None]]:
    pupils = class_pupils(lesson.assignment.school_class, lesson.date)
    entries = {entry.pupil_id: entry for entry in Entry.objects.filter(lesson=lesson)}
    return [(pupil, entries.get(pupil.pk)) for pupil in pupils]


def cell_history(lesson: Lesson):
    return (
        JournalChange.objects.filter(lesson=lesson)
        .select_related("actor")
        .order_by("-at", "-id")[:200]
    )


# The e-diary ----------------------------------------------------------------------


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def pupil_assignments(pupil: Pupil, day: date | None = None):
    day = day or timezone.localdate()
    classes = Enrolment.objects.filter(pupil=pupil, school_class__year__ends_on__gte=day).values(
        "school_class_id"
    )
    return Assignment.objects.filter(school_class_id__in=classes)


def diary_week(pupil: Pupil, monday: date) -> dict:
    """The pupil's week: lessons with topics and homework, the pupil's grades and absences."""
    sunday = monday + timedelta(days=6)
    lessons = list(
        Lesson.objects.filter(
            assignment__in=pupil_assignments(pupil, monday),
            date__range=(monday, sunday),
        )
        .select_related("assignment__subject")
        .prefetch_related("files")
        .order_by("date", "period")
    )
    entries = {
        entry.lesson_id: entry
        for entry in Entry.objects.filter(pupil=pupil, lesson__in=[lesson.pk for lesson in lessons])
    }
    days = defaultdict(list)
    for lesson in lessons:
        days[lesson.date].append((lesson, entries.get(lesson.pk)))
    return {
        "monday": monday,
        "days": [
            (monday + timedelta(days=n), days.get(monday + timedelta(days=n), [])) for n in range(6)
        ],
        "lessons": lessons,
        "entries": entries,
    }


def diary_grades(pupil: Pupil, term: Term) -> list[dict]:
    """Grades per subject over the semester (with the date a grade was changed)."""
    entries = (
        Entry.objects.filter(pupil=pupil, lesson__term=term)
        .exclude(value="", absent=False)
        .select_related("lesson__assignment__subject")
        .order_by("lesson__assignment__subject__name", "lesson__date")
    )
    subjects: dict[str, dict] = {}
    for entry in entries:
        name = entry.lesson.assignment.subject.name
        row = subjects.setdefault(name, {"subject": name, "entries": [], "points": []})
        row["entries"].append(entry)
        if entry.value and grading.numeric(entry.value):
            row["points"].append(grading.numeric(entry.value))
    for row in subjects.values():
        row["average"] = (
            round(sum(row["points"]) / len(row["points"]), 1) if row["points"] else None
        )
        row["absences"] = sum(1 for entry in row["entries"] if entry.absent)
    return list(subjects.values())


def notices_for(pupil: Pupil, limit: int = 10):
    classes = Enrolment.objects.filter(pupil=pupil).values("school_class_id")
    return Notice.objects.filter(school_id=pupil.school_id).filter(
        Q(school_class__isnull=True) | Q(school_class_id__in=classes)
    )[:limit]


def notes_of(pupil: Pupil):
    return AbsenceNote.objects.filter(pupil=pupil).order_by("-filed_at")[:20]


def class_notes(school_class: SchoolClass):
    pupils = Enrolment.objects.filter(school_class=school_class).values("pupil_id")
    return (
        AbsenceNote.objects.filter(pupil_id__in=pupils)
        .select_related("pupil", "guardian")
        .order_by("status", "-filed_at")[:100]
    )


# Reports ----------------------------------------------------------------------------


def class_report(school_class: SchoolClass, term: Term) -> dict:
    """Averages per pupil and subject, absences (explained and not) for one class."""
    pupils = class_pupils(school_class)
    assignments = list(
        Assignment.objects.filter(school_class=school_class)
        .select_related("subject")
        .order_by("subject__name")
    )
    entries = Entry.objects.filter(lesson__assignment__school_class=school_class, lesson__term=term)
    points: dict[tuple[int, int], list[int]] = defaultdict(list)
    absent = defaultdict(int)
    unexplained = defaultdict(int)
    for pupil_id, assignment_id, value, is_absent, reason in entries.values_list(
        "pupil_id", "lesson__assignment_id", "value", "absent", "reason"
    ):
        if is_absent:
            absent[pupil_id] += 1
            unexplained[pupil_id] += not reason
        elif value.isdigit():
            points[pupil_id, assignment_id].append(int(value))
    rows = []
    for pupil in pupils:
        averages = []
        for assignment in assignments:
            found = points.get((pupil.pk, assignment.pk))
            averages.append(round(sum(found) / len(found), 1) if found else None)
        rows.append(
            {
                "pupil": pupil,
                "averages": averages,
                "absent": absent[pupil.pk],
                "unexplained": unexplained[pupil.pk],
            }
        )
    return {"assignments": assignments, "rows": rows}


def school_report(school: School, term: Term) -> list[dict]:
    """Per class: pupils, average grade, absences, and journal completeness per subject."""
    classes = list(
        SchoolClass.objects.filter(year_id=term.year_id).annotate(
            pupils=Count("enrolments", distinct=True)
        )
    )
    stats = defaultdict(lambda: {"sum": 0, "count": 0, "absent": 0})
    rows = Entry.objects.filter(lesson__term=term).values_list(
        "lesson__assignment__school_class_id", "value", "absent"
    )
    for class_id, value, is_absent in rows.iterator(chunk_size=5000):
        found = stats[class_id]
        if is_absent:
            found["absent"] += 1
        elif value.isdigit():
            found["sum"] += int(value)
            found["count"] += 1
    today = min(timezone.localdate(), term.ends_on)
    lessons = dict(
        Lesson.objects.filter(term=term, kind=Lesson.Kind.LESSON, date__lte=today)
        .values_list("assignment__school_class_id")
        .annotate(n=Count("id"))
    )
    with_topic = dict(
        Lesson.objects.filter(term=term, kind=Lesson.Kind.LESSON, date__lte=today)
        .exclude(topic="")
        .values_list("assignment__school_class_id")
        .annotate(n=Count("id"))
    )
    report = []
    for school_class in classes:
        found = stats[school_class.pk]
        total = lessons.get(school_class.pk, 0)
        report.append(
            {
                "school_class": school_class,
                "pupils": school_class.pupils,
                "average": round(found["sum"] / found["count"], 2) if found["count"] else None,
                "absences": found["absent"],
                "lessons": total,
                "completeness": round(100 * with_topic.get(school_class.pk, 0) / total)
                if total
                else None,
            }
        )
    return report


def semester_rows(school: School, term: Term):
    """One row per pupil and subject for the whole school: the semester report's sheet."""
    classes = {c.pk: str(c) for c in SchoolClass.objects.filter(year_id=term.year_id)}
    points = defaultdict(list)
    absences = defaultdict(int)
    finals = {}
    # A semester belongs to one school's year: the term alone scopes the rows.
    rows = Entry.objects.filter(lesson__term=term)
    for pupil_id, assignment_id, value, is_absent, kind in rows.values_list(
        "pupil_id", "lesson__assignment_id", "value", "absent", "lesson__kind"
    ).iterator(chunk_size=10000):
        if is_absent:
            absences[pupil_id, assignment_id] += 1
        elif kind == Lesson.Kind.SEMESTER:
            finals[pupil_id, assignment_id] = value
        elif value.isdigit():
            points[pupil_id, assignment_id].append(int(value))
    names = dict(Pupil.objects.filter(school=school).values_list("pk", "full_name"))
    members = defaultdict(list)
    for class_id, pupil_id in Enrolment.objects.filter(
        school_class__year_id=term.year_id
    ).values_list("school_class_id", "pupil_id"):
        members[class_id].append(pupil_id)
    for assignment_id, class_id, subject in (
        Assignment.objects.filter(school_class__year_id=term.year_id)
        .order_by("school_class__grade", "school_class__letter", "subject__name")
        .values_list("pk", "school_class_id", "subject__name")
    ):
        for pupil_id in sorted(members[class_id], key=lambda pk: names.get(pk, "")):
            found = points.get((pupil_id, assignment_id))
            yield {
                "class": classes.get(class_id, ""),
                "pupil": names.get(pupil_id, ""),
                "subject": subject,
                "average": round(sum(found) / len(found), 2) if found else None,
                "grades": len(found) if found else 0,
                "absences": absences.get((pupil_id, assignment_id), 0),
                "semester": finals.get((pupil_id, assignment_id), ""),
            }


SEMESTER_FIELDS = ["class", "pupil", "subject", "average", "grades", "absences", "semester"]


def department_report(community: Community) -> list[dict]:
    """The education department's view: per school counts and averages, no names."""
    today = timezone.localdate()
    report = []
    for school in School.objects.filter(community=community):
        pupils = Enrolment.objects.filter(
            school_class__school=school, school_class__year__ends_on__gte=today
        ).count()
        entries = Entry.objects.filter(
            lesson__assignment__school_class__school=school,
            lesson__date__gte=today - timedelta(days=30),
        )
        values = list(entries.values_list("value", "absent"))
        points = [int(v) for v, a in values if not a and v.isdigit()]
        report.append(
            {
                "school": school.name,
                "pupils": pupils,
                "average": round(sum(points) / len(points), 2) if points else None,
                "absence_rate": round(100 * sum(1 for _v, a in values if a) / len(values), 1)
                if values
                else None,
            }
        )
    return report


# Timetable -------------------------------------------------------------------------------


def slots_for_class(school_class: SchoolClass):
    return (
        TimetableSlot.objects.filter(school_class=school_class)
        .select_related("assignment__subject", "room", "teacher")
        .order_by("weekday", "period")
    )


def slots_for_resident(resident, community: Community):
    """A person's weekly lessons: the ones taught and the children's."""
    pupils = access.children(resident, community)
    classes = Enrolment.objects.filter(
        pupil__in=pupils, school_class__year__ends_on__gte=timezone.localdate()
    ).values("school_class_id")
    return (
        TimetableSlot.objects.filter(community=community)
        .filter(Q(teacher=resident) | Q(school_class_id__in=classes))
        .select_related("assignment__subject", "school_class", "room", "year")
        .order_by("weekday", "period")
    )


# Registry hooks -------------------------------------------------------------------------


def dashboard_items(staff, community: Community) -> list[DashboardItem]:
    schools = access.head_schools(staff, community)
    if not schools:
        return []
    waiting = AbsenceNote.objects.filter(
        community=community, pupil__school_id__in=schools, status=AbsenceNote.Status.FILED
    ).count()
    return [DashboardItem(_("Absence notes to decide"), waiting, reverse("schools:home"))]


def personal_data(resident) -> dict:
    """A parent's links and notes; a pupil's own grades are in the diary, not copied here."""
    return {
        "children": [
            {
                "pupil": link.pupil.full_name,
                "school": link.pupil.school.name,
                "blocked": link.blocked_at is not None,
            }
            for link in Guardianship.objects.filter(guardian=resident).select_related(
                "pupil__school"
            )
        ],
        "absence_notes": [
            {
                "pupil": note.pupil.full_name,
                "from": note.starts_on.isoformat(),
                "to": note.ends_on.isoformat(),
                "reason": note.reason,
                "status": note.status,
            }
            for note in AbsenceNote.objects.filter(guardian=resident).select_related("pupil")
        ],
    }


# Strategy indicators: aggregates over the community's schools, never a pupil's name.


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def journal_on_time_share(
    community: Community, start: date, end: date, settlement=None
) -> float | None:
    """
    Return the % of lessons in [start, end] recorded in the journal by the next day.

    A lesson is on time when its column was made on its day or the day
    after (Europe/Kyiv dates), with its topic written.
    """
    if settlement is not None:
        return None  # schools are not tied to a settlement
    lessons = Lesson.objects.filter(
        community=community, kind=Lesson.Kind.LESSON, date__gte=start, date__lte=end
    )
    counts = lessons.annotate(recorded_on=TruncDate("created_at")).aggregate(
        total=Count("pk"),
        on_time=Count(
            "pk",
            filter=Q(recorded_on__lte=F("date") + timedelta(days=1)) & ~Q(topic=""),
        ),
    )
    return _share(counts["on_time"], counts["total"])


def parents_connected_share(
    community: Community, start: date, end: date, settlement=None
) -> float | None:
    """Return the % of pupils enrolled on `end` with a parent who has signed in to the diary."""
    if settlement is not None:
        return None
    enrolled = Enrolment.objects.filter(
        community=community, enrolled_on__lte=end, school_class__year__ends_on__gte=end
    ).exclude(left_on__lt=end)
    pupils = Pupil.objects.filter(pk__in=enrolled.values("pupil_id"))
    connected = Guardianship.objects.filter(
        community=community,
        pupil_id=OuterRef("pk"),
        blocked_at__isnull=True,
        guardian__is_active=True,
        guardian__last_login__isnull=False,
    )
    counts = pupils.aggregate(total=Count("pk"), connected=Count("pk", filter=Q(Exists(connected))))
    return _share(counts["connected"], counts["total"])


def unexplained_absence_share(
    community: Community, start: date, end: date, settlement=None
) -> float | None:
    """Return the % of absences in [start, end] that nobody explained (no reason recorded)."""
    if settlement is not None:
        return None
    counts = Entry.objects.filter(
        community=community, absent=True, lesson__date__gte=start, lesson__date__lte=end
    ).aggregate(total=Count("pk"), unexplained=Count("pk", filter=Q(reason="")))
    return _share(counts["unexplained"], counts["total"])
