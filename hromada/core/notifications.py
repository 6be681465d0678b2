"""
Notifications: one call renders a translated message for a resident.

`notify()` renders ``<module>/notifications/<event>_subject.txt`` and
``<event>_body.txt`` in the resident's language, stores a `Notification` row
inside the caller's transaction and queues its delivery for after the commit,
so a rolled-back change never sends anything. Channels are pluggable: e-mail
and SMS (`hromada.core.sms`) now; Telegram and Viber register their own sender
in `CHANNELS`.

`notify_address()` does the same for someone with no account, e.g. who wrote
in through Open311 or by phone and left an e-mail address: the templates
get ``resident`` as None.

Messages are plain text, so their templates render without HTML escaping:
a title "об'єкт" must reach the reader as typed, not as "об&#x27;єкт".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone, translation

from hromada.core import sms
from hromada.core.models import Community, Notification, Resident

logger = logging.getLogger(__name__)


def message_id(notification: Notification) -> str:
    """
    Return the Message-ID of a notification's e-mail: the same at every attempt.

    Should a worker die after the mail server took a message but before the
    row was marked sent, the retry sends it again under the same id, which
    mail programs show once.
    """
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "hromada.local"
    return f"<notification.{notification.pk}@{domain}>"


def _send_email(notification: Notification) -> None:
    EmailMessage(
        notification.subject,
        notification.body,
        settings.DEFAULT_FROM_EMAIL,
        [notification.address or notification.resident.email],
        headers={"Message-ID": message_id(notification)},
    ).send()


CHANNELS: dict[str, Callable[[Notification], None]] = {
    "email": _send_email,
    "sms": sms.send_notification,
}

# Channels an installed module adds (the chatbot: "chatbot"), each with whether a
# resident is reachable there: name -> wants(resident) -> bool. Its sender goes in CHANNELS.
OPTIONAL_CHANNELS: dict[str, Callable[[Resident], bool]] = {}


def channels_for(resident: Resident) -> list[str]:
    """Return the channels the resident wants to be notified on."""
    chosen = []
    if resident.notify_by_email and resident.email and not resident.deleted_at:
        chosen.append("email")
    if sms.wants_sms(resident):
        chosen.append("sms")
    for name, wants in OPTIONAL_CHANNELS.items():
        if name in CHANNELS and not resident.deleted_at and wants(resident):
            chosen.append(name)
    return chosen


def render_text(template_name: str, context: dict) -> str:
    """
    Render a plain-text template with HTML escaping off.

    Escaping protects HTML; in a text message it only garbles quotes,
    ampersands and apostrophes, which Ukrainian words are full of.
    """
    template = get_template(template_name).template  # the engine's own Template
    return template.render(Context(context, autoescape=False))


def prepare(
    resident: Resident | None,
    event: str,
    *,
    community: Community | None = None,
    channels: list[str] | None = None,
    **context,
) -> list[Notification]:
    """
    Render the `event` message for a resident as notify() does, one unsaved
    row a channel, for a caller that stores the rows in a statement of its
    own and then calls queue_delivery(). The subject is not yet cut to 200
    characters: a caller that fills in values after rendering cuts it then.
    """
    if resident is None:
        return []
    # Asked first: a resident who takes no notifications costs no rendering.
    if channels is None:
        channels = channels_for(resident)
    if not channels:
        return []
    module, name = event.split("/", 1)
    context = {"resident": resident, "community": community, **context}
    if community is not None:
        context.setdefault("site_url", site_url(community))
    with translation.override(resident.language or settings.LANGUAGE_CODE):
        subject = render_text(f"{module}/notifications/{name}_subject.txt", context)
        body = render_text(f"{module}/notifications/{name}_body.txt", context)
    subject, body = " ".join(subject.split()), body.strip()
    return [
        Notification(
            resident=resident,
            community=community,
            event=event,
            channel=channel,
            subject=subject,
            body=body,
        )
        for channel in channels
    ]


def queue_delivery(notification_ids) -> None:
    """Queue the delivery of stored notifications once the transaction commits."""
    for pk in notification_ids:
        transaction.on_commit(lambda pk=pk: _enqueue(pk))


def notify(
    resident: Resident | None,
    event: str,
    *,
    community: Community | None = None,
    channels: list[str] | None = None,
    **context,
) -> list[Notification]:
    """
    Render and queue the `event` message ("petitions/answered") for a resident,
    on `channels` when the caller has asked channels_for already.
    """
    created = prepare(resident, event, community=community, channels=channels, **context)
    for notification in created:
        notification.subject = notification.subject[:200]
        notification.save(force_insert=True)
        transaction.on_commit(lambda pk=notification.pk: _enqueue(pk))
    return created


def notify_many(residents, event: str, **kwargs) -> int:
    """Notify each resident once; return how many were notified."""
    seen, count = set(), 0
    for resident in residents:
        if resident is None or resident.pk in seen:
            continue
        seen.add(resident.pk)
        count += bool(notify(resident, event, **kwargs))
    return count


def notify_address(
    email: str,
    event: str,
    *,
    language: str,
    community: Community | None = None,
    **context,
) -> Notification | None:
    """
    Render and queue the `event` message by e-mail to an address of no account.

    Also for notices that must reach an account's own address whatever its
    notification settings (someone signed up with it again). The row keeps
    the address, so the queued task carries only its id and
    nothing personal reaches the queue or the logs.
    """
    if not email:
        return None
    module, name = event.split("/", 1)
    context = {"resident": None, "community": community, **context}
    if community is not None:
        context.setdefault("site_url", site_url(community))
    with translation.override(language):
        subject = render_text(f"{module}/notifications/{name}_subject.txt", context)
        body = render_text(f"{module}/notifications/{name}_body.txt", context)
    notification = Notification.objects.create(
        address=email,
        community=community,
        event=event,
        channel="email",
        subject=" ".join(subject.split())[:200],
        body=body.strip(),
    )
    transaction.on_commit(lambda pk=notification.pk: _enqueue(pk))
    return notification


def _enqueue(notification_id: int) -> None:
    from hromada.core.tasks import deliver_notification

    deliver_notification.enqueue(notification_id)


def deliver(notification_id: int) -> None:
    """
    Send one queued notification through its channel, once however often it runs.

    The worker first claims the row with a conditional UPDATE that stamps
    `sent_at` with the attempt's start (the row stays queued), so two workers
    given the same id, the queued job and `retry_stalled` racing, never both
    send. A claim older than NOTIFICATION_CLAIM_SECONDS belongs to a worker
    that died mid-send and may be taken over. Once sent, `sent_at` becomes the
    time it went out.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.HROMADA_NOTIFICATION_CLAIM_SECONDS)
    rows = Notification.objects.filter(pk=notification_id, status=Notification.Status.QUEUED)
    claimed = rows.filter(Q(sent_at__isnull=True) | Q(sent_at__lt=stale)).update(sent_at=now)
    if not claimed:
        return  # sent, given up, or another worker is sending it now
    notification = Notification.objects.select_related("resident").get(pk=notification_id)
    mine = rows.filter(sent_at=now)
    sender = CHANNELS.get(notification.channel)
    if sender is None:
        mine.update(status=Notification.Status.SKIPPED, error="no such channel")
        return
    try:
        sender(notification)
    except Exception as error:  # the channel's own failure; logged without content
        logger.warning("notification %s failed: %s", notification_id, type(error).__name__)
        if getattr(error, "temporary", False):
            # A gateway busy or out of reach: the row stays queued, and
            # retry_stalled tries it again on the scheduler's next run.
            mine.update(sent_at=None, error=type(error).__name__)
            return
        mine.update(status=Notification.Status.FAILED, error=type(error).__name__)
        return
    mine.update(status=Notification.Status.SENT, sent_at=timezone.now())


def retry_stalled() -> int:
    """
    Deliver the notifications whose delivery never finished; return how many.

    A queued job is lost when its worker dies (RQ moves an abandoned job to
    its failed registry and never runs it again) or when the queue loses it;
    the row stays queued, so the scheduler's periodic run sends it here.
    `deliver` claims each row, so a late original job sends nothing twice.
    """
    now = timezone.now()
    waited = now - timedelta(seconds=settings.HROMADA_NOTIFICATION_RETRY_SECONDS)
    stale = now - timedelta(seconds=settings.HROMADA_NOTIFICATION_CLAIM_SECONDS)
    stalled = Notification.objects.filter(
        Q(sent_at__isnull=True) | Q(sent_at__lt=stale),
        status=Notification.Status.QUEUED,
        created_at__lt=waited,
    ).values_list("pk", flat=True)
    count = 0
    for pk in stalled[:1000]:
        deliver(pk)
        count += 1
    return count


def site_url(community: Community) -> str:
    """Return the community's public base URL, used in messages."""
    if community.domain:
        host = community.domain
    else:
        host = f"{community.slug}.{settings.HROMADA_BASE_DOMAIN}"
    scheme = "https" if settings.PRODUCTION else "http"
    port = getattr(settings, "HROMADA_PUBLIC_PORT", "")
    return f"{scheme}://{host}{':' + port if port else ''}"
