"""A petition that ends below its threshold becomes one collective appeal (art. 23-1)."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from hromada.appeals import deadlines, services
from hromada.appeals.models import Appeal
from hromada.core.calendar import add_months
from hromada.core.models import Notification
from hromada.petitions import services as petitions
from hromada.petitions.models import Petition
from tests.factories import client_for
from tests.petitions import conftest as petition_fixtures
from tests.petitions.conftest import end_collection, sign_by_new_residents

# The petitions' fixtures, built through their services.
administrator = petition_fixtures.administrator
author = petition_fixtures.author
collecting = petition_fixtures.collecting
department = petition_fixtures.department
moderator = petition_fixtures.moderator
rules = petition_fixtures.rules
topic = petition_fixtures.topic

pytestmark = pytest.mark.django_db


def test_an_archived_petition_is_registered_once(
    collecting, department, django_capture_on_commit_callbacks
):
    sign_by_new_residents(collecting, 2)
    end_collection(collecting)
    with django_capture_on_commit_callbacks(execute=True):
        assert petitions.close_collection_if_due(petition=collecting) == Petition.Status.ARCHIVED
    with django_capture_on_commit_callbacks(execute=True):
        assert petitions.close_collection_if_due(petition=collecting) is None
        assert petitions.close_due_collections()["archived"] == 0
        again = services.register_petition_appeal(petition=collecting)

    appeal = Appeal.objects.get()
    assert again == appeal
    assert appeal.source == f"petition:{collecting.uid}"
    assert (appeal.kind, appeal.channel, appeal.status) == ("proposal", "petition", "new")
    assert appeal.author == collecting.author
    assert appeal.community == collecting.community
    assert appeal.number.startswith(f"{timezone.localdate().year}/")
    # Art. 20: a written appeal that needs study gets a calendar month.
    assert appeal.requires_study
    received = timezone.localdate(appeal.created_at)
    assert appeal.due_on == deadlines.answer_due(
        received, requires_study=True, community=appeal.community
    )
    assert appeal.due_on >= add_months(received, 1)
    # Routed like a written proposal: the category's department, else the petition's.
    assert appeal.category.service_code == "petition" and not appeal.category.is_active
    assert appeal.department == department
    assert appeal.subject == collecting.title
    assert collecting.text in appeal.description
    assert "зібрала 2 підписи," in appeal.description and "23-1" in appeal.description
    assert f"/petitions/{collecting.pk}/" in appeal.description
    # The author is told as for any appeal, with the registration number.
    notice = Notification.objects.get(event="appeals/registered")
    assert notice.resident == collecting.author
    assert any(appeal.number in message.body for message in mail.outbox)
    assert client_for(collecting.author).get(appeal.get_absolute_url()).status_code == 200
    assert client_for().get(appeal.get_absolute_url()).status_code == 404


def test_the_database_keeps_one_appeal_per_petition(collecting):
    end_collection(collecting)
    petitions.close_collection_if_due(petition=collecting)
    first = Appeal.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        first.pk, first.number = None, "2099/000001"
        first.token = "0" * 32
        first.save(force_insert=True)


def test_nothing_is_registered_when_appeals_are_off(collecting, settings):
    settings.HROMADA_MODULES = [name for name in settings.HROMADA_MODULES if name != "appeals"]
    end_collection(collecting)
    assert petitions.close_collection_if_due(petition=collecting) == Petition.Status.ARCHIVED
    assert not Appeal.objects.exists()


def test_a_petition_that_reached_the_threshold_is_not_an_appeal(collecting):
    sign_by_new_residents(collecting, 3)
    end_collection(collecting)
    petitions.close_due_collections()
    assert not Appeal.objects.exists()


def test_the_petition_page_shows_the_registration_number(collecting):
    end_collection(collecting)
    petitions.close_collection_if_due(petition=collecting)
    appeal = Appeal.objects.get()
    text = client_for().get(collecting.get_absolute_url()).content.decode()
    assert f"Реєстраційний номер колективного звернення: {appeal.number}" in text
