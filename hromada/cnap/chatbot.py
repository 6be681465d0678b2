"""
The service centre (ЦНАП) in the chatbot: find a service and what to bring,
join today's queue, book a slot, see and cancel one's visits. Reminders come
as the module's notices, which reach a linked chat like any other.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from hromada.chatbot.replies import Button, Incoming, Reply
from hromada.cnap import selectors, services
from hromada.core.identity import action_level, has_level

P = "hromada.cnap.chatbot."
SHOWN = 8
DAYS_AHEAD = 14


def find(conversation, message: Incoming) -> Reply:
    found = selectors.catalogue(community=conversation.community)[:SHOWN]
    rows = [[Button(service.name[:60], f"s:{service.pk}")] for service in found]
    if not rows:
        return Reply(_("The service catalogue is empty."))
    return Reply(
        _("Type what you need (for example «паспорт») or choose a service."),
        rows,
        next_step=P + "service",
    )


def _needs(conversation, action: str) -> Reply | None:
    level = action_level(conversation.community, action)
    if has_level(conversation.resident, level):
        return None
    from hromada.chatbot.engine import level_refusal

    return level_refusal(conversation, level)


def service(conversation, message: Incoming) -> Reply:
    data = message.data
    if data[:2] in ("q:", "b:") and data[2:].isdigit():
        return (join if data.startswith("q:") else book)(conversation, int(data[2:]))
    if data.startswith("t:") and data[2:].isdigit():
        return book_at(conversation, int(data[2:]))
    if not (data.startswith("s:") and data[2:].isdigit()):
        query = " ".join(message.text.split())[:100]
        if not query:
            return find(conversation, message)
        found = selectors.catalogue(community=conversation.community, query=query)[:SHOWN]
        rows = [[Button(s.name[:60], f"s:{s.pk}")] for s in found]
        if not rows:
            return Reply(_("Nothing found. Try other words."), next_step=P + "service")
        return Reply(_("Found services: choose one."), rows, next_step=P + "service")
    found = selectors.service_in(community=conversation.community, pk=data[2:])
    lines = [found.name]
    documents = found.document_lines()
    if documents:
        lines.append(_("What to bring:") + "\n" + "\n".join(f"• {line}" for line in documents))
    if found.cost:
        lines.append(_("Cost: %(cost)s") % {"cost": found.cost})
    if found.term:
        lines.append(_("Term: %(term)s") % {"term": found.term})
    rows = [
        [Button(_("Join today's queue"), f"q:{found.pk}")],
        [Button(_("Book a visit"), f"b:{found.pk}")],
        [Button(_("Open on the site"), url=conversation.site_url(found.get_absolute_url()))],
    ]
    return Reply("\n\n".join(lines), rows, next_step=P + "service")


def _office(conversation, found):
    offices = selectors.offices_for(service=found)
    return offices[0] if offices else None


def join(conversation, pk: int) -> Reply:
    refused = _needs(conversation, "cnap.join")
    if refused:
        return refused
    found = selectors.service_in(community=conversation.community, pk=pk)
    office = _office(conversation, found)
    if office is None:
        return Reply(_("No office provides this service now."))
    ticket = services.join_remotely(resident=conversation.resident, office=office, service=found)
    return Reply(
        _(
            "You are in today's queue at %(office)s: ticket %(label)s. When you come, enter the "
            "code %(code)s at the kiosk."
        )
        % {"office": office.name, "label": ticket.label, "code": ticket.code},
        [[Button(_("Follow the ticket"), url=conversation.site_url(ticket.get_absolute_url()))]],
    )


def book(conversation, pk: int) -> Reply:
    refused = _needs(conversation, "cnap.book")
    if refused:
        return refused
    found = selectors.service_in(community=conversation.community, pk=pk)
    office = _office(conversation, found)
    if office is None:
        return Reply(_("No office provides this service now."))
    today = timezone.localdate()
    slots: list[str] = []
    for offset in range(DAYS_AHEAD):
        for starts_at, free in services.free_slots(
            office=office, service=found, day=today + timedelta(days=offset)
        ):
            if free:
                slots.append(starts_at.isoformat())
            if len(slots) >= SHOWN:
                break
        if len(slots) >= SHOWN:
            break
    if not slots:
        return Reply(_("There are no free slots in the next two weeks."))
    conversation.data.update(service=found.pk, office=office.pk, slots=slots)
    rows = [
        [Button(timezone.localtime(datetime.fromisoformat(s)).strftime("%d.%m %H:%M"), f"t:{i}")]
        for i, s in enumerate(slots)
    ]
    return Reply(
        _("Free times at %(office)s: choose one.") % {"office": office.name},
        rows,
        next_step=P + "service",
    )


def book_at(conversation, index: int) -> Reply:
    data = conversation.data
    slots = data.get("slots") or []
    if index >= len(slots):
        return find(conversation, Incoming())
    found = selectors.service_in(community=conversation.community, pk=data.get("service"))
    office = selectors.office_in(community=conversation.community, pk=data.get("office"))
    booking = services.book_slot(
        resident=conversation.resident,
        office=office,
        service=found,
        starts_at=datetime.fromisoformat(slots[index]),
    )
    when = timezone.localtime(booking.starts_at).strftime("%d.%m.%Y %H:%M")
    return Reply(
        _("Booked: %(service)s, %(office)s, %(when)s. Your check-in code: %(code)s.")
        % {"service": found.name, "office": office.name, "when": when, "code": booking.code}
    )


def mine(conversation, message: Incoming) -> Reply:
    resident = conversation.resident
    if resident is None:
        return Reply(_("Link this chat to your account to see your visits."))
    if message.data.startswith("c:"):
        value = message.data[2:]
        booking = selectors.booking_of(
            resident=resident, community=conversation.community, pk=value
        )
        services.cancel_booking(booking=booking, actor=resident)
        return Reply(_("The booking is cancelled."))
    now = timezone.now()
    bookings = [
        b
        for b in selectors.my_bookings(resident=resident, community=conversation.community)
        if b.status == "booked" and b.starts_at > now
    ][:SHOWN]
    tickets = list(selectors.my_tickets(resident=resident, community=conversation.community))
    lines, rows = [], []
    for ticket in tickets:
        lines.append(f"{ticket.label} — {ticket.service.name}: {ticket.get_status_display()}")
    for booking in bookings:
        when = timezone.localtime(booking.starts_at).strftime("%d.%m %H:%M")
        lines.append(f"{when} — {booking.service.name} ({booking.code})")
        rows.append([Button(_("Cancel %(when)s") % {"when": when}, f"c:{booking.pk}")])
    if not lines:
        return Reply(_("You have no tickets or booked visits."))
    return Reply("\n".join(lines), rows, next_step=P + "mine" if rows else None)
