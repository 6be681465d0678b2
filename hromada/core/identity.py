"""
Identity levels, the one way to require them, and the ways to reach them.

Every action names the level it needs (``"petitions.sign"``); the module
declares a default in its `module.py` and the community may raise it. Services
call `require_level`; views use `level_required` to send the resident to the
right next step (log in, confirm e-mail, identify) instead of a bare 403.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from hromada.core.errors import IdentityRequired
from hromada.core.models import Community, Identity, Resident, SupportPoint


def action_level(community: Community, action: str) -> int:
    """Return the identity level the community requires for an action."""
    from hromada.core.registry import default_action_level

    return community.required_level(action, default_action_level(action))


def has_level(resident: Resident | None, level: int) -> bool:
    if level <= Identity.NONE:
        return True
    if resident is None or not resident.is_authenticated or not resident.is_active:
        return False
    return resident.identity_level >= level


def require_level(*, resident: Resident | None, community: Community, action: str) -> None:
    """Raise `IdentityRequired`, naming the ways to identify, unless the resident may act."""
    level = action_level(community, action)
    if not has_level(resident, level):
        message = str(IdentityRequired.message)
        if level >= Identity.STRONG:
            # Escaped: DomainError formats its message with its params.
            ways = ways_sentence(identification_ways(community, action))
            message = f"{message} {ways}".replace("%", "%%")
        raise IdentityRequired(message, level=Identity(level).label)


def level_required(action: str):
    """Decorate a view: let it run only for residents with the action's level."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            level = action_level(request.community, action)
            user = request.user
            if level > Identity.NONE and not user.is_authenticated:
                return redirect(f"{reverse('core:login')}?next={request.get_full_path()}")
            if not has_level(user, level):
                if level >= Identity.STRONG:
                    ways = identification_ways(request.community, action)
                    messages.info(request, ways_sentence(ways))
                    query = urlencode({"next": request.get_full_path(), "action": action})
                    return redirect(f"{reverse('core:identity')}?{query}")
                messages.info(request, _("Please confirm your e-mail address first."))
                return redirect("core:profile")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def tax_number_hash(tax_number: str) -> str:
    """Return the keyed hash that stands for a tax number (РНОКПП)."""
    normalised = "".join(ch for ch in tax_number if ch.isdigit())
    key = settings.IDENTITY_HASH_KEY.encode()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


# Weights of the РНОКПП's check digit (the State Tax Service's algorithm).
_TAX_WEIGHTS = (-1, 5, 7, 9, 4, 6, 10, 5, 7)


def valid_tax_number(tax_number: str) -> bool:
    """Return whether `tax_number` is ten digits whose last is the check digit."""
    if len(tax_number) != 10 or not tax_number.isascii() or not tax_number.isdigit():
        return False
    digits = [int(ch) for ch in tax_number]
    check = sum(d * w for d, w in zip(digits, _TAX_WEIGHTS, strict=False)) % 11 % 10
    return check == digits[9]


# Actions a support point takes on paper, by the flag it carries. E-petitions
# (art. 23-1) are signed online only, so no paper signatures are offered.
PAPER_ACTIONS = {"budget.vote": "accepts_paper_ballots"}


@dataclass(frozen=True)
class Ways:
    """How a resident may reach strong identity, or act without it, in a community."""

    online: bool  # ID.GOV.UA (or another provider) is set up
    in_person: list[SupportPoint]
    paper: list[SupportPoint]  # where the action is taken on paper instead
    action: str | None = None

    def __bool__(self) -> bool:
        return self.online or bool(self.in_person) or bool(self.paper)


def identification_ways(community: Community, action: str | None = None) -> Ways:
    """
    Return the ways to identify in the community, and the paper way for `action`.

    Without an action, the paper ways of every action that has one are listed.
    """
    from hromada.core import identification, registry

    points = list(SupportPoint.objects.filter(community=community, is_active=True))
    paper_flags = [
        flag
        for name, flag in PAPER_ACTIONS.items()
        if (action is None or action == name) and registry.module(name.split(".")[0])
    ]
    return Ways(
        online=identification.backend() is not None,
        in_person=[point for point in points if point.identifies],
        paper=[point for point in points if any(getattr(point, f) for f in paper_flags)],
        action=action,
    )


def ways_sentence(ways: Ways) -> str:
    """Return one sentence naming the ways, for a message or an API error."""
    places = "; ".join(f"{point.name}, {point.address} ({point.hours})" for point in ways.in_person)
    if ways.online and places:
        text = _(
            "Identify yourself through ID.GOV.UA, or in person with your passport and tax "
            "number at: %(places)s."
        ) % {"places": places}
    elif ways.online:
        text = _("Identify yourself through ID.GOV.UA first.")
    elif places:
        text = _(
            "Identify yourself in person with your passport and tax number at: %(places)s."
        ) % {"places": places}
    else:
        text = _("Ask the council how to identify yourself.")
    if ways.paper:
        paper = "; ".join(f"{point.name}, {point.address}" for point in ways.paper)
        text += " " + _("You may also vote on a paper ballot at: %(places)s.") % {"places": paper}
    return text
