"""
Back office of the chatbot.

Knowledge base (kept by the community's moderators): entries and the gaps
list, the questions the bot could not answer, most asked first. The
matcher's cached vectors (`KnowledgeIndex`) are not shown: they follow the
entries by themselves.
"""

from __future__ import annotations

from django.contrib import admin

from hromada.chatbot.models import KnowledgeEntry, KnowledgeGap
from hromada.core.admin import ScopedAdmin


@admin.register(KnowledgeEntry)
class KnowledgeEntryAdmin(ScopedAdmin):
    list_display = ["key", "question", "active", "updated_at"]
    list_filter = ["active"]
    search_fields = ["key", "question", "answer"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(KnowledgeGap)
class KnowledgeGapAdmin(ScopedAdmin):
    list_display = ["question", "times_asked", "last_seen", "suggestion", "resolved"]
    list_filter = ["resolved"]
    search_fields = ["question"]
    readonly_fields = [
        "question",
        "normalized",
        "times_asked",
        "first_seen",
        "last_seen",
        "suggestion",
        "confidence",
        "resolved_at",
    ]

    def has_add_permission(self, request):
        return False  # gaps come from residents' questions
