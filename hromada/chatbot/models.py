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

from hromada.core.models import Community

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
    active = models.BooleanField(_("active"), default=True)
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
    resolved = models.BooleanField(_("resolved"), default=False)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # The entry that now answers the question.
    entry = models.ForeignKey(
        KnowledgeEntry,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gaps",
        verbose_name=_("answered by"),
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
