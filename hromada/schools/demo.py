"""
Demo schools of Chornomorsk: a lyceum (grades 1–11) and a village gymnasium (1–9).

One school year in progress: classes, teachers, a generated timetable, and up
to three months of lessons with grades and absences, parents linked. Demo
log-ins: teacher@, parent@ (two children, identified), director@, deputy@ and
education@chornomorsk.demo. Rows are written in bulk (the journal's rules are
what the services and their tests cover), so seeding stays within seconds.
The change log is not filled for made-up history: it records real edits.
Idempotent: nothing happens if the community has schools.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from functools import cache

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from hromada.core.calendar import _exceptions
from hromada.core.demo import DEMO_PASSWORD
from hromada.core.identity import tax_number_hash
from hromada.core.models import CalendarDay, Community, Identity, Resident
from hromada.schools import timetable
from hromada.schools.models import (
    Assignment,
    Enrolment,
    GradingScale,
    Guardianship,
    Lesson,
    Notice,
    Pupil,
    Room,
    School,
    SchoolClass,
    SchoolStaff,
    SchoolYear,
    Subject,
    Term,
    TimetableSlot,
)

LYCEUM = "Чорноморський ліцей №1 Чорноморської міської ради"
GYMNASIUM = "Олександрівська гімназія Чорноморської міської ради"

# (subject, core, hours per week by band)
SUBJECTS = [
    ("Українська мова", True, {"1-2": 5, "3-4": 5, "5-11": 3}),
    ("Математика", True, {"1-2": 4, "3-4": 4, "5-11": 4}),
    ("Я досліджую світ", False, {"1-2": 3, "3-4": 3}),
    ("Англійська мова", False, {"1-2": 2, "3-4": 3, "5-11": 3}),
    ("Мистецтво", False, {"1-2": 1, "3-4": 1, "5-11": 1}),
    ("Фізична культура", False, {"1-2": 3, "3-4": 3, "5-11": 3}),
    ("Історія України", False, {"5-11": 2}),
    ("Біологія", False, {"5-11": 2}),
    ("Інформатика", False, {"5-11": 1}),
]
FIRST = [
    "Олександр", "Марія", "Дмитро", "Анна", "Максим", "Софія", "Артем", "Вікторія",
    "Іван", "Дарина", "Назар", "Юлія", "Богдан", "Катерина", "Тимофій", "Олена",
    "Андрій", "Злата", "Матвій", "Аліна",
]  # fmt: skip
LAST = [
    "Шевчук", "Коваленко", "Бондаренко", "Ткаченко", "Кравченко", "Олійник", "Мороз",
    "Лисенко", "Руденко", "Савченко", "Петренко", "Марченко", "Павленко", "Левченко",
    "Гончар", "Мельничук", "Поліщук", "Юрченко", "Кушнір", "Онищенко",
]  # fmt: skip
VERBAL = [
    "Старанно працює на уроці",
    "Добре читає, потрібно більше практики",
    "Уважний, активно відповідає",
    "Варто повторити вивчене",
    "Чудова робота!",
]
LEVELS = ["початковий", "середній", "достатній", "достатній", "високий", "високий"]
POINTS = [4, 5, 6, 7, 7, 8, 8, 9, 9, 9, 10, 10, 10, 11, 11, 12]


def _year_bounds(today: date) -> tuple[date, date]:
    start_year = today.year if today.month >= 8 else today.year - 1
    return date(start_year, 9, 1), date(start_year + 1, 5, 31)


@cache
def _hashed() -> str:
    return make_password(DEMO_PASSWORD)


def _account(email: str, name: str, level: int = Identity.EMAIL) -> Resident:
    found = Resident.objects.filter(email=email).first()
    if found:
        return found
    # One hash for every demo account: hashing costs a good part of a second each.
    resident = Resident.objects.create(
        email=email, password=_hashed(), full_name=name, identity_level=level
    )
    if level >= Identity.STRONG:
        resident.tax_hash = tax_number_hash(f"31{sum(map(ord, email)) * 7919 % 10**8:08d}")
        resident.save(update_fields=["tax_hash"])
    return resident


@transaction.atomic
def load(community: Community) -> None:
    if community.slug != "chornomorsk" or School.objects.filter(community=community).exists():
        return
    rng = random.Random(15)
    today = timezone.localdate()
    teacher = _account("teacher@chornomorsk.demo", "Литвиненко Оксана Іванівна")
    director = _account("director@chornomorsk.demo", "Гуменюк Василь Петрович")
    deputy = _account("deputy@chornomorsk.demo", "Сидоренко Ірина Олегівна")
    education = _account("education@chornomorsk.demo", "Кравець Людмила Андріївна")
    parent = _account(
        "parent@chornomorsk.demo", "Романенко Світлана Вікторівна", level=Identity.STRONG
    )
    SchoolStaff.objects.create(community=community, resident=education, role="education")
    lyceum = Builder(community, rng, today, LYCEUM, School.Kind.LYCEUM, 1, 11, pupils=20)
    lyceum.staff(director, "director")
    lyceum.staff(deputy, "deputy")
    lyceum.build(main_teacher=teacher, class_teacher_of=7)
    gymnasium = Builder(
        community, rng, today, GYMNASIUM, School.Kind.GYMNASIUM, 1, 9, pupils=8, rooms=8
    )
    gymnasium.staff(
        _account("director2@chornomorsk.demo", "Ярошенко Петро Миколайович"), "director"
    )
    gymnasium.build()
    # parent@: a son in the lyceum's 7th class, a daughter in the gymnasium's 3rd.
    for builder, grade in ((lyceum, 7), (gymnasium, 3)):
        child = builder.pupils_by_grade[grade][0]
        Guardianship.objects.create(
            community=community,
            pupil=child,
            guardian=parent,
            relation="мати",
            notify_grades=True,
            notify_absences=True,
        )
    Notice.objects.create(
        community=community,
        school=lyceum.school,
        title="Батьківські збори",
        body="Загальношкільні батьківські збори відбудуться в четвер о 18:00 в актовій залі.",
        author=director,
    )


class Builder:
    def __init__(self, community, rng, today, name, kind, low, high, *, pupils, rooms=30):
        self.community, self.rng, self.today = community, rng, today
        self.school = School.objects.create(
            community=community, name=name, kind=kind, lowest_grade=low, highest_grade=high
        )
        self.low, self.high, self.size, self.rooms_count = low, high, pupils, rooms
        self.pupils_by_grade: dict[int, list[Pupil]] = {}
        self.teachers: list[Resident] = []

    def staff(self, resident, role):
        SchoolStaff.objects.create(
            community=self.community, school=self.school, resident=resident, role=role
        )

    def _teacher(self, number: int) -> Resident:
        slug = "lyceum" if self.school.kind == School.Kind.LYCEUM else "gymnasium"
        person = _account(
            f"{slug}.teacher{number}@chornomorsk.demo",
            f"{self.rng.choice(LAST)} {self.rng.choice(FIRST)} (вчитель)",
        )
        self.staff(person, "teacher")
        return person

    def build(self, main_teacher: Resident | None = None, class_teacher_of: int | None = None):
        community, school = self.community, self.school
        starts, ends = _year_bounds(self.today)
        year = SchoolYear.objects.create(
            community=community,
            school=school,
            name=f"{starts.year}/{ends.year}",
            starts_on=starts,
            ends_on=ends,
        )
        first_end = date(starts.year, 12, 26)
        terms = [
            Term.objects.create(
                community=community, year=year, number=1, starts_on=starts, ends_on=first_end
            ),
            Term.objects.create(
                community=community,
                year=year,
                number=2,
                starts_on=date(ends.year, 1, 12),
                ends_on=ends,
            ),
        ]
        GradingScale.objects.bulk_create(
            GradingScale(community=community, year=year, band=band, core_scale=c, other_scale=o)
            for band, c, o in (
                ("1-2", "verbal", "verbal"),
                ("3-4", "levels", "verbal"),
                ("5-11", "points", "points"),
            )
        )
        subjects = {
            name: Subject.objects.create(
                community=community, school=school, name=name, is_core=core
            )
            for name, core, _hours in SUBJECTS
        }
        rooms = Room.objects.bulk_create(
            Room(community=community, school=school, name=str(100 + n))
            for n in range(1, self.rooms_count + 1)
        )
        if main_teacher is not None:
            self.staff(main_teacher, "teacher")
        primary = {grade: self._teacher(grade) for grade in range(self.low, min(self.high, 4) + 1)}
        specialists = {name: [self._teacher(10 + i * 2), self._teacher(11 + i * 2)] for i, name in enumerate(
            ["Українська мова", "Англійська мова", "Мистецтво", "Фізична культура", "Історія України", "Біологія", "Інформатика"]
        )}  # fmt: skip
        maths = [main_teacher or self._teacher(40), self._teacher(41)]
        classes, assignments = [], []
        pupils_made = []
        for grade in range(self.low, self.high + 1):
            school_class = SchoolClass.objects.create(
                community=community,
                school=school,
                year=year,
                grade=grade,
                letter="А",
                class_teacher=main_teacher
                if grade == class_teacher_of
                else primary.get(grade) or specialists["Українська мова"][grade % 2],
            )
            classes.append(school_class)
            band = school_class.band
            for name, _core, hours in SUBJECTS:
                if band not in hours:
                    continue
                if band != "5-11" and name not in ("Англійська мова", "Фізична культура"):
                    who = primary[grade]
                elif name == "Математика":
                    who = maths[0] if grade >= 5 and grade % 2 == 1 else maths[1]
                else:
                    who = specialists[name][grade % 2]
                assignments.append(
                    Assignment(
                        community=community,
                        school_class=school_class,
                        subject=subjects[name],
                        teacher=who,
                        hours_per_week=hours[band],
                    )
                )
            for n in range(self.size):
                pupils_made.append(
                    (
                        school_class,
                        Pupil(
                            community=community,
                            school=school,
                            full_name=f"{self.rng.choice(LAST)} {self.rng.choice(FIRST)}",
                            birth_date=date(starts.year - grade - 6, 1 + n % 12, 1 + n % 28),
                        ),
                    )
                )
        Assignment.objects.bulk_create(assignments)
        Pupil.objects.bulk_create([pupil for _c, pupil in pupils_made])
        Enrolment.objects.bulk_create(
            Enrolment(community=community, pupil=pupil, school_class=c, enrolled_on=starts)
            for c, pupil in pupils_made
        )
        members: dict[int, list[Pupil]] = {}
        for school_class, pupil in pupils_made:
            members.setdefault(school_class.pk, []).append(pupil)
            self.pupils_by_grade.setdefault(school_class.grade, []).append(pupil)
        # The timetable: CP-SAT, a feasible one is enough for the demo.
        plan = timetable.solve(
            [
                timetable.Need(a.pk, a.school_class_id, a.teacher_id, a.hours_per_week)
                for a in assignments
            ],
            rooms=[room.pk for room in rooms],
            periods=7,
            seconds=10,
            optimise=False,
        )
        by_pk = {a.pk: a for a in assignments}
        TimetableSlot.objects.bulk_create(
            TimetableSlot(
                community=community,
                year=year,
                assignment_id=pk,
                school_class_id=by_pk[pk].school_class_id,
                teacher_id=by_pk[pk].teacher_id,
                room_id=room,
                weekday=day,
                period=period,
            )
            for pk, day, period, room in plan or []
        )
        self._lessons(year, terms, plan or [], by_pk, members)

    def _lessons(self, year, terms, plan, by_pk, members):
        """Lessons and entries through executemany: the ORM's per-object work would take minutes."""
        community, rng = self.community, self.rng
        start = max(year.starts_on, self.today - timedelta(days=91))
        end = min(self.today, year.ends_on)
        exceptions = _exceptions(community, start, end)
        ops = connection.ops
        now = ops.adapt_datetimefield_value(timezone.now())
        lessons, counters = [], {}
        day = start
        while day <= end:
            kind = exceptions.get(day)
            working = (kind == CalendarDay.Kind.WORKING) if kind else day.weekday() < 5
            term = next((t for t in terms if t.starts_on <= day <= t.ends_on), None)
            if working and term is not None:
                for pk, weekday, period, _room in plan:
                    if weekday != day.weekday():
                        continue
                    count = counters[pk] = counters.get(pk, 0) + 1
                    assignment = by_pk[pk]
                    thematic = (
                        count % 8 == 0 and assignment.school_class.grade >= 5 and day < self.today
                    )
                    lessons.append(
                        (
                            community.pk,
                            pk,
                            term.pk,
                            str(Lesson.Kind.THEMATIC if thematic else Lesson.Kind.LESSON),
                            ops.adapt_datefield_value(day),
                            period,
                            f"Тема {count}: {assignment.subject.name.lower()}",
                            "" if thematic else f"Опрацювати § {count}, вправа {count * 3}",
                            now,
                            now,
                        )
                    )
            day += timedelta(days=1)
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO schools_lesson (community_id, assignment_id, term_id, kind, date, period, "
                "topic, homework, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                lessons,
            )
        made = Lesson.objects.filter(assignment_id__in=list(by_pk)).values_list(
            "pk", "assignment_id", "kind"
        )
        entries = []
        for lesson_pk, assignment_pk, kind in made:
            assignment = by_pk[assignment_pk]
            school_class = assignment.school_class
            band = school_class.band
            scale = (
                "verbal"
                if band == "1-2"
                else ("levels" if assignment.subject.is_core else "verbal")
                if band == "3-4"
                else "points"
            )
            for pupil in members[school_class.pk]:
                roll = rng.random()
                if kind == Lesson.Kind.LESSON and roll < 0.04:
                    reason = rng.choice(["illness", "illness", "family", ""])
                    entries.append((community.pk, lesson_pk, pupil.pk, "", True, reason))
                elif kind == Lesson.Kind.THEMATIC or roll > 0.78:
                    value = (
                        str(rng.choice(POINTS))
                        if scale == "points"
                        else rng.choice(LEVELS)
                        if scale == "levels"
                        else rng.choice(VERBAL)
                    )
                    entries.append((community.pk, lesson_pk, pupil.pk, value, False, ""))
        rows = [
            (*entry, 1, now, by_pk_teacher)
            for entry, by_pk_teacher in zip(entries, self._teachers_of(entries, by_pk), strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO schools_entry (community_id, lesson_id, pupil_id, value, "
                "absent, reason, version, changed_at, changed_by_id) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )

    @staticmethod
    def _teachers_of(entries, by_pk):
        lesson_teacher = dict(
            Lesson.objects.filter(assignment_id__in=list(by_pk)).values_list(
                "pk", "assignment__teacher_id"
            )
        )
        return [lesson_teacher[entry[1]] for entry in entries]
