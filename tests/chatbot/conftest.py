"""Fixtures of the chatbot's engine and channel tests: bots against local stand-ins."""

from __future__ import annotations

import json

import pytest

from hromada.chatbot.models import Bot
from hromada.chatbot.services_chat import set_bot_token
from tests.support import viber_api
from tests.support.telegram_api import TelegramApi
from tests.support.viber_api import ViberApi


@pytest.fixture(autouse=True)
def _quick_limits(settings):
    """No waiting between two replies to one chat in tests (the limiter has its own tests)."""
    settings.HROMADA_CHATBOT_PER_CHAT_SECONDS = "0"
    settings.HROMADA_TELEGRAM_RATE = "1000"
    settings.HROMADA_VIBER_RATE = "1000"


@pytest.fixture
def telegram(settings):
    with TelegramApi() as api:
        settings.HROMADA_TELEGRAM_API = api.url
        yield api


@pytest.fixture
def viber(settings):
    with ViberApi() as api:
        settings.HROMADA_VIBER_API = api.url
        yield api


@pytest.fixture
def tg_bot(community, telegram) -> Bot:
    bot = Bot.objects.create(
        community=community,
        channel=Bot.Channel.TELEGRAM,
        name="Чорноморськ",
        username="chornomorsk_bot",
    )
    return set_bot_token(bot=bot, token=telegram.token, actor=None)


@pytest.fixture
def viber_bot(community, viber) -> Bot:
    bot = Bot.objects.create(
        community=community, channel=Bot.Channel.VIBER, name="Чорноморськ", username="chornomorsk"
    )
    return set_bot_token(bot=bot, token=viber.token, actor=None)


@pytest.fixture
def post_telegram(client, django_capture_on_commit_callbacks):
    """Post an update to the bot's webhook as Telegram does; run what it queued."""

    def post(bot: Bot, body: dict, *, secret: str | None = None):
        headers = {}
        secret = bot.secret if secret is None else secret
        if secret:
            headers["HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"] = secret
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/chatbot/telegram/{bot.pk}/",
                data=json.dumps(body),
                content_type="application/json",
                **headers,
            )

    return post


@pytest.fixture
def post_viber(client, django_capture_on_commit_callbacks):
    def post(bot: Bot, body: dict, *, signature: str | None = None):
        raw, good = viber_api.callback(bot.token, body)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/chatbot/viber/{bot.pk}/",
                data=raw,
                content_type="application/json",
                HTTP_X_VIBER_CONTENT_SIGNATURE=good if signature is None else signature,
            )

    return post
