"""API /api/v1/consultations/: the same services, the project's error shape."""

import pytest

from hromada.consultations import services
from hromada.consultations.models import Comment, Response
from tests.consultations.conftest import close_now, open_survey
from tests.consultations.test_survey import FULL
from tests.factories import client_for

pytestmark = pytest.mark.django_db
BASE = "/api/v1/consultations"


def test_list_detail_articles(draft, resident):
    client = client_for()
    listed = client.get(f"{BASE}/").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == draft.pk
    assert client.get(f"{BASE}/?when=never").json()["error"]["code"] == "validation"
    assert client.get(f"{BASE}/{draft.pk}").json()["legal_basis"]
    keys = [a["key"] for a in client.get(f"{BASE}/{draft.pk}/articles").json()]
    assert "st-1" in keys
    assert client.get(f"{BASE}/99999999999999999999999").status_code in (404, 422)
    assert client.get(f"{BASE}/123456").json()["error"]["code"] == "consultation_not_found"


def test_comment_create_and_errors(draft, resident):
    client = client_for(resident)
    url = f"{BASE}/{draft.pk}/comments"
    response = client.post(
        url, {"text": "Через API", "article_key": "st-1"}, content_type="application/json"
    )
    assert response.status_code == 201
    amendment = client.post(
        url,
        {"text": "", "article_key": "st-1", "replacement": "Інший текст"},
        content_type="application/json",
    )
    assert amendment.status_code == 201 and amendment.json()["source"] == "amendment"
    bad = client.post(url, {"text": "x", "article_key": "nope"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation"
    anonymous = client_for().post(url, {"text": "x"}, content_type="application/json")
    assert anonymous.status_code in (401, 403)
    assert Comment.objects.count() == 2
    listed = client_for().get(url).json()
    assert listed["count"] == 2


def test_survey_answer_and_results(community, moderator, resident):
    survey = open_survey(community, moderator, title="API")
    client = client_for(resident)
    schema = client_for().get(f"{BASE}/{survey.pk}/survey").json()
    assert len(schema) == 10
    url = f"{BASE}/{survey.pk}/survey/responses"
    response = client.post(
        url, {"answers": {str(k): v for k, v in FULL.items()}}, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    again = client.post(url, {"answers": {"1": 0, "4": 3}}, content_type="application/json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "survey_already_answered"
    wrong = client_for(moderator).post(
        url, {"answers": {"1": 9, "4": 3}}, content_type="application/json"
    )
    assert wrong.json()["error"]["code"] == "validation" and "1" in wrong.json()["error"]["fields"]
    assert Response.objects.count() == 1
    hidden = client_for().get(f"{BASE}/{survey.pk}/results")
    assert hidden.status_code == 403 and hidden.json()["error"]["code"] == "survey_results_hidden"
    close_now(survey, moderator)
    assert client_for().get(f"{BASE}/{survey.pk}/results").json()["responses"] == 1


def test_report(draft, moderator):
    assert client_for().get(f"{BASE}/{draft.pk}/report").status_code == 404
    closed = close_now(draft, moderator)
    services.publish_report(actor=moderator, consultation=closed)
    body = client_for().get(f"{BASE}/{draft.pk}/report").json()
    assert len(body["sha256"]) == 64 and body["report"]["counts"]["received"] == 0


def test_other_community(draft, other_community):
    assert client_for(host="pivdenne.localhost").get(f"{BASE}/{draft.pk}").status_code == 404
