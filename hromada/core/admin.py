"""
The back office: Django admin, scoped to the request's community and, for
department staff, to their departments. Modules build on `ScopedAdmin`.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from hromada.core import audit, services
from hromada.core.middleware import forget_communities
from hromada.core.models import (
    AuditEntry,
    CalendarDay,
    Community,
    CommunityLink,
    Department,
    Notification,
    Resident,
    Settlement,
    StaffRole,
    Street,
)

ROLE = StaffRole.Role


class ScopedAdmin(admin.ModelAdmin):
    """
    Show only the rows of the request's community; department staff see the
    rows of their departments only. Writes are allowed to the listed roles.
    """

    community_field = "community"
    department_field: str | None = None  # e.g. "department"
    view_roles: tuple[str, ...] = (ROLE.MODERATOR, ROLE.STAFF)
    edit_roles: tuple[str, ...] = (ROLE.MODERATOR,)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.community_field:
            queryset = queryset.filter(**{self.community_field: request.community})
        user = request.user
        if self.department_field and not user.has_role(request.community, ROLE.MODERATOR):
            queryset = queryset.filter(
                **{f"{self.department_field}__in": user.departments_in(request.community)}
            )
        return queryset

    def _allowed(self, request, roles) -> bool:
        return request.user.is_active and request.user.has_role(request.community, *roles)

    def has_module_permission(self, request):
        return self._allowed(request, self.view_roles)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, self.view_roles)

    def has_add_permission(self, request):
        return self._allowed(request, self.edit_roles)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, self.edit_roles)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, self.edit_roles)

    def save_model(self, request, obj, form, change):
        if self.community_field == "community" and not change:
            obj.community = request.community
        before = {} if not change else {name: form.initial.get(name) for name in form.changed_data}
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action=f"{obj._meta.label_lower}.{'changed' if change else 'created'}_in_admin",
            target=obj,
            community=request.community,
            before=before,
            after={name: form.cleaned_data.get(name) for name in form.changed_data},
        )

    def delete_model(self, request, obj):
        audit.record(
            actor=request.user,
            action=f"{obj._meta.label_lower}.deleted_in_admin",
            target=obj,
            community=request.community,
        )
        super().delete_model(request, obj)

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or [])
        if self.community_field == "community":
            excluded.append("community")
        return excluded


class AdministratorAdmin(ScopedAdmin):
    view_roles = (ROLE.ADMINISTRATOR,)
    edit_roles = (ROLE.ADMINISTRATOR,)


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "katottg", "edrpou", "domain", "is_active"]
    search_fields = ["name", "slug", "katottg"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk=request.community.pk)

    def has_module_permission(self, request):
        return request.user.has_role(request.community, ROLE.ADMINISTRATOR)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return request.user.is_superuser  # platform operators create communities

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return () if request.user.is_superuser else ("slug", "domain", "is_active")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        forget_communities()
        audit.record(
            actor=request.user,
            action="community.changed_in_admin",
            target=obj,
            community=obj,
            after={"changed": ", ".join(form.changed_data)},
        )


class StreetInline(admin.TabularInline):
    model = Street
    extra = 0


@admin.register(Settlement)
class SettlementAdmin(AdministratorAdmin):
    list_display = ["name", "kind", "katottg"]
    inlines = [StreetInline]


@admin.register(Department)
class DepartmentAdmin(AdministratorAdmin):
    list_display = ["name", "kind", "head", "email"]
    search_fields = ["name"]
    autocomplete_fields = ["head"]
    view_roles = (ROLE.MODERATOR, ROLE.STAFF)


@admin.register(StaffRole)
class StaffRoleAdmin(AdministratorAdmin):
    list_display = ["resident", "role", "department"]
    list_filter = ["role", "department"]
    autocomplete_fields = ["resident"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "department":
            kwargs["queryset"] = Department.objects.filter(community=request.community)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # Through the service: it checks the role, flags back-office access, audits.
        if change:
            services.revoke_role(actor=request.user, staff_role=StaffRole.objects.get(pk=obj.pk))
        granted = services.grant_role(
            actor=request.user,
            community=request.community,
            resident=obj.resident,
            role=obj.role,
            department=obj.department,
        )
        obj.pk = granted.pk

    def delete_model(self, request, obj):
        services.revoke_role(actor=request.user, staff_role=obj)


@admin.register(CalendarDay)
class CalendarDayAdmin(AdministratorAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"


@admin.register(AuditEntry)
class AuditEntryAdmin(AdministratorAdmin):
    list_display = ["created_at", "actor", "action", "target_type", "target_label"]
    list_filter = ["action", "target_type", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["action", "target_label", "target_id", "actor__email"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in AuditEntry._meta.fields]

    # Append-only: nobody adds, edits or deletes entries here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(AdministratorAdmin):
    list_display = ["created_at", "event", "channel", "status"]
    list_filter = ["event", "channel", "status"]
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LinkInline(admin.TabularInline):
    model = CommunityLink
    extra = 0
    autocomplete_fields = ["street"]


@admin.register(Street)
class StreetAdmin(AdministratorAdmin):
    community_field = "settlement__community"
    search_fields = ["name"]
    list_display = ["name", "settlement"]


@admin.register(Resident)
class ResidentAdmin(UserAdmin):
    """Accounts span communities, so only platform operators manage them all."""

    ordering = ["email"]
    list_display = ["email", "full_name", "identity_level", "is_staff", "is_active"]
    list_filter = ["identity_level", "is_staff", "is_active"]
    search_fields = ["email", "full_name"]
    readonly_fields = [
        "identity_level",
        "strong_verified_at",
        "last_login",
        "date_joined",
        "deleted_at",
    ]
    inlines = [LinkInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            _("Profile"),
            {"fields": ["full_name", "birth_date", "phone", "language", "notify_by_email"]},
        ),
        (_("Identity"), {"fields": ["identity_level", "strong_verified_at"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined", "deleted_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        # Community administrators may look residents up to give them roles.
        return request.user.is_superuser or request.user.has_role(
            request.community, ROLE.ADMINISTRATOR
        )

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False  # deletion erases personal data through the service
