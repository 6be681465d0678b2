"""The pages as residents, the kiosk, the board and operators use them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hromada.cnap import board, services
from hromada.cnap.models import Booking, Service, Ticket
from hromada.core.models import StaffRole
from tests.factories import client_for, make_community

pytestmark = pytest.mark.django_db


def test_catalogue_search_and_service_card(office, desks, passport, residence):
    client = client_for()
    found = client.get(reverse("cnap:catalogue"), {"q": "паспорта"}).text
    assert passport.name in found and residence.name not in found
    card = client.get(passport.get_absolute_url()).text
    assert "Що взяти з собою" in card
    assert "Довідка про реєстрацію місця проживання" in card
    assert "cnap/print.js" in card and "<script>" not in card


def test_ids_beyond_any_row_are_not_found(office, desks):
    """An id too large for the database is a 404, not an error of the database driver."""
    huge = "9" * 25
    client = client_for()
    assert client.get(f"/cnap/kiosk/{huge}/").status_code == 404
    assert client.post(f"/cnap/kiosk/{office.pk}/issue/", {"service": huge}).status_code < 500
    staff = client_for(desks[1].operator)
    assert staff.get(f"/cnap/console/desks/{huge}/").status_code == 404


def test_office_page_shows_hours_and_pause(office, head):
    services.pause_office(office=office, actor=head)
    page = client_for().get(office.get_absolute_url()).text
    assert "00:00–23:45" in page
    assert "повітряну тривогу" in page


def test_kiosk_issues_a_printable_ticket_with_a_qr_code(office, desks, passport):
    client = client_for()
    response = client.post(
        reverse("cnap:kiosk_issue", args=[office.pk]), {"service": passport.pk}, follow=True
    )
    ticket = Ticket.objects.get()
    assert response.redirect_chain[-1][0].endswith(f"/tickets/{ticket.token}/")
    assert 'src="data:image/svg+xml' in response.text and "А1" in response.text
    assert "ticket-print.css" in response.text


def test_kiosk_is_rate_limited(office, desks, passport, settings):
    settings.RATELIMIT_ENABLE = True
    client = client_for()
    url = reverse("cnap:kiosk_issue", args=[office.pk])
    codes = [client.post(url, {"service": passport.pk}).status_code for _ in range(32)]
    assert codes.count(429) == 2
    assert Ticket.objects.count() == 30


def test_kiosk_check_in_by_code(office, desks, residence, resident):
    slot = (timezone.localtime() + timedelta(minutes=5)).replace(second=0, microsecond=0)
    slot = slot.replace(minute=slot.minute // 15 * 15)
    booking = Booking.objects.create(
        community=office.community,
        office=office,
        service=residence,
        resident=resident,
        starts_at=slot,
        code="123456",
    )
    client = client_for()
    response = client.post(
        reverse("cnap:kiosk_check_in", args=[office.pk]), {"code": "123456"}, follow=True
    )
    assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CHECKED_IN
    wrong = client.post(
        reverse("cnap:kiosk_check_in", args=[office.pk]), {"code": "999999"}, follow=True
    )
    assert "немає сьогоднішнього запису" in wrong.text


def test_ticket_page_shows_place_and_polls(office, desks, passport):
    services.issue_ticket(office=office, service=passport)
    second = services.issue_ticket(office=office, service=passport)
    page = client_for().get(second.get_absolute_url()).text
    assert "Перед вами 1 відвідувач" in page
    assert 'hx-trigger="every 10s"' in page
    assert "Орієнтовне очікування" in page
    services.call_next(desk=desks[1], actor=desks[1].operator)
    services.finish(desk=desks[1], actor=desks[1].operator, outcome="served")
    services.call_next(desk=desks[1], actor=desks[1].operator)
    status = client_for().get(reverse("cnap:ticket_status", args=[second.token])).text
    assert "Підійдіть, будь ласка, до вікна 2" in status


def test_board_feed_is_304_without_queries_until_a_call(
    office, desks, passport, django_assert_num_queries
):
    client = client_for()
    url = reverse("cnap:board_feed", args=[office.pk])
    first = client.get(url)
    etag = first["ETag"]
    with django_assert_num_queries(0):
        again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    services.issue_ticket(office=office, service=passport)
    board.bump(office.pk)  # what the commit hook does
    services.call_next(desk=desks[1], actor=desks[1].operator)
    board.bump(office.pk)
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed.json()["recent"][0]["text"] == "Талон А один, вікно номер два"


def test_board_bumps_on_commit(office, desks, passport, django_capture_on_commit_callbacks):
    before = board.version(office.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_ticket(office=office, service=passport)
    assert board.version(office.pk) != before


def test_board_page_has_no_inline_script(office):
    page = client_for().get(reverse("cnap:board", args=[office.pk])).text
    assert "cnap/board.js" in page and "<script>" not in page
    assert "Увімкнути звук" in page


def test_voice_without_espeak_is_404(office):
    if board.voice_available():
        pytest.skip("espeak-ng is installed here")
    response = client_for().get(reverse("cnap:voice"), {"text": "Талон А один"})
    assert response.status_code == 404


def test_operator_console_calls_and_finishes(office, desks, passport):
    ticket = services.issue_ticket(office=office, service=passport)
    desk = desks[1]
    client = client_for(desk.operator)
    assert client.get(reverse("cnap:console")).status_code == 302  # one desk: straight to it
    page = client.get(reverse("cnap:desk", args=[desk.pk])).text
    assert 'data-key="n"' in page and "cnap/console.js" in page
    called = client.post(
        reverse("cnap:desk_action", args=[desk.pk, "next"]), HTTP_HX_REQUEST="true"
    )
    assert "А1" in called.text
    client.post(reverse("cnap:desk_action", args=[desk.pk, "start"]), HTTP_HX_REQUEST="true")
    done = client.post(
        reverse("cnap:desk_action", args=[desk.pk, "finish"]),
        {"outcome": "served"},
        HTTP_HX_REQUEST="true",
    )
    assert done.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.DONE and ticket.outcome == "served"


def test_console_panel_offers_the_transfer_and_the_buttons(office, desks, passport, community):
    from tests.cnap.conftest import make_service

    long_name = "Державна реєстрація речового права на нерухоме майно та його обтяження у спрощеному порядку"
    make_service(community, long_name, "00077")
    services.issue_ticket(office=office, service=passport)
    desk = desks[1]
    client = client_for(desk.operator)
    panel = client.post(
        reverse("cnap:desk_action", args=[desk.pk, "next"]), HTTP_HX_REQUEST="true"
    ).text
    start = reverse("cnap:desk_action", args=[desk.pk, "start"])
    assert f'action="{start}" hx-post="{start}"' in panel
    # The other desks by their translated label, not the desk itself.
    assert f'value="{desks[0].pk}">Вікно 1<' in panel
    assert f'value="{desks[2].pk}">Вікно 3<' in panel
    assert ">Вікно 2<" not in panel
    # Long service names are cut to 60 characters, short ones left whole.
    assert f">{passport.name}<" in panel
    assert f">{long_name[:59]}…<" in panel and long_name not in panel
    # Nothing in hand: the transfer form is not rendered.
    client.post(start, HTTP_HX_REQUEST="true")
    done = client.post(
        reverse("cnap:desk_action", args=[desk.pk, "finish"]),
        {"outcome": "served"},
        HTTP_HX_REQUEST="true",
    ).text
    assert "to_desk" not in done and 'data-key="n"' in done


def test_console_transfer_takes_only_this_communitys_service(
    office, desks, passport, residence, community
):
    services.issue_ticket(office=office, service=passport)
    desk = desks[0]  # both services
    client = client_for(desk.operator)

    def post(action, **data):
        url = reverse("cnap:desk_action", args=[desk.pk, action])
        return client.post(url, data, HTTP_HX_REQUEST="true").text

    post("next")
    other = make_community("pivdenne", name="Південнівська громада")
    theirs = Service.objects.create(community=other, name="Їхня послуга", code="00099")
    refused = post("transfer", to_service=theirs.pk)
    assert "message-error" in refused
    assert Ticket.objects.get().status == "called"
    moved = post("transfer", to_service=residence.pk)
    assert "message-error" not in moved and 'data-key="n"' in moved
    ticket = Ticket.objects.get()
    assert (ticket.status, ticket.service_id, ticket.desk_id) == ("waiting", residence.pk, None)
    event = ticket.events.get(action="transferred")
    assert (event.desk_id, event.service_id, event.actor_id) == (
        desk.pk,
        residence.pk,
        desk.operator.pk,
    )


def test_console_refuses_residents_and_other_operators(office, desks, resident):
    assert client_for(resident).get(reverse("cnap:console")).status_code == 403
    other = client_for(desks[0].operator)
    response = other.post(reverse("cnap:desk_action", args=[desks[1].pk, "next"]))
    assert response.status_code == 404


def test_desk_pages_take_the_roles_read_with_the_desk(office, desks, resident):
    desk = desks[0]
    panel = reverse("cnap:desk_panel", args=[desk.pk])
    # The desk exists; a resident is no ЦНАП staff, nor an operator whose role is gone.
    assert client_for(resident).get(panel).status_code == 403
    operator = desk.operator
    assert client_for(operator).get(panel).status_code == 200
    operator.staff_roles.all().delete()
    assert client_for(operator).get(panel).status_code == 403
    # A role in another community counts nothing here.
    other = make_community("pivdenne", name="Південнівська громада")
    StaffRole.objects.create(community=other, resident=operator, role=services.CNAP_OPERATOR)
    assert client_for(operator).get(panel).status_code == 403


def test_head_pauses_and_resumes_from_the_console(office, head):
    client = client_for(head)
    client.post(reverse("cnap:office_action", args=[office.pk, "pause"]))
    office.refresh_from_db()
    assert office.is_paused
    client.post(reverse("cnap:office_action", args=[office.pk, "resume"]))
    office.refresh_from_db()
    assert not office.is_paused


def test_booking_flow(office, desks, residence, resident):
    client = client_for(resident)
    day = (timezone.localdate() + timedelta(days=2)).isoformat()
    url = reverse("cnap:book", args=[residence.pk])
    page = client.get(url, {"office": office.pk, "day": day}).text
    assert 'name="slot"' in page
    slot = services.free_slots(
        office=office, service=residence, day=timezone.localdate() + timedelta(days=2)
    )[0][0]
    response = client.post(
        url + f"?office={office.pk}", {"office": office.pk, "slot": slot.isoformat()}, follow=True
    )
    assert "Записано. Ваш код реєстрації" in response.text
    booking = Booking.objects.get()
    ics = client.get(reverse("cnap:booking_ics", args=[booking.pk]))
    assert ics["Content-Type"].startswith("text/calendar") and b"BEGIN:VEVENT" in ics.content
    mine = client.get(reverse("cnap:mine")).text
    assert booking.code in mine


def test_booking_needs_a_log_in(residence):
    response = client_for().get(reverse("cnap:book", args=[residence.pk]))
    assert response.status_code == 302 and "/log-in/" in response["Location"]


def test_join_from_the_service_card(office, desks, residence, resident):
    client = client_for(resident)
    response = client.post(
        reverse("cnap:join", args=[residence.pk]), {"office": office.pk}, follow=True
    )
    ticket = Ticket.objects.get()
    assert ticket.kind == Ticket.Kind.REMOTE
    assert ticket.code in response.text


def test_console_panel_counts_the_checked_in_tickets_for_the_desk(
    office, desks, passport, residence
):
    from hromada.cnap import selectors

    for service in (passport, passport, residence):
        services.issue_ticket(office=office, service=service)
    desk = desks[1]  # passports only
    assert selectors.waiting_at_desk(desks[0]) == 3
    assert selectors.waiting_at_desk(desk) == 2
    assert selectors.waiting_at_desk(desks[2]) == 1
    Ticket.objects.filter(service=passport).update(checked_in_at=None)
    assert selectors.waiting_at_desk(desk) == 0
    Ticket.objects.filter(service=passport).update(checked_in_at=timezone.now())
    panel = client_for(desk.operator).post(
        reverse("cnap:desk_action", args=[desk.pk, "next"]), HTTP_HX_REQUEST="true"
    )
    assert '<strong class="cnap-big">1</strong>' in panel.text
    assert selectors.waiting_at_desk(desks[0]) == 2
