"""Background jobs of the participatory budget: thin, idempotent wrappers of services."""

from django_tasks import task


@task()
def count_finished_cycles() -> int:
    """Count every cycle whose voting has ended and publish its ballots; return how many."""
    from hromada.budget.selectors import cycles_to_count
    from hromada.budget.services import count_votes

    return sum(count_votes(cycle=cycle) for cycle in cycles_to_count())


@task()
def notify_supporters(update_id: int) -> int:
    """Tell the voters who supported a project about its implementation update."""
    from hromada.budget.services import notify_supporters_of

    return notify_supporters_of(update_id=update_id)
