"""Plain-text messages carry quotes, ampersands and angle brackets as typed."""

import pytest
from django.core import mail

from hromada.core import services
from hromada.core.models import Identity, Notification
from hromada.petitions import services as petitions
from hromada.petitions.models import Topic
from tests.factories import make_resident
from tests.petitions.conftest import TEXT

pytestmark = pytest.mark.django_db

TITLE = 'Ремонт об\'єкта "Сквер" & дорога <біля школи>'


def test_a_petition_title_reaches_the_author_unescaped(
    community, django_capture_on_commit_callbacks
):
    author = make_resident(community)
    topic = Topic.objects.create(community=community, name="Транспорт")
    petition = petitions.create_petition(
        community=community, author=author, title=TITLE, text=TEXT, topic_id=topic.pk
    )
    with django_capture_on_commit_callbacks(execute=True):
        petitions.submit_petition(petition=petition, author=author)

    body = Notification.objects.get(resident=author, event="petitions/submitted").body
    assert TITLE in body
    assert "&#x27;" not in body and "&quot;" not in body and "&amp;" not in body
    assert TITLE in mail.outbox[-1].body


def test_core_messages_are_not_escaped(community, django_capture_on_commit_callbacks):
    """A name with an apostrophe and an ampersand stays as typed in the confirmation mail."""
    resident = make_resident(community, level=Identity.NONE, full_name="Мар'яна&<Ко>")
    with django_capture_on_commit_callbacks(execute=True):
        services.send_email_confirmation(resident=resident, community=community)
    assert mail.outbox[-1].body.startswith("Вітаємо, Мар'яна&<Ко>!")
