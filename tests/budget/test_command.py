"""`python -m hromada pb`: tally, verify, export and import from the command line."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from hromada.budget import pabulib, rules, services
from hromada.budget.models import Ballot, Cycle, Outcome
from tests.budget.helpers import admitted_projects, move_to
from tests.factories import make_resident

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "pabulib"
WESOLA = DATA / "Poland_Warszawa_2023_Wesola.pb"
ZURICH = DATA / "Switzerland_Zurich_D10.pb"
needs_data = pytest.mark.skipif(not WESOLA.exists(), reason="shared Pabulib files are missing")


@pytest.fixture
def counted(community, cycle, category):
    projects = admitted_projects(community, category, 4)
    move_to(cycle, "voting")
    category.refresh_from_db()
    for picks in ([0, 1], [0, 2], [1], [3, 0]):
        services.cast_ballot(
            resident=make_resident(community),
            category=category,
            choices=[projects[i].pk for i in picks],
        )
    move_to(cycle, "results")
    services.count_votes(cycle=cycle)
    cycle.refresh_from_db()
    return cycle


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("pb", *args, stdout=out)
    return out.getvalue()


@needs_data
def test_tally_prints_the_rules_json(capsys):
    """`pb tally` hands over to the rules' command line and prints one JSON object."""
    call_command("pb", "tally", str(WESOLA), "--rule", "greedy")
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    expected = rules.select(pabulib.read(WESOLA).instance(), "greedy")
    assert printed["selected"] == expected.selected
    assert printed["rule"] == "greedy"


def test_verify_accepts_the_published_ballots_file(counted, tmp_path):
    path = tmp_path / "ballots.json"
    path.write_bytes(counted.ballots_file.read())
    report = json.loads(run("verify", str(path)))
    assert report["ok"] is True
    assert report["sha256"] == counted.ballots_sha256
    assert report["categories"][0]["on_site"] == report["categories"][0]["recomputed"]


def test_verify_catches_a_changed_ballot(counted, tmp_path):
    """Moving one vote changes the recount or the totals: the check fails with exit 1."""
    document = json.loads(counted.ballots_file.read())
    ballots = document["categories"][0]["ballots"]
    ballots[0]["choices"] = ["0004"]
    path = tmp_path / "ballots.json"
    path.write_text(json.dumps(document))
    with pytest.raises(SystemExit) as caught:
        run("verify", str(path))
    assert caught.value.code == 1


def test_verify_refuses_a_file_that_is_not_ours(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"format": "other"}')
    with pytest.raises(CommandError):
        run("verify", str(path))


def test_export_then_import_gives_the_same_result(counted, other_community, tmp_path):
    """A category exported to Pabulib and imported elsewhere counts to the same winners."""
    written = run("export", "--cycle", str(counted.pk), "--out", str(tmp_path)).split()
    election = pabulib.read(written[0])
    assert election.meta["num_votes"] == "4"
    assert election.meta["currency"] == "UAH"
    original = list(
        Outcome.objects.filter(cycle=counted, selected=True)
        .order_by("position")
        .values_list("project__pabulib_id", "project__number")
    )
    summary = json.loads(run("import", written[0], "--community", other_community.slug))
    imported = Cycle.objects.get(pk=summary["cycle"])
    assert imported.community == other_community
    assert summary["ballots"] == 4
    assert summary["selected"] == [f"{number:04d}" for _, number in original]
    assert imported.results_approved_at is None and imported.tallied_at is not None


def test_export_refuses_hidden_counts(community):
    from tests.budget.helpers import make_category, make_cycle

    cycle = make_cycle(community, show_counts_live=False)
    make_category(cycle)
    move_to(cycle, "voting")
    with pytest.raises(CommandError):
        run("export", "--cycle", str(cycle.pk))


@needs_data
def test_import_of_a_real_election_matches_its_official_result(community):
    """Warszawa-Wesoła 2023 (greedy) imported and counted here selects the official winners."""
    summary = json.loads(run("import", str(WESOLA), "--community", community.slug))
    official = [p.project_id for p in pabulib.read(WESOLA).projects if p.fields["selected"] == "1"]
    assert sorted(summary["selected"]) == sorted(official)
    assert Ballot.objects.filter(cycle_id=summary["cycle"]).count() == 1181


@needs_data
def test_import_of_cumulative_ballots(community):
    summary = json.loads(run("import", str(ZURICH), "--community", community.slug))
    cycle = Cycle.objects.get(pk=summary["cycle"])
    assert cycle.ballot_kind == "cumulative"
    expected = rules.select(pabulib.read(ZURICH).instance(), "greedy").selected
    assert summary["selected"] == expected


def test_import_needs_a_known_community(tmp_path):
    path = tmp_path / "x.pb"
    path.write_text(
        "META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\n1;5\nVOTES\nvoter_id;vote\n"
    )
    with pytest.raises(CommandError):
        run("import", str(path), "--community", "nowhere")


@needs_data
@pytest.mark.parametrize(
    "name", ["Poland_Krakow_2020_Podgorze_Duchackie.pb", "Poland_Zabrze_2020_Konczyce.pb"]
)
def test_import_of_ordinal_and_choose_one_ballots(community, name):
    """Ordinal and choose-1 ballots become approval of the listed projects."""
    path = DATA / name
    election = pabulib.read(path)
    summary = json.loads(run("import", str(path), "--community", community.slug))
    cycle = Cycle.objects.get(pk=summary["cycle"])
    assert cycle.ballot_kind == "approval"
    assert summary["ballots"] == len(election.votes)
    category = cycle.categories.get()
    expected = rules.select(election.instance(), category.rule, category.completion or None)
    assert summary["selected"] == expected.selected
