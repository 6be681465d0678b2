from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatbotConfig(AppConfig):
    name = "hromada.chatbot"
    label = "chatbot"
    verbose_name = _("Chatbot")

    def ready(self):
        # Notices reach a resident's linked Telegram and Viber chats too.
        from hromada.chatbot import sender
        from hromada.core import notifications

        notifications.CHANNELS["chatbot"] = sender.send_notification
        notifications.OPTIONAL_CHANNELS["chatbot"] = sender.wants_chatbot
        # The channels' back office (bots, conversations, broadcasts); admin.py holds the
        # knowledge base's.
        from hromada.chatbot import admin_bots  # noqa: F401
