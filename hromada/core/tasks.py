"""Background jobs of the core: notification delivery."""

from django_tasks import task


@task()
def deliver_notification(notification_id: int) -> None:
    from hromada.core.notifications import deliver

    deliver(notification_id)
