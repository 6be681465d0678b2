"""A person's timetable as an iCalendar feed: the next four weeks, working days only."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from icalendar import Calendar, Event

from hromada.core.calendar import _exceptions
from hromada.core.models import CalendarDay, Community
from hromada.schools import selectors

# Lesson start times (45 minutes, breaks of 10 and one of 20 after the third).
STARTS = {
    1: (8, 30),
    2: (9, 25),
    3: (10, 20),
    4: (11, 25),
    5: (12, 20),
    6: (13, 15),
    7: (14, 10),
    8: (15, 5),
    9: (16, 0),
    10: (16, 55),
}
WEEKS = 4


def render(resident, community: Community) -> bytes:
    slots = list(selectors.slots_for_resident(resident, community))
    today = timezone.localdate()
    end = today + timedelta(weeks=WEEKS)
    exceptions = _exceptions(community, today, end)
    feed = Calendar()
    feed.add("prodid", "-//Hromada//schools//UK")
    feed.add("version", "2.0")
    feed.add("x-wr-calname", "Розклад уроків")
    zone = timezone.get_current_timezone()
    day = today
    while day <= end:
        kind = exceptions.get(day)
        working = (kind == CalendarDay.Kind.WORKING) if kind else day.weekday() < 5
        if working:
            for slot in slots:
                if slot.weekday != day.weekday() or not (
                    slot.year.starts_on <= day <= slot.year.ends_on
                ):
                    continue
                hour, minute = STARTS.get(slot.period, (8, 30))
                start = datetime.combine(day, time(hour, minute), tzinfo=zone)
                event = Event()
                event.add("uid", f"slot-{slot.pk}-{day:%Y%m%d}@hromada")
                event.add("summary", f"{slot.assignment.subject.name} ({slot.school_class})")
                event.add("dtstart", start)
                event.add("dtend", start + timedelta(minutes=45))
                event.add("dtstamp", timezone.now())
                if slot.room_id:
                    event.add("location", slot.room.name)
                feed.add_component(event)
        day += timedelta(days=1)
    return feed.to_ical()
