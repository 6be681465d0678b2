"""`python -m hromada pb tally` counts a file without starting Django."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SMALL = """META
key;value
description;two projects
num_projects;2
num_votes;3
budget;100
vote_type;approval
PROJECTS
project_id;cost
1;60
2;50
VOTES
voter_id;vote
1;1,2
2;1
3;1
"""


def run(*args: str) -> subprocess.CompletedProcess:
    probe = (
        "import runpy, sys; sys.argv = ['hromada', *sys.argv[1:]]; "
        "runpy.run_module('hromada', run_name='__main__'); "
        "print('django apps loaded' if 'django.apps.registry' in sys.modules "
        "and __import__('django.apps').apps.ready else '', file=sys.stderr)"
    )
    return subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, cwd=ROOT
    )


def test_tally_prints_the_winners_without_loading_the_apps(tmp_path):
    path = tmp_path / "small.pb"
    path.write_text(SMALL, encoding="utf-8")
    done = run("pb", "tally", str(path), "--rule", "greedy")
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout.splitlines()[0])
    assert outcome == {"rule": "greedy", "selected": ["1"], "cost": 60}
    assert "django apps loaded" not in done.stderr


def test_a_missing_file_is_an_error():
    done = run("pb", "tally", "/nonexistent.pb", "--rule", "mes")
    assert done.returncode == 1
    assert "pb tally:" in done.stderr
