"""
A resident's phone for SMS notifications: confirmed by a texted one-time code.

The same one-time codes as the ЦНАП's joining by phone (`hromada.core.onetime`),
for an account: a six-digit code of which only a keyed hash is kept, valid `PHONE_CODE_MINUTES`, blocked after `PHONE_CODE_TRIES`
wrong tries; codes are rate-limited per account and per address, tries per
address. Only a confirmed phone may carry notifications
(`hromada.core.sms.wants_sms`); changing the phone clears the confirmation
and the choice.

Every state change is a function here, one transaction each, with an audit
entry that never names the number.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.core import audit, onetime, sms
from hromada.core.errors import Conflict, DomainError, NotFound, RateLimited
from hromada.core.models import (
    PHONE_CODE_LENGTH,
    PHONE_CODE_MINUTES,
    PHONE_CODE_TRIES,
    PhoneConfirmation,
    Resident,
)
from hromada.core.ratelimit import address_bucket, over_any

# An account gets a few codes a quarter of an hour; an address a few more an
# hour; tries are counted per address on top of each code's own lock-out.
CODE_ACCOUNT_RATE = "3/15m"
CODE_ADDRESS_RATE = "10/h"
CONFIRM_ADDRESS_RATE = "30/h"


class PhoneCodeMissing(NotFound):
    code = "phone_code_missing"
    message = _("No code is waiting for confirmation. Ask for a new code.")


class PhoneCodeWrong(Conflict):
    code = "phone_code_wrong"
    message = _("The code is wrong. Check the text message: %(left)d tries left.")


class PhoneCodeExpired(Conflict):
    code = "phone_code_expired"
    message = _("The code is no longer valid. Ask for a new one.")


class PhoneCodeLocked(Conflict):
    code = "phone_code_locked"
    message = _("Too many wrong codes. This code is blocked; ask for a new one.")


class TooManyPhoneCodes(RateLimited):
    code = "phone_too_many_codes"
    message = _("Too many codes were asked for. Please try again in a quarter of an hour.")


class PhoneSmsNotSent(DomainError):
    code = "phone_sms_not_sent"
    status = 503
    message = _("The text message could not be sent now. Please try again in a few minutes.")


class PhoneNotConfirmed(Conflict):
    code = "phone_not_confirmed"
    message = _("Confirm your phone first: SMS goes only to a confirmed phone.")


CODE_PURPOSE = "hromada.core.phone_code"


def pending_confirmation(resident: Resident) -> PhoneConfirmation | None:
    """Return the code the resident was last sent, if one is waiting."""
    return PhoneConfirmation.objects.filter(resident=resident).first()


def clear_confirmation(resident: Resident) -> list[str]:
    """
    Forget the phone's confirmation and the SMS choice on the instance.

    Return the names of the changed fields for the caller's save; a phone
    changed anywhere (profile, this module) goes through here.
    """
    changed = []
    if resident.phone_confirmed_at is not None:
        resident.phone_confirmed_at = None
        changed.append("phone_confirmed_at")
    if resident.notify_by_sms:
        resident.notify_by_sms = False
        changed.append("notify_by_sms")
    return changed


@transaction.atomic
def request_code(
    *, resident: Resident, phone: str, address: str = "", now: datetime | None = None
) -> PhoneConfirmation:
    """
    Text a one-time code to the phone the resident wants SMS on.

    Raises InvalidPhone for a number that is not Ukrainian, TooManyPhoneCodes
    over the rate limits, PhoneSmsNotSent when the gateway does not take the
    message (then nothing is kept). A new code replaces an earlier one.
    """
    now = now or timezone.now()
    phone = sms.normalise_phone(str(phone or "")[:40])
    if over_any(
        group="core.phone_code",
        checks=[
            (f"resident:{resident.pk}", CODE_ACCOUNT_RATE),
            (address_bucket(address), CODE_ADDRESS_RATE),
        ],
    ):
        raise TooManyPhoneCodes()
    PhoneConfirmation.objects.filter(resident=resident).delete()
    row = PhoneConfirmation.objects.create(
        resident=resident,
        phone=phone,
        code_hash="",
        created_at=now,
        expires_at=now + timedelta(minutes=PHONE_CODE_MINUTES),
    )
    code = onetime.new_code(PHONE_CODE_LENGTH)
    row.code_hash = onetime.code_hash(CODE_PURPOSE, row.pk, code)
    row.save(update_fields=["code_hash"])
    text = _("Hromada code: %(code)s. Valid %(minutes)d min. Tell it to no one.") % {
        "code": code,
        "minutes": PHONE_CODE_MINUTES,
    }
    try:
        # Sent before the commit: a code that never left is not kept either.
        sms.send_sms(phone=phone, text=str(text), reference=f"core.phone_code.{row.pk}")
    except sms.SmsError:
        raise PhoneSmsNotSent() from None
    audit.record(actor=resident, action="resident.phone_code_sent", target=resident)
    return row


def confirm_code(
    *, resident: Resident, code: str, address: str = "", now: datetime | None = None
) -> Resident:
    """
    Check the texted code and make its phone the resident's confirmed phone.

    The code is compared in constant time. A wrong code counts a try, kept
    although the call fails; after `PHONE_CODE_TRIES` the code is blocked.
    The SMS choice stays off: the resident turns it on separately.
    """
    now = now or timezone.now()
    code = str(code or "").strip()[:20]
    if over_any(
        group="core.phone_confirm", checks=[(address_bucket(address), CONFIRM_ADDRESS_RATE)]
    ):
        raise RateLimited()
    failure: DomainError | None = None
    with transaction.atomic():
        row = PhoneConfirmation.objects.select_for_update().filter(resident=resident).first()
        if row is None:
            raise PhoneCodeMissing()
        reason, left = onetime.check_code(
            row, code, purpose=CODE_PURPOSE, key=row.pk, now=now, tries=PHONE_CODE_TRIES
        )
        if reason == onetime.WRONG:
            failure = PhoneCodeWrong(left=left)
        elif reason is not None:
            failure = PhoneCodeLocked() if reason == onetime.LOCKED else PhoneCodeExpired()
        else:
            resident = Resident.objects.select_for_update().get(pk=resident.pk)
            changed = resident.phone != row.phone
            resident.phone = row.phone
            resident.phone_confirmed_at = now
            if changed:
                resident.notify_by_sms = False
            resident.save(update_fields=["phone", "phone_confirmed_at", "notify_by_sms"])
            row.delete()
            audit.record(
                actor=resident,
                action="resident.phone_confirmed",
                target=resident,
                after={"phone_changed": changed},
            )
            return resident
    # Raised after the commit: the counted try stays counted.
    raise failure


@transaction.atomic
def set_sms_notifications(*, resident: Resident, enabled: bool) -> Resident:
    """
    Turn SMS notifications on or off; on only for a confirmed phone.

    Off is always allowed. Nothing changes (and nothing is audited) when the
    choice is already as asked.
    """
    enabled = bool(enabled)
    if resident.notify_by_sms == enabled:
        return resident
    if enabled and not (resident.phone_confirmed_at and resident.phone):
        raise PhoneNotConfirmed()
    resident.notify_by_sms = enabled
    resident.save(update_fields=["notify_by_sms"])
    audit.record(
        actor=resident,
        action="resident.sms_turned_on" if enabled else "resident.sms_turned_off",
        target=resident,
        after={"notify_by_sms": enabled},
    )
    return resident


@transaction.atomic
def remove_phone(*, resident: Resident) -> Resident:
    """Forget the phone, its confirmation, the SMS choice and any waiting code."""
    PhoneConfirmation.objects.filter(resident=resident).delete()
    changed = clear_confirmation(resident)
    if resident.phone:
        resident.phone = ""
        changed.append("phone")
    if changed:
        resident.save(update_fields=changed)
        audit.record(actor=resident, action="resident.phone_removed", target=resident)
    return resident


def forget_expired_codes(*, now: datetime | None = None) -> int:
    """Delete the codes whose time is over, with their numbers (scheduled hourly)."""
    now = now or timezone.now()
    deleted, _kinds = PhoneConfirmation.objects.filter(expires_at__lt=now).delete()
    return deleted
