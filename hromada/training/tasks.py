"""Scheduled jobs of staff training: thin, idempotent wrappers of services."""

from __future__ import annotations

from django_tasks import task


@task()
def close_overdue_attempts() -> int:
    """Close test attempts whose time and grace are over (auto-submit or expire)."""
    from hromada.training import services

    return services.close_overdue()


@task()
def send_reminders() -> int:
    """Send each community's staff their digest of mandatory courses due soon."""
    from hromada.core.models import Community
    from hromada.training import services

    return sum(
        services.send_reminders(community=community)
        for community in Community.objects.filter(is_active=True)
    )
