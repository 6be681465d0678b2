from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from hromada.core.models import CommunityLink, Street, SupportPoint
from hromada.core.widgets import DateInput


class SignUpForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"))
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters, not only digits, not a common password."),
    )

    # Ticked: consent to the notice's version named in `notice_version`
    # (Law "On personal data protection" №2297-VI, art. 11).
    privacy_consent = forms.BooleanField(
        required=True,
        error_messages={
            "required": _("Tick the box to consent to the processing of your personal data.")
        },
    )
    notice_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, notice_version: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["notice_version"].initial = notice_version
        # The link opens in a new tab, so what is typed in the form stays.
        self.fields["privacy_consent"].label = mark_safe(  # noqa: S308 - escaped parts
            _(
                'I have read the <a href="%(url)s" target="_blank" rel="noopener">privacy '
                "notice</a> (opens in a new tab) and consent to the processing of my "
                "personal data as it describes."
            )
            % {"url": escape(reverse("core:privacy"))}
        )


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


class PhoneForm(forms.Form):
    """The phone a code is texted to, to confirm it for SMS."""

    phone = forms.CharField(
        label=_("Phone for SMS"),
        max_length=40,
        help_text=_("A Ukrainian mobile number, for example 050 123 45 67."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )


class PhoneCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}
        ),
    )


class SmsChoiceForm(forms.Form):
    notify_by_sms = forms.BooleanField(label=_("Notify me by SMS"), required=False)

    def __init__(self, *args, confirmed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not confirmed:
            self.fields["notify_by_sms"].disabled = True
            self.fields["notify_by_sms"].help_text = _(
                "Available once your phone is confirmed by a code."
            )


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


class IdentifyLookupForm(forms.Form):
    email = forms.EmailField(label=_("The resident's e-mail"))


class IdentifyPersonForm(forms.Form):
    """What staff copy from the document the person shows at a support point."""

    full_name = forms.CharField(label=_("Full name as in the document"), max_length=200)
    birth_date = forms.DateField(label=_("Birth date"), widget=DateInput())
    tax_number = forms.CharField(
        label=_("Tax number (РНОКПП)"),
        max_length=12,
        help_text=_("Ten digits. Only a code made from it is kept, never the number."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    document_kind = forms.ChoiceField(label=_("Document shown"))
    document_last_digits = forms.CharField(
        label=_("Last four digits of the document's number"),
        max_length=4,
        help_text=_("Checked for form and not kept."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    support_point = forms.ModelChoiceField(
        label=_("Support point"), queryset=SupportPoint.objects.none(), required=False
    )
    resident = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, community, **kwargs):
        from hromada.core.services import DOCUMENT_KINDS

        super().__init__(*args, **kwargs)
        self.fields["document_kind"].choices = [("", "—"), *DOCUMENT_KINDS.items()]
        self.fields["support_point"].queryset = SupportPoint.objects.filter(
            community=community, is_active=True, identifies=True
        )
