"""Moderation and handling: accept, re-route, merge, reject, work, resolve, confirm, reopen."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hromada.appeals import errors, services
from hromada.appeals.models import Appeal, AppealPhoto, Supporter
from hromada.core.audit import history
from hromada.core.models import Notification
from tests.appeals.conftest import image_upload, report

pytestmark = pytest.mark.django_db
S = Appeal.Status


def events(resident):
    return list(Notification.objects.filter(resident=resident).values_list("event", flat=True))


def test_full_life_of_a_report(
    community, new_report, resident, neighbour, moderator, housing_staff, housing
):
    """Accepted, worked on, resolved with an "after" photo, confirmed: each step audited and told."""
    services.support_appeal(appeal=new_report, resident=neighbour)
    services.accept_appeal(appeal=new_report, moderator=moderator, note="Передано до ЖКГ.")
    services.start_work(appeal=new_report, staff=housing_staff, note="Бригада виїде завтра.")
    services.resolve_appeal(
        appeal=new_report, staff=housing_staff, comment="Лампу замінено.", photo=image_upload()
    )
    new_report.refresh_from_db()
    assert new_report.status == S.RESOLVED and not new_report.is_open
    assert new_report.department == housing
    assert new_report.resolution == "Лампу замінено."
    assert new_report.photos.filter(kind=AppealPhoto.Kind.AFTER).count() == 1
    services.confirm_resolution(appeal=new_report, resident=resident)
    new_report.refresh_from_db()
    assert new_report.status == S.CLOSED and new_report.closed_at
    assert [entry.action for entry in history(new_report)] == [
        "appeal.registered",
        "appeal.supported",
        "appeal.accepted",
        "appeal.started",
        "appeal.resolved",
        "appeal.confirmed",
    ]
    # The supporter hears about every step, like the author.
    assert events(resident).count("appeals/status") == 4
    assert events(neighbour).count("appeals/status") == 4


def test_only_moderators_accept(new_report, housing_staff, resident):
    with pytest.raises(errors.ModeratorOnly):
        services.accept_appeal(appeal=new_report, moderator=housing_staff)
    with pytest.raises(errors.ModeratorOnly):
        services.accept_appeal(appeal=new_report, moderator=resident)
    new_report.refresh_from_db()
    assert new_report.status == S.NEW


def test_accepting_twice_is_refused(accepted_report, moderator):
    with pytest.raises(errors.WrongStatus):
        services.accept_appeal(appeal=accepted_report, moderator=moderator)


def test_accept_with_another_category_and_study(
    community, new_report, moderator, categories, water
):
    """The moderator may correct the category (and so the department) and set the 30-day term."""
    before_due = new_report.due_on
    appeal = services.accept_appeal(
        appeal=new_report, moderator=moderator, category=categories["manhole"], requires_study=True
    )
    assert appeal.category == categories["manhole"]
    assert appeal.department == water
    assert appeal.due_on > before_due


def test_accept_needs_a_department(community, categories, resident, moderator):
    """A category without a department cannot be accepted until one is chosen."""
    category = categories["light-out"]
    category.department = None
    category.save()
    appeal = report(community, categories, resident)
    with pytest.raises(errors.DepartmentRequired):
        services.accept_appeal(appeal=appeal, moderator=moderator)


def test_department_of_another_community_is_refused(new_report, moderator, other_community):
    from hromada.core.models import Department

    foreign = Department.objects.create(community=other_community, name="Чужий відділ")
    with pytest.raises(errors.DepartmentRequired):
        services.accept_appeal(appeal=new_report, moderator=moderator, department=foreign)


def test_reroute_hands_the_work_to_another_department(
    accepted_report, moderator, water, water_staff, housing_staff
):
    services.start_work(appeal=accepted_report, staff=housing_staff)
    services.reroute_appeal(appeal=accepted_report, moderator=moderator, department=water)
    accepted_report.refresh_from_db()
    assert accepted_report.department == water
    assert accepted_report.status == S.ACCEPTED
    # The former department no longer acts on it; the new one does.
    with pytest.raises(errors.NotYourDepartment):
        services.start_work(appeal=accepted_report, staff=housing_staff)
    services.start_work(appeal=accepted_report, staff=water_staff)


def test_reroute_to_the_same_department_is_refused(accepted_report, moderator, housing):
    with pytest.raises(errors.DepartmentRequired):
        services.reroute_appeal(appeal=accepted_report, moderator=moderator, department=housing)


def test_department_staff_act_only_on_their_department(accepted_report, water_staff):
    with pytest.raises(errors.NotYourDepartment):
        services.start_work(appeal=accepted_report, staff=water_staff)
    with pytest.raises(errors.NotYourDepartment):
        services.resolve_appeal(appeal=accepted_report, staff=water_staff, comment="Так.")


def test_resolving_needs_a_comment(accepted_report, housing_staff):
    with pytest.raises(errors.TextInvalid) as caught:
        services.resolve_appeal(appeal=accepted_report, staff=housing_staff, comment=" ")
    assert "comment" in caught.value.fields
    accepted_report.refresh_from_db()
    assert accepted_report.status == S.ACCEPTED


def test_bad_after_photo_changes_nothing(accepted_report, housing_staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(errors.PhotoInvalid):
        services.resolve_appeal(
            appeal=accepted_report,
            staff=housing_staff,
            comment="Готово.",
            photo=SimpleUploadedFile("a.jpg", b"not an image"),
        )
    accepted_report.refresh_from_db()
    assert accepted_report.status == S.ACCEPTED


def test_reject_with_reason_and_whom_to_turn_to(new_report, moderator, resident):
    """Not the council's powers: the reason and the right body reach the author."""
    services.reject_appeal(
        appeal=new_report,
        staff=moderator,
        reason="Дорога державного значення.",
        redirect_to="Служба відновлення та розвитку інфраструктури",
    )
    new_report.refresh_from_db()
    assert new_report.status == S.REJECTED and not new_report.is_open
    assert new_report.redirect_to.startswith("Служба")
    body = Notification.objects.get(resident=resident, event="appeals/status").body
    assert "Служба відновлення" in body


def test_rejection_needs_a_reason(new_report, moderator):
    with pytest.raises(errors.TextInvalid):
        services.reject_appeal(appeal=new_report, staff=moderator, reason="")


def test_department_staff_reject_only_accepted_appeals(new_report, moderator, housing_staff):
    """A new appeal is the moderator's to reject; once accepted, its department may."""
    with pytest.raises(errors.ModeratorOnly):
        services.reject_appeal(appeal=new_report, staff=housing_staff, reason="Не наше.")
    services.accept_appeal(appeal=new_report, moderator=moderator)
    with pytest.raises(errors.ModeratorOnly):
        services.reject_appeal(appeal=new_report, staff=housing_staff, reason="Так.", hide=True)
    services.reject_appeal(appeal=new_report, staff=housing_staff, reason="Не в межах повноважень.")


def test_hidden_rejection_takes_the_report_off_the_map(new_report, moderator):
    services.reject_appeal(
        appeal=new_report, staff=moderator, reason="Образливий зміст.", hide=True
    )
    new_report.refresh_from_db()
    assert new_report.hidden and new_report.cell is None


def test_merging_a_duplicate_moves_its_people(
    community, categories, new_report, moderator, neighbour
):
    """The duplicate closes; its author and supporters now follow the report that stays."""
    duplicate = report(community, categories, neighbour, address="там само")
    third = __import__("tests.factories", fromlist=["make_resident"]).make_resident(
        community, level=1
    )
    services.support_appeal(appeal=duplicate, resident=third)
    services.merge_appeal(appeal=duplicate, moderator=moderator, into=new_report)
    duplicate.refresh_from_db()
    new_report.refresh_from_db()
    assert duplicate.status == S.MERGED and duplicate.merged_into == new_report
    assert duplicate.cell is None
    assert set(Supporter.objects.filter(appeal=new_report).values_list("resident", flat=True)) == {
        neighbour.pk,
        third.pk,
    }
    assert new_report.supporters_count == 2
    assert "appeal.duplicate_merged" in [e.action for e in history(new_report)]


def test_merge_into_itself_or_a_closed_report_is_refused(
    community, categories, new_report, moderator, neighbour
):
    with pytest.raises(errors.MergeInvalid):
        services.merge_appeal(appeal=new_report, moderator=moderator, into=new_report)
    other = report(community, categories, neighbour)
    services.reject_appeal(appeal=other, staff=moderator, reason="Дубль.")
    with pytest.raises(errors.MergeInvalid):
        services.merge_appeal(appeal=new_report, moderator=moderator, into=other)


def test_reopen_sends_it_back_to_work(resolved_report, resident, housing_staff):
    services.reopen_appeal(appeal=resolved_report, resident=resident, reason="Знову не світить.")
    resolved_report.refresh_from_db()
    assert resolved_report.status == S.IN_PROGRESS and resolved_report.is_open
    assert resolved_report.reopen_count == 1
    assert resolved_report.resolved_at is None
    services.resolve_appeal(appeal=resolved_report, staff=housing_staff, comment="Замінено кабель.")


def test_only_the_author_confirms_or_reopens(resolved_report, neighbour):
    with pytest.raises(errors.NotYourAppeal):
        services.confirm_resolution(appeal=resolved_report, resident=neighbour)
    with pytest.raises(errors.NotYourAppeal):
        services.reopen_appeal(appeal=resolved_report, resident=neighbour, reason="Ні.")


def test_confirmation_window_is_fourteen_days(resolved_report, resident):
    Appeal.objects.filter(pk=resolved_report.pk).update(
        resolved_at=timezone.now() - timedelta(days=15)
    )
    resolved_report.refresh_from_db()
    with pytest.raises(errors.ConfirmationClosed) as caught:
        services.reopen_appeal(appeal=resolved_report, resident=resident, reason="Ні.")
    assert "14" in str(caught.value)
    with pytest.raises(errors.ConfirmationClosed):
        services.confirm_resolution(appeal=resolved_report, resident=resident)


def test_reopen_needs_a_reason(resolved_report, resident):
    with pytest.raises(errors.TextInvalid):
        services.reopen_appeal(appeal=resolved_report, resident=resident, reason="")


def test_written_appeals_are_answered_not_reopened(
    community, categories, resident, moderator, housing_staff
):
    appeal = services.submit_written_appeal(
        community=community,
        kind=Appeal.Kind.PROPOSAL,
        category=categories["playground"],
        subject="Новий майданчик",
        text="Пропоную облаштувати майданчик.",
        author=resident,
    )
    services.accept_appeal(appeal=appeal, moderator=moderator)
    staff = moderator
    services.resolve_appeal(appeal=appeal, staff=staff, comment="Включено до плану на 2027 рік.")
    with pytest.raises(errors.WrongStatus):
        services.reopen_appeal(appeal=appeal, resident=resident, reason="Ні.")
    services.confirm_resolution(appeal=appeal, resident=resident)
    assert housing_staff  # the department's staff were never needed by the moderator


def test_progress_note_reaches_followers(accepted_report, housing_staff, resident):
    services.add_note(appeal=accepted_report, staff=housing_staff, note="Матеріали замовлено.")
    accepted_report.refresh_from_db()
    assert accepted_report.status_notes == "Матеріали замовлено."
    assert Notification.objects.filter(
        resident=resident, body__contains="Матеріали замовлено"
    ).exists()


def test_a_stale_copy_cannot_move_an_appeal_twice(new_report, moderator):
    """Two moderators acting on the same page: the second gets a clear conflict."""
    stale = Appeal.objects.get(pk=new_report.pk)
    services.reject_appeal(appeal=new_report, staff=moderator, reason="Дубль.")
    with pytest.raises(errors.WrongStatus):
        services.accept_appeal(appeal=stale, moderator=moderator)


def test_support_rules(community, categories, new_report, resident, neighbour, moderator):
    """One support per resident, not for one's own report, only while open."""
    services.support_appeal(appeal=new_report, resident=neighbour)
    with pytest.raises(errors.AlreadySupported):
        services.support_appeal(appeal=new_report, resident=neighbour)
    with pytest.raises(errors.CannotSupport):
        services.support_appeal(appeal=new_report, resident=resident)
    new_report.refresh_from_db()
    assert new_report.supporters_count == 1
    closed = report(community, categories, resident)
    services.reject_appeal(appeal=closed, staff=moderator, reason="Дубль.")
    with pytest.raises(errors.CannotSupport):
        services.support_appeal(appeal=closed, resident=neighbour)
