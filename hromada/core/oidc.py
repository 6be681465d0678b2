"""
Strong identification over OpenID Connect (ID.GOV.UA: BankID, Diia, e-signature).

The provider is set by environment variables (issuer, client id, secret); its
endpoints come from the issuer's discovery document. Authlib does the
protocol: state, nonce, code exchange and the ID token's signature check.
"""

from __future__ import annotations

from authlib.integrations.django_client import OAuth
from django.conf import settings


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


def claims_from_callback(request) -> dict:
    """Exchange the callback's code and return the verified claims."""
    provider = client()
    token = provider.authorize_access_token(request)
    claims = dict(token.get("userinfo") or {})
    if settings.OIDC_TAX_NUMBER_CLAIM not in claims:
        claims.update(provider.userinfo(token=token))
    return claims
