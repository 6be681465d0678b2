"""
Races the database decides (PostgreSQL, real parallel transactions): one
response per person, hearing places never above the limit and the waiting
list in order, one signature per person with the threshold crossed once, one
support or opposition per person.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from hromada.consultations import services
from hromada.consultations.models import (
    Answer,
    Comment,
    CommentVote,
    ConsultationRules,
    HearingInitiative,
    InitiativeSignature,
    Registration,
    Response,
    ResponseKey,
)
from hromada.core.audit import history
from hromada.core.errors import DomainError
from hromada.core.models import Identity, Notification
from hromada.core.notifications import channels_for
from tests.consultations.conftest import open_draft, open_survey
from tests.consultations.test_hearing import make_hearing
from tests.factories import make_resident

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# PostgreSQL allows about 100 connections on a shared machine.
THREADS = 20
ANSWERS = {1: 0, 4: 3, 7: "Центр"}


def run_in_threads(jobs, threads=THREADS):
    """Run the callables on `threads` threads started together; return the outcomes."""
    barrier = threading.Barrier(threads)
    lock = threading.Lock()
    queue = list(jobs)
    outcomes = []

    def worker():
        barrier.wait()
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    job = queue.pop(0)
                try:
                    outcome = job()
                except DomainError as error:
                    outcome = error.code
                with lock:
                    outcomes.append(outcome)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(worker) for _ in range(threads)]:
            future.result()
    return outcomes


@pytest.mark.parametrize("anonymous", [False, True], ids=["identified", "anonymous"])
def test_simultaneous_answers_of_one_resident_store_one_response(community, moderator, anonymous):
    survey = open_survey(community, moderator, anonymous=anonymous)
    resident = make_resident(community)
    other = make_resident(community)

    def answer(who):
        return lambda: (
            bool(services.submit_response(consultation=survey, resident=who, answers=ANSWERS))
            and ("answered", who.pk)
        )

    jobs = [answer(resident) for _ in range(10)] + [answer(other) for _ in range(5)]
    outcomes = run_in_threads(jobs, threads=15)

    assert outcomes.count(("answered", resident.pk)) == 1
    assert outcomes.count(("answered", other.pk)) == 1
    assert outcomes.count("survey_already_answered") == 13
    assert Response.objects.filter(consultation=survey).count() == 2
    # No half-stored response: every response has its three answers.
    assert Answer.objects.filter(response__consultation=survey).count() == 2 * len(ANSWERS)
    if anonymous:
        assert ResponseKey.objects.filter(consultation=survey).count() == 2
        assert not Response.objects.filter(consultation=survey, resident__isnull=False).exists()
    else:
        assert ResponseKey.objects.filter(consultation=survey).count() == 0
        assert set(
            Response.objects.filter(consultation=survey).values_list("resident", flat=True)
        ) == {resident.pk, other.pk}


def test_registrations_at_the_limit_never_exceed_it_and_wait_in_order(community, moderator):
    capacity, people = 5, 30
    hearing = make_hearing(community, moderator, capacity=capacity)
    residents = [make_resident(community, level=Identity.EMAIL) for _ in range(people)]

    def register(who):
        return lambda: services.register_for_hearing(consultation=hearing, resident=who).status

    jobs = [register(r) for r in residents] + [register(r) for r in residents[::3]]
    outcomes = run_in_threads(jobs)

    assert outcomes.count("registered") == capacity
    assert outcomes.count("waiting") == people - capacity
    assert outcomes.count("hearing_already_registered") == len(residents[::3])
    rows = Registration.objects.filter(consultation=hearing)
    assert rows.count() == people
    assert rows.filter(status="registered").count() == capacity
    # Everyone on the waiting list came after everyone registered.
    first_waiting = rows.filter(status="waiting").order_by("created_at", "id").first()
    last_registered = rows.filter(status="registered").order_by("-created_at", "-id").first()
    assert (last_registered.created_at, last_registered.pk) < (
        first_waiting.created_at,
        first_waiting.pk,
    )

    # Cancellations in parallel: each freed place goes to the next in line, in order.
    line = list(rows.filter(status="waiting").order_by("created_at", "id"))
    leaving = list(rows.filter(status="registered"))[:3]
    outcomes = run_in_threads(
        [
            (lambda r=r: services.cancel_registration(consultation=hearing, resident=r.resident))
            for r in leaving
        ],
        threads=3,
    )
    assert len(outcomes) == 3
    assert rows.filter(status="registered").count() == capacity
    promoted = set(rows.filter(status="registered").values_list("pk", flat=True))
    assert {r.pk for r in line[:3]} <= promoted
    assert not promoted & {r.pk for r in line[3:]}


def test_signatures_count_once_per_person_and_the_threshold_is_crossed_once(community, moderator):
    threshold = 30
    ConsultationRules.objects.update_or_create(
        community=community, defaults={"hearing_signatures": threshold}
    )
    author = make_resident(community)
    initiative = services.start_initiative(
        community=community, author=author, title="Слухання про парк", text="Парк вирубують"
    )
    signers = [make_resident(community) for _ in range(threshold + 9)]

    def sign(who):
        def job():
            fresh = HearingInitiative.objects.select_related("community").get(pk=initiative.pk)
            services.sign_initiative(initiative=fresh, resident=who)
            return "signed"

        return job

    jobs = [sign(r) for r in signers] + [sign(r) for r in signers[::2]] + [sign(author)] * 3
    outcomes = run_in_threads(jobs)

    signed = outcomes.count("signed")
    # The second taps and the author's (who signed when starting it) never sign
    # again; one that comes after the threshold is refused as closed instead.
    refused = outcomes.count("initiative_already_signed") + outcomes.count("initiative_closed")
    assert refused >= len(signers[::2]) + 3
    assert set(outcomes) <= {"signed", "initiative_already_signed", "initiative_closed"}
    total = InitiativeSignature.objects.filter(initiative=initiative).count()
    assert total == signed + 1  # the author signed when starting it
    assert total >= threshold
    assert (
        InitiativeSignature.objects.filter(initiative=initiative)
        .values("resident")
        .distinct()
        .count()
        == total
    )
    initiative.refresh_from_db()
    assert initiative.signature_count == total
    assert initiative.status == HearingInitiative.Status.REACHED
    assert history(initiative).filter(action="hearing_initiative.reached").count() == 1
    told = Notification.objects.filter(resident=moderator, event="consultations/initiative_reached")
    assert told.count() == len(channels_for(moderator)) >= 1


def test_support_and_opposition_of_one_comment_by_one_resident_count_once(
    community, moderator, resident
):
    draft = open_draft(community, moderator)
    comment = services.add_comment(
        consultation=draft,
        resident=resident,
        text="Пропоную прибирати до 9 години",
        article_key="st-3",
    )
    voter = make_resident(community, level=Identity.EMAIL)
    others = [make_resident(community, level=Identity.EMAIL) for _ in range(8)]

    def vote(who, value):
        def job():
            fresh = Comment.objects.select_related("consultation__community").get(pk=comment.pk)
            return services.vote_comment(comment=fresh, resident=who, value=value).value

        return job

    jobs = [vote(voter, 1 if i % 2 else -1) for i in range(12)]
    jobs += [vote(r, 1) for r in others[:5]] + [vote(r, -1) for r in others[5:]]
    outcomes = run_in_threads(jobs)

    assert outcomes.count("consultation_already_voted") == 11
    assert CommentVote.objects.filter(comment=comment, resident=voter).count() == 1
    mine = CommentVote.objects.get(comment=comment, resident=voter).value
    comment.refresh_from_db()
    assert comment.support_count == 5 + (mine == 1)
    assert comment.oppose_count == 3 + (mine == -1)
    assert (
        comment.support_count + comment.oppose_count
        == CommentVote.objects.filter(comment=comment).count()
    )
