"""Priority visitors: the document checked at the desk once a day per service, and the cap."""

from datetime import timedelta

import pytest

from hromada.cnap import board, services
from hromada.cnap.models import PriorityUse, QueueEvent, Ticket
from hromada.core.errors import ValidationFailed
from hromada.core.models import AuditEntry
from tests.cnap.conftest import at
from tests.factories import client_for

pytestmark = pytest.mark.django_db

NOW = at(0, 10)


def issue(office, service, minutes=0, **kwargs):
    return services.issue_ticket(
        office=office, service=service, now=NOW + timedelta(minutes=minutes), **kwargs
    )


def call(desk, minutes=0, now=None):
    return services.call_next(
        desk=desk, actor=desk.operator, now=now or NOW + timedelta(minutes=minutes)
    )


def confirm(desk, document):
    return services.confirm_priority(desk=desk, actor=desk.operator, document=document, now=NOW)


def test_the_operator_confirms_the_document_and_it_is_audited(office, desks, passport, veterans):
    ticket = issue(office, passport, priority=veterans)
    call(desks[1])
    use = confirm(desks[1], "АА 123456")
    assert use.ticket_id == ticket.pk and use.category == veterans
    assert "123456" not in use.person and len(use.person) == 64
    assert Ticket.objects.get(pk=ticket.pk).priority_confirmed_at == NOW
    entry = AuditEntry.objects.get(action="cnap_ticket.priority_confirmed")
    assert entry.actor == desks[1].operator and entry.target_id == str(ticket.pk)
    # Pressed twice: the same check stands, nothing new.
    assert confirm(desks[1], "аа-123456").pk == use.pk
    assert PriorityUse.objects.count() == 1


def test_one_document_gives_priority_once_a_day_per_service(
    office, desks, passport, residence, veterans
):
    issue(office, passport, priority=veterans)
    issue(office, passport, 1, priority=veterans)
    issue(office, residence, 2, priority=veterans)
    call(desks[1])
    confirm(desks[1], "АА 123456")
    services.finish(desk=desks[1], actor=desks[1].operator, outcome="served", now=NOW)
    second = call(desks[1], 1)
    with pytest.raises(services.PriorityUsedToday) as refused:
        confirm(desks[1], "аа 123-456")  # the same document, written another way
    assert "сьогодні" in str(refused.value)
    assert PriorityUse.objects.count() == 1
    assert Ticket.objects.get(pk=second.pk).priority_confirmed_at is None
    # Another service the same day is another matter.
    call(desks[2], 2)
    confirm(desks[2], "АА 123456")
    assert PriorityUse.objects.count() == 2
    # Tomorrow the document counts afresh.
    services.finish(desk=desks[1], actor=desks[1].operator, outcome="served", now=NOW)
    tomorrow = at(1, 10)
    services.issue_ticket(office=office, service=passport, priority=veterans, now=tomorrow)
    call(desks[1], now=tomorrow)
    services.confirm_priority(
        desk=desks[1], actor=desks[1].operator, document="АА 123456", now=tomorrow
    )
    assert PriorityUse.objects.count() == 3


def test_bad_documents_regular_tickets_and_strangers_are_refused(
    office, desks, passport, veterans, operators
):
    issue(office, passport)
    call(desks[1])
    with pytest.raises(services.NotPriority):
        confirm(desks[1], "АА 123456")
    services.finish(desk=desks[1], actor=desks[1].operator, outcome="served", now=NOW)
    issue(office, passport, 1, priority=veterans)
    call(desks[1], 1)
    for document in ["", " - ", "\x00", "1" * 41]:
        with pytest.raises(ValidationFailed):
            confirm(desks[1], document)
    with pytest.raises(services.NotCnapStaff):
        services.confirm_priority(desk=desks[1], actor=operators[0], document="АА 1")
    assert (
        not PriorityUse.objects.exists()
        and not AuditEntry.objects.filter(action="cnap_ticket.priority_confirmed").exists()
    )


def test_the_console_confirms_priority(office, desks, passport, veterans):
    issue(office, passport, priority=veterans)
    desk = desks[1]
    client = client_for(desk.operator)
    client.post(f"/cnap/console/desks/{desk.pk}/next/")
    panel = client.get(f"/cnap/console/desks/{desk.pk}/panel/").content.decode()
    assert 'name="document"' in panel
    answer = client.post(
        f"/cnap/console/desks/{desk.pk}/priority/", {"document": "АА 123456"}, HTTP_HX_REQUEST="1"
    )
    assert answer.status_code == 200 and 'name="document"' not in answer.content.decode()
    assert PriorityUse.objects.count() == 1


def test_the_cap_keeps_regular_visitors_from_starving(office, desks, passport, veterans):
    """Ten priority and ten regular tickets: of a desk's ten calls three go to priority."""
    for n in range(10):
        issue(office, passport, n, priority=veterans)
        issue(office, passport, n)
    desk = desks[1]
    kinds = []
    for minute in range(10):
        ticket = call(desk, 20 + minute)
        kinds.append(ticket.priority_id is not None)
        services.finish(
            desk=desk, actor=desk.operator, outcome="served", now=NOW + timedelta(minutes=20)
        )
    assert kinds[:3] == [True, True, True]
    assert sum(kinds) == 3
    assert QueueEvent.objects.filter(desk=desk, action="called", priority=True).count() == sum(
        kinds
    )


def test_priority_alone_is_served_whatever_the_cap(office, desks, passport, veterans):
    for n in range(5):
        issue(office, passport, n, priority=veterans)
    desk = desks[1]
    for minute in range(5):
        assert call(desk, 10 + minute).priority_id == veterans.pk
        services.finish(desk=desk, actor=desk.operator, outcome="served", now=NOW)


def test_the_console_says_whether_the_voice_is_available(office, desks, head, monkeypatch):
    client = client_for(head)
    monkeypatch.setattr(board.shutil, "which", lambda name: None)
    page = client.get("/cnap/console/?all=1").content.decode()
    assert "chime and text only" in page or "лише сигнал і текст" in page
    monkeypatch.setattr(board.shutil, "which", lambda name: "/bin/true")
    assert board.voice_available() is False  # a program that lists no Ukrainian voice
    monkeypatch.setattr(board, "_has_ukrainian", lambda program: True)
    page = client.get("/cnap/console/?all=1").content.decode()
    assert "espeak-ng" in page and "лише сигнал і текст" not in page
