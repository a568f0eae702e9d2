"""``/lapor``: the public report form, its receipt and the status of a report by tracking code.

The form is a plain multipart POST that works without JavaScript; ``lapor.js`` enhances it
(position from the phone, a pin on a map without tiles, an outbox on the phone for when there is
no signal) and posts the same form here asking for JSON. Both call the one intake use case,
:func:`geo.reports.service.submit_report`, with the ``Idempotency-Key`` (made on the phone, or
written into the page for a form sent without JavaScript), so a report sent twice is stored once.
Requests that touch the database share the API's public rate limit (:mod:`api.ratelimit`).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.auth import anonymous, client_address
from api.routes._uploads import MAX_FILES
from api.web.assets import BASEMAP_URL, asset_url
from api.web.lapor.form import (
    FORM_FIELDS,
    FormErrors,
    activity_labels,
    new_key,
    read_fields,
    valid_key,
)
from api.web.security import LAPOR_HEADERS
from api.web.templating import (
    LANGUAGE_COOKIE,
    agency_of,
    environment,
    page_context,
    reader,
    render,
)
from geo.db import session_scope
from geo.errors import Conflict, NotFound, PantauError
from geo.i18n import LANGUAGES, Translator
from geo.labels import report_status
from geo.reports.config import local_zone
from geo.reports.intake import SubmitResult
from geo.reports.lifecycle import get_report
from geo.reports.service import submit_report

__all__ = ["SECURITY_HEADERS", "router", "too_large_page"]

router = APIRouter(include_in_schema=False)
ENV = environment(Path(__file__).resolve().parent / "templates")
_CODE = re.compile(r"^[A-Z]{3}-[A-Z0-9]{4,12}$")

#: Headers of every page here (:mod:`api.web.security`, shared with the console).
SECURITY_HEADERS = LAPOR_HEADERS


def _page(
    request: Request, name: str, *, status_code: int = 200, no_store: bool = False, **values: Any
) -> HTMLResponse:
    """Render a page of ``/lapor`` with its security headers (and the language chosen)."""
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-store" if no_store else "no-cache"}
    response = render(
        ENV, request, name, status_code=status_code, headers=headers, asset=asset_url, **values
    )
    choice = request.query_params.get("lang")
    if choice in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, choice, max_age=365 * 86400, samesite="lax")
    return response


def _form_page(
    request: Request,
    *,
    values: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    key: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    t = reader(request)
    return _page(
        request,
        "lapor/form.html",
        status_code=status_code,
        no_store=errors is not None,
        values=values or {},
        errors=(errors or FormErrors()).messages,
        fields=FORM_FIELDS,
        activities=activity_labels(t),
        key=key or new_key(),
        max_files=MAX_FILES,
        basemap_url=BASEMAP_URL,
    )


def _rate_wait(request: Request) -> float:
    """Take one request from the caller's bucket of the public rate limit; seconds to wait."""
    settings = request.app.state.settings
    key = client_address(request, trust_forwarded_for=settings.api.trust_forwarded_for)
    wait: float = request.app.state.rate_limiter.check(request.app.state.engine, key)
    return wait


def _too_many(request: Request, wait: float, *, json: bool) -> Response:
    t = reader(request)
    message = t.gettext("Too many requests from your connection. Wait a minute and try again.")
    headers = {"Retry-After": str(max(1, math.ceil(wait)))}
    if json:
        return _json_error(429, None, message, headers=headers)
    response = _page(request, "lapor/problem.html", status_code=429, message=message)
    response.headers.update(headers)
    return response


def _json_error(
    status: int,
    field: str | None,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    errors: dict[str | None, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"error": {"code": str(status), "field": field, "message": message}}
    if errors:
        body["errors"] = {k or "": v for k, v in errors.items()}
    return JSONResponse(body, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


def too_large_page(scope: Any, limit: int) -> HTMLResponse | None:
    """Return the page saying an upload is too large, for requests to ``/lapor`` only.

    :class:`api.main.BodySizeLimit` answers with it instead of its JSON body, so a reporter
    whose browser sent the form without JavaScript reads why in their language.
    """
    path = str(scope.get("path", ""))
    if path != "/lapor" and not path.startswith("/lapor/"):
        return None
    request = Request(scope)
    t = reader(request)
    message = _too_large_message(t, max(1, limit // (1024 * 1024)))
    values = page_context(
        t, request=request, agency=agency_of(request), asset=asset_url, message=message
    )
    html = ENV.get_template("lapor/problem.html").render(values)
    # The body was not read: the connection cannot carry another request.
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-store", "Connection": "close"}
    return HTMLResponse(html, status_code=413, headers=headers)


def _too_large_message(t: Translator, megabytes: int) -> str:
    return t.gettext(
        "The photos and videos together are too large: at most {mb} MB can be sent at once. "
        "Go back, choose fewer or smaller files, and send again.",
        mb=megabytes,
    )


@router.get("/lapor", response_class=HTMLResponse)
def form_page(request: Request) -> HTMLResponse:
    """Show the report form, empty."""
    return _form_page(request)


@router.post("/lapor", response_model=None)
async def submit(request: Request) -> Response:
    """Store a report from the form; the receipt page (or JSON for ``lapor.js``) has its code."""
    json = "application/json" in request.headers.get("accept", "")
    wait = await run_in_threadpool(_rate_wait, request)
    if wait > 0:
        return _too_many(request, wait, json=json)
    t = reader(request)
    try:
        form = await request.form(max_files=MAX_FILES + 1)
    except StarletteHTTPException as e:
        limit = request.app.state.settings.api.max_upload_bytes
        message = (
            _too_large_message(t, max(1, limit // (1024 * 1024)))
            if e.status_code == 413
            else t.gettext("The form could not be read. Go back and send it again.")
        )
        if json:
            return _json_error(e.status_code, "evidence", message)
        return _page(request, "lapor/problem.html", status_code=e.status_code, message=message)
    texts = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    uploads = [
        v for v in form.getlist("evidence") if isinstance(v, UploadFile) and (v.filename or v.size)
    ]
    key = valid_key(request.headers.get("idempotency-key")) or valid_key(
        texts.get("idempotency_key")
    )
    outcome = await run_in_threadpool(_store, request, texts, uploads, key, t)
    await form.close()
    if isinstance(outcome, SubmitResult):
        return _stored(request, outcome, json=json)
    conflict = outcome.messages.pop("__conflict__", None) is not None
    status = 409 if conflict else 422
    if json:
        field, message = next(iter(outcome.messages.items()))
        return _json_error(status, field, message, errors=outcome.messages)
    return _form_page(
        request,
        values=texts,
        errors=outcome,
        key=None if conflict else key,
        status_code=status,
    )


def _store(
    request: Request,
    texts: dict[str, str],
    uploads: list[UploadFile],
    key: str | None,
    t: Translator,
) -> SubmitResult | FormErrors:
    """Call the intake use case in a worker thread; refusals come back placed by field."""
    fields, errors = read_fields(texts, t)
    settings = request.app.state.settings
    if len(uploads) > MAX_FILES:
        errors.add("evidence", t.gettext("Send at most {n} photos or videos.", n=MAX_FILES))
    if errors:
        return errors
    # One byte over the per-file limit lets the evidence check say the file is too large.
    contents = [u.file.read(settings.api.max_upload_bytes + 1) for u in uploads]
    try:
        with session_scope(request.app.state.engine) as session:
            return submit_report(
                settings=settings,
                session=session,
                fields=fields,
                actor=anonymous(request).user,
                public=True,
                evidence=contents,
                idempotency_key=key,
                defer=getattr(request.app.state, "intake_worker", None) is not None,
            )
    except Conflict as e:
        errors.add(None, e.localized(t))
        errors.add("__conflict__", "")
    except PantauError as e:
        errors.add_error(e, t)
    return errors


def _stored(request: Request, result: SubmitResult, *, json: bool) -> Response:
    """Wake the intake worker after the commit, then answer with the tracking code."""
    worker = getattr(request.app.state, "intake_worker", None)
    if worker is not None and result.created:
        worker.notify()
    if json:
        body = {"code": result.code, "status": result.status, "created": result.created}
        return JSONResponse(body, status_code=201 if result.created else 200)
    return RedirectResponse(f"/lapor/terkirim?kode={result.code}", status_code=303)


def _code(value: str | None) -> str | None:
    code = (value or "").strip().upper()
    return code if _CODE.match(code) else None


@router.get("/lapor/terkirim", response_class=HTMLResponse, response_model=None)
def receipt(request: Request, kode: str | None = None) -> Response:
    """Show the receipt: the tracking code and how to follow the report (nothing else of it)."""
    code = _code(kode)
    if code is None:
        return RedirectResponse("/lapor", status_code=303)
    return _page(request, "lapor/done.html", no_store=True, code=code)


@router.get("/lapor/status", response_class=HTMLResponse, response_model=None)
async def status_page(request: Request, kode: str | None = None) -> Response:
    """Ask for a tracking code; show that report's status and dates only."""
    if kode is None or not kode.strip():
        return _page(request, "lapor/status.html", code="", report=None, error=None)
    t = reader(request)
    code = _code(kode)
    if code is None:
        error = t.gettext("A tracking code looks like PTM-7K3Q9X. Check the code and try again.")
        return _page(
            request, "lapor/status.html", status_code=422, code=kode[:40], report=None, error=error
        )
    wait = await run_in_threadpool(_rate_wait, request)
    if wait > 0:
        return _too_many(request, wait, json=False)
    report = await run_in_threadpool(_public_status, request, code, t)
    if report is None:
        error = t.gettext("No report has the code {code}. Check the code and try again.", code=code)
        return _page(
            request, "lapor/status.html", status_code=404, code=code, report=None, error=error
        )
    return _page(request, "lapor/status.html", no_store=True, code=code, report=report, error=None)


def _public_status(request: Request, code: str, t: Translator) -> dict[str, str] | None:
    """Return the status label and dates of the report with ``code``: nothing else of it."""
    try:
        with session_scope(request.app.state.engine) as session:
            report = get_report(session=session, code=code)
            zone = local_zone(request.app.state.settings)  # the province's (WITA in Kaltim)
            return {
                "status": report_status(t, report.status),
                "received": t.datetime(report.received_at, format="d MMMM y, HH:mm", tzinfo=zone),
                "changed": t.datetime(
                    report.status_changed_at, format="d MMMM y, HH:mm", tzinfo=zone
                ),
            }
    except NotFound:
        return None
