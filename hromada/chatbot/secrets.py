"""
Bot tokens and webhook secrets, encrypted at rest.

Fernet (AES-128-CBC with HMAC-SHA256) with a key from ``HROMADA_CHATBOT_KEY``
(a Fernet key, 32 url-safe base64 bytes) or, when unset, one derived from
SECRET_KEY: the database alone never reveals a token.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets as _secrets

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    key = getattr(settings, "HROMADA_CHATBOT_KEY", "") or os.environ.get("HROMADA_CHATBOT_KEY", "")
    if not key:
        digest = hashlib.sha256(f"hromada.chatbot\0{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key.encode() if isinstance(key, str) else key)


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(value: str) -> str:
    if not value:
        return ""
    try:
        return _fernet().decrypt(value.encode()).decode()
    except (InvalidToken, ValueError):
        return ""


def new_secret() -> str:
    """Return a webhook secret Telegram accepts (1-256 of A-Z a-z 0-9 _ -)."""
    return _secrets.token_urlsafe(32)
