"""Catalogue search on PostgreSQL: trigrams forgive a typo, stems still find word forms."""

import pytest
from django.db import connection

from hromada.cnap import selectors
from tests.cnap.conftest import make_service

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def catalogue(community):
    return [
        make_service(community, "Оформлення паспорта громадянина України у формі ID-картки", "1"),
        make_service(
            community, "Оформлення паспорта громадянина України для виїзду за кордон", "2"
        ),
        make_service(community, "Державна реєстрація народження дитини", "3"),
        make_service(community, "Призначення житлової субсидії", "4"),
    ]


def codes(community, query):
    return sorted(service.code for service in selectors.catalogue(community=community, query=query))


def test_the_extension_is_installed_by_the_migration(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() == (1,)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("паспотр", ["1", "2"]),  # letters swapped
        ("пасспорт", ["1", "2"]),  # a letter doubled
        ("субсидія", ["4"]),
        ("субсидя", ["4"]),  # a letter missing
        ("народженя дитини", ["3"]),
        ("паспортом", ["1", "2"]),  # stems as before
        ("трактор", []),
        ("ід", []),  # too short for trigrams, no such word
    ],
)
def test_a_typo_still_finds_the_service(community, catalogue, query, expected):
    assert codes(community, query) == expected
