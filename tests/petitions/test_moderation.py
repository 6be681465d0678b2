"""Moderation: publish, reject with a public reason, name the official, hide."""

import pytest

from hromada.core.audit import history
from hromada.core.errors import Conflict, ValidationFailed
from hromada.core.models import Notification, StaffRole
from hromada.petitions import selectors, services
from hromada.petitions.models import Petition
from tests.factories import make_department, make_resident, make_staff
from tests.petitions.conftest import make_collecting, make_draft, set_rules

pytestmark = pytest.mark.django_db
REASON = Petition.RejectionReason


def test_publishing_starts_collection_with_the_rules_in_force(
    submitted, moderator, community, administrator
):
    """Threshold and period are fixed at publication; later rule changes do not move them."""
    petition = services.publish_petition(petition=submitted, moderator=moderator)
    assert petition.status == Petition.Status.COLLECTING
    assert petition.threshold == 3
    assert (petition.collection_ends_at - petition.published_at).days == 30
    set_rules(community, administrator, threshold=1000)
    petition.refresh_from_db()
    assert petition.threshold == 3
    assert history(petition).last().action == "petition.published"
    assert Notification.objects.filter(
        resident=petition.author, event="petitions/published"
    ).exists()


def test_publishing_uses_the_rules_department_by_default(
    submitted, moderator, community, administrator, department
):
    set_rules(community, administrator, department=department, threshold=3)
    petition = services.publish_petition(petition=submitted, moderator=moderator)
    assert petition.department == department


@pytest.mark.parametrize("role", [StaffRole.Role.STAFF, None])
def test_only_moderators_publish(submitted, community, role):
    """Department staff and residents are refused; the petition stays in moderation."""
    actor = make_staff(community, role) if role else make_resident(community)
    with pytest.raises(services.NotModerator):
        services.publish_petition(petition=submitted, moderator=actor)
    submitted.refresh_from_db()
    assert submitted.status == Petition.Status.SUBMITTED


def test_drafts_cannot_be_published(draft, moderator):
    with pytest.raises(services.WrongStatus):
        services.publish_petition(petition=draft, moderator=moderator)


def test_publishing_twice_is_refused(collecting, moderator):
    with pytest.raises(services.WrongStatus):
        services.publish_petition(petition=collecting, moderator=moderator)


def test_official_must_be_staff_of_the_community(submitted, moderator, community):
    with pytest.raises(ValidationFailed) as caught:
        services.publish_petition(
            petition=submitted, moderator=moderator, official=make_resident(community)
        )
    assert "official" in caught.value.fields


def test_department_of_another_community_is_refused(submitted, moderator, other_community):
    with pytest.raises(ValidationFailed):
        services.publish_petition(
            petition=submitted, moderator=moderator, department=make_department(other_community)
        )


@pytest.mark.parametrize("reason", [REASON.UNLAWFUL, REASON.UNCLEAR, REASON.POWERS])
def test_rejecting_with_a_public_reason(submitted, moderator, reason):
    """The reason and the explanation are public; the author is told."""
    petition = services.reject_petition(
        petition=submitted, moderator=moderator, reason=reason, note="Пояснення модератора."
    )
    assert petition.status == Petition.Status.REJECTED
    assert petition.rejection_reason == reason
    assert petition.rejection_note == "Пояснення модератора."
    assert history(petition).last().after["reason"] == reason
    assert Notification.objects.filter(
        resident=petition.author, event="petitions/rejected"
    ).exists()


def test_duplicate_links_the_open_petition(submitted, moderator, collecting):
    petition = services.reject_petition(
        petition=submitted, moderator=moderator, reason=REASON.DUPLICATE, duplicate_of=collecting
    )
    assert petition.duplicate_of == collecting


@pytest.mark.parametrize("target", ["none", "self", "draft", "foreign"])
def test_duplicate_needs_an_open_petition_of_the_community(
    submitted, moderator, community, other_community, author, topic, target
):
    """Without a valid open petition to link, the rejection is refused; nothing changes."""
    duplicate_of = {
        "none": lambda: None,
        "self": lambda: submitted,
        "draft": lambda: make_draft(community, author, topic),
        "foreign": lambda: _foreign_collecting(other_community),
    }[target]()
    with pytest.raises(ValidationFailed) as caught:
        services.reject_petition(
            petition=submitted,
            moderator=moderator,
            reason=REASON.DUPLICATE,
            duplicate_of=duplicate_of,
        )
    assert "duplicate_of" in caught.value.fields
    submitted.refresh_from_db()
    assert submitted.status == Petition.Status.SUBMITTED


def _foreign_collecting(other_community):
    from hromada.petitions.models import Topic

    topic = Topic.objects.create(community=other_community, name="Інше")
    author = make_resident(other_community)
    moderator = make_staff(other_community, StaffRole.Role.MODERATOR)
    return make_collecting(other_community, author, topic, moderator)


@pytest.mark.parametrize(
    ("reason", "note", "field"),
    [("spam", "", "reason"), ("", "", "reason"), (REASON.UNCLEAR, "я" * 2001, "note")],
)
def test_bad_rejection_input_changes_nothing(submitted, moderator, reason, note, field):
    with pytest.raises(ValidationFailed) as caught:
        services.reject_petition(petition=submitted, moderator=moderator, reason=reason, note=note)
    assert field in caught.value.fields
    submitted.refresh_from_db()
    assert submitted.status == Petition.Status.SUBMITTED


def test_naming_the_official_notifies_them(collecting, moderator, community, department):
    person = make_staff(community, StaffRole.Role.STAFF, department)
    services.assign_official(
        petition=collecting, moderator=moderator, department=department, official=person
    )
    collecting.refresh_from_db()
    assert collecting.official == person
    assert Notification.objects.filter(resident=person, event="petitions/assigned").exists()
    assert history(collecting).last().action == "petition.assigned"


def test_hiding_records_the_reason(collecting, moderator, community):
    """A hidden petition leaves the public list; the reason is audited and shown."""
    services.hide_petition(petition=collecting, moderator=moderator, reason="Образлива лексика.")
    collecting.refresh_from_db()
    assert collecting.is_hidden
    entry = history(collecting).last()
    assert entry.action == "petition.hidden"
    assert entry.after["reason"] == "Образлива лексика."
    assert entry.actor == moderator
    assert collecting not in selectors.search_petitions(community=community)
    signer = make_resident(community)
    with pytest.raises(services.PetitionClosed):
        services.sign_petition(petition=collecting, resident=signer)


@pytest.mark.parametrize("reason", ["", "   ", "я" * 2001])
def test_hiding_needs_a_reason(collecting, moderator, reason):
    with pytest.raises(ValidationFailed):
        services.hide_petition(petition=collecting, moderator=moderator, reason=reason)
    collecting.refresh_from_db()
    assert not collecting.is_hidden


def test_hiding_twice_and_showing_again(collecting, moderator):
    services.hide_petition(petition=collecting, moderator=moderator, reason="Перевірка.")
    with pytest.raises(Conflict):
        services.hide_petition(petition=collecting, moderator=moderator, reason="Ще раз.")
    services.unhide_petition(petition=collecting, moderator=moderator)
    collecting.refresh_from_db()
    assert not collecting.is_hidden
    assert history(collecting).last().action == "petition.unhidden"
    with pytest.raises(Conflict):
        services.unhide_petition(petition=collecting, moderator=moderator)


def test_only_moderators_hide(collecting, official):
    with pytest.raises(services.NotModerator):
        services.hide_petition(petition=collecting, moderator=official, reason="Ні.")
