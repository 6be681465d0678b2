"""
Schools: the community's schools, their years, classes, pupils and the class journal.

Children's data is the most sensitive data the platform holds. Every row
carries its community; who may read a row is decided in `selectors.access`
and every channel asks it. The journal's change log (`JournalChange`) is
append-only: the database itself refuses UPDATE and DELETE on it (triggers,
migration 0002), so not even raw SQL rewrites a grade's history.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hromada.core.models import Community
from hromada.core.storage import private_storage

RESIDENT = settings.AUTH_USER_MODEL


def private_files():
    """Homework files and archives are private: a view that checks access sends them."""
    return private_storage


def _community():
    return models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )


class School(models.Model):
    class Kind(models.TextChoices):
        LYCEUM = "lyceum", _("lyceum")
        GYMNASIUM = "gymnasium", _("gymnasium")
        PRIMARY = "primary", _("primary school")

    community = _community()
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.LYCEUM)
    address = models.CharField(_("address"), max_length=300, blank=True)
    lowest_grade = models.PositiveSmallIntegerField(_("lowest grade"), default=1)
    highest_grade = models.PositiveSmallIntegerField(_("highest grade"), default=11)
    # Edits of a lesson's cells lock this many school (working) days after it.
    lock_days = models.PositiveSmallIntegerField(_("edit lock, school days"), default=3)
    # Unexplained absence this many working days in a row alerts the school.
    absence_alert_days = models.PositiveSmallIntegerField(
        _("unexplained absence alert, working days"), default=10
    )
    archive_retention_years = models.PositiveSmallIntegerField(
        _("archive retention, years"), default=10
    )

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="school_unique_name"),
            models.CheckConstraint(
                condition=Q(lowest_grade__gte=1)
                & Q(highest_grade__lte=11)
                & Q(lowest_grade__lte=models.F("highest_grade")),
                name="school_grades_range",
            ),
            models.CheckConstraint(
                condition=Q(lock_days__lte=60) & Q(absence_alert_days__gte=1),
                name="school_settings_sane",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SchoolYear(models.Model):
    community = _community()
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="years", verbose_name=_("school")
    )
    name = models.CharField(_("name"), max_length=20)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        ordering = ["-starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="schoolyear_unique_name"),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="schoolyear_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school} — {self.name}"


class Term(models.Model):
    """A semester: once closed, its journal is frozen (thematic grades included)."""

    community = _community()
    year = models.ForeignKey(
        SchoolYear, on_delete=models.CASCADE, related_name="terms", verbose_name=_("school year")
    )
    number = models.PositiveSmallIntegerField(_("semester"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        RESIDENT,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )

    class Meta:
        verbose_name = _("semester")
        verbose_name_plural = _("semesters")
        ordering = ["starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="term_unique_number"),
            models.CheckConstraint(condition=Q(number__in=[1, 2]), name="term_number_known"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="term_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year.name}, {self.number}"


class Scale(models.TextChoices):
    VERBAL = "verbal", _("verbal assessment")
    LEVELS = "levels", _("levels of achievement")
    POINTS = "points", _("12-point scale")


class GradingScale(models.Model):
    """The scale of a grade band (1–2, 3–4, 5–11) in one school and year."""

    class Band(models.TextChoices):
        PRIMARY_EARLY = "1-2", _("grades 1–2")
        PRIMARY_LATE = "3-4", _("grades 3–4")
        BASIC = "5-11", _("grades 5–11")

    community = _community()
    year = models.ForeignKey(
        SchoolYear, on_delete=models.CASCADE, related_name="scales", verbose_name=_("school year")
    )
    band = models.CharField(_("grade band"), max_length=4, choices=Band.choices)
    core_scale = models.CharField(_("scale in core subjects"), max_length=8, choices=Scale.choices)
    other_scale = models.CharField(
        _("scale in other subjects"), max_length=8, choices=Scale.choices
    )

    class Meta:
        verbose_name = _("grading scale")
        verbose_name_plural = _("grading scales")
        constraints = [
            models.UniqueConstraint(fields=["year", "band"], name="gradingscale_unique_band"),
            # Grades 1–2 are assessed in words only (MoES order №813 of 2019).
            models.CheckConstraint(
                condition=~Q(band="1-2") | (Q(core_scale="verbal") & Q(other_scale="verbal")),
                name="gradingscale_early_verbal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} — {self.get_band_display()}"


class Subject(models.Model):
    community = _community()
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="subjects", verbose_name=_("school")
    )
    name = models.CharField(_("name"), max_length=120)
    # Core subjects of grades 3–4 (Ukrainian, mathematics…) are assessed in levels.
    is_core = models.BooleanField(_("core subject"), default=False)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="subject_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    community = _community()
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="rooms", verbose_name=_("school")
    )
    name = models.CharField(_("name"), max_length=40)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="room_unique_name")]

    def __str__(self) -> str:
        return self.name


class SchoolStaff(models.Model):
    """A role in a school; the education department's role has no school (aggregates only)."""

    class Role(models.TextChoices):
        TEACHER = "teacher", _("teacher")
        DEPUTY = "deputy", _("deputy director")
        DIRECTOR = "director", _("director")
        EDUCATION = "education", _("education department")

    community = _community()
    school = models.ForeignKey(
        School,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("school"),
    )
    resident = models.ForeignKey(
        RESIDENT, on_delete=models.CASCADE, related_name="school_roles", verbose_name=_("resident")
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)

    class Meta:
        verbose_name = _("school staff role")
        verbose_name_plural = _("school staff roles")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "resident", "role"],
                condition=Q(school__isnull=False),
                name="schoolstaff_unique_in_school",
            ),
            models.UniqueConstraint(
                fields=["community", "resident", "role"],
                condition=Q(school__isnull=True),
                name="schoolstaff_unique_department",
            ),
            models.CheckConstraint(
                condition=(Q(role="education") & Q(school__isnull=True))
                | (~Q(role="education") & Q(school__isnull=False)),
                name="schoolstaff_school_unless_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} — {self.get_role_display()}"


class SchoolClass(models.Model):
    community = _community()
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="classes", verbose_name=_("school")
    )
    year = models.ForeignKey(
        SchoolYear, on_delete=models.CASCADE, related_name="classes", verbose_name=_("school year")
    )
    grade = models.PositiveSmallIntegerField(_("grade"))
    letter = models.CharField(_("letter"), max_length=2, blank=True)
    class_teacher = models.ForeignKey(
        RESIDENT,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("class teacher"),
    )

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["grade", "letter"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "grade", "letter"], name="schoolclass_unique_name"
            ),
            models.CheckConstraint(
                condition=Q(grade__gte=1) & Q(grade__lte=11), name="schoolclass_grade_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grade}-{self.letter}" if self.letter else str(self.grade)

    @property
    def band(self) -> str:
        return "1-2" if self.grade <= 2 else "3-4" if self.grade <= 4 else "5-11"


class Pupil(models.Model):
    community = _community()
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="pupils", verbose_name=_("school")
    )
    full_name = models.CharField(_("full name"), max_length=200)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    # The pupil's own account, when the pupil signs in to the diary.
    account = models.ForeignKey(
        RESIDENT,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pupil_records",
        verbose_name=_("account"),
    )

    class Meta:
        verbose_name = _("pupil")
        verbose_name_plural = _("pupils")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name


class Enrolment(models.Model):
    community = _community()
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("pupil")
    )
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("class")
    )
    enrolled_on = models.DateField(_("enrolled on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["pupil", "school_class"], name="enrolment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.pupil} — {self.school_class}"


class Guardianship(models.Model):
    """A parent's (guardian's) link to a pupil, made by the school; it can be blocked."""

    community = _community()
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="guardians", verbose_name=_("pupil")
    )
    guardian = models.ForeignKey(
        RESIDENT, on_delete=models.CASCADE, related_name="guardianships", verbose_name=_("parent")
    )
    relation = models.CharField(_("relation"), max_length=40, blank=True)
    blocked_at = models.DateTimeField(_("blocked at"), null=True, blank=True)
    blocked_reason = models.CharField(_("reason for blocking"), max_length=300, blank=True)
    # Opt-in per child; all of it arrives in one digest a day unless asked otherwise.
    notify_grades = models.BooleanField(_("new grades"), default=False)
    notify_absences = models.BooleanField(_("absences"), default=False)
    notify_homework = models.BooleanField(_("homework"), default=False)

    class Meta:
        verbose_name = _("parent link")
        verbose_name_plural = _("parent links")
        constraints = [
            models.UniqueConstraint(fields=["pupil", "guardian"], name="guardianship_unique")
        ]

    def __str__(self) -> str:
        return f"{self.guardian} — {self.pupil}"


class Assignment(models.Model):
    """A teacher's class and subject: the only journal the teacher writes to."""

    community = _community()
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("class")
    )
    subject = models.ForeignKey(
        Subject,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=pgettext_lazy("school", "subject"),
    )
    teacher = models.ForeignKey(
        RESIDENT, on_delete=models.PROTECT, related_name="+", verbose_name=_("teacher")
    )
    hours_per_week = models.PositiveSmallIntegerField(_("hours per week"), default=1)

    class Meta:
        verbose_name = _("class subject")
        verbose_name_plural = _("class subjects")
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "subject"], name="assignment_unique_subject"
            ),
            models.CheckConstraint(
                condition=Q(hours_per_week__lte=12), name="assignment_hours_sane"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_class} — {self.subject}"


class Substitution(models.Model):
    community = _community()
    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.CASCADE,
        related_name="substitutions",
        verbose_name=_("class subject"),
    )
    teacher = models.ForeignKey(
        RESIDENT, on_delete=models.PROTECT, related_name="+", verbose_name=_("substitute teacher")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("substitution")
        verbose_name_plural = _("substitutions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="substitution_dates"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assignment}: {self.starts_on}–{self.ends_on}"


class Lesson(models.Model):
    """A column of the journal: a lesson, a thematic assessment, a semester or annual grade."""

    class Kind(models.TextChoices):
        LESSON = "lesson", _("lesson")
        THEMATIC = "thematic", _("thematic assessment")
        SEMESTER = "semester", _("semester grade")
        ANNUAL = "annual", _("annual grade")

    community = _community()
    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.CASCADE,
        related_name="lessons",
        verbose_name=_("class subject"),
    )
    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="lessons", verbose_name=_("semester")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.LESSON)
    date = models.DateField(_("date"))
    period = models.PositiveSmallIntegerField(_("lesson number"), default=1)
    topic = models.CharField(_("topic"), max_length=300, blank=True)
    homework = models.TextField(_("homework"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("journal column")
        verbose_name_plural = _("journal columns")
        ordering = ["date", "period", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "date", "period", "kind"], name="lesson_unique_slot"
            ),
            models.CheckConstraint(
                condition=Q(period__gte=1) & Q(period__lte=10), name="lesson_period_range"
            ),
        ]
        indexes = [models.Index(fields=["assignment", "date"], name="lesson_assignment_date")]

    def __str__(self) -> str:
        return f"{self.assignment}, {self.date}"


class HomeworkFile(models.Model):
    community = _community()
    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="files", verbose_name=_("lesson")
    )
    file = models.FileField(_("file"), upload_to="schools/homework/%Y/%m/", storage=private_files)
    name = models.CharField(_("name"), max_length=200)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("homework file")
        verbose_name_plural = _("homework files")

    def __str__(self) -> str:
        return self.name


class Entry(models.Model):
    """One cell of the journal: a pupil's grade or absence ("н") in a column."""

    class Reason(models.TextChoices):
        UNKNOWN = "", _("not explained")
        ILLNESS = "illness", _("illness")
        FAMILY = "family", _("family reasons")
        OTHER = "other", _("other reason")

    community = _community()
    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="entries", verbose_name=_("journal column")
    )
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="entries", verbose_name=_("pupil")
    )
    value = models.CharField(_("grade"), max_length=300, blank=True)
    absent = models.BooleanField(_("absent"), default=False)
    # Private: the pupil, the parents, the class teacher and the school's heads only.
    reason = models.CharField(
        _("reason for absence"), max_length=10, choices=Reason.choices, blank=True
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    changed_at = models.DateTimeField(_("changed at"))
    changed_by = models.ForeignKey(
        RESIDENT, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    # Set when the value was corrected after it was first written: parents see it.
    corrected_at = models.DateTimeField(_("corrected at"), null=True, blank=True)

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        constraints = [
            models.UniqueConstraint(fields=["lesson", "pupil"], name="entry_unique_cell"),
            models.CheckConstraint(
                condition=~(Q(absent=True) & ~Q(value="")), name="entry_absent_or_graded"
            ),
        ]
        indexes = [models.Index(fields=["pupil", "lesson"], name="entry_pupil_lesson")]

    def __str__(self) -> str:
        return "н" if self.absent else self.value


class JournalChange(models.Model):
    """
    The append-only change log: every entry and change, never updated, never deleted.

    The database refuses UPDATE and DELETE on this table (triggers on
    PostgreSQL and SQLite), so the history holds even against raw SQL.
    """

    class Kind(models.TextChoices):
        CELL = "cell", _("journal entry")
        LESSON = "lesson", _("lesson record")
        UNLOCK = "unlock", _("unlock")
        TERM = "term", _("semester closed")

    community = _community()
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    lesson = models.ForeignKey(
        Lesson,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("journal column"),
    )
    pupil = models.ForeignKey(
        Pupil,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("pupil"),
    )
    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("class subject"),
    )
    old_value = models.CharField(_("old value"), max_length=2000, blank=True)
    new_value = models.CharField(_("new value"), max_length=2000, blank=True)
    actor = models.ForeignKey(
        RESIDENT,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("who"),
    )
    at = models.DateTimeField(_("when"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("journal change")
        verbose_name_plural = _("journal change log")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["lesson", "pupil"], name="journalchange_cell")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.old_value} → {self.new_value}"


class Unlock(models.Model):
    """A deputy director's unlock of an assignment's past lessons, with a reason (audited)."""

    community = _community()
    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.CASCADE,
        related_name="unlocks",
        verbose_name=_("class subject"),
    )
    date_from = models.DateField(_("lessons from"))
    date_to = models.DateField(_("lessons to"))
    expires_at = models.DateTimeField(_("open until"))
    reason = models.CharField(_("reason"), max_length=300)
    granted_by = models.ForeignKey(
        RESIDENT, on_delete=models.PROTECT, related_name="+", verbose_name=_("granted by")
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("journal unlock")
        verbose_name_plural = _("journal unlocks")
        constraints = [
            models.CheckConstraint(
                condition=Q(date_to__gte=models.F("date_from")), name="unlock_dates"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="unlock_reason_given"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment}: {self.date_from}–{self.date_to}"


class AbsenceNote(models.Model):
    """A parent's explanation of an absence for a day or a period; the class teacher accepts."""

    class Status(models.TextChoices):
        FILED = "filed", _("filed")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")

    community = _community()
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="absence_notes", verbose_name=_("pupil")
    )
    guardian = models.ForeignKey(
        RESIDENT, on_delete=models.PROTECT, related_name="+", verbose_name=_("parent")
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    reason = models.CharField(
        _("reason"),
        max_length=10,
        choices=[c for c in Entry.Reason.choices if c[0]],
    )
    text = models.TextField(_("explanation"), max_length=1000, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.FILED
    )
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        RESIDENT,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("school", "decided by"),
    )
    decided_at = models.DateTimeField(pgettext_lazy("school", "decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("absence note")
        verbose_name_plural = _("absence notes")
        ordering = ["-filed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="absencenote_dates"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pupil}: {self.starts_on}–{self.ends_on}"


class Notice(models.Model):
    """A notice from the school to the parents of a class (or of the whole school)."""

    community = _community()
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="notices", verbose_name=_("school")
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("class"),
    )
    title = models.CharField(pgettext_lazy("school", "title"), max_length=200)
    body = models.TextField(_("text"), max_length=4000)
    author = models.ForeignKey(
        RESIDENT, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class TimetableSlot(models.Model):
    """One weekly lesson: the database refuses a clash of a class, a teacher or a room."""

    community = _community()
    year = models.ForeignKey(
        SchoolYear, on_delete=models.CASCADE, related_name="slots", verbose_name=_("school year")
    )
    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="slots", verbose_name=_("class subject")
    )
    # Copied from the assignment so the database can refuse clashes.
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="slots", verbose_name=_("class")
    )
    teacher = models.ForeignKey(
        RESIDENT, on_delete=models.CASCADE, related_name="+", verbose_name=_("teacher")
    )
    room = models.ForeignKey(
        Room,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="slots",
        verbose_name=_("room"),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    period = models.PositiveSmallIntegerField(_("lesson number"))

    class Meta:
        verbose_name = _("timetable lesson")
        verbose_name_plural = _("timetable")
        ordering = ["weekday", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "weekday", "period"], name="slot_class_free"
            ),
            models.UniqueConstraint(
                fields=["year", "teacher", "weekday", "period"], name="slot_teacher_free"
            ),
            models.UniqueConstraint(
                fields=["year", "room", "weekday", "period"],
                condition=Q(room__isnull=False),
                name="slot_room_free",
            ),
            models.CheckConstraint(
                condition=Q(weekday__lte=4) & Q(period__gte=1) & Q(period__lte=10),
                name="slot_time_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment}: {self.weekday}/{self.period}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's timetable feed (.ics) behind an unguessable token that can be reset."""

    community = _community()
    resident = models.ForeignKey(
        RESIDENT, on_delete=models.CASCADE, related_name="+", verbose_name=_("resident")
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(fields=["community", "resident"], name="calendarfeed_unique")
        ]

    def __str__(self) -> str:
        return str(self.resident)


class PlanItem(models.Model):
    """A line of an assignment's calendar-thematic plan."""

    community = _community()
    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="plan", verbose_name=_("class subject")
    )
    position = models.PositiveSmallIntegerField(_("number"))
    planned_on = models.DateField(_("planned date"), null=True, blank=True)
    topic = models.CharField(_("topic"), max_length=300)

    class Meta:
        verbose_name = _("plan line")
        verbose_name_plural = _("calendar-thematic plan")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "position"], name="planitem_unique")
        ]

    def __str__(self) -> str:
        return self.topic


class Digest(models.Model):
    """One daily digest per parent and day: the scheduled job may run twice, it sends once."""

    community = _community()
    resident = models.ForeignKey(
        RESIDENT, on_delete=models.CASCADE, related_name="+", verbose_name=_("resident")
    )
    day = models.DateField(_("day"))
    items = models.PositiveIntegerField(_("items"), default=0)

    class Meta:
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")
        constraints = [
            models.UniqueConstraint(fields=["community", "resident", "day"], name="digest_unique")
        ]

    def __str__(self) -> str:
        return f"{self.resident} {self.day}"


class AbsenceAlert(models.Model):
    """The school was alerted: a run of unexplained absence reached the limit."""

    community = _community()
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("pupil")
    )
    run_started_on = models.DateField(_("absent since"))
    days = models.PositiveSmallIntegerField(_("working days"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("absence alert")
        verbose_name_plural = _("absence alerts")
        constraints = [
            models.UniqueConstraint(fields=["pupil", "run_started_on"], name="absencealert_unique")
        ]

    def __str__(self) -> str:
        return f"{self.pupil}: {self.run_started_on}"


class ClassArchive(models.Model):
    """A class's year-end archive: PDF and CSV with a SHA-256 manifest."""

    community = _community()
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="archives", verbose_name=_("class")
    )
    pdf = models.FileField(_("PDF"), upload_to="schools/archive/", storage=private_files)
    csv = models.FileField(_("CSV"), upload_to="schools/archive/", storage=private_files)
    manifest = models.TextField(_("manifest"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        RESIDENT, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    keep_until = models.DateField(_("keep until"))

    class Meta:
        verbose_name = _("class archive")
        verbose_name_plural = _("class archives")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.school_class} {self.created_at:%Y-%m-%d}"
