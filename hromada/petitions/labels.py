"""Labels of the petitions' audit actions and details (gathered by core.labels)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hromada.petitions.selectors import PUBLIC_EVENTS

# The public steps keep their labels in selectors (the petition's page shows
# them); the steps only staff see are labelled here.
AUDIT_ACTIONS = {
    **PUBLIC_EVENTS,
    "petition.created": _("Draft created"),
    "petition.edited": _("Draft edited"),
    "petition.withdrawn": _("Withdrawn by the author"),
    "petition_rules.changed": _("Petition rules changed"),
}

AUDIT_DETAILS = {
    "signatures": pgettext_lazy("audit detail", "signatures"),
}
