"""Surveys: every question type, conditions, one response, anonymity, results."""

import json

import pytest

from hromada.consultations import results, services, survey
from hromada.consultations.models import Answer, Consultation, Question, Response, ResponseKey
from hromada.core.errors import ValidationFailed
from hromada.core.models import AuditEntry, Identity
from tests.consultations.conftest import close_now, open_survey
from tests.factories import make_resident

pytestmark = pytest.mark.django_db

FULL = {
    1: 0,
    2: [0, 2],
    3: [2, 0, 1],
    4: 4,
    5: 12,
    6: "2026-11-30",
    7: "Центр",
    9: {0: 1, 1: 0},
    10: {0: [0, 1], 1: [1]},
}


def test_every_type_is_stored(open_survey_identified, resident):
    response = services.submit_response(
        consultation=open_survey_identified, resident=resident, answers=FULL
    )
    kinds = set(Answer.objects.filter(response=response).values_list("question__kind", flat=True))
    assert kinds == set(Question.Kind.values) - {"long"}
    # Multiple choice: a row per option chosen; ranking keeps the order.
    ranks = dict(
        Answer.objects.filter(response=response, question__kind="ranking").values_list(
            "option", "number"
        )
    )
    assert ranks == {2: 1.0, 0: 2.0, 1: 3.0}


def test_required_and_conditional(open_survey_identified, resident):
    """'Why rarely?' is required only when shown (answer 'Рідко'); hidden never blocks."""
    with pytest.raises(ValidationFailed) as caught:
        services.submit_response(
            consultation=open_survey_identified, resident=resident, answers={**FULL, 1: 2}
        )
    assert set(caught.value.fields) == {"8"}
    # A hidden question's answer is dropped.
    response = services.submit_response(
        consultation=open_survey_identified, resident=resident, answers={**FULL, 8: "не показано"}
    )
    assert not Answer.objects.filter(response=response, question__position=8).exists()


@pytest.mark.parametrize(
    "bad",
    [
        {1: 7},
        {1: "abc"},
        {1: True},
        {2: [0, 0]},
        {4: 9},
        {4: 2.5},
        {5: "nan"},
        {5: 1e308},
        {6: "not a date"},
        {7: "x" * 301},
        {9: {5: 0}},
        {99: 1},
        {"abc": 1},
    ],
)
def test_bad_answers_store_nothing(open_survey_identified, resident, bad):
    with pytest.raises(ValidationFailed):
        services.submit_response(
            consultation=open_survey_identified, resident=resident, answers={**FULL, **bad}
        )
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_or_and_any_of_conditions():
    q = Question(
        position=3,
        kind="short",
        text="?",
        condition={
            "join": "or",
            "rules": [
                {"question": 1, "test": "any_of", "value": [1, 2]},
                {"question": 2, "test": "not_equals", "value": 0},
            ],
        },
    )
    assert survey.is_shown(q, {1: 2, 2: 0})
    assert survey.is_shown(q, {1: 0, 2: 1})
    assert not survey.is_shown(q, {1: 0, 2: 0})
    q.condition["join"] = "and"
    assert not survey.is_shown(q, {1: 2, 2: 0})
    assert survey.is_shown(q, {1: 2, 2: 1})


def test_identified_one_response(open_survey_identified, resident):
    services.submit_response(consultation=open_survey_identified, resident=resident, answers=FULL)
    with pytest.raises(services.AlreadyAnswered):
        services.submit_response(
            consultation=open_survey_identified, resident=resident, answers=FULL
        )
    assert Response.objects.count() == 1


def test_anonymous_one_response_and_no_link(anonymous_survey, resident, community, moderator):
    services.submit_response(consultation=anonymous_survey, resident=resident, answers=FULL)
    with pytest.raises(services.AlreadyAnswered):
        services.submit_response(consultation=anonymous_survey, resident=resident, answers=FULL)
    assert Response.objects.count() == 1 and Answer.objects.count() > 0
    response = Response.objects.get()
    assert response.resident_id is None
    # Nothing in the response, the keys, the audit log or the export names the resident.
    key = ResponseKey.objects.get()
    assert len(key.key) == 64
    assert not AuditEntry.objects.filter(actor=resident).exists()
    # No column leads from a key to a response or from a response to a person.
    assert {f.name for f in ResponseKey._meta.concrete_fields} == {"id", "consultation", "key"}
    close_now(anonymous_survey, moderator)
    fields, rows = results.export_rows(anonymous_survey)
    text = json.dumps(list(rows), ensure_ascii=False, default=str)
    assert resident.full_name not in text and resident.email not in text
    # Another survey gives an unrelated key for the same person.
    other = open_survey(community, moderator, anonymous=True, title="Інше")
    assert services.response_key(other, resident) != key.key


def test_closed_survey_refuses(open_survey_identified, resident, moderator):
    close_now(open_survey_identified, moderator)
    open_survey_identified.refresh_from_db()
    with pytest.raises(services.NotOpen):
        services.submit_response(
            consultation=open_survey_identified, resident=resident, answers=FULL
        )


def test_results_hidden_until_close_and_early_look_audited(
    open_survey_identified, moderator, resident
):
    with pytest.raises(services.ResultsHidden):
        services.check_results_visible(consultation=open_survey_identified, viewer=moderator)
    with pytest.raises(services.ResultsHidden):
        services.check_results_visible(
            consultation=open_survey_identified, viewer=resident, early=True
        )
    services.check_results_visible(
        consultation=open_survey_identified, viewer=moderator, early=True
    )
    assert AuditEntry.objects.filter(action="consultation.results_viewed_early").count() == 1
    close_now(open_survey_identified, moderator)
    open_survey_identified.refresh_from_db()
    services.check_results_visible(consultation=open_survey_identified, viewer=None)


def test_results_count_each_option(open_survey_identified, community, moderator):
    for _ in range(3):
        services.submit_response(
            consultation=open_survey_identified,
            resident=make_resident(community, level=Identity.EMAIL),
            answers=FULL,
        )
    figures = results.compute(open_survey_identified)
    assert figures["total"] == 3
    by_position = {item["question"].position: item for item in figures["questions"]}
    assert by_position[2]["bars"] == [("№1", 3), ("№2", 0), ("№3", 3)]
    assert by_position[4]["mean"] == 4
    assert by_position[9]["matrix"] == [("№1", [0, 3]), ("№2", [3, 0])]
    assert by_position[3]["ranks"][0] == ("Комфорт", 1.0)


def test_closing_keeps_the_figures_ready(
    open_survey_identified, community, moderator, django_capture_on_commit_callbacks
):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        services.submit_response(
            consultation=open_survey_identified,
            resident=make_resident(community, level=Identity.EMAIL),
            answers=FULL,
        )
    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        closed = close_now(open_survey_identified, moderator)
    closed.refresh_from_db()
    with CaptureQueriesContext(connection) as captured:
        figures = results.compute(closed)
    assert figures["total"] == 2 and not captured.captured_queries
    results.store(closed)  # idempotent
    cache.clear()  # evicted: the first reader builds them again
    assert results.compute(closed)["total"] == 2


def test_suppression_is_complementary():
    table = [[3, 20, 30], [15, 12, 40]]
    shown = results.suppress(table)
    assert shown[0][0] is None
    # The row and the column of the small cell each lose one more cell.
    assert sum(cell is None for cell in shown[0]) >= 2
    assert sum(shown[r][0] is None for r in range(2)) >= 2
    for line in shown:
        assert sum(cell is None for cell in line) != 1
    for c in range(3):
        assert sum(shown[r][c] is None for r in range(2)) != 1


def test_crosstab_suppresses(open_survey_identified, community):
    for _ in range(3):
        services.submit_response(
            consultation=open_survey_identified,
            resident=make_resident(community, level=Identity.EMAIL),
            answers=FULL,
        )
    question = open_survey_identified.questions.get(position=1)
    table = results.crosstab(open_survey_identified, question, "settlement")
    assert all(
        cell is None or cell >= 10 or cell == 0 for _o, cells, _t in table["rows"] for cell in cells
    )


def test_export_streams_every_response(open_survey_identified, community, moderator):
    for _ in range(5):
        services.submit_response(
            consultation=open_survey_identified,
            resident=make_resident(community, level=Identity.EMAIL),
            answers=FULL,
        )
    fields, rows = results.export_rows(open_survey_identified)
    rows = list(rows)
    assert len(rows) == 5
    assert rows[0][fields[5]] == "№1; №3"


def test_survey_proposal_keeps_respondent_unknown(anonymous_survey, resident, moderator):
    services.submit_response(
        consultation=anonymous_survey,
        resident=resident,
        answers={**FULL, 1: 2, 8: "Додати рейс о 6:00"},
    )
    close_now(anonymous_survey, moderator)
    answer = Answer.objects.get(question__position=8)
    proposal = services.mark_survey_proposal(staff=moderator, answer=answer)
    assert proposal.resident_id is None and proposal.is_proposal
    assert Consultation.objects.get(pk=anonymous_survey.pk).status == "closed"
