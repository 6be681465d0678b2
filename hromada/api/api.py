"""
The REST API at /api/v1/: every enabled module's router, one error shape.

Errors always look like ``{"error": {"code", "message", "fields"}}``;
services' `DomainError`s map to it with their status, and so does whatever
else goes wrong, down to an unforeseen bug (500, "server_error").
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.urls import re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from hromada.core import registry
from hromada.core.errors import DomainError
from hromada.core.uploads import too_large_message

logger = logging.getLogger("hromada.api")


class UnsupportedMediaType(Exception):
    """A body was sent as something other than JSON."""


class JsonParser(Parser):
    """Read a body only when it says it is JSON: a form posted here is a client's mistake."""

    def parse_body(self, request):
        media_type = request.content_type or ""
        if media_type != "application/json" and not (
            media_type.startswith("application/") and media_type.endswith("+json")
        ):
            raise UnsupportedMediaType(media_type)
        return super().parse_body(request)


class HromadaAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        document_errors(schema)
        return schema

    @property
    def urls(self):
        patterns, app_name, namespace = super().urls
        # Last: any other address under /api/v1/ (or an id that is no
        # number) is a 404 in the error shape, not the HTML page.
        return [*patterns, re_path(r"", _unknown_address)], app_name, namespace


api = HromadaAPI(
    title="Hromada API",
    version="1",
    description="Public API of the community platform. Every error answers "
    '{"error": {"code": ..., "message": ..., "fields": {...}}}: 400 for a request '
    "a rule refuses, 401 without a valid token or session, 403 when not allowed, "
    "404 for what does not exist, 409 for what was already done, 415 for a body "
    "that is not JSON, 422 when values do not match the schema (`fields` names "
    "them), 429 when over a rate limit, 500 for a fault of ours.\n\n"
    # Relative links: the docs are served on each community's own host.
    "[← Back to the site](/) · [Open data](/open-data/) · [Help](/help/)",
    urls_namespace="api",
    parser=JsonParser(),
)


def error_response(request, status: int, code: str, message: str, fields: dict | None = None):
    return api.create_response(
        request,
        {"error": {"code": code, "message": message, "fields": fields or {}}},
        status=status,
    )


@csrf_exempt
def _unknown_address(request):
    return error_response(request, 404, "not_found", _("Not found."))


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
    # ninja wraps whatever the parser raised in a 400; the cause tells which.
    if isinstance(error.__cause__, UnsupportedMediaType):
        return error_response(
            request,
            415,
            "unsupported_media_type",
            _("Send the body as JSON, with Content-Type: application/json."),
        )
    if error.status_code == 400 and error.__cause__ is not None:
        return error_response(request, 400, "malformed_json", _("The body is not valid JSON."))
    code = {429: "rate_limited", 403: "forbidden", 404: "not_found"}.get(error.status_code, "error")
    return error_response(request, error.status_code, code, str(error))


@api.exception_handler(RequestDataTooBig)
def _too_large(request, error: RequestDataTooBig):
    # Refused by its Content-Length before the body was read (core.uploads).
    return error_response(request, 413, "too_large", str(too_large_message(error)))


@api.exception_handler(Exception)
def _server_error(request, error: Exception):
    # The method and path only: a body or query string may carry personal data.
    logger.error("Internal error in the API: %s %s", request.method, request.path, exc_info=error)
    return error_response(
        request,
        500,
        "server_error",
        _("Something went wrong on our side. The error is recorded; please try again later."),
    )


ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "description": "Stable, for programs to match."},
                "message": {"type": "string", "description": "Translated, for people."},
                "fields": {
                    "type": "object",
                    "description": "Field (dotted path) → what is wrong with it.",
                },
            },
        }
    },
}
ERROR_DESCRIPTIONS = {
    "400": "A rule refuses the request",
    "401": "No valid token or session",
    "403": "Not allowed",
    "404": "Not found",
    "409": "Already done",
    "415": "The body is not JSON",
    "422": "Values do not match the schema",
    "429": "Over the rate limit",
    "500": "A fault of ours",
}


def document_errors(schema: dict) -> None:
    """Declare the error answers each operation can give, all in the one error shape."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            statuses = ["400", "404", "422", "500"]
            if operation.get("security"):
                statuses += ["401", "403"]
            if method != "get":
                statuses += ["409", "429"]
            if "requestBody" in operation:
                statuses.append("415")
            responses = operation.setdefault("responses", {})
            for status in statuses:
                responses.setdefault(
                    status, {"description": ERROR_DESCRIPTIONS[status], "content": reference}
                )


def _mount() -> None:
    from hromada.core.api import router as core_router

    api.add_router("/", core_router)
    for module in registry.modules():
        if module.api_router:
            api.add_router(f"/{module.name}/", registry.resolve(module.api_router))


_mount()
