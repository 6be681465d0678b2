"""
Checking a survey response: question types, required answers and conditions.

A value arrives as JSON (API) or is parsed from a form (page) into the same
shape, keyed by the question's position:

    single, scale            option index / whole number
    multiple                 [option indexes]
    ranking                  [option indexes, most preferred first]
    number                   number
    date                     "YYYY-MM-DD"
    short, long              text
    matrix_single            {row index: option index}
    matrix_multiple          {row index: [option indexes]}

A question is shown when its condition holds on the answers to the questions
before it; a hidden question's answer is dropped and it never blocks.
"""

from __future__ import annotations

import math
from datetime import date

from django.utils.translation import gettext as _

from hromada.consultations.models import Answer, Question
from hromada.core.errors import ValidationFailed

K = Question.Kind
SHORT_MAX = 300
LONG_MAX = 5000
TESTS = ("answered", "equals", "not_equals", "any_of")


# A survey's questions are fixed once it opens (they are added only to a draft
# or an announced one, and the back office shows them read-only): each worker
# keeps them, so answering reads no question rows. The key holds the random
# uid, so a reused primary key never finds another survey's questions.
_FIXED: dict[tuple, tuple[Question, ...]] = {}
_FIXED_MAX = 256


def questions_of(consultation) -> list[Question]:
    """Return the survey's questions in order; read once per worker after it opens."""
    if consultation.status in (consultation.Status.DRAFT, consultation.Status.ANNOUNCED):
        return list(consultation.questions.all())
    key = (consultation.pk, consultation.uid)
    questions = _FIXED.get(key)
    if questions is None:
        questions = tuple(consultation.questions.all())
        if len(_FIXED) >= _FIXED_MAX:
            _FIXED.clear()
        _FIXED[key] = questions
    return list(questions)


def _given(value) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | dict):
        return bool(value)
    return True


def _chosen(value) -> set[int]:
    """Return the option indexes a value holds (single, multiple, ranking)."""
    if isinstance(value, list):
        return {item for item in value if isinstance(item, int)}
    if isinstance(value, int) and not isinstance(value, bool):
        return {value}
    return set()


def rule_holds(rule: dict, values: dict) -> bool:
    value = values.get(rule.get("question"))
    test = rule.get("test")
    if test == "answered":
        return _given(value)
    expected = rule.get("value")
    chosen = _chosen(value)
    if test == "equals":
        return _given(value) and (chosen == {expected} if chosen else value == expected)
    if test == "not_equals":
        return not (_given(value) and (chosen == {expected} if chosen else value == expected))
    if test == "any_of":
        wanted = set(expected) if isinstance(expected, list) else {expected}
        return bool(chosen & wanted)
    return True


def is_shown(question: Question, values: dict) -> bool:
    """Return whether the question's condition holds (no condition: always shown)."""
    condition = question.condition or {}
    rules = condition.get("rules") or []
    if not rules:
        return True
    results = [rule_holds(rule, values) for rule in rules]
    return any(results) if condition.get("join") == "or" else all(results)


def _index(value, options: list, errors: dict, field: str):
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < len(options):
        errors[field] = _("Choose one of the options offered.")
        return None
    return value


def _indexes(value, options: list, errors: dict, field: str) -> list[int] | None:
    if not isinstance(value, list) or len(value) > len(options):
        errors[field] = _("Choose from the options offered.")
        return None
    picked = []
    for item in value:
        index = _index(item, options, errors, field)
        if index is None:
            return None
        if index in picked:
            errors[field] = _("Each option may be chosen once.")
            return None
        picked.append(index)
    return picked


def _clean_one(question: Question, value, errors: dict) -> list[tuple] | None:
    """Return the answer rows (see `clean_values`) for one value, or None with the error noted."""
    field = str(question.position)
    options = question.options or []
    kind = question.kind
    pk = question.pk
    made = []
    if kind == K.SINGLE:
        index = _index(value, options, errors, field)
        if index is not None:
            made.append((pk, None, index, None, None, ""))
    elif kind == K.MULTIPLE:
        picked = _indexes(value, options, errors, field)
        made += [(pk, None, index, None, None, "") for index in picked or []]
    elif kind == K.RANKING:
        picked = _indexes(value, options, errors, field)
        made += [
            (pk, None, index, float(rank), None, "")
            for rank, index in enumerate(picked or [], start=1)
        ]
    elif kind in (K.SCALE, K.NUMBER):
        try:
            number = float(value) if not isinstance(value, bool) else None
        except (TypeError, ValueError):
            number = None
        low = question.minimum if question.minimum is not None else -1e12
        high = question.maximum if question.maximum is not None else 1e12
        if number is None or not math.isfinite(number) or not low <= number <= high:
            errors[field] = _("Enter a number from %(low)s to %(high)s.") % {
                "low": f"{low:g}",
                "high": f"{high:g}",
            }
        elif kind == K.SCALE and number != int(number):
            errors[field] = _("Choose a whole point of the scale.")
        else:
            option = int(number) if kind == K.SCALE else None
            made.append((pk, None, option, number, None, ""))
    elif kind == K.DATE:
        try:
            day = date.fromisoformat(str(value)[:10])
        except ValueError:
            day = None
        if day is None or not date(1900, 1, 1) <= day <= date(2199, 12, 31):
            errors[field] = _("Enter a date.")
        else:
            made.append((pk, None, None, None, day, ""))
    elif kind in (K.SHORT, K.LONG):
        text = str(value).replace("\x00", "").strip()
        limit = SHORT_MAX if kind == K.SHORT else LONG_MAX
        if len(text) > limit:
            errors[field] = _("At most %(max)d characters, please.") % {"max": limit}
        else:
            made.append((pk, None, None, None, None, text))
    elif kind in (K.MATRIX_SINGLE, K.MATRIX_MULTIPLE):
        rows = question.rows or []
        if not isinstance(value, dict):
            errors[field] = _("Answer row by row.")
            return None
        for key, cell in value.items():
            try:
                row = int(key)
            except (TypeError, ValueError):
                row = -1
            if not 0 <= row < len(rows):
                errors[field] = _("Answer the rows offered.")
                return None
            if kind == K.MATRIX_SINGLE:
                index = _index(cell, options, errors, field)
                if index is None:
                    return None
                made.append((pk, row, index, None, None, ""))
            else:
                picked = _indexes(cell, options, errors, field)
                if picked is None:
                    return None
                made += [(pk, row, index, None, None, "") for index in picked]
        if question.required and kind == K.MATRIX_SINGLE and len(value) < len(rows):
            errors[field] = _("Answer every row.")
            return None
    return None if field in errors else made


def clean_answers(questions: list[Question], answers: dict) -> list[Answer]:
    """
    Return the Answer rows of a complete, valid response, or raise
    ValidationFailed naming each question at fault (by its position).
    """
    by_pk = {question.pk: question for question in questions}
    return [
        Answer(question=by_pk[pk], row=row, option=option, number=number, day=day, text=text)
        for pk, row, option, number, day, text in clean_values(questions, answers)
    ]


def clean_values(questions: list[Question], answers: dict) -> list[tuple]:
    """
    Return the rows of a complete, valid response as plain tuples
    (question id, row, option, number, day, text), or raise ValidationFailed
    naming each question at fault (by its position).

    The same checks as `clean_answers` without a model instance per row: the
    service writes these with one INSERT.
    """
    if not isinstance(answers, dict):
        raise ValidationFailed(fields={"answers": _("Send the answers by question.")})
    values = {}
    for key, value in answers.items():
        try:
            values[int(key)] = value
        except (TypeError, ValueError):
            raise ValidationFailed(fields={"answers": _("Unknown question.")}) from None
    known = {question.position for question in questions}
    unknown = set(values) - known
    if unknown:
        raise ValidationFailed(fields={str(min(unknown)): _("There is no such question.")})
    errors: dict[str, str] = {}
    rows: list[tuple] = []
    shown_values: dict[int, object] = {}
    for question in sorted(questions, key=lambda q: q.position):
        if not is_shown(question, shown_values):
            continue  # hidden: its answer is dropped and it never blocks
        value = values.get(question.position)
        if not _given(value):
            if question.required:
                errors[str(question.position)] = _("This question needs an answer.")
            continue
        made = _clean_one(question, value, errors)
        if made is not None:
            rows += made
            shown_values[question.position] = value
    if errors:
        raise ValidationFailed(fields=errors)
    return rows


def parse_form(questions: list[Question], data) -> dict:
    """Return the answers of a posted survey form in the shape `clean_answers` takes."""
    answers: dict[int, object] = {}
    for question in questions:
        name = f"q{question.position}"
        kind = question.kind
        if kind in (K.SINGLE, K.SCALE, K.NUMBER, K.DATE, K.SHORT, K.LONG):
            raw = data.get(name, "")[: LONG_MAX + 10]
            if raw.strip() == "":
                continue
            if kind == K.SINGLE:
                answers[question.position] = int(raw) if raw.isdigit() else raw
            else:
                answers[question.position] = raw
        elif kind == K.MULTIPLE:
            picked = [int(v) if v.isdigit() else v for v in data.getlist(name)[:100]]
            if picked:
                answers[question.position] = picked
        elif kind == K.RANKING:
            ranks = []
            for index in range(len(question.options or [])):
                raw = data.get(f"{name}_{index}", "")
                if raw.isdigit():
                    ranks.append((int(raw), index))
            if ranks:
                answers[question.position] = [index for _rank, index in sorted(ranks)]
        elif kind in (K.MATRIX_SINGLE, K.MATRIX_MULTIPLE):
            cells = {}
            for row in range(len(question.rows or [])):
                key = f"{name}_r{row}"
                if kind == K.MATRIX_SINGLE:
                    raw = data.get(key, "")
                    if raw != "":
                        cells[row] = int(raw) if raw.isdigit() else raw
                else:
                    picked = [int(v) if v.isdigit() else v for v in data.getlist(key)[:100]]
                    if picked:
                        cells[row] = picked
            if cells:
                answers[question.position] = cells
    return answers


def check_question(question: Question, earlier: set[int]) -> dict:
    """Return errors in a question's set-up (options, bounds, condition)."""
    errors = {}
    if question.kind in Question.CHOICE and len(question.options or []) < 2:
        errors["options"] = _("Offer at least two options.")
    if question.kind in (K.MATRIX_SINGLE, K.MATRIX_MULTIPLE) and not question.rows:
        errors["rows"] = _("Add the matrix rows.")
    if question.kind == K.SCALE and (question.minimum is None or question.maximum is None):
        errors["maximum"] = _("Set the scale's lowest and highest points.")
    for rule in (question.condition or {}).get("rules") or []:
        if rule.get("question") not in earlier or rule.get("test") not in TESTS:
            errors["condition"] = _("A condition may refer only to an earlier question.")
    return errors
