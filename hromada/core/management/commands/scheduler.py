"""
The scheduler: queue each module's scheduled jobs once per period.

Periods are counted on the wall clock (period n of a job starts at
n × its period since the epoch), and before queueing a job for a period the
scheduler claims that (job, period) in the shared cache with an atomic add.
So any number of schedulers may run, a spare on a second machine or two
overlapping during a restart, and each job is still queued once per period.
With Redis (REDIS_URL) the claim is shared by every machine; the embedded
default's local-memory cache belongs to one process, and there one scheduler
runs (`rundemo`). The jobs are idempotent besides, so a period queued twice
would cost only duplicate work.
"""

import os
import socket
import time

from django.core.cache import cache
from django.core.management.base import BaseCommand

from hromada.core import registry
from hromada.core.registry import Schedule

# The core's own jobs: notifications whose delivery never finished go out
# again; expired phone codes are forgotten with their numbers.
CORE_SCHEDULES = [
    Schedule("hromada.core.tasks.retry_notifications", every_seconds=60),
    Schedule("hromada.core.tasks.forget_phone_codes", every_seconds=3600),
]
TICK_SECONDS = 5


def all_schedules(*, every: int | None = None) -> list[Schedule]:
    """Return the core's and the enabled modules' schedules; `every` overrides each period."""
    found = [*CORE_SCHEDULES, *(s for module in registry.modules() for s in module.schedules)]
    if every:
        found = [Schedule(schedule.task, every_seconds=every) for schedule in found]
    return found


def claim_period(*, task: str, period: int, seconds: int) -> bool:
    """Claim one period of a job for this scheduler; False when another one has it."""
    owner = f"{socket.gethostname()}:{os.getpid()}"
    # The claim outlives its period, so a late scheduler cannot claim it again.
    return cache.add(f"schedule:{task}:{period}", owner, timeout=2 * seconds)


def due_jobs(schedules: list[Schedule], claimed: dict[str, int], now: float) -> list[str]:
    """Return the jobs whose current period this scheduler has just claimed."""
    due = []
    for schedule in schedules:
        period = int(now // schedule.every_seconds)
        if claimed.get(schedule.task) == period:
            continue
        claimed[schedule.task] = period
        if claim_period(task=schedule.task, period=period, seconds=schedule.every_seconds):
            due.append(schedule.task)
    return due


class Command(BaseCommand):
    help = "Queue the scheduled jobs (deadlines, period ends, escalations), once per period."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Queue every due job and exit.")
        parser.add_argument(
            "--every",
            type=int,
            default=None,
            metavar="SECONDS",
            help="Run every job at this period instead of its own (tests, catching up).",
        )

    def handle(self, *args, once=False, every=None, **options):
        schedules = all_schedules(every=every)
        tick = min(TICK_SECONDS, *(s.every_seconds / 3 for s in schedules))
        claimed: dict[str, int] = {}
        while True:
            for dotted in due_jobs(schedules, claimed, time.time()):
                registry.resolve(dotted).enqueue()
                self.stdout.write(f"queued {dotted}", ending="\n")
                self.stdout.flush()
            if once:
                return
            time.sleep(tick)
