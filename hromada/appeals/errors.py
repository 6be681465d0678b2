"""What can go wrong with appeals: one class per rule, a stable code each."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from hromada.core.errors import Conflict, Forbidden, NotFound, ValidationFailed


class AppealNotFound(NotFound):
    code = "appeal_not_found"
    message = _("There is no such appeal.")


class CategoryInvalid(ValidationFailed):
    code = "appeal_category_invalid"
    message = _("Choose a category from the list.")


class LocationRequired(ValidationFailed):
    code = "appeal_location_required"
    message = _("Show the place on the map, choose a street or describe where it is.")


class OutsideTerritory(ValidationFailed):
    code = "appeal_outside_territory"
    message = _(
        "This point lies outside the community's territory. The council can only deal "
        "with problems on its own territory; please check the place on the map."
    )


class TextInvalid(ValidationFailed):
    code = "appeal_text_invalid"
    message = _("Please correct the text of the appeal.")


class AttributeInvalid(ValidationFailed):
    code = "appeal_attribute_invalid"
    message = _("Please answer the category's questions correctly.")


class PhotoInvalid(ValidationFailed):
    code = "appeal_photo_invalid"
    message = _("One of the photos cannot be accepted.")


class TooManyPhotos(ValidationFailed):
    code = "appeal_too_many_photos"
    message = _("You can attach at most %(limit)d photos.")


class ContactInvalid(ValidationFailed):
    code = "appeal_contact_invalid"
    message = _("Please correct the contact details.")


class WrongStatus(Conflict):
    code = "appeal_wrong_status"
    message = _("This step is not possible while the appeal is “%(status)s”.")


class NotYourAppeal(Forbidden):
    code = "appeal_not_author"
    message = _("Only the author of the appeal can do this.")


class NotYourDepartment(Forbidden):
    code = "appeal_not_your_department"
    message = _("This appeal is handled by another department.")


class ModeratorOnly(Forbidden):
    code = "appeal_moderator_only"
    message = _("Only a moderator can do this.")


class AlreadySupported(Conflict):
    code = "appeal_already_supported"
    message = _("You have already marked that you have this problem too.")


class CannotSupport(Conflict):
    code = "appeal_cannot_support"
    message = _("Only open problem reports of other residents can be supported.")


class ConfirmationClosed(Conflict):
    code = "appeal_confirmation_closed"
    message = ngettext_lazy(
        "The %(days)d day to confirm or reopen the fix is over.",
        "The %(days)d days to confirm or reopen the fix are over.",
        "days",
    )


class ExtensionInvalid(ValidationFailed):
    code = "appeal_extension_invalid"
    message = _("The term cannot be extended like this.")


class MergeInvalid(ValidationFailed):
    code = "appeal_merge_invalid"
    message = _("These appeals cannot be merged.")


class DepartmentRequired(ValidationFailed):
    code = "appeal_department_required"
    message = _("Choose the department that will handle the appeal.")


class NumberTaken(Conflict):
    code = "appeal_number_taken"
    message = _("The registration number is taken; please try again.")
