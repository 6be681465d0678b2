"""The participatory budget's errors: a stable code for programs, a sentence for people."""

from django.utils.translation import gettext_lazy as _

from hromada.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed


class CycleNotFound(NotFound):
    code = "pb_cycle_not_found"
    message = _("There is no such budget cycle.")


class ProjectNotFound(NotFound):
    code = "pb_project_not_found"
    message = _("There is no such project.")


class PhaseClosed(DomainError):
    code = "pb_phase_closed"
    status = 409
    message = _("This cannot be done in the current phase of the budget cycle (%(phase)s).")


class NotEligible(Forbidden):
    code = "pb_not_eligible"
    message = _("You cannot take part in this budget cycle.")


class AlreadyVoted(Conflict):
    code = "pb_already_voted"
    message = _("A ballot in this category has already been cast by this person.")


class PaperNumberUsed(Conflict):
    code = "pb_paper_number_used"
    message = _("A ballot with this paper number has already been entered.")


class BallotInvalid(ValidationFailed):
    code = "pb_ballot_invalid"
    message = _("The ballot is not valid.")


class CostMismatch(ValidationFailed):
    code = "pb_cost_mismatch"
    message = _(
        "The cost %(cost)s UAH does not match the estimate: items %(items)s UAH plus "
        "%(percent)s%% contingency make %(expected)s UAH."
    )


class OverCap(ValidationFailed):
    code = "pb_over_cap"
    message = _("The cost %(cost)s UAH is over the category's cap of %(cap)s UAH.")


class WrongStatus(Conflict):
    code = "pb_wrong_status"
    message = _("The project is “%(status)s”; this step is not possible now.")


class ReviewIncomplete(Conflict):
    code = "pb_review_incomplete"
    message = _("Every department must give a positive conclusion before the project is admitted.")


class CountsHidden(Forbidden):
    code = "pb_counts_hidden"
    message = _("Vote counts of this cycle are hidden until voting ends.")


class NotCounted(Conflict):
    code = "pb_not_counted"
    message = _("The votes of this cycle have not been counted yet.")
