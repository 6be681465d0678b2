"""
Bot tokens and webhook secrets, encrypted at rest.

Fernet (AES-128-CBC with HMAC-SHA256) with a key from ``HROMADA_CHATBOT_KEY``
(a Fernet key, 32 url-safe base64 bytes) or, when unset, one derived from
SECRET_KEY: the database alone never reveals a token.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import secrets as _secrets

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _key() -> str:
    key = getattr(settings, "HROMADA_CHATBOT_KEY", "") or os.environ.get("HROMADA_CHATBOT_KEY", "")
    if not key:
        digest = hashlib.sha256(f"hromada.chatbot\0{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return key.decode() if isinstance(key, bytes) else key


@functools.lru_cache(maxsize=8)
def _fernet_of(key: str) -> Fernet:
    return Fernet(key.encode())


def _fernet() -> Fernet:
    return _fernet_of(_key())


# Every webhook update checks its bot's secret: decrypted once per process.
@functools.lru_cache(maxsize=256)
def _decrypt(key: str, value: str) -> str:
    try:
        return _fernet_of(key).decrypt(value.encode()).decode()
    except (InvalidToken, ValueError):
        return ""


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(value: str) -> str:
    return _decrypt(_key(), value) if value else ""


def new_secret() -> str:
    """Return a webhook secret Telegram accepts (1-256 of A-Z a-z 0-9 _ -)."""
    return _secrets.token_urlsafe(32)
