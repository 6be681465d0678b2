"""Labels of the consultations' audit actions (gathered by core.labels)."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "consultation.created": _("Consultation created"),
    "consultation.changed": _("Consultation changed"),
    "consultation.announced": _("Consultation announced"),
    "consultation.opened": _("Consultation opened"),
    "consultation.closed": _("Consultation closed"),
    "consultation.processing": _("Consideration of proposals started"),
    "consultation.report_published": _("Consultation report published"),
    "consultation.version_published": _("New draft version published"),
    "consultation.results_viewed_early": _("Survey results viewed before closing"),
    "consultation.hearing_minutes": _("Hearing minutes recorded"),
    "consultation_comment.removed": _("Comment removed by a moderator"),
    "consultation_comment.replied": _("Official reply given"),
    "consultation_comment.decided": _("Decision on a proposal"),
    "consultation_comment.merged": _("Duplicate comments merged"),
    "consultation_comment.entered": _("Proposal entered by staff"),
    "consultation_comment.marked_proposal": _("Marked as a proposal"),
    "consultation_rules.changed": _("Consultation rules changed"),
    "hearing_initiative.reached": _("Hearing initiative reached its threshold"),
}
