"""An audit entry written by `audit.record` reads back as it was given."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from hromada.core import audit
from hromada.core.models import AuditEntry
from tests.factories import make_resident

pytestmark = pytest.mark.django_db


def test_record_reads_back(community):
    """Actor, target, community, plain JSON values and the time are stored as given."""
    actor = make_resident(community)
    before = timezone.now()
    entry = audit.record(
        actor=actor,
        action="core.tested",
        target=community,
        before={"status": "old", "due": date(2026, 1, 2)},
        after={"money": Decimal("1.50"), "who": actor, "none": None, "n": 3},
    )
    stored = AuditEntry.objects.get()
    assert stored.pk == entry.pk
    assert (stored.community_id, stored.actor_id, stored.action) == (
        community.pk,
        actor.pk,
        "core.tested",
    )
    assert (stored.target_type, stored.target_id) == ("core.community", str(community.pk))
    assert stored.target_label == str(community)
    assert stored.before == {"status": "old", "due": "2026-01-02"}
    assert stored.after == {"money": "1.50", "who": str(actor.pk), "none": None, "n": 3}
    assert before - timedelta(seconds=1) <= stored.created_at <= timezone.now()
    assert list(audit.history(community)) == [stored]


def test_entry_stays_append_only(community):
    """The recorded entry cannot be saved again or deleted."""
    entry = audit.record(actor=None, action="core.tested", target=community)
    assert entry.actor_id is None
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()
