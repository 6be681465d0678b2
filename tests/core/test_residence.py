"""One place of residence per person; work, study and displacement links beside it."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from hromada.core import services
from hromada.core.models import AuditEntry, CommunityLink, Street
from hromada.core.services import ResidenceElsewhere
from tests.factories import client_for, make_resident

pytestmark = pytest.mark.django_db


def street_of(community) -> Street:
    return Street.objects.get(settlement__community=community)


def test_a_second_residence_is_refused(community, other_community):
    """Declaring residence in a second community raises ResidenceElsewhere, naming the first."""
    resident = make_resident(community)
    with pytest.raises(ResidenceElsewhere) as error:
        services.link_to_community(
            resident=resident,
            community=other_community,
            kind="lives",
            street=street_of(other_community),
            house="5",
        )
    assert error.value.code == "residence_elsewhere"
    assert str(error.value) == (
        "Місце вашого проживання вже вказано: Чорноморська громада. "
        "Спершу змініть місце проживання."
    )
    assert list(resident.links.values_list("community__slug", "kind")) == [("chornomorsk", "lives")]


def test_changing_the_address_in_the_same_community_is_allowed(community):
    resident = make_resident(community)
    link = services.link_to_community(
        resident=resident, community=community, kind="lives", street=street_of(community), house="9"
    )
    assert link.house == "9"
    assert resident.links.count() == 1


def test_work_study_and_displacement_links_are_not_residence(community, other_community):
    """A resident of one community may work, study or stay displaced in another."""
    resident = make_resident(community)
    for kind in ("works", "studies", "displaced"):
        services.link_to_community(
            resident=resident, community=other_community, kind=kind, note="Порт"
        )
    kinds = set(resident.links.filter(community=other_community).values_list("kind", flat=True))
    assert kinds == {"works", "studies", "displaced"}
    assert services.is_linked(resident, other_community, ["lives"]) is False


def test_the_database_refuses_a_second_residence(community, other_community):
    """An insert around the service fails on the one-residence constraint."""
    resident = make_resident(community)
    with pytest.raises(IntegrityError), transaction.atomic():
        CommunityLink.objects.create(
            resident=resident,
            community=other_community,
            kind="lives",
            street=street_of(other_community),
            house="1",
        )


def test_moving_residence_ends_the_old_one(community, other_community):
    resident = make_resident(community)
    services.link_to_community(resident=resident, community=community, kind="works", note="Порт")
    link = services.move_residence(
        resident=resident, community=other_community, street=street_of(other_community), house="5"
    )
    assert link.community == other_community
    assert services.residence_of(resident) == link
    # The old community keeps the work link; only the residence moved.
    assert list(resident.links.filter(community=community).values_list("kind", flat=True)) == [
        "works"
    ]
    ended = AuditEntry.objects.get(action="resident.residence_ended")
    assert ended.community == community
    assert ended.after == {"moved_to": other_community.pk}


def test_moving_needs_a_street_of_the_new_community(community, other_community):
    """A refused move leaves the old residence in place."""
    resident = make_resident(community)
    with pytest.raises(services.ValidationFailed):
        services.move_residence(
            resident=resident, community=other_community, street=street_of(community), house="5"
        )
    assert services.residence_of(resident).community == community


def test_the_link_form_shows_the_error_and_offers_the_move(community, other_community):
    resident = make_resident(community)
    client = client_for(resident, host="pivdenne.localhost")
    data = {"kind": "lives", "street": street_of(other_community).pk, "house": "5"}

    refused = client.post("/accounts/profile/links/", data)

    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Місце вашого проживання вже вказано: Чорноморська громада." in page
    assert "Я переїхав(-ла) сюди: припинити місце проживання — Чорноморська громада" in page
    assert services.residence_of(resident).community == community

    moved = client.post("/accounts/profile/links/", {**data, "move": "on"}, follow=True)

    assert moved.redirect_chain[-1][0] == "/accounts/profile/"
    assert "Ваше місце проживання перенесено до цієї громади." in moved.content.decode()
    assert services.residence_of(resident).community == other_community


def test_the_api_answers_the_error_and_moves(community, other_community):
    resident = make_resident(community)
    _token, key = services.issue_api_token(resident=resident, name="скрипт")
    client = Client(HTTP_HOST="pivdenne.localhost", HTTP_AUTHORIZATION=f"Bearer {key}")
    body = {"kind": "lives", "street_id": street_of(other_community).pk, "house": "5"}

    refused = client.post("/api/v1/me/links", body, content_type="application/json")

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "residence_elsewhere"
    assert "kind" in refused.json()["error"]["fields"]

    moved = client.post("/api/v1/me/links", {**body, "move": True}, content_type="application/json")
    assert moved.status_code == 201
    assert moved.json()["community"] == "pivdenne"
    assert services.residence_of(resident).community == other_community


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_newest_residence(community, other_community):
    """Existing second residences end; the newest declaration of each person stays."""
    executor = MigrationExecutor(connection)
    executor.migrate([("core", "0002_notification_address")])
    old_apps = executor.loader.project_state(("core", "0002_notification_address")).apps
    Link = old_apps.get_model("core", "CommunityLink")
    Resident = old_apps.get_model("core", "Resident")
    Street_ = old_apps.get_model("core", "Street")
    mover = Resident.objects.create(email="mover@example.test")
    settled = Resident.objects.create(email="settled@example.test")
    here = Street_.objects.get(settlement__community_id=community.pk)
    there = Street_.objects.get(settlement__community_id=other_community.pk)
    older = Link.objects.create(
        resident=mover, community_id=community.pk, kind="lives", street=here, house="1"
    )
    newer = Link.objects.create(
        resident=mover, community_id=other_community.pk, kind="lives", street=there, house="2"
    )
    work = Link.objects.create(resident=mover, community_id=community.pk, kind="works", note="Порт")
    only = Link.objects.create(
        resident=settled, community_id=community.pk, kind="lives", street=here, house="3"
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("core"))

    remaining = set(CommunityLink.objects.values_list("pk", flat=True))
    assert remaining == {newer.pk, work.pk, only.pk}
    ended = AuditEntry.objects.get(action="resident.residence_ended")
    assert ended.target_id == str(older.pk)
    assert ended.before == {"kind": "lives", "resident": str(mover.pk)}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_declarations_racing_in_two_communities_leave_one_residence(community, other_community):
    """Two requests at once, each declaring residence elsewhere: one wins, one is refused."""
    from tests.core.test_concurrency import race

    resident = make_resident(None)
    places = [(community, street_of(community)), (other_community, street_of(other_community))]

    results = race(
        [
            lambda place=place, street=street: services.link_to_community(
                resident=resident, community=place, kind="lives", street=street, house="1"
            )
            for place, street in places * 3
        ]
    )

    assert CommunityLink.objects.filter(resident=resident, kind="lives").count() == 1
    won = CommunityLink.objects.get(resident=resident, kind="lives").community
    assert all(
        isinstance(result, CommunityLink)
        and result.community == won
        or isinstance(result, ResidenceElsewhere)
        for result in results
    ), results
