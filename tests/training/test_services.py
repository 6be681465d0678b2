"""The training flow through its services: enrol, learn, test, certificate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hromada.core.models import AuditEntry, StaffRole
from hromada.training import grading, services
from hromada.training.models import (
    Answer,
    AreaResult,
    Attempt,
    Certificate,
    Course,
    Enrollment,
    Question,
)
from tests.factories import make_resident, make_staff
from tests.training.conftest import finish_lessons, right_raw

pytestmark = pytest.mark.django_db


def test_a_staff_member_passes_and_gets_a_certificate(course, staff):
    finish_lessons(course, staff)
    attempt = services.start_attempt(course=course, resident=staff)
    assert len(attempt.questions) == 6
    questions = Question.objects.in_bulk(attempt.questions)
    for pk in attempt.questions:
        services.save_answer(
            attempt=attempt, resident=staff, question_id=pk, raw=right_raw(questions[pk])
        )
    services.submit_attempt(attempt=attempt, resident=staff)
    attempt.refresh_from_db()
    assert attempt.status == "submitted"
    assert float(attempt.score) == 100.0
    assert set(attempt.area_scores) == {str(a.pk) for a in course.areas.all()}
    enrollment = Enrollment.objects.get(course=course, resident=staff)
    assert enrollment.status == "passed"
    certificate = Certificate.objects.get(enrollment=enrollment)
    assert len(certificate.code) == 16
    assert set(certificate.code) <= set("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    assert certificate.expires_on is not None
    assert AreaResult.objects.filter(enrollment=enrollment).count() == 2


def test_the_draw_is_stored_and_the_same_on_reload(course, staff):
    finish_lessons(course, staff)
    first = services.start_attempt(course=course, resident=staff)
    again = services.start_attempt(course=course, resident=staff)
    assert again.pk == first.pk
    assert again.questions == first.questions
    assert services.draw_questions(course=course, seed=first.seed) == first.questions
    question = Question.objects.get(pk=first.questions[0])
    assert grading.public_question(question, first.seed) == grading.public_question(
        question, first.seed
    )


def test_public_question_never_holds_the_answer(questions):
    for question in questions:
        shown = grading.public_question(question, 12345)
        assert "correct" not in shown and "variants" not in shown and "value" not in shown
        assert "tolerance" not in shown


def test_test_needs_every_lesson_first(course, staff):
    with pytest.raises(services.LessonsNotDone):
        services.start_attempt(course=course, resident=staff)


def test_a_wrong_check_does_not_complete_the_lesson(course, staff):
    lesson = course.lessons.get(position=1)
    with pytest.raises(services.WrongCheck):
        services.complete_lesson(lesson=lesson, resident=staff, check_answer=1)
    assert not lesson.progress.exists()


def test_answering_a_question_not_in_the_attempt_stores_nothing(course, staff, questions):
    finish_lessons(course, staff)
    attempt = services.start_attempt(course=course, resident=staff)
    foreign = next(q for q in questions if q.pk not in attempt.questions)
    with pytest.raises(services.QuestionNotInAttempt):
        services.save_answer(attempt=attempt, resident=staff, question_id=foreign.pk, raw="a")
    own = Question.objects.get(pk=attempt.questions[0])
    with pytest.raises(services.QuestionNotInAttempt):
        services.submit_attempt(
            attempt=attempt,
            resident=staff,
            responses={own.pk: right_raw(own), foreign.pk: "a"},
        )
    assert not Answer.objects.filter(attempt=attempt).exists()
    attempt.refresh_from_db()
    assert attempt.status == "open"


def test_an_answer_not_among_the_options_is_refused(course, staff):
    finish_lessons(course, staff)
    attempt = services.start_attempt(course=course, resident=staff)
    questions = Question.objects.in_bulk(attempt.questions)
    target = next(
        q for q in questions.values() if q.kind in ("single", "multiple", "ordering", "numeric")
    )
    bad = {"single": "zzz", "multiple": ["a", "zzz"], "ordering": ["1"], "numeric": "nan"}[
        target.kind
    ]
    with pytest.raises(services.InvalidAnswer):
        services.save_answer(attempt=attempt, resident=staff, question_id=target.pk, raw=bad)
    assert not Answer.objects.filter(attempt=attempt).exists()


def test_a_late_submission_is_graded_from_saved_answers(course, staff):
    finish_lessons(course, staff)
    start = timezone.now() - timedelta(minutes=30)
    attempt = services.start_attempt(course=course, resident=staff, now=start)
    questions = Question.objects.in_bulk(attempt.questions)
    first = attempt.questions[0]
    services.save_answer(
        attempt=attempt,
        resident=staff,
        question_id=first,
        raw=right_raw(questions[first]),
        now=start + timedelta(minutes=1),
    )
    with pytest.raises(services.TooLate):
        services.submit_attempt(
            attempt=attempt,
            resident=staff,
            responses={pk: right_raw(q) for pk, q in questions.items()},
        )
    attempt.refresh_from_db()
    assert attempt.status == "auto"
    assert Answer.objects.filter(attempt=attempt).count() == 1
    assert float(attempt.score) == pytest.approx(100 / 6, abs=0.1)


def test_a_late_submission_is_refused_when_the_course_says_so(course, staff):
    Course.objects.filter(pk=course.pk).update(late_policy="refuse")
    course.refresh_from_db()
    finish_lessons(course, staff)
    attempt = services.start_attempt(
        course=course, resident=staff, now=timezone.now() - timedelta(hours=1)
    )
    with pytest.raises(services.TooLate):
        services.submit_attempt(attempt=attempt, resident=staff, responses={})
    attempt.refresh_from_db()
    assert attempt.status == "expired" and attempt.score is None


def test_within_the_grace_period_a_submission_counts(course, staff):
    finish_lessons(course, staff)
    now = timezone.now()
    attempt = services.start_attempt(
        course=course, resident=staff, now=now - timedelta(minutes=20, seconds=10)
    )
    services.submit_attempt(attempt=attempt, resident=staff, responses={}, now=now)
    attempt.refresh_from_db()
    assert attempt.status == "submitted"


def test_a_second_submission_is_refused(course, staff):
    finish_lessons(course, staff)
    attempt = services.start_attempt(course=course, resident=staff)
    services.submit_attempt(attempt=attempt, resident=staff, responses={})
    with pytest.raises(services.AttemptClosed):
        services.submit_attempt(attempt=Attempt.objects.get(pk=attempt.pk), resident=staff)


def test_attempt_limit_and_failing(course, staff):
    finish_lessons(course, staff)
    for _ in range(2):
        attempt = services.start_attempt(course=course, resident=staff)
        services.submit_attempt(attempt=attempt, resident=staff, responses={})
    with pytest.raises(services.NoAttemptsLeft):
        services.start_attempt(course=course, resident=staff)
    assert Enrollment.objects.get(resident=staff).status == "failed"
    assert not Certificate.objects.exists()


@pytest.mark.parametrize(
    ("method", "expected"), [("highest", 100.0), ("last", 0.0), ("average", 50.0)]
)
def test_grading_methods(course, staff, method, expected):
    Course.objects.filter(pk=course.pk).update(grading=method, pass_mark=100, max_attempts=3)
    course.refresh_from_db()
    finish_lessons(course, staff)
    first = services.start_attempt(course=course, resident=staff)
    questions = Question.objects.in_bulk(first.questions)
    services.submit_attempt(
        attempt=first, resident=staff, responses={pk: right_raw(q) for pk, q in questions.items()}
    )
    enrollment = Enrollment.objects.get(resident=staff)
    # The first attempt passes with 100 %: a pass stands, so "last" and
    # "average" are checked on a course with a pass mark out of reach.
    if method != "highest":
        Enrollment.objects.filter(pk=enrollment.pk).update(status="in_progress")
        Certificate.objects.all().delete()
        Course.objects.filter(pk=course.pk).update(pass_mark=100)
        second = services.start_attempt(course=course, resident=staff)
        services.submit_attempt(attempt=second, resident=staff, responses={})
    enrollment.refresh_from_db()
    assert float(enrollment.score) == expected


def test_credit_of_each_type(questions):
    for question in questions:
        response = grading.parse_response(question, right_raw(question))
        assert grading.credit(question, response) == 1.0
    short = next(q for q in questions if q.kind == "short")
    assert grading.credit(short, grading.parse_response(short, "  кеп ")) == 1.0
    numeric = next(q for q in questions if q.kind == "numeric")
    assert grading.credit(numeric, grading.parse_response(numeric, "11")) == 0.0
    multiple = next(q for q in questions if q.kind == "multiple")
    assert grading.credit(multiple, grading.parse_response(multiple, ["a", "c"])) == 0.0
    assert grading.credit(multiple, grading.parse_response(multiple, ["a"])) == 0.5


def test_a_course_for_other_departments_is_refused(course, community, staff):
    other = make_staff(community, StaffRole.Role.STAFF)
    Course.objects.filter(pk=course.pk).update(audience="departments")
    course.departments.set([staff.staff_roles.first().department])
    course.refresh_from_db()
    assert services.may_take(staff, course)
    with pytest.raises(services.NotForYou):
        services.enroll(course=course, resident=other)
    resident = make_resident(community)
    assert not services.may_take(resident, course)


def test_prerequisites_count_any_version(course, community, staff, hr):
    follow_up = Course.objects.create(community=community, title="Далі", is_published=True)
    follow_up.prerequisites.add(course)
    with pytest.raises(services.PrerequisitesMissing):
        services.enroll(course=follow_up, resident=staff)
    finish_lessons(course, staff)
    attempt = services.start_attempt(course=course, resident=staff)
    questions = Question.objects.in_bulk(attempt.questions)
    services.submit_attempt(
        attempt=attempt, resident=staff, responses={pk: right_raw(q) for pk, q in questions.items()}
    )
    fresh = services.new_version(course=course, actor=hr)
    assert fresh.version == 2 and fresh.lessons.count() == 2
    course.refresh_from_db()
    assert not course.is_current
    # Who passed version 1 keeps the pass and the certificate.
    assert Enrollment.objects.get(course=course, resident=staff).status == "passed"
    assert Certificate.objects.filter(course=course, resident=staff).exists()
    assert services.enroll(course=follow_up, resident=staff)


def test_revocation_needs_hr_and_a_reason(course, staff, hr):
    finish_lessons(course, staff)
    attempt = services.start_attempt(course=course, resident=staff)
    questions = Question.objects.in_bulk(attempt.questions)
    services.submit_attempt(
        attempt=attempt, resident=staff, responses={pk: right_raw(q) for pk, q in questions.items()}
    )
    certificate = Certificate.objects.get()
    with pytest.raises(services.NotHr):
        services.revoke_certificate(certificate=certificate, actor=staff, reason="x")
    with pytest.raises(services.ReasonRequired):
        services.revoke_certificate(certificate=certificate, actor=hr, reason="  ")
    services.revoke_certificate(certificate=certificate, actor=hr, reason="Помилка в даних")
    certificate.refresh_from_db()
    assert certificate.state_on(timezone.localdate()) == "revoked"
    assert AuditEntry.objects.filter(action="training_certificate.revoked").count() == 1
    with pytest.raises(services.AlreadyRevoked):
        services.revoke_certificate(certificate=certificate, actor=hr, reason="ще раз")


def test_codes_are_normalised_and_forged_ones_not_found(community):
    assert services.normal_code("abcd-efgh-jkmn-pqrs") == "ABCDEFGHJKMNPQRS"
    assert services.normal_code("ABCD-EFGH-JKMN-PQR0") is None  # 0 is not in the alphabet
    with pytest.raises(services.CertificateNotFound):
        services.verify(community=community, code="ABCDEFGHJKMNPQRS")


def test_external_record_and_hr_decision(community, staff, hr):
    from datetime import date

    with pytest.raises(services.InvalidRecord):
        services.record_external(
            community=community,
            resident=staff,
            title="",
            provider="Дія",
            hours="abc",
            completed_on=date(2026, 1, 1),
        )
    record = services.record_external(
        community=community,
        resident=staff,
        title="Цифрограм",
        provider="Дія.Цифрова освіта",
        number="D-1",
        hours="6",
        completed_on=date(2026, 3, 1),
    )
    with pytest.raises(services.NotHr):
        services.decide_external(record=record, actor=staff, confirm=True)
    services.decide_external(record=record, actor=hr, confirm=True)
    assert record.status == "confirmed"
    with pytest.raises(services.AlreadyDecided):
        services.decide_external(record=record, actor=hr, confirm=False)


def test_reminders_are_sent_once_per_stage(course, community, department, staff):
    from hromada.core.models import Notification
    from hromada.training.models import MandatoryCourse, Reminder

    today = timezone.localdate()
    MandatoryCourse.objects.create(
        course=course, department=department, due_on=today + timedelta(days=10)
    )
    assert services.send_reminders(community=community, today=today) == 1
    assert services.send_reminders(community=community, today=today) == 0
    assert Reminder.objects.count() == 1
    assert Notification.objects.filter(resident=staff, event="training/reminder").count() >= 1
    # The last stage (3 days before) reminds once more.
    assert services.send_reminders(community=community, today=today + timedelta(days=8)) == 1


def test_overdue_attempts_are_closed_by_the_task(course, staff):
    finish_lessons(course, staff)
    attempt = services.start_attempt(
        course=course, resident=staff, now=timezone.now() - timedelta(hours=2)
    )
    assert services.close_overdue() == 1
    assert services.close_overdue() == 0
    attempt.refresh_from_db()
    assert attempt.status == "auto"
