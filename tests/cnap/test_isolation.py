"""Another community's service centre is invisible: pages, API, console, board."""

import pytest
from django.urls import reverse

from hromada.cnap import services
from hromada.cnap.models import Desk
from tests.cnap.conftest import make_office, make_service
from tests.factories import client_for, make_staff

pytestmark = pytest.mark.django_db

PIVDENNE = "pivdenne.localhost"


@pytest.fixture
def theirs(other_community):
    office = make_office(other_community, name="ЦНАП Південного")
    service = make_service(other_community, "Реєстрація місця проживання у Південному", "P-1")
    desk = Desk.objects.create(office=office, number=1)
    desk.services.add(service)
    return office, service, desk


def test_pages_of_another_community_are_404(office, passport, theirs):
    their_office, their_service, _desk = theirs
    client = client_for()
    for url in [
        reverse("cnap:service", args=[their_service.pk]),
        reverse("cnap:office", args=[their_office.pk]),
        reverse("cnap:kiosk", args=[their_office.pk]),
        reverse("cnap:board", args=[their_office.pk]),
        reverse("cnap:board_feed", args=[their_office.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    catalogue = client.get(reverse("cnap:catalogue")).text
    assert "у Південному" not in catalogue


def test_their_ticket_is_not_shown_here(community, theirs):
    their_office, their_service, _desk = theirs
    ticket = services.issue_ticket(office=their_office, service=their_service)
    assert client_for().get(ticket.get_absolute_url()).status_code == 404
    assert client_for(host=PIVDENNE).get(ticket.get_absolute_url()).status_code == 200
    api = client_for().get(f"/api/v1/cnap/tickets/{ticket.token}")
    assert api.status_code == 404


def test_kiosk_cannot_issue_their_service(office, desks, theirs):
    _their_office, their_service, _desk = theirs
    response = client_for().post(
        reverse("cnap:kiosk_issue", args=[office.pk]), {"service": their_service.pk}, follow=True
    )
    assert "Такої послуги немає" in response.text


def test_our_head_cannot_run_their_desk_or_office(community, theirs):
    their_office, _service, their_desk = theirs
    head = make_staff(community, "cnap_head")
    client = client_for(head)
    assert client.get(reverse("cnap:desk", args=[their_desk.pk])).status_code == 404
    assert not services.may_run_office(head, their_office)
    with pytest.raises(services.NotCnapStaff):
        services.pause_office(office=their_office, actor=head)


def test_api_catalogue_is_per_community(office, passport, theirs):
    ours = [item["code"] for item in client_for().get("/api/v1/cnap/services").json()]
    assert ours == ["00001"]
    theirs_ = client_for(host=PIVDENNE).get("/api/v1/cnap/services").json()
    assert [item["code"] for item in theirs_] == ["P-1"]
