"""The journal page costs the same few queries whatever the class size and columns."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hromada.schools import services
from hromada.schools.models import Enrolment, Pupil
from tests.factories import client_for

pytestmark = pytest.mark.django_db


def count(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_journal_grid_needs_at_most_12_queries_for_any_class(world):
    client = client_for(world.teacher)
    url = f"/schools/journal/{world.maths7.pk}/"
    lesson = world.lesson()
    services.save_cells(actor=world.teacher, lesson=lesson, values={world.pupils[0].pk: "9"})
    small = count(client, url)
    for n in range(30):
        pupil = Pupil.objects.create(
            community=world.community, school=world.school, full_name=f"Ще {n}"
        )
        Enrolment.objects.create(
            community=world.community,
            pupil=pupil,
            school_class=world.seventh,
            enrolled_on=world.year.starts_on,
        )
    for days in range(1, 15):
        world.lesson(day=timezone.localdate() - timedelta(days=days), topic=f"Тема {days}")
    big = count(client, url)
    assert big == small
    assert big <= 12
