"""Forms of the participatory budget's pages: they parse input, services decide."""

from __future__ import annotations

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from hromada.budget.models import Category, Cycle, Project
from hromada.core.models import CommunityLink, Department, Settlement
from hromada.core.params import MAX_LAT, MAX_LON, MIN_LAT, MIN_LON, parse_int
from hromada.core.widgets import DateInput


class ProjectForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    problem = forms.CharField(
        label=_("Problem the project solves"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
        help_text=_("What exactly will be done, where and when."),
    )
    beneficiaries = forms.CharField(
        label=_("Who benefits"), widget=forms.Textarea(attrs={"rows": 3}), max_length=3000
    )
    settlement = forms.ModelChoiceField(label=_("Settlement"), queryset=Settlement.objects.none())
    address = forms.CharField(label=_("Address or place"), max_length=300, required=False)
    lat = forms.FloatField(
        label=_("Latitude"),
        help_text=_("Click the map to set the place, or type the coordinates."),
        min_value=MIN_LAT,
        max_value=MAX_LAT,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    lon = forms.FloatField(
        label=_("Longitude"),
        min_value=MIN_LON,
        max_value=MAX_LON,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    cost = forms.DecimalField(
        label=_("Total cost, UAH"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=_(
            "Leave empty to take the estimate's items plus the cycle's contingency. "
            "If you enter it, it must match."
        ),
    )
    coauthors = forms.CharField(
        label=_("Co-authors' e-mail addresses"),
        required=False,
        max_length=600,
        help_text=_("Comma-separated; co-authors must be registered on the site."),
    )

    def __init__(self, *args, cycle: Cycle, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = cycle.categories.all()
        self.fields["settlement"].queryset = Settlement.objects.filter(community=cycle.community)

    def coauthor_emails(self) -> list[str]:
        return [e.strip() for e in self.cleaned_data.get("coauthors", "").split(",") if e.strip()]


class ItemForm(forms.Form):
    name = forms.CharField(label=_("Item"), max_length=200, required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"), required=False, max_digits=10, decimal_places=2, min_value=0
    )
    unit_price = forms.DecimalField(
        label=_("Unit price, UAH"), required=False, max_digits=14, decimal_places=2, min_value=0
    )


ItemFormSet = formset_factory(ItemForm, extra=3, max_num=40, absolute_max=40)


def project_initial(project: Project) -> tuple[dict, list[dict]]:
    initial = {
        "category": project.category_id,
        "title": project.title,
        "problem": project.problem,
        "description": project.description,
        "beneficiaries": project.beneficiaries,
        "settlement": project.settlement_id,
        "address": project.address,
        "lat": project.lat,
        "lon": project.lon,
        "cost": project.cost,
        "coauthors": ", ".join(r.email for r in project.coauthors.all()),
    }
    items = [
        {"name": i.name, "quantity": i.quantity, "unit_price": i.unit_price}
        for i in project.items.all()
    ]
    return initial, items


class PhotoForm(forms.Form):
    image = forms.ImageField(label=_("Photo"))
    caption = forms.CharField(label=_("What the photo shows"), max_length=200)


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuse an id past the database's range: it names no row, and `pk__in` would overflow."""

    def _check_values(self, value):
        for pk in value:
            if parse_int(pk) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class StartReviewForm(forms.Form):
    departments = BoundedModelMultipleChoiceField(
        label=_("Departments to give conclusions"),
        queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = Department.objects.filter(community=community)


class ConclusionForm(forms.Form):
    feasible = forms.TypedChoiceField(
        label=_("Conclusion"),
        choices=[("yes", _("Feasible")), ("no", _("Not feasible"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reasoning"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when the project is not feasible or its cost is corrected."),
    )
    corrected_cost = forms.DecimalField(
        label=_("Corrected cost, UAH"), required=False, max_digits=14, decimal_places=2
    )


class RevisionForm(forms.Form):
    note = forms.CharField(
        label=_("What the author should change"), widget=forms.Textarea(attrs={"rows": 4})
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejection (published)"), widget=forms.Textarea(attrs={"rows": 4})
    )


class PaperBallotForm(forms.Form):
    paper_number = forms.CharField(label=_("Paper ballot number"), max_length=40)
    tax_number = forms.CharField(
        label=_("Voter's tax number (РНОКПП)"),
        max_length=12,
        help_text=_("Only a keyed hash is kept, to stop a second ballot online or on paper."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    birth_date = forms.DateField(label=_("Voter's birth date"), widget=DateInput())
    basis = forms.ChoiceField(label=_("The documents show the voter"))
    settlement = forms.ModelChoiceField(
        label=_("Settlement where the voter lives"),
        queryset=Settlement.objects.none(),
        required=False,
        empty_label=_("not known"),
    )
    support_point = forms.CharField(label=_("Support point"), max_length=200, required=False)

    def __init__(self, *args, cycle: Cycle, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = [CommunityLink.Kind.LIVES, CommunityLink.Kind.DISPLACED]
        if cycle.allow_workers_and_students:
            kinds += [CommunityLink.Kind.WORKS, CommunityLink.Kind.STUDIES]
        self.fields["basis"].choices = [(k.value, k.label) for k in kinds]
        self.fields["settlement"].queryset = Settlement.objects.filter(community=cycle.community)


class ImplementationForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Project.Implementation.choices[1:])
    spent = forms.DecimalField(
        label=_("Money spent so far, UAH"), max_digits=14, decimal_places=2, min_value=0
    )
    note = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 4}))
    department = forms.ModelChoiceField(
        label=_("Responsible department"), queryset=Department.objects.none(), required=False
    )
    photo = forms.ImageField(label=_("Photo"), required=False)
    caption = forms.CharField(label=_("What the photo shows"), max_length=200, required=False)

    def __init__(self, *args, community, can_reassign: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if can_reassign:
            self.fields["department"].queryset = Department.objects.filter(community=community)
        else:
            del self.fields["department"]


class ReceiptForm(forms.Form):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=40,
        help_text=_("As shown after voting and sent by e-mail, e.g. ABCD-EFGH-JKLM-NPQR."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("any"),
    )
    settlement = forms.ModelChoiceField(
        label=_("Settlement"),
        queryset=Settlement.objects.none(),
        required=False,
        empty_label=_("any"),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, cycle: Cycle, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = cycle.categories.all()
        self.fields["settlement"].queryset = Settlement.objects.filter(community=cycle.community)
        statuses = [(s.value, s.label) for s in Project.Status if s != Project.Status.DRAFT]
        self.fields["status"].choices = [
            ("", _("any")),
            *statuses,
            ("selected", _("winners")),
        ]
