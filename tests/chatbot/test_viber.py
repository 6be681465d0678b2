"""The Viber channel: the body's signature, events, keyboards, welcome, pictures."""

from __future__ import annotations

import io

from PIL import Image

from hromada.chatbot.models import Chat, Update
from tests.support import viber_api as v


def test_a_bad_signature_is_refused_and_nothing_is_stored(viber_bot, viber, post_viber):
    response = post_viber(viber_bot, v.message_event(1, "u1", "привіт"), signature="00" * 32)
    assert response.status_code == 403
    response = post_viber(viber_bot, v.message_event(2, "u1", "привіт"), signature="")
    assert response.status_code == 403
    assert Update.objects.count() == 0 and viber.sent == []


def test_the_webhook_check_is_answered(viber_bot, post_viber):
    assert post_viber(viber_bot, v.webhook_event()).status_code == 200


def test_conversation_started_gets_the_welcome_in_the_answer(viber_bot, viber, post_viber):
    response = post_viber(viber_bot, v.started_event(3, "u2"))
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "text" and body["sender"]["name"]
    actions = [b["ActionBody"] for b in body["keyboard"]["Buttons"]]
    assert actions[:3] == ["m:services", "m:power", "m:community"]
    assert viber.sent == []  # the welcome is the answer itself, free of charge


def test_a_message_is_answered_with_a_keyboard_once(viber_bot, viber, post_viber):
    event = v.message_event(4, "u3", "m:community")
    post_viber(viber_bot, event)
    post_viber(viber_bot, event)  # Viber's retry
    assert Update.objects.filter(bot=viber_bot).count() == 1
    assert len(viber.texts("u3")) == 1
    buttons = viber.sent[-1]["keyboard"]["Buttons"]
    assert all(b["ActionType"] == "reply" and b["Silent"] for b in buttons)


def test_unsubscribed_stops_messages_and_subscribed_resumes(viber_bot, viber, post_viber):
    post_viber(viber_bot, v.message_event(5, "u4", "/start"))
    post_viber(viber_bot, v.unsubscribed_event(6, "u4"))
    chat = Chat.objects.get(bot=viber_bot, external_id="u4")
    assert chat.blocked and not chat.subscribed
    post_viber(viber_bot, v.subscribed_event(7, "u4"))
    chat.refresh_from_db()
    assert not chat.blocked


def test_delivered_is_acknowledged(viber_bot, post_viber):
    assert post_viber(viber_bot, v.delivered_event(8, "u5")).status_code == 200


def test_receiver_not_subscribed_marks_the_chat(viber_bot, viber, post_viber):
    viber.unsubscribed.add("u6")
    post_viber(viber_bot, v.message_event(9, "u6", "/start"))
    assert Chat.objects.get(external_id="u6").blocked


def test_a_picture_is_downloaded(viber_bot, viber, post_viber):
    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, "JPEG")
    url = viber.add_media("p.jpg", out.getvalue())
    post_viber(viber_bot, v.picture_event(10, "u7", url))
    assert viber.sent  # answered (the menu hint), no error


def test_location_request_renders_a_location_picker(viber_bot, viber):
    from hromada.chatbot.replies import Reply
    from hromada.chatbot.viber import render_keyboard

    keyboard = render_keyboard(Reply("Де?", request_location=True))
    assert keyboard["Buttons"][0]["ActionType"] == "location-picker"
