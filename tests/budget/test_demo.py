"""Demo data: a 2026 cycle in voting with projects in every state, a finished 2025 cycle."""

from collections import Counter

import pytest

from hromada.budget import demo
from hromada.budget.models import Ballot, Cycle, ImplementationUpdate, Project
from hromada.core import demo as core_demo
from tests.factories import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_covers_every_state_and_is_idempotent():
    chornomorsk, pivdenne = core_demo.load()
    demo.load(chornomorsk)
    demo.load(pivdenne)
    demo.load(chornomorsk)  # a second run changes nothing
    current = Cycle.objects.get(community=chornomorsk, year=2026)
    finished = Cycle.objects.get(community=chornomorsk, year=2025)
    assert current.phase == "voting"
    states = Counter(current.projects.values_list("status", flat=True))
    assert set(states) == set(Project.Status.values)
    assert 35 <= sum(states.values()) <= 45
    assert Ballot.objects.filter(cycle=current).count() > 2000
    assert finished.phase == "implementation" and finished.results_public
    done = set(
        finished.projects.exclude(implementation="").values_list("implementation", flat=True)
    )
    assert done == {"procurement", "under_way", "done", "cancelled"}
    assert ImplementationUpdate.objects.filter(project__cycle=finished).exists()
    assert Cycle.objects.filter(community=pivdenne).count() == 1
    assert Cycle.objects.filter(community=chornomorsk).count() == 2
    for url in (
        current.get_absolute_url(),
        f"/budget/{current.pk}/projects/",
        f"/budget/{current.pk}/results/",
        f"/budget/{finished.pk}/results/",
        f"/budget/{finished.pk}/implementation/",
    ):
        assert client_for().get(url).status_code == 200, url
