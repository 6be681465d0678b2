"""The API at /api/v1/cnap/: catalogue, slots, bookings, the queue, tickets, the board."""

import pytest
from django.test import Client
from django.utils import timezone

from hromada.cnap import services
from hromada.cnap.models import Booking
from hromada.core.services import issue_api_token
from tests.cnap.conftest import at
from tests.factories import client_for, make_resident

pytestmark = pytest.mark.django_db

BASE = "/api/v1/cnap"
JSON = "application/json"


def token_client(resident) -> Client:
    _token, key = issue_api_token(resident=resident, name="test")
    return Client(HTTP_HOST="testserver", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_catalogue_and_offices(office, desks, passport, residence):
    services_ = client_for().get(f"{BASE}/services", {"q": "паспорта"}).json()
    assert [item["code"] for item in services_] == ["00001"]
    assert services_[0]["documents"][0] == "Свідоцтво про народження"
    offices = client_for().get(f"{BASE}/offices").json()
    assert offices[0]["name"] == "ЦНАП" and len(offices[0]["hours"]) == 7


def test_free_slots_then_book_and_cancel(office, desks, residence, resident):
    day = at(1, 0).date().isoformat()
    query = {"service_id": residence.pk, "office_id": office.pk, "day": day}
    slots = client_for().get(f"{BASE}/slots", query).json()
    assert slots and all(slot["free"] == 1 for slot in slots)
    client = token_client(resident)
    payload = {
        "service_id": residence.pk,
        "office_id": office.pk,
        "starts_at": slots[5]["starts_at"],
    }
    created = client.post(f"{BASE}/bookings", payload, content_type=JSON)
    assert created.status_code == 201, created.json()
    again = token_client(make_resident(office.community, level=1)).post(
        f"{BASE}/bookings", payload, content_type=JSON
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "cnap_slot_taken"
    mine = client.get(f"{BASE}/bookings").json()
    assert [item["code"] for item in mine] == [created.json()["code"]]
    cancelled = client.post(f"{BASE}/bookings/{created.json()['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"


def test_booking_errors_keep_the_error_shape(office, desks, residence, resident):
    client = token_client(resident)
    past = {"service_id": residence.pk, "office_id": office.pk, "starts_at": "2020-01-01T10:00:00Z"}
    response = client.post(f"{BASE}/bookings", past, content_type=JSON)
    assert response.status_code == 409 and response.json()["error"]["code"] == "cnap_slot_in_past"
    huge = {**past, "service_id": 10**30}
    assert client.post(f"{BASE}/bookings", huge, content_type=JSON).status_code == 422
    anonymous = client_for().post(f"{BASE}/bookings", past, content_type=JSON)
    assert anonymous.status_code == 401
    assert not Booking.objects.exists()


def test_join_queue_and_ticket_status(office, desks, residence, resident):
    client = token_client(resident)
    payload = {"service_id": residence.pk, "office_id": office.pk}
    joined = client.post(f"{BASE}/queue", payload, content_type=JSON)
    assert joined.status_code == 201
    body = joined.json()
    assert body["status"] == "waiting" and len(body["check_in_code"]) == 6
    services.check_in(office=office, code=body["check_in_code"])
    status = client_for().get(f"{BASE}/tickets/{body['token']}").json()
    assert status["check_in_code"] == "" and status["ahead"] == 0
    assert status["wait_typical_min"] is not None


def test_forged_ticket_is_not_found(office):
    response = client_for().get(f"{BASE}/tickets/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "cnap_ticket_not_found"


def test_board_feed(office, desks, passport):
    services.issue_ticket(office=office, service=passport)
    services.call_next(desk=desks[1], actor=desks[1].operator, now=timezone.now())
    feed = client_for().get(f"{BASE}/offices/{office.pk}/board").json()
    assert feed["current"][0]["text"] == "Талон А один, вікно номер два"
