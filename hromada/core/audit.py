"""The audit log: one call records who changed what, when, before and after."""

from __future__ import annotations

from typing import Any

from django.db import models

from hromada.core import rows
from hromada.core.models import AuditEntry, Community, Resident

# The columns a service that writes its audit entry inside a larger statement
# fills (an Open City registration, an online ballot), in this order.
STATEMENT_FIELDS = (
    "community", "actor", "action", "target_type", "target_id",
    "target_label", "before", "after", "created_at",
)  # fmt: skip


def statement_columns(connection) -> str:
    """Return the quoted column names of STATEMENT_FIELDS for a plain INSERT."""
    quote = connection.ops.quote_name
    return ", ".join(quote(AuditEntry._meta.get_field(name).column) for name in STATEMENT_FIELDS)


def record(
    *,
    actor: Resident | None,
    action: str,
    target: models.Model | None = None,
    community: Community | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an audit entry; call it inside the service's transaction."""
    if community is None and target is not None:
        community = getattr(target, "community", None)
        if community is None and isinstance(target, Community):
            community = target
    entry = AuditEntry(
        community=community,
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:200] if target is not None else "",
        before=_plain(before or {}),
        after=_plain(after or {}),
    )
    # Nearly every service writes an entry inside its transaction: one plain statement.
    rows.insert(entry)
    return entry


def history(target: models.Model):
    """Return the audit entries about one object, oldest first."""
    return AuditEntry.objects.filter(
        target_type=target._meta.label_lower, target_id=str(target.pk)
    ).order_by("created_at", "id")


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """Make values JSON-safe (dates, decimals, model instances become strings)."""
    plain = {}
    for key, value in values.items():
        if isinstance(value, (str, int, float, bool)) or value is None:
            plain[key] = value
        elif isinstance(value, models.Model):
            plain[key] = str(value.pk)
        else:
            plain[key] = str(value)
    return plain
