"""The Telegram channel: the webhook's secret, each update once, replies through the Bot API."""

from __future__ import annotations

import io
import logging

from PIL import Image

from hromada.chatbot.models import Chat, ChatMessage, Update
from tests.support.telegram_api import (
    blocked_update,
    callback_update,
    message_update,
    photo_update,
)


def test_wrong_or_missing_secret_is_refused_and_nothing_is_stored(tg_bot, telegram, post_telegram):
    assert (
        post_telegram(tg_bot, message_update(1, 501, "/start"), secret="wrong").status_code == 401
    )
    assert post_telegram(tg_bot, message_update(2, 501, "/start"), secret="").status_code == 401
    assert Update.objects.count() == 0
    assert telegram.sent == []


def test_start_answers_with_the_menus_as_an_inline_keyboard(tg_bot, telegram, post_telegram):
    response = post_telegram(tg_bot, message_update(10, 501, "/start"))
    assert response.status_code == 200
    assert len(telegram.sent) == 1
    sent = telegram.sent[0]
    assert sent["chat_id"] == "501"
    keyboard = sent["reply_markup"]["inline_keyboard"]
    labels = [row[0]["text"] for row in keyboard]
    assert labels[:3] == ["Послуги", "Я+Влада", "Моя громада"]
    assert keyboard[0][0]["callback_data"] == "m:services"


def test_a_retried_update_is_stored_and_answered_once(tg_bot, telegram, post_telegram):
    update = message_update(11, 502, "/start")
    assert post_telegram(tg_bot, update).status_code == 200
    assert post_telegram(tg_bot, update).status_code == 200
    assert Update.objects.filter(bot=tg_bot).count() == 1
    assert len(telegram.texts(502)) == 1


def test_a_button_press_is_answered_and_opens_the_menu(tg_bot, telegram, post_telegram):
    post_telegram(tg_bot, callback_update(12, 503, "m:community"))
    assert telegram.callbacks_answered == ["cb12"]
    buttons = [
        row[0]["callback_data"] for row in telegram.sent[-1]["reply_markup"]["inline_keyboard"]
    ]
    assert "f:chatbot.emergency" in buttons


def test_a_flow_runs_from_a_button(tg_bot, telegram, post_telegram):
    post_telegram(tg_bot, callback_update(13, 504, "f:chatbot.emergency"))
    assert "112" in telegram.sent[-1]["text"]


def test_blocking_the_bot_unsubscribes_the_chat(tg_bot, telegram, post_telegram):
    post_telegram(tg_bot, message_update(14, 505, "/start"))
    post_telegram(tg_bot, blocked_update(15, 505))
    chat = Chat.objects.get(bot=tg_bot, external_id="505")
    assert chat.blocked and not chat.subscribed


def test_a_blocked_chat_is_marked_when_telegram_refuses(tg_bot, telegram, post_telegram):
    telegram.blocked.add("506")
    post_telegram(tg_bot, message_update(16, 506, "/start"))
    assert Chat.objects.get(external_id="506").blocked


def test_429_is_honoured_and_the_message_still_goes(tg_bot, telegram, post_telegram):
    telegram.fail_next(429, retry_after=0)
    post_telegram(tg_bot, message_update(17, 507, "/start"))
    assert len(telegram.texts(507)) == 1


def test_bad_bodies_are_refused_without_a_500(tg_bot, telegram, client):
    for body in (b"not json", b"[]", b'{"update_id": "x"}', b'{"update_id": -1}', b"{}"):
        response = client.post(
            f"/chatbot/telegram/{tg_bot.pk}/",
            data=body,
            content_type="application/json",
            HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=tg_bot.secret,
        )
        assert response.status_code == 400
    assert Update.objects.count() == 0


def test_another_communitys_bot_is_not_found(tg_bot, other_community, client):
    response = client.post(
        f"/chatbot/telegram/{tg_bot.pk}/",
        data="{}",
        content_type="application/json",
        HTTP_HOST="pivdenne.localhost",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=tg_bot.secret,
    )
    assert response.status_code == 404


def test_token_and_secret_are_stored_encrypted(tg_bot, telegram):
    tg_bot.refresh_from_db()
    assert telegram.token not in tg_bot.token_encrypted
    assert tg_bot.token == telegram.token
    assert tg_bot.secret and tg_bot.secret not in tg_bot.secret_encrypted


def test_no_message_text_reaches_the_logs(tg_bot, telegram, post_telegram, caplog):
    caplog.set_level(logging.DEBUG)
    post_telegram(tg_bot, message_update(18, 508, "таємниця Шевченка 12"))
    assert "таємниця" not in caplog.text
    assert ChatMessage.objects.filter(text__contains="таємниця").exists()


def test_photo_is_fetched_through_get_file(tg_bot, telegram, post_telegram):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(out, "JPEG")
    telegram.add_file("big-photo", out.getvalue())
    post_telegram(tg_bot, photo_update(19, 509, "big-photo", len(out.getvalue())))
    assert ("getFile", {"file_id": "big-photo"}) in telegram.calls


def test_a_photo_over_20_mb_is_refused_politely(tg_bot, telegram, post_telegram):
    telegram.add_file("huge", b"x", declared_size=21 * 1024 * 1024)
    post_telegram(tg_bot, photo_update(20, 510, "huge", 21 * 1024 * 1024))
    assert "20" in telegram.sent[-1]["text"]
