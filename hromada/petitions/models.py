"""
Local e-petitions (Law of Ukraine "On citizens' appeals", art. 23-1).

A petition moves draft → submitted → collecting → consideration → answered;
moderation may reject it, and one that misses its threshold in time is
registered as a collective appeal and archived. Signatures are append-only
rows: the database allows one per resident and one per identified person.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.core.models import Community, Department, Resident

TITLE_MAX = 200
TEXT_MAX = 6000
TEXT_MIN = 50


class PetitionRules(models.Model):
    """The community charter's petition rules, one row per community."""

    community = models.OneToOneField(
        Community,
        verbose_name=_("community"),
        on_delete=models.CASCADE,
        related_name="petition_rules",
    )
    # Art. 23-1: the charter sets the threshold and the period (demo: 250 in 60 days).
    threshold = models.PositiveIntegerField(
        _("signatures needed"),
        default=250,
        validators=[MinValueValidator(1), MaxValueValidator(1_000_000)],
    )
    collection_days = models.PositiveSmallIntegerField(
        _("collection period, days"), default=60, validators=[MinValueValidator(1)]
    )
    max_collection_days = models.PositiveSmallIntegerField(
        _("longest collection period, days"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("An author may choose a period up to this many days."),
    )
    min_age = models.PositiveSmallIntegerField(
        _("minimum age to sign"),
        default=16,
        validators=[MinValueValidator(14), MaxValueValidator(18)],
    )
    residents_only = models.BooleanField(
        _("only residents who live here may sign"),
        default=False,
        help_text=_("Otherwise those who work, study or stay here as displaced persons sign too."),
    )
    # Art. 23-1: published within 2 working days, answered within 10 working days.
    moderation_days = models.PositiveSmallIntegerField(
        _("moderation deadline, working days"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    consideration_days = models.PositiveSmallIntegerField(
        _("consideration deadline, working days"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("responsible department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Its head considers petitions unless the moderator names someone else."),
    )
    official = models.ForeignKey(
        Resident,
        verbose_name=_("responsible official"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("petition rules")
        verbose_name_plural = _("petition rules")
        constraints = [
            models.CheckConstraint(condition=Q(threshold__gte=1), name="petitionrules_threshold"),
            models.CheckConstraint(
                condition=Q(collection_days__gte=1)
                & Q(collection_days__lte=models.F("max_collection_days")),
                name="petitionrules_collection_days",
            ),
            models.CheckConstraint(
                condition=Q(max_collection_days__lte=365), name="petitionrules_max_days"
            ),
            models.CheckConstraint(
                condition=Q(min_age__gte=14) & Q(min_age__lte=18), name="petitionrules_min_age"
            ),
            models.CheckConstraint(
                condition=Q(moderation_days__gte=1) & Q(consideration_days__gte=1),
                name="petitionrules_deadlines",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Petition rules of %(community)s") % {"community": self.community})


class Topic(models.Model):
    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("offered to authors"), default=True)

    class Meta:
        verbose_name = _("petition topic")
        verbose_name_plural = _("petition topics")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="topic_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Petition(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("awaiting moderation")
        COLLECTING = "collecting", _("collecting signatures")
        CONSIDERATION = "consideration", _("under consideration")
        ANSWERED = "answered", _("answered")
        REJECTED = "rejected", _("rejected")
        ARCHIVED = "archived", _("registered as a collective appeal")
        WITHDRAWN = "withdrawn", _("withdrawn by the author")

    class Outcome(models.TextChoices):
        SUPPORTED = "supported", _("supported")
        PARTLY = "partly", _("partly supported")
        NOT_SUPPORTED = "not_supported", _("not supported")

    class RejectionReason(models.TextChoices):
        UNLAWFUL = "unlawful", _("unlawful or offensive content")
        UNCLEAR = "unclear", _("no clear request")
        POWERS = "powers", _("outside the council's powers")
        DUPLICATE = "duplicate", _("duplicate of an open petition")

    # Statuses anyone may see; drafts, those in moderation and withdrawn ones
    # stay between the author and the moderators.
    PUBLIC = (
        Status.COLLECTING,
        Status.CONSIDERATION,
        Status.ANSWERED,
        Status.REJECTED,
        Status.ARCHIVED,
    )
    OPEN = (Status.COLLECTING, Status.CONSIDERATION)
    EDITABLE = (Status.DRAFT, Status.SUBMITTED)

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    uid = models.UUIDField(_("public identifier"), default=uuid.uuid4, unique=True, editable=False)
    author = models.ForeignKey(
        Resident, verbose_name=_("author"), on_delete=models.PROTECT, related_name="petitions"
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.PROTECT, related_name="petitions"
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    text = models.TextField(_("text"), max_length=TEXT_MAX)
    # Lower-cased title and text: SQLite's LIKE folds ASCII only, so search
    # compares against this for Cyrillic on every database alike.
    search_text = models.TextField(_("text for search"), editable=False, default="")
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    collection_days = models.PositiveSmallIntegerField(_("collection period, days"))
    # Fixed at publication: a later change of the rules does not move the goal.
    threshold = models.PositiveIntegerField(_("signatures needed"), null=True, blank=True)
    min_age = models.PositiveSmallIntegerField(_("minimum age to sign"), null=True, blank=True)
    residents_only = models.BooleanField(_("only residents who live here may sign"), default=False)
    # A cache of COUNT(signatures): refreshed with atomic updates and by the
    # scheduled task; decisions use the rows themselves.
    signature_count = models.PositiveIntegerField(_("signatures"), default=0)

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    moderation_due_on = models.DateField(_("moderation due"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    collection_ends_at = models.DateTimeField(
        _("collection ends"), null=True, blank=True, db_index=True
    )
    threshold_reached_at = models.DateTimeField(_("threshold reached"), null=True, blank=True)
    answer_due_on = models.DateField(_("answer due"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    department = models.ForeignKey(
        Department,
        verbose_name=_("responsible department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    official = models.ForeignKey(
        Resident,
        verbose_name=_("responsible official"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    rejection_reason = models.CharField(
        _("reason for rejection"), max_length=10, choices=RejectionReason.choices, blank=True
    )
    rejection_note = models.TextField(_("explanation"), blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    outcome = models.CharField(_("decision"), max_length=14, choices=Outcome.choices, blank=True)
    answer_text = models.TextField(_("official answer"), blank=True)
    answer_document = models.FileField(
        _("council's decision (PDF)"), upload_to="petitions/answers/", blank=True
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        Resident,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    signers_notified_at = models.DateTimeField(
        _("signers told of the answer"), null=True, blank=True, editable=False
    )

    is_hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        ordering = ["-published_at", "-created_at"]
        indexes = [
            models.Index(fields=["community", "status", "is_hidden"]),
            models.Index(fields=["community", "-published_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "draft",
                        "submitted",
                        "collecting",
                        "consideration",
                        "answered",
                        "rejected",
                        "archived",
                        "withdrawn",
                    ]
                ),
                name="petition_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(collection_days__gte=1) & Q(collection_days__lte=365),
                name="petition_collection_days",
            ),
            models.CheckConstraint(
                condition=~Q(status="answered") | ~Q(outcome=""),
                name="petition_answer_has_outcome",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="petition_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "withdrawn", "rejected"])
                | (Q(published_at__isnull=False) & Q(threshold__isnull=False)),
                name="petition_published_has_goal",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("petitions:detail", args=[self.pk])

    @property
    def is_public(self) -> bool:
        return self.status in self.PUBLIC and not self.is_hidden

    @property
    def is_collecting(self) -> bool:
        return (
            self.status == self.Status.COLLECTING
            and not self.is_hidden
            and self.collection_ends_at is not None
            and timezone.now() < self.collection_ends_at
        )

    @property
    def days_left(self) -> int | None:
        """Return whole days until collection ends (0 on the last day), or None."""
        if self.status != self.Status.COLLECTING or self.collection_ends_at is None:
            return None
        left = self.collection_ends_at - timezone.now()
        if left <= timedelta(0):
            return 0
        return left.days

    @property
    def status_badge(self) -> str:
        """Return the CSS class of the status badge."""
        if self.status in (self.Status.REJECTED, self.Status.WITHDRAWN):
            return "badge-bad"
        if self.status == self.Status.ANSWERED:
            return "badge-bad" if self.outcome == self.Outcome.NOT_SUPPORTED else "badge-ok"
        if self.status in (self.Status.CONSIDERATION, self.Status.SUBMITTED):
            return "badge-warn"
        return ""


class Signature(models.Model):
    """One resident's support of one petition. Append-only: never withdrawn."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    # No index of its own: the unique (petition, resident) and the (petition,
    # created_at) index both start with it, and every signature pays for each
    # index it goes into.
    petition = models.ForeignKey(
        Petition,
        verbose_name=_("petition"),
        on_delete=models.CASCADE,
        related_name="signatures",
        db_index=False,
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="+"
    )
    # The signer's identity hash at signing: one person signs once even if a
    # second account ever held the same identity.
    tax_hash = models.CharField(
        _("tax number hash"), max_length=64, null=True, blank=True, editable=False
    )
    notify_on_answer = models.BooleanField(_("tell me of the answer"), default=False)
    created_at = models.DateTimeField(_("signed at"), default=timezone.now)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["petition", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "resident"], name="signature_one_per_resident"
            ),
            models.UniqueConstraint(
                fields=["petition", "tax_hash"],
                condition=Q(tax_hash__isnull=False),
                name="signature_one_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id}: {self.resident_id}"
