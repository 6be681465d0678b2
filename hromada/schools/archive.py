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


def purge_expired_archives(*, today=None) -> int:
    """
    Remove the archives kept past their retention; return how many went.

    `keep_until` is fixed when an archive is made, from the school's
    retention setting then. Each removal leaves an audit entry with the
    manifest's digests, so the log still proves what was kept and for how
    long. Idempotent: a second run finds nothing to remove.
    """
    today = today or timezone.localdate()
    removed = 0
    due = ClassArchive.objects.filter(keep_until__lt=today).values_list("pk", flat=True)
    for pk in list(due.iterator()):
        with transaction.atomic():
            found = (
                ClassArchive.objects.select_for_update()
                .filter(pk=pk, keep_until__lt=today)
                .select_related("school_class__year", "community")
                .first()
            )
            if found is None:
                continue  # another scheduler run took it
            files = [found.pdf, found.csv]
            audit.record(
                actor=None,
                action="schools_archive.expired",
                target=found,
                before={
                    "school_class": found.school_class_id,
                    "year": found.school_class.year.name,
                    "created_at": found.created_at.isoformat(),
                    "keep_until": found.keep_until.isoformat(),
                    "manifest": found.manifest,
                },
            )
            found.delete()
            names = [stored.name for stored in files if stored.name]
            storage = found.pdf.storage
            # Files go only once the row is gone for good: a rollback keeps both.
            transaction.on_commit(
                lambda names=names, storage=storage: [storage.delete(n) for n in names]
            )
            removed += 1
    return removed
