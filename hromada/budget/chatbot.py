"""
The participatory budget in the chatbot: see the projects of the current
cycle, and vote during voting when allowed (the same services and rules as
the site's ballot).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from hromada.budget import selectors, services
from hromada.chatbot.replies import Button, Incoming, Reply
from hromada.core.identity import action_level, has_level

P = "hromada.budget.chatbot."
SHOWN = 10


def projects(conversation, message: Incoming) -> Reply:
    cycle = selectors.current_cycle(conversation.community)
    if cycle is None:
        return Reply(_("There is no participatory budget cycle now."))
    rows = [
        [Button(f"{project.title[:50]}", f"j:{project.pk}")]
        for project in selectors.public_projects(cycle)[:SHOWN]
    ]
    if cycle.voting_open:
        rows.insert(0, [Button(_("Vote"), "b:vote")])
    text = f"{cycle.title}: {cycle.get_phase_display()}"
    if not rows:
        return Reply(text)
    return Reply(text, rows, next_step=P + "project")


def project(conversation, message: Incoming) -> Reply:
    data = message.data
    if data == "b:vote":
        return vote(conversation, message)
    if not (data.startswith("j:") and data[2:].isdigit()):
        return projects(conversation, message)
    found = selectors.project_for(conversation.community, data[2:], conversation.resident)
    text = " ".join(found.description.split())
    if len(text) > 600:
        text = text[:600] + "…"
    lines = [found.title, f"{found.cost} грн", text]
    rows = [[Button(_("Open on the site"), url=conversation.site_url(found.get_absolute_url()))]]
    return Reply("\n\n".join(lines), rows, next_step=P + "project")


def vote(conversation, message: Incoming) -> Reply:
    level = action_level(conversation.community, "budget.vote")
    if not has_level(conversation.resident, level):
        from hromada.chatbot.engine import level_refusal

        return level_refusal(conversation, level)
    cycle = selectors.current_cycle(conversation.community)
    if cycle is None or not cycle.voting_open:
        return Reply(_("Voting is not open now."))
    rows = [
        [Button(category.name, f"g:{category.pk}")]
        for category in selectors.ballot_categories(cycle)
    ]
    return Reply(_("Choose the category to vote in."), rows, next_step=P + "ballot")


def _ballot_reply(conversation, category) -> Reply:
    picked = set(conversation.data.get("picked", []))
    rows = [
        [Button(("✅ " if p.pk in picked else "☐ ") + p.title[:50], f"v:{p.pk}")]
        for p in selectors.ballot_projects(category)[:20]
    ]
    rows.append([Button(_("Cast the ballot"), "d:ok")])
    text = _("Choose up to %(count)d projects, then cast the ballot.") % {
        "count": category.max_choices
    }
    return Reply(text, rows, next_step=P + "ballot")


def ballot(conversation, message: Incoming) -> Reply:
    data = conversation.data
    cycle = selectors.current_cycle(conversation.community)
    if cycle is None or not cycle.voting_open:
        return Reply(_("Voting is not open now."))
    categories = {c.pk: c for c in selectors.ballot_categories(cycle)}
    if message.data.startswith("g:") and message.data[2:].isdigit():
        data["category"], data["picked"] = int(message.data[2:]), []
    category = categories.get(data.get("category"))
    if category is None:
        return vote(conversation, message)
    if message.data.startswith("v:") and message.data[2:].isdigit():
        pk = int(message.data[2:])
        picked = data.setdefault("picked", [])
        if pk in picked:
            picked.remove(pk)
        else:
            picked.append(pk)
    elif message.data == "d:ok" and data.get("picked"):
        _ballot, receipt = services.cast_ballot(
            resident=conversation.resident, category=category, choices=data["picked"]
        )
        return Reply(_("Your vote is counted. Your receipt code: %(code)s") % {"code": receipt})
    return _ballot_reply(conversation, category)
