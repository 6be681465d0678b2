"""Background jobs of the core: notification delivery and its retry, expired phone codes."""

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


@task()
def forget_phone_codes() -> int:
    """Delete the phone confirmation codes whose time is over (scheduled hourly)."""
    from hromada.core.phone import forget_expired_codes

    return forget_expired_codes()
