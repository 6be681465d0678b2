"""The demo consultations: what the issue asks for, in the states it asks, through the services."""

import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from hromada.consultations import demo, selectors, services
from hromada.consultations.models import (
    Answer,
    Comment,
    CommentVote,
    Consultation,
    Response,
    ResponseKey,
)
from hromada.core import demo as core_demo
from hromada.core import registry
from hromada.core.models import AuditEntry
from tests.factories import client_for

pytestmark = pytest.mark.django_db

KIND, STATUS = Consultation.Kind, Consultation.Status


@pytest.fixture
def chornomorsk(db):
    chornomorsk, pivdenne = core_demo.load()
    demo.load(chornomorsk)
    demo.load(pivdenne)
    return chornomorsk


def test_the_module_declares_its_demo_loader():
    assert registry.resolve(registry.module("consultations").demo) is demo.load


def check_the_draft_rules_are_open_with_comments_amendments_and_two_versions(chornomorsk):
    rules = Consultation.objects.get(community=chornomorsk, kind=KIND.DRAFT)
    assert rules.status == STATUS.OPEN and rules.is_open
    assert "Правил благоустрою території Чорноморської міської територіальної громади" in (
        rules.title
    )
    versions = list(rules.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert [v.articles.count() for v in versions] == [30, 30]
    assert versions[0].created_at < versions[1].created_at <= timezone.now()
    comments = Comment.objects.filter(consultation=rules, source=Comment.Source.ONLINE)
    amendments = Comment.objects.filter(consultation=rules, source=Comment.Source.AMENDMENT)
    assert comments.count() == 80
    assert amendments.count() == 15
    assert comments.exclude(removed="").count() == 1
    assert comments.exclude(reply="").count() == 3
    # Comments on both versions, each on an article that exists in the current one.
    assert {c.version.number for c in comments.select_related("version")} == {1, 2}
    keys = set(versions[1].articles.values_list("key", flat=True))
    assert set(comments.exclude(article_key="").values_list("article_key", flat=True)) <= keys
    # The amendments the second version took in are accepted; their text is in it.
    accepted = amendments.filter(decision="accepted")
    assert accepted.count() == 5
    for amendment in accepted:
        article = versions[1].articles.get(key=amendment.article_key)
        assert article.text == amendment.replacement
    assert CommentVote.objects.filter(comment__consultation=rules).exists()
    votes = CommentVote.objects.filter(comment__consultation=rules, value=1).count()
    assert (
        sum(comments.values_list("support_count", flat=True))
        + sum(amendments.values_list("support_count", flat=True))
        == votes
    )


def check_the_bus_survey_is_closed_with_2000_anonymous_responses_and_a_report(chornomorsk):
    survey = Consultation.objects.get(community=chornomorsk, kind=KIND.SURVEY)
    assert survey.status == STATUS.REPORTED and survey.is_anonymous
    assert Response.objects.filter(consultation=survey).count() == 2000
    assert not Response.objects.filter(consultation=survey, resident__isnull=False).exists()
    assert ResponseKey.objects.filter(consultation=survey).count() == 2000
    assert Answer.objects.filter(response__consultation=survey).count() > 10000
    assert services.missing_decisions(survey) == 0
    proposals = Comment.objects.filter(consultation=survey, is_proposal=True)
    assert proposals.count() == 12
    assert set(proposals.values_list("decision", flat=True)) == {"accepted", "partly", "rejected"}
    assert not proposals.filter(resident__isnull=False).exists()
    assert hashlib.sha256(survey.report_json.encode()).hexdigest() == survey.report_sha256
    assert survey.closed_at == survey.closes_at
    assert AuditEntry.objects.filter(
        action="consultation.report_published", target_id=str(survey.pk)
    ).exists()
    # The report went out today: 10 of its 12 proposals taken into account.
    today = timezone.localdate()
    assert selectors.taken_into_account_share(chornomorsk, today, today) == round(100 * 10 / 12, 1)


def check_the_budget_hearing_is_upcoming_with_registrations_and_a_waiting_list(chornomorsk):
    hearing = Consultation.objects.get(community=chornomorsk, kind=KIND.HEARING)
    assert hearing.status == STATUS.ANNOUNCED
    assert "2027" in hearing.title
    assert hearing.hearing_at > timezone.now()
    assert selectors.registration_counts(hearing) == {"registered": 60, "waiting": 4}
    assert hearing.capacity == 60
    assert Comment.objects.filter(consultation=hearing, source=Comment.Source.PAPER).count() == 1


def check_the_demo_is_idempotent_and_only_for_chornomorsk(chornomorsk):
    before = (Consultation.objects.count(), Comment.objects.count(), Response.objects.count())
    demo.load(chornomorsk)
    assert (Consultation.objects.count(), Comment.objects.count(), Response.objects.count()) == (
        before
    )
    assert Consultation.objects.exclude(community=chornomorsk).count() == 0


def check_the_demo_pages_show(chornomorsk):
    client = client_for()
    assert client.get(reverse("consultations:list")).status_code == 200
    for consultation in Consultation.objects.filter(community=chornomorsk):
        assert client.get(consultation.get_absolute_url()).status_code == 200
    rules = Consultation.objects.get(community=chornomorsk, kind=KIND.DRAFT)
    survey = Consultation.objects.get(community=chornomorsk, kind=KIND.SURVEY)
    assert client.get(reverse("consultations:diff", args=[rules.pk])).status_code == 200
    assert client.get(reverse("consultations:results", args=[survey.pk])).status_code == 200
    report = client.get(reverse("consultations:report", args=[survey.pk]))
    assert report.status_code == 200
    assert survey.report_sha256 in report.content.decode()


def test_the_demo_loads_once_with_what_the_issue_asks(chornomorsk):
    """One load (it is the slow part) and every check on it."""
    check_the_draft_rules_are_open_with_comments_amendments_and_two_versions(chornomorsk)
    check_the_bus_survey_is_closed_with_2000_anonymous_responses_and_a_report(chornomorsk)
    check_the_budget_hearing_is_upcoming_with_registrations_and_a_waiting_list(chornomorsk)
    check_the_demo_is_idempotent_and_only_for_chornomorsk(chornomorsk)
    check_the_demo_pages_show(chornomorsk)
