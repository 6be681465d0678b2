"""
Strong identification over generic OpenID Connect.

ID.GOV.UA itself speaks its own protocol (`idgovua`); this backend serves
providers that do speak OpenID Connect. The provider is set by environment
variables (issuer, client id, secret); its endpoints come from the issuer's
discovery document. Authlib does the protocol: state, nonce, code exchange
and the ID token's signature check.
"""

from __future__ import annotations

import logging

from authlib.integrations.django_client import OAuth
from django.conf import settings

from hromada.core.identification import IdentificationCancelled, IdentificationFailed

log = logging.getLogger(__name__)


def is_configured() -> bool:
    return bool(settings.OIDC_ISSUER and settings.OIDC_CLIENT_ID)


def client():
    """Return an Authlib client for the configured provider (settings read now)."""
    oauth = OAuth()
    issuer = settings.OIDC_ISSUER.rstrip("/")
    oauth.register(
        name="idgovua",
        client_id=settings.OIDC_CLIENT_ID,
        client_secret=settings.OIDC_CLIENT_SECRET,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile", "timeout": 10},
    )
    return oauth.idgovua


def authorize_redirect(request, redirect_uri: str):
    return client().authorize_redirect(request, redirect_uri)


def claims_from_callback(request) -> dict:
    """Exchange the callback's code and return the verified claims."""
    provider = client()
    token = provider.authorize_access_token(request)
    claims = dict(token.get("userinfo") or {})
    if settings.OIDC_TAX_NUMBER_CLAIM not in claims:
        claims.update(provider.userinfo(token=token))
    return claims


def identity_from_callback(request) -> tuple[dict, str]:
    """Return the verified claims and the name of the one carrying the tax number."""
    if "error" in request.GET:
        raise IdentificationCancelled()
    try:
        claims = claims_from_callback(request)
    except Exception as error:  # the provider's or the protocol's: state, signature, network
        log.warning("OpenID Connect callback failed: %s", type(error).__name__)
        raise IdentificationFailed() from None
    return claims, settings.OIDC_TAX_NUMBER_CLAIM
