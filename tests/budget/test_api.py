"""The REST API at /api/v1/budget/: same rules as the pages, one error shape."""

import pytest

from hromada.budget import services
from hromada.budget.models import Ballot, Project
from hromada.core.services import issue_api_token
from tests.budget.helpers import POINT, admitted_projects, draft, move_to
from tests.factories import client_for, make_resident

pytestmark = pytest.mark.django_db


def bearer(resident) -> dict:
    _, key = issue_api_token(resident=resident, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_cycles_and_categories_are_public(cycle, category):
    listed = client_for().get("/api/v1/budget/cycles").json()
    assert [c["id"] for c in listed] == [cycle.pk]
    detail = client_for().get(f"/api/v1/budget/cycles/{cycle.pk}").json()
    assert detail["phase"] == "submission"
    assert detail["categories"][0]["name"] == category.name


def test_unknown_cycle_is_a_404_in_the_error_shape(community):
    response = client_for().get("/api/v1/budget/cycles/999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "pb_cycle_not_found"


def test_projects_are_paginated_and_hide_drafts(community, cycle, category):
    author = make_resident(community)
    submitted = draft(author, category, title="Публічний")
    services.submit_project(resident=author, project=submitted)
    draft(author, category, title="Прихований")
    body = client_for().get(f"/api/v1/budget/cycles/{cycle.pk}/projects?page_size=10").json()
    assert body["count"] == 1
    assert body["items"][0]["title"] == "Публічний"
    assert body["items"][0]["votes"] == 0


def test_proposing_and_submitting_through_the_api(community, cycle, category):
    author = make_resident(community)
    headers = bearer(author)
    payload = {
        "category": category.pk,
        "title": "Зупинка",
        "problem": "Немає навісу",
        "description": "Навіс і лава",
        "beneficiaries": "Пасажири",
        "settlement": community.settlements.first().pk,
        "lat": POINT["lat"],
        "lon": POINT["lon"],
        "items": [{"name": "Навіс", "quantity": "1", "unit_price": "50000"}],
    }
    created = client_for().post(
        f"/api/v1/budget/cycles/{cycle.pk}/projects",
        payload,
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    assert created.json()["cost"] == "55000.00"
    project_id = created.json()["id"]
    submitted = client_for().post(f"/api/v1/budget/projects/{project_id}/submit", **headers)
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["number"] == 1


def test_cost_mismatch_through_the_api(community, cycle, category):
    author = make_resident(community)
    payload = {
        "category": category.pk,
        "title": "Зупинка",
        "problem": "x",
        "description": "x",
        "beneficiaries": "x",
        "settlement": community.settlements.first().pk,
        "lat": POINT["lat"],
        "lon": POINT["lon"],
        "items": [{"name": "Навіс", "quantity": "1", "unit_price": "50000"}],
        "cost": "50000",
    }
    response = client_for().post(
        f"/api/v1/budget/cycles/{cycle.pk}/projects",
        payload,
        content_type="application/json",
        **bearer(author),
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "pb_cost_mismatch"
    assert not Project.objects.exists()


def test_voting_through_the_api(voting, voter):
    category, projects = voting
    headers = bearer(voter)
    url = f"/api/v1/budget/cycles/{category.cycle_id}/ballots"
    cast = client_for().post(
        url,
        {"category": category.pk, "projects": [projects[0].pk, projects[1].pk]},
        content_type="application/json",
        **headers,
    )
    assert cast.status_code == 201
    receipt = cast.json()["receipt"]
    assert Ballot.objects.get().receipt_hash == services.receipt_hash(receipt)
    again = client_for().post(
        url,
        {"category": category.pk, "projects": [projects[2].pk]},
        content_type="application/json",
        **headers,
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "pb_already_voted"
    mine = (
        client_for().get(f"/api/v1/budget/cycles/{category.cycle_id}/my-ballots", **headers).json()
    )
    assert {c["project"] for c in mine[0]["choices"]} == {projects[0].pk, projects[1].pk}


def test_api_ballot_errors(voting, voter):
    category, projects = voting
    url = f"/api/v1/budget/cycles/{category.cycle_id}/ballots"
    over = client_for().post(
        url,
        {"category": category.pk, "projects": [p.pk for p in projects]},
        content_type="application/json",
        **bearer(voter),
    )
    assert over.status_code == 400
    assert over.json()["error"]["code"] == "pb_ballot_invalid"
    anonymous = client_for().post(
        url,
        {"category": category.pk, "projects": [projects[0].pk]},
        content_type="application/json",
    )
    assert anonymous.status_code == 401
    move_to(category.cycle, "results")
    closed = client_for().post(
        url,
        {"category": category.pk, "projects": [projects[0].pk]},
        content_type="application/json",
        **bearer(voter),
    )
    assert closed.json()["error"]["code"] == "pb_phase_closed"
    assert not Ballot.objects.exists()


def check_receipt(cycle_id, code) -> dict:
    response = client_for().post(
        f"/api/v1/budget/cycles/{cycle_id}/receipt", {"code": code}, content_type="application/json"
    )
    return response.json()


def test_results_and_receipt_through_the_api(community, voting, voter):
    category, projects = voting
    _, receipt = services.cast_ballot(resident=voter, category=category, choices=[projects[1].pk])
    cycle = move_to(category.cycle, "results")
    services.count_votes(cycle=cycle)
    results = client_for().get(f"/api/v1/budget/cycles/{cycle.pk}/results").json()
    assert results["counted"] and results["voters"] == 1
    assert results["categories"][0]["rows"][0]["project"] == projects[1].pk
    check = check_receipt(cycle.pk, receipt)
    assert check["found"] and check["choices"][0]["project"] == projects[1].pk
    wrong = check_receipt(cycle.pk, "ZZZZ-ZZZZ-ZZZZ-ZZZZ")
    assert wrong == {"published": True, "found": False, "category": None, "choices": []}


def test_receipt_before_publication(voting):
    category, _ = voting
    body = check_receipt(category.cycle_id, "AAAA")
    assert body["published"] is False


def test_project_detail(voting):
    category, projects = voting
    body = client_for().get(f"/api/v1/budget/projects/{projects[0].pk}").json()
    assert body["items"][0]["name"] == "Лавки"
    assert body["status"] == "admitted"


def test_admitted_helper_projects(community, cycle, category):
    assert len(admitted_projects(community, category, 1)) == 1
