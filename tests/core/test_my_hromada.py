"""The resident's "My community" page and the list of notifications sent to them."""

import pytest

from hromada.appeals import services as appeals
from hromada.appeals.models import Category
from hromada.core.models import Notification, StaffRole
from hromada.petitions import services as petitions
from hromada.petitions.models import Topic
from tests.budget.helpers import admitted_projects, make_category, make_cycle, move_to
from tests.factories import client_for, make_department, make_resident, make_staff
from tests.petitions.conftest import make_collecting, make_draft, set_rules

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def busy_resident(community):
    """A resident with a petition of their own, a signature, an appeal and a budget project."""
    resident = make_resident(community, full_name="Мешканенко Ірина Олегівна")
    administrator = make_staff(community, StaffRole.Role.ADMINISTRATOR)
    moderator = make_staff(community, StaffRole.Role.MODERATOR)
    set_rules(community, administrator, threshold=3, collection_days=30)
    topic = Topic.objects.create(community=community, name="Транспорт")
    own = make_draft(community, resident, topic, title="Нова зупинка біля ринку")
    petitions.submit_petition(petition=own, author=resident)
    other = make_collecting(
        community, make_resident(community), topic, moderator, title="Світлофор на Парусній"
    )
    petitions.sign_petition(petition=other, resident=resident, notify_on_answer=True)
    make_department(community, "Управління ЖКГ")
    appeals.install_default_categories(community=community)
    return resident, own, other


def test_my_community_gathers_every_module(community, busy_resident):
    resident, own, other = busy_resident
    appeal = appeals.submit_report(
        community=community,
        category=Category.objects.get(community=community, service_code="light-out"),
        author=resident,
        lat=46.3001,
        lon=30.6552,
        description="Не світить ліхтар біля під'їзду.",
    )
    cycle = make_cycle(community)
    budget_category = make_category(cycle)
    project = admitted_projects(community, budget_category, 1, author=resident)[0]
    move_to(cycle, "voting")
    page = text(client_for(resident).get("/my/"))
    assert "Моя громада" in page
    assert own.title in page and own.get_absolute_url() in page
    assert other.title in page and "вам повідомлять про відповідь" in page
    assert appeal.number in page and appeal.get_absolute_url() in page
    assert project.title in page
    assert "Ви ще не голосували." in page


def test_my_community_shows_only_ones_own(community, busy_resident):
    resident, own, other = busy_resident
    page = text(client_for(make_resident(community)).get("/my/"))
    assert own.title not in page and other.title not in page
    assert "Ви ще не підписали жодної петиції." in page
    assert "Ви ще не зверталися до ради." in page


def test_my_community_needs_log_in(community):
    response = client_for().get("/my/")
    assert response.status_code == 302 and "/accounts/log-in/" in response["Location"]


def test_notifications_page_lists_what_was_sent(community, busy_resident):
    resident, own, other = busy_resident
    sent = list(Notification.objects.filter(resident=resident))
    assert sent
    page = text(client_for(resident).get("/accounts/notifications/"))
    for notification in sent:
        assert notification.subject in page
    assert "<td>електронна пошта</td>" in page
    assert f"<td>{sent[0].get_status_display()}</td>" in page


def test_notifications_of_others_are_not_listed(community, busy_resident):
    resident, own, other = busy_resident
    mine = set(Notification.objects.filter(resident=resident).values_list("subject", flat=True))
    page = text(client_for(make_resident(community)).get("/accounts/notifications/"))
    assert "Вам ще нічого не надсилали." in page
    assert not any(subject in page for subject in mine)


def test_header_links_to_my_community_and_notifications(community):
    page = text(client_for(make_resident(community)).get("/"))
    assert 'href="/my/"' in page and 'href="/accounts/notifications/"' in page
