"""Small fixes residents asked for in the budget pages (issue 10)."""

import html
import re

import pytest
from django.urls import reverse

from hromada.budget import services
from hromada.budget.models import Outcome
from tests.budget.helpers import admitted_projects, moderator, move_to
from tests.factories import client_for, make_resident

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


def test_my_projects_show_winners_as_winners(community, cycle, category):
    """After the count the author's list says "winner", and how implementation goes."""
    author = make_resident(community)
    projects = admitted_projects(community, category, 3, author=author)
    move_to(cycle, "voting")
    category.refresh_from_db()
    for picks in ([0, 1], [0], [0, 2]):
        services.cast_ballot(
            resident=make_resident(community),
            category=category,
            choices=[projects[i].pk for i in picks],
        )
    move_to(cycle, "results")
    services.count_votes(cycle=cycle)
    cycle.refresh_from_db()
    client = client_for(author)
    before = text(client.get("/budget/my/"))
    assert "Переможець" not in before  # results not approved yet: the status stands
    staff = moderator(community)
    services.approve_results(staff=staff, cycle=cycle)
    winner = Outcome.objects.filter(cycle=cycle, selected=True).first().project
    services.report_implementation(
        staff=staff, project=winner, status="done", spent="100000", note="Зроблено."
    )
    page = text(client.get("/budget/my/"))
    assert "допущено до голосування" not in page
    assert "Переможець" in page
    assert "Реалізація: виконано" in page


def test_project_form_sums_up_its_errors_with_links(community, cycle, category):
    """The project form uses the shared summary: each field at fault, linked."""
    data = {
        "category": category.pk,
        "title": "",
        "problem": "",
        "description": "x",
        "beneficiaries": "x",
        "settlement": community.settlements.first().pk,
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
    }
    page = text(client_for(make_resident(community)).post(f"/budget/{cycle.pk}/new/", data))
    summary = re.search(r"<div class=\"form-errors error-summary\"[^>]*>(.*?)</div>", page, re.S)
    assert summary and "data-error-summary" in summary.group(0)
    assert 'href="#id_title"' in summary.group(1) and 'href="#id_problem"' in summary.group(1)
