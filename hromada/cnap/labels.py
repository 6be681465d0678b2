"""Labels of the service centre's audit actions (gathered by core.labels).

Queue steps (issued, called, finished…) live in the queue's own event log and
are labelled by `QueueEvent.Action`; only staff switches and bookings reach the
audit log.
"""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "cnap_booking.created": _("Visit booked"),
    "cnap_booking.cancelled": _("Booking cancelled"),
    "cnap_ticket.priority_confirmed": _("Priority document checked"),
    "cnap_desk.state_changed": _("Desk opened or closed"),
    "cnap_office.paused": _("Queue paused (air-raid alert)"),
    "cnap_office.resumed": _("Queue resumed"),
    "cnap_office.blackout_on": _("Blackout mode on"),
    "cnap_office.blackout_off": _("Blackout mode off"),
}
