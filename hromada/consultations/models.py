"""
Public consultations: e-consultations on a draft, surveys and public hearings.

Law of Ukraine "On public consultations" №3841-IX (in force 12 months after
martial law ends) and, until then, Cabinet Resolution №996 (2010) as copied
into the community's own rules. A consultation moves draft → announced →
open → closed → processing → report published; every proposal received gets
a decision, and the report cannot be published while one is missing.

Survey answers of an anonymous survey carry no link to a resident: one
response per person is kept by `ResponseKey`, a per-survey keyed hash held
in a table of its own with no relation to the answers.
"""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hromada.core.models import Community, Department, Resident, Settlement

TITLE_MAX = 300
SUMMARY_MAX = 5000
COMMENT_MAX = 5000
DRAFT_MAX = 400_000
ANSWER_TEXT_MAX = 5000
REASON_MAX = 2000


class ConsultationRules(models.Model):
    """The community's consultation rules, one row per community."""

    community = models.OneToOneField(
        Community,
        verbose_name=_("community"),
        on_delete=models.CASCADE,
        related_name="consultation_rules",
    )
    # Law №3841-IX: an e-consultation lasts at least 15 days.
    min_days = models.PositiveSmallIntegerField(
        _("shortest consultation, days"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(180)],
    )
    # The council's own rules (demo: the report within 14 days of closing).
    report_days = models.PositiveSmallIntegerField(
        _("report deadline, days after closing"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(180)],
    )
    # Resolution №996, as copied into local rules: proposals received online
    # are published within 5 working days.
    publish_working_days = models.PositiveSmallIntegerField(
        _("proposals published within, working days"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    # Law "On local self-government", art. 13, and the charter (demo: 500).
    hearing_signatures = models.PositiveIntegerField(
        _("signatures to initiate a public hearing"),
        default=500,
        validators=[MinValueValidator(1), MaxValueValidator(1_000_000)],
    )
    initiative_days = models.PositiveSmallIntegerField(
        _("signature collection for a hearing, days"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    min_age = models.PositiveSmallIntegerField(
        _("minimum age to sign a hearing initiative"),
        default=18,
        validators=[MinValueValidator(14), MaxValueValidator(18)],
    )

    class Meta:
        verbose_name = _("consultation rules")
        verbose_name_plural = _("consultation rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_days__gte=1) & Q(report_days__gte=1), name="consrules_days"
            ),
            models.CheckConstraint(
                condition=Q(hearing_signatures__gte=1), name="consrules_signatures"
            ),
            models.CheckConstraint(
                condition=Q(min_age__gte=14) & Q(min_age__lte=18), name="consrules_min_age"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Consultation rules of %(community)s") % {"community": self.community})


class Topic(models.Model):
    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("consultation topic")
        verbose_name_plural = _("consultation topics")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="constopic_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Consultation(models.Model):
    class Kind(models.TextChoices):
        DRAFT = "draft", _("e-consultation on a draft")
        SURVEY = "survey", _("survey")
        HEARING = "hearing", _("public hearing")

    class Status(models.TextChoices):
        DRAFT = "draft", _("in preparation")
        ANNOUNCED = "announced", _("announced")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")
        PROCESSING = "processing", _("proposals being considered")
        REPORTED = "reported", _("report published")

    class Anonymity(models.TextChoices):
        IDENTIFIED = "identified", _("identified answers")
        ANONYMOUS = "anonymous", _("anonymous answers, one per resident")

    PUBLIC = (Status.ANNOUNCED, Status.OPEN, Status.CLOSED, Status.PROCESSING, Status.REPORTED)
    AFTER_CLOSE = (Status.CLOSED, Status.PROCESSING, Status.REPORTED)

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    uid = models.UUIDField(_("public identifier"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    summary = models.TextField(_("summary"), max_length=SUMMARY_MAX, blank=True)
    # Resolution №996: the announcement names the body, who is affected and how.
    body = models.CharField(_("body holding the consultation"), max_length=300)
    affected = models.TextField(_("who is affected and how"), max_length=SUMMARY_MAX, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=500)
    how_to_take_part = models.TextField(_("how to take part"), max_length=SUMMARY_MAX, blank=True)
    topic = models.ForeignKey(
        Topic,
        verbose_name=_("topic"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultations",
    )
    settlement = models.ForeignKey(
        Settlement,
        verbose_name=_("settlement concerned"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the whole community is concerned."),
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("responsible department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    # Fixed when the consultation closes: days after closing set by the rules.
    report_due_on = models.DateField(_("report due"), null=True, blank=True)
    anonymity = models.CharField(
        _("answers"), max_length=10, choices=Anonymity.choices, default=Anonymity.IDENTIFIED
    )
    results_while_open = models.BooleanField(
        _("results shown while the survey is open"), default=False
    )
    # Public hearing.
    hearing_at = models.DateTimeField(_("hearing date and time"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_link = models.URLField(_("online link"), blank=True)
    agenda = models.TextField(_("agenda"), max_length=SUMMARY_MAX, blank=True)
    capacity = models.PositiveIntegerField(
        _("places for registered participants"), null=True, blank=True
    )
    minutes = models.TextField(_("minutes"), max_length=100_000, blank=True)
    video_url = models.URLField(_("video recording"), blank=True)
    initiative = models.OneToOneField(
        "HearingInitiative",
        verbose_name=_("residents' initiative"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hearing",
    )
    # Report.
    report_published_at = models.DateTimeField(_("report published"), null=True, blank=True)
    report_json = models.TextField(_("report document"), blank=True, editable=False)
    report_sha256 = models.CharField(_("report SHA-256"), max_length=64, blank=True)
    report_notice = models.TextField(_("report summary"), max_length=SUMMARY_MAX, blank=True)
    participants_notified_at = models.DateTimeField(
        _("participants told of the report"), null=True, blank=True, editable=False
    )
    staff_notified_at = models.DateTimeField(
        _("staff last told of new proposals"), null=True, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        Resident,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    announced_at = models.DateTimeField(_("announced"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-opens_at", "-id"]
        indexes = [models.Index(fields=["community", "status", "closes_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["draft", "survey", "hearing"]), name="cons_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["draft", "announced", "open", "closed", "processing", "reported"]
                ),
                name="cons_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="cons_closes_after_opens"
            ),
            models.CheckConstraint(
                condition=~Q(status="reported")
                | (Q(report_published_at__isnull=False) & ~Q(report_sha256="")),
                name="cons_report_has_hash",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("consultations:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        now = timezone.now()
        return self.status == self.Status.OPEN and self.opens_at <= now < self.closes_at

    @property
    def seconds_left(self) -> int | None:
        if self.status != self.Status.OPEN:
            return None
        return max(0, int((self.closes_at - timezone.now()).total_seconds()))

    @property
    def days_left(self) -> int | None:
        left = self.seconds_left
        return None if left is None else left // 86400

    @property
    def is_anonymous(self) -> bool:
        return self.anonymity == self.Anonymity.ANONYMOUS


class DraftVersion(models.Model):
    """One version of the draft: its Markdown text and its articles."""

    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    number = models.PositiveSmallIntegerField(_("version"))
    text = models.TextField(_("text"), max_length=DRAFT_MAX)
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("published"), default=timezone.now)

    class Meta:
        verbose_name = _("draft version")
        verbose_name_plural = _("draft versions")
        ordering = ["consultation", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "number"], name="draftversion_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id} v{self.number}"


class Article(models.Model):
    """An article (or section) of one version; `key` stays the same across versions."""

    version = models.ForeignKey(
        DraftVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="articles"
    )
    key = models.CharField(_("stable identifier"), max_length=80)
    section = models.CharField(_("section"), max_length=300, blank=True)
    heading = models.CharField(_("heading"), max_length=300)
    text = models.TextField(_("text"), blank=True)
    position = models.PositiveIntegerField(_("position"))

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="article_unique_key")
        ]

    def __str__(self) -> str:
        return self.heading


class Comment(models.Model):
    """
    A comment, an amendment or a proposal from a hearing, paper or a survey.

    Every row marked as a proposal needs a decision before the report goes
    out. An amendment carries the article's replacement text.
    """

    class Source(models.TextChoices):
        ONLINE = "online", _("comment online")
        AMENDMENT = "amendment", _("amendment")
        HEARING = "hearing", _("proposal at the public hearing")
        PAPER = "paper", _("proposal on paper")
        SURVEY = "survey", _("proposal in a survey answer")

    class Decision(models.TextChoices):
        # The words of the report (Law №3841-IX): "враховано", not "прийнято"
        # as other modules' "accepted" reads.
        ACCEPTED = "accepted", pgettext_lazy("proposal decision", "accepted")
        PARTLY = "partly", _("partly accepted")
        REJECTED = "rejected", pgettext_lazy("proposal decision", "rejected")

    class Removal(models.TextChoices):
        OFFENSIVE = "offensive", _("offensive")
        OFF_TOPIC = "off_topic", _("off topic")
        PERSONAL_DATA = "personal_data", _("personal data")
        SPAM = "spam", _("advertising or spam")
        DUPLICATE = "duplicate", _("duplicate")

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="comments",
    )
    # Empty: about the whole draft.
    article_key = models.CharField(_("article"), max_length=80, blank=True, db_index=True)
    version = models.ForeignKey(
        DraftVersion,
        verbose_name=_("version commented"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.ONLINE
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # A proposal from paper or the hearing: the name as written down.
    author_name = models.CharField(_("author's name as given"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        Resident,
        verbose_name=_("entered by staff"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField(_("text"), max_length=COMMENT_MAX)
    replacement = models.TextField(_("proposed text of the article"), blank=True)
    original = models.TextField(_("text of the article proposed against"), blank=True)
    is_proposal = models.BooleanField(_("a proposal"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    support_count = models.PositiveIntegerField(_("supported"), default=0)
    oppose_count = models.PositiveIntegerField(_("opposed"), default=0)
    # Moderation: the row stays, the public sees "removed: <reason>".
    removed = models.CharField(_("removed as"), max_length=14, choices=Removal.choices, blank=True)
    removed_note = models.CharField(_("moderator's note"), max_length=REASON_MAX, blank=True)
    removed_by = models.ForeignKey(
        Resident,
        verbose_name=_("removed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
    )
    reply = models.TextField(_("official reply"), max_length=COMMENT_MAX, blank=True)
    replied_by = models.ForeignKey(
        Resident,
        verbose_name=_("replied by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("reason"), max_length=REASON_MAX, blank=True)
    decided_by = models.ForeignKey(
        Resident,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    group = models.PositiveIntegerField(_("group of similar comments"), null=True, blank=True)

    class Meta:
        verbose_name = _("comment or proposal")
        verbose_name_plural = _("comments and proposals")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["consultation", "is_proposal", "decision"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=["online", "amendment", "hearing", "paper", "survey"]),
                name="comment_source_valid",
            ),
            models.CheckConstraint(
                condition=Q(decision__in=["", "accepted", "partly", "rejected"]),
                name="comment_decision_valid",
            ),
            # A partly accepted or rejected proposal says why.
            models.CheckConstraint(
                condition=Q(decision__in=["", "accepted"]) | ~Q(decision_reason=""),
                name="comment_decision_has_reason",
            ),
            # Anonymous proposals are not considered (Resolution №996): an
            # online comment or amendment always has its resident.
            models.CheckConstraint(
                condition=~Q(source__in=["online", "amendment"]) | Q(resident__isnull=False),
                name="comment_online_has_author",
            ),
            models.CheckConstraint(
                condition=~Q(source="amendment") | (~Q(article_key="") & ~Q(replacement="")),
                name="comment_amendment_has_text",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def is_removed(self) -> bool:
        return bool(self.removed)

    @property
    def author_label(self) -> str:
        if self.resident_id:
            return self.resident.public_name
        return self.author_name or str(_("Participant"))


class CommentVote(models.Model):
    """Support (+1) or opposition (−1) of one resident to one comment."""

    comment = models.ForeignKey(
        Comment, verbose_name=_("comment"), on_delete=models.CASCADE, related_name="votes"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="+"
    )
    value = models.SmallIntegerField(_("support or opposition"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("support of a comment")
        verbose_name_plural = _("supports of comments")
        constraints = [
            models.UniqueConstraint(fields=["comment", "resident"], name="commentvote_one"),
            models.CheckConstraint(condition=Q(value__in=[1, -1]), name="commentvote_value"),
        ]

    def __str__(self) -> str:
        return f"{self.comment_id}: {self.value:+d}"


class Subscription(models.Model):
    """A resident who wants to hear of new consultations on a topic or in a settlement."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="+"
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.CASCADE, null=True, blank=True
    )
    settlement = models.ForeignKey(
        Settlement,
        verbose_name=_("settlement subscribed to"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("consultation subscription")
        verbose_name_plural = _("consultation subscriptions")
        constraints = [
            # "All topics" is a null topic; one such row per person, on SQLite
            # too (which has no NULLS NOT DISTINCT), so nulls count as 0.
            models.UniqueConstraint(
                "community",
                "resident",
                Coalesce("topic", 0),
                Coalesce("settlement", 0),
                name="conssubscription_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident_id}"


# Surveys -----------------------------------------------------------------


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("single choice")
        MULTIPLE = "multiple", _("multiple choice")
        RANKING = "ranking", _("ranking")
        SCALE = "scale", _("scale")
        NUMBER = "number", _("number")
        DATE = "date", _("date")
        SHORT = "short", _("short text")
        LONG = "long", _("long text")
        MATRIX_SINGLE = "matrix_single", _("matrix, one answer per row")
        MATRIX_MULTIPLE = "matrix_multiple", _("matrix, several answers per row")

    CHOICE = (Kind.SINGLE, Kind.MULTIPLE, Kind.RANKING, Kind.MATRIX_SINGLE, Kind.MATRIX_MULTIPLE)
    TEXT = (Kind.SHORT, Kind.LONG)

    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("survey"),
        on_delete=models.CASCADE,
        related_name="questions",
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    text = models.CharField(_("question"), max_length=500)
    help_text = models.CharField(_("hint"), max_length=500, blank=True)
    required = models.BooleanField(_("answer required"), default=False)
    # Choice labels, and row labels of a matrix: lists of strings.
    options = models.JSONField(_("options"), default=list, blank=True)
    rows = models.JSONField(_("matrix rows"), default=list, blank=True)
    minimum = models.IntegerField(_("lowest value"), null=True, blank=True)
    maximum = models.IntegerField(_("highest value"), null=True, blank=True)
    # {"join": "and"|"or", "rules": [{"question": position, "test":
    # "answered|equals|not_equals|any_of", "value": option index or list}]}
    condition = models.JSONField(_("shown when"), default=dict, blank=True)

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["consultation", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "position"], name="question_unique_position"
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "single",
                        "multiple",
                        "ranking",
                        "scale",
                        "number",
                        "date",
                        "short",
                        "long",
                        "matrix_single",
                        "matrix_multiple",
                    ]
                ),
                name="question_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.text


class Response(models.Model):
    """
    One submitted response. In an anonymous survey `resident` stays empty.

    Settlement and age group are kept for the filtered results; the results
    suppress any cell with fewer than ten respondents.
    """

    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("survey"),
        on_delete=models.CASCADE,
        related_name="responses",
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    settlement = models.ForeignKey(
        Settlement,
        verbose_name=_("respondent's settlement"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    age_group = models.CharField(_("age group"), max_length=8, blank=True)
    # Day only, not the moment: the order of responses must not match the
    # order in which keys were written.
    submitted_on = models.DateField(_("submitted on"), default=timezone.localdate)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "resident"],
                condition=Q(resident__isnull=False),
                name="response_one_per_resident",
            )
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id}/{self.pk}"


class ResponseKey(models.Model):
    """
    The keyed hash of a resident who answered an anonymous survey.

    HMAC(secret, survey, resident): it proves "answered already" and nothing
    else; no column leads from here to a response, and the rows are not
    ordered with the responses.
    """

    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("survey"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(_("keyed hash"), max_length=64)

    class Meta:
        verbose_name = _("anonymous response key")
        verbose_name_plural = _("anonymous response keys")
        constraints = [
            models.UniqueConstraint(fields=["consultation", "key"], name="responsekey_one")
        ]

    def __str__(self) -> str:
        return self.key[:8]


class Answer(models.Model):
    """
    One value of a response: a chosen option (one row per option chosen), a
    rank, a number, a date or a text. Matrix rows carry their row index.
    """

    response = models.ForeignKey(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="answers"
    )
    row = models.SmallIntegerField(_("matrix row"), null=True, blank=True)
    option = models.SmallIntegerField(_("option"), null=True, blank=True)
    number = models.FloatField(_("number or rank"), null=True, blank=True)
    day = models.DateField(_("date"), null=True, blank=True)
    text = models.TextField(_("text"), max_length=ANSWER_TEXT_MAX, blank=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        indexes = [models.Index(fields=["question", "option"])]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_id}"


# Public hearings ---------------------------------------------------------


class Registration(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", _("registered")
        WAITING = "waiting", _("on the waiting list")
        CANCELLED = "cancelled", _("cancelled")

    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("hearing"),
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)

    class Meta:
        verbose_name = _("hearing registration")
        verbose_name_plural = _("hearing registrations")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "resident"], name="registration_one_per_resident"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["registered", "waiting", "cancelled"]),
                name="registration_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id}: {self.resident_id}"


class HearingInitiative(models.Model):
    """Residents' initiative of a public hearing: signatures collected until the threshold."""

    class Status(models.TextChoices):
        COLLECTING = "collecting", _("collecting signatures")
        REACHED = "reached", _("enough signatures")
        LAPSED = "lapsed", _("not enough signatures in time")
        SCHEDULED = "scheduled", _("hearing scheduled")

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(
        Resident, verbose_name=_("initiator"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("subject of the hearing"), max_length=TITLE_MAX)
    text = models.TextField(_("why a hearing is needed"), max_length=SUMMARY_MAX)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.COLLECTING
    )
    threshold = models.PositiveIntegerField(_("signatures needed"))
    min_age = models.PositiveSmallIntegerField(_("minimum age to sign"), default=18)
    signature_count = models.PositiveIntegerField(_("signatures"), default=0)
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    ends_at = models.DateTimeField(_("collection ends"))
    reached_at = models.DateTimeField(_("threshold reached"), null=True, blank=True)

    class Meta:
        verbose_name = _("hearing initiative")
        verbose_name_plural = _("hearing initiatives")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(threshold__gte=1), name="initiative_threshold"),
            models.CheckConstraint(
                condition=Q(status__in=["collecting", "reached", "lapsed", "scheduled"]),
                name="initiative_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("consultations:initiative", args=[self.pk])

    @property
    def is_collecting(self) -> bool:
        return self.status == self.Status.COLLECTING and timezone.now() < self.ends_at


class InitiativeSignature(models.Model):
    """One identified resident's signature under a hearing initiative (append-only)."""

    initiative = models.ForeignKey(
        HearingInitiative,
        verbose_name=_("initiative"),
        on_delete=models.CASCADE,
        related_name="signatures",
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="+"
    )
    # As under petitions: one person signs once even with a second account.
    tax_hash = models.CharField(
        _("tax number hash"), max_length=64, null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("signed at"), default=timezone.now)

    class Meta:
        verbose_name = _("initiative signature")
        verbose_name_plural = _("initiative signatures")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "resident"], name="initsignature_one_per_resident"
            ),
            models.UniqueConstraint(
                fields=["initiative", "tax_hash"],
                condition=Q(tax_hash__isnull=False),
                name="initsignature_one_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id}: {self.resident_id}"
