"""The registry entry of local e-petitions: a declaration, nothing is loaded here."""

from django.utils.translation import gettext_lazy as _

from hromada.core.models import Identity
from hromada.core.registry import Export, Flow, Module, Nav, Schedule

MODULE = Module(
    name="petitions",
    title=_("Petitions"),
    description=_(
        "Petition the council: with enough signatures it must consider the request "
        "and answer publicly."
    ),
    urls="hromada.petitions.urls",
    api_router="hromada.petitions.api.router",
    navigation=[Nav(_("Petitions"), "petitions:list")],
    # Art. 23-1 demands identification of signers; a community may set a level.
    actions={"create": Identity.STRONG, "sign": Identity.STRONG},
    dashboard="hromada.petitions.selectors.dashboard_items",
    exports=[
        Export(
            "e-petitions",
            "hromada.petitions.selectors.open_data_rows",
            description=_(
                "Published electronic petitions: text, signatures collected, status "
                "and the council's answer."
            ),
            fields="hromada.petitions.selectors.OPEN_DATA_FIELDS",
            updated="hromada.petitions.selectors.open_data_updated",
        )
    ],
    schedules=[Schedule("hromada.petitions.tasks.close_due_collections", every_seconds=300)],
    demo="hromada.petitions.demo.load",
    news="hromada.petitions.selectors.latest",
    personal_data="hromada.petitions.selectors.personal_data",
    my_items="hromada.petitions.selectors.my_items",
    chatbot=[
        Flow("petitions.find", _("Petitions"), "hromada.petitions.chatbot.find", menu="power")
    ],
)
