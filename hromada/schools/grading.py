"""
Grading scales (MoES orders on assessment): what a journal cell may hold in a grade band.

Grades 1–2: words only; grades 3–4: levels in core subjects, words in the
others; grades 5–11: the 12-point scale. Everywhere: "н/а" (not assessed),
"зараховано"/"не зараховано", "звільнений(а)" (exempt). "н" is an absence.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from hromada.core.errors import ValidationFailed
from hromada.schools.models import GradingScale, Lesson, Scale

ABSENT = "н"
MARKS = {
    "н/а": "н/а",
    "на": "н/а",
    "зараховано": "зараховано",
    "зар": "зараховано",
    "не зараховано": "не зараховано",
    "незар": "не зараховано",
    "звільнений": "звільнений(а)",
    "звільнена": "звільнений(а)",
    "звільнений(а)": "звільнений(а)",
    "зв": "звільнений(а)",
}
LEVELS = {
    "початковий": "початковий",
    "п": "початковий",
    "середній": "середній",
    "с": "середній",
    "достатній": "достатній",
    "д": "достатній",
    "високий": "високий",
    "в": "високий",
}
DEFAULT_SCALES = {
    "1-2": (Scale.VERBAL, Scale.VERBAL),
    "3-4": (Scale.LEVELS, Scale.VERBAL),
    "5-11": (Scale.POINTS, Scale.POINTS),
}
NUMBER = re.compile(r"^\s*[+-]?\d+([.,]\d+)?\s*$")
VERBAL_MAX = 300


class InvalidGrade(ValidationFailed):
    code = "invalid_grade"
    message = _("This grade does not fit the class's grading scale.")


class NumberInVerbal(InvalidGrade):
    code = "number_in_verbal"
    message = _("Grades 1–2 (and verbal subjects) are assessed in words, not numbers.")


class PointsOutOfRange(InvalidGrade):
    code = "points_out_of_range"
    message = _("A grade on the 12-point scale is a whole number from 1 to 12.")


class UnknownLevel(InvalidGrade):
    code = "unknown_level"
    message = _("Use a level: початковий, середній, достатній or високий.")


class AbsenceNotHere(InvalidGrade):
    code = "absence_not_here"
    message = _("An absence (“н”) is marked at a lesson, not in a thematic or final column.")


def scale_of(lesson: Lesson, scales: dict[str, tuple[str, str]] | None = None) -> str:
    """Return the scale of a column: its class's band, core subject or not."""
    school_class = lesson.assignment.school_class
    band = school_class.band
    if scales is None:
        scales = scales_for_year(school_class.year_id)
    core, other = scales.get(band, DEFAULT_SCALES[band])
    return core if lesson.assignment.subject.is_core else other


def scales_for_year(year_id: int) -> dict[str, tuple[str, str]]:
    rows = GradingScale.objects.filter(year_id=year_id).values_list(
        "band", "core_scale", "other_scale"
    )
    found = dict(DEFAULT_SCALES)
    found.update({band: (core, other) for band, core, other in rows})
    return found


def clean(value: str, *, scale: str, kind: str) -> tuple[str, bool]:
    """Return (value, absent) for what a teacher typed, or raise InvalidGrade."""
    if not isinstance(value, str) or "\x00" in value:
        raise InvalidGrade()
    text = " ".join(value.split())
    if not text:
        return "", False
    lowered = text.lower()
    if lowered in (ABSENT, "h", "n"):  # Latin look-alikes typed on an English keyboard
        if kind != Lesson.Kind.LESSON:
            raise AbsenceNotHere()
        return "", True
    if lowered in MARKS:
        return MARKS[lowered], False
    if scale == Scale.POINTS:
        if not text.isdigit() or not 1 <= int(text) <= 12:
            raise PointsOutOfRange()
        return str(int(text)), False
    if scale == Scale.LEVELS:
        if lowered not in LEVELS:
            raise UnknownLevel()
        return LEVELS[lowered], False
    # Verbal: words, never a number.
    if NUMBER.match(text) or any(ch.isdigit() for ch in text) and len(text) <= 3:
        raise NumberInVerbal()
    if len(text) > VERBAL_MAX:
        raise InvalidGrade()
    return text, False


def numeric(value: str) -> int | None:
    """Return the points of a 12-point grade, else None (levels and words average nothing)."""
    return int(value) if value.isdigit() else None
