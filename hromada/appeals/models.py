"""
Open City problem reports and residents' written appeals.

A problem report has a place on the map; a written appeal (proposal,
statement, complaint under the Law "On citizens' appeals") has none. Both get
a registration number per community and year, a category that routes them to
a department, and the legal deadline of art. 20 of that law.
"""

from __future__ import annotations

import math
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hromada.core.models import Community, Department, Resident, Street
from hromada.core.storage import private_storage

# Grid cells of 0.01° (about 1.1 km × 0.77 km here) index the map: a viewport
# becomes a short list of cells, each an equality lookup in one index.
CELL_DEGREES = 0.01


def cell_of(lat: float, lon: float) -> int:
    """Return the map grid cell of a point."""
    row = math.floor(lat / CELL_DEGREES) + 9000
    column = math.floor(lon / CELL_DEGREES) + 18000
    return row * 100_000 + column


def new_token() -> str:
    return uuid.uuid4().hex


class Category(models.Model):
    """A kind of problem or topic; groups hold categories, categories hold appeals."""

    class Kind(models.TextChoices):
        # Map categories are what Open City and Open311 offer; written topics
        # are what an appeal to the council is about (a school, a clinic…),
        # which a map category of potholes and street lights cannot name.
        MAP = "map", _("map problem")
        WRITTEN = "written", _("topic of written appeals")

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    kind = models.CharField(
        _("used for"),
        max_length=8,
        choices=Kind.choices,
        default=Kind.MAP,
        help_text=_(
            "Map problems are offered for reports on the map and to Open311 applications; "
            "topics, to residents writing to the council. A category has its group's kind."
        ),
    )
    service_code = models.SlugField(
        _("service code"),
        max_length=40,
        help_text=_("A short Latin code, used by the Open311 API and in links."),
    )
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("responsible department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    target_days = models.PositiveSmallIntegerField(
        _("target, working days"),
        default=10,
        help_text=_("How many working days the council aims to take; shown to residents."),
    )
    requires_study = models.BooleanField(
        _("usually needs additional study"),
        default=False,
        help_text=_("Appeals then get 30 days instead of 15 (Law on citizens' appeals, art. 20)."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "service_code"], name="appeals_category_unique_code"
            ),
            models.CheckConstraint(
                condition=Q(target_days__gte=1) & Q(target_days__lte=45),
                name="appeals_category_target_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # A group lists its children in one place only: the map or the written form.
        if self.parent is not None and self.parent.kind != self.kind:
            raise ValidationError({"kind": _("A category is used for the same as its group.")})

    @property
    def is_group(self) -> bool:
        return self.parent_id is None

    @property
    def is_map(self) -> bool:
        return self.kind == self.Kind.MAP

    def display_name(self, language: str = "uk") -> str:
        """Return the name in the language, falling back to the Ukrainian one."""
        if language == "en" and self.name_en:
            return self.name_en
        return self.name


class CategoryAttribute(models.Model):
    """An extra question of a category (Open311 service definition attribute)."""

    class Datatype(models.TextChoices):
        STRING = "string", _("short text")
        NUMBER = "number", pgettext_lazy("attribute type", "number")
        DATETIME = "datetime", _("date and time")
        TEXT = "text", _("long text")
        SINGLE = "singlevaluelist", _("one choice from a list")
        MULTI = "multivaluelist", _("several choices from a list")

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="attributes"
    )
    code = models.SlugField(_("code"), max_length=40)
    datatype = models.CharField(_("type"), max_length=16, choices=Datatype.choices)
    variable = models.BooleanField(
        _("asks for input"),
        default=True,
        help_text=_("Untick for a note shown to the resident without a field."),
    )
    required = models.BooleanField(_("required"), default=False)
    description = models.CharField(_("question"), max_length=300)
    datatype_description = models.CharField(_("hint"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    # [{"key": "small", "name": "…"}, …] for the list types.
    values = models.JSONField(pgettext_lazy("attribute", "choices"), default=list, blank=True)

    class Meta:
        verbose_name = _("category question")
        verbose_name_plural = _("category questions")
        ordering = ["category", "order"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="appeals_attribute_code"),
            models.UniqueConstraint(fields=["category", "order"], name="appeals_attribute_order"),
            models.CheckConstraint(condition=Q(order__gte=1), name="appeals_attribute_order_pos"),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(str(item["key"]), str(item["name"])) for item in self.values or []]


class AppealCounter(models.Model):
    """The last registration number given in a community in a year."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number given"), default=0)

    class Meta:
        verbose_name = _("registration number counter")
        verbose_name_plural = _("registration number counters")
        constraints = [
            models.UniqueConstraint(fields=["community", "year"], name="appeals_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Open311Key(models.Model):
    """A partner application's key for posting Open311 requests; only its hash is kept."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("application"), max_length=120)
    prefix = models.CharField(_("key starts with"), max_length=8)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    requests_per_minute = models.PositiveIntegerField(
        _("requests per minute"), default=60, help_text=_("0 means no limit.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("issued"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 key")
        verbose_name_plural = _("Open311 keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Appeal(models.Model):
    class Kind(models.TextChoices):
        REPORT = "report", _("problem report")
        PROPOSAL = "proposal", _("proposal")
        STATEMENT = "statement", _("statement")
        COMPLAINT = "complaint", _("complaint")

    class Channel(models.TextChoices):
        WEB = "web", _("website")
        API = "api", _("API")
        OPEN311 = "open311", _("Open311 application")
        PHONE = "phone", _("phone call")
        PAPER = "paper", _("paper letter")
        CHATBOT = "chatbot", _("chatbot")
        CONTACT_CENTRE = "contact", _("contact centre")
        PETITION = "petition", _("e-petition")

    class Status(models.TextChoices):
        NEW = "new", _("registered")
        ACCEPTED = "accepted", _("accepted")
        IN_PROGRESS = "in_progress", _("in progress")
        RESOLVED = "resolved", _("resolved")
        CLOSED = "closed", _("closed")
        REJECTED = "rejected", _("rejected")
        MERGED = "merged", _("merged with another report")

    OPEN_STATUSES = (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS)
    CLOSED_STATUSES = (Status.RESOLVED, Status.CLOSED, Status.REJECTED, Status.MERGED)
    WRITTEN_KINDS = (Kind.PROPOSAL, Kind.STATEMENT, Kind.COMPLAINT)

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    number = models.CharField(_("registration number"), max_length=14)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    # Status group kept beside the status: lists and Open311 filter on it.
    is_open = models.BooleanField(_("open (registered, accepted or in progress)"), default=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    author = models.ForeignKey(
        Resident,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appeals",
    )
    author_public = models.BooleanField(_("show the author's name"), default=False)
    # Who wrote in when there is no account: phone calls, letters, Open311 apps.
    contact_name = models.CharField(_("name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    contact_phone = models.CharField(_("phone"), max_length=40, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    description = models.TextField(_("description"))
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    # Set only for reports shown on the public map (see CELL_DEGREES).
    cell = models.IntegerField(_("map grid cell"), null=True, blank=True, editable=False)
    street = models.ForeignKey(
        Street,
        verbose_name=_("street"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    address = models.CharField(_("address or landmark"), max_length=300, blank=True)
    attributes = models.JSONField(_("answers to the category's questions"), default=dict)
    media_url = models.URLField(_("link to media"), max_length=500, blank=True)
    # The storage name of the first photo of the problem, kept here so that
    # lists (Open311) need no second query for their media_url.
    cover = models.CharField(
        _("first photo of the problem"),
        max_length=200,
        blank=True,
        default="",
        db_default="",
        editable=False,
    )
    # What an Open311 application sends about itself (GeoReport v2).
    device_id = models.CharField(_("device ID in the application"), max_length=100, blank=True)
    account_id = models.CharField(_("account ID in the application"), max_length=100, blank=True)
    open311_key = models.ForeignKey(
        Open311Key,
        verbose_name=_("Open311 key"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    token = models.CharField(
        _("Open311 token"), max_length=32, unique=True, default=new_token, editable=False
    )
    hidden = models.BooleanField(
        _("hidden from the public"),
        default=False,
        help_text=_("For abusive content or personal data; the author still sees it."),
    )
    requires_study = models.BooleanField(_("needs additional study"), default=False)
    due_on = models.DateField(_("answer due"))
    target_on = models.DateField(_("target date"))
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    escalated_for = models.DateField(
        _("overdue term reported to the head"), null=True, blank=True, editable=False
    )
    status_notes = models.TextField(_("latest note"), blank=True)
    redirect_to = models.CharField(_("whom to turn to"), max_length=300, blank=True)
    resolution = models.TextField(_("answer"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
    )
    # Where a registration came from when the platform made it itself, such as
    # "petition:<uid>" for a petition that missed its threshold: one appeal
    # per source, kept by the database.
    source = models.CharField(
        _("registered by the platform from"), max_length=64, null=True, blank=True, editable=False
    )
    supporters_count = models.PositiveIntegerField(_("residents with the same problem"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="appeals_unique_number"),
            models.UniqueConstraint(fields=["source"], name="appeals_unique_source"),
            models.CheckConstraint(
                condition=Q(lat__isnull=True, lon__isnull=True)
                | Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180),
                name="appeals_point_valid",
            ),
            models.CheckConstraint(
                condition=~Q(kind="report") | Q(lat__isnull=False) | ~Q(address=""),
                name="appeals_report_has_place",
            ),
            models.CheckConstraint(
                condition=Q(is_open=True, status__in=["new", "accepted", "in_progress"])
                | Q(is_open=False, status__in=["resolved", "closed", "rejected", "merged"]),
                name="appeals_open_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(status="merged", merged_into__isnull=False)
                | (~Q(status="merged") & Q(merged_into__isnull=True)),
                name="appeals_merged_has_target",
            ),
        ]
        indexes = [
            # The map: cells of a viewport, then the period; covering, so the
            # rows themselves are never read.
            models.Index(
                fields=["community", "cell", "created_at", "status", "category", "lat", "lon"],
                name="appeals_map_idx",
            ),
            models.Index(fields=["community", "created_at"], name="appeals_created_idx"),
            # Open311 lists: the public reports of a period, newest first, with
            # what decides whether a kept row text is still good; covering on
            # PostgreSQL, so a cold list reads no table rows to find its keys.
            models.Index(
                fields=["community", "created_at", "id"],
                include=["updated_at", "is_open", "category"],
                condition=Q(kind="report", hidden=False),
                name="appeals_public_created_idx",
            ),
            models.Index(
                fields=["community", "is_open", "created_at"], name="appeals_open_created_idx"
            ),
            models.Index(fields=["community", "is_open", "due_on"], name="appeals_due_idx"),
            models.Index(fields=["community", "status", "department"], name="appeals_queue_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("appeals:detail", args=[self.pk])

    @property
    def is_report(self) -> bool:
        return self.kind == self.Kind.REPORT

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_on < timezone.localdate()

    @property
    def target_missed(self) -> bool:
        return self.is_open and self.target_on < timezone.localdate()

    @property
    def author_display(self) -> str:
        """Return the name shown publicly: the author's, if they chose so."""
        if self.author_public and self.author is not None:
            return self.author.public_name
        return str(_("Name hidden by the author"))


def photo_path(instance: AppealPhoto, filename: str) -> str:
    return f"appeals/{instance.community_id}/{timezone.now():%Y/%m}/{filename}"


def photo_storage():
    """Photos are private files: only the photo view, which checks access, sends them."""
    return private_storage


class AppealPhoto(models.Model):
    class Kind(models.TextChoices):
        BEFORE = "before", _("photo of the problem")
        AFTER = "after", _("photo after the work")

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    appeal = models.ForeignKey(
        Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="photos"
    )
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices, default=Kind.BEFORE)
    image = models.ImageField(_("photo"), upload_to=photo_path, storage=photo_storage)
    uploaded_by = models.ForeignKey(
        Resident,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.appeal} {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("appeals:photo", args=[self.appeal_id, self.pk])


class Supporter(models.Model):
    """A resident who has the same problem ("I have this problem too")."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    appeal = models.ForeignKey(
        Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="supporters"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("marked"), default=timezone.now)

    class Meta:
        verbose_name = _("supporter")
        verbose_name_plural = _("supporters")
        constraints = [
            models.UniqueConstraint(fields=["appeal", "resident"], name="appeals_support_once")
        ]

    def __str__(self) -> str:
        return f"{self.appeal}: {self.resident}"
