"""The demo data and the back office."""

import pytest
from django.urls import reverse

from hromada.appeals import demo
from hromada.appeals.models import Appeal, Category, Open311Key, Supporter
from hromada.appeals.services import issue_open311_key
from hromada.core import demo as core_demo
from hromada.core.models import AuditEntry, Resident, StaffRole
from tests.appeals.conftest import report
from tests.factories import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_communities(db):
    return core_demo.load()


def test_demo_is_rich_consistent_and_idempotent(demo_communities):
    """Several hundred Chornomorsk reports in every state, with history; a second load adds nothing."""
    chornomorsk, pivdenne = demo_communities
    demo.load(chornomorsk)
    demo.load(pivdenne)
    reports = Appeal.objects.filter(community=chornomorsk, kind=Appeal.Kind.REPORT)
    assert reports.count() >= 300
    assert set(reports.values_list("status", flat=True)) == set(Appeal.Status.values)
    assert Appeal.objects.filter(community=chornomorsk).exclude(kind="report").exists()
    assert 0 < Appeal.objects.filter(community=pivdenne).count() < 30
    for appeal in reports.filter(lat__isnull=False)[:200]:
        assert chornomorsk.contains_point(lat=appeal.lat, lon=appeal.lon)
    assert all(a.is_overdue for a in reports.filter(escalated_for__isnull=False, is_open=True))
    registered = AuditEntry.objects.filter(action="appeal.registered", community=chornomorsk)
    assert registered.count() == Appeal.objects.filter(community=chornomorsk).count()
    assert AuditEntry.objects.filter(action="appeal.resolved").exists()
    assert Supporter.objects.filter(community=chornomorsk).exists()
    numbers = list(Appeal.objects.filter(community=chornomorsk).values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))
    demo_resident = Resident.objects.get(email="resident@chornomorsk.demo")
    assert Appeal.objects.filter(author=demo_resident, status=Appeal.Status.RESOLVED).exists()
    count = Appeal.objects.count()
    demo.load(chornomorsk)
    assert Appeal.objects.count() == count


def test_demo_registers_archived_petitions_as_collective_appeals(demo_communities):
    """The petitions demo loads first; its petitions below the threshold get numbers after the demo's."""
    from hromada.petitions import demo as petitions_demo
    from hromada.petitions.models import Petition

    chornomorsk, _pivdenne = demo_communities
    petitions_demo.load(chornomorsk)
    demo.load(chornomorsk)
    archived = Petition.objects.filter(community=chornomorsk, status=Petition.Status.ARCHIVED)
    assert archived.exists()
    collective = Appeal.objects.filter(community=chornomorsk, channel=Appeal.Channel.PETITION)
    assert collective.count() == archived.count()
    assert set(collective.values_list("author", flat=True)) == set(
        archived.values_list("author", flat=True)
    )
    numbers = list(Appeal.objects.filter(community=chornomorsk).values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))


def test_demo_pages_render(demo_communities):
    chornomorsk, _pivdenne = demo_communities
    demo.load(chornomorsk)
    client = client_for()
    resolved = Appeal.objects.filter(status="resolved", kind="report").first()
    for url in [
        reverse("appeals:map"),
        reverse("appeals:list"),
        reverse("appeals:statistics"),
        resolved.get_absolute_url(),
        "/open311/v2/requests.xml",
    ]:
        assert client.get(url).status_code == 200, url
    moderator = Resident.objects.get(email="moderator@chornomorsk.demo")
    assert client_for(moderator).get(reverse("appeals:staff_queue")).status_code == 200
    staff = Resident.objects.get(email="staff@chornomorsk.demo")
    queue = client_for(staff).get(reverse("appeals:staff_queue"), {"status": "all"})
    department = StaffRole.objects.get(resident=staff).department
    assert department.name in queue.content.decode()


def test_back_office_lists_scoped_appeals(community, categories, resident, moderator, water_staff):
    appeal = report(community, categories, resident)
    moderator.is_staff = True
    moderator.save()
    listing = client_for(moderator).get(reverse("admin:appeals_appeal_changelist"))
    assert listing.status_code == 200 and appeal.number in listing.content.decode()
    # Water staff see no lighting appeals.
    listing = client_for(water_staff).get(reverse("admin:appeals_appeal_changelist"))
    assert appeal.number not in listing.content.decode()
    response = client_for(moderator).post(
        reverse("admin:appeals_appeal_changelist"),
        {"action": "accept", "_selected_action": [appeal.pk]},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.ACCEPTED


def test_back_office_edits_categories(community, categories, moderator):
    category = categories["light-out"]
    url = reverse("admin:appeals_category_change", args=[category.pk])
    page = client_for(moderator).get(url)
    assert page.status_code == 200
    client_for(moderator).post(
        reverse("admin:appeals_category_changelist"),
        {"action": "install_defaults", "_selected_action": [category.pk]},
    )
    assert Category.objects.filter(community=community).count() == len(categories)


def test_open311_keys_in_the_back_office(community, moderator):
    key, _raw = issue_open311_key(community=community, name="Застосунок")
    admin_user = __import__("tests.factories", fromlist=["make_staff"]).make_staff(
        community, StaffRole.Role.ADMINISTRATOR
    )
    client = client_for(admin_user)
    listing = client.get(reverse("admin:appeals_open311key_changelist"))
    assert "Застосунок" in listing.content.decode()
    assert (
        client_for(moderator).get(reverse("admin:appeals_open311key_changelist")).status_code == 403
    )
    client.post(
        reverse("admin:appeals_open311key_changelist"),
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    assert not Open311Key.objects.get().is_active
