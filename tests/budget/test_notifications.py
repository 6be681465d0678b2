"""Notifications at each step reach the right people, in Ukrainian."""

import pytest

from hromada.budget import services
from hromada.core.models import Notification
from tests.budget.helpers import draft, moderator, move_to
from tests.factories import make_department, make_resident, make_staff

pytestmark = pytest.mark.django_db


def events_for(resident) -> list[str]:
    return list(
        Notification.objects.filter(resident=resident)
        .order_by("pk")
        .values_list("event", flat=True)
    )


def test_every_step_notifies(community, cycle, category, django_capture_on_commit_callbacks):
    author = make_resident(community)
    coauthor = make_resident(community)
    staff = moderator(community)
    department = make_department(community)
    head = make_staff(community, department=department)
    department.head = head
    department.save()

    project = draft(author, category, coauthor_emails=[coauthor.email])
    services.submit_project(resident=author, project=project)
    services.start_review(staff=staff, project=project, departments=[department])
    services.request_revision(staff=staff, project=project, note="Додайте фото")
    services.submit_project(resident=author, project=project)
    services.give_conclusion(
        staff=head, conclusion=project.conclusions.get(), feasible=True, reason=""
    )
    services.admit_project(staff=staff, project=project)
    move_to(cycle, "voting")
    category.refresh_from_db()
    voter = make_resident(community)
    services.cast_ballot(resident=voter, category=category, choices=[project.pk])
    move_to(cycle, "results")
    services.count_votes(cycle=cycle)
    services.approve_results(staff=staff, cycle=cycle)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_implementation(
            staff=head, project=project, status="under_way", spent="100", note="Почали"
        )

    expected = [
        "budget/project_submitted",
        "budget/project_under_review",
        "budget/project_revision",
        "budget/project_resubmitted",
        "budget/project_admitted",
        "budget/project_won",
        "budget/implementation_update",
    ]
    assert events_for(author) == expected
    assert events_for(coauthor) == expected
    assert events_for(head) == ["budget/review_requested", "budget/review_requested"]
    assert events_for(voter) == ["budget/ballot_cast", "budget/implementation_update"]
    subjects = set(Notification.objects.values_list("subject", flat=True))
    assert "Проєкт №1 переміг" in subjects
    assert all("{" not in subject and "%" not in subject for subject in subjects)


def test_rejection_notifies_with_the_reason(community, category):
    author = make_resident(community)
    project = draft(author, category)
    services.submit_project(resident=author, project=project)
    services.reject_project(
        staff=moderator(community), project=project, reason="Не в межах громади"
    )
    notice = Notification.objects.get(resident=author, event="budget/project_rejected")
    assert "Не в межах громади" in notice.body
    assert notice.subject.startswith("Проєкт №")
