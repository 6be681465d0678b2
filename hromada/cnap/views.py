"""Service centre pages: parse the request, call a selector or a service, render or redirect."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta
from functools import wraps
from urllib.parse import urljoin

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import escape
from django.utils.http import http_date
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hromada.cnap import board, selectors, services
from hromada.cnap.models import (
    Booking,
    Desk,
    LifeSituation,
    Office,
    PriorityCategory,
    Ticket,
)
from hromada.core.errors import DomainError
from hromada.core.identity import level_required
from hromada.core.notifications import site_url
from hromada.core.ratelimit import address_bucket, over_any

# A kiosk is one address at the office: generous for a busy morning, a wall
# against a script printing tickets.
KIOSK_RATE = "30/m"
TICKET_REFRESH_SECONDS = 10
# The ticket page's estimate is worked out again at least this often.
ESTIMATE_BUCKET_SECONDS = 120
TICKET_PLACE_SECONDS = 24 * 3600
# A board feed kept per office and version: every board of the office shares it.
BOARD_FEED_SECONDS = 300
# The board asks every second (a 304 from the cache while nothing changed):
# a call shows within a second and the answer's time.
BOARD_POLL_MILLISECONDS = 1000


def _or_404(function, **kwargs):
    try:
        return function(**kwargs)
    except DomainError:
        raise Http404 from None


def _cnap_staff(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not selectors.is_cnap_staff(request.user, request.community):
            return render(request, "403.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


# The catalogue --------------------------------------------------------------


def catalogue(request):
    community = request.community
    query = request.GET.get("q", "")[:200]
    situation = None
    if request.GET.get("situation"):
        situation = LifeSituation.objects.filter(
            community=community, slug=request.GET["situation"][:60]
        ).first()
    provider = request.GET.get("provider", "")[:200]
    found = selectors.catalogue(
        community=community, query=query, situation=situation, provider=provider
    )
    context = {
        "query": query,
        "situation": situation,
        "provider": provider,
        "services": found,
        "situations": selectors.life_situations(community=community),
        "providers": selectors.providers(community=community),
        "offices": selectors.offices(community=community),
        "filtered": bool(query or situation or provider),
    }
    return render(request, "cnap/catalogue.html", context)


def service(request, pk: int):
    found = _or_404(selectors.service_in, community=request.community, pk=pk)
    context = {
        "service": found,
        "offices": selectors.offices_for(service=found),
        "situations": found.life_situations.all(),
    }
    return render(request, "cnap/service.html", context)


def office(request, pk: int):
    found = _or_404(selectors.office_in, community=request.community, pk=pk)
    context = {
        "office": found,
        "hours": found.hours.all(),
        "exceptions": found.exceptions.filter(date__gte=timezone.localdate())[:10],
        "desks": found.desks.count(),
    }
    return render(request, "cnap/office.html", context)


# Booking ----------------------------------------------------------------------


def _days_ahead(community) -> list[date]:
    rules = services.rules_for(community)
    today = timezone.localdate()
    return [today + timedelta(days=n) for n in range(rules.horizon_days + 1)]


@level_required("cnap.book")
def book(request, pk: int):
    """Choose an office and a day, see the free slots, book one."""
    community = request.community
    found = _or_404(selectors.service_in, community=community, pk=pk)
    offices = selectors.offices_for(service=found)
    chosen = None
    if request.GET.get("office") or request.POST.get("office"):
        chosen = next(
            (
                office
                for office in offices
                if str(office.pk) == (request.POST.get("office") or request.GET.get("office"))
            ),
            None,
        )
    elif len(offices) == 1:
        chosen = offices[0]
    day = parse_date(request.GET.get("day", "") or "") or None
    if request.method == "POST" and chosen is not None:
        starts_at = parse_datetime(request.POST.get("slot", "")[:40])
        try:
            if starts_at is None:
                raise services.SlotUnavailable()
            booking = services.book_slot(
                resident=request.user, office=chosen, service=found, starts_at=starts_at
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Booked. Your check-in code is %(code)s; we sent it by e-mail too.")
                % {"code": booking.code},
            )
            return redirect("cnap:mine")
        day = timezone.localtime(starts_at).date() if starts_at else day
    days = _days_ahead(community)
    slots = []
    if chosen is not None and day is not None:
        slots = services.free_slots(office=chosen, service=found, day=day)
    context = {
        "service": found,
        "offices": offices,
        "chosen": chosen,
        "days": days,
        "day": day,
        "slots": slots,
    }
    return render(request, "cnap/book.html", context)


@login_required
@require_POST
def cancel_booking(request, pk: int):
    booking = _or_404(
        selectors.booking_of, resident=request.user, community=request.community, pk=pk
    )
    try:
        services.cancel_booking(booking=booking, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The booking is cancelled."))
    return redirect("cnap:mine")


@login_required
def booking_ics(request, pk: int):
    """Return the booking as a calendar file (RFC 5545)."""
    booking = _or_404(
        selectors.booking_of, resident=request.user, community=request.community, pk=pk
    )
    body = calendar_file(booking, site_url(request.community))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cnap-{booking.pk}.ics"'
    return response


def calendar_file(booking: Booking, base_url: str) -> bytes:
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//Hromada//ЦНАП//UK")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"cnap-booking-{booking.pk}@hromada")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", booking.starts_at)
    event.add(
        "dtend",
        booking.starts_at + timedelta(minutes=services.slot_minutes(booking.service)),
    )
    event.add("summary", f"ЦНАП: {booking.service.name}"[:250])
    event.add("location", f"{booking.office.name}, {booking.office.address}")
    event.add(
        "description",
        _("Check-in code: %(code)s") % {"code": booking.code}
        + "\n"
        + base_url
        + booking.service.get_absolute_url(),
    )
    calendar.add_component(event)
    return calendar.to_ical()


@level_required("cnap.join")
@require_POST
def join(request, pk: int):
    community = request.community
    found = _or_404(selectors.service_in, community=community, pk=pk)
    chosen = _or_404(selectors.office_in, community=community, pk=request.POST.get("office"))
    try:
        ticket = services.join_remotely(resident=request.user, office=chosen, service=found)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(found)
    return redirect(ticket)


def join_phone(request, pk: int):
    """Without an account: text a one-time code to the phone, then confirm it."""
    community = request.community
    found = _or_404(selectors.service_in, community=community, pk=pk)
    offices = selectors.offices_for(service=found)
    context = {"service": found, "offices": offices, "phone": "", "chosen": None}
    status = 200
    if request.method == "POST":
        chosen = next((o for o in offices if str(o.pk) == request.POST.get("office")), None)
        context["phone"] = request.POST.get("phone", "")[:20]
        context["chosen"] = chosen.pk if chosen else None
        try:
            if chosen is None:
                raise services.OfficeNotFound()
            challenge = services.request_phone_code(
                office=chosen,
                service=found,
                phone=request.POST.get("phone", ""),
                address=request.META.get("REMOTE_ADDR", ""),
            )
        except DomainError as error:
            context["error"] = str(error)
            status = error.status
        else:
            return redirect("cnap:confirm_phone", token=challenge.token)
    return render(request, "cnap/join_phone.html", context, status=status)


def confirm_phone(request, token):
    community = request.community
    challenge = _or_404(services.phone_code_by_token, community=community, token=token)
    context = {"service": challenge.service, "challenge": challenge}
    status = 200
    if request.method == "POST":
        try:
            ticket = services.confirm_phone_code(
                community=community,
                token=challenge.token,
                code=request.POST.get("code", ""),
                address=request.META.get("REMOTE_ADDR", ""),
            )
        except DomainError as error:
            context["error"] = str(error)
            status = error.status
        else:
            messages.success(
                request,
                _("You are in the queue. Check in at the kiosk with code %(code)s.")
                % {"code": ticket.code},
            )
            return redirect(ticket)
    return render(request, "cnap/join_phone.html", context, status=status)


@login_required
def mine(request):
    context = {
        "tickets": selectors.my_tickets(resident=request.user, community=request.community),
        "bookings": selectors.my_bookings(resident=request.user, community=request.community),
        "now": timezone.now(),
    }
    return render(request, "cnap/mine.html", context)


# The ticket ---------------------------------------------------------------------


def _ticket(request, token) -> Ticket:
    ticket = _or_404(selectors.ticket_for_page, token=token)
    if ticket.community_id != request.community.pk:
        raise Http404
    ticket.office.community = request.community
    return ticket


def _ticket_context(ticket: Ticket) -> dict:
    return {
        "ticket": ticket,
        "ahead": selectors.ahead_of(ticket),
        "estimate": selectors.estimate(ticket),
        "refresh": TICKET_REFRESH_SECONDS,
    }


def ticket(request, token):
    """The visitor's live ticket: position, estimated wait, the desk when called."""
    found = _ticket(request, token)
    # Where the ticket is, for its status polls' ETag (ticket_status).
    _keep_place(found)
    context = _ticket_context(found)
    context["own"] = request.user.is_authenticated and found.resident_id == request.user.pk
    return render(request, "cnap/ticket.html", context)


def _ticket_etag(request, token, place) -> str:
    """
    Return the ETag of a ticket's live part from the cache alone.

    It names the ticket, the versions of its office and of its service's
    line (bumped on commit by every change a ticket page shows: a ticket
    of the line issued, called, started, finished, transferred, cancelled;
    the office paused or resumed), the language, and a two-minute bucket,
    so the estimate is recomputed at least that often.
    """
    _community, office_id, service_id = place
    bucket = int(time.time() // ESTIMATE_BUCKET_SECONDS)
    version = board.line_version(office_id, service_id)
    return f'"{token}-{version}-{bucket}-{request.LANGUAGE_CODE}"'


def _place_key(token) -> str:
    return f"cnap:ticket-place:{token}"


def _keep_place(ticket: Ticket) -> tuple[int, int, int]:
    where = (ticket.community_id, ticket.office_id, ticket.service_id)
    cache.set(_place_key(ticket.token), where, TICKET_PLACE_SECONDS)
    return where


def ticket_status(request, token):
    """
    The ticket page's live part, polled by htmx (every phone in the queue).

    Answered 304 Not Modified without a database query while the ticket's
    line and office are unchanged: where a ticket is (community, office,
    service) is kept in the cache once a full answer has read it.
    """
    token = str(token)
    place = cache.get(_place_key(token))
    etag = None
    if place is not None and place[0] == request.community.pk:
        etag = _ticket_etag(request, token, place)
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponseNotModified()
            response["ETag"] = etag
            return response
    found = _ticket(request, token)
    if place != (found.community_id, found.office_id, found.service_id):
        # The first poll, or the ticket moved to another service. An ETag
        # is only given when its versions were read before the ticket (a
        # change committed in between then shows at the next poll), so
        # this answer has none, or the old line's; the next poll builds
        # it from the place kept now.
        _keep_place(found)
    response = render(request, "cnap/_ticket_status.html", _ticket_context(found))
    if etag is not None:
        response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    return response


@login_required
@require_POST
def cancel_ticket(request, token):
    found = _ticket(request, token)
    try:
        services.cancel_ticket(ticket=found, resident=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your place in the queue is cancelled."))
    return redirect(found)


# The kiosk ----------------------------------------------------------------------


def _kiosk_office(request, pk) -> Office:
    return _or_404(selectors.office_in, community=request.community, pk=pk)


def _kiosk_flooded(request, office: Office) -> bool:
    address = address_bucket(request.META.get("REMOTE_ADDR", ""))
    return over_any(group="cnap.kiosk", checks=[(f"{office.pk}:{address}", KIOSK_RATE)])


def kiosk(request, pk: int):
    """The touch screen at the entrance: no log-in, big buttons."""
    found = _kiosk_office(request, pk)
    situation = None
    if request.GET.get("situation"):
        situation = LifeSituation.objects.filter(
            community=request.community, slug=request.GET["situation"][:60]
        ).first()
    offered = [
        service
        for service in selectors.catalogue(community=request.community, situation=situation)
        if services.offered_at(service=service, office=found)
    ]
    context = {
        "office": found,
        "situation": situation,
        "situations": selectors.life_situations(community=request.community),
        "services": offered,
        "priorities": PriorityCategory.objects.filter(community=request.community),
        "receiving": services.is_receiving(office=found, now=timezone.now()),
    }
    return render(request, "cnap/kiosk.html", context)


@require_POST
def kiosk_issue(request, pk: int):
    found = _kiosk_office(request, pk)
    if _kiosk_flooded(request, found):
        from hromada.core.views import rate_limited

        return rate_limited(request)
    chosen = selectors.service_to_queue(
        community=request.community, pk=_int(request.POST.get("service"))
    )
    # Most tickets are regular: no priority asked, no query for one.
    priority_pk = _int(request.POST.get("priority"))
    priority = (
        PriorityCategory.objects.filter(community=request.community, pk=priority_pk).first()
        if priority_pk
        else None
    )
    try:
        if chosen is None:
            raise services.ServiceNotFound()
        issued = services.issue_ticket(office=found, service=chosen, priority=priority)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("cnap:kiosk", pk=found.pk)
    return redirect("cnap:kiosk_ticket", pk=found.pk, token=issued.token)


@require_POST
def kiosk_check_in(request, pk: int):
    found = _kiosk_office(request, pk)
    if _kiosk_flooded(request, found):
        from hromada.core.views import rate_limited

        return rate_limited(request)
    try:
        checked = services.check_in(office=found, code=request.POST.get("code", "")[:20])
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("cnap:kiosk", pk=found.pk)
    return redirect("cnap:kiosk_ticket", pk=found.pk, token=checked.token)


def kiosk_ticket(request, pk: int, token):
    """The printed ticket (58 or 80 mm) with a QR code of the live ticket page."""
    import segno

    found = _kiosk_office(request, pk)
    issued = _ticket(request, token)
    if issued.office_id != found.pk:
        raise Http404
    # The community's own address, never the request's Host (which a client sets).
    link = urljoin(site_url(request.community), issued.get_absolute_url())
    # A data: URI in an <img>: the page never takes markup from a library as HTML.
    # One fixed mask pattern (any of the eight reads alike): trying all eight
    # for the "best" one was half of the printed ticket's CPU.
    qr = segno.make(link, error="m", mask=2).svg_data_uri(scale=3)
    context = {"office": found, "ticket": issued, "qr": qr, "link": link}
    context.update(_ticket_context(issued))
    return render(request, "cnap/kiosk_ticket.html", context)


def _int(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**31 else 0


# The display board ----------------------------------------------------------------


def board_page(request, pk: int):
    """The TV page: current calls, the last five, notices; polls its feed."""
    found = _kiosk_office(request, pk)
    context = selectors.board_state(office=found)
    context.update(
        {
            "feed_url": reverse("cnap:board_feed", args=[found.pk]),
            "voice_url": reverse("cnap:voice") if board.voice_available() else "",
            "poll": BOARD_POLL_MILLISECONDS,
            "site_url": urljoin(site_url(found.community), reverse("cnap:catalogue")),
        }
    )
    return render(request, "cnap/board.html", context)


@require_GET
def board_feed(request, pk: int):
    """
    The board's JSON feed, answered 304 from the cache while nothing changed.

    The ETag names the community, the office and the version the services
    bump on commit; an unchanged board costs one cache read and no query.
    """
    community = request.community
    version = board.version(pk)
    etag = f'"{community.pk}-{pk}-{version}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return response
    feed_key = f"cnap:board-feed:{community.pk}:{pk}:{version}"
    content = cache.get(feed_key)
    if content is None:
        content = _board_feed_content(_kiosk_office(request, pk), version)
        # Only after the office was found in this community: the key names both.
        cache.set(feed_key, content, BOARD_FEED_SECONDS)
    response = HttpResponse(content, content_type="application/json")
    response["ETag"] = etag
    response["Last-Modified"] = http_date(version / 1e9)
    response["Cache-Control"] = "no-cache"
    return response


def _board_feed_content(found: Office, version: int) -> bytes:
    """Return the board feed's JSON of the office at this version."""
    state = selectors.board_state(office=found)
    body = {
        "version": version,
        "current": state["current"],
        "recent": [
            {
                "id": call["id"],
                "ticket": call["ticket"],
                "desk": call["desk"],
                "text": board.call_phrase(call["ticket"][0], int(call["ticket"][1:]), call["desk"]),
                "spoken": board.spoken_phrase(
                    call["ticket"][0], int(call["ticket"][1:]), call["desk"]
                ),
            }
            for call in state["recent"]
        ],
        "waiting": state["waiting"],
        "paused": state["paused"],
        "blackout": state["blackout"],
    }
    return json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False).encode()


@require_GET
def voice(request):
    """The call read aloud by espeak-ng's Ukrainian voice (a WAV cached per phrase)."""
    text = request.GET.get("text", "")[:200]
    if not text.startswith("Талон "):
        raise Http404
    wav = board.voice_wav(text)
    if wav is None:
        raise Http404
    response = HttpResponse(wav, content_type="audio/wav")
    response["Cache-Control"] = "public, max-age=86400"
    return response


# The operator's console ------------------------------------------------------------


@_cnap_staff
def console(request):
    """Choose a desk (an operator with one desk goes straight to it) or run an office."""
    desks = selectors.desks_of(staff=request.user, community=request.community)
    if len(desks) == 1 and not request.GET.get("all"):
        return redirect("cnap:desk", pk=desks[0].pk)
    runs = [
        office
        for office in selectors.offices(community=request.community)
        if services.may_run_office(request.user, office)
    ]
    context = {
        "desks": desks,
        "offices": runs,
        # The settings section: whether the board can read calls aloud here.
        "voice_available": board.voice_available(),
    }
    return render(request, "cnap/console.html", context)


def _desk_staff(view):
    """
    The console's desk pages: ЦНАП staff (else 403) who may work the desk (else 404).

    The desk, its office, the rules and the staff member's roles come in one
    statement (selectors.desk_in); the view gets the desk instead of its id.
    """

    @wraps(view)
    @login_required
    def wrapper(request, pk, *args, **kwargs):
        try:
            found = selectors.desk_in(community=request.community, pk=pk, staff=request.user)
        except DomainError:
            found = None
        if not selectors.is_cnap_staff(request.user, request.community):
            return render(request, "403.html", status=403)
        if found is None or not services.may_work_desk(request.user, found):
            raise Http404
        return view(request, found, *args, **kwargs)

    return wrapper


_IN_HAND_UNKNOWN = object()


def _panel_context(desk: Desk, ticket=_IN_HAND_UNKNOWN) -> dict:
    """
    Return what the console's panel shows, and nothing more.

    `ticket` is the ticket in hand when the caller already has it (the
    action just called or changed it). With a ticket in hand the panel
    shows the transfer form: its lists come in the statement that counts
    the waiting, as ready markup (no template loop per option).
    """
    if ticket is _IN_HAND_UNKNOWN:
        ticket = services.in_hand(desk=desk)
    context = {"desk": desk, "office": desk.office, "ticket": ticket}
    if ticket is None:
        context["waiting"] = selectors.waiting_at_desk(desk)
        return context
    waiting, to_services, to_desks = selectors.desk_panel_lists(desk)
    label = _("Desk %(number)s")
    context.update(
        waiting=waiting,
        outcome_buttons=_outcome_buttons(),
        # Most names fit and are left as they are; longer ones are cut once here.
        service_options=_options(
            (pk, name if len(name) <= 60 else Truncator(name).chars(60)) for pk, name in to_services
        ),
        desk_options=_options((pk, label % {"number": number}) for pk, number in to_desks),
    )
    return context


def _options(choices) -> SafeString:
    """Return the <option>s of a select with an empty first choice, each label escaped."""
    parts = ['<option value="">—</option>']
    parts += [f'<option value="{int(pk)}">{escape(label)}</option>' for pk, label in choices]
    return mark_safe("".join(parts))  # noqa: S308 -- every label escaped above


_OUTCOME_BUTTONS: dict[str, SafeString] = {}


def _outcome_buttons() -> SafeString:
    """Return the finish form's outcome buttons in the active language (built once per language)."""
    language = get_language()
    found = _OUTCOME_BUTTONS.get(language)
    if found is None:
        parts = []
        for index, (value, label) in enumerate(Ticket.Outcome.choices):
            extra = ' data-key="f" class=""' if index == 0 else ' class="button-secondary"'
            parts.append(
                f'<button type="submit" name="outcome" value="{escape(value)}"{extra}>'
                f"{escape(label)}</button>"
            )
        found = _OUTCOME_BUTTONS[language] = mark_safe("".join(parts))  # noqa: S308 -- escaped
    return found


@_desk_staff
def desk(request, found: Desk):
    return render(request, "cnap/desk.html", _panel_context(found))


@_desk_staff
def desk_panel(request, found: Desk):
    return render(request, "cnap/_desk_panel.html", {**_panel_context(found), "partial": True})


DESK_ACTIONS = {
    "next": lambda desk, actor, post: services.call_next(desk=desk, actor=actor),
    "recall": lambda desk, actor, post: services.recall(desk=desk, actor=actor),
    "start": lambda desk, actor, post: services.start(desk=desk, actor=actor),
    "finish": lambda desk, actor, post: services.finish(
        desk=desk, actor=actor, outcome=post.get("outcome", "")
    ),
    "no-show": lambda desk, actor, post: services.mark_no_show(desk=desk, actor=actor),
    "transfer": lambda desk, actor, post: services.transfer(
        desk=desk,
        actor=actor,
        to_service=selectors.service_to_queue(
            community=desk.office.community, pk=_int(post.get("to_service"))
        )
        if post.get("to_service")
        else None,
        to_desk=Desk.objects.filter(office_id=desk.office_id, pk=_int(post.get("to_desk"))).first()
        if post.get("to_desk")
        else None,
    ),
    "priority": lambda desk, actor, post: services.confirm_priority(
        desk=desk, actor=actor, document=post.get("document", "")[:100]
    ),
    "break": lambda desk, actor, post: services.set_desk_state(
        desk=desk, actor=actor, on_break=not desk.on_break
    ),
    "close": lambda desk, actor, post: services.set_desk_state(
        desk=desk, actor=actor, is_open=not desk.is_open, on_break=False
    ),
}


# Actions that return the ticket they called or changed at the desk.
TICKET_ACTIONS = frozenset({"next", "recall", "start", "finish", "no-show", "transfer"})


@_desk_staff
@require_POST
def desk_action(request, found: Desk, action: str):
    """Run one console button; htmx gets the panel back, a plain form a redirect."""
    if action not in DESK_ACTIONS:
        raise Http404
    in_hand = _IN_HAND_UNKNOWN
    try:
        result = DESK_ACTIONS[action](found, request.user, request.POST)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        if action == "next" and result is None:
            messages.info(request, _("Nobody is waiting for this desk's services."))
        if action in TICKET_ACTIONS:
            # The action returned the desk's ticket (or, after next, None:
            # nobody called); a desk holds one ticket, so once it has left
            # the desk, nothing is in hand.
            in_hand = result if result is not None and result.status in Ticket.IN_HAND else None
    if request.headers.get("HX-Request"):
        context = {**_panel_context(found, in_hand), "partial": True}
        return render(request, "cnap/_desk_panel.html", context)
    return redirect("cnap:desk", pk=found.pk)


@_cnap_staff
@require_POST
def office_action(request, pk: int, action: str):
    """Air-raid pause and resume, blackout mode: the head or the office's starosta."""
    found = _or_404(selectors.office_in, community=request.community, pk=pk)
    try:
        if action == "pause":
            services.pause_office(office=found, actor=request.user)
        elif action == "resume":
            services.resume_office(office=found, actor=request.user)
        elif action == "blackout":
            services.set_blackout(office=found, actor=request.user, on=not found.blackout)
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, str(error))
    return redirect(reverse("cnap:console") + "?all=1")
