"""One community's residents and staff can neither see nor change another's appeals."""

import pytest
from django.urls import reverse

from hromada.appeals import errors, selectors, services
from hromada.appeals.models import Appeal
from hromada.core.models import Identity, StaffRole
from tests.appeals.conftest import LAT, LON, report
from tests.factories import client_for, make_resident, make_staff

pytestmark = pytest.mark.django_db
PIVDENNE = "pivdenne.localhost"


@pytest.fixture
def theirs(other_community, other_categories):
    """A report and a complaint of Pivdenne, by a Pivdenne resident."""
    author = make_resident(other_community, level=Identity.EMAIL)
    report_ = services.submit_report(
        community=other_community,
        category=other_categories["light-out"],
        description="Не світить ліхтар у Південному.",
        lat=LAT,
        lon=LON,
        author=author,
    )
    complaint = services.submit_written_appeal(
        community=other_community,
        kind=Appeal.Kind.COMPLAINT,
        category=other_categories["bins-full"],
        subject="Скарга Південного",
        text="Приватно.",
        author=author,
    )
    return report_, complaint


def test_pages_of_one_community_do_not_show_the_other(community, categories, resident, theirs):
    mine = report(community, categories, resident, address="Чорноморськ, 1")
    their_report, _complaint = theirs
    ours = client_for()
    assert ours.get(their_report.get_absolute_url()).status_code == 404
    assert "Південному" not in ours.get(reverse("appeals:list")).content.decode()
    box = {"bbox": f"{LON - 0.01},{LAT - 0.01},{LON + 0.01},{LAT + 0.01}"}
    markers = ours.get(reverse("appeals:markers"), box).json()["markers"]
    assert [m[0] for m in markers] == [mine.pk]
    theirs_client = client_for(host=PIVDENNE)
    assert theirs_client.get(mine.get_absolute_url()).status_code == 404
    assert theirs_client.get(their_report.get_absolute_url()).status_code == 200


def test_staff_of_one_community_cannot_handle_the_other(community, other_community, theirs):
    their_report, complaint = theirs
    moderator = make_staff(community, StaffRole.Role.MODERATOR)
    with pytest.raises(errors.ModeratorOnly):
        services.accept_appeal(appeal=their_report, moderator=moderator)
    with pytest.raises(errors.AppealNotFound):
        selectors.appeal_for_staff(staff=moderator, community=community, pk=their_report.pk)
    with pytest.raises(errors.AppealNotFound):
        selectors.appeal_for_staff(staff=moderator, community=other_community, pk=complaint.pk)
    client = client_for(moderator)
    assert client.get(reverse("appeals:staff_detail", args=[their_report.pk])).status_code == 404
    response = client.post(
        reverse("appeals:staff_action", args=[their_report.pk, "reject"]),
        {"reject-reason": "Чуже."},
    )
    assert response.status_code == 404
    their_report.refresh_from_db()
    assert their_report.status == Appeal.Status.NEW
    # On the other community's host our moderator is nobody.
    assert (
        client_for(moderator, host=PIVDENNE).get(reverse("appeals:staff_queue")).status_code == 404
    )


def test_residents_cannot_support_or_reopen_across_communities(community, categories, theirs):
    their_report, _complaint = theirs
    ours = make_resident(community, level=Identity.EMAIL)
    response = client_for(ours).post(reverse("appeals:support", args=[their_report.pk]))
    assert response.status_code == 404
    their_report.refresh_from_db()
    assert their_report.supporters_count == 0


def test_open311_and_open_data_stay_within_the_community(community, categories, resident, theirs):
    mine = report(community, categories, resident)
    data = client_for().get("/open311/v2/requests.json").json()
    assert [item["service_request_id"] for item in data] == [mine.pk]
    rows = client_for().get(reverse("appeals:open_data"), {"format": "json"}).json()
    assert [row["registration_number"] for row in rows] == [mine.number]
    stats = client_for().get(reverse("appeals:statistics")).content.decode()
    assert "Відділ житлово-комунального господарства" not in stats


def test_api_reads_only_the_hosts_community(community, categories, theirs):
    their_report, _complaint = theirs
    assert client_for().get(f"/api/v1/appeals/reports/{their_report.pk}").status_code == 404
    assert client_for().get("/api/v1/appeals/reports").json()["count"] == 0


def test_merging_across_communities_is_refused(community, categories, resident, moderator, theirs):
    mine = report(community, categories, resident)
    with pytest.raises(errors.MergeInvalid):
        services.merge_appeal(appeal=mine, moderator=moderator, into=theirs[0])
