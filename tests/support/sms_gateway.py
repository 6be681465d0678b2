"""
A stand-in SMS gateway on 127.0.0.1 speaking TurboSMS's HTTP API.

``POST /message/send.json`` with ``Authorization: Bearer <token>`` and
``{"recipients": [...], "sms": {"sender", "text"}}``; every request it
understands is answered with HTTP 200 and a ``response_code``, as TurboSMS
does. It records what it took and can be told to fail the next requests with
a code of the gateway's (503 FAILED_SMS_SEND…) or an HTTP status.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATUSES = {
    103: "REQUIRED_TOKEN",
    105: "REQUIRED_AUTH",
    200: "REQUIRED_MESSAGE_SENDER",
    201: "REQUIRED_MESSAGE_TEXT",
    202: "REQUIRED_MESSAGE_RECIPIENT",
    203: "REQUIRED_BALANCE",
    305: "INVALID_PHONE",
    404: "NOT_ALLOWED_NUMBER_STOPLIST",
    502: "FAILED_PARSE_BODY",
    503: "FAILED_SMS_SEND",
    800: "SUCCESS_MESSAGE_ACCEPTED",
    802: "SUCCESS_MESSAGE_PARTIAL_ACCEPTED",
}


class SmsGateway:
    def __init__(self, *, token: str = "gateway-token"):
        self.token = token
        self.requests: list[dict] = []  # every send request: headers and body
        self.messages: list[dict] = []  # what it took: message_id, phone, sender, text
        self.stoplist: set[str] = set()
        self._failures: list[tuple[int, int]] = []  # (HTTP status, response_code)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.address = f"127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, token: str | None = None) -> str:
        """Return the SMS_URL that reaches this gateway."""
        return f"turbosms://{token or self.token}@{self.address}?sender=Hromada&secure=0"

    def fail_next(self, code: int = 503, *, times: int = 1, http_status: int = 200) -> None:
        """Answer the next `times` requests with the gateway's `code` (or an HTTP error)."""
        self._failures += [(http_status, code)] * times

    def __enter__(self) -> SmsGateway:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _answer(self, headers: dict, body: bytes) -> tuple[int, dict]:
        def refuse(code: int, result=None) -> tuple[int, dict]:
            return 200, {
                "response_code": code,
                "response_status": STATUSES.get(code, "FATAL_ERROR"),
                "response_result": result,
            }

        authorization = headers.get("authorization", "")
        if not authorization.startswith("Bearer "):
            return refuse(103)
        if authorization.removeprefix("Bearer ") != self.token:
            return refuse(105)
        if self._failures:
            http_status, code = self._failures.pop(0)
            if http_status != 200:
                return http_status, {}
            return refuse(code)
        try:
            request = json.loads(body)
        except ValueError:
            return refuse(502)
        sms = request.get("sms") or {}
        if not sms.get("sender"):
            return refuse(200)
        if not sms.get("text"):
            return refuse(201)
        if not request.get("recipients"):
            return refuse(202)
        results, taken = [], 0
        for phone in request["recipients"]:
            if not re.fullmatch(r"380[1-9][0-9]{8}", str(phone)):
                results.append({"phone": phone, "response_code": 305, "message_id": None})
            elif phone in self.stoplist:
                results.append({"phone": phone, "response_code": 404, "message_id": None})
            else:
                message_id = str(uuid.uuid4())
                self.messages.append(
                    {"message_id": message_id, "phone": phone, **sms},
                )
                results.append({"phone": phone, "response_code": 0, "message_id": message_id})
                taken += 1
        for result in results:
            result["response_status"] = STATUSES.get(result["response_code"], "OK")
        return 200, {
            "response_code": 800 if taken == len(results) else 802,
            "response_status": STATUSES[800 if taken == len(results) else 802],
            "response_result": results,
        }

    def _handler(gateway):  # noqa: N805 - the handler closes over the gateway
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.split("?")[0] != "/message/send.json":
                    status, answer = 404, {}
                else:
                    headers = {key.lower(): value for key, value in self.headers.items()}
                    gateway.requests.append({"headers": headers, "body": body})
                    status, answer = gateway._answer(headers, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
