"""
Every change in staff training: enrolments, lessons, test attempts,
certificates, learning from elsewhere, versions of courses, reminders.

Pages, the API and scheduled tasks call these and nothing else. The right
answers of a test stay here and in `grading`; a test attempt is submitted
once, whoever races to submit it (a conditional UPDATE decides).
"""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hromada.core import audit
from hromada.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from hromada.core.models import Community, Department, Resident, StaffRole
from hromada.core.notifications import notify
from hromada.training import grading
from hromada.training.models import (
    CODE_ALPHABET,
    CODE_LENGTH,
    Answer,
    AreaResult,
    Attempt,
    Certificate,
    CompetenceArea,
    Course,
    Enrollment,
    ExternalRecord,
    HrOfficer,
    Lesson,
    LessonProgress,
    MandatoryCourse,
    Question,
    Reminder,
)

AS = Attempt.Status
ES = Enrollment.Status
REMINDER_DAYS = (14, 3)
MAX_REASON = 500


class CourseNotFound(NotFound):
    code = "training_course_not_found"
    message = _("There is no such course.")


class AttemptNotFound(NotFound):
    code = "training_attempt_not_found"
    message = _("There is no such test attempt.")


class CertificateNotFound(NotFound):
    code = "training_certificate_not_found"
    message = _("There is no certificate with this code.")


class NotForYou(Forbidden):
    code = "training_not_for_you"
    message = _("This course is not meant for you.")


class NotHr(Forbidden):
    code = "training_not_hr"
    message = _("Only HR may do this.")


class PrerequisitesMissing(Conflict):
    code = "training_prerequisites_missing"
    message = _("Pass the required courses first: %(titles)s.")


class LessonsNotDone(Conflict):
    code = "training_lessons_not_done"
    message = _("Complete every lesson before the test.")


class NoTest(Conflict):
    code = "training_no_test"
    message = _("This course has no test.")


class NoAttemptsLeft(Conflict):
    code = "training_no_attempts_left"
    message = _("You have used every attempt of this test.")


class AlreadyPassed(Conflict):
    code = "training_already_passed"
    message = _("You have already passed this course.")


class NotEnoughQuestions(Conflict):
    code = "training_not_enough_questions"
    message = _("The question banks hold too few questions for this test yet.")


class AttemptClosed(Conflict):
    code = "training_attempt_closed"
    message = _("This attempt has already been submitted.")


class TooLate(Conflict):
    code = "training_too_late"
    message = _("The time for this attempt is over; the answer was not accepted.")


class QuestionNotInAttempt(ValidationFailed):
    code = "training_question_not_in_attempt"
    message = _("This question is not part of your attempt.")


class InvalidAnswer(ValidationFailed):
    code = "training_invalid_answer"
    message = _("This answer does not fit the question.")


class WrongCheck(ValidationFailed):
    code = "training_wrong_check"
    message = _("That is not the right answer. Read the lesson again and try once more.")


class ReasonRequired(ValidationFailed):
    code = "training_reason_required"
    message = _("Say why the certificate is revoked.")


class AlreadyRevoked(Conflict):
    code = "training_already_revoked"
    message = _("This certificate has already been revoked.")


class AlreadyDecided(Conflict):
    code = "training_already_decided"
    message = _("This record has already been decided.")


class InvalidRecord(ValidationFailed):
    code = "training_invalid_record"


# Who may do what ------------------------------------------------------------


def is_hr(resident: Resident | None, community: Community) -> bool:
    """Return whether the resident runs training for the whole council."""
    if resident is None or not resident.is_authenticated:
        return False
    if resident.has_role(community, StaffRole.Role.ADMINISTRATOR):
        return True
    cache = resident.__dict__.setdefault("_training_hr", {})
    if community.pk not in cache:
        cache[community.pk] = HrOfficer.objects.filter(
            community=community, resident=resident
        ).exists()
    return cache[community.pk]


def headed_departments(resident: Resident | None, community: Community) -> list[int]:
    if resident is None or not resident.is_authenticated:
        return []
    return list(
        Department.objects.filter(community=community, head=resident).values_list("pk", flat=True)
    )


def may_see_department(resident: Resident | None, department: Department) -> bool:
    """HR sees every department; a head of department sees their own."""
    if is_hr(resident, department.community):
        return True
    return department.pk in headed_departments(resident, department.community)


def may_take(resident: Resident | None, course: Course) -> bool:
    """Return whether the course is meant for the resident."""
    if resident is None or not resident.is_authenticated:
        return False
    if not course.is_published or not course.is_current:
        return False
    community = course.community
    if course.audience == Course.Audience.RESIDENTS:
        return True
    if not resident.is_staff_of(community):
        return False
    if course.audience == Course.Audience.STAFF:
        return True
    if course.audience == Course.Audience.DEPARTMENTS:
        wanted = {d.pk for d in course.departments.all()}
        return bool(wanted.intersection(resident.departments_in(community)))
    if course.audience == Course.Audience.ROLES:
        return bool(set(course.roles or []).intersection(resident.roles_in(community)))
    return False


def passed_series(resident: Resident, community: Community) -> set:
    """Return the course series the resident has passed (any version)."""
    return set(
        Enrollment.objects.filter(
            community=community, resident=resident, status=ES.PASSED
        ).values_list("series", flat=True)
    )


def missing_prerequisites(resident: Resident, course: Course) -> list[Course]:
    required = list(course.prerequisites.all())
    if not required:
        return []
    passed = passed_series(resident, course.community)
    return [item for item in required if item.series not in passed]


def _course_for(resident: Resident, course: Course) -> None:
    if not may_take(resident, course):
        raise NotForYou()
    missing = missing_prerequisites(resident, course)
    if missing:
        raise PrerequisitesMissing(titles=", ".join(item.title for item in missing))


# Enrolment and lessons ------------------------------------------------------


@transaction.atomic
def enroll(*, course: Course, resident: Resident) -> Enrollment:
    """Return the resident's enrolment in the course, creating it the first time."""
    found = Enrollment.objects.filter(course=course, resident=resident).first()
    if found is not None:
        return found
    _course_for(resident, course)
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(
                community=course.community, course=course, series=course.series, resident=resident
            )
    except IntegrityError:
        # A second tab enrolled at the same moment: the constraint decided.
        return Enrollment.objects.get(course=course, resident=resident)
    audit.record(actor=resident, action="training_course.enrolled", target=course)
    return enrollment


@transaction.atomic
def open_lesson(*, lesson: Lesson, resident: Resident) -> Enrollment:
    """Remember the lesson as where the resident is, so the course resumes there."""
    enrollment = enroll(course=lesson.course, resident=resident)
    if enrollment.last_lesson_id != lesson.pk:
        Enrollment.objects.filter(pk=enrollment.pk).update(last_lesson=lesson)
        enrollment.last_lesson = lesson
    return enrollment


@transaction.atomic
def complete_lesson(
    *, lesson: Lesson, resident: Resident, check_answer: int | None = None, now=None
) -> LessonProgress:
    """Mark a lesson done; a lesson with a check needs its right answer."""
    now = now or timezone.now()
    enrollment = open_lesson(lesson=lesson, resident=resident)
    if lesson.check_question and lesson.check_correct and check_answer != lesson.check_correct:
        raise WrongCheck(fields={"check": "wrong"})
    progress, _created = LessonProgress.objects.get_or_create(
        lesson=lesson, resident=resident, defaults={"completed_at": now}
    )
    course = lesson.course
    if not course.has_test and lessons_done(enrollment=enrollment):
        _pass_without_test(enrollment=enrollment, now=now)
    return progress


def lessons_done(*, enrollment: Enrollment) -> bool:
    total = Lesson.objects.filter(course_id=enrollment.course_id).count()
    done = LessonProgress.objects.filter(
        lesson__course_id=enrollment.course_id, resident_id=enrollment.resident_id
    ).count()
    return done >= total


def _pass_without_test(*, enrollment: Enrollment, now: datetime) -> None:
    moved = Enrollment.objects.filter(pk=enrollment.pk).exclude(status=ES.PASSED)
    if moved.update(status=ES.PASSED, passed_at=now, hours=enrollment.course.hours):
        enrollment.refresh_from_db()
        _issue_certificate(enrollment=enrollment, today=timezone.localdate(now))


# Tests ----------------------------------------------------------------------


def draw_questions(*, course: Course, seed: int) -> list[int]:
    """Return N question ids per competence area of the course, drawn by `seed`."""
    rng = random.Random(seed)  # noqa: S311 - a draw, not a secret
    by_area: dict[int, list[int]] = defaultdict(list)
    rows = (
        Question.objects.filter(bank__in=course.banks.all(), is_active=True)
        .values_list("bank__area_id", "pk")
        .order_by("pk")
    )
    for area_id, pk in rows:
        by_area[area_id].append(pk)
    areas = [area.pk for area in course.areas.all()] or sorted(by_area)
    drawn = []
    for area_id in areas:
        pool = by_area.get(area_id, [])
        if len(pool) < course.questions_per_area:
            raise NotEnoughQuestions()
        drawn += rng.sample(pool, course.questions_per_area)
    rng.shuffle(drawn)
    return drawn


@transaction.atomic
def start_attempt(*, course: Course, resident: Resident, now=None) -> Attempt:
    """Start a test attempt, or return the one still open."""
    now = now or timezone.now()
    if not course.has_test:
        raise NoTest()
    enrollment = enroll(course=course, resident=resident)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    open_one = enrollment.attempts.filter(status=AS.OPEN).first()
    if open_one is not None:
        if _closed_by_time(open_one, now):
            return start_attempt(course=course, resident=resident, now=now)
        return open_one
    if enrollment.status == ES.PASSED:
        raise AlreadyPassed()
    if not lessons_done(enrollment=enrollment):
        raise LessonsNotDone()
    used = enrollment.attempts.count()
    if used >= course.max_attempts:
        raise NoAttemptsLeft()
    seed = secrets.randbits(48)
    attempt = Attempt.objects.create(
        community=course.community,
        enrollment=enrollment,
        number=used + 1,
        seed=seed,
        questions=draw_questions(course=course, seed=seed),
        started_at=now,
        deadline_at=now + timedelta(minutes=course.time_limit_minutes),
    )
    audit.record(actor=resident, action="training_attempt.started", target=attempt)
    return attempt


def _closed_by_time(attempt: Attempt, now: datetime) -> bool:
    """Close an attempt whose time and grace are over; return whether it was."""
    course = attempt.enrollment.course
    if now <= attempt.deadline_at + timedelta(seconds=course.grace_seconds):
        return False
    if course.late_policy == Course.Late.AUTO:
        _finish(attempt=attempt, status=AS.AUTO_SUBMITTED, now=attempt.deadline_at)
    else:
        _finish(attempt=attempt, status=AS.EXPIRED, now=now)
    return True


def attempt_for(*, attempt_id: int, resident: Resident, community: Community) -> Attempt:
    """Return the resident's own attempt in the community, or raise AttemptNotFound."""
    found = (
        Attempt.objects.select_related("enrollment__course")
        .filter(pk=attempt_id, community=community, enrollment__resident=resident)
        .first()
    )
    if found is None:
        raise AttemptNotFound()
    return found


def _check_open(attempt: Attempt, now: datetime) -> None:
    """
    Refuse a closed attempt; close one whose time is over, then refuse.

    The closing commits on its own (it is not undone by the refusal), so
    the answers saved in time are graded when the policy says so.
    """
    if attempt.status != AS.OPEN:
        raise AttemptClosed()
    with transaction.atomic():
        closed = _closed_by_time(attempt, now)
    if closed:
        raise TooLate()


def _parse(question: Question, raw) -> dict:
    try:
        return grading.parse_response(question, raw)
    except grading.BadAnswer:
        raise InvalidAnswer(fields={f"q{question.pk}": "invalid"}) from None


def _lock_open(attempt: Attempt) -> None:
    """
    Lock the attempt's row while it is open, or raise AttemptClosed.

    Saving and submitting take this lock first: a second submission waits
    for the first to commit, then finds the attempt closed and stores nothing.
    """
    if not Attempt.objects.select_for_update().filter(pk=attempt.pk, status=AS.OPEN).exists():
        raise AttemptClosed()


def _store_many(attempt: Attempt, responses: dict[int, dict], now: datetime) -> None:
    """Insert or update the attempt's answers in two queries (the row lock is held)."""
    if not responses:
        return
    existing = {
        answer.question_id: answer
        for answer in Answer.objects.filter(attempt=attempt, question_id__in=list(responses))
    }
    changed, fresh = [], []
    for question_id, response in responses.items():
        answer = existing.get(question_id)
        if answer is None:
            fresh.append(
                Answer(attempt=attempt, question_id=question_id, response=response, saved_at=now)
            )
        elif answer.response != response:
            answer.response, answer.saved_at = response, now
            changed.append(answer)
    if changed:
        Answer.objects.bulk_update(changed, ["response", "saved_at"])
    if fresh:
        Answer.objects.bulk_create(fresh)


def _questions_of(attempt: Attempt, ids, *, every: bool = False) -> dict[int, Question]:
    """
    Return the questions of `ids`, refusing one not in the attempt.

    With `every`, return all the attempt's questions with their banks, so
    grading the submission reads them once.
    """
    allowed = set(attempt.questions)
    wanted = set()
    for raw_id in ids:
        try:
            number = int(raw_id)
        except (TypeError, ValueError):
            raise QuestionNotInAttempt() from None
        if number not in allowed:
            raise QuestionNotInAttempt()
        wanted.add(number)
    if every:
        return Question.objects.select_related("bank").in_bulk(allowed)
    return Question.objects.in_bulk(wanted)


def save_answer(*, attempt: Attempt, resident: Resident, question_id, raw, now=None) -> Answer:
    """Store one answer of an open attempt as the person goes."""
    now = now or timezone.now()
    if attempt.enrollment.resident_id != resident.pk:
        raise AttemptNotFound()
    _check_open(attempt, now)
    question = next(iter(_questions_of(attempt, [question_id]).values()))
    response = _parse(question, raw)
    with transaction.atomic():
        _lock_open(attempt)
        _store_many(attempt, {question.pk: response}, now)
    return Answer(attempt=attempt, question=question, response=response, saved_at=now)


def submit_attempt(
    *, attempt: Attempt, resident: Resident, responses: dict | None = None, now=None
) -> Attempt:
    """
    Submit an attempt with its last answers and grade it, exactly once.

    After the time and its grace, a late submission is refused (the course's
    policy "refuse") or graded from the answers saved in time ("auto").
    """
    now = now or timezone.now()
    if attempt.enrollment.resident_id != resident.pk:
        raise AttemptNotFound()
    _check_open(attempt, now)
    responses = responses or {}
    questions = _questions_of(attempt, responses.keys(), every=True)
    # Every answer is checked before anything is stored.
    parsed = {
        int(raw_id): _parse(questions[int(raw_id)], raw)
        for raw_id, raw in responses.items()
        if raw not in (None, "", [], {})
    }
    with transaction.atomic():
        _lock_open(attempt)
        _store_many(attempt, parsed, now)
        # The conditional UPDATE decides too, should a writer skip the lock.
        if not _finish(attempt=attempt, status=AS.SUBMITTED, now=now, questions=questions):
            raise AttemptClosed()
        audit.record(actor=resident, action="training_attempt.submitted", target=attempt)
    return attempt


def _finish(*, attempt: Attempt, status: str, now: datetime, questions: dict | None = None) -> bool:
    """Close the attempt if still open (one winner), grade it; return whether it did."""
    moved = Attempt.objects.filter(pk=attempt.pk, status=AS.OPEN).update(
        status=status, submitted_at=now
    )
    if not moved:
        return False
    attempt.status, attempt.submitted_at = status, now
    if status == AS.EXPIRED:
        _grade_enrollment(enrollment=attempt.enrollment, now=now)
        return True
    _grade_attempt(attempt, questions)
    _grade_enrollment(enrollment=attempt.enrollment, now=now)
    return True


def _grade_attempt(attempt: Attempt, questions: dict[int, Question] | None = None) -> None:
    """Grade every answer and the attempt; `questions` may hold them all, with their banks."""
    if questions is None or not set(attempt.questions) <= questions.keys():
        questions = Question.objects.select_related("bank").in_bulk(attempt.questions)
    answers = attempt.answers.values_list("pk", "question_id", "response")
    responses = {question_id: (pk, response) for pk, question_id, response in answers}
    per_area: dict[int, list[float]] = defaultdict(list)
    # One UPDATE per distinct credit (mostly 0 and 1), not a CASE per answer.
    by_credit: dict[float, list[int]] = defaultdict(list)
    for question_id in attempt.questions:
        question = questions.get(question_id)
        if question is None:
            continue
        pk, response = responses.get(question_id, (None, None))
        earned = grading.credit(question, response)
        if pk is not None:
            by_credit[earned].append(pk)
        per_area[question.bank.area_id].append(earned)
    for earned, pks in by_credit.items():
        Answer.objects.filter(pk__in=pks).update(credit=earned)
    total = sum(len(v) for v in per_area.values())
    earned_all = sum(sum(v) for v in per_area.values())
    attempt.score = Decimal(str(round(100 * earned_all / total, 1))) if total else Decimal(0)
    attempt.area_scores = {
        str(area): round(100 * sum(values) / len(values), 1) for area, values in per_area.items()
    }
    Attempt.objects.filter(pk=attempt.pk).update(
        score=attempt.score, area_scores=attempt.area_scores
    )


def _grade_enrollment(*, enrollment: Enrollment, now: datetime) -> None:
    """Grade the course by its method from the graded attempts; pass once."""
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("course", "community", "resident")
        .get(pk=enrollment.pk)
    )
    course = enrollment.course
    # One read of the attempts: the graded ones and how many were used.
    attempts = list(enrollment.attempts.order_by("number"))
    graded = [a for a in attempts if a.status in (AS.SUBMITTED, AS.AUTO_SUBMITTED)]
    used = len(attempts)
    if not graded:
        if used >= course.max_attempts and enrollment.status != ES.PASSED:
            Enrollment.objects.filter(pk=enrollment.pk).update(status=ES.FAILED)
        return
    if course.grading == Course.Grading.LAST:
        chosen = graded[-1]
        score, areas = float(chosen.score), chosen.area_scores
    elif course.grading == Course.Grading.AVERAGE:
        score = sum(float(a.score) for a in graded) / len(graded)
        sums: dict[str, list[float]] = defaultdict(list)
        for item in graded:
            for area, value in item.area_scores.items():
                sums[area].append(value)
        areas = {area: round(sum(v) / len(v), 1) for area, v in sums.items()}
    else:
        chosen = max(graded, key=lambda a: (a.score, a.number))
        score, areas = float(chosen.score), chosen.area_scores
    if enrollment.status == ES.PASSED:
        return  # a pass stands; later attempts do not take it away
    passed = score >= course.pass_mark
    status = ES.PASSED if passed else (ES.FAILED if used >= course.max_attempts else ES.IN_PROGRESS)
    enrollment.score = Decimal(str(round(score, 1)))
    enrollment.status = status
    update = {"score": enrollment.score, "status": status}
    if passed:
        enrollment.passed_at = now
        enrollment.hours = course.hours
        update.update(passed_at=now, hours=course.hours)
    Enrollment.objects.filter(pk=enrollment.pk).update(**update)
    AreaResult.objects.filter(enrollment=enrollment).delete()
    AreaResult.objects.bulk_create(
        [
            AreaResult(
                community=enrollment.community,
                enrollment=enrollment,
                resident_id=enrollment.resident_id,
                area_id=int(area),
                score=value,
            )
            for area, value in areas.items()
        ]
    )
    if passed:
        _issue_certificate(enrollment=enrollment, today=timezone.localdate(now), areas=areas)


@transaction.atomic
def close_overdue(*, community: Community | None = None, now=None) -> int:
    """Close the open attempts whose time and grace are over; return how many."""
    now = now or timezone.now()
    rows = Attempt.objects.select_related("enrollment__course").filter(
        status=AS.OPEN, deadline_at__lt=now
    )
    if community is not None:
        rows = rows.filter(community=community)
    return sum(1 for attempt in rows if _closed_by_time(attempt, now))


# Certificates ---------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(text: str) -> str | None:
    """Return a typed code in its stored form, or None when it cannot be one."""
    cleaned = "".join((text or "")[:40].split()).replace("-", "").upper()
    if len(cleaned) != CODE_LENGTH or not set(cleaned) <= set(CODE_ALPHABET):
        return None
    return cleaned


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _issue_certificate(*, enrollment: Enrollment, today: date, areas: dict | None = None):
    if Certificate.objects.filter(enrollment=enrollment).exists():
        return None
    course = enrollment.course
    resident = enrollment.resident
    names = dict(
        CompetenceArea.objects.filter(community_id=course.community_id).values_list("pk", "name")
    )
    named = {names.get(int(k), k): v for k, v in (areas or {}).items()}
    with transaction.atomic():
        certificate = Certificate.objects.create(
            community=enrollment.community,
            resident=resident,
            course=course,
            enrollment=enrollment,
            code=new_code(),
            holder_name=resident.full_name or resident.email,
            hours=course.hours,
            score=enrollment.score,
            area_scores=named,
            issued_on=today,
            expires_on=_add_months(today, course.valid_months) if course.valid_months else None,
        )
    audit.record(actor=None, action="training_certificate.issued", target=certificate)
    notify(
        resident,
        "training/certificate",
        community=enrollment.community,
        certificate=certificate,
        course=course,
    )
    return certificate


@transaction.atomic
def revoke_certificate(*, certificate: Certificate, actor: Resident, reason: str, now=None):
    """Revoke a certificate with a reason; the verify page then says so."""
    if not is_hr(actor, certificate.community):
        raise NotHr()
    reason = " ".join((reason or "").replace("\x00", "").split())
    if not reason:
        raise ReasonRequired(fields={"reason": "required"})
    if len(reason) > MAX_REASON:
        raise ReasonRequired(_("The reason is too long."), fields={"reason": "too_long"})
    now = now or timezone.now()
    moved = Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason=reason
    )
    if not moved:
        raise AlreadyRevoked()
    certificate.revoked_at, certificate.revoked_reason = now, reason
    audit.record(
        actor=actor,
        action="training_certificate.revoked",
        target=certificate,
        after={"reason": reason},
    )
    return certificate


def verify(*, community: Community, code: str) -> Certificate:
    """Return the certificate with the code, or raise CertificateNotFound."""
    cleaned = normal_code(code)
    if cleaned is None:
        raise CertificateNotFound()
    found = (
        Certificate.objects.select_related("course")
        .filter(community=community, code=cleaned)
        .first()
    )
    if found is None:
        raise CertificateNotFound()
    return found


# Versions -------------------------------------------------------------------


@transaction.atomic
def new_version(*, course: Course, actor: Resident) -> Course:
    """
    Copy the current version into a new one (lessons, banks, areas, rules).

    The old version stays with its enrolments and certificates: whoever
    passed it still counts as having passed the course.
    """
    if not is_hr(actor, course.community):
        raise NotHr()
    current = Course.objects.select_for_update().get(pk=course.pk)
    if not current.is_current:
        raise Conflict(_("Only the current version can be copied."))
    departments = list(current.departments.all())
    areas = list(current.areas.all())
    banks = list(current.banks.all())
    prerequisites = list(current.prerequisites.all())
    requirements = list(current.requirements.all())
    lessons = list(current.lessons.all())
    Course.objects.filter(pk=current.pk).update(is_current=False)
    fresh = current
    fresh.pk = None
    fresh._state.adding = True
    fresh.version = current.version + 1
    fresh.is_current = True
    fresh.save()
    fresh.departments.set(departments)
    fresh.areas.set(areas)
    fresh.banks.set(banks)
    fresh.prerequisites.set(prerequisites)
    for lesson in lessons:
        lesson.pk = None
        lesson._state.adding = True
        lesson.course = fresh
        lesson.save()
    for requirement in requirements:
        MandatoryCourse.objects.filter(pk=requirement.pk).update(course=fresh)
    audit.record(actor=actor, action="training_course.new_version", target=fresh)
    return Course.objects.get(pk=fresh.pk)


# Learning from elsewhere -----------------------------------------------------


@transaction.atomic
def record_external(
    *,
    community: Community,
    resident: Resident,
    title: str,
    provider: str,
    number: str = "",
    hours,
    completed_on: date,
    area_id: int | None = None,
    upload=None,
    today: date | None = None,
) -> ExternalRecord:
    """Record a certificate from elsewhere; HR confirms it before it counts."""
    if not resident.is_staff_of(community):
        raise Forbidden()
    today = today or timezone.localdate()
    errors = {}
    title, provider, number = (" ".join(str(v or "").split()) for v in (title, provider, number))
    for name, value, limit in (("title", title, 200), ("provider", provider, 200)):
        if not value:
            errors[name] = _("This field is required.")
        elif len(value) > limit or "\x00" in value:
            errors[name] = _("The text is too long.")
    if len(number) > 60 or "\x00" in number:
        errors["number"] = _("The text is too long.")
    try:
        hours = Decimal(str(hours)).quantize(Decimal("0.1"))
        if not Decimal("0") < hours <= Decimal("1000"):
            raise ValueError
    except (ArithmeticError, ValueError):
        errors["hours"] = _("Give the hours as a number from 0.1 to 1000.")
    if completed_on is None or completed_on > today or completed_on.year < 1990:
        errors["completed_on"] = _("Give the date the learning was completed.")
    area = None
    if area_id:
        area = CompetenceArea.objects.filter(community=community, pk=area_id).first()
        if area is None:
            errors["area"] = _("Choose an area from the list.")
    if errors:
        raise InvalidRecord(_("Please correct the errors below."), fields=errors)
    stored = None
    if upload is not None:
        from hromada.core.uploads import clean_image, clean_pdf

        if (upload.name or "").lower().endswith(".pdf"):
            stored = clean_pdf(upload, field="file")
        else:
            stored = clean_image(upload, field="file")
    record = ExternalRecord(
        community=community,
        resident=resident,
        title=title,
        provider=provider,
        number=number,
        hours=hours,
        completed_on=completed_on,
        area=area,
    )
    if stored is not None:
        record.file.save(stored.name, stored, save=False)
    record.save()
    audit.record(actor=resident, action="training_record.created", target=record)
    return record


@transaction.atomic
def decide_external(
    *, record: ExternalRecord, actor: Resident, confirm: bool, note: str = "", now=None
) -> ExternalRecord:
    """HR confirms or declines a record of learning done elsewhere."""
    if not is_hr(actor, record.community):
        raise NotHr()
    now = now or timezone.now()
    note = " ".join((note or "").replace("\x00", "").split())[:500]
    status = ExternalRecord.Status.CONFIRMED if confirm else ExternalRecord.Status.REJECTED
    moved = ExternalRecord.objects.filter(
        pk=record.pk, status=ExternalRecord.Status.PENDING
    ).update(status=status, decided_by=actor, decided_at=now, note=note)
    if not moved:
        raise AlreadyDecided()
    record.refresh_from_db()
    audit.record(
        actor=actor, action=f"training_record.{status}", target=record, after={"note": note}
    )
    notify(record.resident, "training/record_decided", community=record.community, record=record)
    return record


# Reminders ------------------------------------------------------------------


@transaction.atomic
def send_reminders(*, community: Community, today: date | None = None) -> int:
    """
    E-mail each staff member one digest of mandatory courses due soon.

    Idempotent: a `Reminder` row per course, person, date and stage (14 and
    3 days before) is created once; a second run finds them and sends nothing.
    Returns how many people were reminded.
    """
    today = today or timezone.localdate()
    horizon = today + timedelta(days=max(REMINDER_DAYS))
    requirements = list(
        MandatoryCourse.objects.select_related("course", "department").filter(
            course__community=community,
            course__is_published=True,
            due_on__gte=today,
            due_on__lte=horizon,
        )
    )
    if not requirements:
        return 0
    members: dict[int, set[int]] = defaultdict(set)
    for department_id, resident_id in StaffRole.objects.filter(
        community=community, department_id__in={r.department_id for r in requirements}
    ).values_list("department_id", "resident_id"):
        members[department_id].add(resident_id)
    passed = set(
        Enrollment.objects.filter(
            community=community,
            status=ES.PASSED,
            series__in={r.course.series for r in requirements},
        ).values_list("resident_id", "series")
    )
    due: dict[int, list[MandatoryCourse]] = defaultdict(list)
    fresh = []
    for requirement in requirements:
        days_left = (requirement.due_on - today).days
        stage = min(d for d in REMINDER_DAYS if days_left <= d)
        for resident_id in members[requirement.department_id]:
            if (resident_id, requirement.course.series) in passed:
                continue
            fresh.append(
                Reminder(
                    requirement=requirement,
                    resident_id=resident_id,
                    days_before=stage,
                    due_on=requirement.due_on,
                )
            )
    existing = set(
        Reminder.objects.filter(requirement__in=requirements).values_list(
            "requirement_id", "resident_id", "due_on", "days_before"
        )
    )
    fresh = [
        r
        for r in fresh
        if (r.requirement_id, r.resident_id, r.due_on, r.days_before) not in existing
    ]
    Reminder.objects.bulk_create(fresh, ignore_conflicts=True)
    for reminder in fresh:
        due[reminder.resident_id].append(reminder.requirement)
    people = Resident.objects.in_bulk(list(due))
    for resident_id, items in due.items():
        courses = sorted({(r.due_on, r.course.title, r.course.pk) for r in items})
        notify(
            people[resident_id],
            "training/reminder",
            community=community,
            courses=[{"due_on": d, "title": t, "pk": pk} for d, t, pk in courses],
        )
    return len(due)


def staff_queryset(community: Community):
    """Return the community's staff: everyone with a staff role there."""
    return Resident.objects.filter(
        Q(staff_roles__community=community), is_active=True, deleted_at__isnull=True
    ).distinct()
