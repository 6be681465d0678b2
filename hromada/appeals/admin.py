"""Back office of appeals: categories and topics with their routing, the appeals log, Open311 keys."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hromada.appeals import selectors, services
from hromada.appeals.models import Appeal, Category, CategoryAttribute, Open311Key
from hromada.core.admin import ScopedAdmin, ScopedInline
from hromada.core.errors import DomainError
from hromada.core.models import StaffRole

ROLE = StaffRole.Role


class CategoryAttributeInline(ScopedInline, admin.TabularInline):
    model = CategoryAttribute
    extra = 0
    exclude = ["community"]
    fields = ["order", "code", "datatype", "required", "variable", "description", "values"]


@admin.register(Category)
class CategoryAdmin(ScopedAdmin):
    list_display = [
        "name",
        "service_code",
        "kind",
        "parent",
        "department",
        "target_days",
        "is_active",
    ]
    list_filter = ["kind", "is_active", "parent"]
    search_fields = ["name", "service_code", "keywords"]
    inlines = [CategoryAttributeInline]
    view_roles = (ROLE.MODERATOR, ROLE.STAFF)
    edit_roles = (ROLE.MODERATOR,)
    actions = ["install_defaults"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Departments are scoped by `ScopedAdmin`; a parent is a top-level group.
        if db_field.name == "parent":
            kwargs["queryset"] = Category.objects.filter(
                community=request.community, parent__isnull=True
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        selectors.forget_categories(request.community)

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            instance.community = request.community
            instance.save()
        for instance in formset.deleted_objects:
            instance.delete()
        selectors.forget_categories(request.community)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        selectors.forget_categories(request.community)

    @admin.action(description=_("Add the missing standard categories"), permissions=["add"])
    def install_defaults(self, request, queryset):
        added = services.install_default_categories(community=request.community, actor=request.user)
        self.message_user(
            request,
            ngettext("%(count)d category added.", "%(count)d categories added.", added)
            % {"count": added},
        )


@admin.register(Appeal)
class AppealAdmin(ScopedAdmin):
    """A read-only log; every change goes through the staff pages' services."""

    department_field = "department"
    view_roles = (ROLE.MODERATOR, ROLE.STAFF)
    edit_roles = ()
    list_display = ["number", "kind", "category", "department", "status", "due_on", "channel"]
    list_filter = ["status", "kind", "channel", "department", "hidden"]
    search_fields = ["number", "address", "subject"]
    date_hierarchy = "created_at"
    list_select_related = ["category", "department"]
    actions = ["accept", "start"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Appeal._meta.fields]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_handle_permission(self, request):
        # Department staff start work on their appeals; the service checks the department.
        return self._allowed(request, self.view_roles)

    def _each(self, request, queryset, step) -> None:
        done, failed = 0, 0
        for appeal in queryset:
            try:
                step(appeal)
            except DomainError as error:
                failed += 1
                self.message_user(request, f"{appeal.number}: {error}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d appeal updated.", "%(count)d appeals updated.", done)
                % {"count": done},
            )

    @admin.action(
        description=_("Accept and route to the category's department"), permissions=["moderate"]
    )
    def accept(self, request, queryset):
        self._each(
            request, queryset, lambda a: services.accept_appeal(appeal=a, moderator=request.user)
        )

    @admin.action(description=_("Start work"), permissions=["handle"])
    def start(self, request, queryset):
        self._each(request, queryset, lambda a: services.start_work(appeal=a, staff=request.user))


@admin.register(Open311Key)
class Open311KeyAdmin(ScopedAdmin):
    view_roles = (ROLE.ADMINISTRATOR,)
    edit_roles = (ROLE.ADMINISTRATOR,)
    list_display = [
        "name",
        "prefix",
        "requests_per_minute",
        "is_active",
        "created_at",
        "last_used_at",
    ]
    readonly_fields = ["name", "prefix", "created_at", "last_used_at", "is_active"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # keys are issued with `python -m hromada open311-key NAME`

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected keys"), permissions=["change"])
    def revoke(self, request, queryset):
        for key in queryset:
            services.revoke_open311_key(key=key, actor=request.user)
        self.message_user(request, _("The keys are revoked."))
