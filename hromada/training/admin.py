"""
Back office of staff training: areas, banks and questions, courses with
lessons and mandatory dates, HR officers. HR (and community administrators)
keep them; attempts, enrolments and certificates are read-only here: they
change only through the services (revocation on the certificate's page).
"""

from __future__ import annotations

from django.contrib import admin

from hromada.core.admin import ScopedAdmin, ScopedInline
from hromada.core.models import StaffRole
from hromada.training import services
from hromada.training.models import (
    Attempt,
    Certificate,
    CompetenceArea,
    Course,
    Enrollment,
    ExternalRecord,
    HrOfficer,
    Lesson,
    MandatoryCourse,
    Question,
    QuestionBank,
)


class TrainingAdmin(ScopedAdmin):
    """HR officers of this module, besides the community's administrators."""

    view_roles = (StaffRole.Role.ADMINISTRATOR,)
    edit_roles = (StaffRole.Role.ADMINISTRATOR,)

    def _allowed(self, request, roles) -> bool:
        user = request.user
        return bool(
            user.is_authenticated and user.is_active and services.is_hr(user, request.community)
        )


class ReadOnlyTrainingAdmin(TrainingAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(HrOfficer)
class HrOfficerAdmin(ScopedAdmin):
    # Only administrators name HR officers: HR cannot appoint itself.
    view_roles = (StaffRole.Role.ADMINISTRATOR,)
    edit_roles = (StaffRole.Role.ADMINISTRATOR,)
    list_display = ["resident"]
    autocomplete_fields = ["resident"]


@admin.register(CompetenceArea)
class CompetenceAreaAdmin(TrainingAdmin):
    list_display = ["name", "code", "position"]
    list_editable = ["position"]
    search_fields = ["name"]


class QuestionInline(ScopedInline, admin.StackedInline):
    model = Question
    extra = 0
    fields = ["kind", "text", "data", "explanation", "is_active"]


@admin.register(QuestionBank)
class QuestionBankAdmin(TrainingAdmin):
    list_display = ["title", "area"]
    list_filter = ["area"]
    inlines = [QuestionInline]
    search_fields = ["title"]


@admin.register(Question)
class QuestionAdmin(TrainingAdmin):
    community_field = "bank__community"
    list_display = ["text", "kind", "bank", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["text"]


class LessonInline(ScopedInline, admin.StackedInline):
    model = Lesson
    extra = 0


class MandatoryInline(ScopedInline, admin.TabularInline):
    model = MandatoryCourse
    extra = 0


@admin.register(Course)
class CourseAdmin(TrainingAdmin):
    list_display = ["title", "version", "is_current", "is_published", "audience", "hours"]
    list_filter = ["is_published", "is_current", "audience"]
    search_fields = ["title"]
    filter_horizontal = ["departments", "areas", "prerequisites", "banks"]
    inlines = [LessonInline, MandatoryInline]
    readonly_fields = ["version", "is_current"]


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyTrainingAdmin):
    list_display = ["resident", "course", "status", "score", "passed_at"]
    list_filter = ["status"]


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyTrainingAdmin):
    list_display = ["enrollment", "number", "status", "score", "started_at", "submitted_at"]
    list_filter = ["status"]
    exclude = ["questions", "seed"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyTrainingAdmin):
    list_display = [
        "display_code",
        "holder_name",
        "course",
        "issued_on",
        "expires_on",
        "revoked_at",
    ]
    search_fields = ["code", "holder_name"]


@admin.register(ExternalRecord)
class ExternalRecordAdmin(ReadOnlyTrainingAdmin):
    list_display = ["title", "resident", "provider", "hours", "status"]
    list_filter = ["status"]
