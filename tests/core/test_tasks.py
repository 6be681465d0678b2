"""Notifications travel through the real task queues: the database and Redis."""

import os
import subprocess
import sys

import pytest
from django.core.management import call_command

from hromada.core import notifications
from hromada.core.models import Notification
from tests.factories import make_resident


@pytest.mark.django_db(transaction=True)
def test_database_queue_delivers_after_the_worker_runs(community, settings, mailoutbox):
    # django-tasks re-reads TASKS when the setting changes.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    resident = make_resident(community)
    notifications.notify(resident, "core/confirm_email", community=community, link="x")
    notification = Notification.objects.get(resident=resident)
    assert notification.status == Notification.Status.QUEUED
    assert mailoutbox == []

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert mailoutbox[0].to == [resident.email]


SCRIPT = """
import django
django.setup()
from django.core.management import call_command
from django.db import transaction
from hromada.core import notifications
from hromada.core.models import Notification, Resident
call_command("migrate", verbosity=0)
resident = Resident.objects.create_user("rq@example.test", "x", full_name="Тест")
with transaction.atomic():
    notifications.notify(resident, "core/confirm_email", link="x")
print(Notification.objects.get().status)
"""

CHECK = """
import django
django.setup()
from hromada.core.models import Notification
print(Notification.objects.get().status)
"""


@pytest.mark.once  # its own SQLite and Redis database 14, whatever the suite's database
def test_redis_queue_delivers_through_rq_worker(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hromada.settings",
        "HROMADA_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "EMAIL_URL": "console://",
    }
    env.pop("HROMADA_TESTING", None)
    subprocess.run(["redis-cli", "-n", "14", "FLUSHDB"], check=True, capture_output=True)
    queued = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True)
    assert queued.stdout.strip() == "queued", queued.stderr
    worker = subprocess.run(
        [
            sys.executable,
            "-m",
            "hromada",
            "rqworker",
            "--burst",
            "--job-class",
            "django_tasks_rq.Job",
            "default",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stderr
    sent = subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True)
    assert sent.stdout.strip() == "sent", worker.stdout + worker.stderr


def test_rq_backend_queues_through_one_redis_client_per_process(settings, redis_url, monkeypatch):
    import django_rq
    from rq import Queue

    from hromada.core import taskqueue
    from hromada.core.tasks import deliver_notification

    name = f"pooled-test-{os.getpid()}"
    settings.TASKS = {
        "default": {"BACKEND": "hromada.core.taskqueue.PooledRQBackend", "QUEUES": [name]}
    }
    settings.RQ_QUEUES = {name: {"URL": redis_url}}
    made = []
    real = django_rq.get_connection
    monkeypatch.setattr(
        django_rq, "get_connection", lambda *a, **k: made.append(a) or real(*a, **k)
    )
    monkeypatch.setattr(taskqueue, "_clients", {})
    queue = Queue(name, connection=real(name))
    queue.empty()
    try:
        first = deliver_notification.using(queue_name=name).enqueue(1)
        second = deliver_notification.using(queue_name=name).enqueue(2)
        assert len(made) == 1
        assert queue.count == 2
        assert [list(job.args) for job in queue.jobs] == [[1], [2]]
        assert first.id != second.id
        # Stored, pushed and the queue registered in one round trip: a worker
        # listening on every queue finds it, and the jobs wait as queued.
        assert name in [each.name for each in Queue.all(connection=queue.connection)]
        assert {job.get_status() for job in queue.jobs} == {"queued"}
    finally:
        queue.empty()
