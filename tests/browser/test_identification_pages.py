"""The identity page with its support points, the consent page and a disabled Sign pass axe."""

import re

import pytest

from hromada.core import services
from hromada.core.models import Identity, StaffRole, SupportPoint
from tests.browser.conftest import assert_accessible
from tests.browser.test_core_pages import log_in
from tests.factories import make_community, make_resident, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def community():
    community = make_community("chornomorsk")
    SupportPoint.objects.create(
        community=community,
        name="ЦНАП",
        address="проспект Миру, 33",
        hours="Пн–Пт 8:00–17:00",
        phone="+380486869740",
        accepts_paper_ballots=True,
    )
    return community


def test_identity_page_with_support_points(page, live_server, community):
    resident = make_resident(community, level=Identity.EMAIL)
    log_in(page, live_server, resident.email)
    page.goto(live_server.url + "/accounts/identity/")
    assert "проспект Миру, 33" in page.content()
    assert_accessible(page)


def test_consent_page_after_a_new_version(page, live_server, community):
    resident = make_resident(community)
    log_in(page, live_server, resident.email)
    administrator = make_staff(community, StaffRole.Role.ADMINISTRATOR)
    services.publish_privacy_notice(actor=administrator, community=community, body="## Нове")
    page.goto(live_server.url + "/accounts/profile/")
    page.wait_for_url(re.compile(r".*/accounts/privacy/\?next=.*"))
    assert_accessible(page)
    page.get_by_role("button", name="Я прочитав(-ла) повідомлення і приймаю його").click()
    page.wait_for_url(re.compile(r".*/accounts/profile/$"))


def test_disabled_sign_button_with_its_reason(page, live_server, community):
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
    resident = make_resident(community, level=Identity.EMAIL)
    log_in(page, live_server, resident.email)
    page.goto(live_server.url + petition.get_absolute_url())
    assert page.get_by_role("button", name="Підписати петицію").is_disabled()
    assert_accessible(page)
