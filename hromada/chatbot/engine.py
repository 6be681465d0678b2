"""
The conversation engine: one chat's state, its menus, flows and free text.

A chat is in one of three places: at the menus (nothing running), inside a
flow (its `step` names the function that answers the next message), or
handed over to staff. Flows come from the module registry (`Module.chatbot`),
so the engine never imports a module's models: a step is a plain function
``step(conversation, message) -> Reply`` that calls its module's services.

`handle()` is called with the chat locked (select_for_update) by whoever
received the message; it stores the exchange and returns the replies, which
the caller sends after the transaction.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from hromada.chatbot.models import Chat, ChatMessage, KnowledgeEntry
from hromada.chatbot.replies import Button, Incoming, Reply
from hromada.core.errors import DomainError
from hromada.core.identity import has_level
from hromada.core.models import Identity
from hromada.core.registry import Flow, modules

logger = logging.getLogger(__name__)

MENUS = ("services", "power", "community")
MENU_WORDS = {"/start", "/menu", "menu", "меню", "start", "почати", "старт", "/help", "help"}
LINK_COMMAND = re.compile(r"^/link\s+(\S{4,32})$", re.IGNORECASE)


def menu_title(key: str) -> str:
    return {
        "services": pgettext("chatbot menu", "Services"),
        "power": pgettext("chatbot menu", "Me + Council"),
        "community": pgettext("chatbot menu", "My community"),
    }[key]


@dataclass
class Conversation:
    """What a step sees of the chat: the community, the linked resident and its data."""

    chat: Chat

    @property
    def community(self):
        return self.chat.community

    @property
    def channel(self) -> str:
        return self.chat.channel

    @property
    def data(self) -> dict:
        if not isinstance(self.chat.data, dict):
            self.chat.data = {}
        return self.chat.data

    @property
    def resident(self):
        """The linked account, or None: an unlinked chat gets public information only."""
        resident = self.chat.resident
        if resident is None or not resident.is_active or resident.deleted_at:
            return None
        return resident

    def has_level(self, level: int) -> bool:
        return has_level(self.resident, level)

    def site_url(self, path: str = "") -> str:
        from hromada.core.notifications import site_url

        return site_url(self.community) + path


def flows() -> dict[str, Flow]:
    """Return every enabled module's flows by name."""
    found = {}
    for declared in modules():
        for flow in declared.chatbot:
            found[flow.name] = flow
    return found


def language_of(chat: Chat) -> str:
    resident = chat.resident
    if resident is not None and resident.language:
        return resident.language
    if chat.language.startswith("en"):
        return "en"
    return settings.LANGUAGE_CODE


def handle(chat: Chat, message: Incoming) -> list[Reply]:
    """Answer one message: store it, run the menu, flow, hand-over or knowledge base."""
    with translation.override(language_of(chat)):
        incoming = ChatMessage(
            chat=chat, direction=ChatMessage.Direction.IN, text=_summary(message)
        )
        private = _is_private(chat.step)
        replies = _dispatch(Conversation(chat), message, incoming)
        chat.private_exchange = private  # the worker then drops the raw update's text too
        if private and incoming.text:
            incoming.text = "[answer]"  # a survey's answers are not kept in the conversation
        if getattr(chat, "forgotten", False):
            return replies  # the resident asked to forget this chat: keep nothing of it
        incoming.save()
        ChatMessage.objects.bulk_create(
            ChatMessage(chat=chat, direction=ChatMessage.Direction.OUT, text=reply.text)
            for reply in replies
        )
        chat.last_message_at = timezone.now()
        chat.save()
    return replies


def _summary(message: Incoming) -> str:
    """Return what is kept of a message: its text, or what kind of thing it was."""
    if message.text:
        return message.text
    if message.data:
        return f"[{message.data}]"
    if message.has_location:
        return "[location]"
    if message.photo is not None:
        return "[photo]"
    if message.phone:
        return "[phone]"
    return ""


def reset(chat: Chat) -> None:
    """Leave any flow; what a flow saved to go on later (``data["saved"]``) stays."""
    saved = chat.data.get("saved") if isinstance(chat.data, dict) else None
    chat.flow, chat.step = "", ""
    chat.data = {"saved": saved} if saved else {}


def _is_private(path: str) -> bool:
    """Return whether the step takes answers whose text the conversation must not keep."""
    if not path:
        return False
    try:
        return bool(getattr(_step(path), "private", False))
    except (ImportError, ValueError):
        return False


def _dispatch(conversation: Conversation, message: Incoming, incoming: ChatMessage) -> list[Reply]:
    chat = conversation.chat
    data, text = message.data, message.text.strip()
    if data == "x:menu" or text.lower() in MENU_WORDS:
        reset(chat)
        replies = []
        if message.start_payload:
            replies.append(_link(conversation, message.start_payload))
        replies.append(main_menu(conversation))
        return replies
    if data.startswith("m:") and data[2:] in MENUS:
        reset(chat)
        return [submenu(conversation, data[2:])]
    if data.startswith("f:"):
        reset(chat)
        return start_flow(conversation, data[2:])
    if data == "x:cancel":
        reset(chat)
        return [main_menu(conversation, _("Cancelled."))]
    if text.lower() == "/unlink":
        from hromada.chatbot.services_chat import unlink_chat

        reset(chat)
        unlink_chat(chat=chat)
        return [main_menu(conversation, _("This chat is no longer linked to your account."))]
    match = LINK_COMMAND.match(text)
    if match:
        reset(chat)
        return [_link(conversation, match.group(1)), main_menu(conversation)]
    if data.startswith("k:"):
        return [knowledge_entry(conversation, data[2:])]
    if data == "h:person":
        reset(chat)
        return [hand_over(conversation)]
    if chat.step:
        return [run_step(conversation, message)]
    if chat.handover in (Chat.Handover.WAITING, Chat.Handover.ASSIGNED):
        return []  # staff read it in the inbox and answer in this chat
    if text:
        return [free_text(conversation, text, incoming)]
    return [main_menu(conversation, _("Please choose from the menu or type your question."))]


# -- menus ------------------------------------------------------------------------


def main_menu(conversation: Conversation, text: str | None = None) -> Reply:
    community = conversation.community
    if text is None:
        text = _(
            "Hello! This is the bot of %(community)s. Choose a section or type your question."
        ) % {"community": community.name}
    buttons = [[Button(menu_title(key), f"m:{key}")] for key in MENUS]
    if conversation.resident is None:
        buttons.append([Button(_("Link to my account"), "f:chatbot.link")])
    return Reply(text, buttons)


def submenu(conversation: Conversation, menu: str) -> Reply:
    rows = [
        [Button(str(flow.title), f"f:{flow.name}")]
        for flow in flows().values()
        if flow.menu == menu
    ]
    rows.append([Button(_("Back to the menu"), "x:menu")])
    return Reply(menu_title(menu), rows)


def cancel_row() -> list[Button]:
    return [Button(_("Cancel"), "x:cancel")]


def level_refusal(conversation: Conversation, level: int) -> Reply:
    """Explain what the resident needs before the flow: linking, e-mail or identification."""
    buttons = [[Button(_("Back to the menu"), "x:menu")]]
    if conversation.resident is None:
        text = _(
            "This needs your account. Link this chat to it: open your profile on the site, "
            "take the chat link code and send it here."
        )
        buttons.insert(0, [Button(_("Link to my account"), "f:chatbot.link")])
        return Reply(text, buttons)
    if level >= Identity.STRONG:
        text = _(
            "This needs a strong identification of your account (BankID, Diia or a qualified "
            "e-signature through ID.GOV.UA). Do it once on the site: %(url)s"
        ) % {"url": conversation.site_url("/identity/")}
    else:
        text = _("This needs a confirmed e-mail address. Confirm it on the site: %(url)s") % {
            "url": conversation.site_url("/profile/")
        }
    return Reply(text, buttons)


def start_flow(conversation: Conversation, name: str) -> list[Reply]:
    flow = flows().get(name)
    if flow is None:
        return [main_menu(conversation, _("This is not available now."))]
    if not conversation.has_level(flow.level):
        return [level_refusal(conversation, flow.level)]
    conversation.chat.flow = flow.name
    conversation.chat.step = flow.start
    return [run_step(conversation, Incoming())]


def run_step(conversation: Conversation, message: Incoming) -> Reply:
    chat = conversation.chat
    try:
        step = _step(chat.step)
        reply = step(conversation, message)
    except DomainError as error:
        # The service refused: say why, and let the resident try again or leave.
        return Reply(str(error), [cancel_row()], next_step=chat.step)
    except Exception as error:  # noqa: BLE001 - a broken step must not break the chat
        logger.warning("chatbot step %s failed: %s", chat.step, type(error).__name__)
        reset(chat)
        return main_menu(conversation, _("Something went wrong. Please try again."))
    if reply.next_step:
        _step(reply.next_step)  # a typo in a flow fails here, not at the next message
        chat.step = reply.next_step
        if not reply.buttons and not reply.request_location and not reply.request_contact:
            reply.buttons = [cancel_row()]
    else:
        reset(chat)
        if not reply.buttons:
            reply.buttons = [[Button(_("Back to the menu"), "x:menu")]]
    return reply


def _step(path: str):
    if not path.startswith("hromada.") or ".chatbot." not in f".{path}":
        raise ValueError("not a chatbot step")
    return import_string(path)


# -- linking ----------------------------------------------------------------------------


def _link(conversation: Conversation, code: str) -> Reply:
    from hromada.chatbot.services_chat import link_chat

    try:
        resident = link_chat(chat=conversation.chat, code=code)
    except DomainError as error:
        return Reply(str(error))
    return Reply(
        _("This chat is now linked to the account of %(name)s.") % {"name": resident.greeting_name}
    )


# -- free text ----------------------------------------------------------------------


def _entry_reply(entry: KnowledgeEntry) -> Reply:
    rows = []
    for button in entry.buttons or []:
        if not isinstance(button, dict) or not button.get("title"):
            continue
        try:
            if button.get("url"):
                rows.append([Button(button["title"], url=str(button["url"]))])
            elif button.get("flow"):
                rows.append([Button(button["title"], f"f:{button['flow']}")])
        except ValueError:
            continue
    rows.append([Button(_("Back to the menu"), "x:menu")])
    return Reply(entry.answer, rows)


def knowledge_entry(conversation: Conversation, value: str) -> Reply:
    entry = None
    if value.isdigit() and len(value) < 12:
        entry = KnowledgeEntry.objects.filter(
            community=conversation.community, pk=int(value), active=True
        ).first()
    if entry is None:
        return main_menu(conversation, _("This answer is not available any more."))
    return _entry_reply(entry)


def free_text(conversation: Conversation, text: str, incoming: ChatMessage) -> Reply:
    """Answer from the knowledge base when sure, offer the top 3, or hand over to a person."""
    from hromada.chatbot import knowledge
    from hromada.chatbot.services import record_gap

    community = conversation.community
    result = knowledge.answer(community, text)
    keys = ([result.answer_id] if result.answer_id else []) + list(result.alternatives or [])
    entries = {
        entry.key: entry
        for entry in KnowledgeEntry.objects.filter(community=community, key__in=keys, active=True)
    }
    if result.sure and result.answer_id in entries:
        incoming.outcome = ChatMessage.Outcome.ANSWERED
        incoming.answer_key = result.answer_id[:100]
        reply = _entry_reply(entries[result.answer_id])
        reply.buttons.insert(-1, [Button(_("Talk to a person"), "h:person")])
        return reply
    suggestion = entries.get(result.answer_id) if result.answer_id else None
    record_gap(
        community=community,
        question=text,
        suggestion=suggestion,
        confidence=float(result.confidence or 0),
    )
    offered = [entries[key] for key in keys if key in entries][:3]
    if offered and not result.handover:
        incoming.outcome = ChatMessage.Outcome.SUGGESTED
        rows = [[Button(entry.question, f"k:{entry.pk}")] for entry in offered]
        rows.append([Button(_("None of these: talk to a person"), "h:person")])
        return Reply(_("Did you mean one of these?"), rows)
    incoming.outcome = ChatMessage.Outcome.HANDOVER
    return hand_over(conversation)


def hand_over(conversation: Conversation) -> Reply:
    from hromada.chatbot.services_chat import hand_over as hand_over_chat

    hand_over_chat(chat=conversation.chat)
    return Reply(
        _(
            "I have passed your question to a staff member of the council; "
            "the answer will come in this chat."
        ),
        [[Button(_("Back to the menu"), "x:menu")]],
    )
