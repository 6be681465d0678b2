"""Scheduled jobs of appeals: thin, idempotent wrappers named after their services."""

from django_tasks import task


@task()
def escalate_overdue() -> int:
    from hromada.appeals.services import escalate_overdue as run

    return run()


@task()
def close_unconfirmed() -> int:
    from hromada.appeals.services import close_unconfirmed as run

    return run()
