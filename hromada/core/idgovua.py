"""
Strong identification through ID.GOV.UA's own OAuth 2.0 protocol.

ID.GOV.UA (the integrated electronic identification system: BankID, Diia,
qualified e-signatures) does not speak OpenID Connect: there is no discovery
document and no ID token. The resident is sent to its front page with our
client id, the allowed auth types and a state; it comes back with a one-time
code, which our server exchanges at ``get-access-token`` for an access token
and ID.GOV.UA's user id; ``get-user-info`` then returns the fields asked for.
Only what came over these two server-to-server calls is trusted, and only
after the state matched the one kept in the session.

Answers encrypted to the relying party's certificate are not supported yet:
``cert`` is sent empty, and an answer that is not plain JSON fails clearly.
"""

from __future__ import annotations

import logging
import secrets
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from hromada.core.identification import IdentificationCancelled, IdentificationFailed

log = logging.getLogger(__name__)

SESSION_STATE = "idgovua_state"
TAX_FIELD = "drfocode"  # РНОКПП, the tax number; only its keyed hash is kept
# Only what the account keeps: the name and the tax number.
FIELDS = "lastname,givenname,middlename,drfocode"


class Unavailable(IdentificationFailed):
    code = "identification_unavailable"
    message = _("ID.GOV.UA does not answer right now. Please try again in a few minutes.")


class StateMismatch(IdentificationFailed):
    code = "identification_state"
    message = _(
        "This answer from ID.GOV.UA does not belong to the identification started "
        "here, so it was not accepted. Please start the identification again."
    )


class TokenRefused(IdentificationFailed):
    code = "identification_token"
    message = _("ID.GOV.UA did not confirm the identification. Please start it again.")


class UserInfoRefused(IdentificationFailed):
    code = "identification_user_info"
    message = _("ID.GOV.UA did not give us your data. Please start the identification again.")


class Unreadable(IdentificationFailed):
    code = "identification_unreadable"
    message = _(
        "ID.GOV.UA answered in a form this site cannot read yet, such as an "
        "encrypted answer. Please tell the council's support service."
    )


class NoTaxNumber(IdentificationFailed):
    code = "identification_no_tax_number"
    message = _(
        "The way you signed in at ID.GOV.UA did not give your tax number (РНОКПП); "
        "an e-signature of a foreigner, for example, does not carry one. Without it "
        "we cannot make sure that one person holds one account, so your account "
        "stays as it was. If you have a tax number, try again with BankID, Diia or "
        "an e-signature that carries it."
    )


def is_configured() -> bool:
    return bool(settings.IDGOVUA_CLIENT_ID)


def _url(path: str = "") -> str:
    return f"{settings.IDGOVUA_URL.rstrip('/')}/{path}"


def authorize_redirect(request, redirect_uri: str) -> HttpResponseRedirect:
    """Send the resident to ID.GOV.UA with a fresh state kept in the session."""
    state = secrets.token_urlsafe(32)
    request.session[SESSION_STATE] = state
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.IDGOVUA_CLIENT_ID,
            "auth_type": settings.IDGOVUA_AUTH_TYPES,
            "state": state,
            "redirect_uri": redirect_uri,
        },
        safe=",",  # auth_type is a comma-separated list, written as such
    )
    return HttpResponseRedirect(f"{_url()}?{query}")


def identity_from_callback(request) -> tuple[dict, str]:
    """
    Check the callback, exchange its code and return the claims for the service.

    The state is single-use: it leaves the session whatever happens, so a
    callback URL replayed later is refused before any call to ID.GOV.UA.
    """
    expected = request.session.pop(SESSION_STATE, "")
    error = request.GET.get("error", "")
    if error:
        log.info("ID.GOV.UA returned the resident with error %s", error[:40])
        if error == "access_denied":
            raise IdentificationCancelled()
        raise IdentificationFailed()
    given = request.GET.get("state", "")
    if not (expected and given and secrets.compare_digest(given.encode(), expected.encode())):
        raise StateMismatch()
    code = request.GET.get("code", "")
    if not code:
        raise TokenRefused()
    token = _call(
        "get-access-token",
        {
            "grant_type": "authorization_code",
            "client_id": settings.IDGOVUA_CLIENT_ID,
            "client_secret": settings.IDGOVUA_CLIENT_SECRET,
            "code": code,
        },
        failure=TokenRefused,
    )
    if not token.get("access_token") or not token.get("user_id"):
        raise TokenRefused()
    info = _call(
        "get-user-info",
        {
            "user_id": token["user_id"],
            "access_token": token["access_token"],
            "fields": FIELDS,
            "cert": "",  # no certificate: ask for the answer in plain JSON
        },
        failure=UserInfoRefused,
    )
    if "encryptedUserInfo" in info:
        raise Unreadable()
    tax_number = str(info.get(TAX_FIELD) or "").strip()
    if not tax_number:
        raise NoTaxNumber()
    claims = {
        "family_name": info.get("lastname") or "",
        "given_name": info.get("givenname") or "",
        "middle_name": info.get("middlename") or "",
        TAX_FIELD: tax_number,
    }
    return claims, TAX_FIELD


def _call(path: str, params: dict, *, failure: type[IdentificationFailed]) -> dict:
    """
    Call one ID.GOV.UA endpoint and return its JSON object.

    Errors come as ``{"error", "error_description"}``; only the code is
    logged, never the parameters (they carry the secret and the token).
    """
    try:
        response = requests.get(
            _url(path), params=params, timeout=settings.IDGOVUA_TIMEOUT, allow_redirects=False
        )
    except requests.RequestException as error:  # timeouts, refused connections, TLS
        log.warning("ID.GOV.UA %s did not answer: %s", path, type(error).__name__)
        raise Unavailable() from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and str(body.get("error") or "0") != "0":
        log.warning("ID.GOV.UA %s refused: %s", path, str(body["error"])[:40])
        raise failure()
    if response.status_code >= 500:
        log.warning("ID.GOV.UA %s failed with HTTP %s", path, response.status_code)
        raise Unavailable()
    if response.status_code != 200:
        log.warning("ID.GOV.UA %s answered HTTP %s", path, response.status_code)
        raise failure()
    if not isinstance(body, dict):
        log.warning("ID.GOV.UA %s answered something other than JSON", path)
        raise Unreadable()
    return body
