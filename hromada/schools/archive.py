"""
A class's year-end archive: the whole journal as CSV and a PDF summary, with a SHA-256 manifest.

The manifest names each file with its SHA-256, so anyone holding the archive
can prove later that a file was not changed. Files go through Django's storage
(local disk or object storage) and are handed out only to the school's heads.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from hromada.core import audit, pdf
from hromada.core.exports import BOM, safe_row
from hromada.schools import access, selectors
from hromada.schools.access import NotAllowed
from hromada.schools.models import ClassArchive, Entry, SchoolClass

CSV_FIELDS = ["date", "subject", "kind", "topic", "pupil", "value", "absent"]


def journal_rows(school_class: SchoolClass):
    entries = (
        Entry.objects.filter(lesson__assignment__school_class=school_class)
        .select_related("lesson__assignment__subject", "pupil")
        .order_by("lesson__assignment__subject__name", "lesson__date", "pupil__full_name")
    )
    for entry in entries.iterator(chunk_size=2000):
        yield {
            "date": entry.lesson.date.isoformat(),
            "subject": entry.lesson.assignment.subject.name,
            "kind": entry.lesson.kind,
            "topic": entry.lesson.topic,
            "pupil": entry.pupil.full_name,
            "value": entry.value,
            "absent": "н" if entry.absent else "",
        }


def build_csv(school_class: SchoolClass) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(CSV_FIELDS)
    for row in journal_rows(school_class):
        writer.writerow(safe_row(row, CSV_FIELDS))
    return buffer.getvalue().encode("utf-8")


def build_pdf(school_class: SchoolClass) -> bytes:
    styles = pdf.styles()
    buffer = io.BytesIO()
    title = _("Class journal %(name)s, %(year)s") % {
        "name": school_class,
        "year": school_class.year.name,
    }
    _doc, build = pdf.document(buffer, title=title, footer=school_class.school.name)
    story = [
        Paragraph(pdf.text(school_class.school.name), styles["Heading2"]),
        Paragraph(pdf.text(title), styles["Title"]),
    ]
    for term in school_class.year.terms.all():
        report = selectors.class_report(school_class, term)
        story.append(
            Paragraph(pdf.text(_("Semester %(n)s") % {"n": term.number}), styles["Heading3"])
        )
        header = [_("Pupil")] + [a.subject.name[:12] for a in report["assignments"]] + [_("Absent")]
        data = [[Paragraph(pdf.text(cell), styles["Small"]) for cell in header]]
        for row in report["rows"]:
            cells = (
                [row["pupil"].full_name]
                + ["" if value is None else value for value in row["averages"]]
                + [row["absent"]]
            )
            data.append([Paragraph(pdf.text(cell), styles["Small"]) for cell in cells])
        table = Table(data, repeatRows=1)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]))
        story += [table, Spacer(1, 12)]
    build(story)
    return buffer.getvalue()


def manifest(files: dict[str, bytes]) -> str:
    return "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in files.items())


@transaction.atomic
def make_archive(*, actor, school_class: SchoolClass) -> ClassArchive:
    if not access.is_head(actor, school_class.school):
        raise NotAllowed()
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    base = f"class-{school_class.pk}-{stamp}"
    csv_data, pdf_data = build_csv(school_class), build_pdf(school_class)
    found = ClassArchive(
        community_id=school_class.community_id,
        school_class=school_class,
        manifest=manifest({f"{base}.pdf": pdf_data, f"{base}.csv": csv_data}),
        created_by=actor,
        keep_until=timezone.localdate()
        + timedelta(days=365 * school_class.school.archive_retention_years),
    )
    found.pdf.save(f"{base}.pdf", ContentFile(pdf_data), save=False)
    found.csv.save(f"{base}.csv", ContentFile(csv_data), save=False)
    found.save()
    audit.record(actor=actor, action="schools_archive.created", target=found)
    return found
