"""
A stand-in Telegram Bot API on 127.0.0.1 speaking the real payloads.

``POST /bot<token>/<method>`` with a JSON body answers
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code", "description",
"parameters": {"retry_after"}}`` as Telegram does; ``GET /file/bot<token>/<path>``
serves files put with `add_file`. It records every message it took with the
time it took it, checks what Telegram checks (chat id, text length, inline
keyboards: a text and exactly one of callback_data of 1-64 bytes or url) and,
with `enforce_limits`, answers 429 with retry_after above 30 messages a
second in all or one a second per chat, as the real API does.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class TelegramApi:
    def __init__(self, *, token: str = "123456:TEST-token", enforce_limits: bool = False):
        self.tokens = {token}
        self.token = token
        self.enforce_limits = enforce_limits
        self.sent: list[dict] = []  # {"chat_id", "text", "reply_markup", "at"}
        self.calls: list[tuple[str, dict]] = []
        self.callbacks_answered: list[str] = []
        self.webhooks: list[dict] = []
        self.files: dict[str, bytes] = {}
        self.blocked: set[str] = set()
        self.too_many = 0  # 429 answers given
        self._failures: list[dict] = []
        self._recent: deque[float] = deque()
        self._by_chat: dict[str, float] = defaultdict(float)
        self._lock = threading.Lock()
        self._message_id = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> TelegramApi:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add_file(self, file_id: str, content: bytes, *, declared_size: int | None = None) -> None:
        self.files[file_id] = content
        self._sizes = getattr(self, "_sizes", {})
        self._sizes[file_id] = len(content) if declared_size is None else declared_size

    def fail_next(self, error_code: int = 429, *, retry_after: int | None = 1, times: int = 1):
        for _ in range(times):
            self._failures.append({"error_code": error_code, "retry_after": retry_after})

    def texts(self, chat_id) -> list[str]:
        return [m["text"] for m in self.sent if str(m["chat_id"]) == str(chat_id)]

    # -- the API -------------------------------------------------------------------------

    def _error(self, code: int, description: str, retry_after=None) -> tuple[int, dict]:
        answer = {"ok": False, "error_code": code, "description": description}
        if retry_after is not None:
            answer["parameters"] = {"retry_after": retry_after}
        return code, answer

    def _check_markup(self, markup) -> str | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            return "Bad Request: can't parse reply keyboard markup JSON object"
        if "inline_keyboard" in markup:
            for row in markup["inline_keyboard"]:
                for button in row:
                    if not button.get("text"):
                        return "Bad Request: text buttons are unallowed in the inline keyboard"
                    kinds = [k for k in ("callback_data", "url") if k in button]
                    if len(kinds) != 1:
                        return "Bad Request: inline keyboard button must have exactly one action"
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(data.encode()) <= 64:
                        return "Bad Request: BUTTON_DATA_INVALID"
            return None
        if "keyboard" in markup:
            for row in markup["keyboard"]:
                for button in row:
                    if not button.get("text"):
                        return "Bad Request: keyboard button text is empty"
            return None
        return "Bad Request: unsupported reply markup"

    def _send_message(self, body: dict) -> tuple[int, dict]:
        chat_id = body.get("chat_id")
        text = body.get("text")
        if chat_id in (None, ""):
            return self._error(400, "Bad Request: chat_id is empty")
        if not isinstance(text, str) or not text.strip():
            return self._error(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            return self._error(400, "Bad Request: message is too long")
        problem = self._check_markup(body.get("reply_markup"))
        if problem:
            return self._error(400, problem)
        if str(chat_id) in self.blocked:
            return self._error(403, "Forbidden: bot was blocked by the user")
        now = time.monotonic()
        with self._lock:
            if self.enforce_limits:
                while self._recent and now - self._recent[0] >= 1.0:
                    self._recent.popleft()
                if len(self._recent) >= 30 or now - self._by_chat[str(chat_id)] < 1.0:
                    self.too_many += 1
                    return self._error(429, "Too Many Requests: retry after 1", retry_after=1)
            self._recent.append(now)
            self._by_chat[str(chat_id)] = now
            self._message_id += 1
            self.sent.append(
                {
                    "chat_id": chat_id,
                    "text": text,
                    "reply_markup": body.get("reply_markup"),
                    "at": now,
                    "wall": time.time(),
                }
            )
            message_id = self._message_id
        return 200, {
            "ok": True,
            "result": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": text,
            },
        }

    def _answer(self, token: str, method: str, body: dict) -> tuple[int, dict]:
        if token not in self.tokens:
            return self._error(401, "Unauthorized")
        self.calls.append((method, body))
        if self._failures and method == "sendMessage":
            failure = self._failures.pop(0)
            return self._error(
                failure["error_code"], "Too Many Requests", retry_after=failure["retry_after"]
            )
        if method == "sendMessage":
            return self._send_message(body)
        if method == "answerCallbackQuery":
            if not body.get("callback_query_id"):
                return self._error(400, "Bad Request: query is too old")
            self.callbacks_answered.append(body["callback_query_id"])
            return 200, {"ok": True, "result": True}
        if method == "getFile":
            file_id = body.get("file_id")
            if file_id not in self.files:
                return self._error(400, "Bad Request: invalid file_id")
            size = self._sizes[file_id]
            if size > 20 * 1024 * 1024:
                return self._error(400, "Bad Request: file is too big")
            return 200, {
                "ok": True,
                "result": {
                    "file_id": file_id,
                    "file_unique_id": f"u{file_id}",
                    "file_size": size,
                    "file_path": f"photos/{file_id}.jpg",
                },
            }
        if method == "setWebhook":
            self.webhooks.append(body)
            return 200, {"ok": True, "result": True, "description": "Webhook was set"}
        if method == "getMe":
            return 200, {
                "ok": True,
                "result": {
                    "id": 123456,
                    "is_bot": True,
                    "first_name": "Hromada",
                    "username": "hromada_bot",
                },
            }
        return self._error(404, "Not Found")

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
                parts = self.path.split("?")[0].strip("/").split("/")
                if len(parts) != 2 or not parts[0].startswith("bot"):
                    self._reply(404, b'{"ok":false,"error_code":404,"description":"Not Found"}')
                    return
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = None
                if not isinstance(body, dict):
                    status, answer = api._error(400, "Bad Request: invalid JSON")
                else:
                    status, answer = api._answer(parts[0][3:], parts[1], body)
                self._reply(status, json.dumps(answer).encode())

            def do_GET(self):
                parts = self.path.split("?")[0].strip("/").split("/")
                if len(parts) >= 3 and parts[0] == "file" and parts[1][3:] in api.tokens:
                    file_id = parts[-1].removesuffix(".jpg")
                    if file_id in api.files:
                        self._reply(200, api.files[file_id], "image/jpeg")
                        return
                self._reply(404, b"")

        return Handler


# -- updates as Telegram sends them to a webhook ------------------------------------------


def _user(chat_id: int, language: str = "uk") -> dict:
    return {"id": chat_id, "is_bot": False, "first_name": "Олена", "language_code": language}


def _chat(chat_id: int) -> dict:
    return {"id": chat_id, "first_name": "Олена", "type": "private"}


def message_update(update_id: int, chat_id: int, text: str, **extra) -> dict:
    message = {
        "message_id": update_id,
        "from": _user(chat_id),
        "chat": _chat(chat_id),
        "date": int(time.time()),
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
    message.update(extra)
    return {"update_id": update_id, "message": message}


def location_update(update_id: int, chat_id: int, lat: float, lon: float) -> dict:
    update = message_update(update_id, chat_id, "")
    del update["message"]["text"]
    update["message"]["location"] = {"latitude": lat, "longitude": lon}
    return update


def photo_update(update_id: int, chat_id: int, file_id: str, size: int, caption: str = "") -> dict:
    update = message_update(update_id, chat_id, "")
    del update["message"]["text"]
    update["message"]["photo"] = [
        {
            "file_id": f"{file_id}-small",
            "file_unique_id": "s",
            "file_size": 1000,
            "width": 90,
            "height": 67,
        },
        {
            "file_id": file_id,
            "file_unique_id": "b",
            "file_size": size,
            "width": 1280,
            "height": 960,
        },
    ]
    if caption:
        update["message"]["caption"] = caption
    return update


def contact_update(update_id: int, chat_id: int, phone: str) -> dict:
    update = message_update(update_id, chat_id, "")
    del update["message"]["text"]
    update["message"]["contact"] = {
        "phone_number": phone,
        "first_name": "Олена",
        "user_id": chat_id,
    }
    return update


def callback_update(update_id: int, chat_id: int, data: str) -> dict:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "from": _user(chat_id),
            "message": {
                "message_id": 1,
                "chat": _chat(chat_id),
                "date": int(time.time()),
                "text": "…",
            },
            "chat_instance": "1",
            "data": data,
        },
    }


def blocked_update(update_id: int, chat_id: int, status: str = "kicked") -> dict:
    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": _chat(chat_id),
            "from": _user(chat_id),
            "date": int(time.time()),
            "old_chat_member": {
                "user": {"id": 1, "is_bot": True, "first_name": "Bot"},
                "status": "member",
            },
            "new_chat_member": {
                "user": {"id": 1, "is_bot": True, "first_name": "Bot"},
                "status": status,
            },
        },
    }
