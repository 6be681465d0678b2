"""
Open311 request texts written by PostgreSQL are the very bytes the Python
serialiser writes: quotes, control characters, Ukrainian text, round and
tiny coordinates, missing fields, photos, departments, times of both seasons.
"""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone, translation

from hromada.appeals import open311
from hromada.appeals.models import Appeal, Category
from tests.appeals.conftest import report

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL writes the JSON"),
]
BASE = "http://testserver"


@pytest.fixture
def tricky(community, categories, resident, housing):
    """Reports whose texts and numbers exercise every escape and format."""
    made = [
        report(community, categories, resident, address="проспект Миру, 5"),
        report(community, categories, resident),
    ]
    rows = {
        made[0].pk: {
            "lat": 46.0,
            "lon": 30.0,
            "status_notes": "",
            "cover": "appeals/1/a.jpg",
            "department": housing,
            "created_at": datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC),
            "updated_at": datetime(2026, 10, 25, 1, 0, 0, 500000, tzinfo=UTC),
            "target_on": date(2026, 3, 29),
        },
        made[1].pk: {
            "description": 'Лапки " і \\ скісна,\nрядок\tтаб \x01\x1f \u2028 «ялинки» ☃ 100% %s %1$s',
            "address": "",
            "lat": 46.00001,
            "lon": 30.123456789012345,
            "status_notes": "Передано «Водоканалу»\r\n",
            "media_url": 'https://example.org/a?b=1&c="2"',
            "department": None,
            "street": None,
            "created_at": datetime(2026, 7, 1, 12, 0, 0, tzinfo=UTC),
            "updated_at": datetime(2026, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
            "target_on": date(2026, 10, 25),
        },
    }
    for pk, values in rows.items():
        Appeal.objects.filter(pk=pk).update(**values)
    # The database writes texts through format() templates: a name's % stays.
    Category.objects.filter(pk=made[1].category_id).update(
        name='Ліхтар на 100% "Схід" %s', name_en="Lamp %1$s 50%"
    )
    housing.name = "Управління 100% %2$s"
    housing.save()
    return list(rows)


@pytest.mark.parametrize("language", ["uk", "en"])
def test_database_texts_match_python(community, tricky, language):
    with translation.override(language):
        python = {
            pk: (updated, text)
            for pk, updated, text in open311._serialise_in_python(
                community, tricky, "json", language, BASE
            )
        }
        zone = timezone.get_current_timezone().key
        database = {
            pk: text
            for pk, _updated, text in open311._serialise_json_in_database(
                community, tricky, language, BASE, zone
            )
        }
    assert set(database) == set(python)
    for pk in tricky:
        assert database[pk] == python[pk][1].encode()


def test_session_zone_restored(community, tricky):
    with open311._session_zone("Europe/Kyiv"):
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW TimeZone")
        assert cursor.fetchone()[0] == connection.timezone_name


def test_zone_set_for_the_list_alone(community, tricky):
    """The zone, the list and the zone put back go in one message; inside a
    transaction (as here) the setting would otherwise outlive the list."""
    rows = open311._rows_in_zone("SELECT current_setting('TimeZone')", [], "Europe/Kyiv")
    assert rows == [(b"Europe/Kyiv",)]  # text comes as UTF-8 bytes
    with connection.cursor() as cursor:
        cursor.execute("SHOW TimeZone")
        assert cursor.fetchone()[0] == connection.timezone_name


def test_list_the_same_fresh_and_from_kept_texts(community, tricky):
    """A first list (one query) and a later one (kept texts) answer alike."""
    open311._FRAGMENTS.clear()
    client = Client(HTTP_HOST="testserver")
    path = "/open311/v2/requests.json?start_date=2026-03-01T00:00:00Z&end_date=2026-05-01T00:00:00Z"
    first = client.get(path).content
    again = client.get(path + "&again=1").content
    open311._FRAGMENTS.clear()
    with translation.override("uk"):
        python = {
            pk: text
            for pk, _updated, text in open311._serialise_in_python(
                community, tricky, "json", "uk", BASE
            )
        }
    assert first == again == ("[" + python[tricky[0]] + "]").encode()


def test_kept_texts_are_used_again(community, tricky, monkeypatch):
    """A second list finds every row's kept text still good and makes none again."""
    open311._FRAGMENTS.clear()
    client = Client(HTTP_HOST="testserver")
    path = "/open311/v2/requests.json?start_date=2026-03-01T00:00:00Z&end_date=2026-05-01T00:00:00Z"
    first = client.get(path).content
    made = []
    serialise = open311._serialise_json_in_database

    def counted(community, ids, *args):
        made.extend(ids)
        return serialise(community, ids, *args)

    monkeypatch.setattr(open311, "_serialise_json_in_database", counted)
    again = client.get(path + "&again=1").content
    open311._FRAGMENTS.clear()
    assert made == []
    assert again == first
