"""
Back office of public consultations: the community's rules and topics;
consultations, proposals, hearing registrations and initiatives to browse.

Every change of a consultation's life cycle, a comment or a decision goes
through the staff pages and their services; here the rows are read, and the
moderators' actions call the same services. Department staff see the
consultations of their departments and those of no department (as
`services.can_manage` lets them run).

Survey responses, their answers and the keys of anonymous respondents are
not in the back office at all: the results pages show them aggregated, so no
staff screen can put a resident next to an anonymous answer. Supports of
comments and subscriptions are personal and stay out too.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hromada.consultations import services
from hromada.consultations.models import (
    Article,
    Comment,
    Consultation,
    ConsultationRules,
    DraftVersion,
    HearingInitiative,
    Question,
    Registration,
    Topic,
)
from hromada.core.admin import AdministratorAdmin, ScopedAdmin, ScopedInline
from hromada.core.errors import DomainError
from hromada.core.models import StaffRole

ROLE = StaffRole.Role
RUNNERS = (ROLE.MODERATOR, ROLE.STAFF)


class ReadOnlyMixin:
    """Rows are browsed here; they change through the staff pages and their services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ByDepartmentAdmin(ReadOnlyMixin, ScopedAdmin):
    """
    Department staff see the consultations of their departments and those
    of no department; moderators (and administrators) see all.
    """

    view_roles = RUNNERS
    consultation_path = "consultation__"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.has_role(request.community, ROLE.MODERATOR):
            return queryset
        path = self.consultation_path
        return queryset.filter(
            Q(**{f"{path}department__isnull": True})
            | Q(**{f"{path}department__in": request.user.departments_in(request.community)})
        )


@admin.register(ConsultationRules)
class ConsultationRulesAdmin(AdministratorAdmin):
    """One row per community: minimum duration, report deadline, hearing signatures."""

    list_display = [
        "__str__",
        "min_days",
        "report_days",
        "publish_working_days",
        "hearing_signatures",
    ]

    def has_add_permission(self, request):
        exists = ConsultationRules.objects.filter(community=request.community).exists()
        return super().has_add_permission(request) and not exists

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Topic)
class TopicAdmin(AdministratorAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    view_roles = (ROLE.ADMINISTRATOR, ROLE.MODERATOR)


class VersionInline(ScopedInline, admin.TabularInline):
    model = DraftVersion
    extra = 0
    fields = ["number", "note", "created_at"]
    readonly_fields = fields
    show_change_link = True


class QuestionInline(ScopedInline, admin.TabularInline):
    model = Question
    extra = 0
    fields = ["position", "kind", "text", "required"]
    readonly_fields = fields


@admin.register(Consultation)
class ConsultationAdmin(ByDepartmentAdmin):
    list_display = ["title", "kind", "status", "opens_at", "closes_at", "report_due_on"]
    list_filter = ["kind", "status", "topic", "settlement", "department"]
    search_fields = ["title"]
    date_hierarchy = "opens_at"
    consultation_path = ""
    exclude = ["report_json"]
    readonly_fields = [
        field.name
        for field in Consultation._meta.fields
        if field.name not in ("community", "report_json")
    ]
    inlines = [VersionInline, QuestionInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("topic", "department")

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        return {
            Consultation.Kind.DRAFT: [VersionInline],
            Consultation.Kind.SURVEY: [QuestionInline],
        }.get(obj.kind, [])

    def view_on_site(self, obj):
        return reverse("consultations:detail", args=[obj.pk])


class ArticleInline(ScopedInline, admin.TabularInline):
    model = Article
    extra = 0
    fields = ["position", "key", "section", "heading"]
    readonly_fields = fields


@admin.register(DraftVersion)
class DraftVersionAdmin(ByDepartmentAdmin):
    community_field = "consultation__community"
    list_display = ["consultation", "number", "note", "created_at"]
    list_filter = ["consultation"]
    readonly_fields = ["consultation", "number", "note", "created_at", "text"]
    inlines = [ArticleInline]

    def has_module_permission(self, request):
        return False  # reached from its consultation

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("consultation")


class DecisionFilter(admin.SimpleListFilter):
    """Proposals by their decision, with "not decided yet" for the report's missing ones."""

    title = _("decision")
    parameter_name = "decision"

    def lookups(self, request, model_admin):
        return [("none", _("not decided yet")), *Comment.Decision.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(is_proposal=True, decision="")
        if value in Comment.Decision.values:
            return queryset.filter(decision=value)
        return queryset


@admin.register(Comment)
class CommentAdmin(ByDepartmentAdmin):
    """
    Comments and proposals of every form. Survey proposals carry no
    resident: the free-text answer was copied without its respondent.
    """

    list_display = [
        "short_text",
        "consultation",
        "source",
        "author",
        "is_proposal",
        "decision",
        "removed",
        "created_at",
    ]
    list_filter = ["source", "is_proposal", DecisionFilter, "removed", "consultation"]
    search_fields = ["text"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "consultation",
        "article_key",
        "version",
        "source",
        "author",
        "text",
        "replacement",
        "original",
        "is_proposal",
        "created_at",
        "support_count",
        "oppose_count",
        "removed",
        "removed_note",
        "removed_by",
        "duplicate_of",
        "reply",
        "replied_by",
        "replied_at",
        "decision",
        "decision_reason",
        "decided_by",
    ]
    fields = readonly_fields
    actions = ["mark_as_proposal", "remove_offensive", "remove_spam", "remove_personal_data"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("consultation", "resident", "consultation__community")
        )

    @admin.display(description=_("text"))
    def short_text(self, comment):
        if comment.removed:
            return _("removed: %(reason)s") % {"reason": comment.get_removed_display()}
        return comment.text[:120]

    @admin.display(description=_("author"))
    def author(self, comment):
        return comment.author_label

    def _run(self, request, queryset, call, done_message) -> None:
        done = 0
        for comment in queryset:
            try:
                call(comment)
            except DomainError as error:
                self.message_user(request, f"{comment.pk}: {error}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    @admin.action(description=_("Count as proposals to decide on"))
    def mark_as_proposal(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda comment: services.mark_as_proposal(staff=request.user, comment=comment),
            lambda n: (
                ngettext(
                    "%(n)d comment counted as a proposal.",
                    "%(n)d comments counted as proposals.",
                    n,
                )
                % {"n": n}
            ),
        )

    def _remove(self, request, queryset, reason: str) -> None:
        self._run(
            request,
            queryset.filter(removed=""),
            lambda comment: services.remove_comment(
                moderator=request.user, comment=comment, reason=reason
            ),
            lambda n: ngettext("%(n)d comment removed.", "%(n)d comments removed.", n) % {"n": n},
        )

    @admin.action(permissions=["moderate"], description=_("Remove as offensive"))
    def remove_offensive(self, request, queryset):
        self._remove(request, queryset, Comment.Removal.OFFENSIVE)

    @admin.action(permissions=["moderate"], description=_("Remove as advertising or spam"))
    def remove_spam(self, request, queryset):
        self._remove(request, queryset, Comment.Removal.SPAM)

    @admin.action(permissions=["moderate"], description=_("Remove as containing personal data"))
    def remove_personal_data(self, request, queryset):
        self._remove(request, queryset, Comment.Removal.PERSONAL_DATA)


@admin.register(Registration)
class RegistrationAdmin(ByDepartmentAdmin):
    community_field = "consultation__community"
    list_display = ["resident", "consultation", "status", "created_at"]
    list_filter = ["status", "consultation"]
    search_fields = ["resident__full_name", "resident__email"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("consultation", "resident")


@admin.register(HearingInitiative)
class HearingInitiativeAdmin(ReadOnlyMixin, ScopedAdmin):
    list_display = ["title", "status", "signature_count", "threshold", "created_at", "ends_at"]
    list_filter = ["status"]
    search_fields = ["title"]
    view_roles = (ROLE.MODERATOR,)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    def view_on_site(self, obj):
        return reverse("consultations:initiative", args=[obj.pk])
