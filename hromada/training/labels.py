"""Labels of the training module's audit actions (gathered by core.labels)."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "training_course.enrolled": _("Enrolled in a course"),
    "training_course.new_version": _("New version of a course"),
    "training_attempt.started": _("Test attempt started"),
    "training_attempt.submitted": _("Test attempt submitted"),
    "training_certificate.issued": _("Certificate issued"),
    "training_certificate.revoked": _("Certificate revoked"),
    "training_record.created": _("Learning from elsewhere recorded"),
    "training_record.confirmed": _("Learning from elsewhere confirmed"),
    "training_record.rejected": _("Learning from elsewhere not confirmed"),
}
