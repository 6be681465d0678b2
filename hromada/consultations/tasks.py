"""Scheduled and background jobs of consultations: thin wrappers around services."""

from django_tasks import task


@task()
def advance_due() -> dict:
    """Open and close consultations on time; send staff digests and report notices."""
    from hromada.consultations.services import advance_due

    return advance_due()


@task()
def notify_subscribers(consultation_id: int) -> int:
    """Tell subscribers of the topic or settlement of a new announcement."""
    from hromada.consultations.services import notify_subscribers

    return notify_subscribers(consultation_id=consultation_id)


@task()
def notify_participants(consultation_id: int) -> int:
    """Tell the participants that the report is published."""
    from hromada.consultations.services import notify_participants

    return notify_participants(consultation_id=consultation_id)
