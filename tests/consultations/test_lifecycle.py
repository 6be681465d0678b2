"""The life cycle: draft → announced → open → closed → processing → report published."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hromada.consultations import services
from hromada.consultations.models import Consultation, ConsultationRules
from hromada.core.errors import ValidationFailed
from hromada.core.models import AuditEntry
from tests.consultations.conftest import close_now, make_consultation
from tests.factories import make_resident

pytestmark = pytest.mark.django_db
S = Consultation.Status


def test_rules_default_to_the_law(community):
    """Defaults: 15 days at least, report within 14 days, 5 working days, 500 signatures."""
    rules = services.rules_for(community)
    assert (rules.min_days, rules.report_days, rules.publish_working_days) == (15, 14, 5)
    assert rules.hearing_signatures == 500


def test_shorter_than_minimum_is_refused(community, moderator):
    """Announcing a 10-day consultation fails and leaves it in preparation."""
    consultation = make_consultation(community, moderator, "survey", days=10)
    services.add_question(actor=moderator, consultation=consultation, kind="short", text="Питання?")
    with pytest.raises(services.TooShort) as caught:
        services.announce_consultation(actor=moderator, consultation=consultation)
    assert "15" in str(caught.value)
    consultation.refresh_from_db()
    assert consultation.status == S.DRAFT


def test_community_minimum_is_used(community, moderator):
    """A community that sets 30 days refuses 20."""
    ConsultationRules.objects.update_or_create(community=community, defaults={"min_days": 30})
    consultation = make_consultation(community, moderator, "draft", days=20)
    services.publish_version(
        actor=moderator, consultation=consultation, text="### Стаття 1.\nТекст"
    )
    with pytest.raises(services.TooShort):
        services.announce_consultation(actor=moderator, consultation=consultation)


def test_full_cycle(community, moderator, draft):
    """Open at once when its time has come; closing fixes the report's deadline."""
    assert draft.status == S.OPEN
    with pytest.raises(services.Conflict):
        services.close_consultation(actor=moderator, consultation=draft)
    closed = close_now(draft, moderator)
    assert closed.status == S.CLOSED
    assert closed.report_due_on == timezone.localdate() + timedelta(days=14)
    processing = services.start_processing(actor=moderator, consultation=closed)
    assert processing.status == S.PROCESSING
    reported = services.publish_report(actor=moderator, consultation=processing)
    assert reported.status == S.REPORTED
    assert len(reported.report_sha256) == 64
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "consultation.announced",
        "consultation.closed",
        "consultation.report_published",
    } <= actions


def test_a_resident_cannot_run_consultations(community):
    """Only staff create consultations."""
    resident = make_resident(community)
    with pytest.raises(services.NotStaff):
        make_consultation(community, resident, "draft")


def test_bad_dates_are_refused(community, moderator):
    now = timezone.now()
    with pytest.raises(ValidationFailed) as caught:
        services.create_consultation(
            actor=moderator,
            community=community,
            kind="draft",
            title="Т",
            body="Б",
            legal_basis="Закон",
            opens_at=now,
            closes_at=now - timedelta(days=1),
        )
    assert "closes_at" in caught.value.fields
    assert not Consultation.objects.exists()


def test_scheduler_opens_and_closes(community, moderator):
    """The scheduled job opens an announced consultation on time and closes it when due."""
    consultation = make_consultation(community, moderator, "draft", start=1)
    services.publish_version(
        actor=moderator, consultation=consultation, text="### Стаття 1.\nТекст"
    )
    services.announce_consultation(actor=moderator, consultation=consultation)
    consultation.refresh_from_db()
    assert consultation.status == S.ANNOUNCED
    services.advance_due(now=timezone.now() + timedelta(days=1, minutes=1))
    consultation.refresh_from_db()
    assert consultation.status == S.OPEN
    services.advance_due(now=timezone.now() + timedelta(days=22))
    consultation.refresh_from_db()
    assert consultation.status == S.CLOSED
    # Twice does no harm.
    services.advance_due(now=timezone.now() + timedelta(days=22))
    consultation.refresh_from_db()
    assert consultation.status == S.CLOSED
