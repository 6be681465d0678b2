"""Small fixes residents asked for in the budget pages (issue 10)."""

import html
import re

import pytest
from django.urls import reverse

from tests.factories import client_for

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def checked_ids(page: str) -> set[str]:
    return set(
        re.findall(r'<input type="checkbox" name="project" value="(\d+)"[^>]* checked>', page)
    )


def test_change_my_choice_keeps_the_selection(voting, voter):
    """The review page's change link opens the ballot with the same projects ticked."""
    category, projects = voting
    client = client_for(voter)
    url = reverse("budget:vote", args=[category.cycle_id, category.pk])
    chosen = {str(projects[0].pk), str(projects[2].pk)}
    review = text(client.post(url, {"step": "confirm", "project": sorted(chosen)}))
    link = re.search(r'<a class="button button-secondary" href="([^"]+)">Змінити вибір', review)
    assert link, "no change link"
    ballot = text(client.get(html.unescape(link.group(1))))
    assert checked_ids(ballot) == chosen


def test_a_ballot_address_with_junk_ticks_nothing(voting, voter):
    category, projects = voting
    url = reverse("budget:vote", args=[category.cycle_id, category.pk])
    page = text(client_for(voter).get(url + "?project=x&project=99999999999999999999"))
    assert checked_ids(page) == set()
