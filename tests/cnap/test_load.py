"""What the busy pages cost: 304 answers without queries, queries that do not grow with the queue."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hromada.cnap import services
from hromada.cnap.models import Desk
from tests.factories import client_for

pytestmark = pytest.mark.django_db


def queries(callable_) -> int:
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured.captured_queries)


def test_ticket_status_is_304_without_queries_while_its_line_stands(
    office, desks, passport, residence, head, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.issue_ticket(office=office, service=passport)
        mine = services.issue_ticket(office=office, service=passport)
    client = client_for()
    url = reverse("cnap:ticket_status", args=[mine.token])
    opened = client.get(url)
    assert opened.status_code == 200 and "Перед вами 1 відвідувач" in opened.text
    # The first answer read where the ticket is; from the second on it has an ETag.
    second = client.get(url)
    etag = second["ETag"]
    assert queries(lambda: client.get(url, HTTP_IF_NONE_MATCH=etag)) == 0
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # Another service's line moves: this page is still the same.
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_ticket(office=office, service=residence)
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # The visitor ahead is called: one ahead no more.
    with django_capture_on_commit_callbacks(execute=True):
        called = services.call_next(desk=desks[1], actor=desks[1].operator)
    assert called.pk == first.pk
    moved = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert moved.status_code == 200 and "Перед вами 0 відвідувачів" in moved.text
    etag = moved["ETag"]
    # The office pauses for an air-raid alert: every ticket page shows it.
    with django_capture_on_commit_callbacks(execute=True):
        services.pause_office(office=office, actor=head)
    paused = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert paused.status_code == 200 and "повітряну тривогу" in paused.text


def test_ticket_status_etag_of_another_community_is_not_answered(
    office, desks, passport, other_community
):
    mine = services.issue_ticket(office=office, service=passport)
    url = reverse("cnap:ticket_status", args=[mine.token])
    client = client_for()
    client.get(url)
    etag = client.get(url)["ETag"]
    other = client_for(host=f"{other_community.slug}.localhost")
    assert other.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 404


def test_called_ticket_page_changes_when_the_service_starts(
    office, desks, passport, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mine = services.issue_ticket(office=office, service=passport)
        services.call_next(desk=desks[1], actor=desks[1].operator)
    client = client_for()
    url = reverse("cnap:ticket_status", args=[mine.token])
    client.get(url)
    called = client.get(url)
    assert "вікна 2" in called.text
    with django_capture_on_commit_callbacks(execute=True):
        services.start(desk=desks[1], actor=desks[1].operator)
    started = client.get(url, HTTP_IF_NONE_MATCH=called["ETag"])
    assert started.status_code == 200 and "вікна 2" not in started.text


def test_boards_share_one_built_feed_and_a_call_replaces_it(
    office, desks, passport, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_ticket(office=office, service=passport)
    url = reverse("cnap:board_feed", args=[office.pk])
    first = client_for().get(url)
    assert first.status_code == 200 and first.json()["waiting"] == 1
    # Another board without an ETag: the feed built for the first, no query.
    with CaptureQueriesContext(connection) as captured:
        second = client_for().get(url)
    assert captured.captured_queries == []
    assert second.content == first.content and second["ETag"] == first["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        services.call_next(desk=desks[1], actor=desks[1].operator)
    after = client_for().get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200 and after["ETag"] != first["ETag"]
    body = after.json()
    assert body["current"][0]["ticket"] == "А1" and body["waiting"] == 0
    assert body["recent"][0]["text"] == "Талон А один, вікно номер два"


def fill_queue(office, passport, residence, count: int) -> None:
    for _ in range(count):
        services.issue_ticket(office=office, service=passport)
        services.issue_ticket(office=office, service=residence)


def console_costs(desk: Desk) -> dict[str, int]:
    """Return the queries of the console's panel and of next, start and finish."""
    client = client_for(desk.operator)

    def post(action, **data):
        url = reverse("cnap:desk_action", args=[desk.pk, action])
        response = client.post(url, data, HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and "message-error" not in response.text

    client.get(reverse("cnap:desk", args=[desk.pk]))  # signed in, session warm
    panel_url = reverse("cnap:desk_panel", args=[desk.pk])
    return {
        "panel": queries(lambda: client.get(panel_url, HTTP_HX_REQUEST="true")),
        "next": queries(lambda: post("next")),
        "start": queries(lambda: post("start")),
        "finish": queries(lambda: post("finish", outcome="served")),
    }


def test_console_queries_do_not_grow_with_the_queue(office, desks, passport, residence):
    desk = desks[1]  # passports only
    services.rules_for(office.community)  # the rules exist (made on their first use)
    fill_queue(office, passport, residence, 3)
    short = console_costs(desk)
    fill_queue(office, passport, residence, 40)
    long = console_costs(desk)
    assert long == short
    # Every request: the session, the operator, the desk with its office, the
    # rules and the operator's roles. Next: the three candidates, the claim
    # (with its event on PostgreSQL; savepoints inside the test's transaction),
    # whether anyone is near, the panel's count and lists. A step: its UPDATE
    # (and event), the panel's count.
    assert short["next"] <= 12
    assert short["start"] <= 8 and short["finish"] <= 8
    assert short["panel"] <= 5


def test_call_next_reads_only_the_desks_services(
    office, desks, passport, residence, django_assert_max_num_queries
):
    fill_queue(office, passport, residence, 30)
    desk = desks[2]  # residence only
    with django_assert_max_num_queries(14):  # four are savepoints
        called = services.call_next(desk=desk, actor=desk.operator)
    assert called.service_id == residence.pk and called.label == "Б1"


def test_pages_asking_during_a_replay_take_the_last_one(office, desks, passport, monkeypatch):
    from django.core.cache import cache

    from hromada.cnap import predict, selectors

    first = services.issue_ticket(office=office, service=passport)
    assert selectors.estimate(first) is not None  # the office's queue replayed and kept
    second = services.issue_ticket(office=office, service=passport)
    # Another request is replaying the queue right now.
    assert cache.add(f"cnap:estimates:{office.pk}:replaying", 1, 15)

    def replay(*args, **kwargs):
        raise AssertionError("a second replay at the same time")

    monkeypatch.setattr(predict, "predict_all", replay)
    # The replay's walk-in "issued now" for the line, or the queue-length estimate.
    typical, upper = selectors.estimate(second)
    assert 0 <= typical <= upper
    assert selectors.estimate(first) is not None


def test_first_status_poll_after_the_page_has_an_etag(office, desks, passport):
    mine = services.issue_ticket(office=office, service=passport)
    client = client_for()
    client.get(mine.get_absolute_url())
    url = reverse("cnap:ticket_status", args=[mine.token])
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
