"""Training pages: parse the request, call a selector or a service, render or redirect."""

from __future__ import annotations

import mimetypes
from functools import wraps

from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hromada.core.errors import DomainError
from hromada.core.exports import xlsx_response
from hromada.core.identity import level_required
from hromada.core.models import Department
from hromada.core.params import parse_date, parse_int
from hromada.core.ratelimit import address_bucket, over_any
from hromada.training import certificate as certificate_pdf_module
from hromada.training import content, grading, selectors, services
from hromada.training.models import (
    Certificate,
    CompetenceArea,
    ExternalRecord,
    Lesson,
    Question,
)

# A stranger guessing codes gets a few tries a minute; an auditor scanning
# a pile of certificates is well within it.
VERIFY_RATE = "30/m"
VERIFY_RATE_DAY = "500/d"


def _verify_limited(request) -> bool:
    address = address_bucket(request.META.get("REMOTE_ADDR", ""))
    return over_any(
        group="training.verify", checks=[(address, VERIFY_RATE), (f"d:{address}", VERIFY_RATE_DAY)]
    )


def _rate_limited(request):
    from hromada.core.views import rate_limited

    return rate_limited(request)


def _forbidden(request):
    return render(request, "403.html", status=403)


def _hr_only(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not services.is_hr(request.user, request.community):
            return _forbidden(request)
        return view(request, *args, **kwargs)

    return wrapper


def _course(request, pk: int):
    try:
        return selectors.course_for(community=request.community, pk=pk)
    except DomainError:
        raise Http404 from None


# Catalogue, course, lessons -------------------------------------------------


def catalogue(request):
    courses = selectors.catalogue(community=request.community, resident=request.user)
    return render(
        request,
        "training/catalogue.html",
        {"courses": courses, "is_hr": services.is_hr(request.user, request.community)},
    )


def course(request, pk: int):
    found = _course(request, pk)
    user = request.user if request.user.is_authenticated else None
    enrollment = None
    attempts = []
    if user is not None:
        enrollment = found.enrollments.filter(resident=user).first()
        if enrollment is not None:
            attempts = list(enrollment.attempts.order_by("number"))
    if not found.is_current and enrollment is None:
        raise Http404
    allowed = services.may_take(user, found)
    if not allowed and enrollment is None and found.audience != found.Audience.RESIDENTS:
        raise Http404  # a course for others does not show that it exists
    lessons = selectors.lesson_states(course=found, resident=user)
    context = {
        "course": found,
        "enrollment": enrollment,
        "attempts": attempts,
        "allowed": allowed,
        "lessons": lessons,
        "lessons_done": bool(lessons) and all(done for _l, done in lessons),
        "missing": services.missing_prerequisites(user, found) if user else [],
        "resume": selectors.resume_lesson(course=found, resident=user) if user else None,
        "attempts_left": max(0, found.max_attempts - len(attempts)),
        "certificate": enrollment.certificates.first() if enrollment else None,
    }
    return render(request, "training/course.html", context)


@csp_update({"frame-src": ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]})
@level_required("training.learn")
def lesson(request, pk: int, lesson_pk: int):
    found = _course(request, pk)
    item = Lesson.objects.filter(course=found, pk=lesson_pk).first()
    if item is None:
        raise Http404
    try:
        if request.method == "POST":
            answer = parse_int(request.POST.get("check"), low=1, high=50)
            services.complete_lesson(lesson=item, resident=request.user, check_answer=answer)
            messages.success(request, _("Lesson completed."))
            following = found.lessons.filter(position__gt=item.position).first()
            return redirect(following.get_absolute_url() if following else found.get_absolute_url())
        services.open_lesson(lesson=item, resident=request.user)
    except services.WrongCheck as error:
        messages.error(request, str(error))
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(found.get_absolute_url())
    states = selectors.lesson_states(course=found, resident=request.user)
    context = {
        "course": found,
        "lesson": item,
        "body": content.render_lesson(item.body),
        "video": content.embed_url(item.video_url),
        "options": list(enumerate(item.check_options or [], start=1)),
        "done": any(done for lesson_, done in states if lesson_.pk == item.pk),
        "lessons": states,
    }
    return render(request, "training/lesson.html", context)


# Tests ------------------------------------------------------------------------


@require_POST
@level_required("training.learn")
def start_test(request, pk: int):
    found = _course(request, pk)
    try:
        attempt = services.start_attempt(course=found, resident=request.user)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(found.get_absolute_url())
    return redirect(attempt.get_absolute_url())


def _attempt(request, pk: int):
    try:
        return services.attempt_for(
            attempt_id=pk, resident=request.user, community=request.community
        )
    except DomainError:
        raise Http404 from None


def form_value(shown: dict, data):
    """Return the raw answer to one shown question from form data, or None if blank."""
    name = f"q{shown['id']}"
    kind = shown["kind"]
    if kind == "multiple":
        chosen = [v[:100] for v in data.getlist(name)[:50]]
        return chosen or None
    if kind == "matching":
        pairs = {item["id"]: data.get(f"{name}-{item['id']}", "")[:100] for item in shown["left"]}
        return pairs if any(pairs.values()) else None
    if kind == "ordering":
        positions = {}
        for item in shown["items"]:
            position = parse_int(data.get(f"{name}-{item['id']}"), low=1, high=50)
            if position is None:
                return None
            positions[item["id"]] = position
        if len(set(positions.values())) != len(positions):
            return ["?"]  # a tie: refused as an answer, so nothing is stored
        return sorted(positions, key=positions.get)
    value = data.get(name)
    if value is None or not value.strip():
        return None
    return value[:200]


def _shown(attempt) -> list[dict]:
    questions = Question.objects.in_bulk(attempt.questions)
    return [
        grading.public_question(questions[pk], attempt.seed)
        for pk in attempt.questions
        if pk in questions
    ]


def _with_answers(attempt, shown: list[dict]) -> list[dict]:
    """Attach the saved answer to each shown question so the form shows it."""
    saved = {a.question_id: a.response for a in attempt.answers.all()}
    for item in shown:
        response = saved.get(item["id"], {})
        item["chosen"] = set(response.get("chosen", []))
        if "value" in response:
            item["chosen"] = {"true" if response["value"] else "false"}
        item["text_answer"] = response.get("text", "")
        if "number" in response:
            item["text_answer"] = f"{response['number']:g}"
        pairs = response.get("pairs", {})
        for left in item.get("left", []):
            left["chosen"] = pairs.get(left["id"], "")
        order = response.get("order", [])
        for entry in item.get("items", []):
            entry["position"] = order.index(entry["id"]) + 1 if entry["id"] in order else None
        item["positions"] = list(range(1, len(item.get("items", [])) + 1))
    return shown


@level_required("training.learn")
def attempt(request, pk: int):
    found = _attempt(request, pk)
    now = timezone.now()
    if found.is_open:
        try:
            services._check_open(found, now)
        except DomainError as error:
            messages.error(request, str(error))
            found.refresh_from_db()
    if not found.is_open:
        return _result(request, found)
    shown = _with_answers(found, _shown(found))
    context = {
        "attempt": found,
        "course": found.enrollment.course,
        "questions": shown,
        "seconds_left": max(0, int((found.deadline_at - now).total_seconds())),
    }
    response = render(request, "training/attempt.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


def _result(request, found):
    """After submission: the score, per area, and the right answers."""
    questions = Question.objects.select_related("bank__area").in_bulk(found.questions)
    answers = {a.question_id: a for a in found.answers.all()}
    rows = []
    for number, pk in enumerate(found.questions, start=1):
        question = questions.get(pk)
        if question is None:
            continue
        answer = answers.get(pk)
        rows.append(
            {
                "number": number,
                "question": question,
                "credit": answer.credit if answer and answer.credit is not None else 0,
                "answered": answer is not None,
                "right": grading.right_answer(question),
            }
        )
    names = dict(
        CompetenceArea.objects.filter(community=request.community).values_list("pk", "name")
    )
    areas = [(names.get(int(k), k), v) for k, v in (found.area_scores or {}).items()]
    enrollment = found.enrollment
    context = {
        "attempt": found,
        "course": enrollment.course,
        "enrollment": enrollment,
        "rows": rows,
        "areas": areas,
        "certificate": enrollment.certificates.first(),
        # Right answers only once no attempt is left to take with them.
        "show_answers": enrollment.status != enrollment.Status.IN_PROGRESS,
    }
    return render(request, "training/result.html", context)


@require_POST
@login_required
def save_answer(request, pk: int):
    """Save one answer as the person goes (the page's script posts each change)."""
    found = _attempt(request, pk)
    question_id = parse_int(request.POST.get("question"))
    if question_id is None or question_id not in found.questions:
        return JsonResponse(
            {
                "error": {
                    "code": "training_question_not_in_attempt",
                    "message": str(services.QuestionNotInAttempt.message),
                }
            },
            status=400,
        )
    question = Question.objects.get(pk=question_id)
    raw = form_value(grading.public_question(question, found.seed), request.POST)
    try:
        if raw is None:
            return JsonResponse({"saved": False})
        services.save_answer(attempt=found, resident=request.user, question_id=question_id, raw=raw)
    except DomainError as error:
        return JsonResponse(
            {"error": {"code": error.code, "message": str(error)}}, status=error.status
        )
    return JsonResponse({"saved": True})


@require_POST
@login_required
def submit(request, pk: int):
    found = _attempt(request, pk)
    responses = {}
    if found.is_open:
        for shown in _shown(found):
            raw = form_value(shown, request.POST)
            if raw is not None:
                responses[shown["id"]] = raw
    try:
        services.submit_attempt(attempt=found, resident=request.user, responses=responses)
    except services.InvalidAnswer as error:
        messages.error(request, str(error))
        return redirect(found.get_absolute_url())
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your answers are submitted."))
    return redirect(found.get_absolute_url())


# My training --------------------------------------------------------------------


@login_required
def mine(request):
    today = timezone.localdate()
    progress = selectors.person_progress(
        resident=request.user, community=request.community, year=today.year
    )
    context = {
        "progress": progress,
        "year": today.year,
        "today": today,
        "is_staff": request.user.is_staff_of(request.community),
        "areas": CompetenceArea.objects.filter(community=request.community),
        "errors": {},
        "form": {},
    }
    return render(request, "training/mine.html", context)


@require_POST
@login_required
def add_record(request):
    data = request.POST
    try:
        services.record_external(
            community=request.community,
            resident=request.user,
            title=data.get("title", "")[:300],
            provider=data.get("provider", "")[:300],
            number=data.get("number", "")[:100],
            hours=data.get("hours", "")[:10].replace(",", "."),
            completed_on=parse_date(data.get("completed_on")),
            area_id=parse_int(data.get("area")),
            upload=request.FILES.get("file"),
        )
    except DomainError as error:
        today = timezone.localdate()
        context = {
            "progress": selectors.person_progress(
                resident=request.user, community=request.community, year=today.year
            ),
            "year": today.year,
            "today": today,
            "is_staff": request.user.is_staff_of(request.community),
            "areas": CompetenceArea.objects.filter(community=request.community),
            "errors": error.fields,
            "error": str(error),
            "form": {
                k: data.get(k, "")[:300]
                for k in ("title", "provider", "number", "hours", "completed_on", "area")
            },
        }
        return render(request, "training/mine.html", context, status=400)
    messages.success(request, _("Recorded. HR will confirm it."))
    return redirect("training:mine")


# Certificates -----------------------------------------------------------------


@login_required
def certificate_pdf(request, code: str):
    cleaned = services.normal_code(code)
    found = None
    if cleaned:
        found = (
            Certificate.objects.select_related("course", "community")
            .filter(community=request.community, code=cleaned)
            .first()
        )
    if found is None:
        raise Http404
    if found.resident_id != request.user.pk and not services.is_hr(request.user, request.community):
        raise Http404
    response = HttpResponse(certificate_pdf_module.render(found), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{found.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def verify_form(request):
    code = request.GET.get("code", "")[:60]
    if code:
        cleaned = services.normal_code(code)
        if cleaned:
            return redirect("training:verify", code=cleaned)
        messages.error(request, _("A certificate code has 16 letters and digits."))
    return render(request, "training/verify_form.html", {"code": code})


def verify(request, code: str):
    """The public check of a certificate: valid, expired or revoked; nothing private."""
    if _verify_limited(request):
        return _rate_limited(request)
    try:
        found = services.verify(community=request.community, code=code[:60])
    except DomainError:
        raise Http404 from None
    context = {
        "certificate": found,
        "state": found.state_on(timezone.localdate()),
        "is_hr": services.is_hr(request.user, request.community),
    }
    return render(request, "training/verify.html", context)


@require_POST
@_hr_only
def revoke(request, pk: int):
    found = Certificate.objects.filter(community=request.community, pk=pk).first()
    if found is None:
        raise Http404
    try:
        services.revoke_certificate(
            certificate=found, actor=request.user, reason=request.POST.get("reason", "")[:1000]
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The certificate is revoked."))
    return redirect("training:verify", code=found.code)


# Progress for HR and heads of departments ---------------------------------------


@login_required
def progress(request):
    departments = selectors.visible_departments(resident=request.user, community=request.community)
    if not departments and not services.is_hr(request.user, request.community):
        return _forbidden(request)
    today = timezone.localdate()
    summary = selectors.department_summary(
        community=request.community, departments=departments, today=today
    )
    context = {
        "summary": summary,
        "areas": list(CompetenceArea.objects.filter(community=request.community)),
        "today": today,
        "is_hr": services.is_hr(request.user, request.community),
    }
    return render(request, "training/progress.html", context)


@login_required
def progress_export(request):
    departments = selectors.visible_departments(resident=request.user, community=request.community)
    if not departments:
        return _forbidden(request)
    today = timezone.localdate()
    summary = selectors.department_summary(
        community=request.community, departments=departments, today=today
    )
    areas = list(CompetenceArea.objects.filter(community=request.community))
    fields = [_("Department"), _("Staff"), _("Completed, %"), _("Overdue"), _("Hours this year")]
    fields += [area.name for area in areas]
    rows = []
    for item in summary:
        row = dict(
            zip(
                fields,
                [
                    item["department"].name,
                    item["staff"],
                    item["completion"],
                    item["overdue"],
                    float(item["hours"]),
                ]
                + [round(score, 1) if score is not None else None for _a, score in item["areas"]],
                strict=True,
            )
        )
        rows.append(row)
    return xlsx_response(rows, fields=fields, name=f"training-progress-{today}")


def _department(request, pk: int):
    found = Department.objects.filter(community=request.community, pk=pk).first()
    if found is None or not services.may_see_department(request.user, found):
        raise Http404
    return found


@login_required
def department(request, pk: int):
    found = _department(request, pk)
    today = timezone.localdate()
    rows = selectors.department_staff(community=request.community, department=found, today=today)
    page = Paginator(rows, 50).get_page(parse_int(request.GET.get("page"), high=10_000) or 1)
    return render(
        request,
        "training/department.html",
        {"department": found, "page": page, "today": today},
    )


@login_required
def department_export(request, pk: int):
    found = _department(request, pk)
    today = timezone.localdate()
    rows = selectors.department_staff(community=request.community, department=found, today=today)
    fields = [
        _("Staff member"),
        _("Mandatory courses"),
        _("Passed"),
        _("Overdue"),
        _("Hours this year"),
        _("Certificates"),
    ]
    return xlsx_response(
        (
            dict(
                zip(
                    fields,
                    [
                        row["resident"].full_name or row["resident"].email,
                        row["required"],
                        row["completed"],
                        row["overdue"],
                        float(row["hours"]),
                        row["certificates"],
                    ],
                    strict=True,
                )
            )
            for row in rows
        ),
        fields=fields,
        name=f"training-{found.pk}-{today}",
    )


# Learning from elsewhere (HR) ----------------------------------------------------


@_hr_only
def records(request):
    pending = selectors.pending_records(community=request.community)
    page = Paginator(pending, 30).get_page(parse_int(request.GET.get("page"), high=10_000) or 1)
    return render(request, "training/records.html", {"page": page})


@require_POST
@_hr_only
def decide_record(request, pk: int):
    found = ExternalRecord.objects.filter(community=request.community, pk=pk).first()
    if found is None:
        raise Http404
    try:
        services.decide_external(
            record=found,
            actor=request.user,
            confirm=request.POST.get("decision") == "confirm",
            note=request.POST.get("note", "")[:1000],
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Decision saved."))
    return redirect("training:records")


@login_required
def record_file(request, pk: int):
    found = ExternalRecord.objects.filter(community=request.community, pk=pk).first()
    if found is None or not found.file:
        raise Http404
    if found.resident_id != request.user.pk and not services.is_hr(request.user, request.community):
        raise Http404
    try:
        handle = found.file.storage.open(found.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = mimetypes.guess_type(found.file.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, no-cache"
    return response
