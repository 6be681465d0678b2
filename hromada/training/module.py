"""The registry entry of staff training: a declaration."""

from django.utils.translation import gettext_lazy as _

from hromada.core.models import Identity
from hromada.core.registry import Indicator, Module, Nav, Schedule

MODULE = Module(
    name="training",
    title=_("Staff training"),
    description=_(
        "Courses in digital literacy for the council's staff: lessons, tests, "
        "certificates anyone can verify, and progress per department."
    ),
    urls="hromada.training.urls",
    api_router="hromada.training.api.router",
    navigation=[Nav(_("Training"), "training:catalogue")],
    actions={"learn": Identity.EMAIL},
    dashboard="hromada.training.selectors.dashboard_items",
    schedules=[
        Schedule("hromada.training.tasks.close_overdue_attempts", every_seconds=60),
        Schedule("hromada.training.tasks.send_reminders", every_seconds=3600),
    ],
    demo="hromada.training.demo.load",
    personal_data="hromada.training.selectors.personal_data",
    my_items="hromada.training.selectors.my_items",
    indicators=[
        Indicator(
            "training.certified_staff",
            _("Staff certified in digital literacy"),
            "%",
            "up",
            "hromada.training.selectors.certified_staff_share",
        ),
        Indicator(
            "training.average_score",
            _("Average score of passed courses"),
            "%",
            "up",
            "hromada.training.selectors.average_passed_score",
        ),
        Indicator(
            "training.courses_completed",
            _("Courses completed by staff"),
            "",
            "up",
            "hromada.training.selectors.courses_completed",
        ),
    ],
)
