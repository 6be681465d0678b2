"""Labels of the chatbot's audit actions (gathered by core.labels)."""

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "chatbot.bot_token_set": _("Bot token set"),
    "chatbot.broadcast": _("Chatbot broadcast sent"),
    "chatbot.chat_assigned": _("Chat assigned to an operator"),
    "chatbot.chat_closed": _("Chat closed by an operator"),
    "chatbot.chat_forgotten": _("Chat forgotten"),
    "chatbot.chats_forgotten": _("Chats forgotten"),
    "chatbot.chat_linked": _("Chat linked to an account"),
    "chatbot.chat_unlinked": _("Chat unlinked from an account"),
    "chatbot.gap_resolve": _("Unanswered question resolved"),
    "chatbot.kb_create": _("Knowledge base entry added"),
    "chatbot.kb_update": _("Knowledge base entry changed"),
    "chatbot.kb_delete": _("Knowledge base entry removed"),
    "chatbot.kb_import": _("Knowledge base imported"),
    "chatbot.purged": _("Old conversation text removed"),
    "chatbot.staff_reply": _("Operator replied in a chat"),
}
