"""How a survey response is written: every value as checked, all or nothing, once."""

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.db import transaction
from django.urls import reverse

from hromada.consultations import selectors, services, survey
from hromada.consultations.models import Answer, Consultation, Response, ResponseKey
from hromada.core.errors import ValidationFailed
from hromada.core.models import CommunityLink, Identity, Settlement, Street
from tests.consultations.conftest import close_now, make_consultation, open_survey
from tests.factories import client_for, make_resident

pytestmark = pytest.mark.django_db

FULL = {
    1: 2,
    2: [0, 2],
    3: [2, 0, 1],
    4: 4,
    5: 12.5,
    6: "2026-11-30",
    7: "Центр",
    8: "Рідко, бо \"далеко\"; it's 5 km \\ O'Brien'); DROP TABLE x; --\nдругий рядок",
    9: {0: 1, 1: 0},
    10: {0: [0, 1], 1: [1]},
}


def stored(response_id: int) -> list[tuple]:
    rows = Answer.objects.filter(response_id=response_id).values_list(
        "question_id", "row", "option", "number", "day", "text"
    )
    return sorted(rows, key=repr)


def test_every_value_is_stored_as_checked(open_survey_identified, resident):
    """Each answer row holds exactly what the checks produced; quotes and backslashes intact."""
    questions = survey.questions_of(open_survey_identified)
    expected = sorted(survey.clean_values(questions, FULL), key=repr)
    response = services.submit_response(
        consultation=open_survey_identified, resident=resident, answers=FULL
    )
    assert stored(response.pk) == expected
    assert len(expected) == 16
    texts = {row[5] for row in expected if row[5]}
    assert FULL[8].strip() in texts and "Центр" in texts
    assert date(2026, 11, 30) in {row[4] for row in expected}
    row = Response.objects.get()
    assert row.pk == response.pk and row.resident_id == resident.pk
    assert (row.age_group, row.submitted_on) == (response.age_group, response.submitted_on)


def test_clean_answers_still_gives_model_rows(open_survey_identified):
    """The model-row form of the checks holds the same values, tied to the questions."""
    questions = survey.questions_of(open_survey_identified)
    rows = survey.clean_answers(questions, FULL)
    values = [(a.question_id, a.row, a.option, a.number, a.day, a.text) for a in rows]
    assert values == survey.clean_values(questions, FULL)
    assert all(a.question in questions for a in rows)


def test_settlement_comes_from_the_residents_street(community, moderator):
    """The response keeps the settlement of the resident's street; no street, none."""
    consultation = open_survey(community, moderator)
    village = Settlement.objects.create(community=community, name="Малодолинське", kind="village")
    street = Street.objects.create(settlement=village, name="вулиця Шкільна")
    villager = make_resident(community, level=Identity.EMAIL, link=None)
    CommunityLink.objects.create(
        resident=villager, community=community, kind="lives", street=street, house="3"
    )
    unplaced = make_resident(community, level=Identity.EMAIL, link=None)
    first = services.submit_response(consultation=consultation, resident=villager, answers=FULL)
    second = services.submit_response(consultation=consultation, resident=unplaced, answers=FULL)
    assert first.settlement_id == village.pk and second.settlement_id is None
    assert dict(Response.objects.values_list("pk", "settlement_id")) == {
        first.pk: village.pk,
        second.pk: None,
    }


@pytest.mark.parametrize("anonymous", [False, True])
def test_second_response_refused_and_nothing_more_stored(community, moderator, resident, anonymous):
    """The unique constraint refuses the second response; no row of it stays."""
    consultation = open_survey(community, moderator, anonymous=anonymous)
    services.submit_response(consultation=consultation, resident=resident, answers=FULL)
    counts = (Response.objects.count(), Answer.objects.count(), ResponseKey.objects.count())
    with pytest.raises(services.AlreadyAnswered) as caught:
        services.submit_response(
            consultation=consultation, resident=resident, answers={**FULL, 7: "інша"}
        )
    assert caught.value.code == "survey_already_answered"
    assert (Response.objects.count(), Answer.objects.count(), ResponseKey.objects.count()) == counts
    assert not Answer.objects.filter(text="інша").exists()
    assert ResponseKey.objects.count() == (1 if anonymous else 0)
    assert Response.objects.get().resident_id == (None if anonymous else resident.pk)


def test_refusal_leaves_the_callers_transaction_usable(open_survey_identified, resident):
    """Inside a caller's transaction the refused response rolls back alone."""
    with transaction.atomic():
        services.submit_response(
            consultation=open_survey_identified, resident=resident, answers=FULL
        )
        with pytest.raises(services.AlreadyAnswered):
            services.submit_response(
                consultation=open_survey_identified, resident=resident, answers=FULL
            )
        assert Response.objects.count() == 1
    assert Answer.objects.count() == 16


@pytest.mark.parametrize(
    "bad",
    [{2: [0, 3]}, {10: {1: [5]}}, {9: {0: 1, 1: 7}}, {7: "x" * 301}, {4: None}],
)
def test_one_bad_value_refuses_the_whole_response(open_survey_identified, resident, bad):
    """An option that does not exist, too long a text or a missing required answer: nothing."""
    with pytest.raises(ValidationFailed) as caught:
        services.submit_response(
            consultation=open_survey_identified, resident=resident, answers={**FULL, **bad}
        )
    assert set(caught.value.fields) == {str(next(iter(bad)))}
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_closed_survey_refuses(open_survey_identified, resident, moderator):
    close_now(open_survey_identified, moderator)
    with pytest.raises(services.NotOpen):
        services.submit_response(
            consultation=open_survey_identified, resident=resident, answers=FULL
        )
    assert not Response.objects.exists()


def test_a_response_with_no_answers_is_one_row(community, moderator, resident):
    """Nothing required, nothing given: the response is counted with no answer rows."""
    consultation = open_survey(
        community, moderator, questions=[{"kind": "short", "text": "Ваша зупинка"}]
    )
    services.submit_response(consultation=consultation, resident=resident, answers={})
    assert Response.objects.count() == 1 and not Answer.objects.exists()


def test_more_rows_than_one_statement_takes(community, moderator, resident):
    """A response longer than one INSERT's batch is stored whole."""
    rows = [f"Рядок {n}" for n in range(50)]
    consultation = open_survey(
        community,
        moderator,
        questions=[
            {"kind": "matrix_multiple", "text": "Коли?", "options": ["А", "Б", "В"], "rows": rows}
        ],
    )
    answers = {1: {n: [0, 1, 2] for n in range(50)}}
    response = services.submit_response(
        consultation=consultation, resident=resident, answers=answers
    )
    assert Answer.objects.filter(response_id=response.pk).count() == 150


def test_posting_the_page(community, moderator, resident):
    """
    A stored answer redirects with thanks; a second post goes to the same page,
    refused; a wrong one shows the form again, its values escaped.
    """
    consultation = open_survey(community, moderator, title="Опитування про маршрути")
    url = reverse("consultations:survey", args=[consultation.pk])
    form = {"q1": "0", "q4": "3", "q2": ["0", "1"], "q9_r0": "1", "q7": "<b>Центр</b>"}
    client = client_for(resident)
    response = client.post(url, form)
    assert response.status_code == 302 and response["Location"] == consultation.get_absolute_url()
    assert Answer.objects.filter(text="<b>Центр</b>").exists()
    again = client.post(url, form)
    assert again.status_code == 302 and again["Location"] == consultation.get_absolute_url()
    said = [(m.level_tag, str(m)) for m in get_messages(again.wsgi_request)]
    assert said[-1] == ("error", str(services.AlreadyAnswered()))
    page = client.get(again["Location"])
    assert str(services.AlreadyAnswered()) in page.text
    assert Response.objects.count() == 1
    wrong = client_for(make_resident(community, level=Identity.EMAIL)).post(
        url, {**form, "q4": "9"}
    )
    assert wrong.status_code == 200 and "Опитування про маршрути" in wrong.text
    assert "<b>Центр</b>" not in wrong.text and "&lt;b&gt;Центр&lt;/b&gt;" in wrong.text
    assert Response.objects.count() == 1


def test_posting_to_a_closed_draft_or_foreign_survey(community, other_community, moderator):
    """Closed: the page again, nothing stored; a draft or another community's: not found."""
    resident = make_resident(community, level=Identity.EMAIL)
    closed = close_now(open_survey(community, moderator), moderator)
    page = client_for(resident).post(
        reverse("consultations:survey", args=[closed.pk]), {"q1": "0", "q4": "3"}
    )
    assert page.status_code == 200 and not Response.objects.exists()
    draft = make_consultation(community, moderator, Consultation.Kind.SURVEY)
    url = reverse("consultations:survey", args=[draft.pk])
    assert client_for(resident).post(url, {"q1": "0"}).status_code == 404
    assert client_for(moderator).post(url, {"q1": "0"}).status_code == 200
    stranger = make_resident(other_community, level=Identity.EMAIL)
    foreign = client_for(stranger, host="pivdenne.localhost").post(
        reverse("consultations:survey", args=[closed.pk]), {"q1": "0"}
    )
    assert foreign.status_code == 404


def test_answering_through_the_api(community, other_community, moderator, resident):
    """The API stores the same rows; a closed survey or another community's is refused."""
    consultation = open_survey(community, moderator)
    url = f"/api/v1/consultations/{consultation.pk}/survey/responses"
    body = {"answers": {str(k): v for k, v in FULL.items()}}
    created = client_for(resident).post(url, body, content_type="application/json")
    assert created.status_code == 201 and created.json()["consultation_id"] == consultation.pk
    questions = survey.questions_of(consultation)
    expected = sorted(survey.clean_values(questions, FULL), key=repr)
    assert stored(Response.objects.get().pk) == expected
    stranger = make_resident(other_community, level=Identity.EMAIL)
    foreign = client_for(stranger, host="pivdenne.localhost").post(
        url, body, content_type="application/json"
    )
    assert foreign.status_code == 404
    close_now(consultation, moderator)
    late = client_for(make_resident(community, level=Identity.EMAIL)).post(
        url, body, content_type="application/json"
    )
    assert late.status_code == 409 and late.json()["error"]["code"] == "consultation_not_open"
    assert Response.objects.count() == 1


def test_the_statement_stores_nothing_unless_the_row_says_open(community, moderator, resident):
    """The survey as a caller last saw it open, closed since: refused, nothing stored."""
    consultation = open_survey(community, moderator)
    seen = Consultation.objects.get(pk=consultation.pk)
    close_now(consultation, moderator)
    with pytest.raises(services.NotOpen):
        services.submit_response(consultation=seen, resident=resident, answers=FULL)
    anonymous = open_survey(community, moderator, anonymous=True)
    seen = Consultation.objects.get(pk=anonymous.pk)
    seen.anonymity = Consultation.Anonymity.IDENTIFIED  # not as the row says: refused
    with pytest.raises(services.NotOpen):
        services.submit_response(consultation=seen, resident=resident, answers=FULL)
    assert not Response.objects.exists() and not Answer.objects.exists()
    assert not ResponseKey.objects.exists()


def test_a_survey_closed_after_a_worker_saw_it_open(community, moderator, resident):
    """The page and the API read the survey afresh when the remembered one is refused."""
    consultation = open_survey(community, moderator)
    url = reverse("consultations:survey", args=[consultation.pk])
    form = {"q1": "0", "q4": "3"}
    first = client_for(make_resident(community, level=Identity.EMAIL)).post(url, form)
    assert first.status_code == 302
    assert (community.pk, consultation.pk) in selectors._OPEN
    close_now(consultation, moderator)
    page = client_for(resident).post(url, form)
    assert page.status_code == 200 and Response.objects.count() == 1
    said = [str(m) for m in get_messages(page.wsgi_request)]
    assert said == [str(services.NotOpen(status=Consultation.Status.CLOSED.label))]
    assert (community.pk, consultation.pk) not in selectors._OPEN
    reopened = open_survey(community, moderator)
    api = f"/api/v1/consultations/{reopened.pk}/survey/responses"
    body = {"answers": {"1": 0, "4": 3}}
    client = client_for(resident)
    assert client.post(api, body, content_type="application/json").status_code == 201
    close_now(reopened, moderator)
    late = client_for(make_resident(community, level=Identity.EMAIL)).post(
        api, body, content_type="application/json"
    )
    assert late.status_code == 409 and late.json()["error"]["code"] == "consultation_not_open"
    assert Response.objects.count() == 2
