"""The chatbot's settings, each with a default, read from Django settings or the environment."""

from __future__ import annotations

import os

from django.conf import settings


def _get(name: str, default: str) -> str:
    return str(getattr(settings, name, os.environ.get(name, default)))


def telegram_api() -> str:
    """Base URL of the Telegram Bot API (a stand-in on 127.0.0.1 in tests)."""
    return _get("HROMADA_TELEGRAM_API", "https://api.telegram.org").rstrip("/")


def viber_api() -> str:
    """Base URL of the Viber REST bot API."""
    return _get("HROMADA_VIBER_API", "https://chatapi.viber.com").rstrip("/")


def telegram_rate() -> float:
    """Messages a second a Telegram bot sends in all (the platform allows about 30)."""
    return float(_get("HROMADA_TELEGRAM_RATE", "28"))


def viber_rate() -> float:
    return float(_get("HROMADA_VIBER_RATE", "20"))


def per_chat_seconds() -> float:
    """Least time between two messages to one chat (Telegram: about one a second)."""
    return float(_get("HROMADA_CHATBOT_PER_CHAT_SECONDS", "1.05"))


def retention_days() -> int:
    """Days conversation text is kept (the purge task removes older text)."""
    return int(_get("HROMADA_CHATBOT_RETENTION_DAYS", "90"))


def viber_message_cost() -> str:
    """Estimated price of one bot-initiated Viber message, in UAH, for broadcasts."""
    return _get("HROMADA_VIBER_MESSAGE_COST", "0.45")


def http_timeout() -> float:
    return float(_get("HROMADA_CHATBOT_HTTP_TIMEOUT", "10"))
