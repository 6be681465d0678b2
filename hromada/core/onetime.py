"""
One-time codes texted to a phone: made, kept only as a keyed hash, checked
with a limit on wrong tries.

A confirmation of a resident's phone (`hromada.core.phone`) and a visitor's
joining of the ЦНАП queue by phone (`hromada.cnap.services`) both work this
way; each keeps its own row, rate limits and errors, and this module the
part that must not differ between them.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.utils.crypto import constant_time_compare, salted_hmac

WRONG = "wrong"
LOCKED = "locked"
EXPIRED = "expired"


def new_code(length: int) -> str:
    """Return a random code of `length` digits."""
    return f"{secrets.randbelow(10**length):0{length}d}"


def code_hash(purpose: str, key, code: str) -> str:
    """Return the keyed hash kept instead of the code; `key` ties it to its row."""
    return salted_hmac(purpose, f"{key}:{code}", algorithm="sha256").hexdigest()


def check_code(
    row, code: str, *, purpose: str, key, now: datetime, tries: int
) -> tuple[str | None, int]:
    """
    Check `code` against `row` (its code_hash, attempts and expires_at).

    Return (None, tries left) for the right code in time; otherwise WRONG,
    LOCKED or EXPIRED with the tries left. A wrong code counts a try on the
    row, saved at once: the caller holds the row locked and raises only
    after its transaction commits, so the try stays counted.
    """
    if row.attempts >= tries:
        return LOCKED, 0
    if row.expires_at <= now:
        return EXPIRED, 0
    if constant_time_compare(row.code_hash, code_hash(purpose, key, code)):
        return None, tries - row.attempts
    row.attempts += 1
    row.save(update_fields=["attempts"])
    left = tries - row.attempts
    return (WRONG if left else LOCKED), left
