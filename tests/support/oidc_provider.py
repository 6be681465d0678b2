"""
A stand-in OpenID Connect provider on 127.0.0.1, shaped like ID.GOV.UA.

It speaks the real protocol (discovery, authorization code, token endpoint
with client_secret_basic/post, RS256-signed ID token, JWKS, userinfo) and
approves every authorization for the identity it was given, as a person who
signed in with BankID would.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey


class OIDCProvider:
    def __init__(self, *, client_id: str = "hromada", client_secret: str = "s3cret"):
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = RSAKey.generate_key(2048)
        self.key_id = "test-key"
        self.identity: dict = {}
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> OIDCProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _id_token(self, claims: dict, nonce: str | None) -> str:
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "sub": claims["sub"],
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            **claims,
        }
        if nonce:
            payload["nonce"] = nonce
        header = {"alg": "RS256", "kid": self.key_id}
        return jwt.encode(header, payload, self.key)

    def _handler(provider):  # noqa: N805 - the handler closes over the provider
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    return self._json(
                        200,
                        {
                            "issuer": provider.issuer,
                            "authorization_endpoint": f"{provider.issuer}/authorize",
                            "token_endpoint": f"{provider.issuer}/token",
                            "userinfo_endpoint": f"{provider.issuer}/userinfo",
                            "jwks_uri": f"{provider.issuer}/jwks",
                            "response_types_supported": ["code"],
                            "subject_types_supported": ["public"],
                            "id_token_signing_alg_values_supported": ["RS256"],
                            "token_endpoint_auth_methods_supported": [
                                "client_secret_basic",
                                "client_secret_post",
                            ],
                        },
                    )
                if url.path == "/jwks":
                    public = provider.key.as_dict(private=False)
                    public.update(kid=provider.key_id, use="sig", alg="RS256")
                    return self._json(200, {"keys": [public]})
                if url.path == "/authorize":
                    if (
                        query.get("client_id") != provider.client_id
                        or query.get("response_type") != "code"
                    ):
                        return self._json(400, {"error": "invalid_request"})
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = {
                        "redirect_uri": query["redirect_uri"],
                        "nonce": query.get("nonce"),
                        "claims": dict(provider.identity),
                    }
                    target = (
                        query["redirect_uri"]
                        + "?"
                        + urlencode({"code": code, "state": query.get("state", "")})
                    )
                    self.send_response(302)
                    self.send_header("Location", target)
                    self.end_headers()
                    return None
                if url.path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    if token not in provider.tokens:
                        return self._json(401, {"error": "invalid_token"})
                    return self._json(200, provider.tokens[token])
                return self._json(404, {"error": "not_found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if urlparse(self.path).path != "/token":
                    return self._json(404, {"error": "not_found"})
                client_id, secret = form.get("client_id"), form.get("client_secret")
                basic = self.headers.get("Authorization", "")
                if basic.startswith("Basic "):
                    client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
                if client_id != provider.client_id or secret != provider.client_secret:
                    return self._json(401, {"error": "invalid_client"})
                grant = provider.codes.pop(form.get("code", ""), None)
                if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
                    return self._json(400, {"error": "invalid_grant"})
                access = secrets.token_urlsafe(16)
                provider.tokens[access] = grant["claims"]
                return self._json(
                    200,
                    {
                        "access_token": access,
                        "token_type": "Bearer",
                        "expires_in": 300,
                        "id_token": provider._id_token(grant["claims"], grant["nonce"]),
                    },
                )

        return Handler
