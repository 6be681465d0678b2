"""
Services of the conversations: every state change of chats, links, hand-overs,
subscriptions, broadcasts and the privacy purge (the knowledge base's are in
`services.py`). Keyword-only arguments, one transaction each, DomainError
with translated messages, an audit entry where staff or a resident act.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.chatbot import conf
from hromada.chatbot.models import (
    Bot,
    Broadcast,
    Chat,
    ChatMessage,
    Delivery,
    LinkCode,
    Subscription,
    Topic,
    Update,
)
from hromada.chatbot.replies import clean_text
from hromada.core import audit
from hromada.core.errors import DomainError, Forbidden, NotFound, RateLimited, ValidationFailed
from hromada.core.models import Community, Resident, Settlement, StaffRole
from hromada.core.ratelimit import over_any

logger = logging.getLogger(__name__)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_MINUTES = 15
MAX_REPLY = 2000


class InvalidCode(DomainError):
    code = "invalid_code"
    message = _("This code is not valid or has expired. Take a new one on your profile page.")


class NotChatStaff(Forbidden):
    message = _("Only the community's staff answer conversations.")


class NotBroadcaster(Forbidden):
    message = _("Only moderators send broadcasts.")


class EmptyText(ValidationFailed):
    message = _("Write the text.")


# -- who may act -------------------------------------------------------------------------


def may_answer(staff: Resident | None, community: Community) -> bool:
    return bool(staff and staff.is_authenticated and staff.is_staff_of(community))


def may_broadcast(staff: Resident | None, community: Community) -> bool:
    return bool(
        staff and staff.is_authenticated and staff.has_role(community, StaffRole.Role.MODERATOR)
    )


def _text(value, *, limit: int = MAX_REPLY) -> str:
    text = clean_text(value)
    if not text:
        raise EmptyText(fields={"text": str(EmptyText.message)})
    if len(text) > limit:
        raise ValidationFailed(
            _("The text is too long: at most %(limit)d characters."),
            fields={"text": str(_("Too long."))},
            limit=limit,
        )
    return text


# -- chats --------------------------------------------------------------------------------


def chat_for(*, bot: Bot, external_id: str, language: str = "") -> Chat:
    """Return the chat of a bot's user, created on the first message."""
    external_id = str(external_id)[:64]
    chat = Chat.objects.filter(bot=bot, external_id=external_id).first()
    if chat is not None:
        return chat
    try:
        with transaction.atomic():
            return Chat.objects.create(
                community_id=bot.community_id,
                channel=bot.channel,
                bot=bot,
                external_id=external_id,
                language=language[:8],
            )
    except IntegrityError:
        return Chat.objects.get(bot=bot, external_id=external_id)


def store_update(*, bot: Bot, key: str, payload: dict) -> bool:
    """
    Store a webhook update once and queue it for the worker.

    Return False when it was stored before: the platform's retry of an update
    we have, processed once. One statement that the unique (bot, key) decides,
    with no transaction around it: this runs for every update a platform
    sends, and the acknowledgement is what the platform waits for.
    """
    from hromada.chatbot.tasks import process_update

    connection = connections[router.db_for_write(Update)]
    quote = connection.ops.quote_name
    meta = Update._meta
    sql = (
        f"INSERT INTO {quote(meta.db_table)} (bot_id, {quote('key')}, payload, received_at) "  # noqa: S608 -- names from the model
        f"VALUES (%s, %s, %s, %s) ON CONFLICT (bot_id, {quote('key')}) DO NOTHING RETURNING id"
    )
    params = [
        bot.pk,
        key,
        meta.get_field("payload").get_db_prep_save(payload, connection),
        meta.get_field("received_at").get_db_prep_save(timezone.now(), connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    transaction.on_commit(lambda: process_update.enqueue(row[0]), using=connection.alias)
    return True


def web_chat_for(*, community: Community, key: str, resident: Resident | None) -> Chat:
    """Return the web chat of a browser session; a signed-in visitor's is linked to them."""
    try:
        with transaction.atomic():
            chat, _created = Chat.objects.get_or_create(
                community=community,
                channel=Chat.Channel.WEB,
                external_id=key[:64],
                defaults={"resident": resident},
            )
    except IntegrityError:
        chat = Chat.objects.get(community=community, channel=Chat.Channel.WEB, external_id=key[:64])
    if chat.resident_id != (resident.pk if resident else None):
        chat.resident = resident
        chat.save(update_fields=["resident"])
    return chat


def set_blocked(*, chat: Chat, blocked: bool) -> None:
    """The resident blocked (or unblocked) the bot: no more messages, no subscriptions."""
    Chat.objects.filter(pk=chat.pk).update(blocked=blocked, subscribed=not blocked)
    chat.blocked, chat.subscribed = blocked, not blocked


# -- linking a chat to an account -------------------------------------------------------


def _code_hash(code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"chatbot-link\0{code.upper()}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def create_link_code(*, resident: Resident, community: Community) -> str:
    """Return a new one-time code (15 minutes) that links a chat to the resident's account."""
    if not resident.is_authenticated or not resident.is_active:
        raise Forbidden()
    now = timezone.now()
    LinkCode.objects.filter(resident=resident, community=community, used_at__isnull=True).delete()
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    LinkCode.objects.create(
        community=community,
        resident=resident,
        code_hash=_code_hash(code),
        expires_at=now + timedelta(minutes=CODE_MINUTES),
    )
    return code


def link_chat(*, chat: Chat, code: str) -> Resident:
    """Link the chat to the account whose code this is; each code works once."""
    if over_any(group="chatbot-link", checks=[(f"chat:{chat.pk}", "5/10m")]):
        raise RateLimited()
    code = "".join(ch for ch in str(code or "") if ch.isalnum())[:32]
    now = timezone.now()
    with transaction.atomic():
        link = (
            LinkCode.objects.select_for_update()
            .select_related("resident")
            .filter(code_hash=_code_hash(code), community=chat.community_id)
            .first()
        )
        if link is None or link.used_at is not None or link.expires_at < now:
            raise InvalidCode()
        if not link.resident.is_active or link.resident.deleted_at:
            raise InvalidCode()
        link.used_at = now
        link.save(update_fields=["used_at"])
        Chat.objects.filter(pk=chat.pk).update(resident=link.resident)
        chat.resident = link.resident
        audit.record(
            actor=link.resident,
            action="chatbot.chat_linked",
            target=chat,
            community=chat.community,
            after={"channel": chat.channel},
        )
    return link.resident


@transaction.atomic
def unlink_chat(*, chat: Chat) -> None:
    if chat.resident_id is None:
        return
    resident = chat.resident
    Chat.objects.filter(pk=chat.pk).update(resident=None)
    chat.resident = None
    audit.record(
        actor=resident, action="chatbot.chat_unlinked", target=chat, community=chat.community
    )


def linked_chats(*, resident: Resident, community: Community | None = None):
    chats = Chat.objects.filter(resident=resident, blocked=False).select_related("bot")
    if community is not None:
        chats = chats.filter(community=community)
    return chats


# -- hand-over to staff -------------------------------------------------------------------


def hand_over(*, chat: Chat) -> Chat:
    """Put the chat into the staff inbox (again, if it was closed)."""
    if chat.handover in (Chat.Handover.WAITING, Chat.Handover.ASSIGNED):
        return chat
    chat.handover = Chat.Handover.WAITING
    chat.assigned_to = None
    chat.handed_over_at = timezone.now()
    chat.first_reply_at = None
    Chat.objects.filter(pk=chat.pk).update(
        handover=chat.handover,
        assigned_to=None,
        handed_over_at=chat.handed_over_at,
        first_reply_at=None,
    )
    return chat


def _staff_chat(*, staff: Resident, community: Community, chat_id: int) -> Chat:
    if not may_answer(staff, community):
        raise NotChatStaff()
    chat = Chat.objects.select_for_update().filter(community=community, pk=chat_id).first()
    if chat is None:
        raise NotFound()
    return chat


@transaction.atomic
def assign(*, staff: Resident, community: Community, chat_id: int) -> Chat:
    chat = _staff_chat(staff=staff, community=community, chat_id=chat_id)
    chat.handover = Chat.Handover.ASSIGNED
    chat.assigned_to = staff
    if chat.handed_over_at is None:
        chat.handed_over_at = timezone.now()
    chat.save(update_fields=["handover", "assigned_to", "handed_over_at"])
    audit.record(actor=staff, action="chatbot.chat_assigned", target=chat, community=community)
    return chat


@transaction.atomic
def staff_reply(*, staff: Resident, community: Community, chat_id: int, text: str) -> ChatMessage:
    """Answer a resident: the reply goes back into the same chat after the commit."""
    chat = _staff_chat(staff=staff, community=community, chat_id=chat_id)
    text = _text(text)
    now = timezone.now()
    message = ChatMessage.objects.create(
        chat=chat, direction=ChatMessage.Direction.OUT, text=text, author=staff
    )
    if chat.handover != Chat.Handover.ASSIGNED or chat.assigned_to_id is None:
        chat.handover = Chat.Handover.ASSIGNED
        chat.assigned_to = staff
    if chat.first_reply_at is None:
        chat.first_reply_at = now
    chat.last_message_at = now
    chat.save(update_fields=["handover", "assigned_to", "first_reply_at", "last_message_at"])
    audit.record(actor=staff, action="chatbot.staff_reply", target=chat, community=community)
    transaction.on_commit(lambda: _enqueue_send(message.pk))
    return message


@transaction.atomic
def close_conversation(*, staff: Resident, community: Community, chat_id: int) -> Chat:
    chat = _staff_chat(staff=staff, community=community, chat_id=chat_id)
    chat.handover = Chat.Handover.CLOSED
    chat.save(update_fields=["handover"])
    audit.record(actor=staff, action="chatbot.chat_closed", target=chat, community=community)
    return chat


def _enqueue_send(message_id: int) -> None:
    from hromada.chatbot.tasks import send_message

    send_message.enqueue(message_id)


# -- subscriptions -----------------------------------------------------------------------


def _settlement(community: Community, settlement_id) -> Settlement | None:
    if settlement_id in (None, ""):
        return None
    try:
        settlement_id = int(settlement_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    settlement = Settlement.objects.filter(community=community, pk=settlement_id).first()
    if settlement is None:
        raise NotFound()
    return settlement


def toggle_subscription(*, chat: Chat, topic: str, settlement_id=None) -> bool:
    """Subscribe the chat to a topic (in a settlement), or unsubscribe it; return subscribed."""
    if topic not in Topic.values:
        raise NotFound()
    settlement = _settlement(chat.community, settlement_id)
    with transaction.atomic():
        existing = Subscription.objects.filter(chat=chat, topic=topic, settlement=settlement)
        if existing.exists():
            existing.delete()
            return False
        try:
            with transaction.atomic():
                Subscription.objects.create(chat=chat, topic=topic, settlement=settlement)
        except IntegrityError:
            pass
        if not chat.subscribed and not chat.blocked:
            Chat.objects.filter(pk=chat.pk).update(subscribed=True)
            chat.subscribed = True
    return True


# -- broadcasts --------------------------------------------------------------------------


def audience(*, community: Community, topic: str, settlement: Settlement | None = None):
    """Return the chats a broadcast reaches: subscribers of the topic (whole community or place)."""
    subscribers = Subscription.objects.filter(chat__community=community, topic=topic)
    if settlement is not None:
        subscribers = subscribers.filter(Q(settlement__isnull=True) | Q(settlement=settlement))
    return Chat.objects.filter(
        community=community,
        pk__in=subscribers.values("chat"),
        subscribed=True,
        blocked=False,
    ).exclude(channel=Chat.Channel.WEB)


def preview(*, community: Community, topic: str, settlement_id=None) -> dict:
    """Return the audience of a broadcast by channel and the Viber cost estimate."""
    if topic not in Topic.values:
        raise ValidationFailed(fields={"topic": str(_("Choose a topic."))})
    settlement = _settlement(community, settlement_id)
    chats = audience(community=community, topic=topic, settlement=settlement)
    telegram = chats.filter(channel=Chat.Channel.TELEGRAM).count()
    viber = chats.filter(channel=Chat.Channel.VIBER).count()
    cost = (Decimal(conf.viber_message_cost()) * viber).quantize(Decimal("0.01"))
    return {"telegram": telegram, "viber": viber, "total": telegram + viber, "viber_cost": cost}


@transaction.atomic
def create_broadcast(
    *, staff: Resident, community: Community, topic: str, text: str, settlement_id=None
) -> Broadcast:
    """Send a message to the topic's subscribers; delivery runs in the worker."""
    if not may_broadcast(staff, community):
        raise NotBroadcaster()
    text = _text(text)
    counts = preview(community=community, topic=topic, settlement_id=settlement_id)
    settlement = _settlement(community, settlement_id)
    broadcast = Broadcast.objects.create(
        community=community,
        author=staff,
        topic=topic,
        settlement=settlement,
        text=text,
        recipients=counts["total"],
        viber_recipients=counts["viber"],
        estimated_cost=counts["viber_cost"],
    )
    chats = audience(community=community, topic=topic, settlement=settlement).values_list(
        "pk", flat=True
    )
    Delivery.objects.bulk_create(
        [Delivery(broadcast=broadcast, chat_id=pk) for pk in chats.iterator()], batch_size=1000
    )
    audit.record(
        actor=staff,
        action="chatbot.broadcast",
        target=broadcast,
        community=community,
        after={"topic": topic, "recipients": counts["total"]},
    )
    transaction.on_commit(lambda: _enqueue_broadcast(broadcast.pk))
    return broadcast


def _enqueue_broadcast(broadcast_id: int) -> None:
    from hromada.chatbot.tasks import send_broadcast

    send_broadcast.enqueue(broadcast_id)


def delivery_stats(broadcast: Broadcast) -> dict:
    rows = Delivery.objects.filter(broadcast=broadcast)
    return {status: rows.filter(status=status).count() for status in Delivery.Status.values}


# -- privacy ------------------------------------------------------------------------------


@transaction.atomic
def forget_my_chats(*, resident: Resident, community: Community | None = None) -> int:
    """Delete the resident's chats and everything said in them; return how many."""
    chats = Chat.objects.filter(resident=resident)
    if community is not None:
        chats = chats.filter(community=community)
    count = chats.count()
    messages = ChatMessage.objects.filter(chat__in=chats).count()
    for chat_community in set(chats.values_list("community_id", flat=True)):
        audit.record(
            actor=resident,
            action="chatbot.chats_forgotten",
            community=Community.objects.get(pk=chat_community),
            after={"chats": count, "messages": messages},
        )
    chats.delete()
    logger.info("chatbot: a resident's chats forgotten: %d chats, %d messages", count, messages)
    return count


def purge_expired(*, now=None) -> dict:
    """Blank conversation text and raw updates older than the retention period; log the purge."""
    now = now or timezone.now()
    horizon = now - timedelta(days=conf.retention_days())
    total = {"messages": 0, "updates": 0}
    for community in Community.objects.all():
        with transaction.atomic():
            old = ChatMessage.objects.filter(
                chat__community=community, created_at__lt=horizon, purged=False
            )
            messages = old.update(text="", purged=True)
            updates = Update.objects.filter(
                bot__community=community, received_at__lt=horizon
            ).delete()[0]
            # Flow data of chats idle since then (an abandoned report's description).
            Chat.objects.filter(community=community, last_message_at__lt=horizon).exclude(
                data={}
            ).update(data={}, step="", flow="")
            if messages or updates:
                audit.record(
                    actor=None,
                    action="chatbot.purged",
                    community=community,
                    after={"messages": messages, "updates": updates, "before": horizon.isoformat()},
                )
        total["messages"] += messages
        total["updates"] += updates
    logger.info(
        "chatbot purge: %d messages blanked, %d updates deleted",
        total["messages"],
        total["updates"],
    )
    return total


# -- bots -----------------------------------------------------------------------------------


@transaction.atomic
def set_bot_token(*, bot: Bot, token: str, actor: Resident | None) -> Bot:
    """Store a bot's token encrypted, with a fresh webhook secret."""
    from hromada.chatbot.secrets import encrypt, new_secret

    token = "".join(str(token or "").split())[:200]
    if not token:
        raise ValidationFailed(fields={"token": str(_("Give the bot's token."))})
    bot.token_encrypted = encrypt(token)
    bot.secret_encrypted = encrypt(new_secret())
    bot.save()
    audit.record(actor=actor, action="chatbot.bot_token_set", target=bot, community=bot.community)
    return bot


@transaction.atomic
def forget_chat(*, chat: Chat) -> int:
    """Delete what was said in one chat, its subscriptions and link (the resident asked)."""
    count = ChatMessage.objects.filter(chat=chat).delete()[0]
    Subscription.objects.filter(chat=chat).delete()
    Chat.objects.filter(pk=chat.pk).update(
        resident=None, data={}, step="", flow="", handover="", assigned_to=None, subscribed=False
    )
    chat.resident, chat.data, chat.step, chat.flow = None, {}, "", ""
    chat.handover, chat.assigned_to, chat.subscribed = "", None, False
    chat.forgotten = True  # the engine stores nothing more of this exchange
    audit.record(
        actor=None,
        action="chatbot.chat_forgotten",
        target=chat,
        community=chat.community,
        after={"messages": count},
    )
    logger.info("chatbot: chat %s forgotten, %d messages", chat.pk, count)
    return count
