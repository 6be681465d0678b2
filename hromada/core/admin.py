"""
The back office: Django admin, scoped to the request's community and, for
department staff, to their departments. Modules build on `ScopedAdmin` and
`ScopedInline`; `CommunityScopeMixin` keeps choices, list filters and
autocompletes to the request's community, so a new admin is scoped by
inheriting, not by remembering each foreign key.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from hromada.core import audit, labels, services
from hromada.core.middleware import forget_communities
from hromada.core.models import (
    AuditEntry,
    CalendarDay,
    Community,
    CommunityLink,
    Consent,
    Department,
    Notification,
    PrivacyNotice,
    Resident,
    Settlement,
    StaffRole,
    Street,
    SupportPoint,
)

ROLE = StaffRole.Role


def has_role(request, *roles: str) -> bool:
    """
    Return whether the request's user holds one of `roles` in the request's
    community (administrators and platform operators hold them all).

    Anonymous visitors hold none: the log-in page asks every admin too.
    """
    user = request.user
    return user.is_authenticated and user.is_active and user.has_role(request.community, *roles)


def community_rows(request, model, admin_site=admin.site) -> QuerySet:
    """
    Return the rows of `model` the back office may offer on the request's host.

    A model with a scoped admin offers what that admin lists (so choices,
    filters and autocompletes agree with the changelist); otherwise rows of
    the request's community. Rows tied to no community are for platform
    operators only.
    """
    model_admin = admin_site._registry.get(model)
    if isinstance(model_admin, CommunityScopeMixin):
        return model_admin.get_queryset(request)
    rows = model._default_manager.all()
    if model is Community:
        return rows.filter(pk=request.community.pk)
    try:
        model._meta.get_field("community")
    except FieldDoesNotExist:
        return rows if request.user.is_superuser else rows.none()
    return rows.filter(community=request.community)


class CommunityRelatedFilter(admin.RelatedFieldListFilter):
    """A list filter by a related row that lists only the request community's rows."""

    def field_choices(self, field, request, model_admin):
        rows = community_rows(request, field.related_model, model_admin.admin_site)
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(
            include_blank=False, ordering=ordering, limit_choices_to={"pk__in": rows.values("pk")}
        )


class CommunityScopeMixin:
    """
    Offer only the request community's rows wherever the back office lists
    related rows: foreign-key and many-to-many choices (inlines too) and list
    filters. Autocompletes need nothing here: Django's view searches the
    related model's admin `get_queryset`, which is scoped.
    """

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = community_rows(request, db_field.related_model, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = community_rows(request, db_field.related_model, self.admin_site)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_list_filter(self, request):
        return [self._scoped_filter(item) for item in super().get_list_filter(request)]

    def _scoped_filter(self, item):
        # Django's filter for a relation lists every row of the related table.
        if isinstance(item, str):
            if get_fields_from_path(self.model, item)[-1].is_relation:
                return (item, CommunityRelatedFilter)
        elif isinstance(item, (tuple, list)) and item[1] in (
            admin.RelatedFieldListFilter,
            admin.RelatedOnlyFieldListFilter,
        ):
            return (item[0], CommunityRelatedFilter)
        return item


class ScopedAdmin(CommunityScopeMixin, admin.ModelAdmin):
    """
    Show only the rows of the request's community; department staff see the
    rows of their departments only. Writes are allowed to the listed roles.

    Actions declare what they need: `@admin.action(permissions=["add"])` for
    one that creates rows, `["moderate"]` for one that runs a moderator's
    service; without `permissions`, anyone who may view runs it.
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
        return has_role(request, *roles)

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

    def has_moderate_permission(self, request):
        """For actions with `permissions=["moderate"]`."""
        return self._allowed(request, (ROLE.MODERATOR,))

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

    def delete_queryset(self, request, queryset):
        # One by one: "delete selected" is audited and goes through the
        # services exactly like the delete button.
        for obj in queryset:
            self.delete_model(request, obj)

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or [])
        if self.community_field == "community":
            excluded.append("community")
        return excluded


class ScopedInline(CommunityScopeMixin):
    """
    An inline of a scoped admin: choices scoped like its parent's, and the
    parent's rights (community roles) rather than Django's model permissions.
    Combine with `admin.TabularInline` or `admin.StackedInline`.
    """

    def _parent_admin(self):
        return self.admin_site._registry[self.parent_model]

    def has_view_permission(self, request, obj=None):
        return self._parent_admin().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        parent = self._parent_admin()
        if obj is None:
            return parent.has_add_permission(request) or parent.has_change_permission(request)
        return parent.has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


class AdministratorAdmin(ScopedAdmin):
    view_roles = (ROLE.ADMINISTRATOR,)
    edit_roles = (ROLE.ADMINISTRATOR,)


@admin.register(Community)
class CommunityAdmin(CommunityScopeMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "katottg", "edrpou", "domain", "is_active"]
    search_fields = ["name", "slug", "katottg"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk=request.community.pk)

    def has_module_permission(self, request):
        return has_role(request, ROLE.ADMINISTRATOR)

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


class StreetInline(ScopedInline, admin.TabularInline):
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

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return  # saved as it was: no role taken away and given again
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


class AuditActionFilter(admin.SimpleListFilter):
    """Filter the audit log by action, offering the actions by their labels."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        codes = model_admin.get_queryset(request).values_list("action", flat=True).distinct()
        return sorted(((code, labels.action_label(code)) for code in codes), key=lambda c: c[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(AdministratorAdmin):
    list_display = ["created_at", "actor", "action_label", "target_type", "target_label"]
    list_filter = [AuditActionFilter, "target_type", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["action", "target_label", "target_id", "actor__email"]
    date_hierarchy = "created_at"
    readonly_fields = [
        *(field.name for field in AuditEntry._meta.fields),
        "action_label",
        "details",
    ]

    @admin.display(description=_("action"), ordering="action")
    def action_label(self, entry):
        return labels.action_label(entry.action)

    @admin.display(description=_("details"))
    def details(self, entry):
        return "; ".join(f"{label}: {value}" for label, value in labels.entry_details(entry))

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


class LinkInline(ScopedInline, admin.TabularInline):
    """A resident's links; a community's administrator sees only those to the community."""

    model = CommunityLink
    extra = 0
    autocomplete_fields = ["street"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(community=request.community)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Platform operators keep links to any community's streets valid.
        if db_field.name == "street" and request.user.is_superuser:
            kwargs["queryset"] = Street.objects.select_related("settlement")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Street)
class StreetAdmin(AdministratorAdmin):
    community_field = "settlement__community"
    search_fields = ["name"]
    list_display = ["name", "settlement"]


class PasswordSetForm(AdminPasswordChangeForm):
    """Set a resident's password; like their own change, it stops their API tokens."""

    def save(self, commit=True):
        with transaction.atomic():
            resident = super().save(commit=commit)
            # Whoever knew the old password may hold a token made with it.
            services.revoke_api_tokens(resident=resident, reason="password_set_in_back_office")
        return resident


@admin.register(Resident)
class ResidentAdmin(CommunityScopeMixin, UserAdmin):
    """
    Accounts span communities, so only platform operators manage them all. A
    community's administrator looks up the residents tied to the community
    (a link or a staff role there) to give them roles, and no one else.
    """

    change_password_form = PasswordSetForm
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

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        community = request.community
        return queryset.filter(
            Q(pk__in=CommunityLink.objects.filter(community=community).values("resident"))
            | Q(pk__in=StaffRole.objects.filter(community=community).values("resident"))
        )

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return has_role(request, ROLE.ADMINISTRATOR)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False  # deletion erases personal data through the service


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(AdministratorAdmin):
    """
    The community's privacy notice. Publishing is adding a version: the form
    starts from the text in force, and a published version is never changed,
    so what each resident accepted stays on record.
    """

    list_display = ["version", "published_at", "published_by"]
    readonly_fields = ["version", "published_at", "published_by"]
    fields = ["body", "body_en"]

    def get_fields(self, request, obj=None):
        return [*self.readonly_fields, *self.fields] if obj else self.fields

    def get_changeform_initial_data(self, request):
        from hromada.core.privacy import current_notice

        notice = current_notice(request.community)
        return {"body": notice.body, "body_en": notice.body_en}

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Through the service: it numbers the version, audits and asks residents again.
        published = services.publish_privacy_notice(
            actor=request.user,
            community=request.community,
            body=form.cleaned_data["body"],
            body_en=form.cleaned_data.get("body_en", ""),
        )
        obj.pk = published.pk


@admin.register(Consent)
class ConsentAdmin(AdministratorAdmin):
    """Residents' consents to the notice: the record, read-only."""

    list_display = ["given_at", "resident", "version"]
    list_filter = ["version"]
    search_fields = ["resident__email"]
    readonly_fields = ["resident", "version", "given_at"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SupportPoint)
class SupportPointAdmin(AdministratorAdmin):
    """Where residents identify in person and hand in paper ballots."""

    list_display = ["name", "address", "hours", "identifies", "accepts_paper_ballots", "is_active"]
    list_filter = ["identifies", "accepts_paper_ballots", "is_active"]
    search_fields = ["name", "address"]
    view_roles = (ROLE.ADMINISTRATOR, ROLE.MODERATOR, ROLE.STAFF)
