"""
A small client of the Viber REST bot API, and the parsing of its callbacks.

The `viberbot` package is unmaintained, so this is the few calls the chatbot
needs: send_message (text, keyboards, location and phone requests),
set_webhook, and the callback signature: ``X-Viber-Content-Signature`` is the
hex HMAC-SHA256 of the raw body keyed with the bot's token.
"""

from __future__ import annotations

import hashlib
import hmac

import requests

from hromada.chatbot import conf
from hromada.chatbot.replies import Incoming, Reply, clean_text

MAX_PICTURE_BYTES = 20 * 1024 * 1024
EVENTS = [
    "delivered",
    "seen",
    "failed",
    "subscribed",
    "unsubscribed",
    "conversation_started",
]
# Viber's status codes that mean the resident is out of reach for the bot.
GONE_STATUSES = {5, 6, 7}
BUSY_STATUSES = {12}


class ApiError(Exception):
    def __init__(self, status: int, message: str = ""):
        self.code = status
        self.description = message[:200]
        self.retry_after = None
        self.temporary = status in BUSY_STATUSES or status >= 500
        super().__init__(f"viber {status}")


class Gone(ApiError):
    pass


def signature(token: str, body: bytes) -> str:
    return hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


def verify(token: str, body: bytes, given: str | None) -> bool:
    if not given or not token:
        return False
    return hmac.compare_digest(signature(token, body), given.strip().lower())


class ViberClient:
    def __init__(self, token: str, *, name: str = "Громада", base: str | None = None, session=None):
        self.token = token
        self.name = name[:28]  # Viber allows 28 characters for the sender's name
        self.base = base or conf.viber_api()
        self.session = session or requests.Session()

    def call(self, method: str, payload: dict) -> dict:
        try:
            response = self.session.post(
                f"{self.base}/pa/{method}",
                json=payload,
                headers={"X-Viber-Auth-Token": self.token},
                timeout=conf.http_timeout(),
            )
            answer = response.json()
        except (requests.RequestException, ValueError) as error:
            raise ApiError(599, type(error).__name__) from None
        status = int(answer.get("status", 1) or 0)
        if status != 0:
            message = str(answer.get("status_message") or "")
            raise (Gone if status in GONE_STATUSES else ApiError)(status, message)
        return answer

    def send(self, receiver: str, reply: Reply) -> dict:
        payload = message_payload(reply, self.name)
        payload["receiver"] = receiver
        return self.call("send_message", payload)

    def set_webhook(self, url: str) -> dict:
        return self.call(
            "set_webhook",
            {"url": url, "event_types": EVENTS, "send_name": False, "send_photo": False},
        )

    def download(self, url: str, *, limit: int = MAX_PICTURE_BYTES) -> bytes:
        """Return a picture's bytes from the media URL Viber gave; refuse what is over `limit`."""
        if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ApiError(3, "media url")
        try:
            with self.session.get(url, timeout=conf.http_timeout(), stream=True) as response:
                if response.status_code != 200:
                    raise ApiError(response.status_code, "media")
                chunks, total = [], 0
                for chunk in response.iter_content(65536):
                    total += len(chunk)
                    if total > limit:
                        raise ApiError(413, "too big")
                    chunks.append(chunk)
        except requests.RequestException as error:
            raise ApiError(599, type(error).__name__) from None
        return b"".join(chunks)


def message_payload(reply: Reply, name: str) -> dict:
    """Return a send_message body (without receiver): text and, if any, a keyboard."""
    payload = {
        "min_api_version": 3,
        "sender": {"name": name[:28]},
        "type": "text",
        "text": reply.text or "…",
    }
    keyboard = render_keyboard(reply)
    if keyboard:
        payload["keyboard"] = keyboard
    return payload


def render_keyboard(reply: Reply) -> dict | None:
    buttons = []
    if reply.request_location:
        buttons.append(
            {
                "Columns": 6,
                "Rows": 1,
                "ActionType": "location-picker",
                "ActionBody": "location",
                "Text": "📍 Надіслати місцезнаходження",
            }
        )
    if reply.request_contact:
        buttons.append(
            {
                "Columns": 6,
                "Rows": 1,
                "ActionType": "share-phone",
                "ActionBody": "phone",
                "Text": "📞 Надіслати номер телефону",
            }
        )
    for row in reply.buttons:
        columns = max(1, 6 // len(row))
        for button in row:
            if button.url:
                buttons.append(
                    {
                        "Columns": columns,
                        "Rows": 1,
                        "ActionType": "open-url",
                        "ActionBody": button.url,
                        "Text": button.text,
                    }
                )
            else:
                buttons.append(
                    {
                        "Columns": columns,
                        "Rows": 1,
                        "ActionType": "reply",
                        "ActionBody": button.data,
                        "Text": button.text,
                        "Silent": True,
                    }
                )
    if not buttons:
        return None
    return {"Type": "keyboard", "DefaultHeight": False, "Buttons": buttons[:24]}


class Parsed:
    def __init__(self, kind: str, user_id: str = "", message: Incoming | None = None, **extra):
        self.kind = kind  # "message", "started", "subscribed", "unsubscribed", "ignored", ...
        self.chat_id = user_id
        self.message = message
        self.picture_url = extra.get("picture_url", "")
        self.language = extra.get("language", "")


def event_key(body: dict) -> str:
    """Return what makes a callback unique for the bot: its message token (and event)."""
    token = body.get("message_token")
    if isinstance(token, bool) or not isinstance(token, int | str) or not str(token).strip():
        raise ValueError("message_token")
    return f"{str(body.get('event') or '')[:24]}:{str(token)[:40]}"


def parse(body: dict) -> Parsed:
    event = body.get("event") if isinstance(body, dict) else None
    if event == "message":
        sender = body.get("sender") or {}
        message = body.get("message") or {}
        user = str(sender.get("id") or "")[:64]
        language = str(sender.get("language") or "")[:8]
        kind = message.get("type")
        if kind == "text":
            return Parsed(
                "message", user, Incoming.from_text(message.get("text")), language=language
            )
        if kind == "location":
            location = message.get("location") or {}
            try:
                lat, lon = float(location["lat"]), float(location["lon"])
            except (KeyError, TypeError, ValueError):
                return Parsed("ignored", user)
            return Parsed("message", user, Incoming(lat=lat, lon=lon), language=language)
        if kind == "contact":
            phone = "".join(
                c
                for c in str((message.get("contact") or {}).get("phone_number") or "")
                if c.isdigit()
            )
            return Parsed("message", user, Incoming(phone=phone[:15]), language=language)
        if kind == "picture":
            return Parsed(
                "message",
                user,
                Incoming(text=clean_text(message.get("text"))),
                picture_url=str(message.get("media") or "")[:1000],
                language=language,
            )
        return Parsed("ignored", user)
    if event == "conversation_started":
        user = body.get("user") or {}
        return Parsed(
            "started", str(user.get("id") or "")[:64], language=str(user.get("language") or "")[:8]
        )
    if event == "subscribed":
        user = body.get("user") or {}
        return Parsed("subscribed", str(user.get("id") or "")[:64])
    if event == "unsubscribed":
        return Parsed("unsubscribed", str(body.get("user_id") or "")[:64])
    if event in ("delivered", "seen", "failed"):
        return Parsed(event, str(body.get("user_id") or "")[:64])
    return Parsed("ignored")
