"""
Identity levels and the one way to require them.

Every action names the level it needs (``"petitions.sign"``); the module
declares a default in its `module.py` and the community may raise it. Services
call `require_level`; views use `level_required` to send the resident to the
right next step (log in, confirm e-mail, identify) instead of a bare 403.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from hromada.core.errors import IdentityRequired
from hromada.core.models import Community, Identity, Resident


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
    """Raise `IdentityRequired` unless the resident may perform the action."""
    level = action_level(community, action)
    if not has_level(resident, level):
        raise IdentityRequired(level=Identity(level).label)


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
                    messages.info(request, _("Please identify yourself through ID.GOV.UA first."))
                    return redirect(f"{reverse('core:identity')}?next={request.get_full_path()}")
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
