"""
A stand-in ID.GOV.UA on 127.0.0.1, speaking its own OAuth 2.0 flavour.

As public integrations document it: ``/`` takes the resident
(``response_type=code``, ``client_id``, ``auth_type``, ``state``,
``redirect_uri``) and sends them back with a one-time ``code`` and the
state, or with ``error=access_denied``; ``/get-access-token`` exchanges the
code (``client_id``, ``client_secret``, ``grant_type=authorization_code``)
for ``{"access_token", "token_type", "expires_in", "refresh_token",
"user_id"}``; ``/get-user-info`` (``user_id``, ``access_token``, ``fields``,
``cert``) returns the fields asked for. Errors are
``{"error", "error_description"}``. There is no ID token and no discovery.
Both endpoints take their parameters by GET or by POST, as documented.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse


class IdGovUaProvider:
    def __init__(self, *, client_id: str = "hromada-rp", client_secret: str = "s3cret"):
        self.client_id = client_id
        self.client_secret = client_secret
        self.identity: dict = {}  # the person who signs in next, as get-user-info names it
        self.deny = False  # the person presses "cancel" at ID.GOV.UA
        # Answer user info encrypted to the relying party's certificate, either
        # inside JSON ("json": {"encryptedUserInfo": ...}) or as a bare body ("raw").
        self.encrypted: str | None = None
        self.delay = 0.0  # seconds every back-channel answer waits
        self.revoke_tokens = False  # access tokens stop working before get-user-info
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.authorize_requests: list[dict] = []
        self.user_info_requests: list[dict] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._stopped = False

    def __enter__(self) -> IdGovUaProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop answering (the port is closed: connections are refused)."""
        if not self._stopped:
            self._stopped = True
            self.server.shutdown()
            self.server.server_close()

    def _handler(provider):  # noqa: N805 - the handler closes over the provider
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, error: str, description: str) -> None:
                self._json(status, {"error": error, "error_description": description})

            def _params(self) -> dict:
                url = urlparse(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                length = int(self.headers.get("Content-Length", 0) or 0)
                if length:
                    body = self.rfile.read(length).decode()
                    params.update(
                        {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
                    )
                return params

            def do_GET(self):
                self._route(urlparse(self.path).path, self._params())

            def do_POST(self):
                self._route(urlparse(self.path).path, self._params())

            def _route(self, path: str, params: dict) -> None:
                if path == "/":
                    return self._authorize(params)
                if path == "/get-access-token":
                    time.sleep(provider.delay)
                    return self._access_token(params)
                if path == "/get-user-info":
                    time.sleep(provider.delay)
                    return self._user_info(params)
                return self._error(404, "not_found", "No such endpoint")

            def _authorize(self, params: dict) -> None:
                provider.authorize_requests.append(params)
                if (
                    params.get("response_type") != "code"
                    or params.get("client_id") != provider.client_id
                    or not params.get("redirect_uri")
                    or not params.get("auth_type")
                ):
                    return self._error(400, "invalid_request", "Unknown client or bad request")
                answer = {"state": params.get("state", "")}
                if provider.deny:
                    answer = {"error": "access_denied", **answer}
                else:
                    code = secrets.token_hex(16)
                    provider.codes[code] = {
                        "client_id": params["client_id"],
                        "identity": dict(provider.identity),
                    }
                    answer = {"code": code, **answer}
                self.send_response(302)
                self.send_header("Location", f"{params['redirect_uri']}?{urlencode(answer)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None

            def _access_token(self, params: dict) -> None:
                if params.get("grant_type") != "authorization_code":
                    return self._error(400, "unsupported_grant_type", "Unknown grant_type")
                if (
                    params.get("client_id") != provider.client_id
                    or params.get("client_secret") != provider.client_secret
                ):
                    return self._error(401, "invalid_client", "Wrong client_id or client_secret")
                grant = provider.codes.pop(params.get("code", ""), None)  # one use only
                if grant is None or grant["client_id"] != params["client_id"]:
                    return self._error(400, "invalid_grant", "Unknown or used code")
                access, user_id = secrets.token_hex(20), str(secrets.randbelow(10**6))
                provider.tokens[access] = {"user_id": user_id, "identity": grant["identity"]}
                return self._json(
                    200,
                    {
                        "access_token": access,
                        "token_type": "bearer",
                        "expires_in": 3600,
                        "refresh_token": secrets.token_hex(20),
                        "user_id": user_id,
                    },
                )

            def _user_info(self, params: dict) -> None:
                provider.user_info_requests.append(params)
                token = provider.tokens.get(params.get("access_token", ""))
                if (
                    provider.revoke_tokens
                    or token is None
                    or token["user_id"] != params.get("user_id")
                ):
                    return self._error(401, "invalid_token", "Unknown access_token or user_id")
                asked = [name.strip() for name in params.get("fields", "").split(",")]
                info = {
                    name: token["identity"][name] for name in asked if name in token["identity"]
                }
                sealed = base64.b64encode(secrets.token_bytes(64)).decode()
                if provider.encrypted == "raw":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Content-Length", str(len(sealed)))
                    self.end_headers()
                    self.wfile.write(sealed.encode())
                    return None
                if provider.encrypted == "json" or params.get("cert"):
                    return self._json(200, {"encryptedUserInfo": sealed})
                return self._json(200, {"auth_type": "bank_id", **info})

        return Handler
