"""Strategy indicators of consultations: held, participants, proposals taken, late reports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hromada.consultations import selectors, services
from hromada.consultations.models import Comment, Consultation
from hromada.core import registry
from hromada.core.models import Identity, Settlement
from tests.consultations.conftest import close_now, open_draft, open_survey
from tests.factories import make_resident

pytestmark = pytest.mark.django_db

ONE_QUESTION = [{"kind": "single", "text": "Чи їздите автобусом?", "options": ["Так", "Ні"]}]


def this_year():
    """A year's period around today (a fixed calendar year would split on 1 January)."""
    today = timezone.localdate()
    return today - timedelta(days=180), today + timedelta(days=180)


def test_the_module_declares_its_indicators_and_each_computes():
    declared = {
        indicator.key: indicator for indicator in registry.module("consultations").indicators
    }
    assert set(declared) == {
        "consultations_held",
        "consultation_participants",
        "consultation_proposals_taken",
        "consultation_reports_overdue",
    }
    assert declared["consultation_reports_overdue"].direction == "down"
    for indicator in declared.values():
        assert callable(registry.resolve(indicator.compute))


def test_held_and_participants_count_what_happened_in_the_period(community, moderator):
    start, end = this_year()
    assert selectors.held_count(community, start, end) == 0
    draft = open_draft(community, moderator)
    survey = open_survey(community, moderator, anonymous=True, questions=ONE_QUESTION)
    people = [make_resident(community, level=Identity.EMAIL) for _ in range(3)]
    services.add_comment(consultation=draft, resident=people[0], text="Додати урни.")
    services.add_comment(consultation=draft, resident=people[0], text="І лави.")
    services.add_comment(consultation=draft, resident=people[1], text="Більше дерев.")
    for person in people:
        services.submit_response(consultation=survey, resident=person, answers={1: 0})

    assert selectors.held_count(community, start, end) == 2
    # Two identified commenters, and three anonymous responses counted each.
    assert selectors.participant_count(community, start, end) == 5
    last_year = (start - timedelta(days=365), start - timedelta(days=1))
    assert selectors.held_count(community, *last_year) == 0
    assert selectors.participant_count(community, *last_year) == 0


def test_a_settlement_narrows_to_the_consultations_concerning_it(community, moderator):
    start, end = this_year()
    settlement = Settlement.objects.filter(community=community).first()
    open_draft(community, moderator)
    assert selectors.held_count(community, start, end, settlement=settlement) == 0
    assert selectors.held_count(community, start, end, settlement=settlement.pk) == 0


def test_share_of_proposals_taken_into_account(community, moderator):
    start, end = this_year()
    assert selectors.taken_into_account_share(community, start, end) is None
    draft = open_draft(community, moderator)
    author = make_resident(community, level=Identity.EMAIL)
    proposals = [
        services.add_comment(
            consultation=draft, resident=author, text=f"Пропозиція {n}", is_proposal=True
        )
        for n in range(4)
    ]
    services.decide_proposals(staff=moderator, comments=proposals[:1], decision="accepted")
    services.decide_proposals(
        staff=moderator, comments=proposals[1:2], decision="partly", reason="Лише частина."
    )
    services.decide_proposals(
        staff=moderator, comments=proposals[2:], decision="rejected", reason="Суперечить закону."
    )
    # Not reported yet: nothing to count.
    assert selectors.taken_into_account_share(community, start, end) is None
    closed = close_now(draft, moderator)
    services.publish_report(actor=moderator, consultation=closed)
    assert selectors.taken_into_account_share(community, start, end) == 50.0
    assert Comment.objects.filter(consultation=draft, decision="rejected").count() == 2


def test_overdue_reports_count_missing_and_late_ones(community, moderator):
    today = timezone.localdate()
    start, end = today - timedelta(days=60), today
    draft = close_now(open_draft(community, moderator), moderator)
    assert selectors.overdue_report_count(community, start, end) == 0  # not due yet
    Consultation.objects.filter(pk=draft.pk).update(report_due_on=today - timedelta(days=3))
    assert selectors.overdue_report_count(community, start, end) == 1
    draft.refresh_from_db()
    services.publish_report(actor=moderator, consultation=draft)
    # Published after its deadline: still late.
    assert selectors.overdue_report_count(community, start, end) == 1
    Consultation.objects.filter(pk=draft.pk).update(report_due_on=today - timedelta(days=1))
    Consultation.objects.filter(pk=draft.pk).update(
        report_published_at=timezone.now() - timedelta(days=2)
    )
    assert selectors.overdue_report_count(community, start, end) == 0
