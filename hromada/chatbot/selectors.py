"""Read queries of the conversations: the staff inbox, statistics, dashboard, "My community"."""

from __future__ import annotations

import statistics as stats
from datetime import timedelta

from django.db import connections
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hromada.chatbot.models import Bot, Chat, ChatMessage, KnowledgeEntry
from hromada.core.models import Community, Resident
from hromada.core.registry import DashboardItem, MyItem, MySection
from hromada.core.rows import RowLoader

_WEBHOOK_BOT = RowLoader(Bot)


def webhook_bot(*, community: Community, pk: int, channel: str) -> Bot | None:
    """
    Return the community's active bot of the channel with this id, or None.

    Every webhook update looks its bot up before anything else: a plain
    statement, because composing the ORM query cost more than the rest of
    the acknowledgement. The community is the request's own.
    """
    if not 0 < pk <= 2**62:
        return None
    connection = connections["default"]
    table = connection.ops.quote_name(Bot._meta.db_table)
    columns = _WEBHOOK_BOT.columns(table, connection)
    sql = (
        f"SELECT {columns} FROM {table} "  # noqa: S608 -- names from the model
        "WHERE id = %s AND channel = %s AND community_id = %s AND active"
    )
    found = _WEBHOOK_BOT.load(sql, [pk, channel, community.pk])
    if not found:
        return None
    bot = found[0]
    bot.community = community
    return bot


def inbox(*, community: Community, staff: Resident, state: str = "open"):
    chats = Chat.objects.filter(community=community).select_related("assigned_to")
    if state == "closed":
        return chats.filter(handover=Chat.Handover.CLOSED).order_by("-handed_over_at", "-pk")
    chats = chats.filter(handover__in=[Chat.Handover.WAITING, Chat.Handover.ASSIGNED])
    if state == "mine":
        chats = chats.filter(assigned_to=staff)
    return chats.order_by("handed_over_at", "pk")


def statistics(*, community: Community, days: int = 30) -> dict:
    """Conversations, answered automatically %, hand-overs, median first reply, top questions."""
    since = timezone.now() - timedelta(days=days)
    chats = Chat.objects.filter(community=community, last_message_at__gte=since)
    questions = ChatMessage.objects.filter(
        chat__community=community, created_at__gte=since, direction=ChatMessage.Direction.IN
    ).exclude(outcome="")
    by_outcome = dict(questions.values_list("outcome").annotate(n=Count("pk")).order_by())
    asked = sum(by_outcome.values())
    answered = by_outcome.get(ChatMessage.Outcome.ANSWERED, 0)
    waits = [
        (first - handed).total_seconds() / 60
        for handed, first in Chat.objects.filter(
            community=community,
            handed_over_at__gte=since,
            first_reply_at__isnull=False,
        ).values_list("handed_over_at", "first_reply_at")
    ]
    top = list(
        questions.filter(outcome=ChatMessage.Outcome.ANSWERED)
        .values("answer_key")
        .annotate(n=Count("pk"))
        .order_by("-n", "answer_key")[:10]
    )
    titles = dict(
        KnowledgeEntry.objects.filter(
            community=community, key__in=[row["answer_key"] for row in top]
        ).values_list("key", "question")
    )
    return {
        "days": days,
        "conversations": chats.count(),
        "by_channel": dict(chats.values_list("channel").annotate(n=Count("pk")).order_by()),
        "questions": asked,
        "answered": answered,
        "answered_share": round(100 * answered / asked) if asked else None,
        "suggested": by_outcome.get(ChatMessage.Outcome.SUGGESTED, 0),
        "handovers": by_outcome.get(ChatMessage.Outcome.HANDOVER, 0),
        "median_first_reply_min": round(stats.median(waits), 1) if waits else None,
        "top": [(titles.get(row["answer_key"], row["answer_key"]), row["n"]) for row in top],
        "linked": Chat.objects.filter(community=community, resident__isnull=False).count(),
    }


def dashboard_items(staff: Resident, community: Community) -> list[DashboardItem]:
    waiting = Chat.objects.filter(community=community, handover=Chat.Handover.WAITING).count()
    return [
        DashboardItem(
            label=_("Chat conversations waiting for staff"),
            count=waiting,
            url=reverse("chatbot:inbox"),
            urgent=waiting > 0,
        )
    ]


def my_items(resident: Resident, community: Community) -> list[MySection]:
    chats = Chat.objects.filter(resident=resident, community=community).exclude(
        channel=Chat.Channel.WEB
    )
    items = [
        MyItem(
            title=chat.bot.name if chat.bot else chat.get_channel_display(),
            url=reverse("chatbot:link"),
            status=chat.get_channel_display(),
        )
        for chat in chats.select_related("bot")
    ]
    return [
        MySection(
            title=_("Chatbot"),
            items=items,
            more_url=reverse("chatbot:link"),
            empty=_("Link Telegram or Viber to your account to get notices there."),
        )
    ]


def personal_data(resident: Resident) -> dict:
    chats = Chat.objects.filter(resident=resident).select_related("community")
    return {
        "chats": [
            {
                "community": chat.community.slug,
                "channel": chat.channel,
                "started": chat.created_at.isoformat(),
                "messages": [
                    {"from": m.direction, "text": m.text, "at": m.created_at.isoformat()}
                    for m in chat.messages.all()[:500]
                ],
            }
            for chat in chats
        ]
    }
