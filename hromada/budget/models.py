"""
Participatory budget (громадський бюджет): cycles, projects, ballots, results.

A cycle runs submission → review → voting → results → implementation. Each
category of a cycle has its own money, cost cap, ballot limits and selection
rule. What must never break is a database constraint: one ballot per person
per category whatever the channel, one choice per project in a ballot, one
paper number per cycle, money and limits that are never negative.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.core.models import Community, Department, Resident, Settlement


class Phase(models.TextChoices):
    UPCOMING = "upcoming", _("announced")
    SUBMISSION = "submission", _("submission of projects")
    REVIEW = "review", _("review of projects")
    VOTING = "voting", _("voting")
    RESULTS = "results", _("results")
    IMPLEMENTATION = "implementation", _("implementation")


class Cycle(models.Model):
    """One yearly round of the participatory budget of a community."""

    class BallotKind(models.TextChoices):
        APPROVAL = "approval", _("approval: one vote for each of up to k projects")
        CUMULATIVE = "cumulative", _("cumulative: points spread over projects")

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="pb_cycles"
    )
    year = models.PositiveIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    total_budget = models.DecimalField(_("total money, UAH"), max_digits=14, decimal_places=2)
    contingency_percent = models.DecimalField(
        _("contingency, %"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("10.0"),
        help_text=_("Added on top of the itemised estimate for unforeseen costs."),
    )
    submission_starts = models.DateField(_("submission starts"))
    submission_ends = models.DateField(_("submission ends"))
    review_ends = models.DateField(_("review ends"))
    voting_starts = models.DateField(_("voting starts"))
    voting_ends = models.DateField(_("voting ends"))
    implementation_starts = models.DateField(_("implementation starts"))
    min_age = models.PositiveSmallIntegerField(_("minimum age of voters"), default=16)
    allow_workers_and_students = models.BooleanField(
        _("people who work or study here may take part"), default=True
    )
    ballot_kind = models.CharField(
        _("ballot"), max_length=10, choices=BallotKind.choices, default=BallotKind.APPROVAL
    )
    show_counts_live = models.BooleanField(
        _("show vote counts during voting"),
        default=True,
        help_text=_("When off, counts appear only after voting ends."),
    )
    # Set once by the tally at the end of voting; the file is the public record.
    tallied_at = models.DateTimeField(_("counted at"), null=True, blank=True, editable=False)
    ballots_file = models.FileField(
        _("anonymised ballots"), upload_to="budget/ballots/", blank=True
    )
    ballots_sha256 = models.CharField(_("SHA-256 of the ballots file"), max_length=64, blank=True)
    results_approved_at = models.DateTimeField(
        _("results approved at"), null=True, blank=True, editable=False
    )
    results_approved_by = models.ForeignKey(
        Resident,
        verbose_name=_("results approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    imported_from = models.CharField(_("imported from"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("budget cycle")
        verbose_name_plural = _("budget cycles")
        ordering = ["community_id", "-year", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(submission_starts__lte=F("submission_ends"))
                & Q(submission_ends__lte=F("review_ends"))
                & Q(review_ends__lt=F("voting_starts"))
                & Q(voting_starts__lte=F("voting_ends"))
                & Q(voting_ends__lt=F("implementation_starts")),
                name="pb_cycle_phases_in_order",
            ),
            models.CheckConstraint(condition=Q(total_budget__gt=0), name="pb_cycle_money"),
            models.CheckConstraint(
                condition=Q(contingency_percent__gte=0) & Q(contingency_percent__lte=50),
                name="pb_cycle_contingency",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("budget:cycle", args=[self.pk])

    def clean(self) -> None:
        dates = [
            self.submission_starts,
            self.submission_ends,
            self.review_ends,
            self.voting_starts,
            self.voting_ends,
            self.implementation_starts,
        ]
        if None in dates:
            return
        ordered = dates[0] <= dates[1] <= dates[2] < dates[3] <= dates[4] < dates[5]
        if not ordered:
            raise ValidationError(
                _("The phases must follow each other: submission, review, voting, implementation.")
            )

    def phase_on(self, day: date) -> str:
        """Return the phase the cycle is in on `day`."""
        if day < self.submission_starts:
            return Phase.UPCOMING
        if day <= self.submission_ends:
            return Phase.SUBMISSION
        if day < self.voting_starts:
            return Phase.REVIEW
        if day <= self.voting_ends:
            return Phase.VOTING
        if day < self.implementation_starts:
            return Phase.RESULTS
        return Phase.IMPLEMENTATION

    @property
    def phase(self) -> str:
        return self.phase_on(timezone.localdate())

    def get_phase_display(self) -> str:
        return str(Phase(self.phase).label)

    @property
    def voting_open(self) -> bool:
        return self.phase == Phase.VOTING

    @property
    def voting_over(self) -> bool:
        return timezone.localdate() > self.voting_ends

    @property
    def counts_visible(self) -> bool:
        """Return whether vote counts may be shown anywhere right now."""
        return self.show_counts_live or self.voting_over

    @property
    def results_public(self) -> bool:
        return self.results_approved_at is not None


class Category(models.Model):
    """A share of the cycle's money with its own cap, ballot limits and rule."""

    class Size(models.TextChoices):
        SMALL = "small", _("small project")
        LARGE = "large", _("large project")

    class Rule(models.TextChoices):
        GREEDY = "greedy", _("by votes (greedy)")
        MES = "mes", _("Method of Equal Shares")
        PHRAGMEN = "phragmen", _("sequential Phragmén")

    class Completion(models.TextChoices):
        NONE = "", _("none")
        ADD1 = "add1", _("add1: raise shares until the money is used")

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    cycle = models.ForeignKey(
        Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="categories"
    )
    name = models.CharField(_("name"), max_length=200)
    size = models.CharField(_("size"), max_length=5, choices=Size.choices, default=Size.SMALL)
    # Empty: the whole community; otherwise projects and their place are in one settlement.
    settlement = models.ForeignKey(
        Settlement,
        verbose_name=_("settlement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Leave empty for community-wide projects."),
    )
    budget = models.DecimalField(_("money, UAH"), max_digits=14, decimal_places=2)
    max_cost = models.DecimalField(_("cost cap of a project, UAH"), max_digits=14, decimal_places=2)
    max_choices = models.PositiveSmallIntegerField(
        _("projects a voter may choose"), default=3, help_text=_("k in “k of n”.")
    )
    # Cumulative ballots only: points a voter spreads over up to `max_choices` projects.
    max_points = models.PositiveSmallIntegerField(_("points a voter may give"), default=0)
    min_votes = models.PositiveIntegerField(
        _("minimum votes to win"),
        default=0,
        help_text=_("Points on cumulative ballots. Projects below it cannot win."),
    )
    rule = models.CharField(
        _("selection rule"), max_length=10, choices=Rule.choices, default=Rule.GREEDY
    )
    completion = models.CharField(
        _("completion"), max_length=5, choices=Completion.choices, default="", blank=True
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["cycle_id", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "name"], name="pb_category_unique_name"),
            models.CheckConstraint(
                condition=Q(budget__gt=0) & Q(max_cost__gt=0) & Q(max_cost__lte=F("budget")),
                name="pb_category_money",
            ),
            models.CheckConstraint(condition=Q(max_choices__gte=1), name="pb_category_choices"),
            models.CheckConstraint(
                condition=Q(completion="") | Q(rule="mes"), name="pb_category_completion_mes"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def cumulative(self) -> bool:
        return self.cycle.ballot_kind == Cycle.BallotKind.CUMULATIVE

    def clean(self) -> None:
        errors = {}
        if self.budget is not None and self.max_cost is not None and self.max_cost > self.budget:
            errors["max_cost"] = _("The cap cannot exceed the category's money.")
        if self.completion and self.rule != self.Rule.MES:
            errors["completion"] = _("Completion applies to the Method of Equal Shares only.")
        if self.cycle_id and self.cumulative:
            if self.rule != self.Rule.GREEDY:
                errors["rule"] = _("Cumulative ballots are counted by votes (greedy) only.")
            if self.max_points < 1:
                errors["max_points"] = _("Give voters at least one point to spread.")
        if (
            self.settlement_id
            and self.cycle_id
            and self.settlement.community_id != self.cycle.community_id
        ):
            errors["settlement"] = _("Choose a settlement of the community.")
        if errors:
            raise ValidationError(errors)


class Project(models.Model):
    """A residents' proposal: from draft through review and voting to implementation."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        UNDER_REVIEW = "under_review", _("under review")
        REVISION = "revision", _("returned for revision")
        ADMITTED = "admitted", _("admitted to voting")
        REJECTED = "rejected", _("rejected")

    class Implementation(models.TextChoices):
        NONE = "", _("not started")
        PROCUREMENT = "procurement", _("procurement")
        UNDER_WAY = "under_way", _("under way")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    cycle = models.ForeignKey(
        Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="projects"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="projects"
    )
    # Public number within the cycle, given on submission; ties and Pabulib ids use it.
    number = models.PositiveIntegerField(_("number"), null=True, blank=True, editable=False)
    # The project_id of a project imported from a Pabulib file, kept so that
    # a recount breaks ties exactly as the original file's tools do.
    pabulib_id = models.CharField(
        _("id in the Pabulib file"), max_length=64, blank=True, editable=False
    )
    # Empty only for projects imported from a Pabulib file.
    author = models.ForeignKey(
        Resident,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pb_projects",
    )
    coauthors = models.ManyToManyField(
        Resident, verbose_name=_("co-authors"), blank=True, related_name="pb_coauthored"
    )
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("problem the project solves"))
    description = models.TextField(_("description"))
    beneficiaries = models.TextField(_("who benefits"))
    settlement = models.ForeignKey(
        Settlement, verbose_name=_("settlement"), on_delete=models.PROTECT
    )
    address = models.CharField(_("address or place"), max_length=300, blank=True)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    cost = models.DecimalField(_("cost, UAH"), max_digits=14, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    revision_note = models.TextField(_("what to revise"), blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("responsible department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pb_projects",
    )
    implementation = models.CharField(
        _("implementation"),
        max_length=12,
        choices=Implementation.choices,
        default="",
        blank=True,
    )
    spent = models.DecimalField(_("money spent, UAH"), max_digits=14, decimal_places=2, default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["cycle_id", "number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "number"],
                condition=Q(number__isnull=False),
                name="pb_project_unique_number",
            ),
            models.CheckConstraint(condition=Q(cost__gt=0), name="pb_project_cost_positive"),
            models.CheckConstraint(condition=Q(spent__gte=0), name="pb_project_spent"),
        ]
        indexes = [models.Index(fields=["cycle", "status"])]

    def __str__(self) -> str:
        return f"№{self.number} {self.title}" if self.number else self.title

    def get_absolute_url(self) -> str:
        return reverse("budget:project", args=[self.pk])

    @property
    def code(self) -> str:
        """Return the id the selection rules and Pabulib files use: the padded number."""
        return self.pabulib_id or f"{self.number or 0:04d}"

    def is_author(self, resident) -> bool:
        if not getattr(resident, "is_authenticated", False):
            return False
        return self.author_id == resident.pk or self.coauthors.filter(pk=resident.pk).exists()

    @property
    def editable_by_author(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.REVISION)

    @property
    def public(self) -> bool:
        return self.status != self.Status.DRAFT

    def status_badge(self) -> str:
        """Return the CSS badge class for the status (text always shows it too)."""
        return {
            self.Status.ADMITTED: "badge-ok",
            self.Status.REJECTED: "badge-bad",
            self.Status.REVISION: "badge-warn",
        }.get(self.status, "")


class CostItem(models.Model):
    """One line of a project's itemised estimate."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="items"
    )
    name = models.CharField(_("item"), max_length=200)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2)
    unit_price = models.DecimalField(_("unit price, UAH"), max_digits=14, decimal_places=2)
    amount = models.DecimalField(_("amount, UAH"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("cost item")
        verbose_name_plural = _("cost estimate")
        ordering = ["project_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0) & Q(unit_price__gte=0) & Q(amount__gte=0),
                name="pb_costitem_positive",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Photo(models.Model):
    """A picture of the place before, or of the work during implementation."""

    class Kind(models.TextChoices):
        PROPOSAL = "proposal", _("proposal")
        IMPLEMENTATION = "implementation", _("implementation")

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="photos"
    )
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices, default=Kind.PROPOSAL)
    image = models.ImageField(_("photo"), upload_to="budget/photos/")
    caption = models.CharField(_("what the photo shows"), max_length=200)
    uploaded_by = models.ForeignKey(
        Resident,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.caption


class Conclusion(models.Model):
    """A department's expert conclusion on a project."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="conclusions"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    # None while the department has not answered.
    feasible = models.BooleanField(_("feasible"), null=True, blank=True)
    reason = models.TextField(_("reasoning"), blank=True)
    corrected_cost = models.DecimalField(
        _("corrected cost, UAH"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    given_by = models.ForeignKey(
        Resident, verbose_name=_("given by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    given_at = models.DateTimeField(_("given at"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)

    class Meta:
        verbose_name = _("department conclusion")
        verbose_name_plural = _("department conclusions")
        ordering = ["project_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "department"], name="pb_conclusion_one_per_department"
            ),
            models.CheckConstraint(
                condition=Q(corrected_cost__isnull=True) | Q(corrected_cost__gt=0),
                name="pb_conclusion_cost",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} — {self.department}"

    @property
    def given(self) -> bool:
        return self.feasible is not None


class Ballot(models.Model):
    """
    One person's ballot in one category: cast once, never changed.

    `voter_key` stands for the person whatever the channel: the keyed hash of
    the tax number (the same one strong accounts carry), so a person who
    voted online cannot vote again on paper, and the other way round.
    """

    class Channel(models.TextChoices):
        ONLINE = "online", _("online")
        OFFLINE = "offline", _("paper, at a support point")
        IMPORTED = "imported", _("imported from a file")

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    cycle = models.ForeignKey(
        Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="ballots"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="ballots"
    )
    voter_key = models.CharField(_("voter's key"), max_length=80, editable=False)
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("voter's account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pb_ballots",
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    paper_number = models.CharField(_("paper ballot number"), max_length=40, blank=True)
    support_point = models.CharField(_("support point"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        Resident,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept for turnout statistics; no birth date, no address.
    age_group = models.CharField(_("age group"), max_length=8, blank=True)
    settlement = models.ForeignKey(
        Settlement,
        verbose_name=_("voter's settlement"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    receipt_hash = models.CharField(_("receipt hash"), max_length=64, unique=True, editable=False)
    cast_at = models.DateTimeField(_("cast at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["cycle_id", "category_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "voter_key"], name="pb_ballot_one_per_person"
            ),
            models.UniqueConstraint(
                fields=["cycle", "paper_number"],
                condition=~Q(paper_number=""),
                name="pb_ballot_unique_paper_number",
            ),
            models.CheckConstraint(
                condition=Q(channel="online") | ~Q(paper_number="") | Q(channel="imported"),
                name="pb_ballot_paper_has_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} #{self.pk}"


class Choice(models.Model):
    """A project on a ballot, with its points on cumulative ballots (1 otherwise)."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    ballot = models.ForeignKey(
        Ballot, verbose_name=_("ballot"), on_delete=models.CASCADE, related_name="choices"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="choices"
    )
    points = models.PositiveSmallIntegerField(_("points"), default=1)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "project"], name="pb_choice_once"),
            models.CheckConstraint(condition=Q(points__gte=1), name="pb_choice_points"),
        ]

    def __str__(self) -> str:
        return f"{self.ballot_id}: {self.project_id}"


class Outcome(models.Model):
    """A project's count and whether its category's rule selected it."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    cycle = models.ForeignKey(
        Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="outcomes"
    )
    project = models.OneToOneField(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="outcome"
    )
    votes = models.PositiveIntegerField(_("votes"))
    points = models.PositiveIntegerField(_("points"))
    selected = models.BooleanField(_("selected"))
    # Place in the order the rule chose the winners; None for the others.
    position = models.PositiveIntegerField(_("order of selection"), null=True, blank=True)
    # Why the rule did not select it, from the count itself: a reason code and
    # its numbers (`rules.REASONS`), amounts as text; empty for winners.
    explanation = models.JSONField(_("why not selected"), default=dict, blank=True)

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        ordering = ["cycle_id", "position", "-votes"]

    def __str__(self) -> str:
        return f"{self.project}: {self.votes}"


class ImplementationUpdate(models.Model):
    """A dated report on a winning project's implementation."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="updates"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Project.Implementation.choices[1:]
    )
    spent = models.DecimalField(_("money spent so far, UAH"), max_digits=14, decimal_places=2)
    note = models.TextField(_("what was done"))
    author = models.ForeignKey(
        Resident, verbose_name=_("author"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("reported"), default=timezone.now)

    class Meta:
        verbose_name = _("implementation update")
        verbose_name_plural = _("implementation updates")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.project}: {self.get_status_display()}"
