"""
Numbers and dates read from a request, kept within what the database and
the calendar can hold.

Anyone can type `?page=99999999999999999999` or `?lat=1e309`; such a value
must change the answer (a filter ignored, a 404, a 400), never crash a query
with an OverflowError. Views read numbers through these helpers, the API
through the bounded types of `hromada.api.types`; both take their limits
from here.
"""

from __future__ import annotations

import math
import re
from datetime import date

# The largest value of a bigint primary key (PostgreSQL's and SQLite's integers).
MAX_ID = 2**63 - 1
# Far beyond any list here (a page of 100 rows × 1,000,000 pages), far below
# the offset that overflows the database.
MAX_PAGE = 1_000_000
MIN_LAT, MAX_LAT = -90.0, 90.0
MIN_LON, MAX_LON = -180.0, 180.0
# The council's records start after 1900; a date beyond 2199 is a typing slip.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2199, 12, 31)

# ASCII digits only: str.isdigit() also accepts "²" and "٣", which int() refuses.
_INTEGER = re.compile(r"[+-]?[0-9]{1,20}")


def parse_int(text, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """Return `text` as an integer within [low, high], or None."""
    if isinstance(text, int) and not isinstance(text, bool):
        number = text
    else:
        text = str(text or "").strip()
        if not _INTEGER.fullmatch(text):
            return None
        number = int(text)
    return number if low <= number <= high else None


def parse_float(text, *, low: float, high: float) -> float | None:
    """Return `text` as a finite number within [low, high], or None."""
    try:
        number = float(str(text or "").strip())
    except ValueError:
        return None
    if not math.isfinite(number) or not low <= number <= high:
        return None
    return number


def parse_date(text, *, low: date = MIN_DATE, high: date = MAX_DATE) -> date | None:
    """Return an ISO date (2026-05-17) within [low, high], or None."""
    try:
        parsed = date.fromisoformat(str(text or "").strip())
    except ValueError:
        return None
    return parsed if low <= parsed <= high else None


def int_param(data, name: str, *, default=None, low: int = 1, high: int = MAX_ID):
    """Return the integer `data[name]` (a QueryDict) within [low, high], else `default`."""
    number = parse_int(data.get(name), low=low, high=high)
    return default if number is None else number


def id_param(data, name: str, *, default=None):
    """Return `data[name]` as a primary key the database can hold, else `default`."""
    return int_param(data, name, default=default, low=1, high=MAX_ID)


def float_param(data, name: str, *, default=None, low: float, high: float):
    """Return the finite number `data[name]` within [low, high], else `default`."""
    number = parse_float(data.get(name), low=low, high=high)
    return default if number is None else number


def date_param(data, name: str, *, default=None, low: date = MIN_DATE, high: date = MAX_DATE):
    """Return the ISO date `data[name]` within [low, high], else `default`."""
    parsed = parse_date(data.get(name), low=low, high=high)
    return default if parsed is None else parsed
