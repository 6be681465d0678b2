"""
Outbound messages: one sender per channel, each behind its bot's limiter.

Telegram: about 30 messages a second in all and one a second per chat; a 429
answer's `retry_after` pauses the bot. Viber asks for no fixed figure; ours
is set by HROMADA_VIBER_RATE. The web chat has nothing to send: the widget
reads the stored replies.
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import connection

from hromada.chatbot import conf, telegram, viber
from hromada.chatbot.models import Bot, Chat
from hromada.chatbot.ratelimit import limiter_for
from hromada.chatbot.replies import Reply

logger = logging.getLogger(__name__)
ATTEMPTS = 4
MAX_RETRY_AFTER = 60.0

_clients: dict[tuple[int, str, str], object] = {}
_lock = threading.Lock()


def client_for(bot: Bot):
    token = bot.token
    base = conf.telegram_api() if bot.channel == Bot.Channel.TELEGRAM else conf.viber_api()
    with _lock:
        key = (bot.pk, token, base)
        client = _clients.get(key)
        if client is None:
            if bot.channel == Bot.Channel.TELEGRAM:
                client = telegram.TelegramClient(token)
            else:
                client = viber.ViberClient(token, name=bot.name)
            _clients[key] = client
        return client


def limiter(bot: Bot):
    rate = conf.telegram_rate() if bot.channel == Bot.Channel.TELEGRAM else conf.viber_rate()
    return limiter_for(bot.channel, bot.pk, rate, conf.per_chat_seconds())


def send(chat: Chat, reply: Reply) -> bool:
    """Send one reply into the chat; return whether it went. Raises a lasting ApiError."""
    if chat.channel == Chat.Channel.WEB:
        return True
    if chat.blocked or chat.bot is None or not chat.bot.active:
        return False
    client = client_for(chat.bot)
    bucket = limiter(chat.bot)
    for attempt in range(ATTEMPTS):
        bucket.acquire(chat.external_id)
        try:
            client.send(chat.external_id, reply)
            return True
        except (telegram.Gone, viber.Gone):
            from hromada.chatbot.services_chat import set_blocked

            set_blocked(chat=chat, blocked=True)
            return False
        except (telegram.ApiError, viber.ApiError) as error:
            if not error.temporary or attempt == ATTEMPTS - 1:
                raise
            wait = error.retry_after if error.retry_after else 0.5 * (2**attempt)
            wait = min(float(wait), MAX_RETRY_AFTER)
            logger.info("chatbot %s busy (%s): waiting %.1f s", chat.channel, error.code, wait)
            bucket.pause(wait)
            time.sleep(0)  # the limiter waits on the next acquire
    return False


def send_all(chat: Chat, replies: list[Reply]) -> None:
    for reply in replies:
        try:
            if not send(chat, reply):
                return
        except (telegram.ApiError, viber.ApiError) as error:
            logger.warning(
                "chatbot send to %s chat %s failed: %s", chat.channel, chat.pk, error.code
            )
            return


def send_notification(notification) -> None:
    """The notifications channel "chatbot": the message into the resident's linked chats."""
    from hromada.chatbot.services_chat import linked_chats

    chats = linked_chats(resident=notification.resident, community=notification.community)
    chats = [chat for chat in chats if chat.channel != Chat.Channel.WEB]
    if not chats:
        raise ValueError("no linked chat")
    text = f"{notification.subject}\n\n{notification.body}".strip()
    reply = Reply(text)
    sent = 0
    for chat in chats:
        sent += bool(send(chat, reply))
    if not sent:
        raise ValueError("no chat took it")


def wants_chatbot(resident) -> bool:
    """Whether the resident has a linked Telegram or Viber chat that still takes messages."""
    from hromada.core.registry import module

    if module("chatbot") is None or resident.pk is None:
        return False
    # Asked before every notification: one plain statement, not an ORM query.
    table = connection.ops.quote_name(Chat._meta.db_table)
    sql = (
        f"SELECT 1 FROM {table} WHERE resident_id = %s AND NOT blocked "  # noqa: S608 -- the model's table
        "AND channel <> %s LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [resident.pk, Chat.Channel.WEB.value])
        return cursor.fetchone() is not None
