"""
Hand a petition whose collection ended below the threshold to the appeals
module, which registers it as a collective appeal (Law "On citizens'
appeals", art. 23-1). Nothing happens while the appeals module is off.
"""

from __future__ import annotations

from hromada.core import registry


def register_as_appeal(petition) -> str | None:
    """Register the archived petition as a collective appeal once; return its number."""
    if registry.module("appeals") is None:
        return None
    from hromada.appeals.services import register_petition_appeal

    return register_petition_appeal(petition=petition).number


def appeal_number(petition) -> str:
    """Return the registration number of the petition's collective appeal, or ""."""
    if registry.module("appeals") is None:
        return ""
    from hromada.appeals.services import petition_appeal

    appeal = petition_appeal(petition)
    return appeal.number if appeal is not None else ""
