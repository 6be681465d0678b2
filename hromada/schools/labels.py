"""Labels of the schools module's audit actions (gathered by core.labels)."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "schools_journal.unlocked": _("Journal unlocked"),
    "schools_term.closed": _("Semester closed"),
    "schools_absence_note.filed": _("Absence note filed"),
    "schools_absence_note.decided": _("Absence note decided"),
    "schools_guardian.blocked": _("Parent link blocked"),
    "schools_notice.posted": _("School notice posted"),
    "schools_substitution.added": _("Substitution recorded"),
    "schools_timetable.generated": _("Timetable generated"),
    "schools_pupils.imported": _("Pupils imported"),
    "schools_archive.created": _("Class archive made"),
    "schools_archive.expired": _("Class archive removed after its retention"),
}
