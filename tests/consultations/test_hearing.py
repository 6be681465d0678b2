"""Public hearings: registration with a limit and a waiting list, proposals, initiatives."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from hromada.consultations import services
from hromada.consultations.models import ConsultationRules, HearingInitiative, Registration
from hromada.core.errors import IdentityRequired, ValidationFailed
from hromada.core.models import CommunityLink, Identity
from tests.consultations.conftest import make_consultation
from tests.factories import make_resident

pytestmark = pytest.mark.django_db


def make_hearing(community, staff, capacity=2):
    hearing = make_consultation(
        community,
        staff,
        "hearing",
        start=1,
        hearing_at=timezone.now() + timedelta(days=10),
        place="Міська рада, зала засідань",
        agenda="Бюджет 2027",
        capacity=capacity,
    )
    return services.announce_consultation(actor=staff, consultation=hearing)


def test_limit_and_waiting_list(community, moderator):
    hearing = make_hearing(community, moderator)
    people = [make_resident(community, level=Identity.EMAIL) for _ in range(4)]
    statuses = [
        services.register_for_hearing(consultation=hearing, resident=p).status for p in people
    ]
    assert statuses == ["registered", "registered", "waiting", "waiting"]
    with pytest.raises(services.AlreadyRegistered):
        services.register_for_hearing(consultation=hearing, resident=people[0])
    services.cancel_registration(consultation=hearing, resident=people[0])
    assert Registration.objects.get(resident=people[2]).status == "registered"
    assert Registration.objects.get(resident=people[3]).status == "waiting"


def test_paper_proposal_needs_a_name(community, moderator):
    hearing = make_hearing(community, moderator)
    with pytest.raises(ValidationFailed):
        services.enter_proposal(
            staff=moderator, consultation=hearing, text="Пропозиція", author_name=""
        )
    proposal = services.enter_proposal(
        staff=moderator,
        consultation=hearing,
        text="Збільшити видатки на освіту",
        author_name="Іваненко Петро",
        source="hearing",
    )
    assert proposal.is_proposal and proposal.entered_by == moderator
    services.record_minutes(
        staff=moderator,
        consultation=hearing,
        minutes="Протокол",
        video_url="https://video.example/1",
    )


def test_initiative_collects_and_reaches(community):
    ConsultationRules.objects.update_or_create(
        community=community, defaults={"hearing_signatures": 3}
    )
    author = make_resident(community)
    initiative = services.start_initiative(
        community=community, author=author, title="Слухання про парк", text="Парк вирубують"
    )
    assert initiative.signature_count == 1
    second, third = make_resident(community), make_resident(community)
    services.sign_initiative(initiative=initiative, resident=second)
    with pytest.raises(services.AlreadySigned):
        services.sign_initiative(initiative=initiative, resident=second)
    services.sign_initiative(initiative=initiative, resident=third)
    initiative.refresh_from_db()
    assert initiative.status == HearingInitiative.Status.REACHED
    with pytest.raises(services.InitiativeClosed):
        services.sign_initiative(initiative=initiative, resident=make_resident(community))


def test_initiative_signers_are_identified_members(community, other_community):
    author = make_resident(community)
    initiative = services.start_initiative(
        community=community, author=author, title="Тема", text="Текст"
    )
    with pytest.raises(IdentityRequired):
        services.sign_initiative(
            initiative=initiative, resident=make_resident(community, level=Identity.EMAIL)
        )
    with pytest.raises(services.NotLinked):
        services.sign_initiative(initiative=initiative, resident=make_resident(other_community))
    with pytest.raises(services.TooYoung):
        services.sign_initiative(
            initiative=initiative,
            resident=make_resident(community, birth_date=date.today() - timedelta(days=365 * 15)),
        )
    assert CommunityLink.objects.exists()
