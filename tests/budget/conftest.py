import pytest

from tests.budget.helpers import admitted_projects, make_category, make_cycle, moderator, move_to
from tests.factories import make_resident


@pytest.fixture
def cycle(community):
    """A cycle of the default community in its submission phase."""
    return make_cycle(community)


@pytest.fixture
def category(cycle):
    return make_category(cycle)


@pytest.fixture
def staff_moderator(community):
    return moderator(community)


@pytest.fixture
def voting(community, cycle, category):
    """A cycle in voting with four admitted projects of 110,000 UAH; returns (category, projects)."""
    projects = admitted_projects(community, category, 4)
    move_to(cycle, "voting")
    category.refresh_from_db()
    return category, projects


@pytest.fixture
def voter(community):
    return make_resident(community)
