"""
Which provider strong identification goes through, and how it fails.

ID.GOV.UA speaks its own OAuth 2.0 flavour (`idgovua`); other providers speak
OpenID Connect (`oidc`). Both backends offer the same calls, so the identity
views don't care which one is set up, and both end in
`services.verify_strong_identity`:

- ``is_configured() -> bool``
- ``authorize_redirect(request, redirect_uri) -> HttpResponse``
- ``identity_from_callback(request) -> (claims, tax_claim)``, raising an
  `IdentificationFailed` the resident can read when anything goes wrong.
"""

from __future__ import annotations

from types import ModuleType

from django.utils.translation import gettext_lazy as _

from hromada.core.errors import DomainError


class IdentificationFailed(DomainError):
    code = "identification_failed"
    message = _("Identification failed. Please try again.")


class IdentificationCancelled(IdentificationFailed):
    code = "identification_cancelled"
    message = _("Identification was cancelled.")


def backend() -> ModuleType | None:
    """Return the backend in use: ID.GOV.UA when its client id is set, else OpenID Connect."""
    from hromada.core import idgovua, oidc  # they import the errors above

    if idgovua.is_configured():
        return idgovua
    if oidc.is_configured():
        return oidc
    return None
