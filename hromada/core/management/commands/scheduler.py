"""
One scheduler process: queue each module's scheduled jobs at their period.

The jobs are idempotent, so a second scheduler or a restart does no harm;
it only costs a little duplicate work.
"""

import time

from django.core.management.base import BaseCommand

from hromada.core import registry


def due_jobs(last_run: dict[str, float], now: float) -> list[str]:
    due = []
    for module in registry.modules():
        for schedule in module.schedules:
            if now - last_run.get(schedule.task, 0.0) >= schedule.every_seconds:
                last_run[schedule.task] = now
                due.append(schedule.task)
    return due


class Command(BaseCommand):
    help = "Queue the modules' scheduled jobs (deadlines, period ends, escalations)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Queue every job once and exit.")

    def handle(self, *args, once=False, **options):
        last_run: dict[str, float] = {}
        while True:
            for dotted in due_jobs(last_run, time.monotonic()):
                registry.resolve(dotted).enqueue()
                self.stdout.write(f"queued {dotted}")
            if once:
                return
            time.sleep(5)
