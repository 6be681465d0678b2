"""
State changes of the chatbot, each in one transaction with an audit entry.

Knowledge base: import (idempotent, by key; `replace` removes the community's
other entries), edit, delete; knowledge gaps: record an unanswered question,
resolve it. The engine's services follow below.
"""

from __future__ import annotations

import re
import unicodedata

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.chatbot.models import (
    ANSWER_MAX,
    KEY_MAX,
    QUESTION_MAX,
    KnowledgeEntry,
    KnowledgeGap,
)
from hromada.core import audit
from hromada.core.errors import DomainError, Forbidden
from hromada.core.models import Community, Resident, StaffRole

KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")  # kebab case asked; snake or caps kept as given
MAX_ENTRIES = 5000
MAX_VARIANTS = 100
MAX_TAGS = 20
TAG_MAX = 50
MAX_BUTTONS = 6
BUTTON_TITLE_MAX = 60
URL_MAX = 500


class InvalidKnowledge(DomainError):
    code = "invalid_knowledge"
    message = _("The knowledge base file is not valid.")


class NotKnowledgeEditor(Forbidden):
    code = "chatbot_forbidden"
    message = _("Only the community's administrators and moderators may edit the knowledge base.")


# Who may act ---------------------------------------------------------------


def may_edit_knowledge(staff: Resident | None, community: Community) -> bool:
    """Return whether the staff member keeps the community's knowledge base."""
    if not staff or not staff.is_authenticated:
        return False
    return staff.has_role(community, StaffRole.Role.MODERATOR)


def _require_editor(actor: Resident | None, community: Community) -> None:
    # No actor: the command line or the demo loader, run by the operator.
    if actor is not None and not may_edit_knowledge(actor, community):
        raise NotKnowledgeEditor()


# Cleaning ------------------------------------------------------------------


def _clean_text(value, *, field: str, limit: int, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidKnowledge(fields={field: [str(_("Must be text."))]})
    value = unicodedata.normalize("NFC", value.replace("\x00", "")).strip()
    if required and not value:
        raise InvalidKnowledge(fields={field: [str(_("This field is required."))]})
    if len(value) > limit:
        raise InvalidKnowledge(
            fields={field: [str(_("At most %(limit)d characters.") % {"limit": limit})]}
        )
    return value


def _clean_list(value, *, field: str, count: int, limit: int) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > count:
        raise InvalidKnowledge(
            fields={field: [str(_("A list of at most %(count)d texts.") % {"count": count})]}
        )
    cleaned = []
    for item in value:
        text = _clean_text(item, field=field, limit=limit, required=False)
        if text and text not in cleaned:
            cleaned.append(text)
    return cleaned


def _clean_buttons(value) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_BUTTONS:
        raise InvalidKnowledge(fields={"buttons": [str(_("At most six buttons."))]})
    buttons = []
    for item in value:
        if not isinstance(item, dict):
            raise InvalidKnowledge(fields={"buttons": [str(_("A button needs a title."))]})
        title = _clean_text(item.get("title"), field="buttons", limit=BUTTON_TITLE_MAX)
        button = {"title": title}
        url = _clean_text(item.get("url"), field="buttons", limit=URL_MAX, required=False)
        flow = _clean_text(item.get("flow"), field="buttons", limit=KEY_MAX, required=False)
        if url:
            if not (
                url.startswith("https://") or (url.startswith("/") and not url.startswith("//"))
            ):
                raise InvalidKnowledge(
                    fields={"buttons": [str(_("A link must start with https:// or /."))]}
                )
            button["url"] = url
        elif flow:
            button["flow"] = flow
        else:
            raise InvalidKnowledge(fields={"buttons": [str(_("A button needs a link or a flow."))]})
        buttons.append(button)
    return buttons


def clean_entry(item) -> dict:
    """Return the fields of one imported entry, or raise InvalidKnowledge."""
    if not isinstance(item, dict):
        raise InvalidKnowledge(_("Each entry must be an object."))
    key = item.get("id")
    if not isinstance(key, str) or not KEY_RE.match(key) or len(key) > KEY_MAX:
        raise InvalidKnowledge(
            _("Entry id %(id)s must be lower-case words joined by hyphens."),
            id=repr(key)[: KEY_MAX + 2],
        )
    return {
        "key": key,
        "question": _clean_text(item.get("question"), field="question", limit=QUESTION_MAX),
        "variants": _clean_list(
            item.get("variants"), field="variants", count=MAX_VARIANTS, limit=QUESTION_MAX
        ),
        "answer": _clean_text(item.get("answer"), field="answer", limit=ANSWER_MAX),
        "tags": _clean_list(item.get("tags"), field="tags", count=MAX_TAGS, limit=TAG_MAX),
        "buttons": _clean_buttons(item.get("buttons")),
        "active": bool(item.get("active", True)),
    }


FIELDS = ("question", "variants", "answer", "tags", "buttons", "active")


# Knowledge base ------------------------------------------------------------


@transaction.atomic
def import_knowledge(
    *, community: Community, items, actor: Resident | None, replace: bool = False
) -> dict:
    """Create or update entries by key; return counts {created, updated, unchanged, deleted}.

    Importing the same items twice changes nothing; `replace` deletes the
    community's entries whose keys are not among the items.
    """
    _require_editor(actor, community)
    if not isinstance(items, list):
        raise InvalidKnowledge(_("The file must hold a list of entries."))
    if len(items) > MAX_ENTRIES:
        raise InvalidKnowledge(_("At most %(count)d entries."), count=MAX_ENTRIES)
    cleaned = {}
    for item in items:
        fields = clean_entry(item)
        if fields["key"] in cleaned:
            raise InvalidKnowledge(_("Entry id %(id)s appears twice."), id=fields["key"])
        cleaned[fields["key"]] = fields
    # One import per community at a time: the second waits and finds the entries made.
    Community.objects.select_for_update().filter(pk=community.pk).first()
    existing = {
        entry.key: entry
        for entry in KnowledgeEntry.objects.select_for_update().filter(community=community)
    }
    counts = {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0}
    for key, fields in cleaned.items():
        entry = existing.get(key)
        if entry is None:
            KnowledgeEntry.objects.create(community=community, **fields)
            counts["created"] += 1
        elif any(getattr(entry, name) != fields[name] for name in FIELDS):
            for name in FIELDS:
                setattr(entry, name, fields[name])
            entry.save()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    if replace:
        stale = [entry.pk for key, entry in existing.items() if key not in cleaned]
        counts["deleted"] = KnowledgeEntry.objects.filter(pk__in=stale).delete()[0]
    if counts["created"] or counts["updated"] or counts["deleted"]:
        audit.record(
            actor=actor,
            action="chatbot.kb_import",
            community=community,
            after={**counts, "replace": replace},
        )
    return counts


def export_knowledge(community: Community) -> list[dict]:
    """Return the community's entries in the import format."""
    rows = []
    for entry in KnowledgeEntry.objects.filter(community=community).order_by("key"):
        row = {
            "id": entry.key,
            "question": entry.question,
            "variants": entry.variants,
            "answer": entry.answer,
            "tags": entry.tags,
        }
        if entry.buttons:
            row["buttons"] = entry.buttons
        if not entry.active:
            row["active"] = False
        rows.append(row)
    return rows


@transaction.atomic
def save_entry(
    *, community: Community, actor: Resident | None, data: dict, key: str | None = None
) -> KnowledgeEntry:
    """Create an entry (key None) or change the entry under `key`; data in the import format."""
    _require_editor(actor, community)
    fields = clean_entry({**data, "id": key or data.get("id")})
    if key is None:
        try:
            with transaction.atomic():
                entry = KnowledgeEntry.objects.create(community=community, **fields)
        except IntegrityError:
            raise InvalidKnowledge(_("Entry id %(id)s is taken."), id=fields["key"]) from None
        audit.record(
            actor=actor, action="chatbot.kb_create", target=entry, after={"key": entry.key}
        )
        return entry
    entry = KnowledgeEntry.objects.select_for_update().filter(community=community, key=key).first()
    if entry is None:
        from hromada.core.errors import NotFound

        raise NotFound()
    before = {name: getattr(entry, name) for name in FIELDS}
    fields.pop("key")
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.save()
    audit.record(
        actor=actor,
        action="chatbot.kb_update",
        target=entry,
        before={"question": before["question"], "active": before["active"]},
        after={"question": entry.question, "active": entry.active},
    )
    return entry


@transaction.atomic
def delete_entry(*, community: Community, actor: Resident | None, key: str) -> None:
    _require_editor(actor, community)
    entry = KnowledgeEntry.objects.select_for_update().filter(community=community, key=key).first()
    if entry is None:
        from hromada.core.errors import NotFound

        raise NotFound()
    audit.record(actor=actor, action="chatbot.kb_delete", target=entry, before={"key": entry.key})
    entry.delete()


# Knowledge gaps ------------------------------------------------------------


def normalize_question(text: str) -> str:
    """Return the text lower-cased, letters and digits only, single spaces."""
    text = unicodedata.normalize("NFKC", text or "").lower().replace("\x00", "")
    words = re.findall(r"\w+", text)
    return " ".join(words)[:QUESTION_MAX]


def record_gap(
    *,
    community: Community,
    question: str,
    suggestion: KnowledgeEntry | None = None,
    confidence: float = 0.0,
) -> KnowledgeGap | None:
    """Count a question the bot could not answer; the same question asked again counts once more.

    Returns None for text with no letters or digits (nothing to learn from).
    """
    question = unicodedata.normalize("NFC", (question or "").replace("\x00", "")).strip()
    normalized = normalize_question(question)
    if not normalized:
        return None
    question = question[:QUESTION_MAX]
    confidence = min(1.0, max(0.0, float(confidence)))
    now = timezone.now()
    for _attempt in range(2):
        with transaction.atomic():
            updated = KnowledgeGap.objects.filter(
                community=community, normalized=normalized
            ).update(
                times_asked=F("times_asked") + 1,
                last_seen=now,
                resolved=False,
                resolved_at=None,
                suggestion=suggestion,
                confidence=confidence,
            )
            if updated:
                return KnowledgeGap.objects.get(community=community, normalized=normalized)
            try:
                with transaction.atomic():
                    return KnowledgeGap.objects.create(
                        community=community,
                        question=question,
                        normalized=normalized,
                        first_seen=now,
                        last_seen=now,
                        suggestion=suggestion,
                        confidence=confidence,
                    )
            except IntegrityError:
                continue  # another worker created it meanwhile: count on it
    return None


@transaction.atomic
def resolve_gap(
    *, community: Community, actor: Resident | None, gap_id: int, entry_key: str | None = None
) -> KnowledgeGap:
    """Mark a gap resolved, optionally naming the entry that now answers it."""
    from hromada.core.errors import NotFound

    _require_editor(actor, community)
    gap = KnowledgeGap.objects.select_for_update().filter(community=community, pk=gap_id).first()
    if gap is None:
        raise NotFound()
    entry = None
    if entry_key:
        entry = KnowledgeEntry.objects.filter(community=community, key=entry_key).first()
        if entry is None:
            raise NotFound()
    gap.resolved = True
    gap.resolved_at = timezone.now()
    gap.entry = entry
    gap.save(update_fields=["resolved", "resolved_at", "entry"])
    audit.record(
        actor=actor,
        action="chatbot.gap_resolve",
        target=gap,
        after={"entry": entry.key if entry else None},
    )
    return gap
