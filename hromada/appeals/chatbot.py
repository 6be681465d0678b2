"""
Open City in the chatbot: report a problem in at most five steps, follow
"my appeals", confirm a fix or send it back. Steps call the same services and
selectors as the website; the engine renders the replies per channel.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from hromada.appeals import selectors, services
from hromada.appeals.models import Appeal
from hromada.chatbot.replies import Button, Incoming, Reply
from hromada.core.models import Street

P = "hromada.appeals.chatbot."
MAX_BUTTONS = 12
MAX_DESCRIPTION = 2000


def _categories(conversation, group_id: int | None = None) -> Reply:
    leaves = list(selectors.leaf_categories(conversation.community))
    if not leaves:
        return Reply(_("Problem reports are not open yet."))
    if group_id is None and len(leaves) > MAX_BUTTONS:
        groups = {}
        for category in leaves:
            groups.setdefault(category.parent_id, category.parent)
        rows = [[Button(group.name, f"g:{group.pk}")] for group in groups.values()][:MAX_BUTTONS]
        return Reply(_("What is the problem about?"), rows, next_step=P + "report_category")
    if group_id is not None:
        leaves = [c for c in leaves if c.parent_id == group_id]
    rows = [[Button(category.name, f"c:{category.pk}")] for category in leaves[:MAX_BUTTONS]]
    return Reply(
        _("Choose the kind of problem (step 1 of 4)."), rows, next_step=P + "report_category"
    )


def report(conversation, message: Incoming) -> Reply:
    return _categories(conversation)


def report_category(conversation, message: Incoming) -> Reply:
    data = message.data
    if data.startswith("g:") and data[2:].isdigit():
        return _categories(conversation, int(data[2:]))
    if not (data.startswith("c:") and data[2:].isdigit()):
        return _categories(conversation)
    category = selectors.leaf_categories(conversation.community).filter(pk=int(data[2:])).first()
    if category is None:
        return _categories(conversation)
    conversation.data["category"] = category.pk
    conversation.data["attributes"] = {}
    return _next_question(conversation, category)


def _questions(category) -> list:
    return [a for a in category.attributes.all() if a.variable and a.required]


def _next_question(conversation, category) -> Reply:
    """Ask the category's required questions (a size, yes or no) before the place."""
    answered = conversation.data.get("attributes", {})
    for attribute in _questions(category):
        if attribute.code in answered:
            continue
        conversation.data["asking"] = attribute.code
        rows = [
            [Button(str(name)[:60], f"v:{index}")]
            for index, (_key, name) in enumerate(attribute.choices[:MAX_BUTTONS])
        ]
        return Reply(attribute.description, rows, next_step=P + "report_attribute")
    return Reply(
        _(
            "Where is it (step 2 of 4)? Share your location with the button below, "
            "or type the street and house number."
        ),
        request_location=True,
        next_step=P + "report_location",
    )


def report_attribute(conversation, message: Incoming) -> Reply:
    data = conversation.data
    category = (
        selectors.leaf_categories(conversation.community).filter(pk=data.get("category")).first()
    )
    if category is None:
        return _categories(conversation)
    attribute = next((a for a in _questions(category) if a.code == data.get("asking")), None)
    if attribute is None:
        return _next_question(conversation, category)
    choices = list(attribute.choices)
    if choices:
        value = message.data[2:] if message.data.startswith("v:") else ""
        if not value.isdigit() or int(value) >= len(choices):
            return _next_question(conversation, category)
        answer = choices[int(value)][0]
        if attribute.datatype == attribute.Datatype.MULTI:
            answer = [answer]
    else:
        answer = " ".join(message.text.split())[:300]
        if not answer:
            return _next_question(conversation, category)
    data.setdefault("attributes", {})[attribute.code] = answer
    return _next_question(conversation, category)


def _match_street(community, text: str) -> Street | None:
    """Return the registry street named in typed text: the longest name found in it."""
    needle = text.casefold().replace("’", "'").replace("`", "'")
    found = None
    for street in Street.objects.filter(settlement__community=community).only(
        "pk", "name", "lat", "lon"
    ):
        name = street.name.casefold().replace("’", "'")
        core = name.split(" ", 1)[1] if " " in name else name  # "вулиця Миру" -> "миру"
        hit = core and (core in needle or name in needle)
        if hit and (found is None or len(street.name) > len(found.name)):
            found = street
    return found


def report_location(conversation, message: Incoming) -> Reply:
    data = conversation.data
    if message.has_location:
        if not conversation.community.contains_point(lat=message.lat, lon=message.lon):
            return Reply(
                _("This place is outside the community. Share another place or type the address."),
                request_location=True,
                next_step=P + "report_location",
            )
        data.update(lat=message.lat, lon=message.lon, address="")
    elif message.text:
        address = " ".join(message.text.split())[:300]
        street = _match_street(conversation.community, address)
        if street is None:
            return Reply(
                _(
                    "I could not find this street in the community's address registry. "
                    "Type it again (for example «проспект Миру 10») or share your location."
                ),
                request_location=True,
                next_step=P + "report_location",
            )
        data.update(street=street.pk, address=address)
    else:
        return Reply(
            _("Share your location or type the address."),
            request_location=True,
            next_step=P + "report_location",
        )
    return Reply(
        _("Describe the problem in a few words (step 3 of 4)."), next_step=P + "report_description"
    )


def report_description(conversation, message: Incoming) -> Reply:
    text = " ".join(message.text.split())
    if len(text) < 5:
        return Reply(
            _("Please describe the problem in a few words."), next_step=P + "report_description"
        )
    conversation.data["description"] = text[:MAX_DESCRIPTION]
    return Reply(
        _("Send a photo of the problem, or skip this (step 4 of 4)."),
        [[Button(_("Skip the photo"), "p:skip")]],
        next_step=P + "report_photo",
    )


def report_photo(conversation, message: Incoming) -> Reply:
    photos = []
    if message.photo is not None:
        photos = [ContentFile(message.photo.content, name=message.photo.name)]
    elif message.data != "p:skip":
        return Reply(
            _("Send a photo, or skip this."),
            [[Button(_("Skip the photo"), "p:skip")]],
            next_step=P + "report_photo",
        )
    data = conversation.data
    community = conversation.community
    category = selectors.leaf_categories(community).filter(pk=data.get("category")).first()
    street = None
    if data.get("street"):
        street = Street.objects.filter(settlement__community=community, pk=data["street"]).first()
    appeal = services.submit_report(
        community=community,
        category=category,
        description=data.get("description", ""),
        lat=data.get("lat"),
        lon=data.get("lon"),
        street=street,
        address=data.get("address", ""),
        photos=photos,
        author=conversation.resident,
        attributes=data.get("attributes") or {},
        channel=Appeal.Channel.CHATBOT,
    )
    return Reply(
        _(
            "Thank you! Your report is registered under number %(number)s. "
            "You will get a message here at every change of its status."
        )
        % {"number": appeal.number},
        [
            [Button(_("Open the report"), url=conversation.site_url(appeal.get_absolute_url()))],
            [Button(_("Back to the menu"), "x:menu")],
        ],
    )


# -- my appeals ---------------------------------------------------------------------------


def mine(conversation, message: Incoming) -> Reply:
    resident = conversation.resident
    if resident is None:
        return Reply(_("Link this chat to your account to see your appeals."))
    appeals = list(
        selectors.my_appeals(resident=resident, community=conversation.community).order_by("-pk")[
            :8
        ]
    )
    if not appeals:
        return Reply(_("You have no appeals yet."))
    rows = [
        [Button(f"{appeal.number} · {appeal.get_status_display()}", f"a:{appeal.pk}")]
        for appeal in appeals
    ]
    return Reply(_("Your appeals: choose one to see it."), rows, next_step=P + "mine_detail")


def _own(conversation, value: str) -> Appeal | None:
    if not value.isdigit() or len(value) > 12:
        return None
    return (
        selectors.my_appeals(resident=conversation.resident, community=conversation.community)
        .filter(pk=int(value))
        .first()
    )


def mine_detail(conversation, message: Incoming) -> Reply:
    data = message.data
    if not data.startswith(("a:", "o:", "r:")):
        return mine(conversation, message)
    appeal = _own(conversation, data[2:])
    if appeal is None:
        return mine(conversation, message)
    if data.startswith("o:"):
        services.confirm_resolution(appeal=appeal, resident=conversation.resident)
        return Reply(_("Thank you! The report %(number)s is closed.") % {"number": appeal.number})
    if data.startswith("r:"):
        conversation.data["reopen"] = appeal.pk
        return Reply(_("What is still wrong? Write a few words."), next_step=P + "reopen_reason")
    lines = [
        f"{appeal.number}: {appeal.get_status_display()}",
        appeal.category.name if appeal.category_id else "",
    ]
    if appeal.status_notes:
        lines.append(appeal.status_notes)
    rows = [[Button(_("Open on the site"), url=conversation.site_url(appeal.get_absolute_url()))]]
    if appeal.status == Appeal.Status.RESOLVED and appeal.author_id == conversation.resident.pk:
        rows.insert(
            0,
            [
                Button(_("Fixed, thank you"), f"o:{appeal.pk}"),
                Button(_("Not fixed"), f"r:{appeal.pk}"),
            ],
        )
    return Reply("\n".join(line for line in lines if line), rows, next_step=P + "mine_detail")


def reopen_reason(conversation, message: Incoming) -> Reply:
    appeal = _own(conversation, str(conversation.data.get("reopen", "")))
    if appeal is None:
        return mine(conversation, message)
    reason = " ".join(message.text.split())
    if not reason:
        return Reply(_("What is still wrong? Write a few words."), next_step=P + "reopen_reason")
    services.reopen_appeal(appeal=appeal, resident=conversation.resident, reason=reason[:1000])
    return Reply(_("The report %(number)s is back in work.") % {"number": appeal.number})
