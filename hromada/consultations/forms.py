"""Forms of the consultation pages: they parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hromada.consultations.models import (
    COMMENT_MAX,
    REASON_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    Comment,
    Consultation,
    Question,
)
from hromada.core.widgets import DateTimeInput


class ConsultationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Form of consultation"), choices=Consultation.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    summary = forms.CharField(
        label=_("Summary"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=SUMMARY_MAX,
    )
    body = forms.CharField(label=_("Body holding the consultation"), max_length=300)
    affected = forms.CharField(
        label=_("Who is affected and how"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=SUMMARY_MAX,
    )
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=500)
    how_to_take_part = forms.CharField(
        label=_("How to take part"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=SUMMARY_MAX,
    )
    opens_at = forms.DateTimeField(label=_("Opens"), widget=DateTimeInput)
    closes_at = forms.DateTimeField(label=_("Closes"), widget=DateTimeInput)
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=None, required=False)
    settlement = forms.ModelChoiceField(
        label=_("Settlement concerned"), queryset=None, required=False
    )
    anonymity = forms.ChoiceField(
        label=_("Survey answers"), choices=Consultation.Anonymity.choices, required=False
    )
    results_while_open = forms.BooleanField(
        label=_("Show survey results while it is open"), required=False
    )
    hearing_at = forms.DateTimeField(
        label=_("Hearing date and time"), widget=DateTimeInput, required=False
    )
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    online_link = forms.URLField(
        label=_("Online link"), required=False, max_length=200, assume_scheme="https"
    )
    agenda = forms.CharField(
        label=_("Agenda"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=SUMMARY_MAX,
    )
    capacity = forms.IntegerField(
        label=_("Places for registered participants"),
        min_value=1,
        max_value=100_000,
        required=False,
    )

    def __init__(self, *args, community, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        from hromada.consultations.models import Topic
        from hromada.core.models import Settlement

        self.fields["topic"].queryset = Topic.objects.filter(community=community)
        self.fields["settlement"].queryset = Settlement.objects.filter(community=community)
        if editing:
            del self.fields["kind"]


class DraftForm(forms.Form):
    text = forms.CharField(
        label=_("Draft text (Markdown)"),
        widget=forms.Textarea(attrs={"rows": 14}),
        required=False,
        help_text=_("Headings “#”/“##” mark sections, “###” or “Стаття 5.” mark articles."),
    )
    upload = forms.FileField(label=_("Or upload a DOCX, ODT or Markdown file"), required=False)
    note = forms.CharField(label=_("What changed"), max_length=500, required=False)


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Question type"), choices=Question.Kind.choices)
    text = forms.CharField(label=_("Question"), max_length=500)
    required = forms.BooleanField(label=_("Answer required"), required=False)
    options = forms.CharField(
        label=_("Options, one per line"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    rows = forms.CharField(
        label=_("Matrix rows, one per line"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    minimum = forms.IntegerField(
        label=_("Lowest value"), required=False, min_value=-(10**9), max_value=10**9
    )
    maximum = forms.IntegerField(
        label=_("Highest value"), required=False, min_value=-(10**9), max_value=10**9
    )
    condition_question = forms.IntegerField(
        label=_("Show only when question number"), required=False, min_value=1, max_value=500
    )
    condition_test = forms.ChoiceField(
        label=_("is"),
        required=False,
        choices=[
            ("", "—"),
            ("answered", _("answered")),
            ("equals", _("equal to option")),
            ("not_equals", _("not equal to option")),
            ("any_of", _("any of options")),
        ],
    )
    condition_value = forms.CharField(
        label=_("Option numbers (from 1, comma separated)"), required=False, max_length=100
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"), widget=forms.Textarea(attrs={"rows": 4}), max_length=COMMENT_MAX
    )
    is_proposal = forms.BooleanField(label=_("This is a proposal to consider"), required=False)
    article = forms.CharField(widget=forms.HiddenInput, required=False, max_length=80)


class AmendmentForm(forms.Form):
    replacement = forms.CharField(
        label=_("Proposed text of the article"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=COMMENT_MAX,
    )
    text = forms.CharField(
        label=_("Why (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=COMMENT_MAX,
    )
    article = forms.CharField(widget=forms.HiddenInput, max_length=80)


class ProposalEntryForm(forms.Form):
    author_name = forms.CharField(label=_("Author's full name"), max_length=200)
    text = forms.CharField(
        label=_("Proposal"), widget=forms.Textarea(attrs={"rows": 4}), max_length=COMMENT_MAX
    )
    source = forms.ChoiceField(
        label=_("Received"),
        choices=[
            (Comment.Source.PAPER, _("on paper")),
            (Comment.Source.HEARING, _("at the hearing")),
        ],
    )
    article = forms.CharField(
        label=_("Article identifier (optional)"), required=False, max_length=80
    )


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 8}), max_length=100_000
    )
    video_url = forms.URLField(
        label=_("Video recording"), required=False, max_length=200, assume_scheme="https"
    )


class InitiativeForm(forms.Form):
    title = forms.CharField(label=_("Subject of the hearing"), max_length=TITLE_MAX)
    text = forms.CharField(
        label=_("Why a hearing is needed"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=SUMMARY_MAX,
    )


class ReportForm(forms.Form):
    notice = forms.CharField(
        label=_("Summary of the report"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=SUMMARY_MAX,
    )


DECISION_REASON_MAX = REASON_MAX
