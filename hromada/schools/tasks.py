"""Scheduled jobs of the schools module: thin, idempotent wrappers around notify.py."""

from django_tasks import task


@task()
def daily_digest() -> dict:
    """One digest a day per parent who opted in: new grades, absences, homework, notices."""
    from hromada.schools.notify import send_digests

    return send_digests()


@task()
def absence_alerts() -> dict:
    """Alert the school's heads about runs of unexplained absence (10 working days by default)."""
    from hromada.schools.notify import absence_alerts

    return absence_alerts()


@task()
def purge_expired_archives() -> int:
    """Remove year-end archives kept past the school's retention, with an audit entry each."""
    from hromada.schools.archive import purge_expired_archives

    return purge_expired_archives()
