"""SMS: numbers in E.164, parts counted, backends, the TurboSMS API and the notification channel."""

import json
import logging
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from hromada.core import notifications, sms
from hromada.core.models import Notification
from tests.factories import make_resident
from tests.support.sms_gateway import SmsGateway

PHONE = "+380501234567"


@pytest.fixture(autouse=True)
def _empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def gateway(settings):
    with SmsGateway() as gateway:
        settings.SMS_URL = gateway.url()
        yield gateway


@pytest.fixture
def sms_resident(community):
    """A resident who chose SMS and confirmed the phone."""
    resident = make_resident(community)
    resident.phone = "050 123 45 67"
    resident.save(update_fields=["phone"])
    # The account does not keep this choice yet (see sms.wants_sms): it is
    # set on the instance that notify() is given.
    resident.notify_by_sms = True
    resident.phone_confirmed_at = timezone.now()
    return resident


def notify(resident, community):
    (*_, notification) = notifications.notify(
        resident, "core/confirm_email", community=community, link="x"
    )
    return notification


@pytest.mark.parametrize(
    "written",
    [
        "0501234567",
        "050 123 45 67",
        "050-123-45-67",
        "(050) 123 45 67",
        "+380501234567",
        "+38 (050) 123-45-67",
        "+38 050 123 45 67",
        "380501234567",
        "38 050 123 4567",
        "8 050 123 45 67",
        " +380 50 123 45 67 ",
    ],
)
def test_ways_of_writing_a_number_give_one_e164(written):
    assert sms.normalise_phone(written) == PHONE


@pytest.mark.parametrize(
    "written",
    [
        "",
        "050 123 45 6",  # a digit short
        "050 123 45 678",  # a digit too many
        "+48 501 234 567",  # Poland
        "+1 650 253 0000",
        "501234567",  # no trunk prefix: cannot tell it is Ukrainian
        "+380 050 123 45 67",  # the trunk 0 kept after +380
        "0001234567",
        "050 123 45 6x",
        "+380501234567; 0671234567",
        "٠٥٠١٢٣٤٥٦٧",  # Arabic-Indic digits
    ],
)
def test_numbers_that_are_not_ukrainian_are_refused(written):
    with pytest.raises(sms.InvalidPhone):
        sms.normalise_phone(written)


def test_the_refusal_is_translated():
    with translation.override("uk"), pytest.raises(sms.InvalidPhone) as refused:
        sms.normalise_phone("12345")
    assert str(refused.value) == "Введіть український номер телефону, наприклад 050 123 45 67."
    assert refused.value.code == "invalid_phone"


def test_masking_keeps_the_country_and_the_last_three_digits():
    assert sms.mask_phone(PHONE) == "+380******567"


@pytest.mark.parametrize(
    "text, parts",
    [
        ("", 0),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # an extension character takes two places
        ("€" * 81, 2),
        ("ї" * 70, 1),
        ("ї" * 71, 2),
        ("Привіт" + "a" * 64, 1),  # one Cyrillic letter makes all of it UCS-2
        ("Привіт" + "a" * 65, 2),
        ("ї" * 134, 2),
        ("ї" * 135, 3),
        ("ї" * 402, 6),
        ("🙂" * 35, 1),  # two UTF-16 units each
        ("🙂" * 36, 2),
    ],
)
def test_segments(text, parts):
    assert sms.segments(text) == parts


def test_a_text_longer_than_six_parts_is_refused_unsent():
    with translation.override("uk"), pytest.raises(sms.SmsTooLong) as refused:
        sms.send_sms(phone=PHONE, text="ї" * 403)
    assert str(refused.value) == "Текстове повідомлення задовге: частин — 7, можна щонайбільше 6."
    with pytest.raises(sms.EmptySms):
        sms.send_sms(phone=PHONE, text="  ")
    assert sms.outbox == []


def test_tests_collect_messages_in_the_outbox():
    message_id = sms.send_sms(phone="050 123 45 67", text="Привіт", reference="test.1")
    assert sms.outbox == [sms.Sms(phone=PHONE, text="Привіт", reference="test.1")]
    assert message_id


def test_the_file_backend_writes_a_file(settings, tmp_path):
    settings.SMS_URL = f"file://{tmp_path / 'sms'}"
    message_id = sms.send_sms(phone="0501234567", text="Ваш візит заплановано", reference="t")

    (written,) = (tmp_path / "sms").iterdir()
    record = json.loads(written.read_text(encoding="utf-8"))
    assert record == {
        "id": message_id,
        "phone": PHONE,
        "text": "Ваш візит заплановано",
        "reference": "t",
        "segments": 1,
    }


def test_without_sms_url_files_go_to_var_sms(settings, tmp_path):
    settings.SMS_URL = ""
    settings.VAR_DIR = tmp_path
    sms.send_sms(phone=PHONE, text="text")
    assert len(list((tmp_path / "sms").glob("*.json"))) == 1


def test_the_console_backend_prints(settings, capsys):
    settings.SMS_URL = "console://"
    sms.send_sms(phone=PHONE, text="Привіт")
    assert "Привіт" in capsys.readouterr().out


def test_turbosms_gets_the_message_with_the_token(gateway):
    message_id = sms.send_sms(phone="+38 (050) 123-45-67", text="Привіт, громадо!")

    (request,) = gateway.requests
    assert request["headers"]["authorization"] == "Bearer gateway-token"
    assert json.loads(request["body"]) == {
        "recipients": ["380501234567"],
        "sms": {"sender": "Hromada", "text": "Привіт, громадо!"},
    }
    (taken,) = gateway.messages
    assert message_id == taken["message_id"]


def test_a_wrong_token_is_a_permanent_refusal(gateway, settings):
    settings.SMS_URL = gateway.url(token="stale-token")
    with pytest.raises(sms.GatewayRefused) as refused:
        sms.send_sms(phone=PHONE, text="x")
    assert refused.value.temporary is False
    assert str(refused.value) == "105 REQUIRED_AUTH"
    assert gateway.messages == []


@pytest.mark.parametrize(
    "code, http_status, error",
    [
        (503, 200, sms.GatewayUnavailable),  # FAILED_SMS_SEND
        (203, 200, sms.GatewayUnavailable),  # REQUIRED_BALANCE
        (0, 502, sms.GatewayUnavailable),  # a proxy in front of it is down
        (200, 200, sms.GatewayRefused),  # REQUIRED_MESSAGE_SENDER
        (305, 200, sms.GatewayRefused),  # INVALID_PHONE
    ],
)
def test_gateway_errors_are_temporary_or_permanent(gateway, code, http_status, error):
    gateway.fail_next(code, http_status=http_status)
    with pytest.raises(error) as failed:
        sms.send_sms(phone=PHONE, text="x")
    assert failed.value.temporary is (error is sms.GatewayUnavailable)


def test_a_gateway_out_of_reach_is_temporary(settings):
    with SmsGateway() as gone:
        settings.SMS_URL = gone.url()
    with pytest.raises(sms.GatewayUnavailable):
        sms.send_sms(phone=PHONE, text="x")


def test_a_stoplisted_number_is_refused(gateway):
    gateway.stoplist.add("380501234567")
    with pytest.raises(sms.GatewayRefused) as refused:
        sms.send_sms(phone=PHONE, text="x")
    assert str(refused.value) == "404 NOT_ALLOWED_NUMBER_STOPLIST"


# ---------------------------------------------------------------- the channel


@pytest.mark.django_db
def test_a_resident_who_chose_sms_gets_one(
    sms_resident, community, django_capture_on_commit_callbacks
):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        notification = notify(sms_resident, community)

    notification.refresh_from_db()
    assert notification.channel == "sms"
    assert notification.status == Notification.Status.SENT
    (message,) = sms.outbox
    assert message.phone == PHONE
    assert message.text == "Підтвердьте адресу електронної пошти"  # the resident's language
    assert message.reference == f"notification.{notification.pk}"


@pytest.mark.django_db
def test_without_the_choice_or_a_confirmed_phone_no_sms(sms_resident, community):
    assert notifications.channels_for(sms_resident) == ["email", "sms"]
    sms_resident.phone_confirmed_at = None
    assert notifications.channels_for(sms_resident) == ["email"]
    sms_resident.phone_confirmed_at = timezone.now()
    sms_resident.notify_by_sms = False
    assert notifications.channels_for(sms_resident) == ["email"]
    plain = make_resident(community)
    plain.phone = PHONE
    assert notifications.channels_for(plain) == ["email"]


def backdate(notification, by=timedelta(minutes=5)):
    Notification.objects.filter(pk=notification.pk).update(created_at=notification.created_at - by)


@pytest.mark.django_db
def test_a_temporary_gateway_error_is_retried(
    gateway, sms_resident, community, django_capture_on_commit_callbacks
):
    gateway.fail_next(503)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(sms_resident, community)

    notification.refresh_from_db()
    assert notification.status == Notification.Status.QUEUED
    assert notification.error == "GatewayUnavailable"
    assert gateway.messages == []

    backdate(notification)
    assert notifications.retry_stalled() == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert len(gateway.messages) == 1
    assert len(gateway.requests) == 2
    assert notifications.retry_stalled() == 0  # sent once


@pytest.mark.django_db
def test_a_gateway_down_for_hours_is_given_up(
    gateway, sms_resident, community, django_capture_on_commit_callbacks
):
    gateway.fail_next(503, times=2)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(sms_resident, community)

    backdate(notification, by=sms.RETRY_FOR + timedelta(minutes=1))
    notifications.retry_stalled()
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.error == "GatewayUnavailable"
    assert notifications.retry_stalled() == 0


@pytest.mark.django_db
def test_a_permanent_refusal_is_recorded_and_not_retried(
    gateway, settings, sms_resident, community, django_capture_on_commit_callbacks
):
    settings.SMS_URL = gateway.url(token="revoked")
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(sms_resident, community)

    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.error == "GatewayRefused"
    backdate(notification)
    assert notifications.retry_stalled() == 0
    assert len(gateway.requests) == 1


@pytest.mark.django_db
def test_an_invalid_phone_on_the_account_fails_the_notification(
    sms_resident, community, django_capture_on_commit_callbacks
):
    sms_resident.phone = "12-34-56"
    sms_resident.save(update_fields=["phone"])
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(sms_resident, community)

    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.error == "InvalidPhone"
    assert sms.outbox == []


@pytest.mark.django_db
def test_logs_carry_neither_the_number_nor_the_text(
    gateway, sms_resident, community, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    gateway.fail_next(503)
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(sms_resident, community)
    backdate(first)
    notifications.retry_stalled()
    sms.send_sms(phone=PHONE, text="Ваш код 4821", reference="test.code")

    assert len(gateway.messages) == 2
    logged = caplog.text
    for secret in ("501234567", "050 123", "4821", "Підтвердьте", "Confirm your"):
        assert secret not in logged
    assert "+380******567" in logged
    assert gateway.messages[0]["message_id"] in logged
    assert f"notification.{first.pk}" in logged
