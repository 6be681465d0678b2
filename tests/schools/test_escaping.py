"""Markup typed into any school text reaches every page as text, never as HTML."""

from __future__ import annotations

import html

import pytest

from hromada.schools import services
from hromada.schools.models import Notice, Pupil, School, SchoolClass, Subject
from tests.factories import client_for
from tests.schools.conftest import working_days_ago

pytestmark = pytest.mark.django_db

IMG = '<img src=x onerror="window.__xss=1">'
SVG = '<svg onload="window.__xss=1">'
SCRIPT = '"><script>window.__xss=1</script>'
PAYLOADS = (IMG, SVG, SCRIPT)


@pytest.fixture
def marked(world):
    """The world with markup in every text a person types: names, topics, grades, notes."""
    School.objects.filter(pk=world.school.pk).update(name=f"Ліцей {SVG}")
    SchoolClass.objects.filter(pk=world.second.pk).update(letter="<b")
    Subject.objects.filter(pk=world.maths.pk).update(name=f"Математика {IMG}")
    Pupil.objects.filter(pk=world.little[0].pk).update(full_name=f"Олена {SCRIPT}")
    Pupil.objects.filter(pk=world.pupils[0].pk).update(full_name=f"Петро {IMG}")
    day = working_days_ago(1)
    lesson = world.lesson(world.maths2, day=day, topic=f"Додавання {IMG}")
    services.save_lesson(
        actor=world.teacher,
        assignment=world.maths2,
        day=day,
        lesson=lesson,
        topic=f"Додавання {IMG}",
        homework=f"Задача {SVG}\n{SCRIPT}",
    )
    # Grades 1–2 are words: the verbal assessment carries markup too.
    services.save_cells(
        actor=world.teacher, lesson=lesson, values={world.little[0].pk: f"Молодець {SVG}"}
    )
    seventh = world.lesson(day=day, topic=f"Дроби {SCRIPT}")
    services.save_cells(actor=world.teacher, lesson=seventh, values={world.pupils[0].pk: "н"})
    services.file_absence_note(
        guardian=world.parent,
        pupil=world.pupils[0],
        starts_on=day,
        ends_on=day,
        reason="illness",
        text=f"Хворів {IMG} {SCRIPT}",
    )
    Notice.objects.create(
        community=world.community,
        school=world.school,
        school_class=world.second,
        title=f"Збори {SVG}",
        body=f"Текст {IMG}",
        author=world.director,
    )
    world.lesson_2, world.lesson_7 = lesson, seventh
    return world


def assert_text_only(response, *shown: str) -> None:
    """The page has no payload as markup, and each shown text appears escaped."""
    assert response.status_code == 200, response
    page = response.content.decode()
    for payload in (*PAYLOADS, "2-<b"):
        assert payload not in page
    for text in shown:
        assert html.escape(text, quote=True) in page or html.escape(text, quote=False) in page


def test_the_teachers_journal_column_and_history_show_markup_as_text(marked):
    client = client_for(marked.teacher)
    two, seven = marked.maths2.pk, marked.maths7.pk
    assert_text_only(
        client.get(f"/schools/journal/{two}/"), f"Олена {SCRIPT}", f"Математика {IMG}", "2-<b"
    )
    assert_text_only(client.get(f"/schools/journal/{seven}/"), f"Петро {IMG}")
    column = client.get(f"/schools/journal/{two}/lessons/{marked.lesson_2.pk}/")
    # The editor's inputs carry the texts in attributes, quoted and escaped.
    assert_text_only(column, f"Олена {SCRIPT}", f"Додавання {IMG}", f"Молодець {SVG}")
    assert f"Задача {html.escape(SVG)}" in column.content.decode()
    assert_text_only(
        client.get(f"/schools/journal/{two}/lessons/{marked.lesson_2.pk}/history/"),
        f"Олена {SCRIPT}",
        f"Молодець {SVG}",
    )
    saved = client.post(
        f"/schools/journal/{two}/lessons/{marked.lesson_2.pk}/cells/{marked.little[0].pk}/",
        {f"pupil-{marked.little[0].pk}": f"Старанно {SCRIPT}"},
        HTTP_HX_REQUEST="true",
    )
    assert_text_only(saved)


def test_the_parents_diary_shows_markup_as_text(marked):
    client = client_for(marked.parent)
    child = marked.little[0].pk
    week = client.get(f"/schools/diary/{child}/?week={marked.lesson_2.date:%Y-%m-%d}")
    assert_text_only(
        week,
        f"Олена {SCRIPT}",
        f"Додавання {IMG}",
        f"Молодець {SVG}",
        f"Математика {IMG}",
        f"Збори {SVG}",
        f"Текст {IMG}",
    )
    assert_text_only(client.get(f"/schools/diary/{child}/grades/"), f"Математика {IMG}")
    notes = client.get(f"/schools/diary/{marked.pupils[0].pk}/notes/")
    assert_text_only(notes, f"Петро {IMG}")
    assert_text_only(client.get("/schools/"), f"Олена {SCRIPT}", f"Петро {IMG}")


def test_heads_and_the_class_teacher_see_markup_as_text(marked):
    assert_text_only(
        client_for(marked.class_teacher).get(f"/schools/classes/{marked.seventh.pk}/"),
        f"Петро {IMG}",
        f"Хворів {IMG} {SCRIPT}",
        f"Ліцей {SVG}",
    )
    director = client_for(marked.director)
    assert_text_only(director.get(f"/schools/schools/{marked.school.pk}/"), f"Ліцей {SVG}", "2-<b")
    assert_text_only(director.get(f"/schools/classes/{marked.second.pk}/"), f"Олена {SCRIPT}")
    assert_text_only(client_for(marked.department).get("/schools/department/"), f"Ліцей {SVG}")


def test_the_api_sends_markup_as_json_strings(marked):
    """The API answers JSON, never HTML: the texts come back exactly as typed."""
    response = client_for(marked.parent).get(
        f"/api/v1/schools/children/{marked.little[0].pk}/week",
        {"day": f"{marked.lesson_2.date:%Y-%m-%d}"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    texts = str(response.json())
    assert f"Додавання {IMG}" in texts
    assert f"Молодець {SVG}" in texts
