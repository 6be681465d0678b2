"""
Rate limits on signing and creating, per account and per address.

Both channels (pages and API) count in the same buckets. A household or a
library shares one address, so the address limit is the looser one.
"""

from __future__ import annotations

from functools import wraps

from hromada.core.ratelimit import address_bucket, over_any

# action: (per account, per address)
RATES = {
    "sign": ("20/m", "300/m"),
    "create": ("10/h", "30/h"),
}


def over_limit(request, action: str) -> bool:
    """Count one request of the action; return whether either limit is exceeded."""
    account_rate, address_rate = RATES[action]
    address = address_bucket(request.META.get("REMOTE_ADDR", ""))
    user = request.user
    account = f"resident:{user.pk}" if user.is_authenticated else f"address:{address}"
    return over_any(
        group=f"petitions.{action}", checks=[(account, account_rate), (address, address_rate)]
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
