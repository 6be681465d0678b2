"""The back office of consultations: scoped to the community and role; anonymous answers stay out."""

import pytest
from django.contrib import admin
from django.urls import reverse

from hromada.consultations import services
from hromada.consultations.models import (
    Answer,
    Comment,
    CommentVote,
    Consultation,
    Response,
    ResponseKey,
    Subscription,
)
from hromada.core.models import Identity, StaffRole
from tests.consultations.conftest import make_consultation, open_draft, open_survey
from tests.factories import client_for, make_department, make_resident, make_staff

pytestmark = pytest.mark.django_db

ONE_QUESTION = [{"kind": "long", "text": "Ваші пропозиції", "options": []}]


def test_who_answered_what_is_not_in_the_back_office():
    for model in (Response, Answer, ResponseKey, CommentVote, Subscription):
        assert model not in admin.site._registry
    assert Comment in admin.site._registry and Consultation in admin.site._registry


def test_a_survey_proposal_in_the_back_office_names_no_respondent(community, moderator):
    survey = open_survey(community, moderator, anonymous=True, questions=ONE_QUESTION)
    respondent = make_resident(community, level=Identity.EMAIL, full_name="Петренко Ганна")
    services.submit_response(
        consultation=survey, resident=respondent, answers={1: "Більше автобусів увечері."}
    )
    answer = Answer.objects.get(response__consultation=survey)
    proposal = services.mark_survey_proposal(staff=moderator, answer=answer)
    client = client_for(moderator)
    listing = client.get(reverse("admin:consultations_comment_changelist")).content.decode()
    page = client.get(
        reverse("admin:consultations_comment_change", args=[proposal.pk])
    ).content.decode()
    assert "Більше автобусів увечері." in listing
    for text in (listing, page):
        assert "Петренко" not in text and respondent.email not in text


def test_department_staff_see_their_departments_and_unassigned_consultations(community, moderator):
    roads = make_department(community, "Управління ЖКГ")
    schools = make_department(community, "Управління освіти")
    own = make_consultation(community, moderator, "survey", title="Наше", department=roads)
    other = make_consultation(community, moderator, "survey", title="Чуже", department=schools)
    common = make_consultation(community, moderator, "survey", title="Спільне")
    staff = make_staff(community, StaffRole.Role.STAFF, roads)
    page = client_for(staff).get(reverse("admin:consultations_consultation_changelist"))
    shown = {c.pk for c in page.context["cl"].result_list}
    assert shown == {own.pk, common.pk}
    assert other.pk not in shown
    everything = client_for(moderator).get(reverse("admin:consultations_consultation_changelist"))
    assert {c.pk for c in everything.context["cl"].result_list} == {own.pk, other.pk, common.pk}


def test_another_communitys_moderator_finds_nothing(community, other_community, moderator):
    draft = open_draft(community, moderator)
    author = make_resident(community, level=Identity.EMAIL)
    comment = services.add_comment(consultation=draft, resident=author, text="Додати лави.")
    stranger = make_staff(other_community, StaffRole.Role.MODERATOR)
    client = client_for(stranger, host="pivdenne.localhost")
    listing = client.get(reverse("admin:consultations_comment_changelist"))
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == []
    change = client.get(reverse("admin:consultations_comment_change", args=[comment.pk]))
    assert change.status_code in (302, 404)


def test_removing_goes_through_the_service_and_needs_a_moderator(community, moderator):
    draft = open_draft(community, moderator)
    author = make_resident(community, level=Identity.EMAIL)
    comment = services.add_comment(consultation=draft, resident=author, text="Реклама: купуйте!")
    url = reverse("admin:consultations_comment_changelist")
    staff = make_staff(community, StaffRole.Role.STAFF)
    actions = client_for(staff).get(url).context["action_form"].fields["action"].choices
    assert "remove_spam" not in {name for name, _label in actions}
    client_for(moderator).post(
        url, {"action": "remove_spam", "_selected_action": [comment.pk], "index": 0}
    )
    comment.refresh_from_db()
    assert comment.removed == Comment.Removal.SPAM and comment.removed_by == moderator
