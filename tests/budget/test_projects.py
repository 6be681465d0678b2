"""Projects: drafting, estimates, submission, review, revision, admission, rejection."""

from decimal import Decimal

import pytest
from django.core import mail

from hromada.budget import services
from hromada.budget.errors import (
    CostMismatch,
    NotEligible,
    OverCap,
    PhaseClosed,
    ReviewIncomplete,
    WrongStatus,
)
from hromada.budget.models import Conclusion, Photo, Project
from hromada.core.errors import Forbidden, IdentityRequired, ValidationFailed
from hromada.core.models import AuditEntry, CommunityLink, Identity, Notification, Settlement
from tests.budget.helpers import (
    draft,
    image_upload,
    make_category,
    moderator,
    move_to,
    refresh,
    reviewed,
)
from tests.factories import make_department, make_resident, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(community):
    return make_resident(community)


def test_draft_cost_is_items_plus_contingency(author, category):
    """Without a cost, the draft costs its items plus the cycle's 10% contingency."""
    project = draft(author, category, price=110_000)
    assert project.status == Project.Status.DRAFT
    assert project.cost == Decimal("110000.00")
    assert project.items.get().amount == Decimal("100000.00")
    assert project.number is None


def test_cost_that_does_not_add_up_is_refused(author, category):
    """A declared cost different from items + contingency is refused and nothing is saved."""
    with pytest.raises(CostMismatch) as caught:
        draft(author, category, price=110_000, cost="120000")
    assert "110000.00" in str(caught.value)
    assert caught.value.code == "pb_cost_mismatch"
    assert not Project.objects.exists()


def test_cost_over_the_category_cap_is_refused(author, category):
    """A project dearer than its category's cap is refused."""
    with pytest.raises(OverCap) as caught:
        draft(author, category, price=330_000)
    assert caught.value.fields == {"cost": "over_cap"}
    assert not Project.objects.exists()


def test_place_outside_the_territory_is_refused(author, category):
    """The map point must lie inside the community."""
    with pytest.raises(ValidationFailed) as caught:
        draft(author, category, lat=50.45, lon=30.52)
    assert "location" in caught.value.fields


def test_settlement_category_needs_its_settlement(author, community, cycle):
    """A project of a one-settlement category must be placed in that settlement."""
    village = Settlement.objects.create(community=community, name="Бурлача Балка", kind="village")
    local = make_category(cycle, "Бурлача Балка", settlement=village)
    city = Settlement.objects.exclude(pk=village.pk).get(community=community)
    with pytest.raises(ValidationFailed) as caught:
        draft(author, local, settlement=city)
    assert "settlement" in caught.value.fields
    assert draft(author, local, settlement=village).settlement == village


def test_empty_estimate_is_refused(author, category):
    with pytest.raises(ValidationFailed) as caught:
        draft(author, category, items=[{"name": "", "quantity": "1", "unit_price": "5"}])
    assert "items" in caught.value.fields


def test_drafting_outside_submission_is_refused(author, cycle, category):
    """Projects are accepted only in the submission phase."""
    move_to(cycle, "review")
    with pytest.raises(PhaseClosed):
        draft(author, category)


def test_drafting_needs_identity(community, category):
    """An e-mail-level account cannot propose a project by default."""
    newcomer = make_resident(community, level=Identity.EMAIL)
    with pytest.raises(IdentityRequired):
        draft(newcomer, category)


def test_young_or_unlinked_residents_cannot_propose(community, category):
    """Age and a link to the community are checked."""
    from datetime import date

    young = make_resident(community, birth_date=date.today().replace(year=date.today().year - 12))
    with pytest.raises(NotEligible):
        draft(young, category)
    stranger = make_resident(None)
    with pytest.raises(NotEligible):
        draft(stranger, category)


def test_workers_take_part_only_when_the_cycle_allows(community, cycle, category):
    worker = make_resident(community, link=CommunityLink.Kind.WORKS)
    assert draft(worker, category).pk
    cycle.allow_workers_and_students = False
    cycle.save()
    category.refresh_from_db()
    with pytest.raises(NotEligible):
        draft(worker, category)


def test_coauthors_must_be_registered(author, community, category):
    coauthor = make_resident(community)
    project = draft(author, category, coauthor_emails=[coauthor.email])
    assert list(project.coauthors.all()) == [coauthor]
    with pytest.raises(ValidationFailed) as caught:
        draft(author, category, coauthor_emails=["nobody@example.test"])
    assert "coauthors" in caught.value.fields


def test_submission_numbers_projects_and_notifies_authors(
    author, community, category, django_capture_on_commit_callbacks
):
    """Submitted projects get consecutive numbers; authors and co-authors hear."""
    coauthor = make_resident(community)
    first = draft(author, category, coauthor_emails=[coauthor.email])
    second = draft(author, category)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_project(resident=author, project=first)
        services.submit_project(resident=author, project=second)
    assert (refresh(first).number, refresh(second).number) == (1, 2)
    assert refresh(first).status == Project.Status.SUBMITTED
    recipients = {m.to[0] for m in mail.outbox}
    assert {author.email, coauthor.email} <= recipients
    assert any("№1" in m.subject for m in mail.outbox)


def test_only_the_author_submits(author, community, category):
    project = draft(author, category)
    with pytest.raises(Forbidden):
        services.submit_project(resident=make_resident(community), project=project)


def test_full_review_admits_at_the_corrected_cost(author, community, category):
    """Departments' conclusions with a corrected cost set the admitted cost."""
    project = draft(author, category)
    services.submit_project(resident=author, project=project)
    staff = moderator(community)
    roads = make_department(community, "Управління ЖКГ")
    build = make_department(community, "Управління капбуду")
    build_staff = make_staff(community, department=build)
    services.start_review(staff=staff, project=project, departments=[roads, build])
    assert refresh(project).status == Project.Status.UNDER_REVIEW
    with pytest.raises(ReviewIncomplete):
        services.admit_project(staff=staff, project=project)
    roads_c, build_c = project.conclusions.order_by("department__name")
    services.give_conclusion(staff=staff, conclusion=roads_c, feasible=True, reason="")
    with pytest.raises(ValidationFailed):
        services.give_conclusion(
            staff=build_staff, conclusion=build_c, feasible=True, reason="", corrected_cost="120000"
        )
    services.give_conclusion(
        staff=build_staff,
        conclusion=build_c,
        feasible=True,
        reason="Кошторис занижено",
        corrected_cost="120000",
    )
    services.admit_project(staff=staff, project=project)
    project = refresh(project)
    assert project.status == Project.Status.ADMITTED
    assert project.cost == Decimal("120000.00")
    assert AuditEntry.objects.filter(action="budget.project_admitted").count() == 1


def test_staff_of_another_department_cannot_conclude(author, community, category):
    project = draft(author, category)
    services.submit_project(resident=author, project=project)
    dept = make_department(community, "Управління освіти")
    services.start_review(staff=moderator(community), project=project, departments=[dept])
    outsider = make_staff(community, department=make_department(community, "Інше"))
    with pytest.raises(Forbidden):
        services.give_conclusion(
            staff=outsider, conclusion=project.conclusions.get(), feasible=True, reason=""
        )
    assert project.conclusions.get().feasible is None


def test_negative_conclusion_blocks_admission(author, community, category):
    project = draft(author, category)
    services.submit_project(resident=author, project=project)
    staff = moderator(community)
    services.start_review(staff=staff, project=project, departments=[make_department(community)])
    services.give_conclusion(
        staff=staff, conclusion=project.conclusions.get(), feasible=False, reason="Чужа земля"
    )
    with pytest.raises(ReviewIncomplete):
        services.admit_project(staff=staff, project=project)


def test_revision_round_trip(author, community, category):
    """The author revises when asked; the project goes back to review and departments re-check."""
    project = draft(author, category)
    services.submit_project(resident=author, project=project)
    staff = moderator(community)
    services.start_review(staff=staff, project=project, departments=[make_department(community)])
    services.give_conclusion(
        staff=staff, conclusion=project.conclusions.get(), feasible=True, reason=""
    )
    services.request_revision(staff=staff, project=project, note="Уточніть кошторис")
    assert refresh(project).status == Project.Status.REVISION
    notice = Notification.objects.get(resident=author, event="budget/project_revision")
    assert "Уточніть кошторис" in notice.body
    services.update_project(
        resident=author,
        project=project,
        category=category,
        title="Сквер біля школи №2",
        problem="Немає де відпочити",
        description="Лавки",
        beneficiaries="Діти",
        settlement=project.settlement,
        lat=46.3,
        lon=30.655,
        items=[{"name": "Лавки", "quantity": "5", "unit_price": "20000"}],
    )
    services.submit_project(resident=author, project=project)
    project = refresh(project)
    assert project.status == Project.Status.UNDER_REVIEW
    assert project.cost == Decimal("110000.00")
    assert project.conclusions.get().feasible is None


def test_submitted_project_cannot_be_edited(author, category):
    project = draft(author, category)
    services.submit_project(resident=author, project=project)
    with pytest.raises(WrongStatus):
        services.update_project(
            resident=author,
            project=project,
            category=category,
            title="Інше",
            problem="x",
            description="x",
            beneficiaries="x",
            settlement=project.settlement,
            lat=46.3,
            lon=30.655,
            items=[{"name": "Лавки", "quantity": "1", "unit_price": "100"}],
        )


def test_rejection_needs_a_public_reason(author, community, category):
    project = draft(author, category)
    services.submit_project(resident=author, project=project)
    staff = moderator(community)
    with pytest.raises(ValidationFailed):
        services.reject_project(staff=staff, project=project, reason=" ")
    services.reject_project(staff=staff, project=project, reason="Не належить до повноважень")
    project = refresh(project)
    assert project.status == Project.Status.REJECTED
    assert project.rejection_reason == "Не належить до повноважень"


def test_residents_cannot_review(author, community, category):
    project = draft(author, category)
    services.submit_project(resident=author, project=project)
    with pytest.raises(Forbidden):
        services.start_review(
            staff=author, project=project, departments=[make_department(community)]
        )
    with pytest.raises(Forbidden):
        services.reject_project(staff=author, project=project, reason="x")


def test_review_ends_when_voting_starts(author, community, cycle, category):
    project = draft(author, category)
    services.submit_project(resident=author, project=project)
    staff = moderator(community)
    services.start_review(staff=staff, project=project, departments=[make_department(community)])
    services.give_conclusion(
        staff=staff, conclusion=project.conclusions.get(), feasible=True, reason=""
    )
    move_to(cycle, "voting")
    with pytest.raises(PhaseClosed):
        services.admit_project(staff=staff, project=refresh(project))


def test_photos_are_cleaned_and_limited_to_the_author(author, community, category):
    project = draft(author, category)
    photo = services.add_photo(
        resident=author, project=project, upload=image_upload(), caption="Місце зараз"
    )
    assert photo.image.name.endswith(".jpg")
    with pytest.raises(Forbidden):
        services.add_photo(
            resident=make_resident(community),
            project=project,
            upload=image_upload(),
            caption="x",
        )
    services.remove_photo(resident=author, photo=photo)
    assert not Photo.objects.exists()


def test_reviewed_helper_admits(author, community, category):
    project = draft(author, category)
    services.submit_project(resident=author, project=project)
    assert reviewed(community, project).status == Project.Status.ADMITTED
    assert Conclusion.objects.filter(project=project, feasible=True).count() == 1
