"""Open data: the e-petitions data set of Cabinet Resolution №835, CSV and JSON."""

import csv
import io

import pytest

from hromada.petitions import services
from hromada.petitions.selectors import OPEN_DATA_FIELDS
from tests.factories import client_for
from tests.petitions.conftest import make_collecting

pytestmark = pytest.mark.django_db
FIELDS = [
    "uid",
    "kind",
    "title",
    "url",
    "authorityName",
    "edrpou",
    "katottg",
    "startDate",
    "count",
    "creator",
    "status",
    "answerDate",
    "answerUrl",
    "answerText",
]


@pytest.fixture
def published(collecting, consideration_two, draft, submitted_other, moderator):
    return collecting


@pytest.fixture
def consideration_two(community, author, topic, moderator, rules, official):
    from tests.petitions.conftest import sign_by_new_residents

    petition = make_collecting(community, author, topic, moderator, title="Друга петиція громади")
    sign_by_new_residents(petition, 3)
    petition.refresh_from_db()
    services.answer_petition(
        petition=petition, staff=moderator, outcome="partly", text="Частково підтримано."
    )
    return petition


@pytest.fixture
def submitted_other(community, author, topic, rules):
    from tests.petitions.conftest import make_draft

    petition = make_draft(community, author, topic, title="Ще на модерації, не публікується")
    return services.submit_petition(petition=petition, author=author)


def test_field_names_are_those_of_the_data_set():
    assert OPEN_DATA_FIELDS == FIELDS


def test_csv_has_a_bom_the_header_and_published_petitions_only(published, community):
    response = client_for().get("/petitions/open-data/", {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="e-petitions.csv"' in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert list(rows[0]) == FIELDS
    assert {row["title"] for row in rows} == {published.title, "Друга петиція громади"}
    row = next(r for r in rows if r["title"] == published.title)
    assert row["uid"] == str(published.uid)
    assert row["edrpou"] == community.edrpou and row["katottg"] == community.katottg
    assert row["status"] == "триває збір підписів"
    assert row["url"].endswith(published.get_absolute_url())
    assert row["creator"] == "Авторенко Олена Петрівна"
    assert row["count"] == "0"
    assert row["answerDate"] == "" and row["answerText"] == ""


def test_json_carries_the_answer(published, consideration_two):
    response = client_for().get("/petitions/open-data/", {"format": "json"})
    assert response["Content-Type"].startswith("application/json")
    rows = response.json()
    answered = next(r for r in rows if r["title"] == "Друга петиція громади")
    assert answered["status"] == "з відповіддю"
    assert answered["count"] == 3
    assert answered["answerText"] == "Частково підтримано."
    assert answered["answerDate"]
    assert answered["answerUrl"].endswith(consideration_two.get_absolute_url() + "#answer")
    assert answered["kind"] == "Місцева електронна петиція"
    assert set(answered) == set(FIELDS)


def test_hidden_petitions_leave_the_data_set(published, moderator):
    services.hide_petition(petition=published, moderator=moderator, reason="Спам.")
    titles = [row["title"] for row in client_for().get("/petitions/open-data/?format=json").json()]
    assert published.title not in titles


def test_module_declares_the_export():
    from hromada.petitions.module import MODULE

    assert [(e.name, e.rows) for e in MODULE.exports] == [
        ("e-petitions", "hromada.petitions.selectors.open_data_rows")
    ]
