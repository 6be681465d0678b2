"""
Deadlines of appeals.

Law of Ukraine "On citizens' appeals", art. 20: an appeal is considered within
one month of its receipt; one that needs no additional study, within fifteen
days; when a month is not enough, the head may extend the term, but the whole
term may not exceed forty-five days. The law counts calendar time: the month
is a calendar month (31 January + 1 month = 28 or 29 February; Civil Code,
art. 254, part 2), not thirty days. A term that ends on a day off ends on the
next working day (Civil Code, art. 254, part 5), which is where the
community's calendar comes in. The category's target, a
promise the council makes to residents ("street lights: 3 working days"),
counts working days.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection

from hromada.core.calendar import add_months, add_working_days, is_working_day
from hromada.core.models import CalendarDay, Community

ANSWER_MONTHS = 1  # art. 20: "не більше одного місяця", a calendar month
ANSWER_DAYS_SIMPLE = 15  # art. 20: no additional study needed
ANSWER_DAYS_MAX = 45  # art. 20: the longest term, with an extension
CONFIRMATION_DAYS = 14  # the author may confirm or reopen a fix within this many days


def next_working_day(day: date, *, community: Community) -> date:
    """Return `day` itself if it is a working day, else the next working day."""
    for _attempt in range(60):
        if is_working_day(day, community=community):
            return day
        day += timedelta(days=1)
    return day


def term_end(received: date, *, requires_study: bool) -> date:
    """Return the day the legal term ends, before moving it off a day off."""
    if requires_study:
        return add_months(received, ANSWER_MONTHS)
    return received + timedelta(days=ANSWER_DAYS_SIMPLE)


def answer_due(received: date, *, requires_study: bool, community: Community) -> date:
    """Return the last day to answer an appeal received on `received`."""
    end = term_end(received, requires_study=requires_study)
    return next_working_day(end, community=community)


def latest_extension(received: date, *, community: Community) -> date:
    """Return the latest day an extension may set."""
    return next_working_day(received + timedelta(days=ANSWER_DAYS_MAX), community=community)


def target_date(received: date, *, days: int, community: Community) -> date:
    """Return the day by which the category's target promises the work."""
    return add_working_days(received, days, community=community)


def _exceptions(community_id: int, start: date, end: date) -> dict[date, str]:
    """Return {day: kind} of the community's calendar exceptions from start to end."""
    # Every registration reads this; a plain statement costs a fraction of the ORM's.
    table = connection.ops.quote_name(CalendarDay._meta.db_table)
    sql = f"SELECT date, kind FROM {table} WHERE community_id = %s AND date BETWEEN %s AND %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [community_id, start.isoformat(), end.isoformat()])
        rows = cursor.fetchall()
    # SQLite answers with the ISO text of the day.
    return {day if isinstance(day, date) else date.fromisoformat(day): kind for day, kind in rows}


def terms(
    received: date, *, requires_study: bool, target_days: int, community: Community
) -> tuple[date, date]:
    """
    Return (answer due, target date) for an appeal received on `received`.

    One read of the community's calendar serves both, as every registration
    needs the two.
    """
    due = term_end(received, requires_study=requires_study)
    days = (due - received).days
    window = received + timedelta(days=max(days, target_days * 2) + 60)
    exceptions = _exceptions(community.pk, received, window)

    def working(day: date) -> bool:
        kind = exceptions.get(day)
        return kind == CalendarDay.Kind.WORKING if kind else day.weekday() < 5

    while not working(due) and due < window:
        due += timedelta(days=1)
    target, remaining = received, target_days
    while remaining > 0 and target < window:
        target += timedelta(days=1)
        if working(target):
            remaining -= 1
    if target >= window:  # a calendar of long holidays: fall back to the slow path
        target = target_date(received, days=target_days, community=community)
    return due, target
