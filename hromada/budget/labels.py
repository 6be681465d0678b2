"""Labels of the budget's audit actions and details (gathered by core.labels)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The steps a project's public page lists, in the words residents read.
HISTORY = {
    "budget.project_submitted": _("Submitted"),
    "budget.review_started": _("Review by the departments started"),
    "budget.revision_requested": _("Returned to the author for revision"),
    "budget.project_resubmitted": _("Revised and sent back to review"),
    "budget.project_admitted": _("Admitted to voting"),
    "budget.project_rejected": _("Not admitted"),
    "budget.implementation_reported": _("Implementation update"),
}

AUDIT_ACTIONS = {
    **HISTORY,
    "budget.cycle_created": _("Budget cycle created"),
    "budget.category_added": _("Category added"),
    "budget.project_drafted": _("Project draft created"),
    "budget.project_changed": _("Project changed"),
    "budget.photo_added": _("Photo added"),
    "budget.photo_removed": _("Photo removed"),
    "budget.conclusion_given": _("Department's conclusion given"),
    "budget.ballot_cast": _("Vote cast online"),
    "budget.paper_ballot_entered": _("Paper ballot entered"),
    "budget.votes_counted": _("Votes counted"),
    "budget.results_approved": _("Results approved"),
    "budget.pabulib_imported": _("Imported from a Pabulib file"),
}

AUDIT_DETAILS = {
    "ballots": pgettext_lazy("audit detail", "ballots"),
    "cost": pgettext_lazy("audit detail", "cost"),
    "projects": pgettext_lazy("audit detail", "projects"),
    "sha256": pgettext_lazy("audit detail", "checksum of the ballots file (SHA-256)"),
    "source": pgettext_lazy("audit detail", "source"),
    "winners": pgettext_lazy("audit detail", "winning projects"),
}
