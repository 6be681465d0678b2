"""The participatory budget's registry entry: what it plugs into the platform."""

from django.utils.translation import gettext_lazy as _

from hromada.core.models import Identity
from hromada.core.registry import Export, Flow, Module, Nav, Schedule

MODULE = Module(
    name="budget",
    title=_("Participatory budget"),
    description=_(
        "Residents propose projects, departments review them, residents vote, "
        "the council funds the winners and reports on their implementation."
    ),
    urls="hromada.budget.urls",
    api_router="hromada.budget.api.router",
    navigation=[Nav(_("Participatory budget"), "budget:index")],
    # Law-like weight of a budget vote: identified residents by default; a
    # community may lower or raise each level in its settings.
    actions={"submit": Identity.STRONG, "vote": Identity.STRONG},
    dashboard="hromada.budget.selectors.dashboard_items",
    exports=[
        Export(
            "public-budget",
            "hromada.budget.selectors.open_data_rows",
            description=_(
                "Participatory budget projects: category, cost, votes, result and implementation."
            ),
            fields="hromada.budget.selectors.OPEN_DATA_FIELDS",
            updated="hromada.budget.selectors.open_data_updated",
        )
    ],
    schedules=[Schedule("hromada.budget.tasks.count_finished_cycles", every_seconds=300)],
    demo="hromada.budget.demo.load",
    news="hromada.budget.selectors.latest",
    personal_data="hromada.budget.selectors.personal_data",
    my_items="hromada.budget.selectors.my_items",
    chatbot=[
        Flow(
            "budget.projects",
            _("Participatory budget"),
            "hromada.budget.chatbot.projects",
            menu="power",
        )
    ],
)
