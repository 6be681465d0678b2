"""The journal's rules: scales, locks, who writes, and the append-only change log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from hromada.schools import grading, services
from hromada.schools.models import Entry, JournalChange, Lesson
from tests.schools.conftest import working_days_ago

pytestmark = pytest.mark.django_db


def cells(lesson):
    return {
        entry.pupil_id: ("н" if entry.absent else entry.value)
        for entry in Entry.objects.filter(lesson=lesson)
    }


def test_a_teacher_saves_a_column_and_every_cell_is_logged(world):
    lesson = world.lesson()
    a, b, c = world.pupils[:3]
    result = services.save_cells(
        actor=world.teacher, lesson=lesson, values={a.pk: "10", b.pk: "н", c.pk: ""}
    )
    assert result == {"created": 2, "changed": 0, "logged": 2}
    assert cells(lesson) == {a.pk: "10", b.pk: "н"}
    services.save_cells(actor=world.teacher, lesson=lesson, values={a.pk: "11", b.pk: "н"})
    log = list(JournalChange.objects.filter(lesson=lesson, kind="cell").order_by("id"))
    assert [(row.pupil_id, row.old_value, row.new_value) for row in log] == [
        (a.pk, "", "10"),
        (b.pk, "", "н"),
        (a.pk, "10", "11"),
    ]
    assert all(row.actor_id == world.teacher.pk for row in log)
    entry = Entry.objects.get(lesson=lesson, pupil=a)
    assert entry.corrected_at is not None and entry.version == 2


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("13", grading.PointsOutOfRange),
        ("0", grading.PointsOutOfRange),
        ("10.5", grading.PointsOutOfRange),
        ("високий", grading.PointsOutOfRange),
        ("a\x00", grading.InvalidGrade),
    ],
)
def test_a_grade_outside_the_12_point_scale_is_refused_and_nothing_is_stored(world, typed, error):
    lesson = world.lesson()
    a, b = world.pupils[:2]
    with pytest.raises(error):
        services.save_cells(actor=world.teacher, lesson=lesson, values={a.pk: "9", b.pk: typed})
    assert cells(lesson) == {}
    assert not JournalChange.objects.filter(kind="cell").exists()


def test_grades_1_2_take_words_not_numbers(world):
    lesson = world.lesson(world.maths2)
    kid = world.little[0]
    with pytest.raises(grading.NumberInVerbal):
        services.save_cells(actor=world.teacher, lesson=lesson, values={kid.pk: "10"})
    services.save_cells(
        actor=world.teacher, lesson=lesson, values={kid.pk: "Старанно працює, лічить до 100"}
    )
    assert cells(lesson) == {kid.pk: "Старанно працює, лічить до 100"}


def test_marks_fit_every_scale(world):
    lesson = world.lesson(world.maths2)
    kid = world.little[0]
    services.save_cells(actor=world.teacher, lesson=lesson, values={kid.pk: "зв"})
    assert cells(lesson) == {kid.pk: "звільнений(а)"}


def test_a_pupil_of_another_class_gets_no_grade(world):
    lesson = world.lesson()
    with pytest.raises(services.PupilNotInClass):
        services.save_cells(
            actor=world.teacher,
            lesson=lesson,
            values={world.pupils[0].pk: "8", world.little[0].pk: "8"},
        )
    assert cells(lesson) == {}


def test_only_the_assignments_teacher_or_a_recorded_substitute_writes(world):
    lesson = world.lesson()
    a = world.pupils[0]
    for intruder in (world.other_teacher, world.class_teacher, world.parent):
        with pytest.raises(services.NotYourAssignment):
            services.save_cells(actor=intruder, lesson=lesson, values={a.pk: "8"})
    today = timezone.localdate()
    services.add_substitution(
        actor=world.deputy,
        assignment=world.maths7,
        teacher=world.other_teacher,
        starts_on=today,
        ends_on=today,
    )
    services.save_cells(actor=world.other_teacher, lesson=lesson, values={a.pk: "8"})
    assert cells(lesson) == {a.pk: "8"}


def test_edits_lock_after_n_school_days_until_the_deputy_unlocks_with_a_reason(world):
    old_day = working_days_ago(5)
    lesson = world.lesson(day=old_day)
    a = world.pupils[0]
    with pytest.raises(services.JournalLocked):
        services.save_cells(actor=world.teacher, lesson=lesson, values={a.pk: "7"})
    with pytest.raises(services.NotAllowed):
        services.unlock(
            actor=world.teacher,
            assignment=world.maths7,
            date_from=old_day,
            date_to=old_day,
            reason="хочу",
        )
    with pytest.raises(services.ValidationFailed):
        services.unlock(
            actor=world.deputy,
            assignment=world.maths7,
            date_from=old_day,
            date_to=old_day,
            reason="  ",
        )
    services.unlock(
        actor=world.deputy,
        assignment=world.maths7,
        date_from=old_day,
        date_to=old_day,
        reason="Учитель хворів",
    )
    services.save_cells(actor=world.teacher, lesson=lesson, values={a.pk: "7"})
    assert cells(lesson) == {a.pk: "7"}
    assert JournalChange.objects.filter(kind="unlock", reason="Учитель хворів").count() == 1


def test_recent_lessons_are_open(world):
    lesson = world.lesson(day=working_days_ago(3))
    services.save_cells(actor=world.teacher, lesson=lesson, values={world.pupils[0].pk: "5"})


def test_a_closed_semester_is_frozen_even_for_thematic_grades(world):
    lesson = world.lesson(kind=Lesson.Kind.THEMATIC, topic="Тема 1")
    a = world.pupils[0]
    services.save_cells(actor=world.teacher, lesson=lesson, values={a.pk: "9"})
    with pytest.raises(grading.AbsenceNotHere):
        services.save_cells(actor=world.teacher, lesson=lesson, values={a.pk: "н"})
    services.close_term(actor=world.director, term=world.term)
    today = timezone.localdate()
    services.unlock(
        actor=world.deputy, assignment=world.maths7, date_from=today, date_to=today, reason="x"
    )
    with pytest.raises(services.TermClosed):
        services.save_cells(actor=world.teacher, lesson=lesson, values={a.pk: "10"})
    assert cells(lesson) == {a.pk: "9"}


def test_no_grades_for_a_lesson_still_to_come(world):
    lesson = world.lesson(day=timezone.localdate() + timedelta(days=3))
    with pytest.raises(services.LessonInFuture):
        services.save_cells(actor=world.teacher, lesson=lesson, values={world.pupils[0].pk: "5"})


def _raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_change_log_refuses_update_and_delete_even_in_raw_sql(world):
    lesson = world.lesson()
    services.save_cells(actor=world.teacher, lesson=lesson, values={world.pupils[0].pk: "10"})
    row = JournalChange.objects.filter(kind="cell").get()
    with pytest.raises((IntegrityError, DatabaseError)):
        _raw("UPDATE schools_journalchange SET new_value = %s WHERE id = %s", ["12", row.pk])
    with pytest.raises((IntegrityError, DatabaseError)):
        _raw("DELETE FROM schools_journalchange WHERE id = %s", [row.pk])
    with pytest.raises((IntegrityError, DatabaseError)):
        _raw("DELETE FROM schools_journalchange")
    row.refresh_from_db()
    assert row.new_value == "10"
    assert JournalChange.objects.count() >= 2
