"""Background and scheduled jobs of the chatbot: thin wrappers around the worker code."""

from django_tasks import task


@task()
def process_update(update_id: int) -> None:
    """Answer one stored webhook update (once, however often it is queued)."""
    from hromada.chatbot.worker import process_update

    process_update(update_id)


@task()
def send_message(message_id: int) -> None:
    """Send a staff member's reply into its chat."""
    from hromada.chatbot.worker import send_stored_message

    send_stored_message(message_id)


@task()
def send_broadcast(broadcast_id: int) -> dict:
    from hromada.chatbot.worker import send_broadcast

    return send_broadcast(broadcast_id)


@task()
def purge_expired() -> dict:
    """Blank conversation text older than the retention period (default 90 days)."""
    from hromada.chatbot.services_chat import purge_expired

    return purge_expired()
