"""
Timetable generation with OR-Tools CP-SAT: every class gets its hours per subject,
no class, teacher or room has two lessons at once; lessons start early in the day.

Rooms are interchangeable here (any free room fits), so the model only keeps
the lessons at one time within the number of rooms, and rooms are handed out
per time afterwards: no room is ever given twice at the same time.
"""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

DAYS = 5


class Need(NamedTuple):
    key: int  # the assignment
    group: int  # the class
    teacher: int
    hours: int


def solve(
    needs: list[Need],
    *,
    rooms: list[int],
    periods: int = 7,
    seconds: float = 60,
    workers: int = 2,
    optimise: bool = True,
) -> list[tuple[int, int, int, int | None]] | None:
    """Return [(key, weekday, period, room)] or None when no timetable fits."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    slots = [(day, period) for day in range(DAYS) for period in range(1, periods + 1)]
    x = {}
    by_group, by_teacher, by_slot = defaultdict(list), defaultdict(list), defaultdict(list)
    for need in needs:
        if need.hours <= 0:
            continue
        if need.hours > len(slots):
            return None
        for day, period in slots:
            var = model.new_bool_var(f"x{need.key}_{day}_{period}")
            x[need.key, day, period] = var
            by_group[need.group, day, period].append(var)
            by_teacher[need.teacher, day, period].append(var)
            by_slot[day, period].append(var)
        model.add(sum(x[need.key, d, p] for d, p in slots) == need.hours)
        # At most two lessons of a subject a day (a double lesson at most).
        for day in range(DAYS):
            model.add(sum(x[need.key, day, p] for p in range(1, periods + 1)) <= 2)
    for group in (by_group, by_teacher):
        for variables in group.values():
            if len(variables) > 1:
                model.add_at_most_one(variables)
    if rooms:
        for variables in by_slot.values():
            if len(variables) > len(rooms):
                model.add(sum(variables) <= len(rooms))
    if optimise:  # prefer early lessons: fewer late periods, shorter days
        model.minimize(sum(var * key[2] for key, var in x.items()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(seconds)
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    plan, taken = [], defaultdict(int)
    for (key, day, period), var in sorted(x.items()):
        if solver.value(var):
            room = None
            if rooms:
                room = rooms[taken[day, period]]
                taken[day, period] += 1
            plan.append((key, day, period, room))
    return plan


def clashes(plan, needs: list[Need]) -> int:
    """Count double bookings of a class, a teacher or a room in a plan."""
    by_key = {need.key: need for need in needs}
    seen: dict[tuple, int] = defaultdict(int)
    for key, day, period, room in plan:
        need = by_key[key]
        seen["g", need.group, day, period] += 1
        seen["t", need.teacher, day, period] += 1
        if room is not None:
            seen["r", room, day, period] += 1
    return sum(count - 1 for count in seen.values() if count > 1)
