"""Consultation pages: parse the request, call a selector or a service, render or redirect."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hromada.consultations import (
    charts,
    drafts,
    grouping,
    report,
    results,
    selectors,
    services,
    survey,
)
from hromada.consultations.forms import (
    AmendmentForm,
    CommentForm,
    ConsultationForm,
    DraftForm,
    InitiativeForm,
    MinutesForm,
    ProposalEntryForm,
    QuestionForm,
    ReportForm,
)
from hromada.consultations.limits import limited
from hromada.consultations.models import Answer, Comment, Consultation, HearingInitiative, Question
from hromada.consultations.spreadsheet import xlsx_response
from hromada.core.errors import DomainError
from hromada.core.exports import csv_response
from hromada.core.identity import level_required
from hromada.core.models import Settlement
from hromada.core.opendata import export_response
from hromada.core.params import id_param, int_param

KIND = Consultation.Kind
PER_PAGE = 20


def _consultation(request, pk: int) -> Consultation:
    try:
        return selectors.visible_consultation(
            community=request.community, pk=pk, viewer=request.user
        )
    except DomainError:
        raise Http404 from None


def _page(request, rows, per_page=PER_PAGE):
    number = int_param(request.GET, "page", default=1, high=1_000_000)
    return Paginator(rows, per_page).get_page(number or 1)


def _fail(request, error: DomainError, form=None):
    if form is not None and error.fields:
        for field, message in error.fields.items():
            form.add_error(field if field in form.fields else None, message)
    messages.error(request, str(error))


def _staff(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not services.is_consultation_staff(request.user, request.community):
            return render(request, "403.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


# Public pages ------------------------------------------------------------------


def consultation_list(request):
    community = request.community
    when = request.GET.get("when", "")[:10]
    when = when if when in selectors.WHEN else ""
    kind = request.GET.get("kind", "")[:10]
    topic = id_param(request.GET, "topic")
    settlement = id_param(request.GET, "settlement")
    rows = selectors.public_consultations(
        community=community, when=when, topic=topic, settlement=settlement, kind=kind
    )
    context = {
        "page_obj": _page(request, rows),
        "when": when,
        "kind": kind if kind in KIND.values else "",
        "topic": topic,
        "settlement": settlement,
        "topics": selectors.topics(community=community),
        "settlements": Settlement.objects.filter(community=community),
        "kinds": KIND.choices,
        "is_staff": services.is_consultation_staff(request.user, community),
    }
    return render(request, "consultations/list.html", context)


def detail(request, pk: int):
    consultation = _consultation(request, pk)
    context = {
        "consultation": consultation,
        "is_manager": services.can_manage(request.user, consultation),
    }
    if consultation.kind == KIND.DRAFT:
        version = services.current_version(consultation)
        context["version"] = version
        context["versions"] = list(consultation.versions.order_by("number"))
        context["articles"] = selectors.articles_with_counts(version)
        context["general_comments"] = selectors.comments(consultation=consultation, article_key="")
        context["form"] = CommentForm()
    elif consultation.kind == KIND.SURVEY:
        context["answered"] = services.has_answered(
            consultation=consultation, resident=request.user
        )
        context["question_count"] = consultation.questions.count()
    else:
        context["registration"] = selectors.registration_of(
            consultation=consultation, resident=request.user
        )
        context["counts"] = selectors.registration_counts(consultation)
        context["hearing_proposals"] = selectors.comments(consultation=consultation)
        context["form"] = CommentForm()
    return render(request, "consultations/detail.html", context)


def article(request, pk: int, key: str):
    consultation = _consultation(request, pk)
    version = services.current_version(consultation)
    item = version.articles.filter(key=key[:80]).first() if version else None
    if item is None:
        # An article removed in a later version: its comments stay readable.
        old = consultation.versions.filter(articles__key=key[:80]).order_by("-number").first()
        if old is None:
            raise Http404
        item = old.articles.get(key=key[:80])
        item.removed_in = version.number if version else None
    comments = list(selectors.comments(consultation=consultation, article_key=item.key))
    for comment in comments:
        if comment.source == Comment.Source.AMENDMENT:
            comment.redline = drafts.redline(comment.original, comment.replacement)
    context = {
        "consultation": consultation,
        "article": item,
        "comments": comments,
        "form": CommentForm(initial={"article": item.key}),
        "amendment_form": AmendmentForm(initial={"article": item.key, "replacement": item.text}),
        "is_manager": services.can_manage(request.user, consultation),
    }
    return render(request, "consultations/article.html", context)


@require_POST
@level_required("consultations.comment")
@limited("comment")
def comment(request, pk: int):
    consultation = _consultation(request, pk)
    form = CommentForm(request.POST)
    key = request.POST.get("article", "")[:80]
    back = (
        reverse("consultations:article", args=[pk, key]) if key else consultation.get_absolute_url()
    )
    if not form.is_valid():
        messages.error(request, _("Please write your comment (at most 5000 characters)."))
        return redirect(back)
    try:
        services.add_comment(
            consultation=consultation,
            resident=request.user,
            text=form.cleaned_data["text"],
            article_key=form.cleaned_data["article"] or "",
            is_proposal=form.cleaned_data["is_proposal"],
        )
    except DomainError as error:
        _fail(request, error)
    else:
        messages.success(request, _("Your comment is published."))
    return redirect(back)


@require_POST
@level_required("consultations.comment")
@limited("comment")
def amend(request, pk: int):
    consultation = _consultation(request, pk)
    form = AmendmentForm(request.POST)
    key = request.POST.get("article", "")[:80]
    if not form.is_valid():
        messages.error(request, _("Please write the proposed text of the article."))
        return redirect("consultations:article", pk, key or "-")
    try:
        services.propose_amendment(
            consultation=consultation,
            resident=request.user,
            article_key=form.cleaned_data["article"],
            replacement=form.cleaned_data["replacement"],
            text=form.cleaned_data["text"],
        )
    except DomainError as error:
        _fail(request, error)
    else:
        messages.success(request, _("Your amendment is published."))
    return redirect("consultations:article", pk, key or "-")


@require_POST
@level_required("consultations.comment")
@limited("vote")
def vote(request, pk: int):
    item = (
        Comment.objects.filter(pk=pk, community=request.community)
        .select_related("consultation__community")
        .first()
    )
    if item is None:
        raise Http404
    value = 1 if request.POST.get("value") == "support" else -1
    try:
        services.vote_comment(comment=item, resident=request.user, value=value)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your opinion is counted."))
    if item.article_key:
        return redirect("consultations:article", item.consultation_id, item.article_key)
    return redirect(item.consultation)


def diff(request, pk: int):
    consultation = _consultation(request, pk)
    versions = list(consultation.versions.order_by("number"))
    if len(versions) < 2:
        raise Http404
    numbers = [v.number for v in versions]
    old_number = int_param(request.GET, "from", default=numbers[0], high=10_000)
    new_number = int_param(request.GET, "to", default=numbers[-1], high=10_000)
    old = next((v for v in versions if v.number == old_number), versions[0])
    new = next((v for v in versions if v.number == new_number), versions[-1])
    changes = drafts.compare_versions(report._articles(old), report._articles(new))
    for change in changes:
        change["redline"] = drafts.redline(change["old"], change["new"])
    context = {
        "consultation": consultation,
        "old": old,
        "new": new,
        "versions": versions,
        "changes": changes,
    }
    return render(request, "consultations/diff.html", context)


# Survey ---------------------------------------------------------------------------

PROGRESS_KEY = "consultations-progress-%d"


# The survey's page a stored answer goes back to, per script prefix: reversing
# the URL costs a tenth of what the rest of the view does.
_BACK: dict[tuple[str, int], str] = {}


def _back_to(consultation: Consultation) -> str:
    key = (get_script_prefix(), consultation.pk)
    found = _BACK.get(key)
    if found is None:
        if len(_BACK) >= 1024:
            _BACK.clear()
        found = _BACK[key] = consultation.get_absolute_url()
    return found


def _to_answer(request, pk: int, *, remembered: bool) -> Consultation:
    try:
        consultation = selectors.survey_to_answer(
            community=request.community, pk=pk, viewer=request.user, remembered=remembered
        )
    except DomainError:
        raise Http404 from None
    if consultation.kind != KIND.SURVEY:
        raise Http404
    return consultation


@level_required("consultations.answer")
@limited("answer")
def survey_form(request, pk: int):
    errors: dict = {}
    if request.method == "POST":
        # A stored answer renders nothing: the narrow row is enough until the
        # page has to be shown again; the survey as this worker saw it open,
        # which the statement storing the answer checks in the database.
        # Refused, the answer is checked once more against the row read afresh.
        for remembered in (True, False):
            consultation = _to_answer(request, pk, remembered=remembered)
            questions = survey.questions_of(consultation)
            key = PROGRESS_KEY % consultation.pk
            values = {str(k): v for k, v in survey.parse_form(questions, request.POST).items()}
            if "save" in request.POST:
                # Progress stays in the resident's own session, never beside the answers.
                request.session[key] = values
                messages.success(request, _("Your answers are saved. You can finish later."))
                return redirect("consultations:survey", pk)
            try:
                services.submit_response(
                    consultation=consultation,
                    resident=request.user,
                    answers=values,
                    questions=questions,
                )
            except DomainError as error:
                refused = error
                if consultation.remembered and not isinstance(error, services.AlreadyAnswered):
                    continue
            else:
                request.session.pop(key, None)
                messages.success(request, _("Thank you! Your response is counted."))
                return HttpResponseRedirect(_back_to(consultation))
            break
        messages.error(request, str(refused))
        if isinstance(refused, services.AlreadyAnswered):
            # A second tap, or another tab: said on the survey's page, where
            # the stored answer's thanks went, rather than the form again.
            request.session.pop(key, None)
            return HttpResponseRedirect(_back_to(consultation))
        errors = refused.fields
        consultation = _consultation(request, pk)
    else:
        consultation = _consultation(request, pk)
        if consultation.kind != KIND.SURVEY:
            raise Http404
        questions = survey.questions_of(consultation)
        values = request.session.get(PROGRESS_KEY % consultation.pk, {})
    answered = services.has_answered(consultation=consultation, resident=request.user)
    shown = {int(k): v for k, v in values.items() if str(k).lstrip("-").isdigit()}
    context = {
        "consultation": consultation,
        "questions": [
            {
                "question": q,
                "value": shown.get(q.position),
                "error": errors.get(str(q.position)),
                "conditional": bool((q.condition or {}).get("rules")),
                "hidden": not survey.is_shown(q, shown),
                "scale": list(range(q.minimum or 0, (q.maximum or 0) + 1))
                if q.kind == Question.Kind.SCALE
                else [],
                "ranks": list(range(1, len(q.options or []) + 1)),
            }
            for q in questions
        ],
        "answered": answered,
        "errors": errors,
    }
    return render(request, "consultations/survey.html", context)


def survey_results(request, pk: int):
    consultation = _consultation(request, pk)
    if consultation.kind != KIND.SURVEY:
        raise Http404
    early = request.GET.get("early") == "1"
    try:
        services.check_results_visible(consultation=consultation, viewer=request.user, early=early)
    except DomainError as error:
        context = {
            "consultation": consultation,
            "hidden": str(error),
            "is_manager": services.can_manage(request.user, consultation),
        }
        return render(request, "consultations/results.html", context, status=403)
    settlement = id_param(request.GET, "settlement")
    group = request.GET.get("age", "")[:8]
    group = group if group in [label for _l, _h, label in services.AGE_GROUPS] else ""
    figures = results.compute(consultation, settlement_id=settlement, age_group=group)
    small = figures["total"] < results.SUPPRESS_BELOW and (settlement or group)
    for item in figures["questions"]:
        question = item["question"]
        if item["bars"] and not small:
            item["chart"] = charts.bars(
                chart_id=f"q{question.position}",
                title=question.text,
                description=_("Answers per option; the same numbers are in the table below."),
                points=item["bars"],
            )
    cross_questions = [
        item["question"]
        for item in figures["questions"]
        if item["question"].kind in (Question.Kind.SINGLE, Question.Kind.SCALE)
    ]
    by = request.GET.get("by", "")
    crosstab = None
    cross_question = int_param(request.GET, "q", high=500)
    if by in ("settlement", "age") and cross_question:
        # The figures already hold the questions: no second read of them.
        question = next(
            (q for q in cross_questions if q.position == cross_question),
            None,
        )
        if question:
            crosstab = {"question": question, **results.crosstab(consultation, question, by)}
    context = {
        "consultation": consultation,
        "figures": figures,
        "small": small,
        "settlements": Settlement.objects.filter(community=request.community),
        "settlement": settlement,
        "age": group,
        "age_groups": [label for _l, _h, label in services.AGE_GROUPS],
        "crosstab": crosstab,
        "by": by,
        "early": early,
        "is_manager": services.can_manage(request.user, consultation),
        "cross_questions": cross_questions,
    }
    return render(request, "consultations/results.html", context)


EXPORT_FIRST_ROWS = 200


@_staff
def results_export(request, pk: int, fmt: str):
    consultation = _consultation(request, pk)
    if consultation.kind != KIND.SURVEY or fmt not in ("csv", "xlsx"):
        raise Http404
    if not services.can_manage(request.user, consultation):
        return render(request, "403.html", status=403)
    try:
        services.check_results_visible(
            consultation=consultation, viewer=request.user, early=request.GET.get("early") == "1"
        )
    except DomainError:
        return render(request, "403.html", status=403)
    fields, rows = results.export_rows(consultation)
    name = f"survey-{consultation.pk}"
    if fmt == "csv":
        # Streamed from the first couple of hundred rows: the first byte
        # does not wait for thousands of responses to be read.
        return csv_response(rows, fields=fields, name=name, rows_at_once=EXPORT_FIRST_ROWS)
    return xlsx_response(rows, fields=fields, name=name, sheet=_("Responses"))


# Hearings and initiatives ---------------------------------------------------------------


@require_POST
@level_required("consultations.register")
@limited("register")
def register(request, pk: int):
    consultation = _consultation(request, pk)
    try:
        if request.POST.get("cancel"):
            services.cancel_registration(consultation=consultation, resident=request.user)
            messages.success(request, _("Your registration is cancelled."))
        else:
            registration = services.register_for_hearing(
                consultation=consultation, resident=request.user
            )
            if registration.status == registration.Status.WAITING:
                messages.info(request, _("All places are taken: you are on the waiting list."))
            else:
                messages.success(request, _("You are registered for the hearing."))
    except DomainError as error:
        messages.error(request, str(error))
    return redirect(consultation)


@require_POST
@level_required("consultations.comment")
@limited("comment")
def hearing_proposal(request, pk: int):
    """A resident's proposal to a public hearing, before or during it."""
    consultation = _consultation(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.add_comment(
                consultation=consultation,
                resident=request.user,
                text=form.cleaned_data["text"],
                is_proposal=True,
            )
        except DomainError as error:
            _fail(request, error)
        else:
            messages.success(request, _("Your proposal is received and published."))
    else:
        messages.error(request, _("Please write your proposal (at most 5000 characters)."))
    return redirect(consultation)


def initiative_list(request):
    rows = selectors.initiatives(community=request.community)
    rules = services.rules_for(request.community)
    return render(
        request,
        "consultations/initiatives.html",
        {"page_obj": _page(request, rows), "rules": rules},
    )


def initiative(request, pk: int):
    item = HearingInitiative.objects.filter(community=request.community, pk=pk).first()
    if item is None:
        raise Http404
    signed = (
        request.user.is_authenticated and item.signatures.filter(resident=request.user).exists()
    )
    signers = item.signatures.select_related("resident").order_by("created_at", "id")
    return render(
        request,
        "consultations/initiative.html",
        {"initiative": item, "signed": signed, "page_obj": _page(request, signers, 50)},
    )


@level_required("consultations.initiate")
@limited("initiate")
def initiative_new(request):
    form = InitiativeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.start_initiative(
                community=request.community,
                author=request.user,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
            )
        except DomainError as error:
            _fail(request, error, form)
        else:
            messages.success(request, _("The initiative is started and your signature counted."))
            return redirect(item)
    return render(request, "consultations/initiative_form.html", {"form": form})


@require_POST
@level_required("consultations.sign")
@limited("sign")
def initiative_sign(request, pk: int):
    item = HearingInitiative.objects.filter(community=request.community, pk=pk).first()
    if item is None:
        raise Http404
    try:
        services.sign_initiative(initiative=item, resident=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your signature is counted."))
    return redirect(item)


@require_POST
@login_required
def subscribe(request):
    topic = id_param(request.POST, "topic")
    settlement = id_param(request.POST, "settlement")
    from hromada.consultations.models import Topic

    topic_row = (
        Topic.objects.filter(community=request.community, pk=topic).first() if topic else None
    )
    place = (
        Settlement.objects.filter(community=request.community, pk=settlement).first()
        if settlement
        else None
    )
    services.subscribe(
        resident=request.user, community=request.community, topic=topic_row, settlement=place
    )
    messages.success(request, _("You will be told of new consultations."))
    return redirect("consultations:list")


# The report -----------------------------------------------------------------------------


def _published(request, pk: int) -> Consultation:
    consultation = _consultation(request, pk)
    if consultation.status != Consultation.Status.REPORTED:
        raise Http404
    return consultation


def report_page(request, pk: int):
    consultation = _published(request, pk)
    document = report.document_of(consultation)
    return render(
        request,
        "consultations/report.html",
        {"consultation": consultation, "document": document, "preview": False},
    )


def report_file(request, pk: int, fmt: str):
    consultation = _published(request, pk)
    name = f"consultation-{consultation.pk}-report"
    if fmt == "json":
        response = HttpResponse(
            consultation.report_json, content_type="application/json; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
        response["X-Content-SHA256"] = consultation.report_sha256
        return response
    document = report.document_of(consultation)
    if fmt == "csv":
        return csv_response(report.csv_rows(document), fields=report.CSV_FIELDS, name=name)
    if fmt == "pdf":
        data = report.render_pdf(document, sha256=consultation.report_sha256)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
    raise Http404


# Staff ----------------------------------------------------------------------------------


@_staff
def staff_list(request):
    rows = Consultation.objects.filter(community=request.community).order_by("-created_at", "-id")
    overdue = set(selectors.overdue_reports(request.community).values_list("pk", flat=True))
    return render(
        request,
        "consultations/staff_list.html",
        {"page_obj": _page(request, rows), "overdue": overdue, "today": timezone.localdate()},
    )


@_staff
def staff_edit(request, pk: int | None = None):
    community = request.community
    consultation = _consultation(request, pk) if pk else None
    if consultation and not services.can_manage(request.user, consultation):
        return render(request, "403.html", status=403)
    initial = {}
    if consultation:
        initial = {name: getattr(consultation, name) for name in services.FIELDS}
        initial.update(topic=consultation.topic_id, settlement=consultation.settlement_id)
    form = ConsultationForm(
        request.POST or None, community=community, editing=bool(consultation), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if consultation:
                data.pop("topic", None)
                data.pop("settlement", None)
                consultation = services.update_consultation(
                    actor=request.user, consultation=consultation, **data
                )
            else:
                data["anonymity"] = data.get("anonymity") or Consultation.Anonymity.IDENTIFIED
                consultation = services.create_consultation(
                    actor=request.user, community=community, **data
                )
        except DomainError as error:
            _fail(request, error, form)
        else:
            messages.success(request, _("Saved."))
            return redirect("consultations:staff_consultation", consultation.pk)
    return render(
        request, "consultations/staff_form.html", {"form": form, "consultation": consultation}
    )


def _parse_condition(data: dict) -> dict:
    test = data.get("condition_test")
    position = data.get("condition_question")
    if not test or not position:
        return {}
    raw = [part.strip() for part in (data.get("condition_value") or "").split(",") if part.strip()]
    numbers = [int(part) - 1 for part in raw if part.isdigit()]
    value = numbers if test == "any_of" else (numbers[0] if numbers else None)
    return {"join": "and", "rules": [{"question": position, "test": test, "value": value}]}


@_staff
def staff_consultation(request, pk: int):
    consultation = _consultation(request, pk)
    if not services.can_manage(request.user, consultation):
        return render(request, "403.html", status=403)
    queue = list(selectors.moderation_queue(consultation=consultation)[:500])
    duplicates = []
    if 1 < len(queue) <= 2000:
        texts = [item.text for item in queue]
        duplicates = [
            (queue[i], queue[j], round(score, 2)) for i, j, score in grouping.near_duplicates(texts)
        ][:50]
    context = {
        "consultation": consultation,
        "queue": queue,
        "duplicates": duplicates,
        "proposals": selectors.proposals(consultation=consultation),
        "missing": services.missing_decisions(consultation),
        "draft_form": DraftForm(),
        "question_form": QuestionForm(),
        "entry_form": ProposalEntryForm(),
        "minutes_form": MinutesForm(
            initial={"minutes": consultation.minutes, "video_url": consultation.video_url}
        ),
        "report_form": ReportForm(),
        "questions": consultation.questions.all(),
        "removal_reasons": Comment.Removal.choices,
        "decisions": Comment.Decision.choices,
        "text_answers": Answer.objects.filter(
            question__consultation=consultation, question__kind__in=Question.TEXT
        )
        .exclude(text="")
        .order_by("-id")[:30]
        if consultation.kind == KIND.SURVEY and consultation.status in Consultation.AFTER_CLOSE
        else [],
    }
    return render(request, "consultations/staff_consultation.html", context)


@_staff
def staff_report_preview(request, pk: int):
    consultation = _consultation(request, pk)
    if not services.can_manage(request.user, consultation):
        return render(request, "403.html", status=403)
    document = report.build(consultation)
    if request.GET.get("format") == "pdf":
        return HttpResponse(report.render_pdf(document), content_type="application/pdf")
    return render(
        request,
        "consultations/report.html",
        {"consultation": consultation, "document": document, "preview": True},
    )


def _comment_of(request, consultation, name="comment"):
    pk = id_param(request.POST, name)
    item = Comment.objects.filter(consultation=consultation, pk=pk).first() if pk else None
    if item is None:
        raise Http404
    return item


@require_POST
@_staff
def staff_action(request, pk: int, action: str):
    consultation = _consultation(request, pk)
    user = request.user
    post = request.POST
    back = redirect("consultations:staff_consultation", consultation.pk)
    try:
        if action == "announce":
            services.announce_consultation(actor=user, consultation=consultation)
        elif action == "open":
            services.open_consultation(actor=user, consultation=consultation)
        elif action == "close":
            services.close_consultation(actor=user, consultation=consultation)
        elif action == "process":
            services.start_processing(actor=user, consultation=consultation)
        elif action == "publish":
            form = ReportForm(post)
            notice = form.cleaned_data["notice"] if form.is_valid() else ""
            services.publish_report(actor=user, consultation=consultation, notice=notice)
        elif action == "draft":
            form = DraftForm(post, request.FILES)
            if not form.is_valid():
                raise services.ValidationFailed(fields=form.errors)
            text = form.cleaned_data["text"]
            upload = form.cleaned_data["upload"]
            if upload:
                try:
                    text = drafts.upload_to_markdown(
                        upload.name, upload.read(drafts.UPLOAD_MAX + 1)
                    )
                except drafts.UnreadableDocument:
                    raise services.ValidationFailed(
                        _("The file could not be read: upload a DOCX, ODT or Markdown file.")
                    ) from None
            services.publish_version(
                actor=user, consultation=consultation, text=text, note=form.cleaned_data["note"]
            )
        elif action == "question":
            form = QuestionForm(post)
            if not form.is_valid():
                raise services.ValidationFailed(fields={k: v[0] for k, v in form.errors.items()})
            data = form.cleaned_data
            services.add_question(
                actor=user,
                consultation=consultation,
                kind=data["kind"],
                text=data["text"],
                required=data["required"],
                options=(data["options"] or "").splitlines(),
                rows=(data["rows"] or "").splitlines(),
                minimum=data["minimum"],
                maximum=data["maximum"],
                condition=_parse_condition(data),
            )
        elif action == "enter":
            form = ProposalEntryForm(post)
            if not form.is_valid():
                raise services.ValidationFailed(fields={k: v[0] for k, v in form.errors.items()})
            services.enter_proposal(
                staff=user,
                consultation=consultation,
                text=form.cleaned_data["text"],
                author_name=form.cleaned_data["author_name"],
                source=form.cleaned_data["source"],
                article_key=form.cleaned_data["article"],
            )
        elif action == "minutes":
            form = MinutesForm(post)
            if not form.is_valid():
                raise services.ValidationFailed(fields={k: v[0] for k, v in form.errors.items()})
            services.record_minutes(staff=user, consultation=consultation, **form.cleaned_data)
        elif action == "remove":
            services.remove_comment(
                moderator=user,
                comment=_comment_of(request, consultation),
                reason=post.get("reason", "")[:20],
                note=post.get("note", "")[:3000],
            )
        elif action == "reply":
            services.reply_to_comment(
                staff=user,
                comment=_comment_of(request, consultation),
                text=post.get("text", "")[:6000],
            )
        elif action == "proposal":
            services.mark_as_proposal(
                staff=user,
                comment=_comment_of(request, consultation),
                is_proposal=post.get("value") != "0",
            )
        elif action == "decide":
            ids = [id_param({"x": raw}, "x") for raw in post.getlist("comment")[:500]]
            rows = list(
                Comment.objects.filter(consultation=consultation, pk__in=[i for i in ids if i])
            )
            if not rows:
                raise Http404
            services.decide_proposals(
                staff=user,
                comments=rows,
                decision=post.get("decision", "")[:10],
                reason=post.get("reason", "")[:3000],
            )
        elif action == "merge":
            keep = _comment_of(request, consultation, "keep")
            other = _comment_of(request, consultation, "comment")
            services.merge_duplicates(moderator=user, keep=keep, duplicates=[other])
        elif action == "group":
            services.regroup_comments(staff=user, consultation=consultation)
        elif action == "survey-proposal":
            answer_id = id_param(post, "answer")
            answer = (
                Answer.objects.filter(question__consultation=consultation, pk=answer_id)
                .select_related("question__consultation")
                .first()
                if answer_id
                else None
            )
            if answer is None:
                raise Http404
            services.mark_survey_proposal(staff=user, answer=answer)
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, str(error))
        for field, message in (error.fields or {}).items():
            messages.error(request, f"{field}: {message}")
    else:
        messages.success(request, _("Done."))
    return back


def countdown(request, pk: int):
    """The seconds left, for the page's countdown to refresh without a reload."""
    consultation = _consultation(request, pk)
    return JsonResponse({"seconds_left": consultation.seconds_left})


def open_data(request):
    """The consultations data set (Resolution №835), CSV or JSON."""
    fmt = "json" if request.GET.get("format") == "json" else "csv"
    return export_response(
        selectors.open_data_rows(request.community),
        fields=selectors.OPEN_DATA_FIELDS,
        name="public-consultations",
        fmt=fmt,
    )
