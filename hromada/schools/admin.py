"""
Back office of the schools: the school setup only (schools, years, subjects, rooms, staff roles).

Pupils, grades and the change log are not here at all: children's data is
read through the journal and the diary, which check who asks, and the log is
append-only in the database. Community administrators set schools up.
"""

from __future__ import annotations

from django.contrib import admin

from hromada.core.admin import ScopedAdmin
from hromada.core.models import StaffRole
from hromada.schools.models import School, SchoolStaff, SchoolYear, Subject

SETUP_ROLES = (StaffRole.Role.ADMINISTRATOR,)


class SchoolsAdmin(ScopedAdmin):
    view_roles = SETUP_ROLES
    edit_roles = SETUP_ROLES


class KeptAdmin(SchoolsAdmin):
    """Rows the journal hangs on: deleting one would take grades with it, so none is deleted."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(School)
class SchoolAdmin(KeptAdmin):
    list_display = ["name", "kind", "lowest_grade", "highest_grade", "lock_days"]
    search_fields = ["name"]


@admin.register(SchoolYear)
class SchoolYearAdmin(KeptAdmin):
    list_display = ["name", "school", "starts_on", "ends_on"]
    list_filter = ["school"]


@admin.register(Subject)
class SubjectAdmin(KeptAdmin):
    list_display = ["name", "school", "is_core"]
    list_filter = ["school", "is_core"]
    search_fields = ["name"]


@admin.register(SchoolStaff)
class SchoolStaffAdmin(SchoolsAdmin):
    list_display = ["resident", "role", "school"]
    list_filter = ["role", "school"]
    autocomplete_fields = ["resident"]
