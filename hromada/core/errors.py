"""
The one error hierarchy of the domain layer.

Services raise `DomainError` subclasses; every channel renders them the same
way: a web form shows the message, the API answers
``{"error": {"code", "message", "fields"}}`` with the status, the chatbot
replies with the message. Programs match `code`, never the text.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "invalid"
    status = 400
    message = _("The request cannot be carried out.")

    def __init__(self, message=None, *, fields: dict | None = None, **params):
        self.message = message if message is not None else self.message
        self.fields = fields or {}
        self.params = params
        super().__init__(str(self))

    def __str__(self) -> str:
        # `message % params`, not `str(message) % params`: a plural message
        # (ngettext_lazy keyed by a parameter's name) picks its form there.
        return str(self.message % self.params) if self.params else str(self.message)


class NotFound(DomainError):
    code = "not_found"
    status = 404
    message = _("Not found.")


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    message = _("You are not allowed to do this.")


class IdentityRequired(Forbidden):
    code = "identity_required"
    message = _("This action needs a stronger identification of your account.")


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
    message = _("Too many requests. Please wait a little and try again.")


class ValidationFailed(DomainError):
    code = "validation"
    message = _("Please correct the errors below.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    message = _("This was already done.")
