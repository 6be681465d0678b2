"""
The chatbot's knowledge base: what residents ask and what the council answers.

An entry is kept under the key of the import file (kebab case, unique per
community) so that importing the same file again changes nothing. A question
the bot could not answer is a knowledge gap, counted per community and
normalised text, for staff to answer with a new or better entry. The matcher's
vectors are cached per community in `KnowledgeIndex`, rebuilt when the
knowledge base changes (its fingerprint differs).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hromada.core.models import Community, Resident, Settlement

KEY_MAX = 100
QUESTION_MAX = 500
ANSWER_MAX = 4000


class KnowledgeEntry(models.Model):
    """A question residents ask, its other phrasings and the council's answer."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    key = models.SlugField(_("key"), max_length=KEY_MAX, allow_unicode=False)
    question = models.CharField(_("question"), max_length=QUESTION_MAX)
    # Other ways residents put the same question: a list of strings.
    variants = models.JSONField(_("other phrasings"), default=list, blank=True)
    answer = models.TextField(_("answer"), max_length=ANSWER_MAX)
    # Buttons under the answer: [{"title": "...", "url": "..."} or {"title": "...", "flow": "..."}].
    buttons = models.JSONField(_("buttons"), default=list, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    active = models.BooleanField(pgettext_lazy("knowledge entry", "active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("knowledge base entry")
        verbose_name_plural = _("knowledge base entries")
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["community", "key"], name="knowledgeentry_unique_key"),
            models.CheckConstraint(condition=~Q(key=""), name="knowledgeentry_key_not_empty"),
        ]

    def __str__(self) -> str:
        return self.question


class KnowledgeGap(models.Model):
    """A question the bot could not answer, counted until staff resolve it."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    question = models.CharField(_("question"), max_length=QUESTION_MAX)
    # Lower case, single spaces, no punctuation: the same question typed again counts once.
    normalized = models.CharField(_("normalised question"), max_length=QUESTION_MAX)
    times_asked = models.PositiveIntegerField(_("times asked"), default=1)
    first_seen = models.DateTimeField(_("first asked"))
    last_seen = models.DateTimeField(_("last asked"))
    # The closest entry the matcher found, and how sure it was.
    suggestion = models.ForeignKey(
        KnowledgeEntry,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closest entry"),
    )
    confidence = models.FloatField(_("confidence"), default=0.0)
    resolved = models.BooleanField(pgettext_lazy("knowledge gap", "resolved"), default=False)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # The entry that now answers the question.
    entry = models.ForeignKey(
        KnowledgeEntry,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gaps",
        verbose_name=pgettext_lazy("knowledge gap", "answered by"),
    )

    class Meta:
        verbose_name = _("knowledge gap")
        verbose_name_plural = _("knowledge gaps")
        ordering = ["resolved", "-times_asked", "-last_seen"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "normalized"], name="knowledgegap_unique_question"
            ),
            models.CheckConstraint(condition=Q(times_asked__gte=1), name="knowledgegap_times"),
            models.CheckConstraint(
                condition=Q(confidence__gte=0) & Q(confidence__lte=1),
                name="knowledgegap_confidence",
            ),
        ]
        indexes = [models.Index(fields=["community", "resolved", "-last_seen"])]

    def __str__(self) -> str:
        return self.question


class KnowledgeIndex(models.Model):
    """The matcher's cached vectors of a community's knowledge base."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    # Which matcher built it (the embedding model and its version).
    method = models.CharField(_("method"), max_length=80)
    # Hash of the active entries' keys and texts: another one means a rebuild.
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    data = models.BinaryField(_("vectors"))
    built_at = models.DateTimeField(_("built"), auto_now=True)

    class Meta:
        verbose_name = _("knowledge base index")
        verbose_name_plural = _("knowledge base indexes")
        constraints = [
            models.UniqueConstraint(fields=["community", "method"], name="knowledgeindex_unique")
        ]

    def __str__(self) -> str:
        return f"{self.community} · {self.method}"


# -- Conversations (the engine and its channels) ---------------------------------

CHAT_ID_MAX = 64


class Channel(models.TextChoices):
    TELEGRAM = "telegram", _("Telegram")
    VIBER = "viber", _("Viber")
    WEB = "web", _("web chat")


class Bot(models.Model):
    """A community's bot in Telegram or Viber; its token is kept encrypted."""

    Channel = Channel

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    channel = models.CharField(
        _("channel"),
        max_length=10,
        choices=[(Channel.TELEGRAM, Channel.TELEGRAM.label), (Channel.VIBER, Channel.VIBER.label)],
    )
    name = models.CharField(_("name"), max_length=28)
    # Telegram: the bot's username (t.me/<username>); Viber: the chat URI.
    username = models.CharField(_("bot's username"), max_length=64, blank=True)
    token_encrypted = models.TextField(_("token (encrypted)"), editable=False, blank=True)
    # Telegram's webhook secret, sent back by Telegram in X-Telegram-Bot-Api-Secret-Token.
    secret_encrypted = models.TextField(_("webhook secret (encrypted)"), editable=False, blank=True)
    active = models.BooleanField(pgettext_lazy("knowledge entry", "active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("bot")
        verbose_name_plural = _("bots")
        ordering = ["community", "channel", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=["telegram", "viber"]), name="chatbot_bot_channel"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_channel_display()})"

    @property
    def token(self) -> str:
        from hromada.chatbot.secrets import decrypt

        return decrypt(self.token_encrypted)

    @property
    def secret(self) -> str:
        from hromada.chatbot.secrets import decrypt

        return decrypt(self.secret_encrypted)


class Chat(models.Model):
    """A conversation with one resident in one channel: its state and hand-over."""

    Channel = Channel

    class Handover(models.TextChoices):
        NONE = "", _("with the bot")
        WAITING = "waiting", _("waiting for staff")
        ASSIGNED = "assigned", _("with a staff member")
        CLOSED = "closed", _("closed")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    bot = models.ForeignKey(
        Bot,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="chats",
        verbose_name=_("bot"),
    )
    # Telegram chat id, Viber user id, or the web chat's random key.
    external_id = models.CharField(_("chat id"), max_length=CHAT_ID_MAX)
    resident = models.ForeignKey(
        Resident,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("linked resident"),
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    subscribed = models.BooleanField(_("subscribed"), default=True)
    blocked = models.BooleanField(_("blocked the bot"), default=False)
    # The step that answers the next message (a dotted path) and its flow's data.
    flow = models.CharField(_("flow"), max_length=80, blank=True)
    step = models.CharField(_("next step"), max_length=200, blank=True)
    data = models.JSONField(_("flow data"), default=dict, blank=True)
    handover = models.CharField(
        _("hand-over"), max_length=10, choices=Handover.choices, default="", blank=True
    )
    assigned_to = models.ForeignKey(
        Resident,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    handed_over_at = models.DateTimeField(_("handed over"), null=True, blank=True)
    first_reply_at = models.DateTimeField(_("first staff reply"), null=True, blank=True)
    link_attempts = models.PositiveSmallIntegerField(_("link attempts"), default=0)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_message_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["bot", "external_id"],
                condition=Q(bot__isnull=False),
                name="chatbot_chat_unique_per_bot",
            ),
            models.UniqueConstraint(
                fields=["community", "external_id"],
                condition=Q(channel="web"),
                name="chatbot_webchat_unique",
            ),
            models.CheckConstraint(
                condition=Q(channel="web", bot__isnull=True)
                | (~Q(channel="web") & Q(bot__isnull=False)),
                name="chatbot_chat_bot_matches_channel",
            ),
            models.CheckConstraint(
                condition=Q(handover__in=["", "waiting", "assigned", "closed"]),
                name="chatbot_chat_handover_valid",
            ),
        ]
        indexes = [models.Index(fields=["community", "handover", "-handed_over_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk}"


class ChatMessage(models.Model):
    """One message in a conversation; its text is purged after the retention period."""

    class Direction(models.TextChoices):
        IN = "in", _("from the resident")
        OUT = "out", _("to the resident")

    class Outcome(models.TextChoices):
        NONE = "", _("not recorded")
        ANSWERED = "answered", _("answered automatically")
        SUGGESTED = "suggested", _("suggested answers")
        HANDOVER = "handover", _("handed over")

    chat = models.ForeignKey(
        Chat, on_delete=models.CASCADE, related_name="messages", verbose_name=_("conversation")
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    text = models.TextField(_("text"), blank=True)
    author = models.ForeignKey(
        Resident,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
    )
    # For a free-text question: what the knowledge base did with it.
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default="", blank=True
    )
    answer_key = models.CharField(_("answer"), max_length=100, blank=True)
    purged = models.BooleanField(_("text purged"), default=False)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(direction__in=["in", "out"]), name="chatbot_message_direction"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.chat} · {self.get_direction_display()}"


class Update(models.Model):
    """A raw webhook update, stored once per bot and update id; processed in the worker."""

    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="+", verbose_name=_("bot"))
    key = models.CharField(_("update id"), max_length=80)
    payload = models.JSONField(_("payload"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook update")
        verbose_name_plural = _("webhook updates")
        constraints = [
            models.UniqueConstraint(fields=["bot", "key"], name="chatbot_update_once"),
        ]

    def __str__(self) -> str:
        return f"{self.bot_id}:{self.key}"


class LinkCode(models.Model):
    """A one-time code that links a chat to a resident's account (kept as a hash)."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="+", verbose_name=_("resident")
    )
    code_hash = models.CharField(_("code hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("chat link code")
        verbose_name_plural = _("chat link codes")

    def __str__(self) -> str:
        return f"{self.resident_id} · {self.created_at:%Y-%m-%d %H:%M}"


class Topic(models.TextChoices):
    OUTAGES = "outages", _("outages (power, water, heating)")
    ALERTS = "alerts", _("alerts and emergencies")
    NEWS = "news", _("community news")
    TRANSPORT = "transport", _("transport")


class Subscription(models.Model):
    """A chat's subscription to a topic, for the whole community or one settlement."""

    Topic = Topic

    chat = models.ForeignKey(
        Chat, on_delete=models.CASCADE, related_name="subscriptions", verbose_name=_("conversation")
    )
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    settlement = models.ForeignKey(
        Settlement,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("place (settlement)"),
    )
    created_at = models.DateTimeField(_("subscribed"), auto_now_add=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["chat", "topic"],
                condition=Q(settlement__isnull=True),
                name="chatbot_subscription_once_whole",
            ),
            models.UniqueConstraint(
                fields=["chat", "topic", "settlement"],
                condition=Q(settlement__isnull=False),
                name="chatbot_subscription_once_settlement",
            ),
        ]

    def __str__(self) -> str:
        return self.get_topic_display()


class Broadcast(models.Model):
    """A message staff send to the subscribers of a topic (and settlement)."""

    class Status(models.TextChoices):
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    author = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("author")
    )
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    settlement = models.ForeignKey(
        Settlement,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("place (settlement)"),
    )
    text = models.TextField(_("text"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SENDING
    )
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    viber_recipients = models.PositiveIntegerField(_("Viber recipients"), default=0)
    estimated_cost = models.DecimalField(
        _("estimated Viber cost, UAH"), max_digits=10, decimal_places=2, default=0
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_topic_display()} · {self.created_at:%Y-%m-%d %H:%M}"


class Delivery(models.Model):
    """One broadcast message to one chat: sent once."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    broadcast = models.ForeignKey(
        Broadcast, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("broadcast")
    )
    chat = models.ForeignKey(
        Chat, on_delete=models.CASCADE, related_name="+", verbose_name=_("conversation")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    error = models.CharField(_("error"), max_length=100, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "chat"], name="chatbot_delivery_once"),
        ]

    def __str__(self) -> str:
        return f"{self.broadcast_id} → {self.chat_id}"
