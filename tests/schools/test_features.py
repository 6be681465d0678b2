"""Absence notes, digests, alerts, imports, timetable, archive and reports."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hromada.core.errors import IdentityRequired
from hromada.core.models import Identity, Notification
from hromada.schools import archive, imports, notify, services, timetable
from hromada.schools.models import (
    AbsenceAlert,
    AbsenceNote,
    ClassArchive,
    Digest,
    Entry,
    Guardianship,
    Lesson,
    PlanItem,
    Pupil,
    SchoolClass,
    SchoolStaff,
    TimetableSlot,
)
from tests.factories import client_for, make_resident
from tests.schools.conftest import working_days_ago

pytestmark = pytest.mark.django_db


def test_a_parent_explains_an_absence_and_the_class_teacher_accepts(world):
    lesson = world.lesson(day=working_days_ago(1))
    child = world.pupils[0]
    services.save_cells(actor=world.teacher, lesson=lesson, values={child.pk: "н"})
    note = services.file_absence_note(
        guardian=world.parent,
        pupil=child,
        starts_on=lesson.date,
        ends_on=lesson.date,
        reason="illness",
        text="Температура",
    )
    with pytest.raises(services.SchoolNotFound):
        services.decide_absence_note(actor=world.other_teacher, note=note, accept=True)
    services.decide_absence_note(actor=world.class_teacher, note=note, accept=True)
    assert Entry.objects.get(lesson=lesson, pupil=child).reason == "illness"
    assert AbsenceNote.objects.get(pk=note.pk).status == "accepted"


def test_an_absence_note_needs_strong_identity_and_own_child(world):
    weak = make_resident(world.community, level=Identity.EMAIL)
    Guardianship.objects.create(community=world.community, pupil=world.pupils[1], guardian=weak)
    today = timezone.localdate()
    with pytest.raises(IdentityRequired):
        services.file_absence_note(
            guardian=weak, pupil=world.pupils[1], starts_on=today, ends_on=today, reason="illness"
        )
    with pytest.raises(services.SchoolNotFound):
        services.file_absence_note(
            guardian=world.parent,
            pupil=world.pupils[1],
            starts_on=today,
            ends_on=today,
            reason="illness",
        )
    with pytest.raises(services.ValidationFailed):
        services.file_absence_note(
            guardian=world.parent,
            pupil=world.pupils[0],
            starts_on=today,
            ends_on=today - timedelta(days=2),
            reason="illness",
        )
    assert not AbsenceNote.objects.exists()


def test_one_digest_a_day_even_if_the_job_runs_twice(world):
    link = world.parent.guardianships.get(pupil=world.pupils[0])
    services.set_notifications(
        guardian=world.parent, pupil=world.pupils[0], grades=True, absences=True, homework=False
    )
    lesson = world.lesson()
    services.save_cells(actor=world.teacher, lesson=lesson, values={world.pupils[0].pk: "11"})
    evening = timezone.localtime() + timedelta(minutes=1)
    if evening.hour < notify.DIGEST_HOUR:
        evening = timezone.make_aware(datetime.combine(evening.date(), time(20)))
    assert notify.send_digests(now=evening) == {"sent": 1}
    assert notify.send_digests(now=evening) == {"sent": 0}
    assert Digest.objects.filter(resident=world.parent).count() == 1
    message = Notification.objects.filter(resident=world.parent, event="schools/digest").first()
    assert "11" in message.body
    link.refresh_from_db()
    assert link.notify_grades


def test_ten_working_days_of_unexplained_absence_alert_the_heads_once(world):
    child = world.pupils[0]
    for days_ago in range(10, 0, -1):
        lesson = Lesson.objects.create(
            community=world.community,
            assignment=world.maths7,
            term=world.term,
            date=working_days_ago(days_ago),
        )
        Entry.objects.create(
            community=world.community,
            lesson=lesson,
            pupil=child,
            absent=True,
            changed_at=timezone.now(),
            changed_by=world.teacher,
        )
    assert notify.absence_alerts() == {"alerts": 1}
    assert notify.absence_alerts() == {"alerts": 0}
    assert AbsenceAlert.objects.get().pupil == child
    assert Notification.objects.filter(
        resident=world.director, event="schools/absence_alert"
    ).exists()


def upload(name, text):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_pupils_import_all_or_nothing_and_a_duplicate_row_is_named(world):
    good = (
        "клас,учень,дата народження,e-mail батьків\n8-Б,Нова Учениця,01.02.2012,mama@example.test\n"
    )
    assert (
        imports.import_pupils(
            actor=world.director, school=world.school, year=world.year, upload=upload("a.csv", good)
        )
        == 1
    )
    assert SchoolClass.objects.filter(year=world.year, grade=8, letter="Б").exists()
    pupil = Pupil.objects.get(full_name="Нова Учениця")
    assert pupil.guardians.get().guardian.email == "mama@example.test"
    duplicate = (
        "клас,учень,дата народження\n9-А,Перший Учень,01.02.2011\n9-А,Другий Учень,01.02.2011\n"
        "9-А,Перший Учень,01.02.2011\n"
    )
    with pytest.raises(imports.ImportFailed) as error:
        imports.import_pupils(
            actor=world.director,
            school=world.school,
            year=world.year,
            upload=upload("b.csv", duplicate),
        )
    assert "4" in str(error.value) and "2" in str(error.value)
    assert not Pupil.objects.filter(full_name="Другий Учень").exists()
    with pytest.raises(services.NotAllowed):
        imports.import_pupils(
            actor=world.teacher, school=world.school, year=world.year, upload=upload("a.csv", good)
        )


def test_a_plan_imports_from_xlsx(world):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["№", "дата", "тема"])
    sheet.append([1, "01.09.2026", "Повторення"])
    sheet.append([2, None, "Дроби"])
    buffer = io.BytesIO()
    book.save(buffer)
    file = SimpleUploadedFile("plan.xlsx", buffer.getvalue())
    assert imports.import_plan(actor=world.teacher, assignment=world.maths7, upload=file) == 2
    assert list(PlanItem.objects.values_list("position", flat=True)) == [1, 2]


def test_manual_timetable_refuses_clashes(world):
    services.set_slot(actor=world.director, assignment=world.maths7, weekday=1, period=2, room=None)
    with pytest.raises(services.TimetableClash):  # the same class
        services.set_slot(
            actor=world.director, assignment=world.art7, weekday=1, period=2, room=None
        )
    with pytest.raises(services.TimetableClash):  # the same teacher, another class
        services.set_slot(
            actor=world.director, assignment=world.maths2, weekday=1, period=2, room=None
        )
    assert TimetableSlot.objects.count() == 1


def test_generated_timetable_has_no_clashes():
    needs = [
        timetable.Need(key=c * 10 + s, group=c, teacher=(c + s) % 6, hours=3)
        for c in range(6)
        for s in range(5)
    ]
    plan = timetable.solve(needs, rooms=[1, 2, 3, 4, 5, 6], periods=6, seconds=20)
    assert plan is not None
    assert timetable.clashes(plan, needs) == 0
    assert len(plan) == sum(need.hours for need in needs)


def test_the_archive_has_a_manifest_that_matches_its_files(world):
    lesson = world.lesson(topic="=1+1 <b>тема</b>")
    services.save_cells(actor=world.teacher, lesson=lesson, values={world.pupils[0].pk: "10"})
    with pytest.raises(services.NotAllowed):
        archive.make_archive(actor=world.class_teacher, school_class=world.seventh)
    made = archive.make_archive(actor=world.director, school_class=world.seventh)
    pdf, csv = made.pdf.read(), made.csv.read()
    assert pdf.startswith(b"%PDF")
    assert b"'=1+1" in csv
    assert hashlib.sha256(pdf).hexdigest() in made.manifest
    assert hashlib.sha256(csv).hexdigest() in made.manifest
    client = client_for(world.director)
    assert client.get(f"/schools/archives/{made.pk}/pdf/").status_code == 200
    assert (
        client_for(world.class_teacher).get(f"/schools/archives/{made.pk}/pdf/").status_code == 404
    )
    assert ClassArchive.objects.count() == 1


def test_heads_pages_and_the_semester_export(world):
    lesson = world.lesson()
    services.save_cells(actor=world.teacher, lesson=lesson, values={world.pupils[0].pk: "10"})
    client = client_for(world.director)
    assert client.get(f"/schools/schools/{world.school.pk}/").status_code == 200
    assert client.get(f"/schools/classes/{world.seventh.pk}/").status_code == 200
    sheet = client.get(f"/schools/schools/{world.school.pk}/semester.xlsx?term={world.term.pk}")
    assert sheet.status_code == 200
    assert sheet["Content-Type"].startswith("application/vnd.openxml")
    for outsider in (world.teacher, world.parent, world.department):
        assert client_for(outsider).get(f"/schools/schools/{world.school.pk}/").status_code == 404
    assert SchoolStaff.objects.filter(school=world.school).count() >= 5


def test_homework_files_reach_the_class_only(world):
    lesson = world.lesson()
    file = SimpleUploadedFile("завдання.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    teacher = client_for(world.teacher)
    url = f"/schools/journal/{world.maths7.pk}/lessons/{lesson.pk}/files/"
    assert teacher.post(url, {"file": file}).status_code == 302
    item = lesson.files.get()
    assert client_for(world.parent).get(f"/schools/files/{item.pk}/").status_code == 200
    assert client_for(world.stranger).get(f"/schools/files/{item.pk}/").status_code == 404
    assert client_for(world.other_teacher).get(f"/schools/files/{item.pk}/").status_code == 404
    script = SimpleUploadedFile("x.html", b"<script>", content_type="text/html")
    with pytest.raises(services.ValidationFailed):
        services.attach_homework(actor=world.teacher, lesson=lesson, upload=script)
    assert lesson.files.count() == 1
