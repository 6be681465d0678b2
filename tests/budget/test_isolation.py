"""One community's staff and residents cannot see or change another's budget; hidden counts never leak."""

import re

import pytest
from django.urls import reverse

from hromada.budget import pbfiles, services
from hromada.budget.errors import BallotInvalid, CountsHidden
from hromada.budget.models import Ballot, Project
from hromada.core.errors import Forbidden
from hromada.core.models import StaffRole
from hromada.core.services import issue_api_token
from tests.budget.helpers import admitted_projects, draft, make_category, make_cycle, move_to
from tests.factories import client_for, make_department, make_resident, make_staff

pytestmark = pytest.mark.django_db

PIVDENNE = "pivdenne.localhost"


@pytest.fixture
def two(community, other_community):
    """A voting cycle in each community, with admitted projects."""
    mine = make_cycle(community, title="Бюджет Чорноморська")
    mine_category = make_category(mine)
    mine_projects = admitted_projects(community, mine_category, 2)
    theirs = make_cycle(other_community, title="Бюджет Південного")
    theirs_category = make_category(theirs)
    theirs_projects = admitted_projects(other_community, theirs_category, 2)
    for cycle in (mine, theirs):
        move_to(cycle, "voting")
    mine_category.refresh_from_db()
    theirs_category.refresh_from_db()
    return {
        "mine": (mine, mine_category, mine_projects),
        "theirs": (theirs, theirs_category, theirs_projects),
    }


def test_pages_show_only_the_hosts_community(two):
    theirs, _, theirs_projects = two["theirs"]
    mine, _, mine_projects = two["mine"]
    client = client_for()
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.get(theirs_projects[0].get_absolute_url()).status_code == 404
    assert client.get(reverse("budget:results", args=[theirs.pk])).status_code == 404
    other_host = client_for(host=PIVDENNE)
    assert other_host.get(theirs.get_absolute_url()).status_code == 200
    assert other_host.get(mine_projects[0].get_absolute_url()).status_code == 404
    listing = other_host.get("/budget/open-data/?format=json").json()
    assert {row["community"] for row in listing} == {theirs.community.name}


def test_api_shows_only_the_hosts_community(two):
    theirs, _, theirs_projects = two["theirs"]
    mine, _, _ = two["mine"]
    assert [c["id"] for c in client_for().get("/api/v1/budget/cycles").json()] == [mine.pk]
    assert client_for().get(f"/api/v1/budget/cycles/{theirs.pk}").status_code == 404
    assert client_for().get(f"/api/v1/budget/projects/{theirs_projects[0].pk}").status_code == 404


def test_resident_cannot_vote_in_another_community(community, two):
    """A resident of one community is not eligible in the other, on any host."""
    _, theirs_category, theirs_projects = two["theirs"]
    mine_resident = make_resident(community)
    with pytest.raises(Exception) as caught:
        services.cast_ballot(
            resident=mine_resident, category=theirs_category, choices=[theirs_projects[0].pk]
        )
    assert caught.value.code == "pb_not_eligible"
    _, key = issue_api_token(resident=mine_resident, name="t")
    response = client_for().post(
        f"/api/v1/budget/cycles/{theirs_category.cycle_id}/ballots",
        {"category": theirs_category.pk, "projects": [theirs_projects[0].pk]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 404
    assert not Ballot.objects.exists()


def test_projects_of_another_community_cannot_be_chosen(community, two):
    _, mine_category, _ = two["mine"]
    _, _, theirs_projects = two["theirs"]
    with pytest.raises(BallotInvalid):
        services.cast_ballot(
            resident=make_resident(community),
            category=mine_category,
            choices=[theirs_projects[0].pk],
        )


def test_staff_cannot_act_in_another_community(community, other_community, two):
    mine, mine_category, _ = two["mine"]
    theirs, theirs_category, theirs_projects = two["theirs"]
    my_moderator = make_staff(community, StaffRole.Role.MODERATOR)
    with pytest.raises(Forbidden):
        services.enter_paper_ballot(
            staff=my_moderator,
            category=theirs_category,
            paper_number="1",
            tax_number="3000000001",
            birth_date=None,
            basis="lives",
            settlement=None,
            choices=[theirs_projects[0].pk],
        )
    move_to(theirs, "results")
    services.count_votes(cycle=theirs)
    with pytest.raises(Forbidden):
        services.approve_results(staff=my_moderator, cycle=theirs)
    client = client_for(my_moderator, host=PIVDENNE)
    assert client.get("/budget/staff/review/").status_code == 403
    assert client.get(reverse("budget:staff_results", args=[theirs.pk])).status_code == 403
    mine_client = client_for(my_moderator)
    assert (
        mine_client.get(reverse("budget:review", args=[theirs_projects[0].pk])).status_code == 404
    )


def test_review_cannot_use_another_communitys_department(community, other_community, cycle):
    category = make_category(cycle)
    author = make_resident(community)
    project = draft(author, category)
    services.submit_project(resident=author, project=project)
    foreign = make_department(other_community, "Чужий відділ")
    moderator = make_staff(community, StaffRole.Role.MODERATOR)
    with pytest.raises(Exception) as caught:
        services.start_review(staff=moderator, project=project, departments=[foreign])
    assert "departments" in caught.value.fields
    project.refresh_from_db()
    assert project.status == Project.Status.SUBMITTED


# --- hidden counts ---------------------------------------------------------------


@pytest.fixture
def hidden(community):
    """A voting cycle that hides counts, with 7 ballots for project 1."""
    cycle = make_cycle(community, show_counts_live=False)
    category = make_category(cycle)
    projects = admitted_projects(community, category, 2)
    move_to(cycle, "voting")
    category.refresh_from_db()
    for _ in range(7):
        services.cast_ballot(
            resident=make_resident(community), category=category, choices=[projects[0].pk]
        )
    return cycle, category, projects


def test_hidden_counts_do_not_leak_through_pages(hidden):
    cycle, category, projects = hidden
    client = client_for()
    pages = [
        cycle.get_absolute_url(),
        reverse("budget:projects", args=[cycle.pk]),
        projects[0].get_absolute_url(),
        reverse("budget:results", args=[cycle.pk]),
        reverse("budget:vote_overview", args=[cycle.pk]),
    ]
    for url in pages:
        body = client.get(url).content.decode()
        assert not re.search(r"\b7 (голос|людей|осіб|особ)", body), url
        assert "Проголосува" not in body, url
    assert client.get(reverse("budget:ballots_file", args=[cycle.pk])).status_code == 404
    assert client.get(reverse("budget:pabulib", args=[cycle.pk, category.pk])).status_code == 404


def test_hidden_counts_do_not_leak_through_the_api(hidden):
    cycle, _, projects = hidden
    client = client_for()
    listing = client.get(f"/api/v1/budget/cycles/{cycle.pk}/projects").json()
    assert {item["votes"] for item in listing["items"]} == {None}
    detail = client.get(f"/api/v1/budget/projects/{projects[0].pk}").json()
    assert detail["votes"] is None
    results = client.get(f"/api/v1/budget/cycles/{cycle.pk}/results")
    assert results.status_code == 403
    assert results.json()["error"]["code"] == "pb_counts_hidden"


def test_hidden_counts_do_not_leak_through_exports(hidden):
    cycle, category, _ = hidden
    rows = client_for().get(f"/budget/open-data/?format=json&cycle={cycle.pk}").json()
    assert {row["votes_count"] for row in rows} == {None}
    csv = client_for().get(f"/budget/open-data/?format=csv&cycle={cycle.pk}")
    assert ";7;" not in csv.content.decode() and ",7," not in csv.content.decode()
    with pytest.raises(CountsHidden):
        pbfiles.category_text(category)


def test_counts_appear_once_voting_ends(hidden):
    cycle, _, projects = hidden
    move_to(cycle, "results")
    detail = client_for().get(f"/api/v1/budget/projects/{projects[0].pk}").json()
    assert detail["votes"] == 7
