"""
Django's password forms with our own wording.

The stock forms speak in Django's catalogue ("Email", "The two password
fields didn’t match."); these keep Django's behaviour and say the same in our
words, so the pages read as one text in both languages.
"""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _


def _rules_text() -> str:
    # One sentence per rule (hromada/core/validators.py), read when shown.
    return " ".join(password_validation.password_validators_help_texts())


_rules_help = lazy(_rules_text, str)

MISMATCH = _("The two passwords differ; type the same password twice.")


def _password_fields(label1, label2):
    first = forms.CharField(
        label=label1,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_rules_help(),
    )
    second = forms.CharField(
        label=label2,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Type the same password again, to be sure it has no typo."),
    )
    return first, second


class PasswordResetForm(auth_forms.PasswordResetForm):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class SetPasswordForm(auth_forms.SetPasswordForm):
    error_messages = {"password_mismatch": MISMATCH}
    new_password1, new_password2 = _password_fields(_("New password"), _("New password again"))


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    error_messages = {
        "password_mismatch": MISMATCH,
        "password_incorrect": _("The current password is wrong. Please type it again."),
    }
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password1, new_password2 = _password_fields(_("New password"), _("New password again"))
