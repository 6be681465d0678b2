"""Background jobs of the core: notification delivery and its retry."""

from django_tasks import task


@task()
def deliver_notification(notification_id: int) -> None:
    from hromada.core.notifications import deliver

    deliver(notification_id)


@task()
def retry_notifications() -> int:
    """Send the notifications whose queued delivery was lost (scheduled every minute)."""
    from hromada.core.notifications import retry_stalled

    return retry_stalled()
