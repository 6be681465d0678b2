"""Results: counting by each category's rule, approval, the ballots file, implementation."""

import json
from decimal import Decimal

import pytest

from hromada.budget import rules, selectors, services, tally
from hromada.budget.errors import NotCounted, PhaseClosed, WrongStatus
from hromada.budget.models import Outcome, Project
from hromada.budget.tasks import count_finished_cycles
from hromada.core.errors import Forbidden
from hromada.core.models import Notification
from tests.budget.helpers import admitted_projects, make_category, make_cycle, moderator, move_to
from tests.factories import make_department, make_resident, make_staff

pytestmark = pytest.mark.django_db


def vote_all(category, ballots):
    """Cast one ballot per list of project indexes; return the receipts."""
    projects = list(Project.objects.filter(category=category).order_by("number"))
    receipts = []
    for picks in ballots:
        voter = make_resident(category.community)
        _, receipt = services.cast_ballot(
            resident=voter, category=category, choices=[projects[i].pk for i in picks]
        )
        receipts.append(receipt)
    return receipts


@pytest.fixture
def counted(community, cycle, category):
    """Four projects of 110,000 UAH in 300,000 UAH; votes 3, 2, 1, 0; counted."""
    admitted_projects(community, category, 4)
    move_to(cycle, "voting")
    category.refresh_from_db()
    receipts = vote_all(category, [[0, 1, 2], [0, 1], [0]])
    move_to(cycle, "results")
    services.count_votes(cycle=cycle)
    cycle.refresh_from_db()
    return cycle, receipts


def test_greedy_takes_projects_by_votes_while_they_fit(counted):
    cycle, _ = counted
    outcomes = {o.project.number: o for o in Outcome.objects.filter(cycle=cycle)}
    assert [outcomes[n].votes for n in (1, 2, 3, 4)] == [3, 2, 1, 0]
    assert [n for n in (1, 2, 3, 4) if outcomes[n].selected] == [1, 2]
    assert (outcomes[1].position, outcomes[2].position) == (1, 2)


def test_counting_is_idempotent_and_waits_for_the_end_of_voting(community, cycle, category):
    admitted_projects(community, category, 1)
    move_to(cycle, "voting")
    with pytest.raises(PhaseClosed):
        services.count_votes(cycle=cycle)
    move_to(cycle, "results")
    assert services.count_votes(cycle=cycle) is True
    assert services.count_votes(cycle=cycle) is False
    assert Outcome.objects.filter(cycle=cycle).count() == 1


def test_scheduled_task_counts_finished_cycles_once(community, cycle, category):
    admitted_projects(community, category, 1)
    move_to(cycle, "results")
    count_finished_cycles.call()
    count_finished_cycles.call()
    cycle.refresh_from_db()
    assert cycle.tallied_at is not None and cycle.ballots_sha256


def test_min_votes_keeps_weak_projects_out(community, cycle):
    category = make_category(cycle, min_votes=2)
    admitted_projects(community, category, 3)
    move_to(cycle, "voting")
    category.refresh_from_db()
    vote_all(category, [[0, 1], [0]])
    move_to(cycle, "results")
    services.count_votes(cycle=cycle)
    winners = Outcome.objects.filter(cycle=cycle, selected=True)
    assert [o.project.number for o in winners] == [1]


@pytest.mark.parametrize(
    ("rule", "completion"), [("greedy", ""), ("mes", ""), ("mes", "add1"), ("phragmen", "")]
)
def test_each_rule_matches_rules_select(community, cycle, rule, completion):
    """The count uses the category's rule through rules.select on the same ballots."""
    category = make_category(cycle, rule=rule, completion=completion, max_choices=4)
    admitted_projects(community, category, 4, costs=[55_000, 110_000, 165_000, 220_000])
    move_to(cycle, "voting")
    category.refresh_from_db()
    vote_all(category, [[0, 1], [1, 2], [2, 3], [3], [0, 3], [1]])
    instance, _ = tally.category_instance(category)
    expected = rules.select(instance, rule, completion or None).selected
    move_to(cycle, "results")
    services.count_votes(cycle=cycle)
    winners = Outcome.objects.filter(cycle=cycle, selected=True).order_by("position")
    assert [o.project.code for o in winners] == expected


def test_ballots_file_is_anonymous_and_recounts(counted):
    """The file has hashes and choices only, in hash order, and recounts to its results."""
    cycle, receipts = counted
    document = json.loads(cycle.ballots_file.read())
    ballots = document["categories"][0]["ballots"]
    hashes = [b["receipt_hash"] for b in ballots]
    assert hashes == sorted(hashes)
    assert {services.receipt_hash(r) for r in receipts} == set(hashes)
    assert set(ballots[0]) == {"receipt_hash", "choices"}
    text = json.dumps(document)
    for resident_field in ("resident", "email", "voter_key", "birth"):
        assert resident_field not in text
    report = tally.verify_document(document)
    assert report["ok"]
    assert report["categories"][0]["recomputed"] == ["0001", "0002"]


def test_ballots_file_and_results_say_why_each_other_project_lost(counted):
    """300,000 UAH: the two winners took 220,000, so 80,000 were left for the others."""
    cycle, _ = counted
    document = json.loads(cycle.ballots_file.read())
    why = {"reason": "no_money", "left": "80000.00", "cost": "110000.00"}
    assert document["categories"][0]["results"]["explanations"] == {"0003": why, "0004": why}
    stored = {o.project.number: o.explanation for o in Outcome.objects.filter(cycle=cycle)}
    assert stored == {1: {}, 2: {}, 3: why, 4: why}


def test_tampered_file_fails_verification(counted):
    cycle, _ = counted
    document = json.loads(cycle.ballots_file.read())
    document["categories"][0]["results"]["selected"] = ["0001", "0003"]
    assert not tally.verify_document(document)["ok"]


def test_receipt_is_found_once_ballots_are_published(community, cycle, category):
    admitted_projects(community, category, 2)
    move_to(cycle, "voting")
    category.refresh_from_db()
    [receipt] = vote_all(category, [[1]])
    assert selectors.find_receipt(cycle, receipt) is None  # not published yet
    move_to(cycle, "results")
    services.count_votes(cycle=cycle)
    cycle.refresh_from_db()
    found = selectors.find_receipt(cycle, receipt.lower().replace("-", " "))
    assert found is not None
    assert selectors.find_receipt(cycle, "AAAA-BBBB-CCCC-DDDD") is None


def test_approval_sends_winners_to_implementation_and_tells_authors(community, counted):
    cycle, _ = counted
    with pytest.raises(Forbidden):
        services.approve_results(staff=make_resident(community), cycle=cycle)
    services.approve_results(staff=moderator(community), cycle=cycle)
    cycle.refresh_from_db()
    assert cycle.results_public
    statuses = dict(Project.objects.filter(cycle=cycle).values_list("number", "implementation"))
    assert statuses == {1: "procurement", 2: "procurement", 3: "", 4: ""}
    events = set(Notification.objects.values_list("event", flat=True))
    assert {"budget/project_won", "budget/project_not_selected"} <= events


def test_results_cannot_be_approved_before_counting(community, cycle, category):
    with pytest.raises(NotCounted):
        services.approve_results(staff=moderator(community), cycle=cycle)


def test_implementation_update_notifies_supporters(
    community, counted, django_capture_on_commit_callbacks
):
    """Voters who chose the project hear about its progress; others do not."""
    cycle, _ = counted
    services.approve_results(staff=moderator(community), cycle=cycle)
    second = Project.objects.get(cycle=cycle, number=2)
    third = Project.objects.get(cycle=cycle, number=3)
    department_staff = make_staff(community, department=second.department)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        update = services.report_implementation(
            staff=department_staff,
            project=second,
            status="under_way",
            spent="50000",
            note="Встановлено лавки",
        )
    second.refresh_from_db()
    assert (second.implementation, second.spent) == ("under_way", Decimal("50000.00"))
    notified = set(
        Notification.objects.filter(event="budget/implementation_update").values_list(
            "resident_id", flat=True
        )
    )
    supporters = set(
        Project.objects.get(pk=second.pk).choices.values_list("ballot__resident_id", flat=True)
    )
    assert supporters <= notified
    assert len(supporters) == 2
    assert update.note == "Встановлено лавки"
    with pytest.raises(WrongStatus):
        services.report_implementation(
            staff=moderator(community), project=third, status="done", spent="0", note="x"
        )


def test_other_departments_cannot_report(community, counted):
    cycle, _ = counted
    services.approve_results(staff=moderator(community), cycle=cycle)
    first = Project.objects.get(cycle=cycle, number=1)
    outsider = make_staff(community, department=make_department(community, "Інше"))
    with pytest.raises(Forbidden):
        services.report_implementation(
            staff=outsider, project=first, status="done", spent="1", note="x"
        )


def test_hidden_counts_stay_hidden_until_voting_ends(community):
    cycle = make_cycle(community, show_counts_live=False)
    category = make_category(cycle)
    admitted_projects(community, category, 2)
    move_to(cycle, "voting")
    category.refresh_from_db()
    vote_all(category, [[0]])
    assert selectors.vote_counts(cycle) is None
    assert selectors.turnout(cycle) is None
    rows = list(selectors.open_data_rows(community, cycle))
    assert all(row["votes_count"] is None for row in rows)
    move_to(cycle, "results")
    assert selectors.vote_counts(cycle)


def test_open_data_rows_have_the_data_set_fields(community, counted):
    cycle, _ = counted
    cycle = services.approve_results(staff=moderator(community), cycle=cycle)
    rows = list(selectors.open_data_rows(community, cycle))
    assert len(rows) == 4
    assert set(rows[0]) == set(selectors.OPEN_DATA_FIELDS)
    first = next(r for r in rows if r["project_number"] == 1)
    assert (first["votes_count"], first["is_winner"], first["rank"]) == (3, True, 1)
    assert first["edrpou"] == community.edrpou
