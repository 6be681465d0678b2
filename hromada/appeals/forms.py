"""Forms of the appeals pages: they render and parse; services decide."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hromada.appeals import selectors
from hromada.appeals.models import Appeal, Category, CategoryAttribute
from hromada.appeals.services import MAX_DESCRIPTION
from hromada.core.models import Community, Department, Street
from hromada.core.params import MAX_LAT, MAX_LON, MIN_LAT, MIN_LON
from hromada.core.widgets import DateInput, DateTimeInput


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Up to MAX_PHOTOS files; checking them is the service's job."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultiplePhotoField, self).clean(item, initial) for item in files if item]


def show_errors(form: forms.Form, error, aliases: dict[str, str] | None = None) -> None:
    """Show a DomainError on the form: field messages by field, the rest on top."""
    aliases = aliases or {}
    placed_any = False
    for field, message in (error.fields or {}).items():
        name = aliases.get(field, field)
        if name.startswith("attribute[") and name.endswith("]"):
            name = "attr_" + name[len("attribute[") : -1]
        if name in form.fields:
            form.add_error(name, message)
        else:
            form.add_error(None, message)
        placed_any = True
    if not placed_any:
        form.add_error(None, str(error))


def category_choices(
    community: Community, *, with_groups: bool = False, kind: str | None = None
) -> list:
    """Return grouped (optgroup) choices of service codes for a select; of one kind if given."""
    choices: list = [("", _("All categories") if with_groups else _("Choose a category"))]
    language = get_language()  # names are data: the English one where staff gave it
    for group, children in selectors.category_tree(community, kind):
        options = [(child.service_code, child.display_name(language)) for child in children]
        group_name = group.display_name(language)
        if with_groups:
            options.insert(0, (group.service_code, _("%(group)s: all") % {"group": group_name}))
        choices.append((group_name, options))
    return choices


class FilterForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    period = forms.ChoiceField(label=_("Period"), required=False)

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        # The map and the public list show problem reports only.
        self.fields["category"].choices = category_choices(
            community, with_groups=True, kind=Category.Kind.MAP
        )
        self.fields["status"].choices = [("", _("Any status"))] + [
            (key, label) for key, (label, _statuses) in selectors.STATUS_GROUPS.items()
        ]
        self.fields["period"].choices = [
            (key, label) for key, (_days, label) in selectors.PERIODS.items()
        ]
        self.fields["period"].initial = selectors.DEFAULT_PERIOD

    def values(self) -> dict:
        if not self.is_valid():
            return {"category": "", "status": "", "period": selectors.DEFAULT_PERIOD}
        data = self.cleaned_data
        return {
            "category": data.get("category") or "",
            "status": data.get("status") or "",
            "period": data.get("period") or selectors.DEFAULT_PERIOD,
        }


class PlaceForm(forms.Form):
    """The place of a problem: a point from the map, or a street from the registry."""

    # Bounded: a forged 1e300 would overflow the map cells' query.
    lat = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=MIN_LAT,
        max_value=MAX_LAT,
        widget=forms.HiddenInput,
    )
    lon = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=MIN_LON,
        max_value=MAX_LON,
        widget=forms.HiddenInput,
    )
    street = forms.ModelChoiceField(
        label=_("Street"),
        queryset=Street.objects.none(),
        required=False,
        help_text=_("Without the map, choose the street and describe the place below."),
    )
    address = forms.CharField(
        label=_("House number or landmark"),
        max_length=300,
        required=False,
        help_text=_("For example: near house 12, by the bus stop."),
    )

    # The community's streets, as a query not yet run: building the filter cost
    # a tenth of a report's CPU, and the field takes a copy of it (`.all()`),
    # so the kept one is never evaluated and never holds rows.
    _streets: dict[int, QuerySet] = {}

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        streets = self._streets.get(community.pk)
        if streets is None:
            streets = Street.objects.filter(settlement__community=community).select_related(
                "settlement"
            )
            self._streets[community.pk] = streets
        self.fields["street"].queryset = streets


def attribute_field(attribute: CategoryAttribute) -> forms.Field:
    """Return a form field that renders one of the category's questions."""
    kinds = CategoryAttribute.Datatype
    common = {
        "label": attribute.description,
        "required": attribute.required,
        "help_text": attribute.datatype_description,
    }
    if attribute.datatype == kinds.SINGLE:
        return forms.ChoiceField(choices=[("", "—"), *attribute.choices], **common)
    if attribute.datatype == kinds.MULTI:
        return forms.MultipleChoiceField(
            choices=attribute.choices, widget=forms.CheckboxSelectMultiple, **common
        )
    if attribute.datatype == kinds.TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    if attribute.datatype == kinds.NUMBER:
        return forms.CharField(widget=forms.NumberInput(attrs={"step": "any"}), **common)
    if attribute.datatype == kinds.DATETIME:
        return forms.CharField(widget=DateTimeInput(), **common)
    return forms.CharField(max_length=200, **common)


class ReportForm(forms.Form):
    description = forms.CharField(
        label=_("What is the problem?"),
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": MAX_DESCRIPTION}),
        help_text=_("Describe what is wrong and where exactly; up to 4,000 characters."),
    )
    photos = MultiplePhotoField(
        label=_("Photos"),
        help_text=_("Up to 5 photos, JPEG, PNG, WebP or GIF, 8 MB each. Location data is removed."),
    )
    author_public = forms.BooleanField(label=_("Show my name on the public page"), required=False)

    def __init__(self, *args, category, **kwargs):
        super().__init__(*args, **kwargs)
        self.attribute_names = []
        for attribute in category.attributes.all():
            if attribute.variable:
                name = f"attr_{attribute.code}"
                self.fields[name] = attribute_field(attribute)
                self.attribute_names.append((name, attribute.code))
        # The order a resident reads: questions, then description, photos, name.
        order = [name for name, _code in self.attribute_names]
        self.order_fields([*order, "description", "photos", "author_public"])

    def attributes(self) -> dict:
        data = self.cleaned_data
        return {code: data.get(name) for name, code in self.attribute_names}


class WrittenAppealForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of appeal"),
        choices=[(kind.value, kind.label) for kind in Appeal.WRITTEN_KINDS],
        widget=forms.RadioSelect,
        help_text=_(
            "A proposal suggests how to improve things; a statement asks for a right or an "
            "interest to be served; a complaint asks to restore a right that was broken."
        ),
    )
    category = forms.ChoiceField(
        label=_("Topic"), help_text=_("The topic decides which department of the council answers.")
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    text = forms.CharField(
        label=_("Text of the appeal"),
        widget=forms.Textarea(attrs={"rows": 10, "maxlength": MAX_DESCRIPTION}),
        help_text=_("Up to 4,000 characters."),
    )
    photos = MultiplePhotoField(
        label=_("Images"), help_text=_("Up to 5 images (scans or photos), 8 MB each.")
    )

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        # Topics, not the map's problems: a school or a clinic is a topic.
        choices = category_choices(community, kind=Category.Kind.WRITTEN)
        if len(choices) == 2:  # one group: a plain list reads better
            choices = [choices[0], *choices[1][1]]
        choices[0] = ("", _("Choose a topic"))
        self.fields["category"].choices = choices


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("What is still wrong?"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


# -- staff --------------------------------------------------------------------


class _StaffForm(forms.Form):
    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        if "department" in self.fields:
            self.fields["department"].queryset = Department.objects.filter(community=community)
        if "category" in self.fields:
            self.fields["category"].choices = category_choices(community)
            self.fields["category"].required = False


class AcceptForm(_StaffForm):
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("Leave empty to use the category's department."),
    )
    category = forms.ChoiceField(label=_("Change the category"))
    requires_study = forms.BooleanField(
        label=_("Needs additional study (a month instead of 15 days)"), required=False
    )
    note = forms.CharField(
        label=_("Note for the author"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RerouteForm(_StaffForm):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    category = forms.ChoiceField(label=_("Change the category"))
    note = forms.CharField(
        label=_("Note for the author"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("Registration number of the report that stays"),
        max_length=14,
        help_text=_("For example: 2026/000123"),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: the road belongs to the state road service, not the council."),
    )
    redirect_to = forms.CharField(
        label=_("Whom to turn to"),
        required=False,
        max_length=300,
        help_text=_("The body that can help, with its contacts."),
    )
    hide = forms.BooleanField(
        label=_("Hide from the public (abuse or personal data)"), required=False
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the author"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResolveForm(forms.Form):
    comment = forms.CharField(
        label=_("What was done (the answer)"), widget=forms.Textarea(attrs={"rows": 4})
    )
    photo = forms.FileField(
        label=_("Photo after the work"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )


class ExtendForm(forms.Form):
    due_on = forms.DateField(label=_("New term"), widget=DateInput())
    reason = forms.CharField(
        label=_("Why more time is needed"), widget=forms.Textarea(attrs={"rows": 2})
    )


class StaffEntryForm(_StaffForm):
    channel = forms.ChoiceField(
        label=_("Received by"),
        choices=[
            (Appeal.Channel.PHONE.value, Appeal.Channel.PHONE.label),
            (Appeal.Channel.PAPER.value, Appeal.Channel.PAPER.label),
        ],
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Appeal.Kind.choices)
    category = forms.ChoiceField(label=_("Category"))
    name = forms.CharField(label=_("Name of the person"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    description = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}))
    street = forms.ModelChoiceField(
        label=_("Street"), queryset=Street.objects.none(), required=False
    )
    address = forms.CharField(label=_("House number or landmark"), max_length=300, required=False)
    photos = MultiplePhotoField(label=_("Scans or photos"))

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, community=community, **kwargs)
        self.fields["category"].required = True
        self.fields["street"].queryset = Street.objects.filter(
            settlement__community=community
        ).select_related("settlement")
