"""A resident without strong identity is told every way to get it, and sees why a button is off."""

from __future__ import annotations

import re

import pytest

from hromada.core.errors import IdentityRequired
from hromada.core.identity import require_level
from hromada.core.models import Identity, StaffRole, SupportPoint
from tests.factories import client_for, make_resident, make_staff

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def points(community):
    """The ЦНАП (identifies, takes paper ballots) and a starosta office (identifies only)."""
    return [
        SupportPoint.objects.create(
            community=community,
            name="ЦНАП Чорноморська",
            address="проспект Миру, 33",
            hours="Пн–Пт 8:00–17:00, Сб 8:00–15:00",
            accepts_paper_ballots=True,
        ),
        SupportPoint.objects.create(
            community=community,
            name="Старостат Олександрівки",
            address="вулиця Центральна, 12",
            hours="Пн–Пт 8:00–16:00",
            position=1,
        ),
        SupportPoint.objects.create(
            community=community,
            name="Закритий пункт",
            address="вулиця Праці, 1",
            hours="—",
            is_active=False,
        ),
    ]


@pytest.fixture
def newcomer(community):
    return make_resident(community, level=Identity.EMAIL)


def test_identity_page_lists_support_points_with_addresses_and_hours(points, newcomer):
    text = page(client_for(newcomer).get("/accounts/identity/"))
    assert "ЦНАП Чорноморська" in text and "проспект Миру, 33" in text
    assert "Пн–Пт 8:00–17:00, Сб 8:00–15:00" in text
    assert "Старостат Олександрівки" in text and "вулиця Центральна, 12" in text
    assert "Закритий пункт" not in text
    # ID.GOV.UA is not set up in the tests: no button that cannot work.
    assert 'action="/accounts/identity/start/"' not in text
    # Paper ballots of the participatory budget, only where they are taken.
    paper = text[text.index("На папері") :]
    assert "ЦНАП Чорноморська" in paper and "Старостат Олександрівки" not in paper


def test_identity_page_offers_id_gov_ua_when_it_is_set_up(points, newcomer, settings):
    settings.IDGOVUA_CLIENT_ID = "test-client"
    text = page(client_for(newcomer).get("/accounts/identity/"))
    assert 'action="/accounts/identity/start/"' in text
    assert "ЦНАП Чорноморська" in text


def test_refusal_of_a_page_names_the_ways(community, points, newcomer):
    """`level_required` sends the resident to the identity page with the ways named."""
    from tests.budget.helpers import admitted_projects, make_category, make_cycle, move_to

    cycle = make_cycle(community)
    category = make_category(cycle)
    admitted_projects(community, category, 2)
    move_to(cycle, "voting")
    client = client_for(newcomer)
    response = client.get(f"/budget/{cycle.pk}/vote/{category.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/identity/?next=")
    assert "action=budget.vote" in response["Location"]
    text = page(client.get(response["Location"]))
    message = re.search(r'<p class="message message-info">(.*?)</p>', text, re.S).group(1)
    assert "особисто" in message and "ЦНАП Чорноморська, проспект Миру, 33" in message
    assert "паперовим бюлетенем" in message


def test_refusal_of_a_service_names_the_ways(community, points, newcomer):
    with pytest.raises(IdentityRequired) as refused:
        require_level(resident=newcomer, community=community, action="petitions.sign")
    text = str(refused.value)
    assert "потрібна надійніша ідентифікація" in text
    assert "ЦНАП Чорноморська, проспект Миру, 33 (Пн–Пт 8:00–17:00, Сб 8:00–15:00)" in text
    # Petitions are signed online only: no paper is offered for them.
    assert "паперовим" not in text


def test_with_no_way_at_all_the_council_is_named(community, newcomer):
    with pytest.raises(IdentityRequired) as refused:
        require_level(resident=newcomer, community=community, action="petitions.sign")
    assert "Запитайте в раді" in str(refused.value)


def test_sign_button_is_disabled_with_the_reason_beside_it(community, points, newcomer):
    from hromada.petitions import services as petitions
    from hromada.petitions.models import Topic

    moderator = make_staff(community, StaffRole.Role.MODERATOR)
    author = make_resident(community)
    topic = Topic.objects.create(community=community, name="Транспорт")
    petition = petitions.create_petition(
        community=community,
        author=author,
        title="Перехід біля школи",
        text="Просимо облаштувати безпечний пішохідний перехід біля школи на Парусній.",
        topic_id=topic.pk,
    )
    petitions.submit_petition(petition=petition, author=author)
    petition = petitions.publish_petition(petition=petition, moderator=moderator)

    text = page(client_for(newcomer).get(petition.get_absolute_url()))
    button = re.search(r"<button[^>]*>Підписати петицію</button>", text).group(0)
    assert "disabled" in button and 'aria-describedby="sign-refusal"' in button
    assert 'id="sign-refusal"' in text
    assert "ЦНАП Чорноморська" in text and "вулиця Центральна, 12" in text
    assert "Пн–Пт 8:00–16:00" in text
    # An identified resident gets the working button.
    strong = page(client_for(make_resident(community)).get(petition.get_absolute_url()))
    working = re.search(r"<button[^>]*>Підписати петицію</button>", strong).group(0)
    assert "disabled" not in working


def test_ballot_button_is_disabled_with_the_reason_and_paper_way(community, points, newcomer):
    from tests.budget.helpers import admitted_projects, make_category, make_cycle, move_to

    cycle = make_cycle(community)
    category = make_category(cycle)
    admitted_projects(community, category, 2)
    move_to(cycle, "voting")

    text = page(client_for(newcomer).get(f"/budget/{cycle.pk}/vote/"))
    button = re.search(r"<button[^>]*>Відкрити бюлетень.*?</button>", text, re.S).group(0)
    assert "disabled" in button and 'aria-describedby="vote-problem"' in button
    assert 'id="vote-problem"' in text
    assert f"/budget/{cycle.pk}/vote/{category.pk}/" not in text  # no dead link
    paper = text[text.index("На папері") :]
    assert "ЦНАП Чорноморська" in paper

    strong = page(client_for(make_resident(community)).get(f"/budget/{cycle.pk}/vote/"))
    assert f"/budget/{cycle.pk}/vote/{category.pk}/" in strong
