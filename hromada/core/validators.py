"""
Password rules with our own wording.

Django's validators speak in its own catalogue, whose Ukrainian reads badly
("Пароль не може складається…"); these subclasses keep Django's checks and
say the same in our words, in both languages.
"""

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return ngettext(
            "The password is too short: it needs at least %(min_length)d character.",
            "The password is too short: it needs at least %(min_length)d characters.",
            self.min_length,
        )

    def get_help_text(self):
        return ngettext(
            "At least %(min_length)d character.",
            "At least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    def get_error_message(self):
        return _("This password is among the most common ones; choose another.")

    def get_help_text(self):
        return _("Not one of the most common passwords.")


class NumericPasswordValidator(password_validation.NumericPasswordValidator):
    def get_error_message(self):
        return _("The password cannot be digits only; add letters or other characters.")

    def get_help_text(self):
        return _("Not digits only.")


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    def get_error_message(self):
        # Translators: %(verbose_name)s is what the password resembles: "e-mail", "full name".
        return _("The password is too similar to your data (%(verbose_name)s).")

    def get_help_text(self):
        return _("Not similar to your name or e-mail address.")
