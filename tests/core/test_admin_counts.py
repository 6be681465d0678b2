"""
Counts in the back office read right in Ukrainian.

Django's admin puts the model's plural name after any count but 1 ("Вибрати
всі 8 підрозділи", "105 категорії"), while Ukrainian declines the noun by the
number; our templates count without the model's noun or with one whose every
form the catalogue has.
"""

from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from hromada.appeals.models import Category
from hromada.core.models import StaffRole
from tests.factories import client_for, make_staff

MORE_THAN_A_PAGE = 105  # Django's admin shows 100 rows a page


@pytest.fixture
def many_categories(community):
    Category.objects.bulk_create(
        Category(community=community, service_code=f"code-{number}", name=f"Категорія {number}")
        for number in range(MORE_THAN_A_PAGE)
    )


def changelist(community, language: str) -> str:
    client = client_for(make_staff(community, StaffRole.Role.ADMINISTRATOR))
    client.cookies["django_language"] = language
    response = client.get("/admin/appeals/category/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_changelist_counts_without_declining_the_model_name(community, many_categories):
    page = changelist(community, "uk")
    assert "Обрати всі 105 записів" in page
    assert "Обрано 0 з 100" in page
    assert "Категорії: 105" in page
    # Django's own wording, which puts the plural name after the number.
    assert "105 категорії" not in page
    assert "0 з 100 обрано" not in page


def test_the_changelist_counts_in_english(community, many_categories):
    page = changelist(community, "en")
    assert "Select all 105 entries" in page
    assert "0 of 100 selected" in page
    assert "Categories: 105" in page


@pytest.mark.parametrize(
    ("total", "text"),
    [
        (21, "Обрати всі 21 запис"),
        (22, "Обрати всі 22 записи"),
        (25, "Обрати всі 25 записів"),
        (111, "Обрати всі 111 записів"),
    ],
    ids=["21", "22", "25", "111"],
)
def test_select_all_takes_the_form_the_number_needs(total, text):
    """Every Ukrainian plural form of "Select all N entries" is there."""
    cl = SimpleNamespace(result_count=total, result_list=[object()] * 20)
    with translation.override("uk"):
        html = render_to_string("admin/actions.html", {"actions_selection_counter": True, "cl": cl})
    assert text in html
    assert f"Обрано всі {total}" in html
