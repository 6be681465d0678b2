"""Staff inbox, broadcasts with the limiter, notices in linked chats, retention and forgetting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hromada.appeals import services as appeal_services
from hromada.appeals.models import Appeal
from hromada.chatbot import services_chat
from hromada.chatbot.models import Bot, Broadcast, Chat, ChatMessage, Delivery, Subscription, Update
from hromada.chatbot.ratelimit import Limiter
from hromada.core.errors import DomainError
from hromada.core.models import AuditEntry, Department, Identity, Notification, StaffRole
from tests.factories import client_for, make_resident, make_staff
from tests.support.telegram_api import message_update


def chat_of(bot: Bot, external_id: str, **fields) -> Chat:
    return Chat.objects.create(
        community=bot.community, channel=bot.channel, bot=bot, external_id=external_id, **fields
    )


# -- the limiter -------------------------------------------------------------------------


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_the_limiter_keeps_30_a_second_and_one_a_second_per_chat():
    clock = Clock()
    limiter = Limiter(30, per_chat=1.0, clock=clock, sleep=clock.sleep)
    times = []
    for n in range(100):
        limiter.acquire(f"chat{n}")
        times.append(clock.now)
    for start in times:
        assert sum(1 for t in times if start <= t < start + 1.0) <= 30
    limiter.acquire("chat1")
    first = clock.now
    limiter.acquire("chat1")
    assert clock.now - first >= 1.0


def test_a_pause_holds_every_send():
    clock = Clock()
    limiter = Limiter(30, per_chat=0, clock=clock, sleep=clock.sleep)
    limiter.pause(5)
    limiter.acquire("a")
    assert clock.now >= 5


# -- inbox ---------------------------------------------------------------------------------


def test_inbox_assign_reply_close_goes_back_into_the_same_chat(
    community, tg_bot, telegram, django_capture_on_commit_callbacks
):
    staff = make_staff(community, StaffRole.Role.STAFF)
    chat = chat_of(tg_bot, "700")
    services_chat.hand_over(chat=chat)
    client = client_for(staff)
    page = client.get("/chatbot/inbox/")
    assert page.status_code == 200 and chat in page.context["page"].object_list
    client.post(f"/chatbot/inbox/{chat.pk}/", {"action": "assign"})
    chat.refresh_from_db()
    assert chat.assigned_to == staff and chat.handover == "assigned"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/chatbot/inbox/{chat.pk}/", {"action": "reply", "text": "Відповідь ради"})
    assert telegram.texts("700") == ["Відповідь ради"]
    chat.refresh_from_db()
    assert chat.first_reply_at is not None
    client.post(f"/chatbot/inbox/{chat.pk}/", {"action": "close"})
    chat.refresh_from_db()
    assert chat.handover == "closed"


def test_an_empty_or_overlong_reply_is_refused(community, tg_bot):
    staff = make_staff(community, StaffRole.Role.STAFF)
    chat = chat_of(tg_bot, "701")
    client = client_for(staff)
    assert (
        client.post(f"/chatbot/inbox/{chat.pk}/", {"action": "reply", "text": " "}).status_code
        == 400
    )
    response = client.post(f"/chatbot/inbox/{chat.pk}/", {"action": "reply", "text": "я" * 2001})
    assert response.status_code == 400
    assert not ChatMessage.objects.filter(chat=chat).exists()


def test_residents_and_other_communities_staff_do_not_see_the_inbox(
    community, other_community, tg_bot
):
    chat = chat_of(tg_bot, "702")
    resident = make_resident(community, level=Identity.STRONG)
    assert client_for(resident).get("/chatbot/inbox/").status_code == 404
    stranger = make_staff(other_community, StaffRole.Role.ADMINISTRATOR)
    assert client_for(stranger).get(f"/chatbot/inbox/{chat.pk}/").status_code == 404
    with pytest.raises(DomainError):
        services_chat.staff_reply(staff=stranger, community=community, chat_id=chat.pk, text="x")
    own = client_for(stranger, host="pivdenne.localhost")
    assert own.get(f"/chatbot/inbox/{chat.pk}/").status_code == 404


def test_statistics_page(community, tg_bot):
    staff = make_staff(community, StaffRole.Role.MODERATOR)
    assert client_for(staff).get("/chatbot/statistics/").status_code == 200


# -- broadcasts ----------------------------------------------------------------------------


def test_a_broadcast_reaches_subscribers_only_with_preview_and_viber_cost(
    community, tg_bot, viber_bot, telegram, viber, django_capture_on_commit_callbacks
):
    moderator = make_staff(community, StaffRole.Role.MODERATOR)
    subscribed = [chat_of(tg_bot, str(800 + n)) for n in range(3)] + [chat_of(viber_bot, "v1")]
    for chat in subscribed:
        services_chat.toggle_subscription(chat=chat, topic="outages")
    chat_of(tg_bot, "899")  # not subscribed
    blocked = chat_of(tg_bot, "898", blocked=True)
    Subscription.objects.create(chat=blocked, topic="outages")
    client = client_for(moderator)
    response = client.post(
        "/chatbot/broadcasts/",
        {"topic": "outages", "text": "Вода буде о 18:00", "action": "preview"},
    )
    preview = response.context["preview"]
    assert (preview["telegram"], preview["viber"], preview["total"]) == (3, 1, 4)
    assert preview["viber_cost"] > 0
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/chatbot/broadcasts/",
            {"topic": "outages", "text": "Вода буде о 18:00", "action": "send"},
        )
    broadcast = Broadcast.objects.get()
    assert broadcast.recipients == 4 and broadcast.status == "sent"
    assert sorted(m["chat_id"] for m in telegram.sent) == ["800", "801", "802"]
    assert viber.texts("v1") == ["Вода буде о 18:00"]
    assert Delivery.objects.filter(status="sent").count() == 4


def test_only_moderators_broadcast(community, tg_bot):
    staff = make_staff(community, StaffRole.Role.STAFF)
    assert client_for(staff).get("/chatbot/broadcasts/").status_code == 404
    with pytest.raises(DomainError):
        services_chat.create_broadcast(staff=staff, community=community, topic="alerts", text="x")


# -- notices in the linked chat ----------------------------------------------------------


def test_an_appeal_status_change_reaches_the_linked_chat(
    community, tg_bot, telegram, django_capture_on_commit_callbacks
):
    Department.objects.create(
        community=community, name="Управління житлово-комунального господарства"
    )
    Department.objects.create(community=community, name="КП «Водоканал»")
    appeal_services.install_default_categories(community=community)
    resident = make_resident(community, level=Identity.EMAIL)
    chat_of(tg_bot, "900", resident=resident)
    moderator = make_staff(community, StaffRole.Role.MODERATOR)
    from hromada.appeals.selectors import leaf_categories

    category = next(
        c for c in leaf_categories(community) if not c.attributes.filter(required=True).exists()
    )
    with django_capture_on_commit_callbacks(execute=True):
        appeal = appeal_services.submit_report(
            community=community,
            category=category,
            description="Не працює ліхтар",
            lat=46.3001,
            lon=30.6552,
            author=resident,
            channel=Appeal.Channel.CHATBOT,
        )
    with django_capture_on_commit_callbacks(execute=True):
        appeal_services.accept_appeal(appeal=appeal, moderator=moderator)
    assert Notification.objects.filter(resident=resident, channel="chatbot").exists()
    assert any(appeal.number in text for text in telegram.texts("900"))


# -- privacy ---------------------------------------------------------------------------------


def test_purge_blanks_old_text_and_is_logged(community, tg_bot):
    chat = chat_of(tg_bot, "950")
    old = ChatMessage.objects.create(chat=chat, direction="in", text="стара таємниця")
    ChatMessage.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=91))
    fresh = ChatMessage.objects.create(chat=chat, direction="in", text="свіже")
    Update.objects.create(bot=tg_bot, key="1", payload={"x": "стара"})
    Update.objects.filter(key="1").update(received_at=timezone.now() - timedelta(days=91))
    result = services_chat.purge_expired()
    assert result == {"messages": 1, "updates": 1}
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.text == "" and old.purged and fresh.text == "свіже"
    entry = AuditEntry.objects.get(action="chatbot.purged")
    assert "таємниця" not in str(entry.after)
    assert services_chat.purge_expired() == {"messages": 0, "updates": 0}


def test_retention_is_a_setting(community, tg_bot, settings):
    settings.HROMADA_CHATBOT_RETENTION_DAYS = "10"
    chat = chat_of(tg_bot, "951")
    message = ChatMessage.objects.create(chat=chat, direction="in", text="x")
    ChatMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(days=11))
    assert services_chat.purge_expired()["messages"] == 1


def test_forget_my_chats_from_the_link_page(community, tg_bot):
    resident = make_resident(community, level=Identity.EMAIL)
    chat = chat_of(tg_bot, "952", resident=resident)
    ChatMessage.objects.create(chat=chat, direction="in", text="моє")
    other = chat_of(tg_bot, "953")
    client_for(resident).post("/chatbot/link/", {"action": "forget"})
    assert not Chat.objects.filter(pk=chat.pk).exists()
    assert Chat.objects.filter(pk=other.pk).exists()
    assert AuditEntry.objects.filter(action="chatbot.chats_forgotten").exists()


def test_forget_this_chat_in_the_chat(community, tg_bot, telegram, post_telegram):
    from tests.support.telegram_api import callback_update

    post_telegram(tg_bot, message_update(30, 960, "таємне питання"))
    post_telegram(tg_bot, callback_update(31, 960, "f:chatbot.forget"))
    post_telegram(tg_bot, callback_update(32, 960, "y:forget"))
    chat = Chat.objects.get(external_id="960")
    assert not ChatMessage.objects.filter(chat=chat).exists()
    assert "видалено" in telegram.sent[-1]["text"]


def test_only_a_live_telegram_or_viber_chat_makes_the_chatbot_a_channel(community, tg_bot):
    from hromada.chatbot.sender import wants_chatbot

    resident, blocked, web_only = (make_resident(community) for _ in range(3))
    assert not wants_chatbot(resident)
    chat_of(tg_bot, "901", resident=resident)
    assert wants_chatbot(resident)
    chat_of(tg_bot, "902", resident=blocked, blocked=True)
    assert not wants_chatbot(blocked)
    Chat.objects.create(
        community=community, channel=Chat.Channel.WEB, external_id="web-1", resident=web_only
    )
    assert not wants_chatbot(web_only)
