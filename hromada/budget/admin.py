"""
Back office of the participatory budget.

Administrators set up cycles and categories here. Projects, ballots and
results are read-only: their changes go through the staff screens and the
services, which check the phase, audit and notify.
"""

from __future__ import annotations

import io
import zipfile

from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from hromada.budget import pbfiles, services
from hromada.budget.models import Ballot, Category, Cycle, ImplementationUpdate, Project
from hromada.core.admin import ROLE, ScopedAdmin, ScopedInline
from hromada.core.errors import DomainError


class CategoryInline(ScopedInline, admin.StackedInline):
    model = Category
    extra = 0
    exclude = ["community"]

    def has_delete_permission(self, request, obj=None):
        # `obj` is the cycle: one with projects is part of the public record.
        return super().has_delete_permission(request, obj) and not (
            obj is not None and obj.projects.exists()
        )


@admin.register(Cycle)
class CycleAdmin(ScopedAdmin):
    list_display = [
        "title",
        "year",
        "phase_label",
        "total_budget",
        "tallied_at",
        "results_approved_at",
    ]
    inlines = [CategoryInline]
    view_roles = (ROLE.MODERATOR,)
    edit_roles = (ROLE.ADMINISTRATOR,)
    readonly_fields = [
        "tallied_at",
        "ballots_sha256",
        "results_approved_at",
        "results_approved_by",
        "imported_from",
    ]
    exclude = ["ballots_file"]
    actions = ["count_votes", "approve_results", "export_pabulib"]

    @admin.display(description=_("phase"))
    def phase_label(self, obj):
        return obj.get_phase_display()

    def save_formset(self, request, form, formset, change):
        for inline in formset.forms:
            if hasattr(inline.instance, "community_id") and not inline.instance.community_id:
                inline.instance.community = request.community
        super().save_formset(request, form, formset, change)

    def has_delete_permission(self, request, obj=None):
        # A cycle with projects is part of the public record.
        return super().has_delete_permission(request, obj) and not (
            obj is not None and obj.projects.exists()
        )

    @admin.action(
        description=_("Count the votes and publish the ballots"), permissions=["moderate"]
    )
    def count_votes(self, request, queryset):
        for cycle in queryset:
            try:
                services.count_votes(cycle=cycle, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"{cycle}: {error}", messages.ERROR)

    @admin.action(description=_("Approve and publish the results"), permissions=["moderate"])
    def approve_results(self, request, queryset):
        for cycle in queryset:
            try:
                services.approve_results(staff=request.user, cycle=cycle)
            except DomainError as error:
                self.message_user(request, f"{cycle}: {error}", messages.ERROR)

    @admin.action(description=_("Download the categories as Pabulib files"), permissions=["view"])
    def export_pabulib(self, request, queryset):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for cycle in queryset:
                for category in cycle.categories.all():
                    try:
                        archive.writestr(
                            pbfiles.file_name(category), pbfiles.category_text(category)
                        )
                    except DomainError as error:
                        self.message_user(request, f"{category}: {error}", messages.ERROR)
                        return None
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="pabulib.zip"'
        return response


class ReadOnlyAdmin(ScopedAdmin):
    """Rows that only services change: looked at here, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "cycle", "category", "status", "cost", "implementation"]
    list_filter = ["cycle", "status", "implementation", "category"]
    search_fields = ["title", "number"]
    department_field = None


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    """Ballots without the person: no voter key, no resident in the list."""

    list_display = ["pk", "cycle", "category", "channel", "paper_number", "cast_at"]
    list_filter = ["cycle", "category", "channel"]
    search_fields = ["paper_number"]
    fields = ["cycle", "category", "channel", "paper_number", "support_point", "cast_at"]
    view_roles = (ROLE.MODERATOR,)


@admin.register(ImplementationUpdate)
class ImplementationUpdateAdmin(ReadOnlyAdmin):
    list_display = ["project", "status", "spent", "created_at"]
    list_filter = ["status"]
