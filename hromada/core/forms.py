from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from hromada.core.models import CommunityLink, Street
from hromada.core.widgets import DateInput


class SignUpForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"))
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters, not only digits, not a common password."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"


class LogInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "The e-mail or the password is wrong. Check them and try again; "
            "mind the keyboard layout and Caps Lock."
        ),
        "inactive": _("This account is switched off."),
    }
    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DateInput())
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("uk", "Українська"), ("en", "English")]
    )
    notify_by_email = forms.BooleanField(label=_("Notify me by e-mail"), required=False)


class LinkForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("How are you linked to the community?"), choices=CommunityLink.Kind.choices
    )
    street = forms.ModelChoiceField(
        label=_("Street"), queryset=Street.objects.none(), required=False
    )
    house = forms.CharField(label=_("House"), max_length=20, required=False)
    note = forms.CharField(
        label=_("Employer, school or where you stay"), max_length=200, required=False
    )

    move = forms.BooleanField(required=False)

    def __init__(self, *args, community, lives_in=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = Street.objects.filter(
            settlement__community=community
        ).select_related("settlement")
        if lives_in is None:
            # Nothing to move from: the box would only puzzle people.
            del self.fields["move"]
        else:
            self.fields["move"].label = _(
                "I have moved here: end my residence in %(community)s"
            ) % {"community": lives_in.name}
            self.fields["move"].help_text = _(
                "A person has one place of residence. Work, study and displacement "
                "links stay as they are."
            )


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=80)


def apply_errors(form: forms.Form, error) -> None:
    """Show a `DomainError` on the form: field errors by field, the rest on top."""
    placed = False
    for field, message in (error.fields or {}).items():
        if field in form.fields:
            form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, str(error))
