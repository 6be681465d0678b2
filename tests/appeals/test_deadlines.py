"""Legal terms (Law "On citizens' appeals", art. 20), extensions, escalation, closing."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from hromada.appeals import deadlines, errors, services, tasks
from hromada.appeals.models import Appeal
from hromada.core.audit import history
from hromada.core.models import AuditEntry, CalendarDay, Notification
from tests.appeals.conftest import report
from tests.factories import make_staff

pytestmark = pytest.mark.django_db


def test_terms_are_fifteen_days_and_a_month(community):
    """15 days without study, a calendar month with it; counted from the day after."""
    monday = date(2026, 3, 2)
    assert deadlines.answer_due(monday, requires_study=False, community=community) == date(
        2026, 3, 17
    )
    # 2 March + 1 month = 2 April (Thursday), not 30 days (1 April).
    assert deadlines.answer_due(monday, requires_study=True, community=community) == date(
        2026, 4, 2
    )


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # Civil Code art. 254 part 2: February has no 31st, so the month ends on its last day.
        (date(2025, 1, 31), date(2025, 2, 28)),  # Friday
        (date(2024, 1, 30), date(2024, 2, 29)),  # leap year, Thursday
        (date(2024, 1, 31), date(2024, 2, 29)),
        # 18 March + 1 month is Saturday 18 April (30 days would be Friday 17 April):
        # the term moves to Monday 20 April.
        (date(2026, 3, 18), date(2026, 4, 20)),
        # 31 January 2026 + 1 month is Saturday 28 February: Monday 2 March.
        (date(2026, 1, 31), date(2026, 3, 2)),
        (date(2025, 12, 15), date(2026, 1, 15)),  # across the year
    ],
)
def test_the_one_month_term_is_a_calendar_month(community, received, due):
    assert deadlines.answer_due(received, requires_study=True, community=community) == due
    # Registration computes the same term in its own pass over the calendar.
    assert (
        deadlines.terms(received, requires_study=True, target_days=3, community=community)[0] == due
    )


def test_a_month_ending_on_a_holiday_moves_past_it(community):
    """A holiday of the community's calendar after the weekend moves the term on again."""
    CalendarDay.objects.create(community=community, date=date(2026, 4, 20), kind="holiday")
    received = date(2026, 3, 18)
    expected = date(2026, 4, 21)
    assert deadlines.answer_due(received, requires_study=True, community=community) == expected
    assert (
        deadlines.terms(received, requires_study=True, target_days=3, community=community)[0]
        == expected
    )


def test_a_term_ending_on_a_day_off_moves_to_the_next_working_day(community):
    """Civil Code art. 254: a term ending on a weekend or a holiday ends on the next working day."""
    friday = date(2026, 3, 6)
    # 15 days later is Saturday 21 March; the next working day is Monday 23 March.
    assert deadlines.answer_due(friday, requires_study=False, community=community) == date(
        2026, 3, 23
    )
    CalendarDay.objects.create(community=community, date=date(2026, 3, 23), kind="holiday")
    assert deadlines.answer_due(friday, requires_study=False, community=community) == date(
        2026, 3, 24
    )


def test_the_target_counts_working_days(community):
    friday = date(2026, 3, 6)
    assert deadlines.target_date(friday, days=3, community=community) == date(2026, 3, 11)


def test_extension_is_recorded_once_and_capped_at_45_days(accepted_report, housing_staff, resident):
    received = timezone.localdate(accepted_report.created_at)
    latest = deadlines.latest_extension(received, community=accepted_report.community)
    with pytest.raises(errors.ExtensionInvalid):
        services.extend_deadline(
            appeal=accepted_report,
            staff=housing_staff,
            due_on=latest + timedelta(days=1),
            reason="Потрібна експертиза.",
        )
    with pytest.raises(errors.TextInvalid):
        services.extend_deadline(
            appeal=accepted_report, staff=housing_staff, due_on=latest, reason=""
        )
    services.extend_deadline(
        appeal=accepted_report, staff=housing_staff, due_on=latest, reason="Потрібна експертиза."
    )
    accepted_report.refresh_from_db()
    assert accepted_report.due_on == latest
    assert accepted_report.extension_reason == "Потрібна експертиза."
    assert Notification.objects.filter(resident=resident, event="appeals/extended").exists()
    entry = AuditEntry.objects.get(action="appeal.extended")
    assert entry.after["due_on"] == latest.isoformat()
    with pytest.raises(errors.ExtensionInvalid):
        services.extend_deadline(
            appeal=accepted_report, staff=housing_staff, due_on=latest, reason="Ще раз."
        )


def test_extension_must_move_the_term_forward(accepted_report, housing_staff):
    with pytest.raises(errors.ExtensionInvalid):
        services.extend_deadline(
            appeal=accepted_report,
            staff=housing_staff,
            due_on=accepted_report.due_on,
            reason="Треба більше часу.",
        )


def _overdue(appeal, days=1):
    Appeal.objects.filter(pk=appeal.pk).update(due_on=timezone.localdate() - timedelta(days=days))
    appeal.refresh_from_db()
    return appeal


def test_overdue_appeals_are_escalated_once(accepted_report, housing, community):
    """The department head hears of an overdue appeal once; a second run does nothing."""
    head = make_staff(community, "staff", housing)
    housing.head = head
    housing.save()
    _overdue(accepted_report)
    assert accepted_report.is_overdue
    assert tasks.escalate_overdue.call() == 1
    assert services.escalate_overdue() == 0
    notes = Notification.objects.filter(resident=head, event="appeals/escalated")
    assert notes.count() == 1
    assert accepted_report.number in notes.get().body
    assert [e.action for e in history(accepted_report)].count("appeal.escalated") == 1


def test_an_extended_term_can_be_escalated_again(accepted_report, housing_staff, moderator):
    _overdue(accepted_report, days=40)
    assert services.escalate_overdue() == 1
    received = timezone.localdate(accepted_report.created_at)
    Appeal.objects.filter(pk=accepted_report.pk).update(
        created_at=timezone.now() - timedelta(days=44), due_on=received - timedelta(days=30)
    )
    accepted_report.refresh_from_db()
    services.extend_deadline(
        appeal=accepted_report,
        staff=housing_staff,
        due_on=deadlines.latest_extension(
            timezone.localdate(accepted_report.created_at), community=accepted_report.community
        ),
        reason="Чекаємо на підрядника.",
    )
    assert services.escalate_overdue() == 0  # the new term has not passed
    _overdue(accepted_report)
    assert services.escalate_overdue() == 1


def test_without_a_head_the_moderators_are_told(accepted_report, moderator):
    _overdue(accepted_report)
    services.escalate_overdue()
    assert Notification.objects.filter(resident=moderator, event="appeals/escalated").exists()


def test_closed_appeals_are_never_escalated(resolved_report):
    _overdue(resolved_report)
    assert services.escalate_overdue() == 0


def test_unconfirmed_fixes_close_after_fourteen_days(resolved_report, resident):
    """Nobody confirmed or reopened in 14 days: the appeal closes, once."""
    assert services.close_unconfirmed() == 0
    Appeal.objects.filter(pk=resolved_report.pk).update(
        resolved_at=timezone.now() - timedelta(days=14, minutes=1)
    )
    assert tasks.close_unconfirmed.call() == 1
    assert services.close_unconfirmed() == 0
    resolved_report.refresh_from_db()
    assert resolved_report.status == Appeal.Status.CLOSED
    assert resolved_report.status_notes == "Замінено лампу."
    assert "appeal.closed_automatically" in [e.action for e in history(resolved_report)]


def test_overdue_is_flagged_on_the_dashboard(accepted_report, housing_staff, community):
    from hromada.appeals.selectors import dashboard_items

    _overdue(accepted_report)
    items = {item.label: item for item in dashboard_items(housing_staff, community)}
    overdue = [item for item in items.values() if item.urgent]
    assert overdue and overdue[0].count == 1
    assert "overdue=1" in overdue[0].url


def test_report_of_another_category_keeps_its_own_target(community, categories, resident):
    pothole = report(community, categories, resident, code="pothole", attributes={"size": "small"})
    light = report(community, categories, resident)
    assert pothole.target_on > light.target_on
