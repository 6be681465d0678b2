"""
Staff training: courses with lessons, tests drawn from question banks,
certificates anyone can verify, and the records HR reads progress from.

A course has versions: a new version is a new row of the same `series`, so
whoever passed an earlier version keeps their enrolment and certificate,
and prerequisites and mandatory requirements count any version passed.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hromada.core.models import Community, Department, Resident
from hromada.core.storage import private_storage

# Certificate codes: no 0/O, 1/I/L: read aloud or typed from paper without doubt.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 16


class HrOfficer(models.Model):
    """A staff member who runs training for the whole council (HR)."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="+", verbose_name=_("staff member")
    )

    class Meta:
        verbose_name = _("HR officer")
        verbose_name_plural = _("HR officers")
        constraints = [
            models.UniqueConstraint(fields=["community", "resident"], name="hrofficer_unique")
        ]

    def __str__(self) -> str:
        return str(self.resident)


class CompetenceArea(models.Model):
    """An area of the digital competence framework (DigComp UA 2.1); editable."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("competence area")
        verbose_name_plural = _("competence areas")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="competencearea_unique")
        ]

    def __str__(self) -> str:
        return self.name


class QuestionBank(models.Model):
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    title = models.CharField(_("title"), max_length=200)
    area = models.ForeignKey(
        CompetenceArea, on_delete=models.PROTECT, related_name="banks", verbose_name=_("area")
    )

    class Meta:
        verbose_name = _("question bank")
        verbose_name_plural = _("question banks")
        ordering = ["area__position", "title"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """
    One question of a bank. `data` holds the options and the right answer:

    - single, multiple: {"options": [{"id", "text"}], "correct": [ids]}
    - true_false: {"correct": true|false}
    - matching: {"left": [{"id", "text"}], "right": [{"id", "text"}],
      "correct": {left id: right id}}
    - ordering: {"items": [{"id", "text"}]} in the right order
    - short: {"variants": [accepted answers]}
    - numeric: {"value": number, "tolerance": number}

    Only `hromada.training.grading.public_question` turns it into what a page
    shows, and that never includes the right answer.
    """

    class Kind(models.TextChoices):
        SINGLE = "single", _("single choice")
        MULTIPLE = "multiple", _("multiple choice")
        TRUE_FALSE = "true_false", _("true or false")
        MATCHING = "matching", _("matching")
        ORDERING = "ordering", _("ordering")
        SHORT = "short", _("short answer")
        NUMERIC = "numeric", _("numeric answer")

    bank = models.ForeignKey(
        QuestionBank, on_delete=models.CASCADE, related_name="questions", verbose_name=_("bank")
    )
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    text = models.TextField(_("question"), max_length=2000)
    data = models.JSONField(_("options and answer"), default=dict)
    explanation = models.TextField(_("explanation after the test"), blank=True, max_length=2000)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["bank", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "single",
                        "multiple",
                        "true_false",
                        "matching",
                        "ordering",
                        "short",
                        "numeric",
                    ]
                ),
                name="question_kind_known",
            )
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def clean(self):
        from hromada.training.grading import check_question_data

        check_question_data(self.kind, self.data)


class Course(models.Model):
    class Audience(models.TextChoices):
        STAFF = "staff", _("all staff")
        DEPARTMENTS = "departments", _("chosen departments")
        ROLES = "roles", _("chosen roles")
        RESIDENTS = "residents", _("residents")

    class Grading(models.TextChoices):
        HIGHEST = "highest", _("highest attempt")
        LAST = "last", _("last attempt")
        AVERAGE = "average", _("average of attempts")

    class Late(models.TextChoices):
        REFUSE = "refuse", _("refuse a late submission")
        AUTO = "auto", _("submit the saved answers")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    series = models.UUIDField(_("course series"), default=uuid.uuid4, editable=False)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current version"), default=True)
    is_published = models.BooleanField(_("published"), default=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    audience = models.CharField(
        _("audience"), max_length=12, choices=Audience.choices, default=Audience.STAFF
    )
    departments = models.ManyToManyField(
        Department, blank=True, related_name="+", verbose_name=_("departments")
    )
    roles = models.JSONField(_("staff roles"), default=list, blank=True)
    areas = models.ManyToManyField(
        CompetenceArea, blank=True, related_name="courses", verbose_name=_("competence areas")
    )
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, default=1)
    ects = models.DecimalField(
        _("ECTS credits"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    prerequisites = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="+", verbose_name=_("prerequisites")
    )
    valid_months = models.PositiveSmallIntegerField(
        _("certificate valid, months"),
        null=True,
        blank=True,
        help_text=_("Leave empty if the course need not be repeated."),
    )
    # The test.
    banks = models.ManyToManyField(
        QuestionBank, blank=True, related_name="courses", verbose_name=_("question banks")
    )
    questions_per_area = models.PositiveSmallIntegerField(
        _("questions per area"), default=0, help_text=_("0: the course has no test.")
    )
    time_limit_minutes = models.PositiveSmallIntegerField(_("time limit, minutes"), default=30)
    grace_seconds = models.PositiveSmallIntegerField(_("grace period, seconds"), default=60)
    late_policy = models.CharField(
        _("after the time"), max_length=8, choices=Late.choices, default=Late.AUTO
    )
    max_attempts = models.PositiveSmallIntegerField(_("attempts allowed"), default=3)
    grading = models.CharField(
        _("grading method"), max_length=8, choices=Grading.choices, default=Grading.HIGHEST
    )
    pass_mark = models.PositiveSmallIntegerField(_("pass mark, %"), default=70)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["series", "version"], name="course_unique_version"),
            models.UniqueConstraint(
                fields=["series"], condition=Q(is_current=True), name="course_one_current"
            ),
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="course_pass_mark_range"),
            models.CheckConstraint(condition=Q(hours__gte=0), name="course_hours_positive"),
            models.CheckConstraint(
                condition=Q(max_attempts__gte=1), name="course_at_least_one_attempt"
            ),
        ]

    def __str__(self) -> str:
        return self.title if self.version == 1 else f"{self.title} (v{self.version})"

    def get_absolute_url(self) -> str:
        return reverse("training:course", args=[self.pk])

    @property
    def has_test(self) -> bool:
        return self.questions_per_area > 0


class MandatoryCourse(models.Model):
    """A course a department's staff must pass by a date."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="requirements", verbose_name=_("course")
    )
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="+", verbose_name=_("department")
    )
    due_on = models.DateField(_("due by"))

    class Meta:
        verbose_name = _("mandatory course")
        verbose_name_plural = _("mandatory courses")
        constraints = [
            models.UniqueConstraint(fields=["course", "department"], name="mandatory_unique")
        ]

    def __str__(self) -> str:
        return f"{self.course} — {self.department}"


def lesson_path(instance: Lesson, filename: str) -> str:
    return f"training/{instance.course.community_id}/{filename}"


class Lesson(models.Model):
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("course")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("text"), max_length=50000, blank=True, help_text=_("Markdown; HTML is shown as text.")
    )
    image = models.ImageField(_("image"), upload_to=lesson_path, blank=True)
    attachment = models.FileField(_("file"), upload_to=lesson_path, blank=True)
    video_url = models.URLField(
        _("video link"), blank=True, help_text=_("YouTube or Vimeo; shown embedded.")
    )
    # The short check at the end: one question with choices.
    check_question = models.CharField(_("check question"), max_length=300, blank=True)
    check_options = models.JSONField(_("check answers"), default=list, blank=True)
    check_correct = models.PositiveSmallIntegerField(
        _("right answer (number from 1)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["course", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "position"], name="lesson_unique_position")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:lesson", args=[self.course_id, self.pk])


class Enrollment(models.Model):
    """A person's way through one version of a course."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("in progress")
        PASSED = "passed", _("passed")
        FAILED = "failed", _("not passed")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="enrollments", verbose_name=_("course")
    )
    series = models.UUIDField(_("course series"))
    resident = models.ForeignKey(
        Resident,
        on_delete=models.CASCADE,
        related_name="training_enrollments",
        verbose_name=_("resident"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.IN_PROGRESS
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    last_lesson = models.ForeignKey(
        Lesson,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last lesson opened"),
    )
    score = models.DecimalField(
        _("score, %"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    passed_at = models.DateTimeField(_("passed"), null=True, blank=True)
    hours = models.DecimalField(_("hours credited"), max_digits=5, decimal_places=1, default=0)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["course", "resident"], name="enrollment_unique")
        ]
        indexes = [models.Index(fields=["community", "resident", "series"])]

    def __str__(self) -> str:
        return f"{self.resident} — {self.course}"


class LessonProgress(models.Model):
    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="progress", verbose_name=_("lesson")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="+", verbose_name=_("resident")
    )
    completed_at = models.DateTimeField(_("completed"))

    class Meta:
        verbose_name = _("completed lesson")
        verbose_name_plural = _("completed lessons")
        constraints = [
            models.UniqueConstraint(fields=["lesson", "resident"], name="lessonprogress_unique")
        ]

    def __str__(self) -> str:
        return f"{self.resident} — {self.lesson}"


class Attempt(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("in progress")
        SUBMITTED = "submitted", _("submitted")
        AUTO_SUBMITTED = "auto", _("submitted when the time ran out")
        EXPIRED = "expired", _("not submitted in time")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("enrolment")
    )
    number = models.PositiveSmallIntegerField(_("attempt number"))
    seed = models.BigIntegerField(_("draw seed"))
    questions = models.JSONField(_("questions drawn"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    started_at = models.DateTimeField(_("started"))
    deadline_at = models.DateTimeField(_("deadline"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    score = models.DecimalField(
        _("score, %"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    area_scores = models.JSONField(_("score per area"), default=dict, blank=True)

    class Meta:
        verbose_name = _("test attempt")
        verbose_name_plural = _("test attempts")
        ordering = ["enrollment", "number"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "number"], name="attempt_unique_number"),
            models.UniqueConstraint(
                fields=["enrollment"], condition=Q(status="open"), name="attempt_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} — {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("training:attempt", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Answer(models.Model):
    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="answers", verbose_name=_("attempt")
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="+", verbose_name=_("question")
    )
    response = models.JSONField(_("answer"), default=dict)
    credit = models.FloatField(_("credit"), null=True, blank=True)
    saved_at = models.DateTimeField(_("saved"))

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="answer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.attempt} — {self.question_id}"


class AreaResult(models.Model):
    """A person's graded score in one area of one course: what gap reports average."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    enrollment = models.ForeignKey(
        Enrollment,
        on_delete=models.CASCADE,
        related_name="area_results",
        verbose_name=_("enrolment"),
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="+", verbose_name=_("resident")
    )
    area = models.ForeignKey(
        CompetenceArea, on_delete=models.CASCADE, related_name="+", verbose_name=_("area")
    )
    score = models.FloatField(_("score, %"))

    class Meta:
        verbose_name = _("area result")
        verbose_name_plural = _("area results")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "area"], name="arearesult_unique")
        ]

    def __str__(self) -> str:
        return f"{self.resident} — {self.area}: {self.score:.0f}"


class Certificate(models.Model):
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    resident = models.ForeignKey(
        Resident,
        on_delete=models.CASCADE,
        related_name="training_certificates",
        verbose_name=_("resident"),
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("course")
    )
    enrollment = models.ForeignKey(
        Enrollment,
        on_delete=models.CASCADE,
        related_name="certificates",
        verbose_name=_("enrolment"),
    )
    code = models.CharField(_("code"), max_length=CODE_LENGTH, unique=True)
    holder_name = models.CharField(_("holder"), max_length=200)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    score = models.DecimalField(
        _("score, %"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    area_scores = models.JSONField(_("score per area"), default=dict, blank=True)
    issued_on = models.DateField(_("issued"))
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revocation"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "-id"]
        constraints = [
            # One certificate per passed enrolment: a double submission cannot
            # issue two.
            models.UniqueConstraint(fields=["enrollment"], name="certificate_one_per_enrollment"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoked_reason=""),
                name="certificate_revoked_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_code} — {self.holder_name}"

    def get_absolute_url(self) -> str:
        return reverse("training:verify", args=[self.code])

    @property
    def display_code(self) -> str:
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))

    def state_on(self, day) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_on and self.expires_on < day:
            return "expired"
        return "valid"


def record_path(instance: ExternalRecord, filename: str) -> str:
    return f"training/{instance.community_id}/external/{filename}"


def record_storage():
    """Certificates from elsewhere are private: only the owner and HR see them."""
    return private_storage


class ExternalRecord(models.Model):
    """Learning done elsewhere (Дія.Цифрова освіта, a university), confirmed by HR."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for HR")
        CONFIRMED = "confirmed", _("confirmed")
        REJECTED = "rejected", _("not confirmed")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    resident = models.ForeignKey(
        Resident,
        on_delete=models.CASCADE,
        related_name="training_records",
        verbose_name=_("staff member"),
    )
    title = models.CharField(_("course or programme"), max_length=200)
    provider = models.CharField(_("provider"), max_length=200)
    number = models.CharField(_("certificate number"), max_length=60, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    completed_on = models.DateField(_("completed"))
    area = models.ForeignKey(
        CompetenceArea,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
    )
    file = models.FileField(_("file"), upload_to=record_path, storage=record_storage, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        Resident,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("external learning record")
        verbose_name_plural = _("external learning records")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=1000), name="externalrecord_hours_range"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Reminder(models.Model):
    """A reminder sent about a mandatory course: sent once per stage."""

    requirement = models.ForeignKey(
        MandatoryCourse, on_delete=models.CASCADE, related_name="+", verbose_name=_("requirement")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="+", verbose_name=_("staff member")
    )
    days_before = models.PositiveSmallIntegerField(_("days before the date"))
    due_on = models.DateField(_("due by"))
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["requirement", "resident", "due_on", "days_before"],
                name="reminder_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident} — {self.requirement}"
