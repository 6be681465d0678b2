"""
The REST API at /api/v1/: every enabled module's router, one error shape.

Errors always look like ``{"error": {"code", "message", "fields"}}``;
services' `DomainError`s map to it with their status.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from hromada.core import registry
from hromada.core.errors import DomainError
from hromada.core.uploads import too_large_message

api = NinjaAPI(
    title="Hromada API",
    version="1",
    description="Public API of the community platform. Errors: "
    '{"error": {"code": ..., "message": ..., "fields": {...}}}.',
    urls_namespace="api",
)


def error_response(request, status: int, code: str, message: str, fields: dict | None = None):
    return api.create_response(
        request,
        {"error": {"code": code, "message": message, "fields": fields or {}}},
        status=status,
    )


@api.exception_handler(DomainError)
def _domain_error(request, error: DomainError):
    return error_response(request, error.status, error.code, str(error), error.fields)


@api.exception_handler(NinjaValidationError)
def _validation_error(request, error: NinjaValidationError):
    fields = {}
    for item in error.errors:
        location = [
            str(part)
            for part in item.get("loc", [])
            if part not in ("body", "query", "path", "form", "payload")
        ]
        fields[".".join(location) or "request"] = item.get("msg", "")
    return error_response(request, 422, "validation", _("Please correct the errors below."), fields)


@api.exception_handler(AuthenticationError)
def _authentication_error(request, error):
    return error_response(request, 401, "unauthenticated", _("Log in or send a valid API token."))


@api.exception_handler(PermissionDenied)
def _permission_denied(request, error):
    return error_response(request, 403, "forbidden", _("You are not allowed to do this."))


@api.exception_handler(Http404)
def _not_found(request, error):
    return error_response(request, 404, "not_found", _("Not found."))


@api.exception_handler(HttpError)
def _http_error(request, error: HttpError):
    code = {429: "rate_limited", 403: "forbidden", 404: "not_found"}.get(error.status_code, "error")
    return error_response(request, error.status_code, code, str(error))


@api.exception_handler(RequestDataTooBig)
def _too_large(request, error: RequestDataTooBig):
    # Refused by its Content-Length before the body was read (core.uploads).
    return error_response(request, 413, "too_large", str(too_large_message(error)))


def _mount() -> None:
    from hromada.core.api import router as core_router

    api.add_router("/", core_router)
    for module in registry.modules():
        if module.api_router:
            api.add_router(f"/{module.name}/", registry.resolve(module.api_router))


_mount()
