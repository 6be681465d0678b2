"""Scheduled jobs of the service centre: thin wrappers around services."""

from django_tasks import task


@task()
def expire_overdue() -> dict:
    """Lapse remote joins not checked in, mark missed bookings, close yesterday's tickets."""
    from hromada.cnap.services import expire_overdue

    return expire_overdue()


@task()
def remind_bookings() -> dict:
    """Remind residents of their bookings a day and an hour before."""
    from hromada.cnap.services import remind_bookings

    return remind_bookings()


@task()
def send_ticket_sms(ticket_id: int, event: str) -> bool:
    """Text a ticket's confirmed phone that its turn is near or that it is called."""
    from hromada.cnap.services import send_ticket_sms

    return send_ticket_sms(ticket_id=ticket_id, event=event)
