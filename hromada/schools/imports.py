"""
Imports from CSV or XLSX, as schools export them from their registers: all or nothing.

Pupils: columns class, pupil, birth_date, parent_email, parent_name (a header
row names them; Ukrainian names are accepted too). A repeated row is refused
with its line number, and nothing is stored. A plan: number, date, topic.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from hromada.core import audit
from hromada.core.errors import ValidationFailed
from hromada.core.models import Identity, Resident
from hromada.schools import access
from hromada.schools.access import NotAllowed
from hromada.schools.models import (
    Assignment,
    Enrolment,
    Guardianship,
    PlanItem,
    Pupil,
    School,
    SchoolClass,
    SchoolYear,
)

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 3000
HEADERS = {
    "class": "class",
    "клас": "class",
    "pupil": "pupil",
    "учень": "pupil",
    "піб учня": "pupil",
    "birth_date": "birth_date",
    "дата народження": "birth_date",
    "parent_email": "parent_email",
    "e-mail батьків": "parent_email",
    "parent_name": "parent_name",
    "піб батьків": "parent_name",
    "number": "number",
    "№": "number",
    "date": "date",
    "дата": "date",
    "topic": "topic",
    "тема": "topic",
}


class ImportFailed(ValidationFailed):
    code = "import_failed"
    message = _("The file cannot be imported: %(problem)s")


def _fail(line: int, problem) -> ImportFailed:
    return ImportFailed(_("Line %(line)s: %(problem)s"), line=line, problem=problem)


def read_rows(upload) -> list[dict]:
    """Return the file's rows as dicts keyed by known column names; raise ImportFailed."""
    if upload is None:
        raise ImportFailed(problem=_("choose a file"))
    if upload.size > MAX_BYTES:
        raise ImportFailed(problem=_("the file is larger than 2 MB"))
    data = upload.read()
    name = (upload.name or "").lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # a broken or disguised file
            raise ImportFailed(problem=_("this is not a readable XLSX file")) from None
        raw = [
            ["" if cell is None else cell for cell in row]
            for row in book.worksheets[0].iter_rows(values_only=True, max_row=MAX_ROWS + 2)
        ]
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFailed(problem=_("save the CSV file in UTF-8")) from None
        if "\x00" in text:
            raise ImportFailed(problem=_("the file contains characters that are not allowed"))
        dialect = ";" if text[:500].count(";") > text[:500].count(",") else ","
        raw = list(csv.reader(io.StringIO(text), delimiter=dialect))
    if not raw:
        raise ImportFailed(problem=_("the file is empty"))
    if len(raw) > MAX_ROWS + 1:
        raise ImportFailed(problem=_("more than 3000 rows"))
    header = [HEADERS.get(str(cell).strip().lower(), "") for cell in raw[0]]
    rows = []
    for values in raw[1:]:
        if not any(str(v).strip() for v in values):
            continue
        rows.append({key: values[i] for i, key in enumerate(header) if key and i < len(values)})
    return rows


def _date(value, line: int) -> date | None:
    if value in ("", None):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            found = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if 1990 <= found.year <= 2100:
            return found
    raise _fail(
        line, _("the date “%(value)s” is not a date (use 31.12.2015)") % {"value": text[:20]}
    )


def _class_name(value, line: int) -> tuple[int, str]:
    text = str(value).strip().replace(" ", "").replace("–", "-")
    grade, _dash, letter = text.partition("-")
    if not grade.isdigit() or not 1 <= int(grade) <= 11 or len(letter) > 2:
        raise _fail(line, _("the class “%(value)s” is not like 7-А") % {"value": text[:10]})
    return int(grade), letter.upper()


@transaction.atomic
def import_pupils(*, actor: Resident, school: School, year: SchoolYear, upload) -> int:
    """Import pupils, classes and parents' links; a duplicate row refuses the whole file."""
    if not access.is_head(actor, school) or year.school_id != school.pk:
        raise NotAllowed()
    rows = read_rows(upload)
    seen = {}
    parsed = []
    for line, row in enumerate(rows, start=2):
        name = " ".join(str(row.get("pupil", "")).split())
        if not name or len(name) > 200:
            raise _fail(line, _("the pupil's name is missing or too long"))
        grade, letter = _class_name(row.get("class", ""), line)
        born = _date(row.get("birth_date"), line)
        email = str(row.get("parent_email", "")).strip().lower()[:254]
        if email and ("@" not in email or " " in email):
            raise _fail(line, _("“%(value)s” is not an e-mail address") % {"value": email[:60]})
        key = (name.lower(), born, grade, letter, email)
        if key in seen:
            raise _fail(
                line, _("the same row as line %(other)s (duplicate)") % {"other": seen[key]}
            )
        seen[key] = line
        parsed.append(
            (line, name, grade, letter, born, email, str(row.get("parent_name", ""))[:200])
        )
    if not parsed:
        raise ImportFailed(problem=_("no rows to import"))
    community_id = school.community_id
    classes = {(c.grade, c.letter): c for c in SchoolClass.objects.filter(year=year)}
    pupils = {(p.full_name.lower(), p.birth_date): p for p in Pupil.objects.filter(school=school)}
    count = 0
    for _line, name, grade, letter, born, email, parent_name in parsed:
        if not school.lowest_grade <= grade <= school.highest_grade:
            raise _fail(_line, _("the school has no grade %(grade)s") % {"grade": grade})
        school_class = classes.get((grade, letter))
        if school_class is None:
            school_class = classes[grade, letter] = SchoolClass.objects.create(
                community_id=community_id, school=school, year=year, grade=grade, letter=letter
            )
        pupil = pupils.get((name.lower(), born))
        if pupil is None:
            pupil = pupils[name.lower(), born] = Pupil.objects.create(
                community_id=community_id, school=school, full_name=name, birth_date=born
            )
            count += 1
        Enrolment.objects.get_or_create(
            pupil=pupil,
            school_class=school_class,
            defaults={"community_id": community_id, "enrolled_on": year.starts_on},
        )
        if email:
            parent = Resident.objects.filter(email=email).first()
            if parent is None:
                parent = Resident.objects.create_user(
                    email,
                    None,
                    full_name=" ".join(parent_name.split()),
                    identity_level=Identity.NONE,
                )
            Guardianship.objects.get_or_create(
                pupil=pupil, guardian=parent, defaults={"community_id": community_id}
            )
    audit.record(
        actor=actor, action="schools_pupils.imported", target=school, after={"rows": len(parsed)}
    )
    return count


@transaction.atomic
def import_plan(*, actor: Resident, assignment: Assignment, upload) -> int:
    """Replace an assignment's calendar-thematic plan with the file's lines."""
    if assignment.teacher_id != actor.pk and not access.is_head(
        actor, assignment.school_class.school
    ):
        raise NotAllowed()
    rows = read_rows(upload)
    items, seen = [], set()
    for line, row in enumerate(rows, start=2):
        topic = " ".join(str(row.get("topic", "")).split())
        if not topic or len(topic) > 300:
            raise _fail(line, _("the topic is missing or too long"))
        number = str(row.get("number", "")).strip() or str(len(items) + 1)
        if not number.isdigit() or not 1 <= int(number) <= 1000:
            raise _fail(line, _("the number is not a number from 1 to 1000"))
        if int(number) in seen:
            raise _fail(line, _("the number %(n)s is repeated (duplicate)") % {"n": number})
        seen.add(int(number))
        items.append(
            PlanItem(
                community_id=assignment.community_id,
                assignment=assignment,
                position=int(number),
                planned_on=_date(row.get("date"), line),
                topic=topic,
            )
        )
    if not items:
        raise ImportFailed(problem=_("no rows to import"))
    PlanItem.objects.filter(assignment=assignment).delete()
    PlanItem.objects.bulk_create(items)
    return len(items)
