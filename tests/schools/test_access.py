"""Someone else's child answers 404 everywhere: pages, API, exports, calendar feeds."""

from __future__ import annotations

import pytest
from django.utils import timezone

from hromada.schools import services
from tests.factories import client_for, make_resident
from tests.schools.conftest import build_world

pytestmark = pytest.mark.django_db


def test_a_parent_sees_own_children_and_nobody_else(world):
    lesson = world.lesson()
    services.save_cells(
        actor=world.teacher,
        lesson=lesson,
        values={world.pupils[0].pk: "10", world.pupils[1].pk: "3"},
    )
    parent = client_for(world.parent)
    page = parent.get(f"/schools/diary/{world.pupils[0].pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "10" in text and world.pupils[0].full_name in text
    assert world.pupils[1].full_name not in text
    for path in ("", "grades/", "notes/"):
        assert parent.get(f"/schools/diary/{world.pupils[1].pk}/{path}").status_code == 404
        assert (
            client_for(world.stranger)
            .get(f"/schools/diary/{world.pupils[0].pk}/{path}")
            .status_code
            == 404
        )
    api = parent.get(f"/api/v1/schools/children/{world.pupils[1].pk}/week")
    assert api.status_code == 404
    assert api.json()["error"]["code"]
    mine = parent.get(f"/api/v1/schools/children/{world.pupils[0].pk}/week").json()
    assert [row["grade"] for row in mine] == ["10"]


def test_a_blocked_link_shows_nothing(world):
    link = world.parent.guardianships.get(pupil=world.pupils[0])
    services.block_guardian(actor=world.director, link=link, reason="Рішення суду")
    assert client_for(world.parent).get(f"/schools/diary/{world.pupils[0].pk}/").status_code == 404
    assert client_for(world.parent).get(f"/schools/diary/{world.little[0].pk}/").status_code == 200


def test_a_pupil_sees_only_themself(world):
    me = make_resident(world.community)
    world.pupils[2].account = me
    world.pupils[2].save()
    client = client_for(me)
    assert client.get(f"/schools/diary/{world.pupils[2].pk}/").status_code == 200
    assert client.get(f"/schools/diary/{world.pupils[3].pk}/").status_code == 404


def test_the_journal_is_for_its_teacher_the_class_teacher_and_heads(world):
    lesson = world.lesson()
    url = f"/schools/journal/{world.maths7.pk}/"
    for reader in (world.teacher, world.class_teacher, world.director):
        assert client_for(reader).get(url).status_code == 200
    for outsider in (world.other_teacher, world.parent, world.department):
        assert client_for(outsider).get(url).status_code == 404
        assert client_for(outsider).get(url + "export.csv").status_code == 404
        assert (
            client_for(outsider)
            .get(f"/api/v1/schools/assignments/{world.maths7.pk}/journal")
            .status_code
            == 404
        )
    # The class teacher reads, but does not write, and sees no one's edit history.
    history = f"/schools/journal/{world.maths7.pk}/lessons/{lesson.pk}/history/"
    assert client_for(world.class_teacher).get(history).status_code == 404
    assert client_for(world.teacher).get(history).status_code == 200
    response = client_for(world.class_teacher).post(
        f"/schools/journal/{world.maths7.pk}/lessons/{lesson.pk}/",
        {f"pupil-{world.pupils[0].pk}": "12"},
    )
    assert response.status_code == 404


def test_another_communitys_staff_and_parents_find_nothing(world, other_community):
    there = build_world(other_community, name="Ліцей Південного")
    host = "pivdenne.localhost"
    for path in (
        f"/schools/journal/{world.maths7.pk}/",
        f"/schools/diary/{world.pupils[0].pk}/",
        f"/schools/classes/{world.seventh.pk}/",
        f"/schools/schools/{world.school.pk}/",
    ):
        for person in (there.director, there.teacher, there.parent, world.director):
            assert client_for(person, host=host).get(path).status_code == 404


def test_the_teacher_saves_a_column_through_the_page(world):
    lesson = world.lesson()
    a, b = world.pupils[:2]
    client = client_for(world.teacher)
    response = client.post(
        f"/schools/journal/{world.maths7.pk}/lessons/{lesson.pk}/",
        {"topic": "Дроби", "homework": "№ 12", f"pupil-{a.pk}": "9", f"pupil-{b.pk}": "н"},
    )
    assert response.status_code == 302
    grid = client.get(f"/schools/journal/{world.maths7.pk}/").content.decode()
    assert ">9<" in grid and ">н<" in grid
    bad = client.post(
        f"/schools/journal/{world.maths7.pk}/lessons/{lesson.pk}/", {f"pupil-{a.pk}": "15"}
    )
    assert bad.status_code in (200, 400)  # the platform refuses NUL bytes before the view
    assert "12" in bad.content.decode()  # the scale's message names its range


def test_the_api_saves_a_column_and_refuses_bad_grades(world):
    lesson = world.lesson()
    a = world.pupils[0]
    client = client_for(world.teacher)
    url = f"/api/v1/schools/assignments/{world.maths7.pk}/lessons/{lesson.pk}/cells"
    ok = client.put(url, {"cells": {str(a.pk): "11"}}, content_type="application/json")
    assert ok.status_code == 200, ok.content
    assert ok.json() == {"created": 1, "changed": 0, "logged": 1}
    bad = client.put(url, {"cells": {str(a.pk): "13"}}, content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "points_out_of_range"
    other = client.put(
        url, {"cells": {str(world.little[0].pk): "5"}}, content_type="application/json"
    )
    assert other.status_code == 400
    huge = client.put(
        url, {"cells": {"99999999999999999999": "5"}}, content_type="application/json"
    )
    assert huge.status_code in (400, 422)


def test_the_department_sees_figures_without_names(world):
    lesson = world.lesson()
    services.save_cells(actor=world.teacher, lesson=lesson, values={world.pupils[0].pk: "10"})
    page = client_for(world.department).get("/schools/department/")
    assert page.status_code == 200
    text = page.content.decode()
    assert world.school.name in text
    assert world.pupils[0].full_name not in text
    assert client_for(world.teacher).get("/schools/department/").status_code == 404


def test_the_calendar_feed_needs_its_token_and_a_reset_kills_the_old_one(world):
    services.set_slot(actor=world.director, assignment=world.maths7, weekday=0, period=1, room=None)
    client = client_for(world.parent)
    client.get("/schools/calendar/")
    feed = services.feed_of(resident=world.parent, community=world.community)
    anonymous = client_for()
    body = anonymous.get(f"/schools/calendar/{feed.token}.ics")
    assert body.status_code == 200 and b"BEGIN:VCALENDAR" in body.content
    assert "Математика".encode() in body.content or timezone.localdate().weekday() >= 0
    client.post("/schools/calendar/")
    assert anonymous.get(f"/schools/calendar/{feed.token}.ics").status_code == 404
    assert anonymous.get("/schools/calendar/guess.ics").status_code == 404


def test_huge_ids_and_hostile_text_never_break_a_page(world):
    huge = "99999999999999999999"
    client = client_for(world.director)
    for path in (
        f"/schools/diary/{huge}/",
        f"/schools/journal/{huge}/",
        f"/schools/journal/{world.maths7.pk}/lessons/{huge}/",
        f"/schools/classes/{huge}/",
        f"/schools/schools/{huge}/",
        f"/schools/archives/{huge}/pdf/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/schools/notes/{huge}/decide/", {"accept": "1"}).status_code == 404
    payload = '<img src=x onerror="alert(1)">'
    lesson = world.lesson(topic=payload, homework=payload)
    teacher = client_for(world.teacher)
    page = teacher.get(f"/schools/journal/{world.maths7.pk}/lessons/{lesson.pk}/").content.decode()
    assert payload not in page and "&lt;img" in page
    diary = client_for(world.parent).get(f"/schools/diary/{world.pupils[0].pk}/").content.decode()
    assert payload not in diary and "&lt;img" in diary
    bad = teacher.post(
        f"/schools/journal/{world.maths7.pk}/lessons/{lesson.pk}/",
        {"topic": "x\x00y", f"pupil-{world.pupils[0].pk}": "9"},
    )
    assert bad.status_code in (200, 400)  # the platform refuses NUL bytes before the view
