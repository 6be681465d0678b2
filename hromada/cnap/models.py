"""
The community's administrative service centre (ЦНАП): catalogue, offices, queue.

Law of Ukraine "On administrative services" №5203-VI and the model
regulations (Cabinet Resolution №588 of 2013): a central office and remote
workplaces in starosta offices, reception hours per weekday that may end
before working hours, walk-in tickets and booked slots in one queue.

What must never break is held by the database: one ticket number per office,
day and series; one ticket in hand per desk; one booking per seat of a slot.
The queue's history is the append-only `QueueEvent`, from which every
statistic is computed.
"""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.core.models import Community, Department, Resident

NAME_MAX = 300
CODE_MAX = 20
BOOKING_CODE_LENGTH = 6


class CnapRules(models.Model):
    """The community's booking and queue rules, one row per community."""

    community = models.OneToOneField(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="cnap_rules"
    )
    # МВС e-booking practice: days open 21 ahead, a monthly cap per person,
    # a block after repeated no-shows. The council sets its own numbers.
    horizon_days = models.PositiveSmallIntegerField(
        _("booking horizon, days"),
        default=21,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    opens_hour = models.PositiveSmallIntegerField(
        _("hour at which the next day opens for booking"),
        default=8,
        validators=[MaxValueValidator(23)],
    )
    monthly_cap = models.PositiveSmallIntegerField(
        _("bookings per person a month"), default=4, validators=[MinValueValidator(1)]
    )
    no_show_limit = models.PositiveSmallIntegerField(
        _("no-shows that block booking"), default=3, validators=[MinValueValidator(1)]
    )
    no_show_days = models.PositiveSmallIntegerField(
        _("no-shows counted over, days"), default=30, validators=[MinValueValidator(1)]
    )
    late_minutes = models.PositiveSmallIntegerField(
        _("minutes late after which a booking becomes a walk-in"), default=10
    )
    check_in_minutes = models.PositiveSmallIntegerField(
        _("minutes a remote queue join has to check in"),
        default=30,
        validators=[MinValueValidator(5)],
    )
    recalls_before_no_show = models.PositiveSmallIntegerField(
        _("recalls before a no-show may be marked"), default=2
    )
    priority_series = models.CharField(_("priority series letter"), max_length=1, default="П")
    # Share of a desk's last ten calls that may go to priority visitors while
    # regular ones wait, so that they are not starved.
    priority_cap = models.FloatField(
        _("largest share of priority calls"),
        default=0.3,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )

    class Meta:
        verbose_name = _("service centre rules")
        verbose_name_plural = _("service centre rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(horizon_days__gte=1) & Q(horizon_days__lte=90),
                name="cnaprules_horizon",
            ),
            models.CheckConstraint(condition=Q(opens_hour__lte=23), name="cnaprules_opens_hour"),
            models.CheckConstraint(
                condition=Q(monthly_cap__gte=1) & Q(no_show_limit__gte=1),
                name="cnaprules_limits",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Service centre rules of %(community)s") % {"community": self.community})


class LifeSituation(models.Model):
    """A life event residents look for services by: birth, moving house, business…"""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("short name in addresses"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("life situation")
        verbose_name_plural = _("life situations")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="lifesituation_unique_slug")
        ]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    """An administrative service of the catalogue (the information card, №5203-VI art. 8)."""

    class Audience(models.TextChoices):
        PERSON = "person", _("individuals")
        BUSINESS = "business", _("businesses")
        BOTH = "both", _("individuals and businesses")

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=NAME_MAX)
    code = models.CharField(_("code"), max_length=CODE_MAX)
    audience = models.CharField(
        _("for whom"), max_length=10, choices=Audience.choices, default=Audience.PERSON
    )
    life_situations = models.ManyToManyField(
        LifeSituation, verbose_name=_("life situations"), blank=True, related_name="services"
    )
    documents = models.TextField(
        _("required documents"), blank=True, help_text=_("One document a line.")
    )
    cost = models.CharField(_("cost"), max_length=300, default="", blank=True)
    payment_details = models.TextField(_("payment details"), blank=True)
    term = models.CharField(_("term of provision"), max_length=300, blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    result = models.CharField(_("result"), max_length=500, blank=True)
    in_person = models.BooleanField(_("at the central office"), default=True)
    at_remote_workplace = models.BooleanField(_("at a remote workplace"), default=False)
    by_mobile_office = models.BooleanField(_("by a mobile office visit"), default=False)
    diia_url = models.URLField(_("online through Diia (link)"), blank=True)
    provider_department = models.ForeignKey(
        Department,
        verbose_name=_("provider (department)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    provider_name = models.CharField(
        _("provider (state body)"),
        max_length=200,
        blank=True,
        help_text=_("When a state body, not a department of the council, provides it."),
    )
    duration_minutes = models.PositiveSmallIntegerField(
        _("typical time at the desk, minutes"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
    )
    booking_allowed = models.BooleanField(_("may be booked online"), default=True)
    # ДМС practice: a third of the day's places may be booked online.
    online_share = models.FloatField(
        _("share of capacity bookable online"),
        default=1 / 3,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    needs_registers = models.BooleanField(
        _("needs state registers"),
        default=False,
        help_text=_("Not offered while the office works in blackout mode."),
    )
    series = models.CharField(_("ticket series letter"), max_length=1, default="А")
    is_active = models.BooleanField(_("offered"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    search_text = models.TextField(_("search text"), editable=False, default="")

    class Meta:
        verbose_name = _("administrative service")
        verbose_name_plural = _("administrative services")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="service_unique_code"),
            models.CheckConstraint(
                condition=Q(online_share__gte=0) & Q(online_share__lte=1),
                name="service_online_share",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1) & Q(duration_minutes__lte=240),
                name="service_duration",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cnap:service", args=[self.pk])

    @property
    def provider(self) -> str:
        if self.provider_department_id:
            return self.provider_department.name
        return self.provider_name

    def document_lines(self) -> list[str]:
        return [line.strip() for line in self.documents.splitlines() if line.strip()]


class PriorityCategory(models.Model):
    """Who is served first (МВС practice): editable by the community."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("priority category")
        verbose_name_plural = _("priority categories")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Office(models.Model):
    """The central ЦНАП or a remote workplace in a starosta office."""

    class Kind(models.TextChoices):
        CENTRAL = "central", _("central office")
        REMOTE = "remote", _("remote workplace")

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CENTRAL)
    address = models.CharField(_("address"), max_length=300)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # A starosta acts for the office through a staff role in this department.
    department = models.ForeignKey(
        Department,
        verbose_name=_("starosta office (department)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Air-raid alert: nobody is called, check-in deadlines stop.
    paused_since = models.DateTimeField(
        _("paused for an air-raid alert since"), null=True, blank=True
    )
    # No state registers: services that need them are not offered.
    blackout = models.BooleanField(_("blackout mode"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cnap:office", args=[self.pk])

    @property
    def is_paused(self) -> bool:
        return self.paused_since is not None


class ReceptionHours(models.Model):
    """When an office receives visitors on a weekday (may end before working hours)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.CASCADE, related_name="hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("reception opens"))
    closes = models.TimeField(_("reception closes"))

    class Meta:
        verbose_name = _("reception hours")
        verbose_name_plural = _("reception hours")
        ordering = ["office", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["office", "weekday"], name="receptionhours_unique_day"),
            models.CheckConstraint(
                condition=Q(opens__lt=models.F("closes")), name="receptionhours_order"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="receptionhours_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class OfficeException(models.Model):
    """A day an office is closed or receives for shorter hours (holidays, the day before)."""

    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.CASCADE, related_name="exceptions"
    )
    date = models.DateField(_("date"))
    closed = models.BooleanField(_("closed all day"), default=False)
    opens = models.TimeField(_("reception opens"), null=True, blank=True)
    closes = models.TimeField(_("reception closes"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("special day")
        verbose_name_plural = _("special days")
        ordering = ["office", "date"]
        constraints = [
            models.UniqueConstraint(fields=["office", "date"], name="officeexception_unique_date"),
            models.CheckConstraint(
                condition=Q(closed=True)
                | (
                    Q(opens__isnull=False)
                    & Q(closes__isnull=False)
                    & Q(opens__lt=models.F("closes"))
                ),
                name="officeexception_hours",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.note}"


class Desk(models.Model):
    """A window (вікно) of an office and the services it handles."""

    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.CASCADE, related_name="desks"
    )
    number = models.PositiveSmallIntegerField(
        _("number"), validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    services = models.ManyToManyField(
        Service, verbose_name=_("services"), blank=True, related_name="desks"
    )
    is_open = models.BooleanField(_("open"), default=True)
    on_break = models.BooleanField(_("on a break"), default=False)
    operator = models.ForeignKey(
        Resident,
        verbose_name=_("operator"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("desk")
        verbose_name_plural = _("desks")
        ordering = ["office", "number"]
        constraints = [
            models.UniqueConstraint(fields=["office", "number"], name="desk_unique_number"),
            models.CheckConstraint(
                condition=Q(number__gte=1) & Q(number__lte=99), name="desk_number_range"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Desk %(number)s") % {"number": self.number})


class TicketCounter(models.Model):
    """The last number issued per office, day and series: daily numbering."""

    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    series = models.CharField(_("series"), max_length=1)
    last = models.PositiveIntegerField(_("last number issued"), default=0)

    class Meta:
        verbose_name = _("ticket counter")
        verbose_name_plural = _("ticket counters")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "day", "series"], name="ticketcounter_unique_series"
            )
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.day}: {self.last}"


class Booking(models.Model):
    """A booked time slot of a future day; the seat makes its capacity a constraint."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        CHECKED_IN = "checked_in", _("checked in")
        CANCELLED = "cancelled", _("cancelled")
        NO_SHOW = "no_show", _("did not come")

    ACTIVE = (Status.BOOKED, Status.CHECKED_IN)

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.CASCADE, related_name="bookings"
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="bookings"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="cnap_bookings"
    )
    starts_at = models.DateTimeField(_("slot"))
    # A slot of capacity n has seats 0…n-1; a unique seat, not a count, decides
    # which of many simultaneous bookings of the last place wins.
    seat = models.PositiveSmallIntegerField(_("seat in the slot"), default=0)
    code = models.CharField(_("check-in code"), max_length=BOOKING_CODE_LENGTH)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.BOOKED
    )
    created_at = models.DateTimeField(_("booked at"), default=timezone.now, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # Claimed by the reminder job before sending: each reminder goes once.
    reminded_day_at = models.DateTimeField(_("reminded a day before at"), null=True, blank=True)
    reminded_hour_at = models.DateTimeField(_("reminded an hour before at"), null=True, blank=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "service", "starts_at", "seat"],
                condition=Q(status__in=["booked", "checked_in"]),
                name="booking_one_per_seat",
            ),
            models.UniqueConstraint(
                fields=["office", "code"],
                condition=Q(status="booked"),
                name="booking_unique_code",
            ),
        ]
        indexes = [models.Index(fields=["resident", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.service} — {timezone.localtime(self.starts_at):%d.%m.%Y %H:%M}"


class Ticket(models.Model):
    """A visitor's place in an office's live queue for one day."""

    class Kind(models.TextChoices):
        WALK_IN = "walk_in", _("walk-in")
        REMOTE = "remote", _("joined remotely")
        BOOKED = "booked", _("booked")

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        CALLED = "called", _("called")
        SERVING = "serving", _("being served")
        DONE = "done", _("served")
        NO_SHOW = "no_show", _("did not come to the desk")
        CANCELLED = "cancelled", _("cancelled")
        LAPSED = "lapsed", _("lapsed: not checked in")

    class Outcome(models.TextChoices):
        SERVED = "served", _("served")
        NEEDS_DOCUMENTS = "needs_documents", _("needs documents")
        REDIRECTED = "redirected", _("redirected")
        NOT_SERVED = "not_served", _("not served")

    IN_HAND = (Status.CALLED, Status.SERVING)
    OPEN = (Status.WAITING, Status.CALLED, Status.SERVING)

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.CASCADE, related_name="tickets"
    )
    day = models.DateField(_("day"))
    series = models.CharField(_("series"), max_length=1)
    number = models.PositiveIntegerField(_("number"))
    # The ticket page's address: the number alone is easy to guess.
    token = models.UUIDField(_("page key"), default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="tickets"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.WALK_IN)
    priority = models.ForeignKey(
        PriorityCategory,
        verbose_name=_("priority category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cnap_tickets",
    )
    # A visitor without an account who joined by a confirmed phone code
    # (E.164); erased once the day is over.
    phone = models.CharField(_("confirmed phone"), max_length=16, blank=True)
    booking = models.OneToOneField(
        Booking,
        verbose_name=_("booking"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ticket",
    )
    desk = models.ForeignKey(
        Desk,
        verbose_name=_("desk"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set by a transfer to one desk: only that desk calls the ticket.
    target_desk = models.ForeignKey(
        Desk,
        verbose_name=_("transferred to desk"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # A remote join checks in at the kiosk with this code.
    code = models.CharField(_("check-in code"), max_length=BOOKING_CODE_LENGTH, blank=True)
    slot_at = models.DateTimeField(_("booked slot"), null=True, blank=True)
    # Place in the queue: kept by a transfer and by an air-raid pause.
    queued_at = models.DateTimeField(_("in the queue since"), default=timezone.now)
    check_in_by = models.DateTimeField(_("check in by"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    started_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    recalls = models.PositiveSmallIntegerField(_("calls again"), default=0)
    # Each notification is claimed by stamping these first: sent once.
    near_notified_at = models.DateTimeField(_("told 3 are ahead at"), null=True, blank=True)
    called_notified_at = models.DateTimeField(_("told of the call at"), null=True, blank=True)
    priority_confirmed_at = models.DateTimeField(
        _("priority document checked at"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["queued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "day", "series", "number"], name="ticket_unique_number"
            ),
            # One desk holds one ticket at a time; the claim is a conditional
            # UPDATE, so a ticket is never held by two desks either.
            models.UniqueConstraint(
                fields=["desk"],
                condition=Q(status__in=["called", "serving"]),
                name="ticket_one_in_hand_per_desk",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["called", "serving"]) | Q(desk__isnull=False),
                name="ticket_in_hand_has_desk",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="ticket_number_positive"),
            # A phone holds one open place per service a day.
            models.UniqueConstraint(
                fields=["office", "service", "day", "phone"],
                condition=Q(status__in=["waiting", "called", "serving"]) & ~Q(phone=""),
                name="ticket_one_open_per_phone",
            ),
        ]
        indexes = [models.Index(fields=["office", "status", "queued_at"])]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("cnap:ticket", args=[self.token])

    @property
    def label(self) -> str:
        return f"{self.series}{self.number}"


class QueueEvent(models.Model):
    """One step of a ticket's life, appended and never changed: statistics read these."""

    class Action(models.TextChoices):
        ISSUED = "issued", _("issued")
        JOINED = "joined", _("joined remotely")
        CHECKED_IN = "checked_in", _("checked in")
        CALLED = "called", _("called")
        RECALLED = "recalled", _("called again")
        STARTED = "started", _("service started")
        FINISHED = "finished", _("finished")
        TRANSFERRED = "transferred", _("transferred")
        NO_SHOW = "no_show", _("did not come")
        CANCELLED = "cancelled", _("cancelled")
        LAPSED = "lapsed", _("lapsed")
        PAUSED = "paused", _("office paused")
        RESUMED = "resumed", _("office resumed")

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.CASCADE, related_name="+"
    )
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
    )
    desk = models.ForeignKey(
        Desk,
        verbose_name=_("desk"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor = models.ForeignKey(
        Resident,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    outcome = models.CharField(_("outcome"), max_length=20, blank=True)
    priority = models.BooleanField(_("priority visitor"), default=False)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("queue event")
        verbose_name_plural = _("queue events")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["office", "at"]),
            models.Index(fields=["desk", "action", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {timezone.localtime(self.at):%d.%m %H:%M}"


PHONE_CODE_LENGTH = 6
PHONE_CODE_MINUTES = 5
PHONE_CODE_TRIES = 5


class PhoneCode(models.Model):
    """
    A one-time code sent by SMS so a visitor without an account can join today's queue.

    Only a keyed hash of the code is kept; the row dies after a few minutes
    or `PHONE_CODE_TRIES` wrong tries, whichever comes first.
    """

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.CASCADE, related_name="+"
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="+"
    )
    # The confirmation page's address: what the visitor's browser holds.
    token = models.UUIDField(_("page key"), default=uuid.uuid4, unique=True, editable=False)
    phone = models.CharField(_("phone"), max_length=16)
    code_hash = models.CharField(_("code hash"), max_length=64)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("valid until"))
    attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    ticket = models.OneToOneField(
        Ticket,
        verbose_name=_("ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("phone code")
        verbose_name_plural = _("phone codes")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(attempts__lte=PHONE_CODE_TRIES), name="phonecode_tries"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Phone code of %(at)s") % {"at": f"{self.created_at:%d.%m.%Y %H:%M}"})


class PriorityUse(models.Model):
    """
    A priority document the operator checked: one a day per service per person.

    The person is a keyed hash of the document's number, so the table holds
    no document numbers and still tells the same person twice.
    """

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="+"
    )
    person = models.CharField(_("document key"), max_length=64)
    ticket = models.OneToOneField(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="priority_use"
    )
    category = models.ForeignKey(
        PriorityCategory,
        verbose_name=_("priority category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        Resident,
        verbose_name=_("checked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("checked at"), default=timezone.now)

    class Meta:
        verbose_name = _("priority document check")
        verbose_name_plural = _("priority document checks")
        ordering = ["-confirmed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "day", "service", "person"],
                name="priorityuse_once_a_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day:%d.%m.%Y} {self.service}"
