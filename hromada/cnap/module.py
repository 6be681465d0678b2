"""The registry entry of the administrative service centre (ЦНАП): a declaration."""

from django.utils.translation import gettext_lazy as _

from hromada.core.models import Identity
from hromada.core.registry import Export, Flow, Module, Nav, Schedule

MODULE = Module(
    name="cnap",
    title=_("Administrative services"),
    description=_(
        "Find an administrative service and what to bring, book a visit to the service "
        "centre or join its queue, and follow your ticket live."
    ),
    urls="hromada.cnap.urls",
    api_router="hromada.cnap.api.router",
    navigation=[Nav(_("Administrative services"), "cnap:catalogue")],
    # A booking holds a place others could use: a confirmed e-mail at least.
    actions={"book": Identity.EMAIL, "join": Identity.EMAIL},
    dashboard="hromada.cnap.selectors.dashboard_items",
    schedules=[
        Schedule("hromada.cnap.tasks.expire_overdue", every_seconds=60),
        # Reminders a day and an hour before a booking; each is claimed, so sent once.
        Schedule("hromada.cnap.tasks.remind_bookings", every_seconds=300),
    ],
    demo="hromada.cnap.demo.load",
    personal_data="hromada.cnap.selectors.personal_data",
    # Administrative services provided, per day, office and service: counts only.
    exports=[Export("administrative-services", "hromada.cnap.stats.open_data_rows")],
    chatbot=[
        Flow(
            "cnap.find", _("Administrative services"), "hromada.cnap.chatbot.find", menu="services"
        ),
        Flow(
            "cnap.mine",
            _("My tickets and bookings"),
            "hromada.cnap.chatbot.mine",
            level=Identity.EMAIL,
            menu="services",
        ),
    ],
)
