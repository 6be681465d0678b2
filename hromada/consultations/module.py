"""The registry entry of public consultations: a declaration, nothing is loaded here."""

from django.utils.translation import gettext_lazy as _

from hromada.core.models import Identity
from hromada.core.registry import Export, Flow, Indicator, Module, Nav, Schedule

MODULE = Module(
    name="consultations",
    title=_("Public consultations"),
    description=_(
        "Comment on draft decisions article by article, answer surveys, take part in "
        "public hearings and read the report of which proposals were taken into account."
    ),
    urls="hromada.consultations.urls",
    api_router="hromada.consultations.api.router",
    navigation=[Nav(_("Consultations"), "consultations:list")],
    # Resolution №996 (2010): anonymous proposals are not considered, so a
    # confirmed e-mail at least; signing a hearing initiative is identified,
    # as petitions' signatures are.
    actions={
        "comment": Identity.EMAIL,
        "answer": Identity.EMAIL,
        "register": Identity.EMAIL,
        "initiate": Identity.STRONG,
        "sign": Identity.STRONG,
    },
    dashboard="hromada.consultations.selectors.dashboard_items",
    exports=[
        Export(
            "public-consultations",
            "hromada.consultations.selectors.open_data_rows",
            description=_(
                "Public consultations: subject, body, form, dates, legal basis, counts of "
                "proposals received and accepted, and the report's SHA-256."
            ),
            fields="hromada.consultations.selectors.OPEN_DATA_FIELDS",
            updated="hromada.consultations.selectors.open_data_updated",
        )
    ],
    schedules=[Schedule("hromada.consultations.tasks.advance_due", every_seconds=300)],
    news="hromada.consultations.selectors.latest",
    demo="hromada.consultations.demo.load",
    personal_data="hromada.consultations.selectors.personal_data",
    indicators=[
        Indicator(
            "consultations_held",
            _("Public consultations held"),
            _("consultations"),
            "up",
            "hromada.consultations.selectors.held_count",
        ),
        Indicator(
            "consultation_participants",
            _("Participants in public consultations"),
            _("people"),
            "up",
            "hromada.consultations.selectors.participant_count",
        ),
        Indicator(
            "consultation_proposals_taken",
            _("Share of consultation proposals taken into account"),
            "%",
            "up",
            "hromada.consultations.selectors.taken_into_account_share",
        ),
        Indicator(
            "consultation_reports_overdue",
            _("Consultation reports published late or not at all"),
            _("reports"),
            "down",
            "hromada.consultations.selectors.overdue_report_count",
        ),
    ],
    chatbot=[
        Flow(
            "consultations.open",
            _("Consultations"),
            "hromada.consultations.chatbot.start",
            menu="power",
        )
    ],
)
