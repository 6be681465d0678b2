"""
Rate limits on what a stranger can repeat: comments, votes, survey answers,
registrations and signatures, per account and per address.

Pages and the API count in the same buckets.
"""

from __future__ import annotations

from functools import wraps

from hromada.core.ratelimit import address_bucket, over_any

# action: (per account, per address)
RATES = {
    "comment": ("10/m", "60/m"),
    "vote": ("60/m", "600/m"),
    "answer": ("10/m", "600/m"),
    "register": ("10/m", "120/m"),
    "sign": ("20/m", "300/m"),
    "initiate": ("5/h", "30/h"),
}


def over_limit(request, action: str, user=None) -> bool:
    """Count one request of the action; return whether either limit is exceeded."""
    account_rate, address_rate = RATES[action]
    address = address_bucket(request.META.get("REMOTE_ADDR", ""))
    user = user if user is not None else request.user
    account = (
        f"resident:{user.pk}" if getattr(user, "is_authenticated", False) else f"address:{address}"
    )
    return over_any(
        group=f"consultations.{action}", checks=[(account, account_rate), (address, address_rate)]
    )


def limited(action: str):
    """Decorate a view: answer 429 when the account or the address posts too often."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST" and over_limit(request, action):
                from hromada.core.views import rate_limited

                return rate_limited(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
