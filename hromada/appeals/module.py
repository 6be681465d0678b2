from django.utils.translation import gettext_lazy as _

from hromada.core.models import Identity
from hromada.core.registry import Export, Flow, Module, Nav, Schedule

MODULE = Module(
    name="appeals",
    title=_("Open City and appeals"),
    description=_(
        "Report a broken street light, a pothole or an overflowing bin on the map, or write "
        "a proposal, statement or complaint to the council, and follow it to the answer."
    ),
    urls="hromada.appeals.urls",
    root_urls="hromada.appeals.open311_urls",
    api_router="hromada.appeals.api.router",
    navigation=[
        Nav(_("City problems"), "appeals:map"),
        Nav(_("Write to the council"), "appeals:write"),
    ],
    actions={
        "report": Identity.EMAIL,
        "support": Identity.EMAIL,
        "write": Identity.EMAIL,
    },
    dashboard="hromada.appeals.selectors.dashboard_items",
    exports=[
        Export(
            "hotline-appeals",
            "hromada.appeals.selectors.open_data_rows",
            description=_(
                "Residents' appeals and problem reports without personal data: "
                "category, department, dates, status and the answer."
            ),
            fields="hromada.appeals.selectors.OPEN_DATA_FIELDS",
            updated="hromada.appeals.selectors.open_data_updated",
        )
    ],
    schedules=[
        Schedule("hromada.appeals.tasks.escalate_overdue", every_seconds=900),
        Schedule("hromada.appeals.tasks.close_unconfirmed", every_seconds=3600),
    ],
    demo="hromada.appeals.demo.load",
    news="hromada.appeals.selectors.latest",
    personal_data="hromada.appeals.selectors.personal_data",
    my_items="hromada.appeals.selectors.my_items",
    chatbot=[
        Flow(
            "appeals.report",
            _("Report a problem"),
            "hromada.appeals.chatbot.report",
            level=Identity.EMAIL,
            menu="power",
        ),
        Flow(
            "appeals.mine",
            _("My appeals"),
            "hromada.appeals.chatbot.mine",
            level=Identity.EMAIL,
            menu="power",
        ),
    ],
)
