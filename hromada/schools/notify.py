"""
Messages the schools module sends: one daily digest per parent, absence alerts to heads.

Both run from the scheduler and are idempotent: a digest is one row per parent
and day (unique), an alert one row per pupil and run of absence (unique), so a
second run the same day sends nothing again.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from hromada.core.calendar import _exceptions
from hromada.core.models import CalendarDay, Community
from hromada.core.notifications import notify
from hromada.schools.models import (
    AbsenceAlert,
    Digest,
    Enrolment,
    Entry,
    Guardianship,
    Lesson,
    Notice,
    Pupil,
    School,
    SchoolStaff,
)

DIGEST_HOUR = 18


def send_digests(now: datetime | None = None) -> dict:
    """After 18:00 local time, send each opted-in parent one digest of the last day."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < DIGEST_HOUR:
        return {"sent": 0}
    since = timezone.make_aware(
        datetime.combine(local.date() - timedelta(days=1), time(DIGEST_HOUR))
    )
    links = (
        Guardianship.objects.filter(blocked_at__isnull=True)
        .exclude(notify_grades=False, notify_absences=False, notify_homework=False)
        .select_related("pupil", "guardian")
    )
    by_parent = defaultdict(list)
    for link in links:
        by_parent[link.community_id, link.guardian].append(link)
    sent = 0
    for (community_id, parent), parent_links in by_parent.items():
        children = []
        for link in parent_links:
            items = _items(link, since, now)
            if items:
                children.append({"pupil": link.pupil.full_name, "items": items})
        if not children:
            continue
        try:
            with transaction.atomic():
                Digest.objects.create(
                    community_id=community_id,
                    resident=parent,
                    day=local.date(),
                    items=sum(len(c["items"]) for c in children),
                )
                notify(
                    parent,
                    "schools/digest",
                    community=Community.objects.get(pk=community_id),
                    children=children,
                )
        except IntegrityError:
            continue  # sent already today
        sent += 1
    return {"sent": sent}


def _items(link: Guardianship, since, now) -> list[str]:
    pupil = link.pupil
    items = []
    entries = (
        Entry.objects.filter(pupil=pupil, changed_at__gt=since, changed_at__lte=now)
        .select_related("lesson__assignment__subject")
        .order_by("lesson__date")
    )
    for entry in entries:
        subject = entry.lesson.assignment.subject.name
        if entry.absent and link.notify_absences:
            items.append(f"{entry.lesson.date:%d.%m} {subject}: н")
        elif entry.value and link.notify_grades:
            items.append(f"{entry.lesson.date:%d.%m} {subject}: {entry.value}")
    if link.notify_homework:
        classes = Enrolment.objects.filter(pupil=pupil).values("school_class_id")
        for lesson in (
            Lesson.objects.filter(
                assignment__school_class_id__in=classes,
                updated_at__gt=since,
                updated_at__lte=now,
            )
            .exclude(homework="")
            .select_related("assignment__subject")
        ):
            items.append(f"{lesson.assignment.subject.name}: {lesson.homework[:200]}")
        for notice in Notice.objects.filter(
            school_id=pupil.school_id, created_at__gt=since, created_at__lte=now
        ):
            items.append(notice.title)
    return items


def absence_alerts(today=None) -> dict:
    """Alert heads once per run of unexplained absence that reached the school's limit."""
    today = today or timezone.localdate()
    made = 0
    for school in School.objects.all():
        limit = school.absence_alert_days
        start = today - timedelta(days=limit * 2 + 30)
        exceptions = _exceptions(Community(pk=school.community_id), start, today)
        working = [
            start + timedelta(days=n)
            for n in range((today - start).days + 1)
            if (
                (exceptions.get(start + timedelta(days=n)) == CalendarDay.Kind.WORKING)
                if exceptions.get(start + timedelta(days=n))
                else (start + timedelta(days=n)).weekday() < 5
            )
        ]
        days = defaultdict(dict)  # pupil -> day -> every entry unexplained absence?
        rows = Entry.objects.filter(
            lesson__assignment__school_class__school=school,
            lesson__date__range=(start, today),
            lesson__kind=Lesson.Kind.LESSON,
        ).values_list("pupil_id", "lesson__date", "absent", "reason")
        for pupil_id, day, absent, reason in rows.iterator(chunk_size=5000):
            bad = absent and not reason
            days[pupil_id][day] = days[pupil_id].get(day, True) and bad
        for pupil_id, marks in days.items():
            run, run_start = 0, None
            for day in reversed(working):
                if day not in marks:
                    continue
                if not marks[day]:
                    break
                run, run_start = run + 1, day
            if run < limit:
                continue
            try:
                with transaction.atomic():
                    AbsenceAlert.objects.create(
                        community_id=school.community_id,
                        pupil_id=pupil_id,
                        run_started_on=run_start,
                        days=run,
                    )
            except IntegrityError:
                continue
            made += 1
            pupil = Pupil.objects.get(pk=pupil_id)
            community = Community.objects.get(pk=school.community_id)
            heads = SchoolStaff.objects.filter(
                school=school, role__in=["director", "deputy"]
            ).select_related("resident")
            for head in heads:
                notify(
                    head.resident,
                    "schools/absence_alert",
                    community=community,
                    pupil=pupil.full_name,
                    school=school.name,
                    days=run,
                    since=run_start,
                )
    return {"alerts": made}
