"""The plain INSERT of hot write paths writes what save() would."""

import pytest
from django.db import IntegrityError, transaction

from hromada.core import rows
from hromada.core.models import AuditEntry, Street

pytestmark = pytest.mark.django_db


def test_insert_writes_every_field_as_save_would(community):
    entry = rows.insert(
        AuditEntry(community=community, action="test.row", after={"текст": "<b>так</b>", "n": 2})
    )
    assert entry.pk is not None and not entry._state.adding
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.after == {"текст": "<b>так</b>", "n": 2}
    assert stored.before == {} and stored.community_id == community.pk
    assert stored.created_at == entry.created_at  # the aware time, as save() stores it


def test_insert_breaks_a_constraint_as_save_would(community):
    street = Street.objects.filter(settlement__community=community).first()
    twin = Street(settlement=street.settlement, name=street.name)
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert(twin)
    assert Street.objects.filter(settlement=street.settlement, name=street.name).count() == 1
