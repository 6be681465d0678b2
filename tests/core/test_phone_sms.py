"""A phone for SMS notifications: confirmed by a texted code, chosen and given up in the profile."""

from __future__ import annotations

import contextlib
import json
import logging
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from hromada.core import notifications, phone, services, sms
from hromada.core.errors import RateLimited
from hromada.core.models import (
    PHONE_CODE_TRIES,
    AuditEntry,
    Identity,
    Notification,
    PhoneConfirmation,
    Resident,
)
from tests.factories import client_for, make_resident

pytestmark = pytest.mark.django_db

PHONE = "+380501234567"
WRITTEN = "050 123 45 67"


@pytest.fixture(autouse=True)
def _empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def resident(community):
    return make_resident(community, level=Identity.EMAIL)


def texted_code() -> str:
    return re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)


def fresh(resident) -> Resident:
    return Resident.objects.get(pk=resident.pk)


def confirmed(resident, written=WRITTEN) -> Resident:
    phone.request_code(resident=resident, phone=written, address="198.51.100.7")
    return phone.confirm_code(resident=resident, code=texted_code(), address="198.51.100.7")


def test_the_code_is_texted_and_only_its_hash_kept(resident):
    row = phone.request_code(resident=resident, phone=WRITTEN, address="198.51.100.7")
    (message,) = sms.outbox
    assert message.phone == PHONE  # normalised
    code = texted_code()
    stored = PhoneConfirmation.objects.get(pk=row.pk)
    assert stored.phone == PHONE and code not in stored.code_hash and len(stored.code_hash) == 64
    # Nothing changes on the account before the code comes back.
    assert fresh(resident).phone_confirmed_at is None


def test_the_code_goes_through_the_file_backend(resident, settings, tmp_path):
    settings.SMS_URL = f"file://{tmp_path}"
    phone.request_code(resident=resident, phone=WRITTEN)
    (path,) = tmp_path.glob("*.json")
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["phone"] == PHONE and re.search(r"\b\d{6}\b", record["text"])


def test_the_right_code_confirms_the_phone(resident):
    resident = confirmed(resident)
    stored = fresh(resident)
    assert stored.phone == PHONE and stored.phone_confirmed_at is not None
    assert stored.notify_by_sms is False  # chosen separately
    assert not PhoneConfirmation.objects.filter(resident=resident).exists()
    actions = set(
        AuditEntry.objects.filter(target_id=str(resident.pk)).values_list("action", flat=True)
    )
    assert {"resident.phone_code_sent", "resident.phone_confirmed"} <= actions
    # The same code twice finds nothing waiting.
    with pytest.raises(phone.PhoneCodeMissing):
        phone.confirm_code(resident=resident, code="000000")


def test_a_wrong_code_counts_a_try_and_enough_of_them_block_it(resident):
    phone.request_code(resident=resident, phone=WRITTEN)
    right = texted_code()
    wrong = "000000" if right != "000000" else "111111"
    for left in range(PHONE_CODE_TRIES - 1, 0, -1):
        with pytest.raises(phone.PhoneCodeWrong) as caught:
            phone.confirm_code(resident=resident, code=wrong)
        assert caught.value.params == {"left": left}
    with pytest.raises(phone.PhoneCodeLocked):
        phone.confirm_code(resident=resident, code=wrong)
    assert PhoneConfirmation.objects.get(resident=resident).attempts == PHONE_CODE_TRIES
    # Blocked: even the right code does nothing now.
    with pytest.raises(phone.PhoneCodeLocked):
        phone.confirm_code(resident=resident, code=right)
    assert fresh(resident).phone_confirmed_at is None


def test_an_expired_code_is_refused(resident):
    now = timezone.now()
    phone.request_code(resident=resident, phone=WRITTEN, now=now)
    with pytest.raises(phone.PhoneCodeExpired):
        phone.confirm_code(resident=resident, code=texted_code(), now=now + timedelta(minutes=11))
    assert fresh(resident).phone_confirmed_at is None


def test_a_new_code_replaces_the_earlier_one(resident):
    phone.request_code(resident=resident, phone=WRITTEN)
    first = texted_code()
    phone.request_code(resident=resident, phone="067 765 43 21")
    second = texted_code()
    assert PhoneConfirmation.objects.filter(resident=resident).count() == 1
    if first != second:
        with pytest.raises(phone.PhoneCodeWrong):
            phone.confirm_code(resident=resident, code=first)
    assert phone.confirm_code(resident=resident, code=second).phone == "+380677654321"


def test_expired_codes_are_forgotten_by_the_hourly_job(resident):
    from hromada.core.management.commands.scheduler import CORE_SCHEDULES

    now = timezone.now()
    phone.request_code(resident=resident, phone=WRITTEN, now=now)
    assert phone.forget_expired_codes(now=now + timedelta(minutes=5)) == 0
    assert phone.forget_expired_codes(now=now + timedelta(minutes=11)) == 1
    assert not PhoneConfirmation.objects.exists()
    assert "hromada.core.tasks.forget_phone_codes" in [job.task for job in CORE_SCHEDULES]


def test_an_invalid_number_is_refused_unsent(resident):
    with pytest.raises(sms.InvalidPhone):
        phone.request_code(resident=resident, phone="+48 123 456 789")
    assert sms.outbox == [] and not PhoneConfirmation.objects.exists()


def test_codes_are_rate_limited_per_account_and_per_address(community, resident):
    for _ in range(3):
        phone.request_code(resident=resident, phone=WRITTEN, address="198.51.100.7")
    with pytest.raises(phone.TooManyPhoneCodes):
        phone.request_code(resident=resident, phone=WRITTEN, address="203.0.113.9")
    assert len(sms.outbox) == 3
    # One address, many accounts: ten codes an hour.
    for _ in range(10):
        phone.request_code(
            resident=make_resident(community, level=Identity.EMAIL),
            phone=WRITTEN,
            address="192.0.2.1",
        )
    with pytest.raises(phone.TooManyPhoneCodes):
        phone.request_code(
            resident=make_resident(community, level=Identity.EMAIL),
            phone=WRITTEN,
            address="192.0.2.1",
        )


def test_tries_are_rate_limited_per_address(resident):
    phone.request_code(resident=resident, phone=WRITTEN)
    with pytest.raises(RateLimited):
        for _ in range(31):
            with contextlib.suppress(phone.PhoneCodeWrong, phone.PhoneCodeLocked):
                phone.confirm_code(resident=resident, code="abcdef", address="198.51.100.7")


def test_sms_cannot_be_chosen_without_a_confirmed_phone(resident):
    resident.phone = PHONE
    resident.save(update_fields=["phone"])
    with pytest.raises(phone.PhoneNotConfirmed):
        phone.set_sms_notifications(resident=resident, enabled=True)
    assert fresh(resident).notify_by_sms is False
    # Off is always allowed (and changes nothing here).
    phone.set_sms_notifications(resident=resident, enabled=False)


def test_changing_the_phone_in_the_profile_clears_the_confirmation(resident):
    resident = confirmed(resident)
    phone.set_sms_notifications(resident=resident, enabled=True)
    # Saving the profile with the same phone keeps everything.
    services.update_profile(
        resident=resident, full_name=resident.full_name or "Олена", birth_date=None, phone=PHONE
    )
    assert fresh(resident).notify_by_sms is True
    services.update_profile(
        resident=resident, full_name=resident.full_name, birth_date=None, phone="067 765 43 21"
    )
    stored = fresh(resident)
    assert stored.phone_confirmed_at is None and stored.notify_by_sms is False
    assert notifications.channels_for(stored) == ["email"]


def test_confirming_another_phone_turns_sms_off_until_chosen_again(resident):
    resident = confirmed(resident)
    phone.set_sms_notifications(resident=resident, enabled=True)
    resident = confirmed(fresh(resident), written="067 765 43 21")
    stored = fresh(resident)
    assert stored.phone == "+380677654321" and stored.phone_confirmed_at is not None
    assert stored.notify_by_sms is False


def test_removing_the_phone_forgets_everything(resident):
    resident = confirmed(resident)
    phone.set_sms_notifications(resident=resident, enabled=True)
    phone.remove_phone(resident=fresh(resident))
    stored = fresh(resident)
    assert (stored.phone, stored.phone_confirmed_at, stored.notify_by_sms) == ("", None, False)


def test_notify_queues_an_sms_once_chosen_and_stops_after_opting_out(
    resident, community, django_capture_on_commit_callbacks
):
    resident = confirmed(resident)
    sms.outbox.clear()

    def send():
        with django_capture_on_commit_callbacks(execute=True):
            return notifications.notify(
                fresh(resident), "core/confirm_email", community=community, link="x"
            )

    assert [n.channel for n in send()] == ["email"]
    phone.set_sms_notifications(resident=fresh(resident), enabled=True)
    sent = send()
    assert [n.channel for n in sent] == ["email", "sms"]
    assert [message.phone for message in sms.outbox] == [PHONE]
    assert Notification.objects.get(pk=sent[-1].pk).status == Notification.Status.SENT
    sms.outbox.clear()
    phone.set_sms_notifications(resident=fresh(resident), enabled=False)
    assert [n.channel for n in send()] == ["email"]
    assert sms.outbox == []


# The ЦНАП booking reminder by SMS: tests/cnap/test_notify.py
# (test_a_reminder_goes_by_sms_to_a_confirmed_phone_until_opted_out).


def test_the_download_holds_the_phone_and_the_choice(resident):
    resident = confirmed(resident)
    phone.set_sms_notifications(resident=fresh(resident), enabled=True)
    account = services.export_personal_data(resident=fresh(resident))["account"]
    assert account["phone"] == PHONE and account["notify_by_sms"] is True
    assert account["phone_confirmed_at"] is not None


def test_logs_and_audit_never_name_the_number(resident, caplog):
    with caplog.at_level(logging.DEBUG):
        resident = confirmed(resident)
        phone.set_sms_notifications(resident=fresh(resident), enabled=True)
    assert "501234567" not in caplog.text and "123 45 67" not in caplog.text
    for entry in AuditEntry.objects.filter(target_id=str(resident.pk)):
        assert "501234567" not in json.dumps([entry.before, entry.after], default=str)


# ---------------------------------------------------------------- the profile page


def test_the_profile_confirms_the_phone_and_chooses_sms(resident):
    browser = client_for(resident)
    page = browser.get("/accounts/profile/").content.decode()
    assert "/accounts/profile/phone/" in page
    assert re.search(r'<input[^>]*name="notify_by_sms"[^>]*disabled', page)
    # Chosen before confirming: refused.
    browser.post("/accounts/profile/sms/", {"notify_by_sms": "on"})
    assert fresh(resident).notify_by_sms is False

    assert browser.post("/accounts/profile/phone/", {"phone": WRITTEN}).status_code == 302
    page = browser.get("/accounts/profile/").content.decode()
    assert "/accounts/profile/phone/confirm/" in page
    wrong = browser.post("/accounts/profile/phone/confirm/", {"code": "00000x"})
    assert wrong.status_code == 400
    assert (
        browser.post("/accounts/profile/phone/confirm/", {"code": texted_code()}).status_code == 302
    )
    page = browser.get("/accounts/profile/").content.decode()
    assert not re.search(r'<input[^>]*name="notify_by_sms"[^>]*disabled', page)

    browser.post("/accounts/profile/sms/", {"notify_by_sms": "on"})
    assert fresh(resident).notify_by_sms is True
    browser.post("/accounts/profile/sms/", {})
    assert fresh(resident).notify_by_sms is False


def test_an_invalid_number_is_shown_on_the_form(resident):
    answer = client_for(resident).post("/accounts/profile/phone/", {"phone": "12345"})
    assert answer.status_code == 400
    assert "050 123 45 67" in answer.content.decode()
    assert sms.outbox == []
