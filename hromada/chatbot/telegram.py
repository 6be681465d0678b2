"""
A small Telegram Bot API client and the parsing of the updates its webhook gets.

Only what the chatbot uses: sendMessage (inline keyboards, location and
contact requests), answerCallbackQuery, getFile and file download (photos up
to 20 MB, the Bot API's own limit), setWebhook with a secret token.
"""

from __future__ import annotations

import json

import requests

from hromada.chatbot import conf
from hromada.chatbot.replies import Incoming, Reply, clean_text

MAX_FILE_BYTES = 20 * 1024 * 1024


class ApiError(Exception):
    """The Bot API refused a call; `temporary` when trying later may help."""

    def __init__(self, code: int, description: str = "", retry_after: float | None = None):
        self.code = code
        self.description = description[:200]
        self.retry_after = retry_after
        self.temporary = code == 429 or code >= 500
        super().__init__(f"telegram {code}")


class Gone(ApiError):
    """The chat is gone for the bot: blocked, deleted, kicked (403, 400 chat not found)."""


class TelegramClient:
    def __init__(self, token: str, *, base: str | None = None, session=None):
        self.token = token
        self.base = base or conf.telegram_api()
        self.session = session or requests.Session()

    def call(self, method: str, payload: dict | None = None) -> dict | list | bool:
        try:
            response = self.session.post(
                f"{self.base}/bot{self.token}/{method}",
                json=payload or {},
                timeout=conf.http_timeout(),
            )
        except requests.RequestException as error:
            raise ApiError(599, type(error).__name__) from None
        try:
            answer = response.json()
        except ValueError:
            raise ApiError(response.status_code or 599, "not JSON") from None
        if not answer.get("ok"):
            code = int(answer.get("error_code") or response.status_code or 500)
            description = str(answer.get("description") or "")
            retry = (answer.get("parameters") or {}).get("retry_after")
            gone = code == 403 or (code == 400 and "chat not found" in description.lower())
            raise (Gone if gone else ApiError)(code, description, retry)
        return answer.get("result")

    def send(self, chat_id, reply: Reply) -> dict:
        payload = {"chat_id": chat_id, "text": reply.text or "…"}
        markup = render_markup(reply)
        if markup:
            payload["reply_markup"] = markup
        return self.call("sendMessage", payload)

    def answer_callback(self, callback_id: str) -> None:
        self.call("answerCallbackQuery", {"callback_query_id": callback_id})

    def set_webhook(self, url: str, secret: str) -> bool:
        return self.call(
            "setWebhook",
            {
                "url": url,
                "secret_token": secret,
                "allowed_updates": ["message", "callback_query", "my_chat_member"],
                "max_connections": 40,
            },
        )

    def download(self, file_id: str, *, limit: int = MAX_FILE_BYTES) -> bytes:
        """Return a file's bytes by getFile and the file endpoint; refuse what is over `limit`."""
        info = self.call("getFile", {"file_id": file_id})
        size = int(info.get("file_size") or 0)
        if size > limit or not info.get("file_path"):
            raise ApiError(413, "file too big")
        url = f"{self.base}/file/bot{self.token}/{info['file_path']}"
        try:
            with self.session.get(url, timeout=conf.http_timeout(), stream=True) as response:
                if response.status_code != 200:
                    raise ApiError(response.status_code, "file")
                chunks, total = [], 0
                for chunk in response.iter_content(65536):
                    total += len(chunk)
                    if total > limit:
                        raise ApiError(413, "file too big")
                    chunks.append(chunk)
        except requests.RequestException as error:
            raise ApiError(599, type(error).__name__) from None
        return b"".join(chunks)


def render_markup(reply: Reply) -> dict | None:
    """Return Telegram's reply_markup: an inline keyboard, or a keyboard asking for a place."""
    if reply.request_location or reply.request_contact:
        row = []
        if reply.request_location:
            row.append({"text": "📍 Надіслати місцезнаходження", "request_location": True})
        if reply.request_contact:
            row.append({"text": "📞 Надіслати номер телефону", "request_contact": True})
        return {"keyboard": [row], "resize_keyboard": True, "one_time_keyboard": True}
    if not reply.buttons:
        return None
    rows = []
    for row in reply.buttons:
        rendered = []
        for button in row:
            if button.url:
                rendered.append({"text": button.text, "url": button.url})
            else:
                rendered.append({"text": button.text, "callback_data": button.data})
        rows.append(rendered)
    return {"inline_keyboard": rows}


class Parsed:
    """What one Telegram update means to the engine."""

    def __init__(self, kind: str, chat_id: str = "", message: Incoming | None = None, **extra):
        self.kind = kind  # "message", "callback", "blocked", "unblocked", "ignored"
        self.chat_id = chat_id
        self.message = message
        self.callback_id = extra.get("callback_id", "")
        self.photo_file_id = extra.get("photo_file_id", "")
        self.photo_size = extra.get("photo_size", 0)
        self.language = extra.get("language", "")
        self.private = extra.get("private", True)


def update_id(body: dict) -> str:
    value = body.get("update_id")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**53:
        raise ValueError("update_id")
    return str(value)


def parse(body: dict) -> Parsed:
    """Return what an update means; anything the bot does not handle is "ignored"."""
    if not isinstance(body, dict):
        return Parsed("ignored")
    if isinstance(body.get("message"), dict):
        return _parse_message(body["message"])
    if isinstance(body.get("callback_query"), dict):
        query = body["callback_query"]
        chat = ((query.get("message") or {}).get("chat") or {}).get("id")
        sender = query.get("from") or {}
        data = clean_text(query.get("data"))[:64]
        return Parsed(
            "callback",
            str(chat or sender.get("id") or ""),
            Incoming.from_text(data) if data else Incoming(),
            callback_id=str(query.get("id") or "")[:64],
            language=str(sender.get("language_code") or "")[:8],
        )
    if isinstance(body.get("my_chat_member"), dict):
        member = body["my_chat_member"]
        chat = (member.get("chat") or {}).get("id")
        status = ((member.get("new_chat_member") or {}).get("status")) or ""
        kind = "blocked" if status in ("kicked", "left") else "unblocked"
        return Parsed(kind, str(chat or ""))
    return Parsed("ignored")


def _parse_message(message: dict) -> Parsed:
    chat = message.get("chat") or {}
    sender = message.get("from") or {}
    chat_id = str(chat.get("id") or "")
    extra = {
        "language": str(sender.get("language_code") or "")[:8],
        "private": chat.get("type", "private") == "private",
    }
    if isinstance(message.get("location"), dict):
        location = message["location"]
        try:
            lat, lon = float(location["latitude"]), float(location["longitude"])
        except (KeyError, TypeError, ValueError):
            return Parsed("ignored", chat_id)
        return Parsed("message", chat_id, Incoming(lat=lat, lon=lon), **extra)
    if isinstance(message.get("contact"), dict):
        contact = message["contact"]
        # Only the sender's own number counts, not a contact card of someone else.
        if contact.get("user_id") and contact.get("user_id") != sender.get("id"):
            return Parsed("message", chat_id, Incoming(text=""), **extra)
        phone = "".join(ch for ch in str(contact.get("phone_number") or "") if ch.isdigit())
        return Parsed("message", chat_id, Incoming(phone=phone[:15]), **extra)
    if isinstance(message.get("photo"), list) and message["photo"]:
        sizes = [p for p in message["photo"] if isinstance(p, dict) and p.get("file_id")]
        if sizes:
            # The largest that is within the Bot API's download limit.
            fitting = [p for p in sizes if int(p.get("file_size") or 0) <= MAX_FILE_BYTES]
            best = (fitting or sizes)[-1]
            caption = clean_text(message.get("caption"))
            return Parsed(
                "message",
                chat_id,
                Incoming(text=caption),
                photo_file_id=str(best["file_id"])[:200],
                photo_size=int(best.get("file_size") or 0),
                **extra,
            )
    text = message.get("text")
    if isinstance(text, str):
        return Parsed("message", chat_id, Incoming.from_text(text), **extra)
    return Parsed("ignored", chat_id)


def dumps(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False)
