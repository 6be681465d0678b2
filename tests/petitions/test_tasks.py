"""The scheduled task: period ends and threshold crossings, exactly once."""

import pytest
from django.utils import timezone

from hromada.core.audit import history
from hromada.core.models import Notification
from hromada.petitions import services, tasks
from hromada.petitions.models import Petition
from tests.petitions.conftest import end_collection, sign_by_new_residents

pytestmark = pytest.mark.django_db


def test_period_ended_below_threshold_becomes_a_collective_appeal(collecting, official):
    """Art. 23-1: too few signatures in time → registered as a collective appeal, archived."""
    sign_by_new_residents(collecting, 2)
    end_collection(collecting)
    moved = services.close_due_collections()
    collecting.refresh_from_db()
    assert moved["archived"] == 1
    assert collecting.status == Petition.Status.ARCHIVED
    assert collecting.closed_at is not None
    assert collecting.signature_count == 2
    entry = history(collecting).filter(action="petition.registered_as_appeal").get()
    assert entry.after["signatures"] == 2
    assert Notification.objects.filter(
        resident=collecting.author, event="petitions/archived"
    ).exists()
    assert Notification.objects.filter(
        resident=official, event="petitions/archived_official"
    ).exists()


def test_running_the_task_twice_changes_nothing_more(collecting):
    """The scheduler may run the job twice: one transition, one audit entry, one message."""
    end_collection(collecting)
    services.close_due_collections()
    again = services.close_due_collections()
    assert again == {"recounted": 0, "consideration": 0, "archived": 0}
    assert history(collecting).filter(action="petition.registered_as_appeal").count() == 1
    assert Notification.objects.filter(event="petitions/archived").count() == 1


def test_open_period_is_left_alone(collecting):
    sign_by_new_residents(collecting, 1)
    assert services.close_due_collections()["archived"] == 0
    collecting.refresh_from_db()
    assert collecting.status == Petition.Status.COLLECTING


def test_task_catches_a_threshold_the_signers_missed(collecting, official):
    """If the +1 after a signature was lost, the task recounts and starts consideration."""
    sign_by_new_residents(collecting, 2)
    # A third signature whose counter update never happened (a worker died).
    sign_without_its_count(collecting)
    later = timezone.now() + services.RECOUNT_AFTER
    moved = services.close_due_collections(now=later)
    collecting.refresh_from_db()
    assert moved == {"recounted": 1, "consideration": 1, "archived": 0}
    assert collecting.status == Petition.Status.CONSIDERATION
    assert collecting.signature_count == 3
    assert history(collecting).filter(action="petition.threshold_reached").count() == 1


def test_threshold_met_when_the_period_ends_goes_to_consideration(collecting):
    """Enough signatures at the end (the last +1 lost) means consideration, not the archive."""
    sign_by_new_residents(collecting, 2)
    from hromada.petitions.models import Signature
    from tests.factories import make_resident

    resident = make_resident(collecting.community)
    Signature.objects.create(community=collecting.community, petition=collecting, resident=resident)
    end_collection(collecting)
    assert services.close_collection_if_due(petition=collecting) == Petition.Status.CONSIDERATION
    collecting.refresh_from_db()
    assert collecting.status == Petition.Status.CONSIDERATION


def test_the_scheduled_task_runs_the_service(collecting):
    """The registered job is a thin wrapper; the test backend runs it at once."""
    end_collection(collecting)
    result = tasks.close_due_collections.enqueue()
    assert result.return_value == {"recounted": 0, "consideration": 0, "archived": 1}
    collecting.refresh_from_db()
    assert collecting.status == Petition.Status.ARCHIVED


def test_module_schedules_the_task():
    from hromada.petitions.module import MODULE

    assert [s.task for s in MODULE.schedules] == ["hromada.petitions.tasks.close_due_collections"]
    from hromada.core.registry import resolve

    assert resolve(MODULE.schedules[0].task) is tasks.close_due_collections


def test_recount_waits_while_signatures_arrive(collecting):
    """A row counted before its +1 lands must not be counted twice: the repair waits."""
    sign_without_its_count(collecting)
    assert services.close_due_collections()["recounted"] == 0
    collecting.refresh_from_db()
    assert collecting.signature_count == 0
    later = timezone.now() + services.RECOUNT_AFTER
    assert services.close_due_collections(now=later)["recounted"] == 1
    collecting.refresh_from_db()
    assert collecting.signature_count == 1
    assert collecting.status == Petition.Status.COLLECTING


def test_a_late_count_update_after_the_threshold_is_not_added_again(collecting, official):
    """The transition counts the rows; a signer's +1 arriving after it changes nothing."""
    sign_by_new_residents(collecting, 2)
    sign_without_its_count(collecting)
    assert services.start_consideration_if_due(petition=collecting)
    assert services._add_to_count(collecting.pk) == 0
    collecting.refresh_from_db()
    assert collecting.signature_count == 3


def sign_without_its_count(petition) -> None:
    """A signature whose +1 on the cached total has not happened (yet, or ever: a worker died)."""
    from hromada.petitions.models import Signature
    from tests.factories import make_resident

    resident = make_resident(petition.community)
    Signature.objects.create(
        community=petition.community,
        petition=petition,
        resident=resident,
        tax_hash=resident.tax_hash,
    )
