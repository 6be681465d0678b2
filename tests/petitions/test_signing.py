"""Signing: who may sign, once per person, never after the collection closed."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from hromada.core.audit import history
from hromada.core.errors import IdentityRequired
from hromada.core.identity import tax_number_hash
from hromada.core.models import CommunityLink, Identity, Notification, Resident
from hromada.petitions import services
from hromada.petitions.models import Petition, Signature
from tests.factories import make_resident
from tests.petitions.conftest import (
    end_collection,
    make_collecting,
    set_rules,
    sign_by_new_residents,
)

pytestmark = pytest.mark.django_db


def test_signing_counts_once_and_the_row_is_the_record(collecting, community):
    resident = make_resident(community)
    before = timezone.now()
    signature = services.sign_petition(petition=collecting, resident=resident)
    collecting.refresh_from_db()
    assert collecting.signature_count == 1
    assert services.signature_total(petition=collecting) == 1
    row = Signature.objects.get(pk=signature.pk)
    assert (row.petition_id, row.resident_id, row.tax_hash) == (
        collecting.pk,
        resident.pk,
        resident.tax_hash,
    )
    assert before <= row.created_at <= timezone.now()
    # The row records the act; the petition's trail keeps its changes of state only.
    assert not history(collecting).filter(actor=resident).exists()


def test_a_petition_closed_after_the_check_refuses_the_signature(collecting, community):
    """The insert itself asks whether the petition still collects: a stale page cannot sign."""
    resident = make_resident(community)
    stale = Petition.objects.get(pk=collecting.pk)
    Petition.objects.filter(pk=collecting.pk).update(status=Petition.Status.ARCHIVED)
    with pytest.raises(services.PetitionClosed):
        services.sign_petition(petition=stale, resident=resident)
    assert not Signature.objects.filter(petition=collecting).exists()
    assert Petition.objects.get(pk=collecting.pk).signature_count == 0


def test_second_signature_is_refused(collecting, community):
    """Signing twice leaves one signature and raises AlreadySigned."""
    resident = make_resident(community)
    services.sign_petition(petition=collecting, resident=resident)
    with pytest.raises(services.AlreadySigned) as caught:
        services.sign_petition(petition=collecting, resident=resident)
    assert caught.value.code == "petition_already_signed"
    collecting.refresh_from_db()
    assert collecting.signature_count == 1
    assert services.signature_total(petition=collecting) == 1


def test_one_person_signs_once_even_from_a_second_account(collecting, community):
    """The identity hash decides: a person re-identified on a new account cannot sign again."""
    first = make_resident(community)
    services.sign_petition(petition=collecting, resident=first)
    person = first.tax_hash
    Resident.objects.filter(pk=first.pk).update(tax_hash=None)  # identity moved away
    second = make_resident(community)
    Resident.objects.filter(pk=second.pk).update(tax_hash=person)
    second.refresh_from_db()
    with pytest.raises(services.AlreadySigned):
        services.sign_petition(petition=collecting, resident=second)
    assert services.signature_total(petition=collecting) == 1


def test_database_refuses_a_second_signature_of_one_person(collecting, community):
    """The UniqueConstraints hold even for writers that skip the service."""
    resident = make_resident(community)
    Signature.objects.create(
        community=community, petition=collecting, resident=resident, tax_hash="x" * 64
    )
    with pytest.raises(IntegrityError):
        Signature.objects.create(
            community=community,
            petition=collecting,
            resident=make_resident(community),
            tax_hash="x" * 64,
        )


def test_database_refuses_two_rows_for_one_resident(collecting, community):
    resident = make_resident(community)
    Signature.objects.create(community=community, petition=collecting, resident=resident)
    with pytest.raises(IntegrityError):
        Signature.objects.create(community=community, petition=collecting, resident=resident)


@pytest.mark.parametrize("level", [Identity.NONE, Identity.EMAIL])
def test_signing_needs_strong_identity(collecting, community, level):
    resident = make_resident(community, level=level)
    with pytest.raises(IdentityRequired):
        services.sign_petition(petition=collecting, resident=resident)
    assert services.signature_total(petition=collecting) == 0


def test_community_may_lower_the_identity_level(collecting, community, administrator):
    set_rules(community, administrator, threshold=3, collection_days=30, sign_level=Identity.EMAIL)
    collecting = Petition.objects.get(pk=collecting.pk)  # as the next request loads it
    resident = make_resident(community, level=Identity.EMAIL)
    services.sign_petition(petition=collecting, resident=resident)
    assert services.signature_total(petition=collecting) == 1


def test_signing_needs_a_link_to_the_community(collecting, other_community):
    stranger = make_resident(other_community)
    with pytest.raises(services.NotLinked) as caught:
        services.sign_petition(petition=collecting, resident=stranger)
    assert caught.value.code == "petition_not_linked"


def test_workers_sign_unless_the_charter_limits_signing_to_residents(
    collecting, community, administrator, author, topic, moderator
):
    """The charter may admit only those who live here; a running petition keeps its rules."""
    worker = make_resident(community, link=CommunityLink.Kind.WORKS)
    services.sign_petition(petition=collecting, resident=worker)
    set_rules(community, administrator, threshold=3, collection_days=30, residents_only=True)
    student = make_resident(community, link=CommunityLink.Kind.STUDIES)
    services.sign_petition(petition=collecting, resident=student)  # published before
    later = make_collecting(community, author, topic, moderator)
    with pytest.raises(services.NotLinked):
        services.sign_petition(petition=later, resident=student)
    displaced = make_resident(community, link=CommunityLink.Kind.DISPLACED)
    services.sign_petition(petition=later, resident=displaced)


def test_signing_needs_the_minimum_age(collecting, community):
    """Age 16 by default: a 15-year-old is refused with the age in the message."""
    today = timezone.localdate()
    young = make_resident(community, birth_date=today - timedelta(days=15 * 365 + 10))
    with pytest.raises(services.TooYoung) as caught:
        services.sign_petition(petition=collecting, resident=young)
    assert "16" in str(caught.value)
    assert services.signature_total(petition=collecting) == 0


def test_unknown_birth_date_is_refused(collecting, community):
    resident = make_resident(community)
    Resident.objects.filter(pk=resident.pk).update(birth_date=None)
    resident.refresh_from_db()
    with pytest.raises(services.BirthDateUnknown):
        services.sign_petition(petition=collecting, resident=resident)


@pytest.mark.parametrize("status", ["draft", "submitted", "rejected", "withdrawn"])
def test_unpublished_petitions_cannot_be_signed(draft, author, moderator, community, status):
    if status != "draft":
        services.submit_petition(petition=draft, author=author)
    if status == "rejected":
        services.reject_petition(petition=draft, moderator=moderator, reason="unclear")
    if status == "withdrawn":
        services.withdraw_petition(petition=draft, author=author)
    draft.refresh_from_db()
    with pytest.raises(services.PetitionClosed) as caught:
        services.sign_petition(petition=draft, resident=make_resident(community))
    assert caught.value.code == "petition_closed"
    assert draft.get_status_display() in str(caught.value)


def test_closed_petition_is_refused_with_a_clear_message(consideration, community):
    """After the threshold the collection is over; the message names the status."""
    with pytest.raises(services.PetitionClosed) as caught:
        services.sign_petition(petition=consideration, resident=make_resident(community))
    assert str(caught.value) == "Ця петиція не збирає підписів: на розгляді."
    assert services.signature_total(petition=consideration) == 3


def test_period_over_is_refused_before_the_task_runs(collecting, community):
    end_collection(collecting)
    with pytest.raises(services.PetitionClosed):
        services.sign_petition(petition=collecting, resident=make_resident(community))


def test_signer_may_ask_to_be_told_of_the_answer(collecting, community):
    resident = make_resident(community)
    signature = services.sign_petition(
        petition=collecting, resident=resident, notify_on_answer=True
    )
    assert signature.notify_on_answer


def test_reaching_the_threshold_starts_consideration_once(collecting, community, official):
    """The signature reaching the threshold moves the petition; the official is told once."""
    sign_by_new_residents(collecting, 2)
    collecting.refresh_from_db()
    assert collecting.status == Petition.Status.COLLECTING
    sign_by_new_residents(collecting, 1)
    collecting.refresh_from_db()
    assert collecting.status == Petition.Status.CONSIDERATION
    assert collecting.threshold_reached_at is not None
    assert collecting.signature_count == 3
    from hromada.core.calendar import add_working_days

    assert collecting.answer_due_on == add_working_days(
        timezone.localdate(), 10, community=community
    )
    assert history(collecting).filter(action="petition.threshold_reached").count() == 1
    assert Notification.objects.filter(resident=official, event="petitions/threshold").count() == 1
    assert (
        Notification.objects.filter(
            resident=collecting.author, event="petitions/threshold_author"
        ).count()
        == 1
    )
    # A second check (the scheduled task) changes nothing.
    assert services.start_consideration_if_due(petition=collecting) is False
    assert history(collecting).filter(action="petition.threshold_reached").count() == 1


def test_without_an_official_the_moderators_are_told(community, author, topic, moderator, rules):
    from tests.petitions.conftest import make_collecting

    petition = make_collecting(community, author, topic, moderator)
    sign_by_new_residents(petition, 3)
    assert Notification.objects.filter(resident=moderator, event="petitions/threshold").exists()


def test_signature_of_a_deleted_account_stays_anonymous(collecting, community):
    """Deleting the account erases the name; the signature still counts."""
    from hromada.core.services import delete_account

    resident = make_resident(community)
    services.sign_petition(petition=collecting, resident=resident)
    delete_account(resident=resident)
    signature = Signature.objects.get(petition=collecting)
    assert signature.resident.public_name != resident.full_name
    assert services.signature_total(petition=collecting) == 1


def test_no_way_to_withdraw_a_signature():
    """Services offer no unsigning; the only way to remove a row is the database itself."""
    assert not any("unsign" in name or "withdraw_signature" in name for name in dir(services))


def test_tax_hash_is_recorded_for_identified_signers(collecting, community):
    resident = make_resident(community)
    services.sign_petition(petition=collecting, resident=resident)
    assert Signature.objects.get().tax_hash == resident.tax_hash
    assert len(resident.tax_hash) == len(tax_number_hash("1"))


def test_closed_status_label_is_in_the_message(collecting, community):
    Petition.objects.filter(pk=collecting.pk).update(status=Petition.Status.ARCHIVED)
    collecting.refresh_from_db()
    with pytest.raises(services.PetitionClosed) as caught:
        services.sign_petition(petition=collecting, resident=make_resident(community))
    assert "зареєстровано як колективне звернення" in str(caught.value)
