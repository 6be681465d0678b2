"""
REST API of the schools at /api/v1/schools/: the same access rules and services as the pages.

A parent reads their own children's diary (week, grades, homework) and files
absence notes; a teacher reads and writes the journal of their own class
subjects; the class teacher decides notes. Anyone else's child: 404.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from hromada.api import auth
from hromada.api.types import Id
from hromada.core.errors import ValidationFailed
from hromada.schools import access, selectors, services
from hromada.schools.access import SchoolNotFound
from hromada.schools.models import AbsenceNote, Lesson, Term

router = Router(tags=["schools"])

Value = Field(..., max_length=300)


class ChildOut(Schema):
    id: int
    full_name: str
    school: str

    @staticmethod
    def resolve_school(pupil) -> str:
        return pupil.school.name


class DiaryLessonOut(Schema):
    id: int
    date: date
    period: int
    kind: str
    subject: str
    topic: str
    homework: str
    grade: str
    absent: bool
    changed_at: str | None = Field(None, description="When a grade was corrected, if it was")


class WeekQuery(Schema):
    day: date | None = None


class GradeOut(Schema):
    subject: str
    grades: list[str]
    average: float | None
    absences: int


class TermQuery(Schema):
    term: Id | None = None


class NoteIn(Schema):
    starts_on: date
    ends_on: date | None = None
    reason: str = Field(..., max_length=10)
    text: str = Field("", max_length=1000)


class NoteOut(Schema):
    id: int
    pupil_id: int
    starts_on: date
    ends_on: date
    reason: str
    status: str


class AssignmentOut(Schema):
    id: int
    school_class: str
    subject: str

    @staticmethod
    def resolve_school_class(assignment) -> str:
        return str(assignment.school_class)

    @staticmethod
    def resolve_subject(assignment) -> str:
        return assignment.subject.name


class ColumnOut(Schema):
    id: int
    date: date
    period: int
    kind: str
    topic: str
    homework: str
    open: bool


class PupilRowOut(Schema):
    id: int
    full_name: str
    cells: list[str]


class JournalOut(Schema):
    assignment: AssignmentOut
    term: int | None
    lessons: list[ColumnOut]
    pupils: list[PupilRowOut]


class LessonIn(Schema):
    date: date
    period: int = Field(1, ge=1, le=10)
    kind: str = Field("lesson", max_length=10)
    topic: str = Field("", max_length=300)
    homework: str = Field("", max_length=2000)


class CellsIn(Schema):
    cells: dict[Id, str] = Field(..., max_length=100)
    topic: str | None = Field(None, max_length=300)
    homework: str | None = Field(None, max_length=2000)
    reason: str = Field("", max_length=300)


class SavedOut(Schema):
    created: int
    changed: int
    logged: int


class DecideIn(Schema):
    accept: bool


def _child(request, pk):
    return access.child_for(request.auth, request.community, pk)


def _diary_level(request):
    from hromada.core.identity import require_level

    require_level(resident=request.auth, community=request.community, action="schools.diary")


@router.get("/children", response=list[ChildOut], auth=auth.required, summary="My children")
def children(request):
    _diary_level(request)
    return access.children(request.auth, request.community)


@router.get("/children/{int:pupil_id}/week", response=list[DiaryLessonOut], auth=auth.required)
def week(request, pupil_id: Id, query: Query[WeekQuery]):
    _diary_level(request)
    pupil = _child(request, pupil_id)
    monday = selectors.week_start(query.day or timezone.localdate())
    found = selectors.diary_week(pupil, monday)
    rows = []
    for lesson in found["lessons"]:
        entry = found["entries"].get(lesson.pk)
        rows.append(
            {
                "id": lesson.pk,
                "date": lesson.date,
                "period": lesson.period,
                "kind": lesson.kind,
                "subject": lesson.assignment.subject.name,
                "topic": lesson.topic,
                "homework": lesson.homework,
                "grade": entry.value if entry else "",
                "absent": bool(entry and entry.absent),
                "changed_at": entry.corrected_at.isoformat()
                if entry and entry.corrected_at
                else None,
            }
        )
    return rows


@router.get("/children/{int:pupil_id}/grades", response=list[GradeOut], auth=auth.required)
def grades(request, pupil_id: Id, query: Query[TermQuery]):
    _diary_level(request)
    pupil = _child(request, pupil_id)
    enrolment = pupil.enrolments.select_related("school_class").order_by("-enrolled_on").first()
    if enrolment is None:
        return []
    year_id = enrolment.school_class.year_id
    term = (
        Term.objects.filter(year_id=year_id, pk=query.term).first()
        if query.term
        else selectors.current_term(year_id)
    )
    if term is None:
        raise SchoolNotFound()
    return [
        {
            "subject": row["subject"],
            "grades": [entry.value for entry in row["entries"] if not entry.absent],
            "average": row["average"],
            "absences": row["absences"],
        }
        for row in selectors.diary_grades(pupil, term)
    ]


@router.get("/children/{int:pupil_id}/notes", response=list[NoteOut], auth=auth.required)
def notes(request, pupil_id: Id):
    _diary_level(request)
    return selectors.notes_of(_child(request, pupil_id))


@router.post("/children/{int:pupil_id}/notes", response={201: NoteOut}, auth=auth.required)
def file_note(request, pupil_id: Id, payload: NoteIn):
    pupil = _child(request, pupil_id)
    note = services.file_absence_note(
        guardian=request.auth,
        pupil=pupil,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on or payload.starts_on,
        reason=payload.reason,
        text=payload.text,
    )
    return Status(201, note)


@router.get("/assignments", response=list[AssignmentOut], auth=auth.required)
def assignments(request):
    return access.teacher_assignments(request.auth, request.community)


@router.get("/assignments/{int:assignment_id}/journal", response=JournalOut, auth=auth.required)
def journal(request, assignment_id: Id, query: Query[TermQuery]):
    assignment = access.assignment_for(request.auth, request.community, assignment_id)
    grid = selectors.journal_grid(assignment, query.term)
    return {
        "assignment": assignment,
        "term": grid.term.pk if grid.term else None,
        "lessons": [
            {
                "id": lesson.pk,
                "date": lesson.date,
                "period": lesson.period,
                "kind": lesson.kind,
                "topic": lesson.topic,
                "homework": lesson.homework,
                "open": lesson.pk in grid.open_ids,
            }
            for lesson in grid.lessons
        ],
        "pupils": [
            {
                "id": pupil.pk,
                "full_name": pupil.full_name,
                "cells": [("н" if e.absent else e.value) if e else "" for e in cells],
            }
            for pupil, cells, _suggested in grid.rows
        ],
    }


@router.post(
    "/assignments/{int:assignment_id}/lessons", response={201: ColumnOut}, auth=auth.required
)
def new_lesson(request, assignment_id: Id, payload: LessonIn):
    assignment = access.assignment_for(request.auth, request.community, assignment_id)
    if payload.kind not in Lesson.Kind.values:
        raise ValidationFailed(fields={"kind": "lesson, thematic, semester, annual"})
    lesson = services.save_lesson(
        actor=request.auth,
        assignment=assignment,
        day=payload.date,
        period=payload.period,
        kind=payload.kind,
        topic=payload.topic,
        homework=payload.homework,
    )
    return Status(
        201,
        {
            "id": lesson.pk,
            "date": lesson.date,
            "period": lesson.period,
            "kind": lesson.kind,
            "topic": lesson.topic,
            "homework": lesson.homework,
            "open": not services.is_locked(lesson),
        },
    )


@router.put(
    "/assignments/{int:assignment_id}/lessons/{int:lesson_id}/cells",
    response=SavedOut,
    auth=auth.required,
    summary="Save a column's cells at once",
)
def save_cells(request, assignment_id: Id, lesson_id: Id, payload: CellsIn):
    assignment = access.assignment_for(request.auth, request.community, assignment_id)
    lesson = Lesson.objects.filter(assignment=assignment, pk=lesson_id).first()
    if lesson is None:
        raise SchoolNotFound()
    if any(len(value) > 300 for value in payload.cells.values()):
        raise ValidationFailed()
    if payload.topic is not None or payload.homework is not None:
        lesson = services.save_lesson(
            actor=request.auth,
            assignment=assignment,
            day=lesson.date,
            lesson=lesson,
            topic=lesson.topic if payload.topic is None else payload.topic,
            homework=lesson.homework if payload.homework is None else payload.homework,
        )
    return services.save_cells(
        actor=request.auth, lesson=lesson, values=dict(payload.cells), reason=payload.reason
    )


@router.get("/classes/{int:class_id}/notes", response=list[NoteOut], auth=auth.required)
def class_notes(request, class_id: Id):
    school_class = access.class_for(request.auth, request.community, class_id)
    return selectors.class_notes(school_class)


@router.post("/notes/{int:note_id}/decide", response=NoteOut, auth=auth.required)
def decide(request, note_id: Id, payload: DecideIn):
    note = AbsenceNote.objects.filter(community=request.community, pk=note_id).first()
    if note is None:
        raise SchoolNotFound()
    return services.decide_absence_note(actor=request.auth, note=note, accept=payload.accept)
