"""Training pages and API: who sees what, what the browser gets, bad input."""

from __future__ import annotations

import json
import re

import pytest
from django.test import override_settings

from hromada.core.models import Department, StaffRole
from hromada.training import services
from hromada.training.models import Answer, Certificate, Lesson, Question
from tests.factories import client_for, make_resident, make_staff
from tests.training.conftest import finish_lessons, right_raw

pytestmark = pytest.mark.django_db


def passed_certificate(course, person) -> Certificate:
    finish_lessons(course, person)
    attempt = services.start_attempt(course=course, resident=person)
    questions = Question.objects.in_bulk(attempt.questions)
    services.submit_attempt(
        attempt=attempt,
        resident=person,
        responses={pk: right_raw(q) for pk, q in questions.items()},
    )
    return Certificate.objects.get(resident=person)


def test_catalogue_course_and_lesson_pages(course, staff):
    client = client_for(staff)
    page = client.get("/training/")
    assert page.status_code == 200 and course.title in page.content.decode()
    assert client.get(course.get_absolute_url()).status_code == 200
    lesson = course.lessons.get(position=1)
    assert client.get(lesson.get_absolute_url()).status_code == 200
    answer = client.post(lesson.get_absolute_url(), {"check": "1"})
    assert answer.status_code == 200 and not lesson.progress.exists()
    done = client.post(lesson.get_absolute_url(), {"check": "2"})
    assert done.status_code == 302 and lesson.progress.filter(resident=staff).exists()


def test_a_course_for_staff_is_hidden_from_residents(course, community):
    resident = make_resident(community)
    assert course.title not in client_for(resident).get("/training/").content.decode()
    assert client_for(resident).get(course.get_absolute_url()).status_code == 404
    assert client_for().get(course.get_absolute_url()).status_code == 404


def test_script_in_a_lesson_is_stripped(course, staff):
    lesson = Lesson.objects.create(
        course=course,
        position=9,
        title="XSS",
        body="<script>alert(1)</script>\n\n[click](javascript:alert(2)) "
        "<img src=x onerror=alert(3)> ![i](javascript:alert(4)) ![ok](/media/a.png)",
    )
    html = client_for(staff).get(lesson.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert 'href="javascript:' not in html and 'src="javascript:' not in html
    assert not re.search(r"<[^>]*\sonerror", html)
    assert '<img src="/media/a.png"' in html


def test_video_links_become_embeds_of_known_providers_only():
    from hromada.training.content import embed_url

    assert embed_url("https://www.youtube.com/watch?v=dQw4w9WgXcQ") == (
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    )
    assert embed_url("https://vimeo.com/123456") == "https://player.vimeo.com/video/123456"
    assert embed_url("javascript:alert(1)") is None
    assert embed_url("https://evil.example/watch?v=abc") is None


def test_the_test_page_carries_no_right_answer(course, staff, questions):
    short = next(q for q in questions if q.kind == "short")
    short.data = {"variants": ["ЗОВСІМ-СЕКРЕТНА-ВІДПОВІДЬ"]}
    short.save()
    numeric = next(q for q in questions if q.kind == "numeric")
    numeric.data = {"value": 987654, "tolerance": 0}
    numeric.save()
    finish_lessons(course, staff)
    client = client_for(staff)
    response = client.post(f"/training/courses/{course.pk}/start/")
    attempt_url = response["Location"]
    html = client.get(attempt_url).content.decode()
    assert "ЗОВСІМ-СЕКРЕТНА-ВІДПОВІДЬ" not in html
    assert "987654" not in html
    assert '"correct"' not in html and "correct" not in html.lower().replace("incorrect", "")
    # The same draw and the same order of options on reload.
    fields = re.compile(r'name="(q[^"]+)"(?: value="([^"]*)")?')
    again = client.get(attempt_url).content.decode()
    assert fields.findall(again) == fields.findall(html) != []


def test_answers_saved_as_you_go_and_submitted_once(course, staff, questions):
    finish_lessons(course, staff)
    client = client_for(staff)
    attempt = services.start_attempt(course=course, resident=staff)
    own = Question.objects.get(pk=attempt.questions[0])
    foreign = next(q for q in questions if q.pk not in attempt.questions)
    bad = client.post(
        f"/training/attempts/{attempt.pk}/answer/", {"question": foreign.pk, f"q{foreign.pk}": "a"}
    )
    assert bad.status_code == 400
    assert json.loads(bad.content)["error"]["code"] == "training_question_not_in_attempt"
    assert not Answer.objects.filter(attempt=attempt).exists()
    data = {"question": own.pk}
    shown = __import__("hromada.training.grading", fromlist=["x"]).public_question(
        own, attempt.seed
    )
    raw = right_raw(own)
    if own.kind == "matching":
        data.update({f"q{own.pk}-{k}": v for k, v in raw.items()})
    elif own.kind == "ordering":
        data.update({f"q{own.pk}-{item}": n for n, item in enumerate(raw, start=1)})
    else:
        data[f"q{own.pk}"] = raw
    saved = client.post(f"/training/attempts/{attempt.pk}/answer/", data)
    assert saved.status_code == 200, saved.content
    assert json.loads(saved.content) == {"saved": True}
    assert Answer.objects.filter(attempt=attempt, question=own).exists()
    assert shown["id"] == own.pk
    first = client.post(f"/training/attempts/{attempt.pk}/submit/", {})
    second = client.post(f"/training/attempts/{attempt.pk}/submit/", {})
    assert first.status_code == second.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == "submitted"
    assert client.get(f"/training/attempts/{attempt.pk}/").status_code == 200


def test_another_persons_attempt_is_not_found(course, staff, community, department):
    finish_lessons(course, staff)
    attempt = services.start_attempt(course=course, resident=staff)
    other = make_staff(community, StaffRole.Role.STAFF, department)
    client = client_for(other)
    assert client.get(f"/training/attempts/{attempt.pk}/").status_code == 404
    assert client.post(f"/training/attempts/{attempt.pk}/submit/", {}).status_code == 404


def test_certificate_pdf_and_public_verification(course, staff, community, department):
    certificate = passed_certificate(course, staff)
    pdf = client_for(staff).get(f"/training/certificates/{certificate.code}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    other = make_staff(community, StaffRole.Role.STAFF, department)
    assert (
        client_for(other).get(f"/training/certificates/{certificate.code}.pdf").status_code == 404
    )
    page = client_for().get(f"/training/verify/{certificate.display_code}/")
    html = page.content.decode()
    assert page.status_code == 200 and certificate.holder_name in html
    assert staff.email not in html
    assert client_for().get("/training/verify/ABCDEFGHJKMNPQRS/").status_code == 404
    assert client_for().get("/training/verify/%3Cscript%3E/").status_code == 404


@override_settings(RATELIMIT_ENABLE=True)
def test_guessing_codes_is_rate_limited(community):
    client = client_for()
    statuses = [client.get("/training/verify/ABCDEFGHJKMNPQRS/").status_code for _ in range(35)]
    assert statuses[0] == 404 and statuses[-1] == 429


def test_revoked_certificate_shows_revoked(course, staff, hr):
    certificate = passed_certificate(course, staff)
    client = client_for(hr)
    assert (
        client.post(f"/training/certificates/{certificate.pk}/revoke/", {"reason": ""}).status_code
        == 302
    )
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    client.post(f"/training/certificates/{certificate.pk}/revoke/", {"reason": "Підроблені дані"})
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None
    html = client_for().get(certificate.get_absolute_url()).content.decode()
    assert "Підроблені дані" not in html  # the reason is for the audit, not the public
    assert (
        client_for(staff)
        .post(f"/training/certificates/{certificate.pk}/revoke/", {"reason": "x"})
        .status_code
        == 403
    )


def test_progress_for_hr_heads_and_staff(course, community, department, staff, hr):
    from datetime import timedelta

    from django.utils import timezone

    from hromada.training.models import MandatoryCourse

    MandatoryCourse.objects.create(
        course=course, department=department, due_on=timezone.localdate() - timedelta(days=1)
    )
    other_department = Department.objects.create(community=community, name="Фінансове управління")
    head = make_staff(community, StaffRole.Role.STAFF, department)
    Department.objects.filter(pk=department.pk).update(head=head)
    passed_certificate(course, staff)
    hr_page = client_for(hr).get("/training/progress/")
    assert hr_page.status_code == 200
    assert other_department.name in hr_page.content.decode()
    head_page = client_for(head).get("/training/progress/")
    assert head_page.status_code == 200
    assert other_department.name not in head_page.content.decode()
    assert (
        client_for(head).get(f"/training/progress/departments/{department.pk}/").status_code == 200
    )
    assert (
        client_for(head).get(f"/training/progress/departments/{other_department.pk}/").status_code
        == 404
    )
    assert client_for(staff).get("/training/progress/").status_code == 403
    export = client_for(hr).get(f"/training/progress/departments/{department.pk}/export.xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"
    from hromada.training import selectors

    summary = selectors.department_summary(
        community=community, departments=[department], today=timezone.localdate()
    )
    row = summary[0]
    # staff passed, the head has not and is overdue.
    assert row["staff"] == 2 and row["completed"] == 1 and row["overdue"] == 1
    assert row["completion"] == 50.0
    assert all(score == 100.0 for _area, score in row["areas"])
    assert row["hours"] == course.hours


def test_external_record_page_and_hr_queue(community, staff, hr):
    client = client_for(staff)
    refused = client.post(
        "/training/mine/records/",
        {"title": "", "provider": "Дія", "hours": "x", "completed_on": "2026-01-01"},
    )
    assert refused.status_code == 400
    made = client.post(
        "/training/mine/records/",
        {"title": "Цифрограм", "provider": "Дія", "hours": "4", "completed_on": "2026-01-10"},
    )
    assert made.status_code == 302
    queue = client_for(hr).get("/training/records/")
    assert "Цифрограм" in queue.content.decode()
    assert client.get("/training/records/").status_code == 403
    assert client.get("/training/mine/").status_code == 200


def test_other_community_sees_nothing(course, staff, other_community):
    certificate = passed_certificate(course, staff)
    host = "pivdenne.localhost"
    assert client_for(staff, host=host).get(course.get_absolute_url()).status_code == 404
    assert client_for(host=host).get(certificate.get_absolute_url()).status_code == 404
    api = client_for(host=host).get(f"/api/v1/training/certificates/{certificate.code}")
    assert api.status_code == 404


def test_api_catalogue_mine_and_verify(course, staff):
    certificate = passed_certificate(course, staff)
    client = client_for(staff)
    courses = client.get("/api/v1/training/courses").json()
    assert [c["title"] for c in courses] == [course.title]
    mine = client.get("/api/v1/training/mine").json()
    assert mine["enrollments"][0]["status"] == "passed"
    assert mine["certificates"][0]["state"] == "valid"
    public = client_for().get(f"/api/v1/training/certificates/{certificate.display_code}").json()
    assert public["state"] == "valid" and public["holder"] == certificate.holder_name
    forged = client_for().get("/api/v1/training/certificates/AAAAAAAAAAAAAAAA")
    assert (
        forged.status_code == 404
        and forged.json()["error"]["code"] == "training_certificate_not_found"
    )
    assert client_for().get("/api/v1/training/mine").status_code == 401
