"""``python -m hromada chatbot set-webhook``: the bots' addresses registered with the stand-ins."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from hromada.chatbot.models import Bot

BASE = "https://chornomorsk.example.gov.ua"


def run(*args) -> list[dict]:
    out = StringIO()
    try:
        call_command("chatbot", "set-webhook", *args, stdout=out)
    finally:
        run.printed = [json.loads(line) for line in out.getvalue().splitlines() if line]
    return run.printed


def test_telegram_and_viber_bots_are_registered(community, tg_bot, viber_bot, telegram, viber):
    printed = run("--community", community.slug, "--base-url", BASE + "/")
    assert [row["ok"] for row in printed] == [True, True]
    hook = telegram.webhooks[-1]
    assert hook["url"] == f"{BASE}/chatbot/telegram/{tg_bot.pk}/"
    assert hook["secret_token"] == tg_bot.secret
    assert set(hook["allowed_updates"]) == {"message", "callback_query", "my_chat_member"}
    assert viber.webhooks[-1]["url"] == f"{BASE}/chatbot/viber/{viber_bot.pk}/"
    assert "conversation_started" in viber.webhooks[-1]["event_types"]


def test_one_bot_only(community, tg_bot, viber_bot, telegram, viber):
    printed = run("--community", community.slug, "--base-url", BASE, "--bot", str(viber_bot.pk))
    assert [row["bot"] for row in printed] == [viber_bot.pk]
    assert telegram.webhooks == [] and len(viber.webhooks) == 1


def test_plain_http_is_refused(community, tg_bot, telegram):
    with pytest.raises(CommandError, match="HTTPS"):
        run("--community", community.slug, "--base-url", "http://chornomorsk.example")
    assert telegram.webhooks == []


def test_a_refused_token_fails_the_command_and_names_the_bot(community, tg_bot, viber_bot, viber):
    from hromada.chatbot.services_chat import set_bot_token

    set_bot_token(bot=viber_bot, token="wrong-token", actor=None)
    with pytest.raises(CommandError, match="1 bot"):
        run("--community", community.slug, "--base-url", BASE)
    by_channel = {row["channel"]: row for row in run.printed}
    assert by_channel["telegram"]["ok"] is True
    assert by_channel["viber"]["ok"] is False and by_channel["viber"]["error"].startswith("2")
    assert viber.webhooks == []


def test_a_bot_without_token_and_no_bot_at_all(community):
    with pytest.raises(CommandError, match="No active bot"):
        run("--community", community.slug, "--base-url", BASE)
    Bot.objects.create(community=community, channel="telegram", name="Без токена")
    with pytest.raises(CommandError):
        run("--community", community.slug, "--base-url", BASE)
    assert "token" in run.printed[0]["error"]
