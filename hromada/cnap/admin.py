"""
Back office of the service centre: catalogue, offices, hours, desks, rules.

The ЦНАП head and its administrators keep them (community administrators
too); tickets and the queue's events are read-only here: they change only
through the console and its services, and the event log is append-only.
"""

from __future__ import annotations

from django.contrib import admin

from hromada.cnap import selectors
from hromada.cnap.models import (
    CnapRules,
    Desk,
    LifeSituation,
    Office,
    OfficeException,
    PriorityCategory,
    QueueEvent,
    ReceptionHours,
    Service,
    Ticket,
)
from hromada.cnap.services import CNAP_ADMIN, CNAP_HEAD
from hromada.core.admin import ScopedAdmin, ScopedInline

SETUP_ROLES = (CNAP_HEAD, CNAP_ADMIN)


class CnapAdmin(ScopedAdmin):
    view_roles = SETUP_ROLES
    edit_roles = SETUP_ROLES


@admin.register(CnapRules)
class CnapRulesAdmin(CnapAdmin):
    list_display = ["__str__", "horizon_days", "monthly_cap", "no_show_limit", "late_minutes"]

    def has_add_permission(self, request):
        exists = CnapRules.objects.filter(community=request.community).exists()
        return super().has_add_permission(request) and not exists

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LifeSituation)
class LifeSituationAdmin(CnapAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(PriorityCategory)
class PriorityCategoryAdmin(CnapAdmin):
    list_display = ["name", "position"]
    list_editable = ["position"]


@admin.register(Service)
class ServiceAdmin(CnapAdmin):
    list_display = ["name", "code", "audience", "duration_minutes", "booking_allowed", "is_active"]
    list_filter = ["audience", "booking_allowed", "needs_registers", "is_active", "life_situations"]
    search_fields = ["name", "code"]
    filter_horizontal = ["life_situations"]
    exclude = ["search_text"]

    def save_model(self, request, obj, form, change):
        obj.search_text = selectors.search_text(obj)
        super().save_model(request, obj, form, change)


class ReceptionHoursInline(ScopedInline, admin.TabularInline):
    model = ReceptionHours
    extra = 0


class OfficeExceptionInline(ScopedInline, admin.TabularInline):
    model = OfficeException
    extra = 0


class DeskInline(ScopedInline, admin.TabularInline):
    model = Desk
    extra = 0
    fields = ["number", "services", "is_open", "operator"]


@admin.register(Office)
class OfficeAdmin(CnapAdmin):
    list_display = ["name", "kind", "address", "blackout"]
    # Pausing goes through the console: it stops the check-in clocks too.
    exclude = ["paused_since"]
    inlines = [ReceptionHoursInline, OfficeExceptionInline, DeskInline]


@admin.register(Ticket)
class TicketAdmin(ScopedAdmin):
    """Browse today's and past tickets; the console changes them."""

    list_display = ["label", "office", "day", "service", "kind", "status", "desk"]
    list_filter = ["status", "kind", "office"]
    view_roles = SETUP_ROLES

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(QueueEvent)
class QueueEventAdmin(TicketAdmin):
    list_display = ["at", "office", "action", "ticket", "desk", "actor", "outcome"]
    list_filter = ["action", "office"]
