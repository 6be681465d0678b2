"""Background and scheduled jobs of petitions: thin wrappers around services."""

from django_tasks import task


@task()
def close_due_collections() -> dict:
    """Recount collecting petitions; start consideration or archive those due."""
    from hromada.petitions.services import close_due_collections

    return close_due_collections()


@task()
def notify_signers_of_answer(petition_id: int) -> int:
    """Tell the signers who asked for it that the petition is answered."""
    from hromada.petitions.services import notify_signers_of_answer

    return notify_signers_of_answer(petition_id=petition_id)
