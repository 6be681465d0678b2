"""Pages: residents propose, vote and check; staff review, enter paper ballots, approve."""

import re

import pytest
from django.urls import reverse

from hromada.budget import services
from hromada.budget.models import Ballot, Project
from hromada.core.models import StaffRole
from tests.budget.helpers import (
    POINT,
    admitted_projects,
    draft,
    make_category,
    make_cycle,
    moderator,
    move_to,
)
from tests.factories import client_for, make_department, make_resident, make_staff

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def counted(community, cycle, category):
    projects = admitted_projects(community, category, 3)
    move_to(cycle, "voting")
    category.refresh_from_db()
    for picks in ([0, 1], [0], [2]):
        services.cast_ballot(
            resident=make_resident(community),
            category=category,
            choices=[projects[i].pk for i in picks],
        )
    move_to(cycle, "results")
    services.count_votes(cycle=cycle)
    cycle.refresh_from_db()
    return cycle, projects


def test_index_redirects_to_the_current_cycle(cycle):
    response = client_for().get("/budget/")
    assert response.status_code == 302
    assert response["Location"] == cycle.get_absolute_url()


def test_index_without_cycles_says_so(community):
    page = client_for().get("/budget/")
    assert page.status_code == 200
    assert "Жодного циклу" in text(page) or "cycle" in text(page).lower()


def test_cycle_page_shows_phases_and_categories(cycle, category):
    page = text(client_for().get(cycle.get_absolute_url()))
    assert '<html lang="uk">' in page
    assert category.name in page
    assert "Подати проєкт" in page


def test_catalogue_filters_and_hides_drafts(community, cycle, category):
    author = make_resident(community)
    visible = draft(author, category, title="Дитячий майданчик")
    services.submit_project(resident=author, project=visible)
    draft(author, category, title="Чернетка секретна")
    page = text(client_for().get(f"/budget/{cycle.pk}/projects/"))
    assert "Дитячий майданчик" in page
    assert "Чернетка секретна" not in page
    found = text(client_for().get(f"/budget/{cycle.pk}/projects/?q=майданчик"))
    assert "Дитячий майданчик" in found
    none = text(client_for().get(f"/budget/{cycle.pk}/projects/?q=басейн"))
    assert "Дитячий майданчик" not in none


def test_draft_page_is_private(community, category):
    author = make_resident(community)
    project = draft(author, category)
    assert client_for().get(project.get_absolute_url()).status_code == 404
    assert client_for(make_resident(community)).get(project.get_absolute_url()).status_code == 404
    assert client_for(author).get(project.get_absolute_url()).status_code == 200


def test_proposing_through_the_form(community, cycle, category):
    """The form saves a draft; the project page then submits it."""
    author = make_resident(community)
    settlement = community.settlements.first()
    data = {
        "category": category.pk,
        "title": "Велодоріжка",
        "problem": "Небезпечно",
        "description": "Розмітка і знаки",
        "beneficiaries": "Велосипедисти",
        "settlement": settlement.pk,
        "address": "проспект Миру",
        "lat": POINT["lat"],
        "lon": POINT["lon"],
        "cost": "",
        "coauthors": "",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "40",
        "items-0-name": "Фарба",
        "items-0-quantity": "10",
        "items-0-unit_price": "1000",
    }
    client = client_for(author)
    response = client.post(f"/budget/{cycle.pk}/new/", data)
    assert response.status_code == 302, text(response)
    project = Project.objects.get(title="Велодоріжка")
    assert str(project.cost) == "11000.00"
    response = client.post(reverse("budget:submit", args=[project.pk]), follow=True)
    assert "подано на розгляд" in text(response)
    project.refresh_from_db()
    assert project.status == Project.Status.SUBMITTED


def test_form_shows_cost_mismatch_next_to_the_field(community, cycle, category):
    author = make_resident(community)
    data = {
        "category": category.pk,
        "title": "Велодоріжка",
        "problem": "x",
        "description": "x",
        "beneficiaries": "x",
        "settlement": community.settlements.first().pk,
        "lat": POINT["lat"],
        "lon": POINT["lon"],
        "cost": "50000",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-0-name": "Фарба",
        "items-0-quantity": "10",
        "items-0-unit_price": "1000",
    }
    response = client_for(author).post(f"/budget/{cycle.pk}/new/", data)
    assert response.status_code == 200
    assert "11000.00" in text(response)
    assert 'aria-invalid="true"' in text(response)
    assert not Project.objects.exists()


def test_voting_flow_confirms_then_shows_the_receipt_once(community, voting, voter):
    category, projects = voting
    client = client_for(voter)
    url = reverse("budget:vote", args=[category.cycle_id, category.pk])
    page = text(client.get(url))
    assert "Оберіть до 3 проєктів" in page
    chosen = [str(projects[0].pk), str(projects[1].pk)]
    confirm = client.post(url, {"step": "confirm", "project": chosen})
    assert "Підтвердіть" in text(confirm)
    assert not Ballot.objects.exists()
    cast = client.post(url, {"step": "cast", "project": chosen}, follow=True)
    body = text(cast)
    receipt = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", body).group(0)
    ballot = Ballot.objects.get()
    assert ballot.receipt_hash == services.receipt_hash(receipt)
    again = text(client.get(cast.redirect_chain[-1][0]))
    assert receipt not in again
    second = client.post(url, {"step": "cast", "project": [str(projects[2].pk)]})
    assert "Ви проголосували" in text(second)
    assert Ballot.objects.count() == 1


def test_ballot_over_the_limit_shows_an_error(voting, voter):
    category, projects = voting
    url = reverse("budget:vote", args=[category.cycle_id, category.pk])
    response = client_for(voter).post(
        url, {"step": "cast", "project": [str(p.pk) for p in projects]}
    )
    assert response.status_code == 400
    assert "не більше 3" in text(response)
    assert not Ballot.objects.exists()


def test_voting_page_needs_log_in(voting):
    category, _ = voting
    response = client_for().get(reverse("budget:vote", args=[category.cycle_id, category.pk]))
    assert response.status_code == 302
    assert "/accounts/log-in/" in response["Location"]


def test_results_page_has_svg_charts_and_tables(community, counted):
    cycle, projects = counted
    services.approve_results(staff=moderator(community), cycle=cycle)
    page = text(client_for().get(reverse("budget:results", args=[cycle.pk])))
    assert page.count("<svg") >= 4
    assert 'role="img"' in page
    assert projects[0].title in page
    assert cycle.ballots_sha256 in page


def test_receipt_page_finds_a_ballot(community, voting, voter):
    category, projects = voting
    _, receipt = services.cast_ballot(resident=voter, category=category, choices=[projects[3].pk])
    cycle = move_to(category.cycle, "results")
    services.count_votes(cycle=cycle)
    url = reverse("budget:receipt", args=[cycle.pk])
    found = text(client_for().post(url, {"code": receipt}))
    assert "є у файлі" in found
    assert projects[3].title in found
    missing = text(client_for().post(url, {"code": "AAAA-AAAA-AAAA-AAAA"}))
    assert "немає у файлі" in missing


def test_ballots_file_download(counted):
    cycle, _ = counted
    response = client_for().get(reverse("budget:ballots_file", args=[cycle.pk]))
    assert response.status_code == 200
    assert b"receipt_hash" in b"".join(response.streaming_content)


def test_open_data_csv_and_json(community, counted):
    cycle, projects = counted
    csv = client_for().get("/budget/open-data/?format=csv")
    assert csv.status_code == 200
    assert "project_number" in csv.content.decode("utf-8-sig").splitlines()[0]
    rows = client_for().get("/budget/open-data/?format=json").json()
    assert {r["project_name"] for r in rows} == {p.title for p in projects}


def test_pabulib_download_after_counting(counted):
    cycle, _ = counted
    category = cycle.categories.get()
    response = client_for().get(reverse("budget:pabulib", args=[cycle.pk, category.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"META")


def test_implementation_tracker_lists_winners(community, counted):
    cycle, projects = counted
    services.approve_results(staff=moderator(community), cycle=cycle)
    page = text(client_for().get(reverse("budget:implementation", args=[cycle.pk])))
    assert projects[0].title in page
    assert "закупівля" in page.lower()


def test_my_page_lists_projects_and_ballots(community, voting, voter):
    category, projects = voting
    services.cast_ballot(resident=voter, category=category, choices=[projects[0].pk])
    page = text(client_for(voter).get("/budget/my/"))
    assert projects[0].title in page


# --- staff ---------------------------------------------------------------------


def test_review_screen_runs_the_whole_review(community, category):
    author = make_resident(community)
    project = draft(author, category)
    services.submit_project(resident=author, project=project)
    staff = moderator(community)
    department = make_department(community)
    client = client_for(staff)
    url = reverse("budget:review", args=[project.pk])
    client.post(url, {"action": "start", "departments": [department.pk]})
    conclusion = project.conclusions.get()
    prefix = f"c{conclusion.pk}"
    worker = make_staff(community, department=department)
    client_for(worker).post(
        url,
        {
            "action": "conclusion",
            "conclusion": conclusion.pk,
            f"{prefix}-feasible": "yes",
            f"{prefix}-reason": "",
        },
    )
    response = client.post(url, {"action": "admit"}, follow=True)
    assert "допущено до голосування" in text(response).lower()
    project.refresh_from_db()
    assert project.status == Project.Status.ADMITTED


def test_review_screens_are_for_staff(community, category):
    resident = make_resident(community)
    assert client_for(resident).get("/budget/staff/review/").status_code == 403
    assert client_for().get("/budget/staff/review/").status_code == 302


def test_offline_screen_enters_a_paper_ballot(community, voting):
    category, projects = voting
    operator = make_staff(community, role="budget_operator")
    url = reverse("budget:offline", args=[category.cycle_id])
    data = {
        "category": category.pk,
        "paper_number": "П-17",
        "tax_number": "3011122233",
        "birth_date": "1975-04-03",
        "basis": "lives",
        "settlement": community.settlements.first().pk,
        "support_point": "ЦНАП",
        "project": [str(projects[0].pk)],
    }
    response = client_for(operator).post(url, data, follow=True)
    assert "П-17" in text(response)
    assert Ballot.objects.get().channel == "offline"
    again = client_for(operator).post(url, {**data, "paper_number": "П-18"})
    assert "вже проголосувала" in text(again)
    assert Ballot.objects.count() == 1


def test_results_approval_screen(community, counted):
    cycle, _ = counted
    client = client_for(moderator(community))
    url = reverse("budget:staff_results", args=[cycle.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"action": "approve"})
    cycle.refresh_from_db()
    assert cycle.results_public


def test_report_screen_publishes_an_update(community, counted):
    cycle, projects = counted
    staff = moderator(community)
    services.approve_results(staff=staff, cycle=cycle)
    winner = Project.objects.filter(cycle=cycle, outcome__selected=True).first()
    response = client_for(staff).post(
        reverse("budget:report", args=[winner.pk]),
        {"status": "under_way", "spent": "1000", "note": "Почалися роботи"},
        follow=True,
    )
    assert "Почалися роботи" in text(response)


def test_dashboard_counts(community, category):
    author = make_resident(community)
    project = draft(author, category)
    services.submit_project(resident=author, project=project)
    page = text(client_for(moderator(community)).get("/staff/"))
    assert "Бюджет" in page or "бюджет" in page


def test_staff_of_a_department_sees_only_its_conclusions(community, category):
    author = make_resident(community)
    project = draft(author, category)
    services.submit_project(resident=author, project=project)
    mine = make_department(community, "Моє управління")
    services.start_review(staff=moderator(community), project=project, departments=[mine])
    worker = make_staff(community, department=mine)
    other = make_staff(community, department=make_department(community, "Чуже"))
    assert project.title in text(client_for(worker).get("/budget/staff/review/"))
    assert project.title not in text(client_for(other).get("/budget/staff/review/"))
    assert client_for(other).get(reverse("budget:review", args=[project.pk])).status_code == 404
    assert StaffRole.objects.filter(resident=worker).exists()


def test_second_category_cycle_pages(community):
    cycle = make_cycle(community, ballot_kind="cumulative")
    make_category(cycle, max_points=5)
    assert client_for().get(cycle.get_absolute_url()).status_code == 200


def test_back_office_lists_and_counts(community, counted):
    """Moderators see cycles, projects and ballots; the admin action counts idempotently."""
    cycle, _ = counted
    staff = moderator(community)
    client = client_for(staff)
    for url in ("/admin/budget/cycle/", "/admin/budget/project/", "/admin/budget/ballot/"):
        assert client.get(url).status_code == 200, url
    ballots = text(client.get("/admin/budget/ballot/"))
    assert "voter_key" not in ballots
    response = client.post(
        "/admin/budget/cycle/",
        {"action": "approve_results", "_selected_action": [cycle.pk]},
    )
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.results_public


def test_residents_have_no_back_office(community):
    resident = make_resident(community)
    assert client_for(resident).get("/admin/budget/cycle/").status_code == 302


def test_dashboard_shows_the_review_queue(community, category):
    author = make_resident(community)
    project = draft(author, category)
    services.submit_project(resident=author, project=project)
    page = text(client_for(moderator(community)).get("/staff/"))
    assert "Проєкти громадського бюджету, які треба взяти на розгляд" in page


def test_the_review_link_shows_only_to_those_who_may_review(community, category):
    """Department staff without a conclusion on the project get no link to a 404."""
    author = make_resident(community)
    project = draft(author, category)
    services.submit_project(resident=author, project=project)
    mine = make_department(community, "Моє управління")
    services.start_review(staff=moderator(community), project=project, departments=[mine])
    review_url = reverse("budget:review", args=[project.pk])
    worker = make_staff(community, department=mine)
    other = make_staff(community, department=make_department(community, "Чуже"))
    assert review_url in text(client_for(worker).get(project.get_absolute_url()))
    assert review_url in text(client_for(moderator(community)).get(project.get_absolute_url()))
    assert review_url not in text(client_for(other).get(project.get_absolute_url()))
