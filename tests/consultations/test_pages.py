"""Pages: every page renders for visitors, residents and staff; forms post through services."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from hromada.consultations import services
from hromada.consultations.models import Comment, Response
from tests.consultations.conftest import close_now, open_survey
from tests.consultations.test_hearing import make_hearing
from tests.factories import client_for

pytestmark = pytest.mark.django_db


def test_public_pages(draft, resident, moderator, community):
    survey = open_survey(community, moderator, title="Опитування")
    hearing = make_hearing(community, moderator)
    services.add_comment(
        consultation=draft, resident=resident, text="<script>alert(1)</script>", article_key="st-1"
    )
    for client in (client_for(), client_for(resident), client_for(moderator)):
        for url in [
            reverse("consultations:list"),
            reverse("consultations:list")
            + "?when=open&kind=draft&topic=999999999999999999999&page=abc",
            draft.get_absolute_url(),
            reverse("consultations:article", args=[draft.pk, "st-1"]),
            survey.get_absolute_url(),
            hearing.get_absolute_url(),
            reverse("consultations:initiatives"),
        ]:
            response = client.get(url)
            assert response.status_code == 200, url
            assert "<script>alert(1)" not in response.text
    assert (
        client_for().get(reverse("consultations:article", args=[draft.pk, "nope"])).status_code
        == 404
    )
    assert client_for().get(reverse("consultations:report", args=[draft.pk])).status_code == 404


def test_comment_form(draft, resident):
    client = client_for(resident)
    url = reverse("consultations:comment", args=[draft.pk])
    response = client.post(
        url, {"text": "Пропоную зміни", "article": "st-2", "is_proposal": "on"}, follow=True
    )
    assert response.status_code == 200
    assert Comment.objects.get().is_proposal
    client.post(
        reverse("consultations:amend", args=[draft.pk]),
        {"article": "st-2", "replacement": "Новий текст"},
    )
    assert Comment.objects.filter(source="amendment").count() == 1
    anonymous = client_for().post(url, {"text": "x"})
    assert anonymous.status_code == 302 and "log-in" in anonymous["Location"]
    assert Comment.objects.count() == 2


def test_survey_form_and_results(community, moderator, resident):
    survey = open_survey(community, moderator, title="Опитування")
    client = client_for(resident)
    url = reverse("consultations:survey", args=[survey.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"q1": "0"})
    assert (
        response.status_code == 200
        and "q1_error" not in response.text
        and "q4_error" in response.text
    )
    assert not Response.objects.exists()
    client.post(url, {"q1": "0", "save": "1"})
    assert client.get(url).status_code == 200
    response = client.post(url, {"q1": "0", "q4": "3", "q2": ["0", "1"], "q9_r0": "1"}, follow=True)
    assert Response.objects.count() == 1
    results_url = reverse("consultations:results", args=[survey.pk])
    assert client.get(results_url).status_code == 403
    assert client_for(moderator).get(results_url + "?early=1").status_code == 200
    close_now(survey, moderator)
    page = client_for().get(results_url + "?by=settlement&q=1")
    assert page.status_code == 200 and "<svg" in page.text
    export = client_for(moderator).get(
        reverse("consultations:results_export", args=[survey.pk, "csv"])
    )
    assert export.status_code == 200
    spreadsheet = client_for(moderator).get(
        reverse("consultations:results_export", args=[survey.pk, "xlsx"])
    )
    assert spreadsheet.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(spreadsheet.streaming_content))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(values) == 2 and values[1][0] == Response.objects.get().pk
    assert (
        client_for(resident)
        .get(reverse("consultations:results_export", args=[survey.pk, "csv"]))
        .status_code
        == 403
    )


def test_staff_pages_and_report(draft, resident, moderator):
    client = client_for(moderator)
    services.add_comment(consultation=draft, resident=resident, text="Пропозиція", is_proposal=True)
    services.add_comment(
        consultation=draft, resident=resident, text="Пропозиція!", is_proposal=True
    )
    for url in [
        reverse("consultations:staff"),
        reverse("consultations:staff_new"),
        reverse("consultations:staff_consultation", args=[draft.pk]),
        reverse("consultations:staff_report", args=[draft.pk]),
    ]:
        assert client.get(url).status_code == 200, url
    assert client_for(resident).get(reverse("consultations:staff")).status_code == 403
    close_now(draft, moderator)
    ids = list(Comment.objects.values_list("pk", flat=True))
    action = lambda name: reverse("consultations:staff_action", args=[draft.pk, name])  # noqa: E731
    client.post(action("publish"))
    draft.refresh_from_db()
    assert draft.status == "closed"
    client.post(
        action("decide"), {"comment": ids, "decision": "rejected", "reason": "Не відповідає закону"}
    )
    client.post(action("publish"), {"notice": "Дякуємо"})
    draft.refresh_from_db()
    assert draft.status == "reported"
    for fmt in ("pdf", "csv", "json"):
        response = client_for().get(reverse("consultations:report_file", args=[draft.pk, fmt]))
        assert response.status_code == 200
    page = client_for().get(reverse("consultations:report", args=[draft.pk]))
    assert draft.report_sha256 in page.text


def test_other_community_is_not_found(draft, other_community):
    client = client_for(host="pivdenne.localhost")
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_survey_xlsx_quotes_formulas_and_drops_control_characters():
    from hromada.consultations.spreadsheet import xlsx_stream

    fields = ["response", "text & more", "=sum"]
    rows = [{"response": 7, "text & more": "<b>a</b>\x01", "=sum": "=HYPERLINK(1)"}]
    data = b"".join(xlsx_stream(rows, fields=fields, sheet="Відповіді: [1]"))
    sheet = load_workbook(io.BytesIO(data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values == [["response", "text & more", "'=sum"], [7, "<b>a</b>", "'=HYPERLINK(1)"]]
    assert sheet.title == "Відповіді   1 "
