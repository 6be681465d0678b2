"""Joining today's queue without an account: a one-time code texted to the phone."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from hromada.cnap import services
from hromada.cnap.models import PHONE_CODE_TRIES, PhoneCode, QueueEvent, Ticket
from hromada.core import sms
from tests.cnap.conftest import at
from tests.factories import client_for
from tests.support.sms_gateway import SmsGateway

pytestmark = pytest.mark.django_db

NOW = at(0, 10)
PHONE = "050 123 45 67"
BASE = "/api/v1/cnap"
JSON = "application/json"


@pytest.fixture(autouse=True)
def _empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def texted_code() -> str:
    return re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)


def ask(office, service, phone=PHONE, address="198.51.100.7", now=NOW):
    return services.request_phone_code(
        office=office, service=service, phone=phone, address=address, now=now
    )


def test_the_right_code_gives_a_place_and_the_phone_is_kept(office, desks, residence):
    challenge = ask(office, residence)
    assert sms.outbox[-1].phone == "+380501234567"
    code = texted_code()
    stored = PhoneCode.objects.get(pk=challenge.pk)
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    ticket = services.confirm_phone_code(
        community=office.community, token=challenge.token, code=code, now=NOW
    )
    assert ticket.kind == Ticket.Kind.REMOTE and ticket.phone == "+380501234567"
    assert ticket.resident is None and len(ticket.code) == 6 and ticket.check_in_by
    assert QueueEvent.objects.filter(ticket=ticket, action=QueueEvent.Action.JOINED).exists()
    # The same code twice gives nothing more.
    with pytest.raises(services.PhoneCodeExpired):
        services.confirm_phone_code(
            community=office.community, token=challenge.token, code=code, now=NOW
        )
    assert Ticket.objects.count() == 1
    # The place checks in at the kiosk like any remote join.
    assert services.check_in(office=office, code=ticket.code, now=NOW).pk == ticket.pk


def test_a_guessed_code_changes_nothing_and_locks_out(office, desks, residence):
    challenge = ask(office, residence)
    right = texted_code()
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for tried in range(1, PHONE_CODE_TRIES):
        with pytest.raises(services.PhoneCodeWrong) as caught:
            services.confirm_phone_code(
                community=office.community, token=challenge.token, code=wrong, now=NOW
            )
        assert f"{PHONE_CODE_TRIES - tried}" in str(caught.value)
        assert PhoneCode.objects.get(pk=challenge.pk).attempts == tried
    with pytest.raises(services.PhoneCodeLocked):
        services.confirm_phone_code(
            community=office.community, token=challenge.token, code=wrong, now=NOW
        )
    # Locked: even the right code is refused now.
    with pytest.raises(services.PhoneCodeLocked):
        services.confirm_phone_code(
            community=office.community, token=challenge.token, code=right, now=NOW
        )
    assert not Ticket.objects.exists()


def test_an_expired_code_is_refused(office, desks, residence):
    challenge = ask(office, residence)
    with pytest.raises(services.PhoneCodeExpired):
        services.confirm_phone_code(
            community=office.community,
            token=challenge.token,
            code=texted_code(),
            now=NOW + timedelta(minutes=6),
        )
    assert not Ticket.objects.exists()


def test_codes_are_rate_limited_per_phone_and_per_address(office, desks, residence):
    for _ in range(3):
        ask(office, residence)
    with pytest.raises(services.TooManyCodes):
        ask(office, residence)
    assert PhoneCode.objects.count() == 3 and len(sms.outbox) == 3
    # Other phones from one address: ten an hour in all (the refused one counted).
    for n in range(6):
        ask(office, residence, phone=f"067 000 00 {10 + n}")
    with pytest.raises(services.TooManyCodes):
        ask(office, residence, phone="067 000 00 99")
    # Another address with a fresh phone is not held back.
    ask(office, residence, phone="067 000 00 98", address="203.0.113.9")


def test_bad_phone_another_communitys_code_and_a_phone_already_in_line(
    office, desks, residence, other_community
):
    with pytest.raises(sms.InvalidPhone):
        ask(office, residence, phone="+1 202 555 0100")
    with pytest.raises(sms.InvalidPhone):
        ask(office, residence, phone="050\x00123" + "4" * 5000)
    assert not sms.outbox
    challenge = ask(office, residence)
    with pytest.raises(services.PhoneCodeNotFound):
        services.confirm_phone_code(
            community=other_community, token=challenge.token, code=texted_code(), now=NOW
        )
    services.confirm_phone_code(
        community=office.community, token=challenge.token, code=texted_code(), now=NOW
    )
    with pytest.raises(services.AlreadyInQueue):
        ask(office, residence, phone="+380501234567")


def test_a_paused_office_sends_no_code(office, desks, residence, head):
    services.pause_office(office=office, actor=head, now=NOW)
    with pytest.raises(services.OfficePaused):
        ask(office, residence)
    assert not sms.outbox and not PhoneCode.objects.exists()


def test_the_code_goes_through_the_turbosms_gateway(settings, office, desks, residence):
    with SmsGateway() as gateway:
        settings.SMS_URL = gateway.url()
        challenge = ask(office, residence)
        assert gateway.messages[-1]["phone"].endswith("501234567")
        code = re.search(r"\b(\d{6})\b", gateway.messages[-1]["text"]).group(1)
        ticket = services.confirm_phone_code(
            community=office.community, token=challenge.token, code=code, now=NOW
        )
        assert ticket.phone == "+380501234567"
        # A gateway that refuses: a clear error, and no code kept to guess at.
        gateway.fail_next(503)
        with pytest.raises(services.SmsNotSent):
            ask(office, residence, phone="067 111 22 33")
        assert PhoneCode.objects.count() == 1


def test_the_pages_ask_for_and_confirm_a_code(office, desks, residence):
    client = client_for()
    page = client.get(f"/cnap/services/{residence.pk}/join-by-phone/")
    assert page.status_code == 200 and 'name="phone"' in page.content.decode()
    bad = client.post(
        f"/cnap/services/{residence.pk}/join-by-phone/", {"office": office.pk, "phone": "12"}
    )
    assert bad.status_code == 400 and "050 123 45 67" in bad.content.decode()
    sent = client.post(
        f"/cnap/services/{residence.pk}/join-by-phone/", {"office": office.pk, "phone": PHONE}
    )
    assert sent.status_code == 302
    confirm_url = sent["Location"]
    wrong = client.post(confirm_url, {"code": "abc"})
    assert wrong.status_code == 409 and not Ticket.objects.exists()
    assert "Код неправильний" in wrong.content.decode() or "wrong" in wrong.content.decode()
    joined = client.post(confirm_url, {"code": texted_code()})
    ticket = Ticket.objects.get()
    assert joined.status_code == 302 and joined["Location"] == ticket.get_absolute_url()
    assert client.get(confirm_url).status_code == 404


def test_the_api_asks_for_and_confirms_a_code(office, desks, residence):
    client = client_for()
    payload = {"service_id": residence.pk, "office_id": office.pk, "phone": PHONE}
    sent = client.post(f"{BASE}/queue/phone-code", payload, content_type=JSON)
    assert sent.status_code == 201
    token = sent.json()["token"]
    wrong = client.post(
        f"{BASE}/queue/phone-confirm", {"token": token, "code": "000000x"}, content_type=JSON
    )
    assert wrong.status_code == 409
    assert wrong.json()["error"]["code"] == "cnap_phone_code_wrong"
    joined = client.post(
        f"{BASE}/queue/phone-confirm", {"token": token, "code": texted_code()}, content_type=JSON
    )
    assert joined.status_code == 201 and joined.json()["status"] == "waiting"
    forged = client.post(
        f"{BASE}/queue/phone-confirm",
        {"token": "00000000-0000-0000-0000-000000000000", "code": "123456"},
        content_type=JSON,
    )
    assert forged.status_code == 404


def test_a_days_phones_and_old_codes_are_erased(office, desks, residence):
    challenge = ask(office, residence)
    services.confirm_phone_code(
        community=office.community, token=challenge.token, code=texted_code(), now=NOW
    )
    services.expire_overdue(now=NOW + timedelta(days=2))
    assert Ticket.objects.get().phone == "" and not PhoneCode.objects.exists()
    assert timezone.now()  # the clock is untouched
