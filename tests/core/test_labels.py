"""Codes the code base stores reach people as labels in their language, never as codes."""

import re
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from hromada.core import audit
from hromada.core.labels import action_label, audit_actions, coordinates, entry_details
from hromada.core.models import Identity
from hromada.core.registry import modules
from hromada.petitions.services import submit_petition
from tests.factories import client_for, make_resident, make_staff
from tests.petitions.conftest import (  # noqa: F401 (fixtures)
    administrator,
    author,
    department,
    draft,
    moderator,
    official,
    rules,
    topic,
)

UKRAINIAN_MONTHS = {
    "січня", "лютого", "березня", "квітня", "травня", "червня",
    "липня", "серпня", "вересня", "жовтня", "листопада", "грудня",
}  # fmt: skip

# Names that read the same in Ukrainian.
SAME_IN_BOTH = {"API", "Open311", "Telegram", "Viber"}

SOURCES = [
    path
    for path in Path(settings.BASE_DIR, "hromada").rglob("*.py")
    if "migrations" not in path.parts
]
# An audit action is "<subject>.<what>"; `action="store_true"` and the like are not.
LITERAL = re.compile(r"""\baction=(f?)"([a-z0-9_]+\.[a-z0-9_.{}]+)\"""")


def recorded_actions() -> tuple[set[str], set[str]]:
    """Return the action codes written as literals, and the f-string patterns, in the sources."""
    # `require_level(action="petitions.sign")` names an identity-level action
    # a module declares, not an audit action.
    level_actions = {f"{module.name}.{action}" for module in modules() for action in module.actions}
    literals, patterns = set(), set()
    for path in SOURCES:
        for is_f, code in LITERAL.findall(path.read_text()):
            (patterns if is_f else literals).add(code)
    patterns = {p for p in patterns if not any(shape(p).fullmatch(a) for a in level_actions)}
    return literals - level_actions, patterns


def shape(pattern: str) -> re.Pattern:
    """Return a regular expression matching what an f-string's code can become."""
    return re.compile(re.sub(r"\\\{[^}]*\\\}", "[a-z_]+", re.escape(pattern)))


def source_and_ukrainian(label) -> tuple[str, str]:
    with translation.override(None):
        source = str(label)
    with translation.override("uk"):
        return source, str(label)


def test_the_sources_record_actions():
    """The scan finds the actions (so the next test cannot pass on an empty list)."""
    literals, patterns = recorded_actions()
    assert {"petition.submitted", "budget.review_started", "appeal.accepted"} <= literals
    assert "budget.project_{event}" in patterns


def test_every_recorded_action_has_a_label():
    """A service recording an action nobody labelled fails here."""
    literals, patterns = recorded_actions()
    declared = set(audit_actions())
    admin_made = {code for code in literals if code.endswith("_in_admin")}
    assert sorted(literals - declared - admin_made) == []
    for pattern in patterns:
        if pattern.endswith("_in_admin"):
            continue
        assert any(shape(pattern).fullmatch(code) for code in declared), pattern


@pytest.mark.parametrize("code", sorted(audit_actions()))
def test_every_action_label_is_translated(code):
    source, ukrainian = source_and_ukrainian(audit_actions()[code])
    assert ukrainian not in (code, source)
    with translation.override("uk"):
        assert action_label(code) == ukrainian


def every_choice():
    for model in apps.get_models():
        if not model.__module__.startswith("hromada."):
            continue
        for field in model._meta.get_fields():
            for value, label in getattr(field, "flatchoices", None) or []:
                yield f"{model._meta.label}.{field.name}={value}", value, label


@pytest.mark.parametrize(("where", "value", "label"), list(every_choice()), ids=lambda v: v)
def test_every_status_and_choice_is_translated(where, value, label):
    """Every choice of every model (statuses, kinds, channels) reads in Ukrainian."""
    source, ukrainian = source_and_ukrainian(label)
    assert ukrainian != str(value) or source in SAME_IN_BOTH
    if source not in SAME_IN_BOTH:
        assert ukrainian != source, f"{where}: {source!r} has no Ukrainian translation"


def test_changes_made_in_the_back_office_name_the_model():
    with translation.override("uk"):
        label = action_label("petitions.petition.changed_in_admin")
    assert label == "Змінено в адмін-панелі: петиція"


def test_unknown_codes_stay_visible_as_they_are():
    assert action_label("nobody.declared_this") == "nobody.declared_this"


@pytest.mark.django_db
def test_audit_details_name_fields_and_format_values(draft, author):  # noqa: F811
    """A status reads as its label, a due date as a date, each by the field's name."""
    submit_petition(petition=draft, author=author)
    entry = audit.history(draft).get(action="petition.submitted")
    due = entry.after["moderation_due_on"]
    assert due.count("-") == 2  # stored as an ISO date
    with translation.override("uk"):
        details = entry_details(entry)
        expected_day = date_format(date.fromisoformat(due), "j E Y")
    assert details == [("статус", "на модерації"), ("строк модерації", expected_day)]
    assert expected_day.split()[1] in UKRAINIAN_MONTHS


@pytest.mark.django_db
def test_staff_page_of_a_petition_shows_labels_not_codes(draft, author, moderator):  # noqa: F811
    submit_petition(petition=draft, author=author)
    response = client_for(moderator).get(reverse("petitions:staff_petition", args=[draft.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Надіслано на модерацію" in page
    assert "petition.submitted" not in page
    assert "moderation_due_on" not in page
    assert "Статус: на модерації" in page


def test_coordinates_read_the_same_in_every_language():
    with translation.override("uk"):
        assert coordinates(46.301191, 30.654123) == "46.30119, 30.65412"


@pytest.mark.django_db
def test_staff_see_answers_as_questions_and_choices_and_one_coordinate_format(community):
    from hromada.appeals import services as appeals
    from hromada.appeals.models import Category
    from hromada.core.models import Department, StaffRole

    Department.objects.create(community=community, name="Відділ благоустрою")
    appeals.install_default_categories(community=community)
    pothole = Category.objects.get(community=community, service_code="pothole")
    resident = make_resident(community, level=Identity.EMAIL)
    appeal = appeals.submit_report(
        community=community,
        category=pothole,
        author=resident,
        description="Глибока яма на переході.",
        lat=46.3001,
        lon=30.6552,
        address="вулиця Миру, 1",
        attributes={"size": ["medium"], "on_crossing": ["no"]},
    )
    assert appeal.attributes == {"size": "medium", "on_crossing": "no"}
    staff = make_staff(community, StaffRole.Role.MODERATOR)
    response = client_for(staff).get(reverse("appeals:staff_detail", args=[appeal.pk]))
    page = response.content.decode()
    assert "Який розмір вибоїни?: 30–100 см" in page
    assert "Вибоїна на пішохідному переході?: ні" in page
    assert "size" not in page.replace("size=", "")
    assert "(46.30010, 30.65520)" in page
