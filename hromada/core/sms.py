"""
Text messages (SMS) to Ukrainian phones: one call, whatever the gateway.

`send_sms()` checks the number and the length, hands the message to the
backend that ``SMS_URL`` names (as ``EMAIL_URL`` names the mail one) and
returns the gateway's message id:

- empty or ``file://[/folder]``: one JSON file a message in ``var/sms/``, as
  e-mails go to ``var/mail/``; tests collect messages in `outbox`, as
  ``django.core.mail.outbox``;
- ``turbosms://TOKEN@api.turbosms.ua?sender=Name``: TurboSMS's HTTP API
  (``secure=0`` speaks plain HTTP, for a local stand-in; ``timeout=`` seconds);
- ``console://``: printed to standard output.

Residents who chose SMS get their notifications this way: `send_notification`
is the "sms" channel of `hromada.core.notifications`, whose queued delivery
retries a gateway's temporary failure (`SmsError.temporary`).

Numbers and texts never reach the log: a message is named by its reference
and the gateway's id, its number masked (+380******567).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.core.errors import DomainError

logger = logging.getLogger(__name__)

# Messages the locmem backend took (tests read them, as mail.outbox).
outbox: list[Sms] = []

# What one message may cost: six parts are 402 Cyrillic characters.
MAX_SEGMENTS = 6
# A notification whose gateway stays unavailable this long is given up.
RETRY_FOR = timedelta(hours=6)


class InvalidPhone(DomainError):
    code = "invalid_phone"
    message = _("Enter a Ukrainian phone number, for example 050 123 45 67.")


class EmptySms(DomainError):
    code = "sms_empty"
    message = _("The text message is empty.")


class SmsTooLong(DomainError):
    code = "sms_too_long"
    # Translators: an SMS is sent in parts of 67 Cyrillic characters each.
    message = _("The text message is too long: %(segments)s parts, at most %(limit)s.")


class SmsError(Exception):
    """
    The gateway did not take a message. `temporary` says whether trying again
    later may help; the text names the gateway's code, never the message.
    """

    temporary = False


class GatewayUnavailable(SmsError):
    """The gateway was out of reach, busy or out of credits."""

    temporary = True


class GatewayRefused(SmsError):
    """The gateway refused the message: a wrong token, sender or number."""


@dataclass(frozen=True)
class Sms:
    phone: str  # E.164: +380XXXXXXXXX
    text: str
    # What the message is about ("notification.42"): safe to log, unlike the rest.
    reference: str = ""


# ---------------------------------------------------------------- numbers


_SEPARATORS = re.compile(r"[\s().\-]")


def normalise_phone(value: str) -> str:
    """
    Return a Ukrainian number in E.164 (+380XXXXXXXXX), or raise InvalidPhone.

    Accepts the ways people write it: "050 123 45 67", "+38 (050) 123-45-67",
    "380501234567" and the old trunk prefix "8 050 …".
    """
    raw = _SEPARATORS.sub("", value or "")
    digits = raw.removeprefix("+")
    if not re.fullmatch(r"[0-9]+", digits):
        raise InvalidPhone()
    national = None
    if len(digits) == 12 and digits.startswith("380"):
        national = digits[3:]
    elif raw.startswith("+"):
        national = None  # another country's number
    elif len(digits) == 11 and digits.startswith("80"):
        national = digits[2:]
    elif len(digits) == 10 and digits.startswith("0"):
        national = digits[1:]
    # An operator or area code never starts with 0.
    if national is None or national.startswith("0"):
        raise InvalidPhone()
    return f"+380{national}"


def mask_phone(phone: str) -> str:
    """Return an E.164 number with all but its country code and last 3 digits hidden."""
    return phone[:4] + "*" * max(len(phone) - 7, 0) + phone[-3:]


# ---------------------------------------------------------------- length

# GSM 03.38: the 7-bit alphabet of 160-character messages; the extension
# characters take two places each. Any other character (all of Cyrillic)
# sends the whole message in UCS-2, 70 characters.
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€\f")


def segments(text: str) -> int:
    """
    Return how many SMS parts the text is sent (and paid) as.

    One part holds 160 GSM characters or 70 UCS-2 units; a longer message
    is cut into parts of 153 or 67, the rest carrying the joining header.
    UCS-2 counts UTF-16 units, so an emoji takes two.
    """
    if not text:
        return 0
    if all(char in _GSM7 or char in _GSM7_EXTENDED for char in text):
        units = sum(2 if char in _GSM7_EXTENDED else 1 for char in text)
        single, part = 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part = 70, 67
    return 1 if units <= single else -(-units // part)


def check_text(text: str) -> None:
    """Raise EmptySms or SmsTooLong unless the text may be sent."""
    if not text.strip():
        raise EmptySms()
    count = segments(text)
    if count > MAX_SEGMENTS:
        raise SmsTooLong(segments=count, limit=MAX_SEGMENTS)


# ---------------------------------------------------------------- backends


class LocmemBackend:
    """Keep messages in `outbox` (tests)."""

    def send(self, sms: Sms) -> str:
        outbox.append(sms)
        return f"locmem-{len(outbox)}"


class FileBackend:
    """Write each message as a JSON file into a folder (development)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, sms: Sms) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        message_id = uuid.uuid4().hex
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        record = {"id": message_id, **asdict(sms), "segments": segments(sms.text)}
        path = self.folder / f"{stamp}-{message_id}.json"
        path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
        return message_id


class ConsoleBackend:
    """Print each message to standard output (development)."""

    def send(self, sms: Sms) -> str:
        message_id = uuid.uuid4().hex
        sys.stdout.write(f"SMS {message_id} to {sms.phone}:\n{sms.text}\n{'-' * 40}\n")
        sys.stdout.flush()
        return message_id


class TurboSmsBackend:
    """
    TurboSMS's HTTP API: ``POST /message/send.json`` with a bearer token.

    The gateway answers every request it understood with HTTP 200 and a
    ``response_code`` (800–803: taken or sent); each recipient gets its own
    code and ``message_id`` in ``response_result``.
    """

    ACCEPTED = {800, 801, 802, 803}
    # Refusals that pass by themselves: no credits yet (203 REQUIRED_BALANCE),
    # the gateway's own faults (5xx, but 502: it could not parse our body),
    # 999 FATAL_ERROR. The rest (a wrong token, sender or number) stay.
    TEMPORARY = {203, 500, 501, 503, 504, 505, 506, 999}

    def __init__(self, *, token: str, base_url: str, sender: str, timeout: float):
        self.token = token
        self.base_url = base_url
        self.sender = sender
        self.timeout = timeout

    def send(self, sms: Sms) -> str:
        recipient = sms.phone.removeprefix("+")
        payload = {"recipients": [recipient], "sms": {"sender": self.sender, "text": sms.text}}
        try:
            response = requests.post(
                f"{self.base_url}/message/send.json",
                json=payload,
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=self.timeout,
            )
        except requests.RequestException as error:  # refused, timed out, TLS
            raise GatewayUnavailable(type(error).__name__) from None
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise GatewayUnavailable(f"HTTP {response.status_code}")
        if response.status_code != 200:
            raise GatewayRefused(f"HTTP {response.status_code}")
        try:
            answer = response.json()
            code = int(answer["response_code"])
        except (ValueError, KeyError, TypeError):
            raise GatewayUnavailable("unreadable answer") from None
        status = str(answer.get("response_status", ""))[:60]
        if code not in self.ACCEPTED:
            error = GatewayUnavailable if code in self.TEMPORARY else GatewayRefused
            raise error(f"{code} {status}")
        for result in answer.get("response_result") or []:
            if str(result.get("phone", "")).removeprefix("+") != recipient:
                continue
            if result.get("response_code") == 0 and result.get("message_id"):
                return str(result["message_id"])
            # The number is on the stop list, invalid, in another country…
            refused = f"{result.get('response_code')} {result.get('response_status', '')}"
            raise GatewayRefused(refused[:60])
        raise GatewayRefused(f"{code} {status}: no result for the recipient")


def get_backend():
    """Return the backend that ``SMS_URL`` names."""
    url = settings.SMS_URL
    parsed = urlparse(url)
    if parsed.scheme in ("", "file"):
        return FileBackend(Path(parsed.path) if parsed.path else settings.VAR_DIR / "sms")
    if parsed.scheme == "locmem":
        return LocmemBackend()
    if parsed.scheme == "console":
        return ConsoleBackend()
    if parsed.scheme == "turbosms":
        options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        scheme = "http" if options.get("secure") == "0" else "https"
        return TurboSmsBackend(
            token=unquote(parsed.username or ""),
            base_url=f"{scheme}://{parsed.hostname}{f':{parsed.port}' if parsed.port else ''}",
            sender=options.get("sender", "Hromada"),
            timeout=float(options.get("timeout", 10)),
        )
    raise ValueError(f"SMS_URL: unknown scheme {parsed.scheme!r}")


# ---------------------------------------------------------------- sending


def send_sms(*, phone: str, text: str, reference: str = "") -> str:
    """
    Send one text message now and return the gateway's message id.

    Raises InvalidPhone, EmptySms or SmsTooLong (for the person who typed
    them) before anything is sent, and SmsError when the gateway does not
    take the message. Call it from a background job: a gateway may take
    seconds to answer.
    """
    sms = Sms(phone=normalise_phone(phone), text=text, reference=reference)
    check_text(text)
    masked = mask_phone(sms.phone)
    try:
        message_id = get_backend().send(sms)
    except SmsError as error:
        logger.warning("sms %s to %s not sent: %s", reference, masked, error)
        raise
    logger.info("sms %s to %s sent as %s (%s parts)", reference, masked, message_id, segments(text))
    return message_id


# ---------------------------------------------------------------- notifications


def wants_sms(resident) -> bool:
    """
    Return whether the resident chose SMS and confirmed the phone.

    The profile's "Phone for SMS" section (`hromada.core.phone`) confirms the
    phone by a texted code and keeps the choice; changing the phone clears both.
    """
    return bool(
        resident.notify_by_sms
        and resident.phone_confirmed_at
        and resident.phone
        and not resident.deleted_at
    )


def notification_text(notification) -> str:
    """
    Return what an SMS notification says: its subject.

    The subject names the event in one line; the full text stays in the
    account and in an e-mail, so the message costs one or two parts.
    """
    return notification.subject


def send_notification(notification) -> None:
    """
    Send a notification as SMS to its resident's phone (the "sms" channel).

    A temporary failure leaves the notification queued for the scheduler's
    retry, until RETRY_FOR has passed since it was made; then it is failed.
    """
    try:
        send_sms(
            phone=notification.resident.phone,
            text=notification_text(notification),
            reference=f"notification.{notification.pk}",
        )
    except SmsError as error:
        if error.temporary and timezone.now() - notification.created_at > RETRY_FOR:
            error.temporary = False  # given up: the failure is recorded
        raise


class SmsChannel:
    """The SMS notification channel as one object, for code that plugs channels in."""

    name = "sms"
    wants = staticmethod(wants_sms)
    send = staticmethod(send_notification)
