"""
The chatbot's HTTP side: the Telegram and Viber webhooks, the web chat, the
account-link page, and the staff inbox, broadcasts and statistics.

A webhook verifies the platform's secret or signature, stores the raw update
once (unique per bot and update id) and queues it: it answers at once and
the worker does the rest.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from hromada.chatbot import engine, selectors, services_chat, viber
from hromada.chatbot.models import Bot, Broadcast, Chat, ChatMessage, Topic
from hromada.chatbot.replies import Incoming, clean_text
from hromada.core.errors import DomainError
from hromada.core.models import Settlement
from hromada.core.ratelimit import address_bucket, over_any

logger = logging.getLogger(__name__)
MAX_WEBHOOK_BYTES = 256 * 1024
WEB_SESSION_KEY = "chatbot_web_chat"


def _bot(request, pk: int, channel: str) -> Bot:
    bot = selectors.webhook_bot(community=request.community, pk=pk, channel=channel)
    if bot is None:
        raise Http404
    return bot


@csrf_exempt
@require_POST
def telegram_webhook(request, pk: int):
    bot = _bot(request, pk, Bot.Channel.TELEGRAM)
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    expected = bot.secret
    if not expected or not given or not hmac.compare_digest(given.encode(), expected.encode()):
        return HttpResponse(status=401)
    if len(request.body) > MAX_WEBHOOK_BYTES:
        return HttpResponse(status=413)
    try:
        body = json.loads(request.body)
        from hromada.chatbot.telegram import update_id

        key = update_id(body)
    except (ValueError, TypeError, AttributeError):
        return HttpResponse(status=400)
    services_chat.store_update(bot=bot, key=key, payload=body)
    return HttpResponse(status=200)


@csrf_exempt
@require_POST
def viber_webhook(request, pk: int):
    bot = _bot(request, pk, Bot.Channel.VIBER)
    if not viber.verify(bot.token, request.body, request.headers.get("X-Viber-Content-Signature")):
        return HttpResponse(status=403)
    if len(request.body) > MAX_WEBHOOK_BYTES:
        return HttpResponse(status=413)
    try:
        body = json.loads(request.body)
        event = body.get("event")
    except (ValueError, AttributeError):
        return HttpResponse(status=400)
    if event == "webhook":
        return HttpResponse(status=200)
    if event == "conversation_started":
        return _welcome(bot, body)
    try:
        key = viber.event_key(body)
    except ValueError:
        return HttpResponse(status=400)
    if event in ("message", "subscribed", "unsubscribed", "failed"):
        services_chat.store_update(bot=bot, key=key, payload=body)
    return HttpResponse(status=200)


def _welcome(bot: Bot, body: dict) -> JsonResponse:
    """Viber's welcome message goes in the answer to conversation_started (free of charge)."""
    parsed = viber.parse(body)
    context = str(body.get("context") or "")[:64]
    chat = services_chat.chat_for(bot=bot, external_id=parsed.chat_id, language=parsed.language)
    if context:
        # A deep link from the profile page carries the one-time link code.
        with transaction.atomic():
            locked = (
                Chat.objects.select_for_update(of=("self",))
                .select_related("community")
                .get(pk=chat.pk)
            )
            replies = engine.handle(locked, Incoming(text="/start", start_payload=context))
    else:
        with transaction.atomic():
            locked = (
                Chat.objects.select_for_update(of=("self",))
                .select_related("community")
                .get(pk=chat.pk)
            )
            replies = engine.handle(locked, Incoming(text="/start"))
    reply = replies[-1]
    if len(replies) > 1:
        reply.text = "\n\n".join(r.text for r in replies)
    return JsonResponse(viber.message_payload(reply, bot.name))


# -- web chat -------------------------------------------------------------------------------


def _web_chat(request) -> Chat:
    key = request.session.get(WEB_SESSION_KEY)
    if not isinstance(key, str) or len(key) != 43:
        key = secrets.token_urlsafe(32)
        request.session[WEB_SESSION_KEY] = key
    resident = request.user if request.user.is_authenticated else None
    return services_chat.web_chat_for(community=request.community, key=key, resident=resident)


def webchat(request):
    """The web chat page: the widget, for anonymous and signed-in visitors alike."""
    return render(request, "chatbot/webchat.html", {"menus": engine.MENUS})


def _message_dict(message: ChatMessage) -> dict:
    return {"id": message.pk, "from": message.direction, "text": message.text}


@require_POST
def webchat_send(request):
    address = address_bucket(request.META.get("REMOTE_ADDR", ""))
    if over_any(group="chatbot.web", checks=[(address, "60/m")]):
        return JsonResponse({"error": _("Too many messages. Please wait a little.")}, status=429)
    text = clean_text(request.POST.get("text", ""))
    data = clean_text(request.POST.get("data", ""))[:64]
    if not text and not data:
        return JsonResponse({"error": _("Write a message.")}, status=400)
    message = Incoming.from_text(data or text)
    if not data and message.data:
        message = Incoming(text=text)  # typed text is never taken for a button
    lat, lon = request.POST.get("lat"), request.POST.get("lon")
    if data == "x:location" and lat and lon:
        try:
            message = Incoming(lat=float(lat), lon=float(lon))
        except ValueError:
            return JsonResponse({"error": _("The location is not valid.")}, status=400)
    chat = _web_chat(request)
    with transaction.atomic():
        locked = (
            Chat.objects.select_for_update(of=("self",))
            .select_related("community", "resident")
            .get(pk=chat.pk)
        )
        replies = engine.handle(locked, message)
    last = (
        ChatMessage.objects.filter(chat=chat).order_by("-pk").values_list("pk", flat=True).first()
    )
    return JsonResponse({"replies": [reply.as_dict() for reply in replies], "last": last or 0})


@require_GET
def webchat_messages(request):
    """Messages after `after`: the staff's replies reach the widget this way."""
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        after = 0
    after = max(0, min(after, 2**62))
    key = request.session.get(WEB_SESSION_KEY)
    if not isinstance(key, str):
        return JsonResponse({"messages": [], "last": after})
    chat = Chat.objects.filter(
        community=request.community, channel=Chat.Channel.WEB, external_id=key
    ).first()
    if chat is None:
        return JsonResponse({"messages": [], "last": after})
    rows = list(
        ChatMessage.objects.filter(chat=chat, pk__gt=after, author__isnull=False).order_by("pk")[
            :50
        ]
    )
    last = max([after] + [row.pk for row in rows])
    return JsonResponse({"messages": [_message_dict(row) for row in rows], "last": last})


# -- linking a chat to the account -----------------------------------------------------------


@login_required
def link(request):
    """The one-time code and deep links that tie a Telegram or Viber chat to this account."""
    code = None
    if request.method == "POST":
        if request.POST.get("action") == "forget":
            count = services_chat.forget_my_chats(
                resident=request.user, community=request.community
            )
            messages.success(
                request, _("Your conversations were deleted: %(count)d.") % {"count": count}
            )
            return redirect("chatbot:link")
        code = services_chat.create_link_code(resident=request.user, community=request.community)
    bots = Bot.objects.filter(community=request.community, active=True)
    links = []
    for bot in bots:
        if code and bot.username:
            if bot.channel == Bot.Channel.TELEGRAM:
                links.append((bot, f"https://t.me/{bot.username}?start={code}"))
            else:
                links.append((bot, f"viber://pa?chatURI={bot.username}&context={code}"))
    chats = services_chat.linked_chats(resident=request.user, community=request.community)
    return render(
        request, "chatbot/link.html", {"code": code, "links": links, "bots": bots, "chats": chats}
    )


# -- staff ---------------------------------------------------------------------------------------


def _require_staff(request):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('core:login')}?next={request.path}")
    if not services_chat.may_answer(request.user, request.community):
        raise Http404
    return None


def inbox(request):
    refused = _require_staff(request)
    if refused:
        return refused
    state = request.GET.get("state", "open")
    if state not in ("open", "mine", "closed"):
        state = "open"
    chats = selectors.inbox(community=request.community, staff=request.user, state=state)
    page = Paginator(chats, 25).get_page(request.GET.get("page"))
    return render(request, "chatbot/inbox.html", {"page": page, "state": state})


def conversation(request, pk: int):
    refused = _require_staff(request)
    if refused:
        return refused
    chat = Chat.objects.filter(community=request.community, pk=min(pk, 2**62)).first()
    if chat is None:
        raise Http404
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "assign":
                services_chat.assign(
                    staff=request.user, community=request.community, chat_id=chat.pk
                )
            elif action == "close":
                services_chat.close_conversation(
                    staff=request.user, community=request.community, chat_id=chat.pk
                )
            elif action == "reply":
                services_chat.staff_reply(
                    staff=request.user,
                    community=request.community,
                    chat_id=chat.pk,
                    text=request.POST.get("text", ""),
                )
                messages.success(request, _("The reply was sent."))
            return redirect("chatbot:conversation", pk=chat.pk)
        except DomainError as problem:
            error = str(problem)
    history = list(chat.messages.select_related("author").order_by("-pk")[:100])[::-1]
    return render(
        request,
        "chatbot/conversation.html",
        {"chat": chat, "history": history, "error": error, "text": request.POST.get("text", "")},
        status=400 if error else 200,
    )


def broadcasts(request):
    refused = _require_staff(request)
    if refused:
        return refused
    if not services_chat.may_broadcast(request.user, request.community):
        raise Http404
    settlements = Settlement.objects.filter(community=request.community).order_by("name")
    form = {
        "topic": request.POST.get("topic", ""),
        "settlement": request.POST.get("settlement", ""),
        "text": request.POST.get("text", ""),
    }
    preview, error = None, ""
    if request.method == "POST":
        try:
            preview = services_chat.preview(
                community=request.community,
                topic=form["topic"],
                settlement_id=form["settlement"] or None,
            )
            if request.POST.get("action") == "send":
                broadcast = services_chat.create_broadcast(
                    staff=request.user,
                    community=request.community,
                    topic=form["topic"],
                    text=form["text"],
                    settlement_id=form["settlement"] or None,
                )
                messages.success(
                    request,
                    _("The broadcast is being sent to %(count)d subscribers.")
                    % {"count": broadcast.recipients},
                )
                return redirect("chatbot:broadcasts")
        except DomainError as problem:
            error = str(problem)
    sent = Paginator(
        Broadcast.objects.filter(community=request.community).select_related("settlement"), 20
    ).get_page(request.GET.get("page"))
    rows = [(broadcast, services_chat.delivery_stats(broadcast)) for broadcast in sent]
    return render(
        request,
        "chatbot/broadcasts.html",
        {
            "topics": Topic.choices,
            "settlements": settlements,
            "form": form,
            "preview": preview,
            "error": error,
            "page": sent,
            "rows": rows,
        },
        status=400 if error else 200,
    )


def statistics(request):
    refused = _require_staff(request)
    if refused:
        return refused
    stats = selectors.statistics(community=request.community)
    return render(request, "chatbot/statistics.html", {"stats": stats})
