"""The registry entry of the chatbot: a declaration."""

from django.utils.translation import gettext_lazy as _

from hromada.core.registry import Flow, Module, Nav, Schedule

F = "hromada.chatbot.flows."

MODULE = Module(
    name="chatbot",
    title=_("Chatbot"),
    description=_(
        "Ask the community's questions in Telegram, Viber or the web chat and get an "
        "answer from the knowledge base the council keeps."
    ),
    demo="hromada.chatbot.demo.load",
    urls="hromada.chatbot.urls",
    navigation=[Nav(_("Chat"), "chatbot:webchat")],
    dashboard="hromada.chatbot.selectors.dashboard_items",
    my_items="hromada.chatbot.selectors.my_items",
    personal_data="hromada.chatbot.selectors.personal_data",
    schedules=[Schedule("hromada.chatbot.tasks.purge_expired", every_seconds=3600)],
    # «Моя громада»: the chatbot's own flows; modules add theirs in their module.py.
    chatbot=[
        Flow("chatbot.news", _("News"), F + "news", menu="community"),
        Flow("chatbot.contacts", _("Council contacts"), F + "contacts", menu="community"),
        Flow("chatbot.emergency", _("Emergency numbers"), F + "emergency", menu="community"),
        Flow("chatbot.subscriptions", _("Subscriptions"), F + "subscriptions", menu="community"),
        Flow("chatbot.person", _("Talk to a person"), F + "person", menu="community"),
        Flow("chatbot.link", _("Link to my account"), F + "link", menu="community"),
        Flow("chatbot.forget", _("Forget this chat"), F + "forget", menu="community"),
    ],
)
