"""
The back office shows a community's staff their own community only.

One walk over every registered admin (`admin.site._registry`), so an admin
that a module adds later is checked too: community B's administrator, on B's
host, finds none of community A's rows in lists, forms, list filters and
autocompletes, and can neither open nor change nor delete them.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.filters import AllValuesFieldListFilter, RelatedFieldListFilter
from django.forms import SplitDateTimeWidget
from django.urls import reverse
from django.utils import timezone

from hromada.appeals import services as appeals_services
from hromada.appeals.models import Category as AppealCategory
from hromada.appeals.models import CategoryAttribute
from hromada.budget.models import Category as BudgetCategory
from hromada.budget.models import Cycle, Project
from hromada.core.models import (
    Community,
    Department,
    Resident,
    Settlement,
    StaffRole,
    Street,
)
from hromada.petitions import services as petitions_services
from hromada.petitions.models import Petition, PetitionRules, Topic
from tests.appeals.conftest import LAT, LON
from tests.budget.helpers import draft, make_category, make_cycle
from tests.factories import (
    client_for,
    make_community,
    make_department,
    make_resident,
    make_row,
    make_staff,
)
from tests.petitions.conftest import TEXT

B_HOST = "pivdenne.localhost"


def build_rows(community: Community) -> dict:
    """Return a row of every registered model (and of what they hang on) in `community`."""
    department = make_department(community, "Відділ благоустрою")
    resident = make_resident(community)
    staff = make_staff(community, StaffRole.Role.STAFF, department)
    made = {
        Community: community,
        Settlement: Settlement.objects.filter(community=community).first(),
        Street: Street.objects.filter(settlement__community=community).first(),
        Department: department,
        Resident: resident,
        StaffRole: staff.staff_roles.get(),
        PetitionRules: petitions_services.rules_for(community),
        Topic: Topic.objects.create(community=community, name="Благоустрій"),
    }
    made[Petition] = petitions_services.create_petition(
        community=community,
        author=resident,
        title="Облаштувати сквер біля школи",
        text=TEXT,
        topic_id=made[Topic].pk,
    )
    appeals_services.install_default_categories(community=community)
    made[AppealCategory] = AppealCategory.objects.get(community=community, service_code="light-out")
    made[CategoryAttribute] = made[AppealCategory].attributes.first()
    appeals_services.submit_report(
        community=community,
        category=made[AppealCategory],
        description="Не світить ліхтар біля під'їзду.",
        lat=LAT,
        lon=LON,
        author=resident,
    )
    appeals_services.issue_open311_key(community=community, name="Застосунок громади")
    made[Cycle] = make_cycle(community)
    made[BudgetCategory] = make_category(made[Cycle])
    made[Project] = draft(resident, made[BudgetCategory])
    made = {model: row for model, row in made.items() if row is not None}
    for model in admin.site._registry:
        if model not in made:
            rows = model._default_manager.filter(pk__in=_community_pks(model, community))
            made[model] = rows.first() or make_row(model, community, made)
    return made


def _community_pks(model, community):
    field_names = {field.name for field in model._meta.concrete_fields}
    if "community" not in field_names:
        return []
    return model._default_manager.filter(community=community).values("pk")


def tied(model, seen: tuple = ()) -> bool:
    """Return whether rows of `model` belong to a community (else: to the platform)."""
    if model in (Community, Resident):
        return True
    for field in model._meta.concrete_fields:
        if not field.is_relation or field.related_model in (*seen, model):
            continue
        if field.related_model is Community:
            return True
        if not field.null and tied(field.related_model, (*seen, model)):
            return True
    return False


def all_rows() -> dict:
    return {
        model: set(model._default_manager.values_list("pk", flat=True))
        for model in apps.get_models()
    }


def test_another_communitys_administrator_finds_nothing_of_the_community_in_the_back_office(
    community,
):
    build_rows(community)
    foreign = all_rows()  # everything so far is community A's (or the platform's)
    other = make_community("pivdenne", name="Південнівська громада")
    own = build_rows(other)
    administrator = make_staff(other, StaffRole.Role.ADMINISTRATOR)
    client = client_for(administrator, host=B_HOST)
    checked = Counter()
    problems = []
    for model, model_admin in admin.site._registry.items():
        problems += walk(client, model, model_admin, foreign, own, checked)
    problems += autocompletes(client, foreign, own, checked)
    assert not problems, "\n".join(problems)
    # The walk saw the screens it meant to: guards against passing on empty pages.
    assert checked["list"] >= 18, checked
    assert checked["choice field"] >= 5, checked
    # Django shows a filter with two choices or more: B's one row plus a leak.
    assert checked["related filter"] >= 3, checked
    assert checked["autocomplete"] >= 3, checked


def walk(client, model, model_admin, foreign, own, checked) -> list[str]:
    """Return what community A's rows leak on the admin of `model` (an empty list: nothing)."""
    problems = []
    name = model._meta.label
    info = (model._meta.app_label, model._meta.model_name)

    def url(view, *args):
        return reverse("admin:{}_{}_{}".format(*info, view), args=args)

    foreign_pks = foreign[model]
    assert foreign_pks, f"{name}: no row of community A was made"
    row_pk = min(foreign_pks)

    listing = client.get(url("changelist"))
    if listing.status_code == 200:
        checked["list"] += 1
        cl = listing.context["cl"]
        shown = set(cl.queryset.values_list("pk", flat=True))
        page = listing.content.decode()
        if shown & foreign_pks or any(url("change", pk) in page for pk in foreign_pks):
            problems.append(f"{name}: the list shows community A's rows")
        if tied(model) and own[model].pk not in shown:
            problems.append(f"{name}: the list misses community B's own row")
        problems += [f"{name}: {p}" for p in filter_leaks(model, cl, foreign, checked)]
    elif listing.status_code != 403:
        problems.append(f"{name}: the list answered {listing.status_code}")

    for view in ("change", "history", "delete"):
        status = client.get(url(view, row_pk)).status_code
        if status not in (302, 403, 404):
            problems.append(f"{name}: the {view} page of A's row answered {status}")

    form_data = {}
    for form_url in (url("add"), url("change", own[model].pk)):
        response = client.get(form_url)
        if response.status_code != 200:
            continue
        problems += [f"{name}: {p}" for p in choice_leaks(response, foreign, checked)]
        if form_url != url("add"):
            form_data = posted_data(response)

    before = list(model._default_manager.filter(pk__in=foreign_pks).order_by("pk").values())
    attempts = {
        url("change", row_pk): form_data,
        url("delete", row_pk): {"post": "yes"},
        url("changelist"): {
            "action": "delete_selected",
            "_selected_action": sorted(foreign_pks),
            "post": "yes",
        },
    }
    for target, data in attempts.items():
        status = client.post(target, data).status_code
        # The list answers 200 with "no action selected" to those who may not delete.
        if status not in (302, 403, 404) and not (status == 200 and target == url("changelist")):
            problems.append(f"{name}: posting to {target} answered {status}")
    after = list(model._default_manager.filter(pk__in=foreign_pks).order_by("pk").values())
    if after != before:
        problems.append(f"{name}: posting changed community A's rows")
    return problems


def filter_leaks(model, cl, foreign, checked) -> list[str]:
    """Return the list filters that offer community A's rows or values."""
    leaks = []
    for spec in cl.filter_specs:
        if isinstance(spec, RelatedFieldListFilter):
            checked["related filter"] += 1
            offered = {pk for pk, _label in spec.lookup_choices}
            if offered & foreign[spec.field.related_model]:
                leaks.append(f"the filter by {spec.field_path} offers A's rows")
        elif isinstance(spec, AllValuesFieldListFilter):
            rows = model._default_manager.values_list(spec.field_path, flat=True)
            a_only = set(rows.filter(pk__in=foreign[model])) - set(
                rows.exclude(pk__in=foreign[model])
            )
            if set(spec.lookup_choices) & a_only:
                leaks.append(f"the filter by {spec.field_path} offers A's values")
    return leaks


def choice_leaks(response, foreign, checked) -> list[str]:
    """Return the choice fields of an admin form (inlines too) that offer A's rows."""
    forms = [response.context["adminform"].form]
    forms += [inline.formset.empty_form for inline in response.context["inline_admin_formsets"]]
    leaks = []
    for form in forms:
        for field_name, field in form.fields.items():
            queryset = getattr(field, "queryset", None)
            # An inline row's hidden id: Django looks a posted id up in the
            # formset's own rows, never in this field's queryset.
            if queryset is None or field_name == form._meta.model._meta.pk.name:
                continue
            checked["choice field"] += 1
            pks = foreign.get(queryset.model, set())
            if queryset.filter(pk__in=pks).exists():
                leaks.append(f"{type(form).__name__}.{field_name} offers A's rows")
    return leaks


def posted_data(response) -> dict:
    """Return what a browser posts from this change form, unchanged, inlines left alone."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None:
            continue
        if isinstance(field.widget, SplitDateTimeWidget) and isinstance(value, datetime):
            local = timezone.localtime(value)
            data[f"{name}_0"], data[f"{name}_1"] = f"{local:%Y-%m-%d}", f"{local:%H:%M:%S}"
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, (list, tuple)):
            data[name] = [str(item) for item in value]
        else:
            data[name] = str(value)
    for inline in response.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


def autocompletes(client, foreign, own, checked) -> list[str]:
    """
    Return the autocompletes that offer community A's rows.

    Every declared autocomplete field, and for every searchable admin one
    foreign key pointing at its model: the endpoint takes any such key.
    """
    declared = set()
    for model_admin in admin.site._registry.values():
        for owner in (
            model_admin,
            *[inline(model_admin.model, admin.site) for inline in model_admin.inlines],
        ):
            for field_name in owner.autocomplete_fields:
                declared.add(owner.model._meta.get_field(field_name))
    sources = set(declared)
    for remote, remote_admin in admin.site._registry.items():
        if not remote_admin.search_fields:
            continue
        keys = [
            field
            for model in apps.get_models()
            for field in model._meta.concrete_fields
            if field.is_relation and field.related_model is remote
        ]
        sources.update(keys[:1])
    problems = []
    for field in sorted(sources, key=str):
        response = client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": field.model._meta.app_label,
                "model_name": field.model._meta.model_name,
                "field_name": field.name,
                "term": "",
            },
        )
        if response.status_code == 403:
            continue
        if response.status_code != 200:
            problems.append(f"autocomplete of {field}: answered {response.status_code}")
            continue
        checked["autocomplete"] += 1
        offered = {int(result["id"]) for result in response.json()["results"]}
        if offered & foreign[field.related_model]:
            problems.append(f"autocomplete of {field}: offers A's rows")
        mine = own.get(field.related_model)
        if field in declared and mine is not None and mine.pk not in offered:
            problems.append(f"autocomplete of {field}: misses B's own row")
    return problems


def test_anonymous_visitors_and_residents_get_the_log_in_page(community):
    client = client_for(None)
    for path in ("/admin/", "/admin/core/resident/", "/admin/appeals/category/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/"), path
    page = client.get("/admin/login/?next=/admin/")
    assert page.status_code == 200
    assert 'name="password"' in page.content.decode()
    # A resident without a role is sent to the same page, which asks for another account.
    resident = client_for(make_resident(community))
    assert resident.get("/admin/core/resident/").status_code == 302
    assert resident.get("/admin/login/?next=/admin/").status_code == 200


def test_department_staff_who_only_view_run_no_writing_action(community):
    department = make_department(community, "Управління житлово-комунального господарства")
    staff = make_staff(community, StaffRole.Role.STAFF, department)
    moderator = make_staff(community, StaffRole.Role.MODERATOR)
    own = make_row(AppealCategory, community, {Department: department})  # actions need a row
    changelist = reverse("admin:appeals_category_changelist")
    # The action ignores the selection, but Django runs none without one.
    install = {"action": "install_defaults", "index": "0", "_selected_action": ["0"]}

    listing = client_for(staff).get(changelist)
    assert listing.status_code == 200
    assert "install_defaults" not in listing.content.decode()
    client_for(staff).post(changelist, install)
    assert list(AppealCategory.objects.filter(community=community)) == [own]

    assert "install_defaults" in client_for(moderator).get(changelist).content.decode()
    client_for(moderator).post(changelist, install)
    assert AppealCategory.objects.filter(community=community).count() > 1
