"""One journal cell saved as the teacher leaves it (htmx), the whole-column form still working."""

from __future__ import annotations

import pytest

from hromada.schools.models import Entry, JournalChange
from tests.factories import client_for
from tests.schools.conftest import working_days_ago

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def cell_url(world, lesson, pupil) -> str:
    return f"/schools/journal/{world.maths7.pk}/lessons/{lesson.pk}/cells/{pupil.pk}/"


def test_the_column_editor_saves_each_cell_on_its_own(world):
    """Every cell of the editor posts itself alone; the form keeps its whole-column action."""
    lesson = world.lesson(day=working_days_ago(1))
    page = client_for(world.teacher).get(f"/schools/journal/{world.maths7.pk}/lessons/{lesson.pk}/")
    html = page.content.decode()
    for pupil in world.pupils:
        assert f'hx-post="{cell_url(world, lesson, pupil)}"' in html
        assert f'hx-params="pupil-{pupil.pk},reason"' in html
    assert '<form method="post" id="column-form"' in html


def test_a_cell_is_saved_alone_and_answered_with_its_status(world):
    """htmx posts one cell: it is stored and logged once, the rest of the column untouched."""
    lesson = world.lesson(day=working_days_ago(1))
    pupil, other = world.pupils[0], world.pupils[1]
    client = client_for(world.teacher)
    response = client.post(
        cell_url(world, lesson, pupil),
        {f"pupil-{pupil.pk}": "11", "reason": ""},
        **HTMX,
    )
    assert response.status_code == 200
    assert "Збережено" in response.text
    assert "<html" not in response.text  # a fragment, not a page
    assert Entry.objects.get(lesson=lesson, pupil=pupil).value == "11"
    assert not Entry.objects.filter(lesson=lesson, pupil=other).exists()
    assert JournalChange.objects.filter(lesson=lesson, kind="cell").count() == 1

    # The same value again (or the whole form posted after it) logs nothing more.
    client.post(cell_url(world, lesson, pupil), {f"pupil-{pupil.pk}": "11"}, **HTMX)
    column = f"/schools/journal/{world.maths7.pk}/lessons/{lesson.pk}/"
    posted = client.post(column, {"topic": "Дроби", f"pupil-{pupil.pk}": "11"})
    assert posted.status_code == 302
    assert JournalChange.objects.filter(lesson=lesson, kind="cell").count() == 1

    # An absence typed later replaces the grade with one more log row.
    client.post(cell_url(world, lesson, pupil), {f"pupil-{pupil.pk}": "н"}, **HTMX)
    entry = Entry.objects.get(lesson=lesson, pupil=pupil)
    assert entry.absent and entry.value == ""
    assert JournalChange.objects.filter(lesson=lesson, kind="cell").count() == 2


def test_a_bad_value_answers_the_error_and_stores_nothing(world):
    lesson = world.lesson(day=working_days_ago(1))
    pupil = world.pupils[0]
    response = client_for(world.teacher).post(
        cell_url(world, lesson, pupil), {f"pupil-{pupil.pk}": "13"}, **HTMX
    )
    assert response.status_code == 200
    assert 'class="error"' in response.text
    assert "Збережено" not in response.text
    assert not Entry.objects.filter(lesson=lesson).exists()
    assert not JournalChange.objects.filter(kind="cell").exists()


def test_without_scripts_the_cell_post_returns_to_the_column(world):
    lesson = world.lesson(day=working_days_ago(1))
    pupil = world.pupils[2]
    response = client_for(world.teacher).post(
        cell_url(world, lesson, pupil), {f"pupil-{pupil.pk}": "9"}, follow=True
    )
    assert response.redirect_chain[-1][0] == (
        f"/schools/journal/{world.maths7.pk}/lessons/{lesson.pk}/"
    )
    assert Entry.objects.get(lesson=lesson, pupil=pupil).value == "9"


def test_only_the_assignments_teacher_saves_a_cell(world):
    """Another teacher, the class teacher, a parent and a stranger get 404; nothing stored."""
    lesson = world.lesson(day=working_days_ago(1))
    pupil = world.pupils[0]
    for outsider in (world.other_teacher, world.class_teacher, world.parent, world.stranger):
        response = client_for(outsider).post(
            cell_url(world, lesson, pupil), {f"pupil-{pupil.pk}": "10"}, **HTMX
        )
        assert response.status_code == 404
    assert client_for(world.teacher).get(cell_url(world, lesson, pupil)).status_code == 405
    assert not Entry.objects.filter(lesson=lesson).exists()


def test_a_pupil_of_another_class_is_refused(world):
    lesson = world.lesson(day=working_days_ago(1))
    outsider = world.little[0]
    response = client_for(world.teacher).post(
        cell_url(world, lesson, outsider), {f"pupil-{outsider.pk}": "10"}, **HTMX
    )
    assert 'class="error"' in response.text
    assert not Entry.objects.filter(lesson=lesson).exists()
