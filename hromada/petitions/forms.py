"""Forms of the petition pages: they parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hromada.core.models import Department, Identity, Resident
from hromada.petitions.models import TEXT_MAX, TITLE_MAX, Petition, PetitionRules, Topic

SORT_CHOICES = [
    ("newest", _("newest first")),
    ("signed", _("most signed")),
    ("ending", _("ending soon")),
]


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), choices=SORT_CHOICES, required=False)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["type"] = "search"
        self.fields["status"].choices = [("", _("any status"))] + [
            (value, label) for value, label in Petition.Status.choices if value in Petition.PUBLIC
        ]
        self.fields["topic"].choices = [("", _("any topic"))] + [
            (str(topic.pk), topic.name) for topic in Topic.objects.filter(community=community)
        ]

    def filters(self) -> dict:
        """Return the valid filters; a forged value is dropped, not obeyed."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "query": data.get("q", ""),
            "status": data.get("status", ""),
            "topic": int(data["topic"]) if data.get("topic") else None,
            "sort": data.get("sort") or "newest",
        }


class PetitionForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        help_text=_("A short request to the council, 10 to 200 characters."),
    )
    topic = forms.ChoiceField(label=_("Topic"))
    text = forms.CharField(
        label=_("Text of the petition"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "What should the council do, and why? 50 to 6,000 characters. "
            "Do not include other people's personal data."
        ),
    )
    collection_days = forms.IntegerField(
        label=_("Collection period, days"),
        required=False,
        min_value=7,
    )

    def __init__(self, *args, community, rules: PetitionRules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", _("choose a topic"))] + [
            (str(topic.pk), topic.name)
            for topic in Topic.objects.filter(community=community, is_active=True)
        ]
        days = self.fields["collection_days"]
        days.max_value = rules.max_collection_days
        days.validators.append(MaxValueValidator(rules.max_collection_days))
        days.widget.attrs.update(min=7, max=rules.max_collection_days)
        days.help_text = ngettext(
            "Leave empty for %(days)d day; at most %(max)d.",
            "Leave empty for %(days)d days; at most %(max)d.",
            rules.collection_days,
        ) % {
            "days": rules.collection_days,
            "max": rules.max_collection_days,
        }


class SignForm(forms.Form):
    notify_on_answer = forms.BooleanField(
        label=_("E-mail me when the council answers"), required=False
    )


def _staff_choices(community):
    return Resident.objects.filter(staff_roles__community=community, is_active=True).distinct()


class AssignForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Responsible department"), queryset=Department.objects.none(), required=False
    )
    official = forms.ModelChoiceField(
        label=_("Responsible official"),
        queryset=Resident.objects.none(),
        required=False,
        help_text=_("Leave empty for the head of the department."),
    )

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(community=community)
        self.fields["official"].queryset = _staff_choices(community)


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", "—"), *Petition.RejectionReason.choices]
    )
    duplicate_of = forms.ModelChoiceField(
        label=_("Open petition it repeats"),
        queryset=Petition.objects.none(),
        required=False,
        help_text=_("Only for the reason “duplicate”."),
    )
    note = forms.CharField(
        label=_("Public explanation"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, petition: Petition, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duplicate_of"].queryset = Petition.objects.filter(
            community=petition.community, status__in=Petition.OPEN, is_hidden=False
        ).exclude(pk=petition.pk)


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the petition hidden?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in the audit log and shown instead of the petition."),
    )


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), choices=[("", "—"), *Petition.Outcome.choices])
    text = forms.CharField(
        label=_("Official answer"), max_length=20000, widget=forms.Textarea(attrs={"rows": 10})
    )
    document = forms.FileField(
        label=_("Council's decision (PDF)"),
        required=False,
        help_text=_("A PDF up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )


LEVEL_CHOICES = [(str(value), label) for value, label in Identity.choices]


class RulesForm(forms.ModelForm):
    """The administrators' rules screen: the rules plus the identity levels."""

    create_level = forms.TypedChoiceField(
        label=_("Identity needed to create a petition"), choices=LEVEL_CHOICES, coerce=int
    )
    sign_level = forms.TypedChoiceField(
        label=_("Identity needed to sign"), choices=LEVEL_CHOICES, coerce=int
    )

    class Meta:
        model = PetitionRules
        fields = [
            "threshold",
            "collection_days",
            "max_collection_days",
            "min_age",
            "residents_only",
            "moderation_days",
            "consideration_days",
            "department",
            "official",
        ]
