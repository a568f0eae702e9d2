"""The console's front door: sign in and out, the language switch, Beranda and its map data.

``/`` is the sign-in page when signed out and Beranda (the dashboard) when signed in: counts of
new, overdue and due-soon complaints, reports per week, the top-priority sites with their
reasons, and a map of every report counted per grid cell on the server
(``/konsol/peta/laporan.json``), so the browser never receives one feature per report.
"""

from __future__ import annotations

import math
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.auth import client_address
from api.deps import SessionDep, SettingsDep
from api.ratelimit import PgRateLimiter
from api.web import templating
from api.web.console.session import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    MaybeStaffDep,
    PosterDep,
    StaffDep,
    cookie_secure,
    page,
)
from geo import accounts, priority
from geo.errors import N_, PermissionDenied
from geo.i18n import LANGUAGES
from geo.reports import inbox
from geo.settings import Settings

router = APIRouter(include_in_schema=False)

TOO_MANY = N_("Too many sign-in attempts. Wait {seconds} seconds and try again.")
SIGNED_OUT = N_("You have signed out.")
EXPIRED = N_("Sign in to continue.")
#: Weeks of the reports-per-week chart.
WEEKS = 12
#: Sites listed under "top priority".
TOP_SITES = 5


def _safe_next(target: str | None) -> str:
    """Only a path of this site: never ``//host`` or a scheme (an open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _signin(
    request: Request,
    *,
    message: str | None = None,
    status_code: int = 200,
    username: str = "",
    next_: str = "/",
    kind: str = "error",
) -> Response:
    token = secrets.token_urlsafe(24)
    response = page(
        request,
        "console/signin.html",
        status_code=status_code,
        login_csrf=token,
        message=message,
        kind=kind,
        username=username,
        next=_safe_next(next_),
    )
    settings: Settings = request.app.state.settings
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(settings),
        path="/",
    )
    return response


def _dashboard(request: Request, session: Session, settings: Settings) -> Response:
    t = templating.reader(request)
    top = priority.load_priority(session).head(TOP_SITES)
    sites = [
        {
            "code": row["code"],
            "name": row["name"],
            "score": t.number(float(row["score"]), digits=1),
            "reasons": priority.explain(row, lang=t.lang)[:3],
        }
        for row in top.to_dict("records")
    ]
    zone = settings.province_profile.zone
    weeks = inbox.weekly(session=session, weeks=WEEKS, zone=zone)
    return page(
        request,
        "console/dashboard.html",
        counts=inbox.counts(session=session, zone=zone),
        weeks=weeks,
        week_max=max([n for _, n in weeks] + [1]),
        sites=sites,
        bbox=settings.aoi_bbox,
    )


@router.get("/")
def home(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: MaybeStaffDep,
    next: Annotated[str | None, Query(max_length=500)] = None,  # noqa: A002 - the URL's name
) -> Response:
    """Beranda when signed in, else the sign-in page."""
    if staff is None:
        t = templating.reader(request)
        message = t.gettext(EXPIRED) if next else None
        return _signin(request, message=message, next_=next or "/", kind="ok")
    return _dashboard(request, session, settings)


def _limited(request: Request, settings: Settings, username: str) -> float:
    limiter: PgRateLimiter = request.app.state.console_login_limiter
    engine = request.app.state.engine
    address = client_address(request, trust_forwarded_for=settings.api.trust_forwarded_for)
    waits = [
        limiter.check(engine, f"console-login-ip:{address}"),
        limiter.check(engine, f"console-login-user:{username.strip().lower()[:100]}"),
    ]
    return max(waits)


@router.post("/masuk")
async def sign_in(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",  # noqa: A002 - the form's name
) -> Response:
    """Check a user name and password (rate-limited) and start a session."""
    t = templating.reader(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf_token):
        from api.web.console.session import CsrfRefused

        raise CsrfRefused
    wait = await run_in_threadpool(_limited, request, settings, username)
    if wait > 0:
        message = t.gettext(TOO_MANY, seconds=max(1, math.ceil(wait)))
        return _signin(request, message=message, status_code=429, username=username, next_=next)
    try:
        old = request.cookies.get(SESSION_COOKIE, "")
        opened = await run_in_threadpool(_authenticate, session, username, password, old)
    except PermissionDenied as e:
        return _signin(
            request, message=e.localized(t), status_code=401, username=username, next_=next
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        opened.session_id,
        httponly=True,
        samesite="lax",
        secure=cookie_secure(settings),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


def _authenticate(
    session: Session, username: str, password: str, old: str
) -> accounts.OpenedSession:
    user = accounts.authenticate(session=session, username=username, password=password)
    if old:  # a new id on every sign-in (no session fixation); the old one ends
        accounts.close_session(session=session, session_id=old)
    opened = accounts.open_session(session=session, user=user)
    session.commit()
    return opened


@router.post("/keluar")
def sign_out(request: Request, session: SessionDep, staff: PosterDep) -> Response:
    """End the session (its row is deleted) and show the sign-in page."""
    accounts.close_session(session=session, session_id=request.cookies.get(SESSION_COOKIE, ""))
    request.state.staff = None
    t = templating.reader(request)
    response = _signin(request, message=t.gettext(SIGNED_OUT), kind="ok")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/bahasa")
def language(
    lang: Annotated[str, Query(max_length=5)],
    next: Annotated[str | None, Query(max_length=500)] = None,  # noqa: A002 - the URL's name
) -> Response:
    """Keep the reader's choice of language in the ``pantau_lang`` cookie and go back."""
    response = RedirectResponse(_safe_next(next), status_code=303)
    if lang in LANGUAGES:
        response.set_cookie(
            templating.LANGUAGE_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/"
        )
    return response


@router.get("/konsol/peta/laporan.json")
def report_cells(
    session: SessionDep,
    staff: StaffDep,
    z: Annotated[int, Query(ge=0, le=22)] = 7,
    bbox: Annotated[str | None, Query(max_length=200)] = None,
) -> JSONResponse:
    """Count reports per grid cell fitting zoom ``z`` (about 24 pixels a cell)."""
    cell = min(10.0, 360.0 / (2**z) / 256 * 24)
    box = None
    if bbox:
        from geo import features

        box = features.parse_bbox(bbox)
    cells = inbox.grid(session=session, cell_deg=cell, bbox=box)
    return JSONResponse({"cells": cells}, headers={"Cache-Control": "no-store"})
