"""One table from domain errors to HTTP status codes, and one JSON error body for all of them.

Every error leaves the service as ``{"error": {"code", "message", "field"}}``: domain errors
(:class:`~geo.errors.PantauError`), request validation errors (the field is named from
pydantic's location), HTTP errors raised by the framework, and anything unexpected (a 500 whose
body says nothing about the cause; the traceback goes to the server log only).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from geo import errors as ge

__all__ = [
    "STATUS_CODES",
    "ApiError",
    "error_body",
    "status_for",
    "install_error_handlers",
]

log = logging.getLogger("api")

#: The one table: domain error class → HTTP status. The most specific class wins.
STATUS_CODES: dict[type[ge.PantauError], int] = {
    ge.PantauError: 400,
    ge.ValidationError: 422,
    ge.InputFileError: 422,
    ge.PlanningError: 422,
    ge.NotFound: 404,
    ge.Conflict: 409,
    ge.InvalidTransition: 409,
    ge.PermissionDenied: 403,
    ge.ConfigurationError: 500,
    ge.DatabaseUnavailable: 503,
    ge.BrowserUnavailable: 503,
}

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An error the HTTP layer itself raises (authentication, rate limit, size limit)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def status_for(exc: ge.PantauError) -> int:
    """Return the HTTP status for ``exc`` from :data:`STATUS_CODES` (most specific class)."""
    for cls in type(exc).__mro__:
        if cls in STATUS_CODES:
            return STATUS_CODES[cls]
    return 500


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    """Return the JSON error body shared by every error response."""
    return {"error": {"code": code, "message": message, "field": field}}


def _field_from_loc(loc: Sequence[int | str]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    # pydantic adds the union branch or validator name to the location; keep the field path
    parts = [p for p in parts if not p.startswith(("function-", "json-or-python"))]
    return ".".join(parts) or (str(loc[0]) if loc else None)


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    errors = exc.errors()
    if not errors:
        return "the request is not valid", None
    first = errors[0]
    field = _field_from_loc(first.get("loc", ()))
    msg = str(first.get("msg", "is not valid"))
    if first.get("type") == "json_invalid":
        return "the request body is not valid JSON", "body"
    message = f"{field}: {msg}" if field else msg
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return message[:500], field


async def _pantau_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ge.PantauError)
    status = status_for(exc)
    if status >= 500:
        log.error("%s on %s %s: %s", type(exc).__name__, request.method, request.url.path, exc)
    return JSONResponse(
        error_body(_snake(type(exc).__name__), exc.message, exc.field), status_code=status
    )


async def _api_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(
        error_body(_HTTP_CODES.get(exc.status, "error"), exc.message, exc.field),
        status_code=exc.status,
        headers=exc.headers,
    )


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    message, field = _validation_message(exc)
    return JSONResponse(error_body("validation_error", message, field), status_code=422)


async def _http_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else "request failed"
    return JSONResponse(
        error_body(_HTTP_CODES.get(exc.status_code, "error"), message),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _unexpected_handler(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return JSONResponse(
        error_body("internal_error", "the server could not complete the request"),
        status_code=500,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into the one JSON error body."""
    app.add_exception_handler(ge.PantauError, _pantau_handler)
    app.add_exception_handler(ApiError, _api_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(Exception, _unexpected_handler)
