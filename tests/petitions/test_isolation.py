"""One community's staff and residents cannot see or change another's petitions."""

import pytest

from hromada.core.models import StaffRole
from hromada.petitions import selectors, services
from hromada.petitions.models import Petition, Signature, Topic
from tests.factories import client_for, make_resident, make_staff
from tests.petitions.conftest import make_collecting, make_draft

pytestmark = pytest.mark.django_db
PIVDENNE = "pivdenne.localhost"


@pytest.fixture
def theirs(other_community):
    """A collecting petition and a submitted one in Pivdenne."""
    topic = Topic.objects.create(community=other_community, name="Благоустрій")
    author = make_resident(other_community)
    moderator = make_staff(other_community, StaffRole.Role.MODERATOR)
    collecting = make_collecting(
        other_community, author, topic, moderator, title="Петиція Південного про лави"
    )
    submitted = services.submit_petition(
        petition=make_draft(other_community, author, topic, title="Південне на модерації"),
        author=author,
    )
    return {"collecting": collecting, "submitted": submitted, "moderator": moderator}


def test_pages_api_and_open_data_stay_within_the_community(collecting, theirs):
    ours = client_for()
    assert "Петиція Південного" not in ours.get("/petitions/").content.decode()
    assert ours.get(theirs["collecting"].get_absolute_url()).status_code == 404
    assert ours.get(f"/api/v1/petitions/{theirs['collecting'].pk}").status_code == 404
    assert ours.get("/api/v1/petitions/").json()["count"] == 1
    titles = [row["title"] for row in ours.get("/petitions/open-data/?format=json").json()]
    assert titles == [collecting.title]
    there = client_for(host=PIVDENNE)
    assert "Петиція Південного" in there.get("/petitions/").content.decode()
    assert there.get(collecting.get_absolute_url()).status_code == 404
    assert there.get("/api/v1/petitions/statistics").json()["Petitions"] == 1


def test_residents_of_one_community_cannot_sign_anothers_petitions(collecting, theirs, community):
    ours = make_resident(community)
    with pytest.raises(services.NotLinked):
        services.sign_petition(petition=theirs["collecting"], resident=ours)
    response = client_for(ours, host=PIVDENNE).post(
        f"/petitions/{theirs['collecting'].pk}/sign/", follow=True
    )
    assert "зазначте у своєму профілі" in response.content.decode()
    # Through our own host the foreign petition simply does not exist.
    assert client_for(ours).post(f"/petitions/{theirs['collecting'].pk}/sign/").status_code == 404
    assert not Signature.objects.filter(petition=theirs["collecting"]).exists()


def test_our_moderators_cannot_moderate_their_petitions(moderator, theirs):
    with pytest.raises(services.NotModerator):
        services.publish_petition(petition=theirs["submitted"], moderator=moderator)
    with pytest.raises(services.NotModerator):
        services.hide_petition(petition=theirs["collecting"], moderator=moderator, reason="Ні.")
    client = client_for(moderator, host=PIVDENNE)
    assert client.get(f"/petitions/staff/{theirs['submitted'].pk}/").status_code == 404
    assert client.post(f"/petitions/staff/{theirs['submitted'].pk}/publish/").status_code == 404
    assert client.get("/petitions/staff/").status_code == 403
    ours = client_for(moderator)
    assert ours.get(f"/petitions/staff/{theirs['submitted'].pk}/").status_code == 404
    theirs["submitted"].refresh_from_db()
    assert theirs["submitted"].status == Petition.Status.SUBMITTED


def test_their_moderator_sees_nothing_of_ours(submitted, theirs, community):
    their_moderator = theirs["moderator"]
    assert submitted not in selectors.moderation_queue(community=theirs["submitted"].community)
    queue = client_for(their_moderator, host=PIVDENNE).get("/petitions/staff/").content.decode()
    assert "Південне на модерації" in queue and submitted.title not in queue
    items = selectors.dashboard_items(their_moderator, community)
    assert items == []


def test_topics_and_petitions_in_admin_are_scoped(community, other_community, theirs, moderator):
    moderator.is_staff = True
    moderator.save()
    page = client_for(moderator).get("/admin/petitions/petition/").content.decode()
    assert "Петиція Південного" not in page


def test_foreign_topic_and_duplicate_links_are_refused(
    community, author, topic, rules, theirs, submitted
):
    foreign_topic = theirs["collecting"].topic
    with pytest.raises(services.ValidationFailed):
        make_draft(community, author, foreign_topic)

    with pytest.raises(services.ValidationFailed):
        services.reject_petition(
            petition=submitted,
            moderator=make_staff(community, StaffRole.Role.MODERATOR),
            reason="duplicate",
            duplicate_of=theirs["collecting"],
        )
