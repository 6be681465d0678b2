"""
A stand-in Viber REST bot API on 127.0.0.1 speaking the real payloads.

``POST /pa/send_message``, ``/pa/set_webhook``, ``/pa/get_account_info`` with
``X-Viber-Auth-Token``; answers ``{"status": 0, "status_message": "ok",
"message_token": ...}`` or Viber's error statuses (2 invalidAuthToken, 3
badData, 6 receiverNotSubscribed, 12 tooManyRequests). Pictures put with
`add_media` are served at ``GET /media/<name>``. `callback()` builds what
Viber posts to a bot's webhook, with its X-Viber-Content-Signature.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATUS = {
    0: "ok",
    2: "invalidAuthToken",
    3: "badData",
    5: "receiverNotRegistered",
    6: "receiverNotSubscribed",
    12: "tooManyRequests",
}


class ViberApi:
    def __init__(self, *, token: str = "viber-test-token"):
        self.token = token
        self.sent: list[dict] = []
        self.webhooks: list[dict] = []
        self.unsubscribed: set[str] = set()
        self.media: dict[str, bytes] = {}
        self._failures: list[int] = []
        self._counter = 5_000_000_000
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ViberApi:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add_media(self, name: str, content: bytes) -> str:
        self.media[name] = content
        return f"{self.url}/media/{name}"

    def fail_next(self, status: int = 12, times: int = 1) -> None:
        self._failures += [status] * times

    def texts(self, receiver: str) -> list[str]:
        return [m["text"] for m in self.sent if m["receiver"] == receiver]

    def _answer(self, token: str, method: str, body: dict) -> dict:
        def status(code: int, **extra) -> dict:
            return {"status": code, "status_message": STATUS.get(code, "generalError"), **extra}

        if token != self.token:
            return status(2)
        if method == "set_webhook":
            if not str(body.get("url", "")).startswith("https://"):
                return status(1)
            self.webhooks.append(body)
            return status(0, event_types=body.get("event_types", []))
        if method == "get_account_info":
            return status(0, id="pa:1", name="Громада", uri="hromada")
        if method != "send_message":
            return status(3)
        if self._failures:
            return status(self._failures.pop(0))
        receiver = body.get("receiver")
        if not receiver or body.get("type") != "text" or not body.get("text"):
            return status(3)
        name = (body.get("sender") or {}).get("name") or ""
        if not name or len(name) > 28:
            return status(3)
        keyboard = body.get("keyboard")
        if keyboard is not None:
            if keyboard.get("Type") != "keyboard" or not keyboard.get("Buttons"):
                return status(3)
            for button in keyboard["Buttons"]:
                if button.get("ActionType") not in (
                    "reply",
                    "open-url",
                    "location-picker",
                    "share-phone",
                ):
                    return status(3)
                if not button.get("ActionBody"):
                    return status(3)
        if receiver in self.unsubscribed:
            return status(6)
        self._counter += 1
        self.sent.append(
            {
                "receiver": receiver,
                "text": body["text"],
                "keyboard": keyboard,
                "at": time.monotonic(),
            }
        )
        return status(0, message_token=self._counter, chat_hostname="SN-CHAT-01_")

    def _handler(api):  # noqa: N805 - the handler closes over the stand-in
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _reply(self, status: int, body: bytes, kind="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = self.path.split("?")[0]
                if not path.startswith("/pa/"):
                    self._reply(404, b"")
                    return
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                answer = api._answer(
                    self.headers.get("X-Viber-Auth-Token", ""),
                    path[4:],
                    body if isinstance(body, dict) else {},
                )
                self._reply(200, json.dumps(answer).encode())

            def do_GET(self):
                name = self.path.split("?")[0].removeprefix("/media/")
                if name in api.media:
                    self._reply(200, api.media[name], "image/jpeg")
                else:
                    self._reply(404, b"")

        return Handler


# -- callbacks as Viber posts them to the webhook --------------------------------------------


def sign(token: str, raw: bytes) -> str:
    return hmac.new(token.encode(), raw, hashlib.sha256).hexdigest()


def callback(token: str, body: dict) -> tuple[bytes, str]:
    raw = json.dumps(body, ensure_ascii=False).encode()
    return raw, sign(token, raw)


def _sender(user_id: str) -> dict:
    return {"id": user_id, "name": "Олена", "language": "uk", "country": "UA", "api_version": 10}


def message_event(token: int, user_id: str, text: str) -> dict:
    return {
        "event": "message",
        "timestamp": int(time.time() * 1000),
        "chat_hostname": "SN-CHAT-01_",
        "message_token": token,
        "sender": _sender(user_id),
        "message": {"type": "text", "text": text},
        "silent": False,
    }


def location_event(token: int, user_id: str, lat: float, lon: float) -> dict:
    event = message_event(token, user_id, "")
    event["message"] = {"type": "location", "location": {"lat": lat, "lon": lon}}
    return event


def picture_event(token: int, user_id: str, media: str) -> dict:
    event = message_event(token, user_id, "")
    event["message"] = {
        "type": "picture",
        "text": "",
        "media": media,
        "thumbnail": media,
        "file_name": "a.jpg",
        "size": 10,
    }
    return event


def started_event(token: int, user_id: str, context: str = "") -> dict:
    body = {
        "event": "conversation_started",
        "timestamp": int(time.time() * 1000),
        "chat_hostname": "SN-CHAT-01_",
        "message_token": token,
        "type": "open",
        "user": _sender(user_id),
        "subscribed": False,
    }
    if context:
        body["context"] = context
    return body


def subscribed_event(token: int, user_id: str) -> dict:
    return {
        "event": "subscribed",
        "timestamp": int(time.time() * 1000),
        "message_token": token,
        "user": _sender(user_id),
    }


def unsubscribed_event(token: int, user_id: str) -> dict:
    return {
        "event": "unsubscribed",
        "timestamp": int(time.time() * 1000),
        "message_token": token,
        "user_id": user_id,
    }


def delivered_event(token: int, user_id: str) -> dict:
    return {
        "event": "delivered",
        "timestamp": int(time.time() * 1000),
        "message_token": token,
        "user_id": user_id,
    }


def webhook_event() -> dict:
    return {
        "event": "webhook",
        "timestamp": int(time.time() * 1000),
        "chat_hostname": "SN-CHAT-01_",
        "message_token": 1,
    }
