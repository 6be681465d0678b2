"""The platforms' webhooks take a short middleware chain; every other URL the full one."""

from __future__ import annotations

import json
import logging

from django.test import Client
from django.utils import translation
from prometheus_client import REGISTRY

from hromada.chatbot.models import Update
from tests.support.telegram_api import message_update

VIEW_METRIC = "django_http_responses_total_by_status_view_method_total"


def _post(client, bot, body: bytes, **extra):
    return client.post(
        f"/chatbot/telegram/{bot.pk}/",
        data=body,
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=bot.secret,
        **extra,
    )


def test_an_update_is_stored_without_the_pages_middleware(tg_bot, telegram, client):
    """No session cookie, language or frame headers: the acknowledgement is bare."""
    response = _post(client, tg_bot, json.dumps(message_update(40, 601, "/start")).encode())
    assert response.status_code == 200
    assert Update.objects.filter(bot=tg_bot, key="40").exists()
    assert response.cookies == {}
    for header in ("Content-Security-Policy", "X-Frame-Options", "Content-Language", "Vary"):
        assert header not in response
    # What still applies: the request id, SecurityMiddleware's headers, a length.
    assert response["X-Request-ID"]
    assert response["Content-Length"] == "0"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_request_log_and_metrics_name_the_webhook(tg_bot, telegram, client, caplog):
    labels = {"status": "200", "view": "chatbot:telegram_webhook", "method": "POST"}
    before = REGISTRY.get_sample_value(VIEW_METRIC, labels) or 0
    caplog.set_level(logging.INFO, logger="hromada.request")
    _post(client, tg_bot, json.dumps(message_update(41, 602, "/start")).encode())
    assert REGISTRY.get_sample_value(VIEW_METRIC, labels) == before + 1
    lines = [r.getMessage() for r in caplog.records if r.name == "hromada.request"]
    assert any("POST chatbot:telegram_webhook 200" in line for line in lines)


def test_a_nul_in_the_update_is_refused_and_nothing_stored(tg_bot, telegram, client):
    body = json.dumps(message_update(42, 603, "a\x00b")).encode()
    assert b"\\u0000" in body
    assert _post(client, tg_bot, body).status_code == 400
    assert not Update.objects.exists()


def test_the_secret_is_still_checked(tg_bot, telegram, client):
    body = json.dumps(message_update(43, 604, "/start")).encode()
    response = client.post(
        f"/chatbot/telegram/{tg_bot.pk}/",
        data=body,
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN="wrong",
    )
    assert response.status_code == 401
    assert not Update.objects.exists()


def test_an_unknown_bot_is_not_found(tg_bot, telegram, client):
    response = client.post(
        f"/chatbot/telegram/{tg_bot.pk + 1000}/",
        data=b"{}",
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=tg_bot.secret,
    )
    assert response.status_code == 404


def test_a_get_to_the_webhook_takes_the_full_chain(tg_bot, telegram, client):
    response = client.get(f"/chatbot/telegram/{tg_bot.pk}/")
    assert response.status_code == 405
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Language"] == "uk"


def test_other_posts_keep_csrf_and_the_pages_headers(community):
    """The web chat is not a webhook: without a CSRF token its POST is refused."""
    client = Client(enforce_csrf_checks=True)
    response = client.post("/chatbot/chat/send/", {"text": "привіт"})
    assert response.status_code == 403
    assert response["X-Frame-Options"] == "DENY"


def test_the_webhook_leaves_the_thread_in_the_default_language(tg_bot, telegram):
    translation.activate("en")
    response = Client().post(
        f"/chatbot/telegram/{tg_bot.pk}/",
        data=json.dumps(message_update(70, 701, "/start")),
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=tg_bot.secret,
    )
    assert response.status_code == 200
    assert translation.get_language() == "uk"
