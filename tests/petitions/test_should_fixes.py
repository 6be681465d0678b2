"""Small fixes residents and clerks asked for on the petition pages (issue 10)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hromada.petitions.models import Petition
from tests.factories import client_for, make_resident
from tests.petitions.conftest import sign_by_new_residents

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


def test_htmx_signing_updates_the_count_on_the_page(collecting, community):
    """The box and, out of band, the count above it include the new signature."""
    sign_by_new_residents(collecting, 1)
    client = client_for(make_resident(community))
    before = page(client.get(collecting.get_absolute_url()))
    assert '<div id="petition-progress">' in before
    assert 'aria-valuenow="1"' in before
    response = client.post(f"/petitions/{collecting.pk}/sign/", HTTP_HX_REQUEST="true")
    text = page(response)
    assert text.lstrip().startswith('<section class="card sign-box" id="sign-box"')
    assert '<div id="petition-progress" hx-swap-oob="true">' in text
    assert 'aria-valuenow="2"' in text
    assert "2 підписи з 3 потрібних" in text


def test_signing_without_javascript_shows_the_new_count(collecting, community):
    client = client_for(make_resident(community))
    response = client.post(f"/petitions/{collecting.pk}/sign/", follow=True)
    assert 'aria-valuenow="1"' in page(response)


def _answer_due(petition, days_ago: int) -> None:
    Petition.objects.filter(pk=petition.pk).update(
        answer_due_on=timezone.localdate() - timedelta(days=days_ago)
    )


def test_overdue_answer_is_shown_on_the_public_and_staff_pages(consideration, moderator):
    """Two weeks past the art. 23-1 term are ten working days of delay, said on both pages."""
    _answer_due(consideration, 14)
    expected = "Відповідь прострочена на 10 робочих днів"
    assert expected in page(client_for().get(consideration.get_absolute_url()))
    staff_page = client_for(moderator).get(f"/petitions/staff/{consideration.pk}/")
    assert expected in page(staff_page)


def test_answer_due_today_is_not_overdue(consideration, moderator):
    _answer_due(consideration, 0)
    assert "прострочена" not in page(client_for().get(consideration.get_absolute_url()))
    assert "прострочена" not in page(
        client_for(moderator).get(f"/petitions/staff/{consideration.pk}/")
    )
