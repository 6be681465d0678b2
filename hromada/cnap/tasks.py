"""Scheduled jobs of the service centre: thin wrappers around services."""

from django_tasks import task


@task()
def expire_overdue() -> dict:
    """Lapse remote joins not checked in, mark missed bookings, close yesterday's tickets."""
    from hromada.cnap.services import expire_overdue

    return expire_overdue()
