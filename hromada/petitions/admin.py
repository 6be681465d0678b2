"""Back office of petitions: the community's rules and topics; petitions to browse."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse

from hromada.core.admin import AdministratorAdmin, ScopedAdmin
from hromada.core.models import Identity, Resident, StaffRole
from hromada.petitions import services
from hromada.petitions.forms import RulesForm
from hromada.petitions.models import Petition, PetitionRules, Topic


@admin.register(PetitionRules)
class PetitionRulesAdmin(AdministratorAdmin):
    """One row per community; saved through `update_rules`, which also sets identity levels."""

    form = RulesForm
    list_display = ["__str__", "threshold", "collection_days", "min_age"]

    def has_add_permission(self, request):
        exists = PetitionRules.objects.filter(community=request.community).exists()
        return super().has_add_permission(request) and not exists

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Departments are scoped by `ScopedAdmin`; the official is one of the staff.
        if db_field.name == "official":
            kwargs["queryset"] = Resident.objects.filter(
                staff_roles__community=request.community
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        community = request.community

        class ScopedRulesForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                for field, action in (("create_level", "create"), ("sign_level", "sign")):
                    self.fields[field].initial = community.required_level(
                        f"petitions.{action}", Identity.STRONG
                    )

        return ScopedRulesForm

    def save_model(self, request, obj, form, change):
        # The form checked the same bounds (model validators and constraints).
        rules = services.update_rules(
            actor=request.user, community=request.community, **form.cleaned_data
        )
        obj.pk = rules.pk


@admin.register(Topic)
class TopicAdmin(AdministratorAdmin):
    list_display = ["name", "position", "is_active"]
    list_editable = ["position", "is_active"]
    view_roles = (StaffRole.Role.ADMINISTRATOR, StaffRole.Role.MODERATOR)


@admin.register(Petition)
class PetitionAdmin(ScopedAdmin):
    """Browse petitions; every change goes through the staff pages and their services."""

    list_display = ["title", "status", "signature_count", "published_at", "is_hidden"]
    list_filter = ["status", "topic", "is_hidden"]
    search_fields = ["title"]
    view_roles = (StaffRole.Role.MODERATOR,)
    exclude = ["search_text", "answer_document"]
    readonly_fields = [
        field.name
        for field in Petition._meta.fields
        if field.name not in ("community", "search_text", "answer_document")
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("topic", "author")

    def view_on_site(self, obj):
        return reverse("petitions:staff_petition", args=[obj.pk])
