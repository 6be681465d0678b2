"""Reading and writing Pabulib files, checked against pabutools on real files."""

from __future__ import annotations

import functools
import os
from fractions import Fraction
from pathlib import Path

import pytest

from hromada.budget import pabulib

DATA = Path(
    os.environ.get(
        "HROMADA_PABULIB_DIR",
        Path(__file__).resolve().parents[3] / "shared/data/pabulib",
    )
)
FILES = sorted(DATA.glob("*.pb")) if DATA.is_dir() else []
# pabutools needs seconds per megabyte to read a file.
SLOW = pytest.mark.slow


@pytest.fixture(
    params=[pytest.param(f, marks=SLOW if f.stat().st_size > 1_000_000 else ()) for f in FILES],
    ids=lambda path: path.stem,
)
def real_file(request) -> Path:
    return request.param


@functools.cache
def read(path: Path) -> pabulib.Election:
    return pabulib.read(path)


def pabutools_view(instance, profile):
    """Return a pabutools election as plain data, to compare with ours."""
    from pabutools.election import AbstractCardinalBallot, AbstractOrdinalBallot

    projects = {p.name: Fraction(str(p.cost)) for p in instance}
    ballots = []
    for ballot in profile:
        if isinstance(ballot, AbstractCardinalBallot):  # project → points
            ballots.append({p.name: Fraction(str(v)) for p, v in ballot.items()})
        elif isinstance(ballot, AbstractOrdinalBallot):  # the order counts
            ballots.append([p.name for p in ballot])
        else:
            ballots.append(sorted(p.name for p in ballot))
    return Fraction(str(instance.budget_limit)), projects, ballots


def our_view(election: pabulib.Election):
    """Return our election as the same plain data as `pabutools_view`."""
    projects = {p.project_id: Fraction(p.cost) for p in election.projects}
    ballots = []
    for vote in election.votes:
        if vote.points is not None:
            ballots.append(
                {p: Fraction(v) for p, v in zip(vote.projects, vote.points, strict=True)}
            )
        elif election.vote_type == "ordinal":
            ballots.append(list(vote.projects))
        else:
            ballots.append(sorted(set(vote.projects)))
    return Fraction(election.budget), projects, ballots


def test_real_file_matches_pabutools(real_file, tmp_path):
    """
    We read a real file as pabutools does, and pabutools reads what we write.

    Budget, projects, costs and every ballot are compared; the written file
    also reads back to the same election here, columns and all.
    """
    from pabutools.election import parse_pabulib

    election = read(real_file)
    ours = our_view(election)
    assert ours == pabutools_view(*parse_pabulib(str(real_file)))
    assert len(election.projects) == int(election.meta["num_projects"])
    assert len(election.votes) == int(election.meta["num_votes"])

    copy = tmp_path / real_file.name
    pabulib.write(election, copy)
    assert pabulib.read(copy) == election
    assert pabutools_view(*parse_pabulib(str(copy))) == ours


def test_real_file_round_trips(tmp_path):
    """Every real file, the large ones too, reads back the same after writing."""
    if not FILES:
        pytest.skip(f"no Pabulib data in {DATA}")
    for path in FILES:
        election = read(path)
        assert pabulib.parse(pabulib.dumps(election)) == election, path.name


def test_project_columns_are_kept(real_file):
    """Extra PROJECTS columns (name, category, selected…) stay as text."""
    election = read(real_file)
    for project in election.projects:
        assert set(project.fields) <= set(election.project_columns)
    if "name" in election.project_columns:
        assert all("name" in p.fields for p in election.projects)


SAMPLE = """META
key;value
description;Громада: тест
budget;1000,5
vote_type;cumulative
min_project_score_threshold;2
PROJECTS
project_id;cost;name;category
1;500;"Сквер ""Дружба""; лавки";greenery,culture
2;500.5;Бібліотека;None
10;250;Ліхтарі;
VOTES
voter_id;vote;points;age
a;1,10;2,1;34
b;2;3;None
c;;;
"""


def test_quoted_fields_and_decimal_amounts():
    """Quotes, semicolons in names, decimal commas and "None" cells parse."""
    election = pabulib.parse(SAMPLE)
    assert election.budget == Fraction(2001, 2)
    assert election.min_score == 2
    first, second, third = election.projects
    assert first.fields["name"] == 'Сквер "Дружба"; лавки'
    assert second.cost == Fraction(1001, 2)
    assert second.fields["category"] == ""
    assert third.project_id == "10"
    assert election.votes[0].points == [2, 1]
    assert election.votes[1].fields["age"] == ""
    assert election.votes[2].projects == [] and election.votes[2].points == []


def test_sample_round_trips_and_reads_in_pabutools(tmp_path):
    """An empty cumulative ballot and quoted names survive a round trip."""
    from pabutools.election import parse_pabulib

    election = pabulib.parse(SAMPLE)
    text = pabulib.dumps(election)
    assert pabulib.parse(text) == election
    path = tmp_path / "sample.pb"
    pabulib.write(election, path)
    instance, profile = parse_pabulib(str(path))
    assert {p.name for p in instance} == {"1", "2", "10"}
    assert len(profile) == 3 and len(profile[2]) == 0


def test_instance_keeps_points_and_threshold():
    """Cumulative ballots keep their points; the threshold comes from META."""
    instance = pabulib.parse(SAMPLE).instance()
    assert instance.points == [[2, 1], [3], []]
    assert instance.scores() == {"1": 2, "2": 3, "10": 1}
    assert instance.eligible() == ["1", "2"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("META\nkey;value\nvote_type;approval\n", "no budget"),
        (
            "META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\n1;5\n"
            "VOTES\nvoter_id;vote\nv;2\n",
            "unknown projects",
        ),
        (
            "META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\n1;5\n1;6\n",
            "appears twice",
        ),
        ("META\nkey;value\nbudget;ten\n", "not a number"),
        (
            "META\nkey;value\nbudget;10\nvote_type;cumulative\nPROJECTS\n"
            "project_id;cost\n1;5\nVOTES\nvoter_id;vote;points\nv;1;\n",
            "but 0 points",
        ),
    ],
)
def test_invalid_files_are_refused(text, message):
    """Broken files raise PabulibError saying what is wrong."""
    with pytest.raises(pabulib.PabulibError, match=message):
        pabulib.parse(text)


def test_numbers_are_written_exactly():
    """Amounts are written without exponents or binary-float noise."""
    assert pabulib.format_number(1500) == "1500"
    assert pabulib.format_number(Fraction(1, 8)) == "0.125"
    assert pabulib.parse_number("12,5") == Fraction(25, 2)
    assert pabulib.parse_number("1e3") == 1000
    with pytest.raises(ValueError):
        pabulib.format_number(Fraction(1, 3))
