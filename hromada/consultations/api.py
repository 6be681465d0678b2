"""REST API of consultations at /api/v1/consultations/: the same services as the pages."""

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from hromada.api import auth
from hromada.api.pagination import Pages
from hromada.api.types import Id
from hromada.consultations import report, results, selectors, services
from hromada.consultations.limits import over_limit
from hromada.consultations.models import COMMENT_MAX, Comment, Consultation
from hromada.core.errors import DomainError, NotFound, RateLimited, ValidationFailed

router = Router(tags=["consultations"])


class ConsultationOut(Schema):
    id: int
    uid: UUID
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    status: str
    status_label: str = Field(..., alias="get_status_display")
    title: str
    summary: str
    body: str
    legal_basis: str
    topic: str | None = None
    settlement: str | None = None
    opens_at: datetime
    closes_at: datetime
    seconds_left: int | None
    url: str = Field(..., alias="get_absolute_url")

    @staticmethod
    def resolve_topic(item: Consultation) -> str | None:
        return item.topic.name if item.topic_id else None

    @staticmethod
    def resolve_settlement(item: Consultation) -> str | None:
        return item.settlement.name if item.settlement_id else None


class ConsultationDetailOut(ConsultationOut):
    affected: str
    how_to_take_part: str
    anonymity: str
    hearing_at: datetime | None
    place: str
    online_link: str
    agenda: str
    capacity: int | None
    minutes: str
    video_url: str
    report_published_at: datetime | None
    report_sha256: str


class ArticleOut(Schema):
    key: str
    section: str
    heading: str
    text: str
    position: int
    comment_count: int = 0


class CommentOut(Schema):
    id: int
    article_key: str
    source: str
    author: str | None
    text: str | None
    replacement: str | None
    is_proposal: bool
    removed: str
    support_count: int
    oppose_count: int
    reply: str
    decision: str
    created_at: datetime

    @staticmethod
    def resolve_author(item: Comment) -> str | None:
        return None if item.removed else item.author_label

    @staticmethod
    def resolve_text(item: Comment) -> str | None:
        return None if item.removed else item.text

    @staticmethod
    def resolve_replacement(item: Comment) -> str | None:
        return None if item.removed else item.replacement


class CommentIn(Schema):
    text: str = Field(..., max_length=COMMENT_MAX * 2)
    article_key: str = Field("", max_length=80)
    is_proposal: bool = False
    replacement: str | None = Field(
        None, max_length=COMMENT_MAX * 2, description="An amendment: the article's new text."
    )


class SurveyQuestionOut(Schema):
    position: int
    kind: str
    text: str
    help_text: str
    required: bool
    options: list[str]
    rows: list[str]
    minimum: int | None
    maximum: int | None
    condition: dict[str, Any]


class AnswerIn(Schema):
    answers: dict[str, Any] = Field(..., description="Values by question position.")


class ResponseOut(Schema):
    consultation_id: int
    submitted_on: str


class ConsultationFilters(Schema):
    when: str = Field("", description="open, upcoming or closed")
    kind: str = Field("", description="draft, survey or hearing")
    topic: Id | None = None
    settlement: Id | None = None


def _viewer(request):
    user = getattr(request, "auth", None)
    return user if getattr(user, "is_authenticated", False) else None


def _throttle(request, action: str) -> None:
    if over_limit(request, action, user=request.auth):
        raise RateLimited()


def _get(request, pk: int) -> Consultation:
    return selectors.visible_consultation(
        community=request.community, pk=pk, viewer=_viewer(request)
    )


@router.get("/", response=list[ConsultationOut], auth=None, summary="Public consultations")
@paginate(Pages)
def list_consultations(request, filters: Query[ConsultationFilters]):
    errors = {}
    if filters.when and filters.when not in selectors.WHEN:
        errors["when"] = _("Unknown period.")
    if filters.kind and filters.kind not in Consultation.Kind.values:
        errors["kind"] = _("Unknown form.")
    if errors:
        raise ValidationFailed(fields=errors)
    return selectors.public_consultations(
        community=request.community,
        when=filters.when,
        kind=filters.kind,
        topic=filters.topic,
        settlement=filters.settlement,
    )


@router.get("/{int:consultation_id}", response=ConsultationDetailOut, auth=auth.optional)
def consultation_detail(request, consultation_id: Id):
    return _get(request, consultation_id)


@router.get(
    "/{int:consultation_id}/articles",
    response=list[ArticleOut],
    auth=auth.optional,
    summary="The current draft's articles with comment counts",
)
def articles(request, consultation_id: Id):
    consultation = _get(request, consultation_id)
    return selectors.articles_with_counts(services.current_version(consultation))


@router.get(
    "/{int:consultation_id}/comments",
    response=list[CommentOut],
    auth=auth.optional,
    summary="Comments, amendments and proposals",
)
@paginate(Pages)
def comments(request, consultation_id: Id, article: str | None = Query(None, max_length=80)):
    consultation = _get(request, consultation_id)
    return selectors.comments(consultation=consultation, article_key=article)


@router.post(
    "/{int:consultation_id}/comments",
    response={201: CommentOut},
    auth=auth.required,
    summary="Comment, propose or amend",
)
def create_comment(request, consultation_id: Id, payload: CommentIn):
    _throttle(request, "comment")
    consultation = _get(request, consultation_id)
    if payload.replacement is not None:
        comment = services.propose_amendment(
            consultation=consultation,
            resident=request.auth,
            article_key=payload.article_key,
            replacement=payload.replacement,
            text=payload.text,
        )
    else:
        comment = services.add_comment(
            consultation=consultation,
            resident=request.auth,
            text=payload.text,
            article_key=payload.article_key,
            is_proposal=payload.is_proposal,
        )
    return Status(201, comment)


@router.get(
    "/{int:consultation_id}/survey",
    response=list[SurveyQuestionOut],
    auth=auth.optional,
    summary="The survey's questions and conditions",
)
def survey_schema(request, consultation_id: Id):
    consultation = _get(request, consultation_id)
    if consultation.kind != Consultation.Kind.SURVEY:
        raise services.ConsultationNotFound()
    return list(consultation.questions.all())


@router.post(
    "/{int:consultation_id}/survey/responses",
    response={201: ResponseOut},
    auth=auth.required,
    summary="Answer the survey (one response per resident)",
)
def answer_survey(request, consultation_id: Id, payload: AnswerIn):
    _throttle(request, "answer")
    # Answering reads only what it needs of the consultation: the survey as
    # this worker saw it open, if it did (see the page's view).
    viewer = _viewer(request)
    consultation = selectors.survey_to_answer(
        community=request.community, pk=consultation_id, viewer=viewer, remembered=True
    )
    if len(json.dumps(payload.answers, default=str)) > 200_000:
        raise ValidationFailed(fields={"answers": _("The response is too long.")})
    while True:
        try:
            response = services.submit_response(
                consultation=consultation, resident=request.auth, answers=payload.answers
            )
        except DomainError as error:
            # Refused as this worker saw the survey: checked again, read afresh.
            if not consultation.remembered or isinstance(error, services.AlreadyAnswered):
                raise
            consultation = selectors.survey_to_answer(
                community=request.community, pk=consultation_id, viewer=viewer
            )
        else:
            break
    return Status(
        201, {"consultation_id": consultation.pk, "submitted_on": response.submitted_on.isoformat()}
    )


@router.get(
    "/{int:consultation_id}/results",
    response=dict[str, Any],
    auth=auth.optional,
    summary="Survey results (after the survey closes)",
)
def survey_results(request, consultation_id: Id):
    consultation = _get(request, consultation_id)
    if consultation.kind != Consultation.Kind.SURVEY:
        raise services.ConsultationNotFound()
    services.check_results_visible(consultation=consultation, viewer=_viewer(request))
    figures = results.compute(consultation)
    return {
        "responses": figures["total"],
        "questions": [
            {
                "position": item["question"].position,
                "text": item["question"].text,
                "kind": item["question"].kind,
                "respondents": item["respondents"],
                "counts": [[str(label), count] for label, count in item["bars"]],
                "matrix": [[str(label), counts] for label, counts in item["matrix"]],
                "mean": item.get("mean"),
                "texts": [text for _id, text in item["texts"]],
            }
            for item in figures["questions"]
        ],
    }


@router.get(
    "/{int:consultation_id}/report",
    response=dict[str, Any],
    auth=None,
    summary="The published report and its SHA-256",
)
def consultation_report(request, consultation_id: Id):
    consultation = _get(request, consultation_id)
    if consultation.status != Consultation.Status.REPORTED:
        raise NotFound(_("The report is not published yet."))
    return {"sha256": consultation.report_sha256, "report": report.document_of(consultation)}
