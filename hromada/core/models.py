"""
Communities, residents and the cross-cutting records every module shares.

The community is the tenant: every module's data points at one. A resident
has one account for the whole installation; links to a community decide what
the resident may do there.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hromada.core.names import short_name, vocative


class Identity(models.IntegerChoices):
    """How sure the platform is of who a resident is; higher is stronger."""

    NONE = 0, _("not confirmed")
    EMAIL = 1, _("e-mail confirmed")
    # Through ID.GOV.UA or in person at a support point (ЦНАП, starosta office).
    STRONG = 2, _("identified (ID.GOV.UA or in person)")


class Community(models.Model):
    slug = models.SlugField(_("short name"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    # Ukrainian headings need the name in the genitive ("Громадський бюджет
    # Чорноморської міської територіальної громади"); without it they are
    # phrased so that the nominative fits.
    name_genitive = models.CharField(
        _("name in the genitive case"),
        max_length=200,
        blank=True,
        help_text=_("Whose: for example, “Чорноморської міської територіальної громади”."),
    )
    katottg = models.CharField(_("KATOTTG code"), max_length=19, blank=True)
    edrpou = models.CharField(_("council's EDRPOU code"), max_length=8, blank=True)
    council_name = models.CharField(_("council"), max_length=200, blank=True)
    emblem = models.ImageField(_("emblem"), upload_to="emblems/", blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    postal_address = models.CharField(_("postal address"), max_length=300, blank=True)
    website = models.URLField(_("website"), blank=True)
    domain = models.CharField(
        _("own domain"),
        max_length=200,
        blank=True,
        help_text=_("Leave empty to use <short name>.<base domain>."),
    )
    languages = models.CharField(_("languages"), max_length=50, default="uk,en")
    # GeoJSON Polygon or MultiPolygon in WGS 84, [lon, lat] pairs.
    territory = models.JSONField(_("territory"), default=dict, blank=True)
    # Identity level per action ("petitions.sign": 2); absent means the
    # module's own default.
    action_levels = models.JSONField(_("identity level per action"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain"], condition=~Q(domain=""), name="community_domain_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def required_level(self, action: str, default: int) -> int:
        """Return the identity level the community requires for `action`."""
        return int(self.action_levels.get(action, default))

    def contains_point(self, lat: float, lon: float) -> bool:
        """Return whether the point lies inside the community's territory."""
        from hromada.core.geo import territory_contains

        return territory_contains(self.territory, lat=lat, lon=lon)


class Settlement(models.Model):
    class Kind(models.TextChoices):
        CITY = "city", _("city")
        TOWN = "town", _("settlement")
        VILLAGE = "village", _("village")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="settlements", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    katottg = models.CharField(_("KATOTTG code"), max_length=19, blank=True)

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["community", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="settlement_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"


class Street(models.Model):
    settlement = models.ForeignKey(
        Settlement,
        on_delete=models.CASCADE,
        related_name="streets",
        verbose_name=pgettext_lazy("place", "settlement"),
    )
    name = models.CharField(_("name"), max_length=160)
    # A point near the street's middle for maps and address search.
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        ordering = ["settlement", "name"]
        constraints = [
            models.UniqueConstraint(fields=["settlement", "name"], name="street_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.settlement.name}"


class Department(models.Model):
    class Kind(models.TextChoices):
        UNIT = "unit", _("structural unit")
        ENTERPRISE = "enterprise", _("communal enterprise")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="departments", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.UNIT)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    head = models.ForeignKey(
        "Resident",
        verbose_name=_("head"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_departments",
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["community", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="department_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ResidentManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> Resident:
        resident = self.model(email=self.normalize_email(email).lower(), **fields)
        resident.set_password(password)
        resident.save(using=self._db)
        return resident

    def create_superuser(self, email: str, password: str | None = None, **fields) -> Resident:
        fields.update(is_staff=True, is_superuser=True, identity_level=Identity.EMAIL)
        return self.create_user(email, password, **fields)


class Resident(AbstractBaseUser, PermissionsMixin):
    """One person's account, for every community of the installation."""

    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    identity_level = models.PositiveSmallIntegerField(
        _("identity level"), choices=Identity.choices, default=Identity.NONE
    )
    # HMAC of the tax number (РНОКПП): one person, one strong account. The
    # number itself is never stored.
    tax_hash = models.CharField(
        max_length=64, null=True, blank=True, editable=False, verbose_name=_("tax number hash")
    )
    strong_verified_at = models.DateTimeField(_("identified at"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=5, default="uk")
    notify_by_email = models.BooleanField(_("notify me by e-mail"), default=True)
    # SMS goes only to a phone confirmed by a texted code (hromada.core.phone);
    # changing the phone clears both.
    notify_by_sms = models.BooleanField(_("notify me by SMS"), default=False)
    phone_confirmed_at = models.DateTimeField(_("phone confirmed at"), null=True, blank=True)
    is_staff = models.BooleanField(_("back-office access"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    objects = ResidentManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        constraints = [
            models.UniqueConstraint(
                fields=["tax_hash"],
                condition=Q(tax_hash__isnull=False),
                name="resident_one_account_per_person",
            ),
            models.CheckConstraint(
                condition=Q(identity_level__in=[0, 1, 2]), name="resident_identity_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        """Return the given name and patronymic: the first word is the surname."""
        return short_name(self.full_name) if self.full_name else self.email

    @property
    def greeting_name(self) -> str:
        """Return the name a greeting addresses: "Олено Петрівно" in Ukrainian."""
        if not self.full_name:
            return self.email
        if (translation.get_language() or "").startswith("uk"):
            return vocative(self.full_name)
        return self.get_short_name()

    @property
    def public_name(self) -> str:
        """Return the name shown on public pages (anonymised after deletion)."""
        if self.deleted_at:
            return str(_("Former resident"))
        return self.full_name or str(_("Resident"))

    def age_on(self, day) -> int | None:
        if self.birth_date is None:
            return None
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years

    def roles_in(self, community: Community) -> set[str]:
        """Return the names of the resident's staff roles in the community."""
        cache = self.__dict__.setdefault("_roles_cache", {})
        if community.pk not in cache:
            cache[community.pk] = set(
                self.staff_roles.filter(community=community).values_list("role", flat=True)
            )
        return cache[community.pk]

    def has_role(self, community: Community, *roles: str) -> bool:
        if self.is_superuser:
            return True
        mine = self.roles_in(community)
        return StaffRole.Role.ADMINISTRATOR in mine or bool(mine.intersection(roles))

    def is_staff_of(self, community: Community) -> bool:
        return self.is_superuser or bool(self.roles_in(community))

    def departments_in(self, community: Community) -> list[int]:
        """Return ids of the departments the resident works for in the community."""
        return list(
            self.staff_roles.filter(community=community, department__isnull=False).values_list(
                "department_id", flat=True
            )
        )

    def acts_for(self, department: Department | None) -> bool:
        """Return whether the resident may act on items of the department."""
        if department is None:
            return False
        community = department.community
        if self.has_role(community, StaffRole.Role.MODERATOR):
            return True
        return department.pk in self.departments_in(community)

    def require_role(self, community: Community, *roles: str) -> None:
        if not self.has_role(community, *roles):
            raise PermissionDenied


class CommunityLink(models.Model):
    """A resident's tie to a community: where they live, work or study."""

    class Kind(models.TextChoices):
        LIVES = "lives", _("lives here")
        WORKS = "works", _("works here")
        STUDIES = "studies", _("studies here")
        DISPLACED = "displaced", _("internally displaced person living here")

    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="links", verbose_name=_("resident")
    )
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="links", verbose_name=_("community")
    )
    kind = models.CharField(_("link"), max_length=10, choices=Kind.choices)
    street = models.ForeignKey(
        Street, verbose_name=_("street"), on_delete=models.PROTECT, null=True, blank=True
    )
    house = models.CharField(_("house"), max_length=20, blank=True)
    note = models.CharField(_("employer, school or other detail"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("link to a community")
        verbose_name_plural = _("links to communities")
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "community", "kind"], name="communitylink_unique_kind"
            ),
            # A person lives in one place (registered or declared residence);
            # work, study and displacement links are separate and may be many.
            # Without this, a second declared residence signs and votes twice.
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(kind="lives"),
                name="communitylink_one_residence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} — {self.community}: {self.get_kind_display()}"


class Role(models.TextChoices):
    """The staff roles; code uses them as `StaffRole.Role`."""

    ADMINISTRATOR = "administrator", _("administrator")
    MODERATOR = "moderator", _("moderator")
    STAFF = "staff", _("department staff")
    # Roles modules check. The module registry declares none, and the
    # database constraint on StaffRole cannot read it, so a module that brings
    # a role ("cnap_operator"…) adds it here with a core migration.
    BUDGET_OPERATOR = "budget_operator", _("participatory budget operator")
    CNAP_HEAD = "cnap_head", _("head of the service centre (ЦНАП)")
    CNAP_ADMIN = "cnap_admin", _("service centre administrator")
    CNAP_OPERATOR = "cnap_operator", _("service centre operator")
    STAROSTA = "starosta", _("starosta")


class StaffRole(models.Model):
    """A staff member's role in one community, optionally within a department."""

    Role = Role

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="staff_roles", verbose_name=_("community")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="staff_roles", verbose_name=_("resident")
    )
    role = models.CharField(_("role"), max_length=40, choices=Role.choices)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, null=True, blank=True
    )

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [
            # Two partial constraints: SQLite has no NULLS NOT DISTINCT.
            models.UniqueConstraint(
                fields=["community", "resident", "role", "department"],
                condition=Q(department__isnull=False),
                name="staffrole_unique_in_department",
            ),
            models.UniqueConstraint(
                fields=["community", "resident", "role"],
                condition=Q(department__isnull=True),
                name="staffrole_unique_community_wide",
            ),
            # A mistyped role would give no access and no error.
            models.CheckConstraint(condition=Q(role__in=Role.values), name="staffrole_role_known"),
        ]

    def __str__(self) -> str:
        return f"{self.resident} — {self.get_role_display()}"


class CalendarDay(models.Model):
    """An exception to the Monday–Friday week: a holiday or a transferred working day."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("day off")
        WORKING = "working", _("working day")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="calendar", verbose_name=_("community")
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("working-day calendar")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["community", "date"], name="calendarday_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.get_kind_display()}"


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("The audit log is append-only.")

    def delete(self):
        raise PermissionDenied("The audit log is append-only.")


class AuditEntry(models.Model):
    """Who changed what, when, from what to what. Append-only."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("community")
    )
    actor = models.ForeignKey(
        Resident, verbose_name=_("actor"), on_delete=models.SET_NULL, null=True, blank=True
    )
    action = models.CharField(_("action"), max_length=80, db_index=True)
    target_type = models.CharField(_("object type"), max_length=80, blank=True)
    target_id = models.CharField(_("object id"), max_length=40, blank=True)
    target_label = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The audit log is append-only.")


class Notification(models.Model):
    """
    One message on one channel, rendered when queued: to a resident, or to
    the e-mail address of someone who wrote in without an account.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("skipped")

    resident = models.ForeignKey(
        Resident,
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
        verbose_name=_("resident"),
    )
    # Only for messages without a resident: the address given with an appeal.
    address = models.EmailField(_("e-mail"), blank=True)
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("community")
    )
    event = models.CharField(_("event"), max_length=80)
    channel = models.CharField(_("channel"), max_length=20, default="email")
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    error = models.CharField(max_length=200, blank=True, verbose_name=_("error"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent"))

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resident__isnull=False, address="")
                | (Q(resident__isnull=True) & ~Q(address="")),
                name="core_notification_one_recipient",
            )
        ]

    def __str__(self) -> str:
        return self.subject


class ApiToken(models.Model):
    """
    A personal API token; only its hash is stored.

    A token works until it expires or is revoked; revoked tokens stay as the
    record of what could reach the account, and when.
    """

    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("resident")
    )
    name = models.CharField(_("name"), max_length=80)
    key_hash = models.CharField(max_length=64, unique=True, verbose_name=_("key hash"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def is_usable(self, now=None) -> bool:
        """Return whether the token still opens the API: not revoked, not expired."""
        return self.revoked_at is None and self.expires_at > (now or timezone.now())


class PrivacyNotice(models.Model):
    """
    One published version of a community's privacy notice (Law of Ukraine
    "On personal data protection" №2297-VI, art. 12: the person is told who
    processes their data, why and what their rights are).

    A version is never edited: a change is published as the next version,
    and residents who accepted an older one are asked again. Until the
    council publishes its own, the built-in notice (`hromada.core.privacy`)
    applies as version 0.
    """

    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        related_name="privacy_notices",
        verbose_name=_("community"),
    )
    version = models.PositiveIntegerField(_("version"), editable=False)
    body = models.TextField(_("text in Ukrainian (Markdown)"))
    body_en = models.TextField(_("text in English (Markdown)"), blank=True)
    published_at = models.DateTimeField(_("published"), default=timezone.now, editable=False)
    published_by = models.ForeignKey(
        Resident,
        verbose_name=_("published by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        ordering = ["community", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "version"], name="privacynotice_unique_version"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="privacynotice_version"),
        ]

    def __str__(self) -> str:
        return str(_("Privacy notice, version %(version)s") % {"version": self.version})


class Consent(models.Model):
    """
    A resident's consent to a version of a community's privacy notice
    (№2297-VI, art. 11). Only the time is kept, no client address.
    """

    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="consents", verbose_name=_("resident")
    )
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    # 0: the built-in notice that applies until the council publishes its own.
    version = models.PositiveIntegerField(_("version of the notice"))
    given_at = models.DateTimeField(_("given at"), default=timezone.now)

    class Meta:
        verbose_name = _("consent to the privacy notice")
        verbose_name_plural = _("consents to the privacy notice")
        ordering = ["-given_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "community", "version"], name="consent_once_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} — {self.community_id}: {self.version}"


class SupportPoint(models.Model):
    """
    A place where residents identify in person and hand in paper forms: the
    service centre (ЦНАП) and its remote workplaces in starosta offices.

    Kept small on purpose: the ЦНАП module's offices, when it lands, may
    replace it.
    """

    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        related_name="support_points",
        verbose_name=_("community"),
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300)
    hours = models.CharField(_("reception hours"), max_length=300)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # Staff of this department identify residents here (besides administrators).
    department = models.ForeignKey(
        Department,
        verbose_name=_("department of its staff"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Its staff may identify residents in person."),
    )
    identifies = models.BooleanField(_("identifies residents in person"), default=True)
    accepts_paper_ballots = models.BooleanField(
        _("accepts paper ballots of the participatory budget"), default=False
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("open"), default=True)

    class Meta:
        verbose_name = _("support point")
        verbose_name_plural = _("support points")
        ordering = ["community", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="supportpoint_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


PHONE_CODE_LENGTH = 6
PHONE_CODE_MINUTES = 10
PHONE_CODE_TRIES = 5


class PhoneConfirmation(models.Model):
    """
    A one-time code texted to the phone a resident wants SMS on.

    Only a keyed hash of the code is kept; a resident has at most one row,
    replaced by each new code and removed once the phone is confirmed.
    """

    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="phone_confirmations",
    )
    phone = models.CharField(_("phone"), max_length=16)
    code_hash = models.CharField(_("code hash"), max_length=64)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("valid until"))
    attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)

    class Meta:
        verbose_name = _("phone confirmation")
        verbose_name_plural = _("phone confirmations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(attempts__lte=PHONE_CODE_TRIES), name="phoneconfirmation_tries"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Phone code of %(at)s") % {"at": f"{self.created_at:%d.%m.%Y %H:%M}"})
