"""
The chatbot's own flows under «Моя громада»: news, contacts, emergency
numbers, subscriptions, linking the account, talking to a person, forgetting
the conversation.
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from hromada.chatbot.replies import Button, Incoming, Reply
from hromada.core.registry import modules, resolve

logger = logging.getLogger(__name__)
P = "hromada.chatbot.flows."

EMERGENCY = [
    ("101", "Пожежна та рятувальна служба ДСНС"),
    ("102", "Національна поліція"),
    ("103", "Екстрена медична допомога"),
    ("104", "Аварійна газова служба"),
    ("112", "Єдиний номер екстрених служб"),
    ("1545", "Урядова гаряча лінія"),
]


def news(conversation, message: Incoming) -> Reply:
    rows = []
    for declared in modules():
        if not declared.news:
            continue
        try:
            items = resolve(declared.news)(conversation.community, 3)
        except Exception as error:  # noqa: BLE001 - one module's news must not hide the others
            logger.warning("chatbot news of %s failed: %s", declared.name, type(error).__name__)
            continue
        for title, url, _date in items:
            rows.append((str(title), url))
    if not rows:
        return Reply(_("There is no news yet."))
    lines = [f"• {title}" for title, _url in rows[:8]]
    buttons = [[Button(title, url=conversation.site_url(url))] for title, url in rows[:5]]
    buttons.append([Button(_("Back to the menu"), "x:menu")])
    return Reply(_("Latest in the community:") + "\n" + "\n".join(lines), buttons)


def contacts(conversation, message: Incoming) -> Reply:
    from hromada.core.models import Department

    community = conversation.community
    lines = []
    if community.phone or community.email:
        lines.append(
            f"{community.council_name or community.name}: "
            + ", ".join(v for v in (community.phone, community.email) if v)
        )
    for department in Department.objects.filter(community=community).order_by("name")[:20]:
        details = ", ".join(v for v in (department.phone, department.email) if v)
        if details:
            lines.append(f"• {department.name}: {details}")
    if not lines:
        return Reply(_("The council has not published its contacts yet."))
    return Reply(_("Contacts of the council:") + "\n" + "\n".join(lines))


def emergency(conversation, message: Incoming) -> Reply:
    lines = [f"{number} — {name}" for number, name in EMERGENCY]
    return Reply(_("Emergency numbers:") + "\n" + "\n".join(lines))


# -- subscriptions ------------------------------------------------------------------------


def subscriptions(conversation, message: Incoming) -> Reply:
    from hromada.chatbot.models import Subscription, Topic

    if conversation.channel == "web":
        return Reply(_("Subscriptions work in Telegram and Viber: the web chat cannot send news."))
    mine = set(
        Subscription.objects.filter(chat=conversation.chat, settlement__isnull=True).values_list(
            "topic", flat=True
        )
    )
    rows = [
        [Button(("✅ " if value in mine else "☐ ") + str(label), f"t:{value}")]
        for value, label in Topic.choices
    ]
    rows.append([Button(_("Done"), "x:menu")])
    return Reply(
        _("Choose the topics you want to hear about (press again to unsubscribe)."),
        rows,
        next_step=P + "subscription_topic",
    )


def subscription_topic(conversation, message: Incoming) -> Reply:
    from hromada.core.models import Settlement

    if not message.data.startswith("t:"):
        return subscriptions(conversation, message)
    topic = message.data[2:]
    conversation.data["topic"] = topic
    settlements = list(
        Settlement.objects.filter(community=conversation.community).order_by("name")[:12]
    )
    if len(settlements) <= 1:
        return subscription_place(conversation, Incoming(data="s:all"))
    rows = [[Button(_("The whole community"), "s:all")]]
    rows += [[Button(settlement.name, f"s:{settlement.pk}")] for settlement in settlements]
    return Reply(_("For which place?"), rows, next_step=P + "subscription_place")


def subscription_place(conversation, message: Incoming) -> Reply:
    from hromada.chatbot.services_chat import toggle_subscription

    value = message.data[2:] if message.data.startswith("s:") else "all"
    topic = conversation.data.get("topic", "")
    subscribed = toggle_subscription(
        chat=conversation.chat, topic=topic, settlement_id=None if value == "all" else value
    )
    said = _("Subscribed.") if subscribed else _("Unsubscribed.")
    reply = subscriptions(conversation, Incoming())
    reply.text = f"{said} {reply.text}"
    return reply


# -- the account ------------------------------------------------------------------------------


def link(conversation, message: Incoming) -> Reply:
    if conversation.resident is not None:
        return Reply(
            _("This chat is linked to your account. To unlink it, send /unlink."),
        )
    return Reply(
        _(
            "Open your profile on the site (%(url)s), press «Link a chat» and send the code "
            "here (or open the link shown there)."
        )
        % {"url": conversation.site_url("/chatbot/link/")},
        next_step=P + "link_code",
    )


def link_code(conversation, message: Incoming) -> Reply:
    from hromada.chatbot.services_chat import link_chat

    code = message.text.strip()
    if not code:
        return Reply(_("Send the code from your profile page."), next_step=P + "link_code")
    resident = link_chat(chat=conversation.chat, code=code)
    return Reply(
        _("This chat is now linked to the account of %(name)s.") % {"name": resident.greeting_name}
    )


def person(conversation, message: Incoming) -> Reply:
    if not message.text:
        return Reply(
            _("Write your question: a staff member will answer in this chat."),
            next_step=P + "person",
        )
    from hromada.chatbot.services_chat import hand_over

    hand_over(chat=conversation.chat)
    return Reply(
        _(
            "I have passed your question to a staff member of the council; "
            "the answer will come in this chat."
        )
    )


def forget(conversation, message: Incoming) -> Reply:
    if message.data != "y:forget":
        return Reply(
            _("Delete this conversation and everything said in it? The bot will forget you."),
            [[Button(_("Yes, delete"), "y:forget")], [Button(_("Cancel"), "x:cancel")]],
            next_step=P + "forget",
        )
    from hromada.chatbot.services_chat import forget_chat

    forget_chat(chat=conversation.chat)
    return Reply(_("Done: this conversation is deleted."), [[Button(_("Start again"), "x:menu")]])
