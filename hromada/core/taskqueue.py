"""
The RQ task backend with one Redis connection pool per process.

django-tasks-rq asks django-rq for the queue on every enqueue, and django-rq
builds a new Redis client, and so a new connection pool, from the URL each
time: every notification, chatbot update or job queued paid for a TCP
connection and its handshake. This backend keeps one client per process and
queue configuration. `enqueue` is django-tasks-rq 0.12's own, with the
shared client passed to the queue, the job stored and pushed in one round
trip, and a cheaper random id: compare it when upgrading that package.
"""

from __future__ import annotations

import secrets
import threading

import django_rq
from django_tasks.base import TASK_MAX_PRIORITY, TaskResult, TaskResultStatus
from django_tasks.signals import task_enqueued
from django_tasks_rq.backend import Job, RQBackend, failed_callback, success_callback
from rq.job import Callback, JobStatus

_clients: dict[str, object] = {}
_lock = threading.Lock()


def shared_connection(queue_name: str):
    """Return this process's Redis client for an RQ_QUEUES entry (made once)."""
    client = _clients.get(queue_name)
    if client is None:
        with _lock:
            client = _clients.get(queue_name)
            if client is None:
                client = _clients[queue_name] = django_rq.get_connection(queue_name)
    return client


class PooledRQBackend(RQBackend):
    def enqueue(self, task, args, kwargs):
        self.validate_task(task)
        task_result = TaskResult(
            task=task,
            # Any unique id will do: one call for the random bytes, not 32.
            id=secrets.token_urlsafe(24),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        connection = shared_connection(task.queue_name)
        queue = django_rq.get_queue(task.queue_name, job_class=Job, connection=connection)
        job = queue.create_job(
            task.module_path,
            args=args,
            kwargs=kwargs,
            job_id=task_result.id,
            status=JobStatus.SCHEDULED if task.run_after else JobStatus.QUEUED,
            on_failure=Callback(failed_callback),
            on_success=Callback(success_callback),
            meta={"backend_name": self.alias},
        )
        if task.run_after is None and queue.is_async:
            # One round trip: left to itself, rq registers the queue in one
            # and stores and pushes the job in another.
            with connection.pipeline() as pipe:
                job = queue.enqueue_job(
                    job, pipeline=pipe, at_front=task.priority == TASK_MAX_PRIORITY
                )
                pipe.execute()
        elif task.run_after is None:
            job = queue.enqueue_job(job, at_front=task.priority == TASK_MAX_PRIORITY)
        else:
            job = queue.schedule_job(job, task.run_after)
        object.__setattr__(task_result, "enqueued_at", job.enqueued_at)
        task_enqueued.send(type(self), task_result=task_result)
        return task_result
