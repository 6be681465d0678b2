"""
E-petitions in the chatbot: find, read, sign when allowed (strong identity,
as on the site) and follow the answer. Steps call the module's selectors and
services; the engine renders the replies per channel.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from hromada.chatbot.replies import Button, Incoming, Reply
from hromada.core.identity import action_level, has_level
from hromada.petitions import selectors, services
from hromada.petitions.models import Petition

P = "hromada.petitions.chatbot."
SHOWN = 6


def _list(conversation, petitions, title: str) -> Reply:
    petitions = list(petitions[:SHOWN])
    if not petitions:
        return Reply(_("Nothing found. Type other words to search."), next_step=P + "find_results")
    rows = [[Button(f"{p.title[:50]} · {p.signature_count}", f"p:{p.pk}")] for p in petitions]
    return Reply(title, rows, next_step=P + "find_results")


def find(conversation, message: Incoming) -> Reply:
    collecting = selectors.search_petitions(
        community=conversation.community, status=Petition.Status.COLLECTING
    )
    reply = _list(
        conversation,
        collecting,
        _("Petitions collecting signatures. Choose one, or type words to search."),
    )
    return reply


def find_results(conversation, message: Incoming) -> Reply:
    data = message.data
    if data.startswith(("p:", "s:")) and data[2:].isdigit():
        return _petition(conversation, data[2:], sign=data.startswith("s:"))
    query = " ".join(message.text.split())[:100]
    if not query:
        return find(conversation, message)
    found = selectors.search_petitions(community=conversation.community, query=query)
    return _list(conversation, found, _("Found petitions: choose one."))


def _petition(conversation, pk: str, *, sign: bool) -> Reply:
    viewer = conversation.resident
    petition = selectors.visible_petition(community=conversation.community, pk=pk, viewer=viewer)
    if sign:
        level = action_level(conversation.community, "petitions.sign")
        if not has_level(viewer, level):
            from hromada.chatbot.engine import level_refusal

            return level_refusal(conversation, level)
        signing = selectors.petition_for_signing(
            community=conversation.community, pk=petition.pk, viewer=viewer
        )
        services.sign_petition(petition=signing, resident=viewer, notify_on_answer=True)
        return Reply(_("Your signature is counted. You will get the council's answer here."))
    text = " ".join(petition.text.split())
    if len(text) > 700:
        text = text[:700] + "…"
    count = f"{petition.signature_count}"
    if petition.threshold:
        count += f" / {petition.threshold}"
    lines = [petition.title, f"{petition.get_status_display()} · {_('signatures')}: {count}", text]
    rows = [[Button(_("Open on the site"), url=conversation.site_url(petition.get_absolute_url()))]]
    if petition.status == Petition.Status.COLLECTING:
        signed = viewer is not None and selectors.signature_of(petition=petition, resident=viewer)
        if not signed:
            rows.insert(0, [Button(_("Sign"), f"s:{petition.pk}")])
    return Reply("\n\n".join(lines), rows, next_step=P + "find_results")
