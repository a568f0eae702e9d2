"""One table from domain errors to HTTP status codes, and one JSON error body for all of them.

Every error leaves the service as ``{"error": {"code", "message", "field"}}``: domain errors
(:class:`~geo.errors.PantauError`), request validation errors (the field is named from
pydantic's location), HTTP errors raised by the framework, and anything unexpected (a 500 whose
body says nothing about the cause; the traceback goes to the server log only).

Messages are written in the reader's language: the request's ``Accept-Language`` (``id`` by
default, ``en`` when asked; :mod:`api.language`) picks the catalogue a domain error's template
(:meth:`geo.errors.PantauError.localized`) or an :class:`ApiError`'s template is read from.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.language import request_language
from geo import errors as ge
from geo.i18n import N_, translator

__all__ = [
    "STATUS_CODES",
    "ApiError",
    "LocalizedHTTPException",
    "TOO_LARGE",
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


#: Messages of request validation (pydantic's own text stays English inside ``{problem}``).
INVALID_JSON = N_("the request body is not valid JSON")
INVALID_REQUEST = N_("the request is not valid")
INVALID_FIELD = N_("{field}: {problem}")
INTERNAL = N_("the server could not complete the request")
TOO_LARGE = N_("the request body is larger than the limit of {limit} bytes")
#: Messages of the framework's own errors (unknown path, wrong method), by status.
_HTTP_MESSAGES = {
    404: N_("there is nothing at this address"),
    405: N_("this method is not allowed here"),
}


class LocalizedHTTPException(StarletteHTTPException):
    """An HTTP error raised where only an HTTP exception is let through (reading the body).

    FastAPI turns any other exception raised while the body is read into a 400; this one keeps
    its status, and its catalogue ``template`` is shown in the reader's language.
    """

    def __init__(self, status: int, template: str, **values: object) -> None:
        super().__init__(status, template.format(**values))
        self.template = template
        self.values = values


class ApiError(Exception):
    """An error the HTTP layer itself raises (authentication, rate limit, size limit).

    Made with a catalogue ``template`` (and its ``values``), the body is written in the reader's
    language; ``message`` is the English text.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        template: str | None = None,
        values: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers
        self.template = template
        self.values = dict(values or {})

    @classmethod
    def of(
        cls,
        status: int,
        template: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        **values: object,
    ) -> ApiError:
        """Make the error from a catalogue entry, e.g. ``ApiError.of(429, N_("..."))``."""
        return cls(
            status,
            template.format(**values),
            field=field,
            headers=headers,
            template=template,
            values=values,
        )

    def localized(self, lang: str) -> str:
        """Return the message in ``lang`` (the English text when it has no template)."""
        if self.template is None:
            return self.message
        return translator(lang).gettext(self.template, **self.values)


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


def _validation_message(exc: RequestValidationError, lang: str) -> tuple[str, str | None]:
    t = translator(lang)
    errors = exc.errors()
    if not errors:
        return t.gettext(INVALID_REQUEST), None
    first = errors[0]
    field = _field_from_loc(first.get("loc", ()))
    if first.get("type") == "json_invalid":
        return t.gettext(INVALID_JSON), "body"
    if first.get("type") == "missing" and field:
        message = t.gettext(ge.REQUIRED, field=field)
    elif field:
        message = t.gettext(INVALID_FIELD, field=field, problem=str(first.get("msg", "")))
    else:
        message = str(first.get("msg", t.gettext(INVALID_REQUEST)))
    if len(errors) > 1:
        message = t.ngettext(
            "{message} (and {n} more problem)",
            "{message} (and {n} more problems)",
            len(errors) - 1,
            message=message,
        )
    return message[:500], field


async def _pantau_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ge.PantauError)
    status = status_for(exc)
    if status >= 500:
        log.error("%s on %s %s: %s", type(exc).__name__, request.method, request.url.path, exc)
    message = exc.localized(translator(request_language(request)))
    return JSONResponse(
        error_body(_snake(type(exc).__name__), message, exc.field), status_code=status
    )


async def _api_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(
        error_body(
            _HTTP_CODES.get(exc.status, "error"),
            exc.localized(request_language(request)),
            exc.field,
        ),
        status_code=exc.status,
        headers=exc.headers,
    )


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    message, field = _validation_message(exc, request_language(request))
    return JSONResponse(error_body("validation_error", message, field), status_code=422)


async def _http_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    t = translator(request_language(request))
    message = exc.detail if isinstance(exc.detail, str) else "request failed"
    if isinstance(exc, LocalizedHTTPException):
        message = t.gettext(exc.template, **exc.values)
    elif exc.status_code in _HTTP_MESSAGES and message == HTTPStatus(exc.status_code).phrase:
        message = t.gettext(_HTTP_MESSAGES[exc.status_code])
    return JSONResponse(
        error_body(_HTTP_CODES.get(exc.status_code, "error"), message),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _unexpected_handler(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return JSONResponse(
        error_body("internal_error", translator(request_language(request)).gettext(INTERNAL)),
        status_code=500,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into the one JSON error body."""
    app.add_exception_handler(ge.PantauError, _pantau_handler)
    app.add_exception_handler(ApiError, _api_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(Exception, _unexpected_handler)
