"""Drafting, editing, submitting and withdrawing a petition."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from hromada.core.audit import history
from hromada.core.calendar import add_working_days
from hromada.core.errors import IdentityRequired, ValidationFailed
from hromada.core.models import CalendarDay, Identity, Notification
from hromada.petitions import services
from hromada.petitions.models import Petition, Topic
from tests.factories import make_resident
from tests.petitions.conftest import TEXT, make_draft

pytestmark = pytest.mark.django_db


def test_a_new_petition_is_a_private_draft(community, author, topic, rules):
    """It starts as a draft with the default period and an audit entry."""
    petition = make_draft(community, author, topic)
    assert petition.status == Petition.Status.DRAFT
    assert petition.collection_days == 30
    assert petition.published_at is None
    assert [entry.action for entry in history(petition)] == ["petition.created"]


def test_fields_are_cleaned(community, author, topic, rules):
    """Runs of spaces in the title collapse; the text keeps its paragraphs."""
    petition = make_draft(
        community,
        author,
        topic,
        title="  Облаштувати   перехід біля школи ",
        text=TEXT + "\r\n\r\nP.S.",
    )
    assert petition.title == "Облаштувати перехід біля школи"
    assert petition.text.endswith("\n\nP.S.")


BAD_FIELDS = [
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "Коротко"}, "title"),
    ({"title": "Д" * 201}, "title"),
    ({"text": ""}, "text"),
    ({"text": "Замало тексту."}, "text"),
    ({"text": "Т" * 6001}, "text"),
    ({"topic_id": 999999}, "topic"),
    ({"topic_id": "transport"}, "topic"),
    ({"topic_id": None}, "topic"),
    ({"collection_days": 91}, "collection_days"),
    ({"collection_days": 3}, "collection_days"),
    ({"collection_days": "soon"}, "collection_days"),
]


@pytest.mark.parametrize(("fields", "field"), BAD_FIELDS)
def test_bad_fields_are_refused_and_nothing_is_saved(
    community, author, topic, rules, fields, field
):
    """Each empty, overlong or unknown value names its field and creates nothing."""
    with pytest.raises(ValidationFailed) as caught:
        make_draft(community, author, topic, **fields)
    assert field in caught.value.fields
    assert not Petition.objects.exists()


def test_topic_of_another_community_is_unknown(community, other_community, author, rules):
    """A forged topic id from another community is refused."""
    foreign = Topic.objects.create(community=other_community, name="Чуже")
    with pytest.raises(ValidationFailed) as caught:
        make_draft(community, author, foreign)
    assert "topic" in caught.value.fields
    assert not Petition.objects.exists()


def test_inactive_topic_is_refused(community, author, topic, rules):
    topic.is_active = False
    topic.save()
    with pytest.raises(ValidationFailed):
        make_draft(community, author, topic)


def test_creating_needs_strong_identity(community, topic, rules):
    """A resident with a confirmed e-mail only is asked to identify."""
    resident = make_resident(community, level=Identity.EMAIL)
    with pytest.raises(IdentityRequired):
        make_draft(community, resident, topic)
    assert not Petition.objects.exists()


def test_creating_needs_a_link_to_the_community(community, other_community, topic, rules):
    stranger = make_resident(other_community)
    with pytest.raises(services.NotLinked):
        make_draft(community, stranger, topic)


def test_creating_needs_the_minimum_age(community, topic, rules):
    child = make_resident(community, birth_date=timezone.localdate() - timedelta(days=365 * 14))
    with pytest.raises(services.TooYoung):
        make_draft(community, child, topic)


def test_author_edits_a_draft(draft, author, topic):
    """The change is saved and audited with the changed field names."""
    services.update_petition(
        petition=draft, author=author, title="Новий заголовок петиції", text=TEXT, topic_id=topic.pk
    )
    draft.refresh_from_db()
    assert draft.title == "Новий заголовок петиції"
    assert "заголовок" in draft.search_text
    assert history(draft).last().after == {"changed": "title"}


def test_author_edits_while_in_moderation(submitted, author, topic):
    services.update_petition(
        petition=submitted,
        author=author,
        title="Уточнений заголовок петиції",
        text=TEXT,
        topic_id=topic.pk,
    )
    submitted.refresh_from_db()
    assert submitted.title == "Уточнений заголовок петиції"
    assert submitted.status == Petition.Status.SUBMITTED


def test_nobody_else_edits_a_draft(draft, topic, community):
    other = make_resident(community)
    with pytest.raises(services.NotAuthor):
        services.update_petition(
            petition=draft,
            author=other,
            title="Чужий заголовок петиції",
            text=TEXT,
            topic_id=topic.pk,
        )
    draft.refresh_from_db()
    assert draft.title == "Облаштувати пішохідний перехід біля школи"


def test_published_petition_cannot_be_edited(collecting, author, topic):
    """After publication the text is fixed: signers signed this text."""
    with pytest.raises(services.NotEditable):
        services.update_petition(
            petition=collecting,
            author=author,
            title="Інший заголовок петиції",
            text=TEXT,
            topic_id=topic.pk,
        )


def test_submitting_sets_the_moderation_deadline_in_working_days(draft, author, community):
    """Art. 23-1: two working days; a holiday in the calendar moves the deadline."""
    today = timezone.localdate()
    CalendarDay.objects.create(
        community=community, date=today + timedelta(days=1), kind=CalendarDay.Kind.HOLIDAY
    )
    petition = services.submit_petition(petition=draft, author=author)
    assert petition.status == Petition.Status.SUBMITTED
    assert petition.moderation_due_on == add_working_days(today, 2, community=community)
    assert petition.moderation_due_on >= today + timedelta(days=3)


def test_submitting_tells_the_author_and_the_moderators(draft, author, moderator, administrator):
    services.submit_petition(petition=draft, author=author)
    events = set(Notification.objects.values_list("resident_id", "event"))
    assert (author.pk, "petitions/submitted") in events
    assert (moderator.pk, "petitions/to_moderate") in events
    assert (administrator.pk, "petitions/to_moderate") in events


def test_submitting_twice_is_refused(submitted, author):
    with pytest.raises(services.WrongStatus):
        services.submit_petition(petition=submitted, author=author)


def test_only_the_author_submits(draft, community):
    with pytest.raises(services.NotAuthor):
        services.submit_petition(petition=draft, author=make_resident(community))


def test_author_withdraws_before_publication(submitted, author):
    petition = services.withdraw_petition(petition=submitted, author=author)
    assert petition.status == Petition.Status.WITHDRAWN
    assert history(petition).last().action == "petition.withdrawn"


def test_published_petition_cannot_be_withdrawn(collecting, author):
    with pytest.raises(services.NotEditable):
        services.withdraw_petition(petition=collecting, author=author)
    collecting.refresh_from_db()
    assert collecting.status == Petition.Status.COLLECTING


def test_author_may_choose_a_shorter_period(community, author, topic, rules, moderator):
    petition = make_draft(community, author, topic, collection_days=14)
    services.submit_petition(petition=petition, author=author)
    petition = services.publish_petition(petition=petition, moderator=moderator)
    assert (petition.collection_ends_at - petition.published_at).days == 14


def test_birth_date_unknown_blocks_creation(community, topic, rules):
    resident = make_resident(community)
    resident.birth_date = None
    resident.save()
    with pytest.raises(services.BirthDateUnknown):
        make_draft(community, resident, topic)


def test_age_is_counted_on_the_day(community, topic, rules):
    """A resident who turns 16 today may act today."""
    today = timezone.localdate()
    try:
        birthday = today.replace(year=today.year - 16)
    except ValueError:  # 29 February
        birthday = date(today.year - 16, 3, 1)
    resident = make_resident(community, birth_date=birthday)
    assert make_draft(community, resident, topic).pk
