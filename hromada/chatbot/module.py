"""The registry entry of the chatbot: a declaration."""

from django.utils.translation import gettext_lazy as _

from hromada.core.registry import Module

MODULE = Module(
    name="chatbot",
    title=_("Chatbot"),
    description=_(
        "Ask the community's questions in Telegram, Viber or the web chat and get an "
        "answer from the knowledge base the council keeps."
    ),
    demo="hromada.chatbot.demo.load",
)
