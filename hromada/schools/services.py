"""
Every state change of the schools module: the journal, locks, notes, notices, timetable.

Each function takes keyword arguments, runs in one transaction, checks who
acts (access.py), raises a translated DomainError with nothing stored, and
writes the append-only change log (JournalChange) for every journal change.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.core import audit
from hromada.core.calendar import working_days_between
from hromada.core.errors import DomainError, ValidationFailed
from hromada.core.identity import require_level
from hromada.core.models import Community, Resident
from hromada.schools import access, grading
from hromada.schools.access import NotAllowed, SchoolNotFound
from hromada.schools.models import (
    AbsenceNote,
    Assignment,
    CalendarFeed,
    Enrolment,
    Entry,
    Guardianship,
    HomeworkFile,
    JournalChange,
    Lesson,
    Notice,
    Pupil,
    Room,
    School,
    SchoolClass,
    SchoolYear,
    Substitution,
    Term,
    TimetableSlot,
    Unlock,
    new_feed_token,
)

TOPIC_MAX = 300
HOMEWORK_MAX = 2000
REASON_MAX = 300
NOTE_MAX_DAYS = 60
UNLOCK_MAX_HOURS = 24 * 7


class JournalLocked(DomainError):
    code = "journal_locked"
    status = 409
    message = _(
        "This lesson's journal is locked: edits close %(days)s school days after the lesson. "
        "Ask the deputy director to unlock it."
    )


class TermClosed(DomainError):
    code = "term_closed"
    status = 409
    message = _("The semester is closed: its journal is frozen.")


class PupilNotInClass(ValidationFailed):
    code = "pupil_not_in_class"
    message = _("A grade can be given only to a pupil of this class.")


class NotYourAssignment(NotAllowed):
    code = "not_your_assignment"
    message = _(
        "You can write only to your own class subjects or to a substitution recorded for you."
    )


class LessonInFuture(ValidationFailed):
    code = "lesson_in_future"
    message = _("Grades and absences are entered on the day of the lesson or later.")


class OutsideYear(ValidationFailed):
    code = "outside_year"
    message = _("The date is outside the school year's semesters.")


class TimetableClash(ValidationFailed):
    code = "timetable_clash"
    message = _("Timetable clash: %(what)s already has a lesson at that time.")


class BadText(ValidationFailed):
    code = "bad_text"
    message = _("The text is too long or contains characters that are not allowed.")


def _text(value, limit: int) -> str:
    value = "" if value is None else str(value)
    if "\x00" in value or len(value) > limit:
        raise BadText()
    return value.strip()


# Locks -------------------------------------------------------------------------


def term_of(assignment: Assignment, day: date) -> Term:
    found = Term.objects.filter(
        year_id=assignment.school_class.year_id, starts_on__lte=day, ends_on__gte=day
    ).first()
    if found is None:
        raise OutsideYear()
    return found


def _unlocked(assignment: Assignment, day: date, now: datetime) -> bool:
    return Unlock.objects.filter(
        assignment=assignment, date_from__lte=day, date_to__gte=day, expires_at__gt=now
    ).exists()


def is_locked(lesson: Lesson, *, today: date | None = None, now: datetime | None = None) -> bool:
    """Return whether a column's cells may no longer be edited (term frozen or N days past)."""
    now = now or timezone.now()
    today = today or timezone.localdate()
    if lesson.term.closed_at is not None:
        return True
    school = lesson.assignment.school_class.school
    community = Community(pk=lesson.community_id)
    past = working_days_between(lesson.date, today, community=community)
    if past <= school.lock_days:
        return False
    return not _unlocked(lesson.assignment, lesson.date, now)


def check_open(lesson: Lesson, *, today: date | None = None, now: datetime | None = None) -> None:
    if lesson.term.closed_at is not None:
        raise TermClosed()
    if is_locked(lesson, today=today, now=now):
        raise JournalLocked(days=lesson.assignment.school_class.school.lock_days)


# Lessons -----------------------------------------------------------------------


def _lesson_row(lesson: Lesson) -> str:
    return f"{lesson.topic}\n{lesson.homework}".strip()


@transaction.atomic
def save_lesson(
    *,
    actor: Resident,
    assignment: Assignment,
    day: date,
    period: int = 1,
    kind: str = Lesson.Kind.LESSON,
    topic: str = "",
    homework: str = "",
    lesson: Lesson | None = None,
) -> Lesson:
    """Create a journal column or change its topic and homework (logged)."""
    topic, homework = _text(topic, TOPIC_MAX), _text(homework, HOMEWORK_MAX)
    if kind not in Lesson.Kind.values or not 1 <= int(period) <= 10:
        raise ValidationFailed()
    if lesson is not None:
        day = lesson.date
    if not access.writes_on(actor, assignment, day):
        raise NotYourAssignment()
    now = timezone.now()
    if lesson is None:
        term = term_of(assignment, day)
        if term.closed_at is not None:
            raise TermClosed()
        lesson = Lesson(
            community_id=assignment.community_id,
            assignment=assignment,
            term=term,
            kind=kind,
            date=day,
            period=period,
        )
        old = ""
    else:
        lesson = Lesson.objects.select_for_update().select_related("term").get(pk=lesson.pk)
        lesson.assignment = assignment
        check_open(lesson)
        old = _lesson_row(lesson)
    lesson.topic, lesson.homework = topic, homework
    try:
        with transaction.atomic():
            lesson.save()
    except IntegrityError:
        raise ValidationFailed(
            _("There is already a column for this date and lesson number.")
        ) from None
    new = _lesson_row(lesson)
    if new != old:
        JournalChange.objects.create(
            community_id=lesson.community_id,
            kind=JournalChange.Kind.LESSON,
            lesson=lesson,
            assignment=assignment,
            old_value=old,
            new_value=new,
            actor=actor,
            at=now,
        )
    return lesson


def enrolled_ids(school_class: SchoolClass, day: date) -> set[int]:
    rows = Enrolment.objects.filter(school_class=school_class, enrolled_on__lte=day).exclude(
        left_on__lt=day
    )
    return set(rows.values_list("pupil_id", flat=True))


def _shown(entry_value: str, absent: bool) -> str:
    return grading.ABSENT if absent else entry_value


@transaction.atomic
def save_cells(
    *,
    actor: Resident,
    lesson: Lesson,
    values: dict[int, str],
    reason: str = "",
    now: datetime | None = None,
) -> dict:
    """
    Save a column's cells ({pupil id: what was typed}) in one go; all or nothing.

    The column's row is locked first, so two saves of the same cell are
    serialised: neither is lost, neither doubled, and each real change
    leaves exactly one log row.
    """
    now = now or timezone.now()
    reason = _text(reason, REASON_MAX)
    lesson = (
        Lesson.objects.select_for_update(of=("self",))
        .select_related("term", "assignment__subject", "assignment__school_class__school")
        .get(pk=lesson.pk)
    )
    assignment = lesson.assignment
    if not access.writes_on(actor, assignment, lesson.date):
        raise NotYourAssignment()
    if lesson.date > timezone.localdate(now):
        raise LessonInFuture()
    check_open(lesson, today=timezone.localdate(now), now=now)
    members = enrolled_ids(assignment.school_class, lesson.date)
    scale = grading.scale_of(lesson)
    cleaned: dict[int, tuple[str, bool]] = {}
    errors: dict[str, str] = {}
    first = None
    for pupil_id, typed in values.items():
        if pupil_id not in members:
            raise PupilNotInClass()
        try:
            cleaned[pupil_id] = grading.clean(typed, scale=scale, kind=lesson.kind)
        except grading.InvalidGrade as error:
            errors[f"pupil-{pupil_id}"] = str(error)
            first = first or error
    if first is not None:
        first.fields = errors
        raise first
    existing = {entry.pupil_id: entry for entry in Entry.objects.filter(lesson=lesson)}
    created, changed, log = [], [], []
    for pupil_id, (value, absent) in cleaned.items():
        entry = existing.get(pupil_id)
        old = _shown(entry.value, entry.absent) if entry else ""
        new = _shown(value, absent)
        if old == new:
            continue
        if entry is None:
            created.append(
                Entry(
                    community_id=lesson.community_id,
                    lesson=lesson,
                    pupil_id=pupil_id,
                    value=value,
                    absent=absent,
                    changed_at=now,
                    changed_by=actor,
                )
            )
        else:
            if old:
                entry.corrected_at = now
            entry.value, entry.absent = value, absent
            if not absent:
                entry.reason = ""
            entry.version += 1
            entry.changed_at, entry.changed_by = now, actor
            changed.append(entry)
        log.append(
            JournalChange(
                community_id=lesson.community_id,
                kind=JournalChange.Kind.CELL,
                lesson=lesson,
                pupil_id=pupil_id,
                assignment=assignment,
                old_value=old,
                new_value=new,
                actor=actor,
                at=now,
                reason=reason,
            )
        )
    Entry.objects.bulk_create(created)
    Entry.objects.bulk_update(
        changed,
        ["value", "absent", "reason", "version", "changed_at", "changed_by", "corrected_at"],
    )
    JournalChange.objects.bulk_create(log)
    return {"created": len(created), "changed": len(changed), "logged": len(log)}


# Locks and terms -----------------------------------------------------------------


@transaction.atomic
def unlock(
    *,
    actor: Resident,
    assignment: Assignment,
    date_from: date,
    date_to: date,
    reason: str,
    hours: int = 24,
) -> Unlock:
    """A deputy director (or the director) reopens past lessons for a while, with a reason."""
    school = assignment.school_class.school
    if not access.is_head(actor, school):
        raise NotAllowed()
    reason = _text(reason, REASON_MAX)
    if not reason:
        raise ValidationFailed(
            _("Say why the journal is unlocked."), fields={"reason": _("Required.")}
        )
    if date_to < date_from or (date_to - date_from).days > 366:
        raise ValidationFailed(_("Check the dates."))
    if not 1 <= int(hours) <= UNLOCK_MAX_HOURS:
        raise ValidationFailed(_("An unlock lasts from an hour to a week."))
    now = timezone.now()
    found = Unlock.objects.create(
        community_id=assignment.community_id,
        assignment=assignment,
        date_from=date_from,
        date_to=date_to,
        expires_at=now + timedelta(hours=int(hours)),
        reason=reason,
        granted_by=actor,
    )
    JournalChange.objects.create(
        community_id=assignment.community_id,
        kind=JournalChange.Kind.UNLOCK,
        assignment=assignment,
        old_value="",
        new_value=f"{date_from}–{date_to}, {hours} h",
        actor=actor,
        at=now,
        reason=reason,
    )
    audit.record(
        actor=actor,
        action="schools_journal.unlocked",
        target=found,
        after={"from": date_from, "to": date_to, "hours": hours, "reason": reason},
    )
    return found


@transaction.atomic
def close_term(*, actor: Resident, term: Term) -> Term:
    term = Term.objects.select_for_update().select_related("year__school").get(pk=term.pk)
    if not access.is_head(actor, term.year.school):
        raise NotAllowed()
    if term.closed_at is not None:
        return term
    now = timezone.now()
    term.closed_at, term.closed_by = now, actor
    term.save(update_fields=["closed_at", "closed_by"])
    JournalChange.objects.create(
        community_id=term.community_id,
        kind=JournalChange.Kind.TERM,
        old_value="",
        new_value=str(term),
        actor=actor,
        at=now,
    )
    audit.record(actor=actor, action="schools_term.closed", target=term)
    return term


# Absence notes, notifications, notices -------------------------------------------


@transaction.atomic
def file_absence_note(
    *,
    guardian: Resident,
    pupil: Pupil,
    starts_on: date,
    ends_on: date,
    reason: str,
    text: str = "",
) -> AbsenceNote:
    """A parent explains an absence for a day or a period (strong identity)."""
    community = Community.objects.get(pk=pupil.community_id)
    require_level(resident=guardian, community=community, action="schools.absence_note")
    access.guardianship(guardian, pupil)
    text = _text(text, 1000)
    if reason not in {value for value, _label in Entry.Reason.choices if value}:
        raise ValidationFailed(fields={"reason": _("Choose a reason.")})
    today = timezone.localdate()
    if ends_on < starts_on or (ends_on - starts_on).days > NOTE_MAX_DAYS:
        raise ValidationFailed(_("Check the dates: a note covers up to 60 days."))
    if starts_on > today + timedelta(days=30) or starts_on < today - timedelta(days=90):
        raise ValidationFailed(_("Check the dates: a note covers up to 60 days."))
    note = AbsenceNote.objects.create(
        community_id=pupil.community_id,
        pupil=pupil,
        guardian=guardian,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        text=text,
    )
    audit.record(actor=guardian, action="schools_absence_note.filed", target=note)
    return note


@transaction.atomic
def decide_absence_note(*, actor: Resident, note: AbsenceNote, accept: bool) -> AbsenceNote:
    """The class teacher (or a head) accepts a note: the absences get its reason (logged)."""
    note = AbsenceNote.objects.select_for_update().get(pk=note.pk)
    classes = SchoolClass.objects.filter(
        enrolments__pupil_id=note.pupil_id, year__ends_on__gte=note.starts_on
    ).select_related("school")
    if not any(access.reads_class(actor, school_class) for school_class in classes):
        raise SchoolNotFound()
    if note.status != AbsenceNote.Status.FILED:
        raise DomainError(_("This note has already been decided."))
    now = timezone.now()
    note.status = AbsenceNote.Status.ACCEPTED if accept else AbsenceNote.Status.DECLINED
    note.decided_by, note.decided_at = actor, now
    note.save(update_fields=["status", "decided_by", "decided_at"])
    if accept:
        entries = list(
            Entry.objects.select_for_update()
            .filter(
                pupil_id=note.pupil_id,
                absent=True,
                lesson__date__range=(note.starts_on, note.ends_on),
                lesson__term__closed_at__isnull=True,
            )
            .exclude(reason=note.reason)
        )
        log = []
        for entry in entries:
            log.append(
                JournalChange(
                    community_id=entry.community_id,
                    kind=JournalChange.Kind.CELL,
                    lesson_id=entry.lesson_id,
                    pupil_id=entry.pupil_id,
                    old_value=f"н ({entry.reason or '-'})",
                    new_value=f"н ({note.reason})",
                    actor=actor,
                    at=now,
                    reason=str(_("absence note accepted")),
                )
            )
            entry.reason, entry.version = note.reason, entry.version + 1
        Entry.objects.bulk_update(entries, ["reason", "version"])
        JournalChange.objects.bulk_create(log)
    audit.record(
        actor=actor, action="schools_absence_note.decided", target=note, after={"accepted": accept}
    )
    return note


@transaction.atomic
def set_notifications(
    *, guardian: Resident, pupil: Pupil, grades: bool, absences: bool, homework: bool
) -> Guardianship:
    link = access.guardianship(guardian, pupil)
    link.notify_grades, link.notify_absences, link.notify_homework = grades, absences, homework
    link.save(update_fields=["notify_grades", "notify_absences", "notify_homework"])
    return link


@transaction.atomic
def block_guardian(*, actor: Resident, link: Guardianship, reason: str) -> Guardianship:
    """A head blocks a parent's link (a court order…): the parent sees nothing from now on."""
    if not access.is_head(actor, link.pupil.school):
        raise NotAllowed()
    reason = _text(reason, REASON_MAX)
    if not reason:
        raise ValidationFailed(fields={"reason": _("Required.")})
    link.blocked_at, link.blocked_reason = timezone.now(), reason
    link.save(update_fields=["blocked_at", "blocked_reason"])
    audit.record(actor=actor, action="schools_guardian.blocked", target=link)
    return link


@transaction.atomic
def post_notice(
    *, actor: Resident, school: School, school_class: SchoolClass | None, title: str, body: str
) -> Notice:
    """A class teacher writes to the parents of the class; a head to the whole school."""
    if school_class is not None:
        if school_class.school_id != school.pk or not access.reads_class(actor, school_class):
            raise SchoolNotFound()
    elif not access.is_head(actor, school):
        raise NotAllowed()
    title, body = _text(title, 200), _text(body, 4000)
    if not title or not body:
        raise ValidationFailed(fields={"title": _("Required."), "body": _("Required.")})
    notice = Notice.objects.create(
        community_id=school.community_id,
        school=school,
        school_class=school_class,
        title=title,
        body=body,
        author=actor,
    )
    audit.record(actor=actor, action="schools_notice.posted", target=notice)
    return notice


# Substitutions and timetable ---------------------------------------------------------


@transaction.atomic
def add_substitution(
    *,
    actor: Resident,
    assignment: Assignment,
    teacher: Resident,
    starts_on: date,
    ends_on: date,
    reason: str = "",
) -> Substitution:
    school = assignment.school_class.school
    if not access.is_head(actor, school):
        raise NotAllowed()
    if "teacher" not in access.school_roles(teacher, school):
        raise ValidationFailed(_("The substitute must be a teacher of this school."))
    if ends_on < starts_on or (ends_on - starts_on).days > 366:
        raise ValidationFailed(_("Check the dates."))
    found = Substitution.objects.create(
        community_id=assignment.community_id,
        assignment=assignment,
        teacher=teacher,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=_text(reason, REASON_MAX),
    )
    audit.record(actor=actor, action="schools_substitution.added", target=found)
    return found


def _clash(year: SchoolYear, assignment: Assignment, weekday: int, period: int, room, skip=None):
    slots = TimetableSlot.objects.filter(year=year, weekday=weekday, period=period)
    if skip is not None:
        slots = slots.exclude(pk=skip)
    if slots.filter(school_class_id=assignment.school_class_id).exists():
        return str(_("the class"))
    if slots.filter(teacher_id=assignment.teacher_id).exists():
        return str(_("the teacher"))
    if room is not None and slots.filter(room=room).exists():
        return str(_("the room"))
    return None


@transaction.atomic
def set_slot(
    *, actor: Resident, assignment: Assignment, weekday: int, period: int, room: Room | None
) -> TimetableSlot:
    """Enter one weekly lesson; a clash of the class, the teacher or the room is refused."""
    school_class = assignment.school_class
    if not access.is_head(actor, school_class.school):
        raise NotAllowed()
    if not (0 <= int(weekday) <= 4 and 1 <= int(period) <= 10):
        raise ValidationFailed(_("Choose a weekday from Monday to Friday and a lesson 1–10."))
    if room is not None and room.school_id != school_class.school_id:
        raise SchoolNotFound()
    year = school_class.year
    what = _clash(year, assignment, weekday, period, room)
    if what:
        raise TimetableClash(what=what)
    try:
        with transaction.atomic():
            slot = TimetableSlot.objects.create(
                community_id=assignment.community_id,
                year=year,
                assignment=assignment,
                school_class=school_class,
                teacher_id=assignment.teacher_id,
                room=room,
                weekday=weekday,
                period=period,
            )
    except IntegrityError:
        raise TimetableClash(what=_("someone")) from None
    return slot


@transaction.atomic
def generate_timetable(
    *, actor: Resident, year: SchoolYear, periods: int = 7, seconds: float = 60
) -> int:
    """Generate the year's timetable with CP-SAT and replace the entered one."""
    from hromada.schools import timetable

    if not access.is_head(actor, year.school):
        raise NotAllowed()
    assignments = list(
        Assignment.objects.filter(school_class__year=year).select_related("school_class")
    )
    rooms = list(Room.objects.filter(school=year.school))
    plan = timetable.solve(
        [
            timetable.Need(a.pk, a.school_class_id, a.teacher_id, a.hours_per_week)
            for a in assignments
        ],
        rooms=[room.pk for room in rooms],
        periods=periods,
        seconds=seconds,
    )
    if plan is None:
        raise ValidationFailed(
            _("No timetable without clashes fits these hours; check the hours per week.")
        )
    by_pk = {a.pk: a for a in assignments}
    TimetableSlot.objects.filter(year=year).delete()
    TimetableSlot.objects.bulk_create(
        TimetableSlot(
            community_id=year.community_id,
            year=year,
            assignment_id=pk,
            school_class_id=by_pk[pk].school_class_id,
            teacher_id=by_pk[pk].teacher_id,
            room_id=room,
            weekday=day,
            period=period,
        )
        for pk, day, period, room in plan
    )
    audit.record(
        actor=actor, action="schools_timetable.generated", target=year, after={"slots": len(plan)}
    )
    return len(plan)


# Calendar feeds -------------------------------------------------------------------------


def feed_of(*, resident: Resident, community: Community) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(community=community, resident=resident)
    return feed


@transaction.atomic
def reset_feed(*, resident: Resident, community: Community) -> CalendarFeed:
    feed = feed_of(resident=resident, community=community)
    feed.token = new_feed_token()
    feed.save(update_fields=["token"])
    return feed


HOMEWORK_TYPES = {
    ".pdf",
    ".docx",
    ".doc",
    ".odt",
    ".pptx",
    ".xlsx",
    ".txt",
    ".jpg",
    ".jpeg",
    ".png",
}
HOMEWORK_MAX_BYTES = 10 * 1024 * 1024


@transaction.atomic
def attach_homework(*, actor: Resident, lesson: Lesson, upload) -> HomeworkFile:
    """A teacher attaches a file to a lesson's homework (private: shown only to the class)."""
    import os

    if not access.writes_on(actor, lesson.assignment, lesson.date):
        raise NotYourAssignment()
    if upload is None:
        raise ValidationFailed(fields={"file": _("Choose a file.")})
    name = os.path.basename(str(upload.name or ""))[:200]
    if os.path.splitext(name)[1].lower() not in HOMEWORK_TYPES or "\x00" in name:
        raise ValidationFailed(_("Attach a PDF, document, presentation, table, text or picture."))
    if upload.size > HOMEWORK_MAX_BYTES:
        raise ValidationFailed(_("A homework file is 10 MB at most."))
    found = HomeworkFile(community_id=lesson.community_id, lesson=lesson, name=name)
    found.file.save(name, upload, save=False)
    found.save()
    JournalChange.objects.create(
        community_id=lesson.community_id,
        kind=JournalChange.Kind.LESSON,
        lesson=lesson,
        assignment=lesson.assignment,
        old_value="",
        new_value=f"+ {name}",
        actor=actor,
        at=timezone.now(),
    )
    return found
