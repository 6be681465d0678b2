"""The registry entry of the schools module (class journal and e-diary): a declaration."""

from django.utils.translation import gettext_lazy as _

from hromada.core.models import Identity
from hromada.core.registry import Indicator, Module, Nav, Schedule

MODULE = Module(
    name="schools",
    title=_("Schools"),
    description=_(
        "The electronic class journal for teachers and the e-diary for pupils and parents "
        "of the community's schools: free, audited, private to each child's family."
    ),
    urls="hromada.schools.urls",
    api_router="hromada.schools.api.router",
    navigation=[Nav(_("School diary"), "schools:home")],
    # Parents sign in with at least a confirmed e-mail; an absence note needs strong identity.
    actions={"diary": Identity.EMAIL, "absence_note": Identity.STRONG},
    dashboard="hromada.schools.selectors.dashboard_items",
    schedules=[
        Schedule("hromada.schools.tasks.daily_digest", every_seconds=3600),
        Schedule("hromada.schools.tasks.absence_alerts", every_seconds=6 * 3600),
        Schedule("hromada.schools.tasks.purge_expired_archives", every_seconds=24 * 3600),
    ],
    demo="hromada.schools.demo.load",
    personal_data="hromada.schools.selectors.personal_data",
    # Aggregates over all the community's schools: no pupil is named.
    indicators=[
        Indicator(
            "schools.journal_on_time",
            _("Lessons recorded in the e-journal on time"),
            "%",
            "up",
            "hromada.schools.selectors.journal_on_time_share",
        ),
        Indicator(
            "schools.parents_connected",
            _("Pupils whose parents use the e-diary"),
            "%",
            "up",
            "hromada.schools.selectors.parents_connected_share",
        ),
        Indicator(
            "schools.unexplained_absences",
            _("Absences not explained"),
            "%",
            "down",
            "hromada.schools.selectors.unexplained_absence_share",
        ),
    ],
)
