"""
Every form gives back what it shows: opened and sent again unchanged, it changes nothing.

A browser sends what its inputs hold, and an input throws away a value it
cannot show (a date input given "11.04.1974" holds nothing). So each page is
read as a browser reads it: the fields of its `<form method="post">` with
their values after the browser's clean-up, sent back as they are; then no
stored row may differ. The forms are found generically (every form class in
hromada/*/forms.py); each is covered by a page here or listed with the test
that covers it, so a new form cannot slip by.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.db import connection, transaction
from django.forms.models import model_to_dict
from django.test import Client

import hromada
from hromada.core import demo, registry
from hromada.core.models import Resident

pytestmark = pytest.mark.django_db

# --- what a browser sends ------------------------------------------------------

_DATE = re.compile(r"^\d{4,}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$")
_NUMBER = re.compile(r"^-?(\d+|\d*\.\d+)([eE][-+]?\d+)?$")


def sanitized(kind: str, value: str) -> str:
    """Return the value an input of `kind` keeps (HTML's value sanitization algorithm)."""
    if kind == "date":
        return value if _DATE.match(value) else ""
    if kind == "datetime-local":
        return value if _DATETIME.match(value) else ""
    if kind == "time":
        return value if _TIME.match(value) else ""
    if kind == "number":
        return value if _NUMBER.match(value) else ""
    if kind in ("email", "url"):
        return value.replace("\r", "").replace("\n", "").strip()
    if kind in ("text", "search", "tel", "password", "hidden"):
        return value if kind == "hidden" else value.replace("\r", "").replace("\n", "")
    return value


@dataclass
class Form:
    attrs: dict
    fields: list  # [(tag, attrs, value or options)]

    @property
    def action(self) -> str:
        return self.attrs.get("action") or ""

    def entries(self, submitter: str | None = None) -> list[tuple[str, str]]:
        """Return the (name, value) pairs a browser submits, as HTML specifies."""
        entries = []
        for tag, attrs, content in self.fields:
            name = attrs.get("name")
            if not name or "disabled" in attrs:
                continue
            if tag == "textarea":
                entries.append((name, content))
            elif tag == "select":
                chosen = [value for value, selected, disabled in content if selected]
                if not chosen and "multiple" not in attrs:
                    chosen = [value for value, _selected, disabled in content if not disabled][:1]
                entries += [(name, value) for value in chosen]
            elif tag == "button" or attrs.get("type") in ("submit", "image"):
                if submitter is not None and name == submitter:
                    entries.append((name, attrs.get("value", "")))
            else:
                kind = (attrs.get("type") or "text").lower()
                if kind in ("checkbox", "radio"):
                    if "checked" in attrs:
                        entries.append((name, attrs.get("value", "on")))
                elif kind in ("reset", "button", "file"):
                    continue  # no file chosen: Django's client cannot send an empty one
                else:
                    entries.append((name, sanitized(kind, attrs.get("value", ""))))
        return entries


class FormParser(HTMLParser):
    """Collect each `<form method="post">` with its inputs, selects and textareas."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._text: list | None = None
        self._select = None
        self._option = None
        self._disabled_fieldsets = 0
        self._fieldsets: list[bool] = []

    def handle_starttag(self, tag, attrs):
        attrs = {key: (value if value is not None else "") for key, value in attrs}
        if tag == "form":
            if attrs.get("method", "get").lower() == "post":
                self._form = Form(attrs, [])
            return
        if self._form is None:
            return
        if tag == "fieldset":
            self._fieldsets.append("disabled" in attrs)
        disabled = any(self._fieldsets)
        if disabled and tag in ("input", "select", "textarea", "button"):
            attrs["disabled"] = ""
        if tag in ("input", "button"):
            self._form.fields.append((tag, attrs, None))
        elif tag == "textarea":
            self._text = []
            self._form.fields.append((tag, attrs, ""))
        elif tag == "select":
            self._select = []
            self._form.fields.append((tag, attrs, self._select))
        elif tag == "option" and self._select is not None:
            self._option = [attrs, []]

    def handle_endtag(self, tag):
        if self._form is None:
            return
        if tag == "form":
            self.forms.append(self._form)
            self._form = None
        elif tag == "fieldset" and self._fieldsets:
            self._fieldsets.pop()
        elif tag == "textarea" and self._text is not None:
            text = "".join(self._text)
            # The newline right after <textarea> belongs to the markup, not the value.
            text = text[1:] if text.startswith("\n") else text
            field_tag, attrs, _content = self._form.fields[-1]
            self._form.fields[-1] = (field_tag, attrs, text.replace("\r\n", "\n"))
            self._text = None
        elif tag == "option":
            self._close_option()
        elif tag == "select":
            self._close_option()
            self._select = None

    def _close_option(self):
        if self._option is None:
            return
        attrs, text = self._option
        value = attrs["value"] if "value" in attrs else " ".join("".join(text).split())
        self._select.append((value, "selected" in attrs, "disabled" in attrs))
        self._option = None

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)
        elif self._option is not None:
            self._option[1].append(data)


def post_forms(html: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


# --- what must not change --------------------------------------------------------

# Records of what happened, not data a form edits: they may grow.
NOT_COMPARED = {"core.auditentry", "core.notification", "core.apitoken", "core.consent"}
VOLATILE = {"updated_at", "modified_at", "last_login", "last_used_at", "changed_at"}


def snapshot(tables: set[str] | None = None) -> dict:
    """Return the stored rows of the platform's apps (of `tables` only, when given)."""
    rows = {}
    for model in apps.get_models():
        if not model.__module__.startswith("hromada.") or model._meta.proxy:
            continue
        label = model._meta.label_lower
        if label in NOT_COMPARED or "task" in label:
            continue
        if tables is not None and model._meta.db_table not in tables:
            continue
        for obj in model._default_manager.all():
            data = model_to_dict(obj, fields=[f.name for f in model._meta.concrete_fields])
            for name in VOLATILE:
                data.pop(name, None)
            for key, value in data.items():
                if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
                    data[key] = value.name
            rows[(label, obj.pk)] = data
    return rows


# A row changes only through a statement that names its table; reading the
# whole demo before and after every form would take minutes per test.
_WRITE = re.compile(
    r'^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([\w.]+)"?', re.IGNORECASE
)
_NO_WRITE = re.compile(
    r"^\s*(?:SELECT|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|SET|SHOW|PRAGMA|EXPLAIN)\b",
    re.IGNORECASE,
)
EVERY_TABLE = "*"


class Writes:
    """Collect the tables the statements run inside the block write to."""

    def __init__(self):
        self.tables: set[str] = set()

    def __call__(self, execute, sql, params, many, context):
        found = _WRITE.match(sql)
        if found:
            self.tables.add(found.group(1))
        elif not _NO_WRITE.match(sql):
            self.tables.add(EVERY_TABLE)  # a statement we cannot read: compare everything
        return execute(sql, params, many, context)

    def __enter__(self):
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        return self._wrapper.__exit__(*exc)


class Rows:
    """The demo's rows, read once; each page reads again only the tables it writes."""

    def __init__(self):
        self.base = snapshot()

    def refreshed(self, state: dict, writes: Writes) -> dict:
        """Return `state` with the tables `writes` saw read afresh."""
        if not writes.tables:
            return state
        if EVERY_TABLE in writes.tables:
            return snapshot()
        labels = {
            model._meta.label_lower
            for model in apps.get_models()
            if model._meta.db_table in writes.tables
        }
        kept = {key: row for key, row in state.items() if key[0] not in labels}
        return kept | snapshot(writes.tables)


def differences(before: dict, after: dict, accepted: set = frozenset()) -> list[str]:
    """
    Describe each row created, deleted or changed, but for `accepted` (model, field).

    A row replaced by an equal one under a new id (a project's cost items are
    written afresh on every save) is no change: the content is what counts.
    """
    found = []
    gone = {key for key in before if key not in after}
    new = {key for key in after if key not in before}
    for key in sorted(gone, key=str):
        twin = next(
            (other for other in new if _same_row(before[key], after[other], key, other)), None
        )
        if twin is None:
            found.append(f"{key} deleted: {before[key]}")
        else:
            new.discard(twin)
    found += [f"{key} created: {after[key]}" for key in sorted(new, key=str)]
    for key in sorted(set(before) & set(after), key=str):
        changed = {
            name: (value, after[key].get(name))
            for name, value in before[key].items()
            if value != after[key].get(name) and (key[0], name) not in accepted
        }
        if changed:
            found.append(f"{key} changed: {changed}")
    return found


def _same_row(old: dict, new: dict, old_key, new_key) -> bool:
    if old_key[0] != new_key[0]:
        return False
    return {k: v for k, v in old.items() if k != "id"} == {
        k: v for k, v in new.items() if k != "id"
    }


# --- the demo and its pages ---------------------------------------------------------

CHORNOMORSK = "chornomorsk.localhost"
PIVDENNE = "pivdenne.localhost"


@pytest.fixture
def demo_data(db):
    communities = demo.load()
    for module in registry.modules():
        if module.demo:
            loader = registry.resolve(module.demo)
            for community in communities:
                loader(community)
    return communities


def client(email: str, host: str = CHORNOMORSK) -> Client:
    browser = Client(HTTP_HOST=host)
    browser.force_login(
        Resident.objects.get(email=email), backend="hromada.core.auth.ResidentBackend"
    )
    return browser


@dataclass
class Page:
    """A page a demo account opens, and which of its post forms to send back."""

    who: str
    url: str  # or a callable returning it, once the demo is loaded
    host: str = CHORNOMORSK
    form: str = ""  # the form's action (empty: the page itself), or "field=value" inside
    submitter: str | None = None

    def address(self) -> str:
        return self.url() if callable(self.url) else self.url


def _first(model_path: str, **lookups):
    def url():
        app_label, model_name = model_path.split(".")
        model = apps.get_model(app_label, model_name)
        obj = model._default_manager.filter(**lookups).order_by("pk").first()
        assert obj is not None, f"the demo has no {model_path} {lookups}"
        return obj

    return url


def _url(template: str, finder):
    return lambda: template.format(obj=finder())


RESIDENT = "resident@chornomorsk.demo"  # identified: name and birth date locked
NEWCOMER = "newcomer@chornomorsk.demo"  # e-mail only: may edit the birth date
STAFF = "staff@chornomorsk.demo"
MODERATOR = "moderator@chornomorsk.demo"
ADMIN = "admin@chornomorsk.demo"

_draft_petition = _first("petitions.Petition", status="draft", author__email=RESIDENT)
_draft_project = _first("budget.Project", status="draft", author__email="author@pivdenne.demo")


def _reviewed():
    """A conclusion the demo staff member's department gives, already given if any is."""
    from django.db.models import F

    from hromada.budget.models import Conclusion

    staff = Resident.objects.get(email=STAFF)
    conclusion = (
        Conclusion.objects.filter(
            project__status="under_review",
            department__in=staff.staff_roles.values("department"),
        )
        .order_by(F("feasible").asc(nulls_last=True), "pk")
        .first()
    )
    assert conclusion is not None, "the demo has no project under review by the staff member"
    return conclusion


_implemented = _first("budget.Project", implementation="procurement")
_assigned = _first("petitions.Petition", status="consideration", department__isnull=False)

PAGES = {
    "profile, e-mail-only resident": Page(NEWCOMER, "/accounts/profile/"),
    "profile, identified resident": Page(RESIDENT, "/accounts/profile/"),
    "link form": Page(RESIDENT, "/accounts/profile/links/"),
    "API token form": Page(RESIDENT, "/accounts/profile/", form="/accounts/profile/tokens/"),
    "SMS choice": Page(RESIDENT, "/accounts/profile/", form="/accounts/profile/sms/"),
    "password change": Page(NEWCOMER, "/accounts/password/"),
    "account deletion": Page(NEWCOMER, "/accounts/delete/"),
    "new petition": Page(RESIDENT, "/petitions/new/"),
    "petition edit": Page(RESIDENT, _url("/petitions/{obj.pk}/edit/", _draft_petition)),
    "petition assignment": Page(
        MODERATOR,
        _url("/petitions/staff/{obj.pk}/", _assigned),
        form="/assign/",
    ),
    "budget project edit": Page(
        "author@pivdenne.demo",
        _url("/budget/projects/{obj.pk}/edit/", _draft_project),
        host=PIVDENNE,
    ),
    "budget conclusion": Page(
        STAFF,
        _url("/budget/staff/projects/{obj.project_id}/", _reviewed),
        form="action=conclusion",
    ),
    "budget implementation report": Page(
        MODERATOR, _url("/budget/staff/projects/{obj.pk}/implementation/", _implemented)
    ),
    "written appeal": Page(NEWCOMER, "/appeals/write/"),
    "appeal registered by staff": Page(MODERATOR, "/appeals/staff/new/"),
    "consultation edit": Page(
        MODERATOR,
        _url("/consultations/staff/{obj.pk}/edit/", _first("consultations.Consultation")),
    ),
    "hearing minutes": Page(
        MODERATOR,
        _url(
            "/consultations/staff/{obj.pk}/", _first("consultations.Consultation", kind="hearing")
        ),
        form="/minutes/",
    ),
}

# Each form class of hromada/*/forms.py: the page above that sends it back, or
# where else it is covered and why no page here can.
FORMS = {
    "hromada.core.forms.SignUpForm": "no page for a signed-in account; tests/core/test_accounts.py",
    "hromada.core.forms.LogInForm": "no page for a signed-in account; tests/core/test_accounts.py",
    "hromada.core.forms.ProfileForm": "profile, e-mail-only resident",
    "hromada.core.forms.LinkForm": "link form",
    "hromada.core.forms.TokenForm": "API token form",
    "hromada.core.forms.PhoneForm": (
        "an action shown with the phone (sending it texts a code); tests/core/test_phone_sms.py"
    ),
    "hromada.core.forms.PhoneCodeForm": "an action shown blank; tests/core/test_phone_sms.py",
    "hromada.core.forms.SmsChoiceForm": "SMS choice",
    "hromada.core.forms.IdentifyLookupForm": "a look-up (GET): it stores nothing",
    "hromada.core.forms.IdentifyPersonForm": (
        "an action shown blank: staff identify a person at a support point"
    ),
    "hromada.petitions.forms.FilterForm": "a search form (GET): it stores nothing",
    "hromada.petitions.forms.PetitionForm": "petition edit",
    "hromada.petitions.forms.SignForm": (
        "an action shown blank (signing is its purpose); tests/petitions/test_signing.py"
    ),
    "hromada.petitions.forms.AssignForm": "petition assignment",
    "hromada.petitions.forms.RejectForm": (
        "an action shown blank; tests/petitions/test_moderation.py"
    ),
    "hromada.petitions.forms.HideForm": "an action shown blank; tests/petitions/test_moderation.py",
    "hromada.petitions.forms.AnswerForm": "an action shown blank; tests/petitions/test_answer.py",
    "hromada.petitions.forms.RulesForm": "back office: test_back_office_forms_give_back_what_they_show",
    "hromada.budget.forms.ProjectForm": "budget project edit",
    "hromada.budget.forms.ItemForm": "budget project edit",
    "hromada.budget.forms.PhotoForm": "an upload shown blank; tests/budget/test_projects.py",
    "hromada.budget.forms.StartReviewForm": "an action shown blank; tests/budget/test_projects.py",
    "hromada.budget.forms.ConclusionForm": "budget conclusion",
    "hromada.budget.forms.RevisionForm": "an action shown blank; tests/budget/test_projects.py",
    "hromada.budget.forms.RejectForm": "an action shown blank; tests/budget/test_projects.py",
    "hromada.budget.forms.PaperBallotForm": (
        "a ballot shown blank, only while voting; tests/budget/test_voting.py"
    ),
    "hromada.budget.forms.ImplementationForm": "budget implementation report",
    "hromada.budget.forms.ReceiptForm": "a look-up shown blank, stores nothing; tests/budget/test_pages.py",
    "hromada.budget.forms.FilterForm": "a search form (GET): it stores nothing",
    "hromada.appeals.forms.FilterForm": "a search form (GET): it stores nothing",
    "hromada.appeals.forms.PlaceForm": "a wizard step (GET): it stores nothing",
    "hromada.appeals.forms.ReportForm": (
        "a new report shown blank after the wizard; tests/appeals/test_submit.py"
    ),
    "hromada.appeals.forms.WrittenAppealForm": "written appeal",
    "hromada.appeals.forms.ReopenForm": "an action shown blank; tests/appeals/test_handling.py",
    # The staff page of an appeal shows each action blank; sending one is the
    # action itself (accepting, rejecting…), so there is nothing to give back.
    "hromada.appeals.forms.AcceptForm": "an action shown blank; tests/appeals/test_handling.py",
    "hromada.appeals.forms.RerouteForm": "an action shown blank; tests/appeals/test_handling.py",
    "hromada.appeals.forms.MergeForm": "an action shown blank; tests/appeals/test_handling.py",
    "hromada.appeals.forms.RejectForm": "an action shown blank; tests/appeals/test_handling.py",
    "hromada.appeals.forms.NoteForm": "an action shown blank; tests/appeals/test_handling.py",
    "hromada.appeals.forms.ResolveForm": "an action shown blank; tests/appeals/test_handling.py",
    "hromada.appeals.forms.ExtendForm": "an action shown blank; tests/appeals/test_deadlines.py",
    "hromada.appeals.forms.StaffEntryForm": "appeal registered by staff",
    "hromada.consultations.forms.ConsultationForm": "consultation edit",
    "hromada.consultations.forms.DraftForm": (
        "an upload shown blank (a new version); tests/consultations/test_draft.py"
    ),
    "hromada.consultations.forms.QuestionForm": (
        "a new question shown blank; tests/consultations/test_survey.py"
    ),
    "hromada.consultations.forms.CommentForm": (
        "a comment shown blank; tests/consultations/test_pages.py"
    ),
    "hromada.consultations.forms.AmendmentForm": (
        "an amendment shown with the article's text, sending it is proposing; "
        "tests/consultations/test_draft.py"
    ),
    "hromada.consultations.forms.ProposalEntryForm": (
        "a paper proposal shown blank; tests/consultations/test_hearing.py"
    ),
    "hromada.consultations.forms.MinutesForm": "hearing minutes",
    "hromada.consultations.forms.InitiativeForm": (
        "a new initiative shown blank; tests/consultations/test_hearing.py"
    ),
    "hromada.consultations.forms.ReportForm": (
        "an action shown blank (publishing the report); tests/consultations/test_lifecycle.py"
    ),
}


def form_classes() -> set[str]:
    """Return the dotted names of the form classes defined in hromada/*/forms.py."""
    found = set()
    for module_info in pkgutil.iter_modules(hromada.__path__):
        try:
            module = importlib.import_module(f"hromada.{module_info.name}.forms")
        except ModuleNotFoundError as error:
            if error.name != f"hromada.{module_info.name}.forms":
                raise
            continue
        for name, value in inspect.getmembers(module, inspect.isclass):
            defined_here = value.__module__ == module.__name__ and not name.startswith("_")
            if defined_here and issubclass(value, forms.BaseForm):
                found.add(f"{module.__name__}.{name}")
    return found


def test_date_and_time_fields_use_the_core_widgets():
    """Every date or time field renders through hromada.core.widgets, the ISO formats."""
    from hromada.core import widgets

    ours = (widgets.DateInput, widgets.DateTimeInput, widgets.TimeInput)
    temporal = (forms.DateInput, forms.DateTimeInput, forms.TimeInput)
    wrong = []
    for dotted in sorted(form_classes()):
        module_name, name = dotted.rsplit(".", 1)
        form_class = getattr(importlib.import_module(module_name), name)
        for field_name, field in form_class.base_fields.items():
            widget = field.widget
            if isinstance(widget, temporal) and not isinstance(widget, ours):
                wrong.append(f"{dotted}.{field_name}")
    assert wrong == []


def test_every_form_class_is_covered_by_a_page_or_listed():
    """A form class added later must be sent back by a page here or say where it is covered."""
    found = form_classes()
    assert found - set(FORMS) == set(), "add these forms to FORMS (a page or a reason)"
    assert set(FORMS) - found == set(), "these forms are gone: drop them from FORMS"
    for cover in FORMS.values():
        assert cover in PAGES or " " in cover, cover


def choose(forms_found: list[Form], page: Page, url: str) -> Form:
    if "=" in page.form:
        name, value = page.form.split("=", 1)
        matching = [
            form
            for form in forms_found
            if any(
                attrs.get("name") == name and attrs.get("value") == value
                for _tag, attrs, _content in form.fields
            )
        ]
    elif page.form:
        matching = [form for form in forms_found if page.form in form.action]
    else:
        matching = [form for form in forms_found if form.action in ("", url)]
    assert matching, f"{url}: no post form {page.form or '(the page itself)'}"
    return matching[0]


def send_back(page: Page, rows: Rows) -> list[str]:
    """Open the page, send its form back unchanged; return what changed in the database."""
    url = page.address()
    with Writes() as opening:  # logging in and opening the page may write
        browser = client(page.who, page.host)
        response = browser.get(url)
    if response.status_code != 200:
        return [f"GET {url} answered {response.status_code}"]
    form = choose(post_forms(response.content.decode()), page, url)
    data: dict[str, list[str]] = {}
    for name, value in form.entries(page.submitter):
        data.setdefault(name, []).append(value)
    before = rows.refreshed(rows.base, opening)
    with Writes() as sending:
        sent = browser.post(urljoin(url, form.action) if form.action else url, data)
    if sent.status_code >= 500:
        return [f"POST {url} answered {sent.status_code}"]
    return differences(before, rows.refreshed(before, sending))


def test_pages_give_back_what_they_show(demo_data):
    """
    Opened and sent back unchanged, no form changes a stored row: the profile
    keeps the birth date, an edit keeps the petition or project as it was, a
    blank form for something new creates nothing.
    """
    problems = {}
    rows = Rows()
    for label, page in PAGES.items():
        with transaction.atomic():
            changed = send_back(page, rows)
            transaction.set_rollback(True)  # each page sees the demo as loaded
        if changed:
            problems[label] = changed
    assert problems == {}


def test_the_profile_form_shows_the_birth_date_as_a_date_input_can(demo_data):
    """The birth date reaches the page as yyyy-mm-dd, the only value a date input keeps."""
    newcomer = Resident.objects.get(email=NEWCOMER)
    page = client(NEWCOMER).get("/accounts/profile/").content.decode()
    profile = choose(post_forms(page), Page(NEWCOMER, "/accounts/profile/"), "/accounts/profile/")
    assert ("birth_date", newcomer.birth_date.isoformat()) in profile.entries()


def test_an_identified_residents_birth_date_is_not_sent_and_stays(demo_data):
    """Name and birth date come from ID.GOV.UA: the form shows them locked and sends neither."""
    resident = Resident.objects.get(email=RESIDENT)
    page = client(RESIDENT).get("/accounts/profile/").content.decode()
    profile = choose(post_forms(page), Page(RESIDENT, "/accounts/profile/"), "/accounts/profile/")
    sent = dict(profile.entries())
    assert "birth_date" not in sent and "full_name" not in sent
    client(RESIDENT).post(
        "/accounts/profile/", {**sent, "birth_date": "", "phone": "+380501112233"}
    )
    resident.refresh_from_db()
    assert resident.birth_date is not None
    assert resident.phone == "+380501112233"


def back_office_pages() -> list[tuple[str, str]]:
    """Return (model, change page) for one row of every model the back office edits."""
    pages = []
    for model, model_admin in admin.site._registry.items():
        if not model.__module__.startswith("hromada."):
            continue
        row = model_admin.get_queryset(_admin_request()).order_by("pk").first()
        if row is None:
            continue
        info = (model._meta.app_label, model._meta.model_name)
        pages.append((model._meta.label, f"/admin/{info[0]}/{info[1]}/{row.pk}/change/"))
    return pages


def _admin_request():
    from django.test import RequestFactory

    from hromada.core.models import Community

    request = RequestFactory().get("/admin/")
    request.user = Resident.objects.get(email=ADMIN)
    request.community = Community.objects.get(slug="chornomorsk")
    return request


# Changes a save may make on purpose, by back-office model: (model, field).
ACCEPTED = {
    # The rules screen shows the identity levels in force, the module's
    # defaults included; saving it makes the shown levels the community's own.
    "petitions.PetitionRules": {("core.community", "action_levels")},
}


def test_back_office_forms_give_back_what_they_show(demo_data):
    """Each back-office change page, saved unchanged by the administrator, changes no row."""
    problems = {}
    rows = Rows()
    for label, url in back_office_pages():
        page = Page(ADMIN, url, form="", submitter="_save")
        with transaction.atomic():
            with Writes() as opening:
                browser = client(ADMIN)
                response = browser.get(url)
            forms_found = [f for f in post_forms(response.content.decode()) if f.attrs.get("id")]
            editable = [f for f in forms_found if f.attrs["id"].endswith("_form")]
            if response.status_code == 200 and editable and _has_save(editable[0]):
                data: dict[str, list[str]] = {}
                for name, value in editable[0].entries(page.submitter):
                    data.setdefault(name, []).append(value)
                before = rows.refreshed(rows.base, opening)
                with Writes() as sending:
                    sent = browser.post(url, data)
                after = rows.refreshed(before, sending)
                changed = differences(before, after, ACCEPTED.get(label, set()))
                if sent.status_code == 200 and not changed:
                    changed = [f"the form came back with errors: {_errors(sent)}"]
                if changed:
                    problems[label] = changed
            transaction.set_rollback(True)
    assert problems == {}


def _has_save(form: Form) -> bool:
    return any(attrs.get("name") == "_save" for _tag, attrs, _content in form.fields)


def _errors(response) -> str:
    context = response.context or {}
    adminform = context.get("adminform")
    errors = dict(adminform.form.errors) if adminform is not None else {}
    for formset in context.get("inline_admin_formsets", []):
        errors.update({f"inline {i}": e for i, e in enumerate(formset.formset.errors) if e})
    return str(errors)
