"""Working days of a community: legal deadlines count them, not calendar days."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

from hromada.core.models import CalendarDay, Community


def _exceptions(community: Community, start: date, end: date) -> dict[date, str]:
    rows = CalendarDay.objects.filter(community=community, date__range=(start, end))
    return dict(rows.values_list("date", "kind"))


def is_working_day(day: date, *, community: Community) -> bool:
    kind = _exceptions(community, day, day).get(day)
    if kind is not None:
        return kind == CalendarDay.Kind.WORKING
    return day.weekday() < 5


def add_months(start: date, months: int) -> date:
    """
    Return `start` moved forward by `months` calendar months.

    Civil Code of Ukraine, art. 254, part 2: a term in months ends on the
    same date of its last month, or on that month's last day when it has no
    such date (31 January + 1 month = 28 or 29 February).
    """
    if months < 0:
        raise ValueError("months must not be negative")
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, monthrange(year, month)[1]))


def add_working_days(start: date, days: int, *, community: Community) -> date:
    """
    Return `start` moved forward by `days` working days of the community.

    Holidays come from the calendar that staff keep, not a fixed list: the
    council can move working days by its own decision. The start day itself
    is not counted, as the law counts from the day after the event.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    # Enough room for long holiday runs; widened if ever exceeded.
    window = days * 2 + 30
    exceptions = _exceptions(community, start, start + timedelta(days=window))
    day, remaining = start, days
    while remaining > 0:
        day += timedelta(days=1)
        if day > start + timedelta(days=window):
            window *= 2
            exceptions = _exceptions(community, start, start + timedelta(days=window))
        kind = exceptions.get(day)
        working = kind == CalendarDay.Kind.WORKING if kind else day.weekday() < 5
        if working:
            remaining -= 1
    return day


def working_days_between(start: date, end: date, *, community: Community) -> int:
    """Return how many working days lie after `start` up to and including `end`."""
    if end <= start:
        return 0
    exceptions = _exceptions(community, start, end)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        kind = exceptions.get(day)
        if (kind == CalendarDay.Kind.WORKING) if kind else day.weekday() < 5:
            count += 1
    return count
