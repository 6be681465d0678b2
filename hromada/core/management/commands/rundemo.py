"""Serve the demo: the web server, the task worker and the scheduler together."""

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from hromada.core import registry
from hromada.core.demo import DEMO_PASSWORD, demo_logins


class Command(BaseCommand):
    help = "Run the web server with the background worker and scheduler (the embedded demo)."

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))

    def handle(self, *args, port, **options):
        python = [sys.executable, "-m", "hromada"]
        if settings.REDIS_URL:
            worker = ["rqworker", "--job-class", "django_tasks_rq.Job", "default"]
        else:
            worker = ["db_worker", "--no-reload"]
        helpers = [
            subprocess.Popen([*python, *worker]),
            subprocess.Popen([*python, "scheduler"]),
        ]
        self.stdout.write(
            self.style.SUCCESS(f"\nHromada: http://127.0.0.1:{port}/")
            + f"\n  Chornomorsk: http://chornomorsk.localhost:{port}/"
            + f"\n  Pivdenne:    http://pivdenne.localhost:{port}/"
            + f"\n  Back office: http://127.0.0.1:{port}/admin/"
            + f"\n\nDemo log-ins (password: {DEMO_PASSWORD}):"
        )
        for email, role in demo_logins():
            self.stdout.write(f"  {email:<30} {role}")
        if registry.module("cnap"):
            from hromada.cnap.demo import demo_urls

            self.stdout.write("\n".join(["", *demo_urls(port)]))
        self.stdout.write("")
        try:
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
        finally:
            for process in helpers:
                process.send_signal(signal.SIGTERM)
            for process in helpers:
                process.wait(timeout=10)
