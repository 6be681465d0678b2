"""
What the task worker does with a stored webhook update, a staff reply and a broadcast.

An update is claimed once (a conditional UPDATE stamps `processed_at`), so a
job queued twice, or a retry racing the original, answers once. The chat is
locked while the engine runs, so two messages of one chat never interleave;
replies go out after the commit, through the channel's limited sender.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from hromada.chatbot import engine, sender, telegram, viber
from hromada.chatbot.models import Bot, Broadcast, Chat, ChatMessage, Delivery, Update
from hromada.chatbot.replies import Photo, Reply
from hromada.chatbot.services_chat import chat_for, set_blocked

logger = logging.getLogger(__name__)


def process_update(update_id: int) -> None:
    claimed = Update.objects.filter(pk=update_id, processed_at__isnull=True).update(
        processed_at=timezone.now()
    )
    if not claimed:
        return
    update = Update.objects.select_related("bot__community").get(pk=update_id)
    bot = update.bot
    if not bot.active:
        return
    if bot.channel == Bot.Channel.TELEGRAM:
        chat = _telegram(bot, update.payload)
    else:
        chat = _viber(bot, update.payload)
    if chat is not None and getattr(chat, "private_exchange", False):
        # An answer to a survey: the raw update keeps no text of it until the purge.
        Update.objects.filter(pk=update.pk).update(payload={"redacted": True})


def _converse(chat: Chat, message) -> list[Reply]:
    with transaction.atomic():
        locked = (
            Chat.objects.select_for_update(of=("self",))
            .select_related("community", "resident", "bot")
            .get(pk=chat.pk)
        )
        return locked, engine.handle(locked, message)


def _telegram(bot: Bot, body: dict) -> Chat | None:
    parsed = telegram.parse(body)
    if not parsed.chat_id or parsed.kind == "ignored" or not parsed.private:
        return
    chat = chat_for(bot=bot, external_id=parsed.chat_id, language=parsed.language)
    if parsed.kind in ("blocked", "unblocked"):
        set_blocked(chat=chat, blocked=parsed.kind == "blocked")
        return
    client = sender.client_for(bot)
    if parsed.kind == "callback" and parsed.callback_id:
        try:
            client.answer_callback(parsed.callback_id)
        except telegram.ApiError as error:
            logger.info("chatbot callback answer failed: %s", error.code)
    message = parsed.message
    if parsed.photo_file_id:
        try:
            message.photo = Photo(client.download(parsed.photo_file_id), "photo.jpg")
        except telegram.ApiError as error:
            logger.info("chatbot photo download failed: %s", error.code)
            sender.send_all(chat, [Reply(_too_big())])
            return
    if chat.blocked:
        set_blocked(chat=chat, blocked=False)
    chat, replies = _converse(chat, message)
    sender.send_all(chat, replies)
    return chat


def _too_big() -> str:
    with override("uk"):
        return _("The photo could not be received; send a smaller one, up to 20 MB.")


def _viber(bot: Bot, body: dict) -> Chat | None:
    parsed = viber.parse(body)
    if not parsed.chat_id or parsed.kind not in ("message", "subscribed", "unsubscribed", "failed"):
        return
    chat = chat_for(bot=bot, external_id=parsed.chat_id, language=parsed.language)
    if parsed.kind in ("unsubscribed", "failed"):
        if parsed.kind == "unsubscribed":
            set_blocked(chat=chat, blocked=True)
        return
    if parsed.kind == "subscribed":
        set_blocked(chat=chat, blocked=False)
        return
    message = parsed.message
    if parsed.picture_url:
        try:
            message.photo = Photo(sender.client_for(bot).download(parsed.picture_url), "photo.jpg")
        except viber.ApiError as error:
            logger.info("chatbot picture download failed: %s", error.code)
            sender.send_all(chat, [Reply(_too_big())])
            return
    if chat.blocked:
        set_blocked(chat=chat, blocked=False)
    chat, replies = _converse(chat, message)
    sender.send_all(chat, replies)
    return chat


def send_stored_message(message_id: int) -> None:
    message = (
        ChatMessage.objects.select_related("chat__bot")
        .filter(pk=message_id, direction=ChatMessage.Direction.OUT)
        .first()
    )
    if message is None or not message.text:
        return
    sender.send_all(message.chat, [Reply(message.text)])


def send_broadcast(broadcast_id: int) -> dict:
    """Send a broadcast's queued deliveries, each once, within the bots' limits."""
    broadcast = Broadcast.objects.filter(pk=broadcast_id).first()
    if broadcast is None:
        return {}
    reply = Reply(broadcast.text)
    queued = (
        Delivery.objects.filter(broadcast=broadcast, status=Delivery.Status.QUEUED)
        .select_related("chat__bot")
        .order_by("pk")
    )
    sent = failed = 0
    for delivery in queued.iterator(chunk_size=500):
        # Claim it: a second worker on the same broadcast skips what this one took.
        claimed = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.QUEUED).update(
            status=Delivery.Status.SENT, sent_at=timezone.now()
        )
        if not claimed:
            continue
        try:
            went = sender.send(delivery.chat, reply)
            error = "" if went else "unreachable"
        except (telegram.ApiError, viber.ApiError) as problem:
            went, error = False, f"{problem.code}"
        if went:
            sent += 1
        else:
            failed += 1
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.FAILED, error=error[:100]
            )
    Broadcast.objects.filter(pk=broadcast.pk).update(
        status=Broadcast.Status.SENT, finished_at=timezone.now()
    )
    logger.info("chatbot broadcast %s: %d sent, %d failed", broadcast.pk, sent, failed)
    return {"sent": sent, "failed": failed}
