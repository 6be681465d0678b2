"""Reading a category's election from the database, as the count does."""

import gc
import json
from collections import Counter

import pytest

from hromada.budget import pabulib, pbfiles, rules, services, tally
from hromada.budget.models import Project
from tests.budget.helpers import move_to
from tests.factories import make_resident

pytestmark = pytest.mark.django_db

# Identical ballots in any order, ballots of one, two and three projects, an
# empty ballot and a project nobody chose.
APPROVAL = """META
key;value
budget;1000
vote_type;approval
PROJECTS
project_id;cost
1;400
2;300
3;500
10;200
11;100
VOTES
voter_id;vote
a;1,2
b;2,1
c;3
d;
e;10,3,1
f;3
g;1,2
h;10
i;1,3,10
j;2
"""

CUMULATIVE = """META
key;value
budget;1000
vote_type;cumulative
min_project_score_threshold;2
PROJECTS
project_id;cost
1;400
2;300
3;500
10;200
VOTES
voter_id;vote;points
a;1,2;2,1
b;2,1;1,2
c;1,2;1,2
d;;
e;10;1
f;3,10;3,1
g;2;3
"""


def imported(community, text):
    election = pabulib.parse(text)
    cycle = pbfiles.import_election(community=community, election=election, source="test.pb")
    return election.instance(), cycle.categories.get()


def published_file(community, text):
    """Import an election (which counts it) and return it, its category and the ballots file."""
    expected, category = imported(community, text)
    cycle = category.cycle
    cycle.refresh_from_db()
    return expected, category, json.loads(cycle.ballots_file.read())


def ballots_of(instance):
    points = instance.points or [[1] * len(b) for b in instance.ballots]
    return Counter(
        tuple(sorted(zip(b, p, strict=True))) for b, p in zip(instance.ballots, points, strict=True)
    )


@pytest.mark.parametrize("text", [APPROVAL, CUMULATIVE], ids=["approval", "cumulative"])
def test_category_is_read_as_the_election_it_holds(community, text):
    """Every ballot, empty ones too, with its projects and points; the same winners."""
    expected, category = imported(community, text)
    instance, projects = tally.category_instance(category)
    assert set(projects) == set(expected.projects)
    assert dict(instance.projects) == dict(expected.projects)
    assert instance.budget == expected.budget
    assert instance.min_score == expected.min_score
    assert len(instance.ballots) == len(expected.ballots)
    assert ballots_of(instance) == ballots_of(expected)
    assert instance.scores() == expected.scores()
    for rule, completion in (("greedy", None), ("mes", None), ("mes", "add1"), ("phragmen", None)):
        assert rules.select(instance, rule, completion) == rules.select(expected, rule, completion)


def test_ballots_file_holds_every_ballot_as_cast(community):
    """The published ballots are the stored ones, and recount to the stored results."""
    expected, category, document = published_file(community, CUMULATIVE)
    (published,) = document["categories"]
    assert len(published["ballots"]) == 7
    assert Counter(
        tuple(sorted(zip(b["choices"], b["points"], strict=True))) for b in published["ballots"]
    ) == ballots_of(expected)
    assert {p["id"]: p["points"] for p in published["projects"]} == expected.scores()
    assert {p["id"]: p["votes"] for p in published["projects"]} == {
        "1": 3,
        "2": 4,
        "3": 1,
        "10": 2,
    }
    assert tally.verify_document(document)["ok"]
    assert published["results"]["selected"] == tally.select_winners(category).selected


def test_approval_ballots_file_is_in_hash_order_without_points(community):
    expected, _category, document = published_file(community, APPROVAL)
    (published,) = document["categories"]
    digests = [b["receipt_hash"] for b in published["ballots"]]
    assert digests == sorted(digests) and len(set(digests)) == 10
    assert all(set(b) == {"receipt_hash", "choices"} for b in published["ballots"])
    assert Counter(tuple(sorted(b["choices"])) for b in published["ballots"]) == Counter(
        tuple(sorted(b)) for b in expected.ballots
    )
    assert {p["id"]: p["votes"] for p in published["projects"]} == expected.scores()
    assert {p["id"]: p["points"] for p in published["projects"]} == expected.scores()
    assert tally.verify_document(document)["ok"]


def test_building_a_file_pauses_the_garbage_collector_and_restores_it():
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), tally.many_small_objects():
        assert not gc.isenabled()
        with tally.many_small_objects():  # nested: the outer one restores it
            pass
        assert not gc.isenabled()
        raise ZeroDivisionError
    assert gc.isenabled()
    gc.disable()
    try:
        with tally.many_small_objects():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()


def test_category_ballots_can_name_the_projects(community, voting):
    category, projects = voting
    services.cast_ballot(
        resident=make_resident(community), category=category, choices=[projects[1].pk]
    )
    names = {p.pk: f"#{i}" for i, p in enumerate(projects)}
    ((_, chosen, _),) = tally.category_ballots(category, names=names)
    assert chosen == ["#1"]


def test_category_ballots_keep_receipts_in_casting_order(community, voting):
    category, projects = voting
    cast = []
    for picks in ([2, 0], [1], [3, 1, 0]):
        ballot, _ = services.cast_ballot(
            resident=make_resident(community),
            category=category,
            choices=[projects[i].pk for i in picks],
        )
        cast.append((ballot.receipt_hash, sorted(projects[i].pk for i in picks)))
    ballots = tally.category_ballots(category)
    assert [(digest, chosen) for digest, chosen, _ in ballots] == cast
    assert [given for _, _, given in ballots] == [[1, 1], [1], [1, 1, 1]]
    assert [digest for digest, _, _ in tally.category_ballots(category, with_hashes=False)] == [
        "",
        "",
        "",
    ]


def test_a_vote_for_a_project_no_longer_admitted_stops_the_count(community, voting):
    category, projects = voting
    services.cast_ballot(
        resident=make_resident(community), category=category, choices=[projects[0].pk]
    )
    Project.objects.filter(pk=projects[0].pk).update(status=Project.Status.REJECTED)
    move_to(category.cycle, "results")
    with pytest.raises(ValueError, match="not admitted"):
        tally.category_instance(category)


def test_empty_category_is_an_election_without_ballots(community, voting):
    category, projects = voting
    instance, by_code = tally.category_instance(category)
    assert instance.ballots == [] and len(by_code) == len(projects)
    assert rules.select(instance, "mes", "add1").selected == []
