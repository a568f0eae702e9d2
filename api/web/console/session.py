"""Who is signed in to the console, CSRF checks, and the console's one way to render a page.

A browser carries the session's random id in the ``pantau_session`` cookie (HttpOnly,
SameSite=Lax, Secure outside development and test); :func:`geo.accounts.resume_session` turns it
into the signed-in user, ends it when idle or too old, and marks it seen. Every POST carries the
session's CSRF token, in a hidden form field or htmx's ``X-CSRF-Token`` header; a POST without
the right one is refused with a 403 page in the reader's language. Pages that need a user raise
:class:`SignInRequired` (a redirect to the sign-in page); a role that may not do a thing gets
:class:`Forbidden` (a 403 page). Role sets are those of :mod:`api.auth`, as over the API.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError as PydanticError
from sqlalchemy.orm import Session

from api.auth import PRIVACY_AUDIENCE
from api.deps import SessionDep, SettingsDep
from api.errors import status_for
from api.web import templating
from api.web.assets import asset_url
from api.web.console import vocab
from api.web.security import CONSOLE_HEADERS
from geo import accounts, labels
from geo.errors import N_, PantauError
from geo.i18n import Translator
from geo.settings import Settings

__all__ = [
    "SESSION_COOKIE",
    "LOGIN_CSRF_COOKIE",
    "ENV",
    "Staff",
    "SignInRequired",
    "Forbidden",
    "CsrfRefused",
    "StaffDep",
    "MaybeStaffDep",
    "csrf_checked",
    "page",
    "posted",
    "allow",
    "cookie_secure",
    "install",
]

SESSION_COOKIE = "pantau_session"
#: Before sign-in there is no session: the sign-in form is protected by a double-submit cookie.
LOGIN_CSRF_COOKIE = "pantau_login_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"

ENV = templating.environment(Path(__file__).resolve().parent / "templates")

#: What the console's pages may load: only the app's own files (:mod:`api.web.security`).
SECURITY_HEADERS = CONSOLE_HEADERS

BAD_FIELD = N_("{field}: the value is not valid")
NOT_ALLOWED = N_("Your role ({role}) may not {action}.")
CSRF_REFUSED = N_(
    "This form has expired or did not come from this console. Reload the page and try again."
)


@dataclass(frozen=True)
class Staff:
    """The signed-in user of a request: name, role, the session's CSRF token."""

    username: str
    display_name: str | None
    role: str
    csrf_token: str

    @property
    def audience(self) -> str:
        """The redaction audience of the role (:data:`api.auth.PRIVACY_AUDIENCE`)."""
        return PRIVACY_AUDIENCE[self.role]

    def may(self, roles: frozenset[str]) -> bool:
        """Whether the role is one of ``roles`` (a set of :mod:`api.auth`)."""
        return self.role in roles


class SignInRequired(Exception):
    """The page needs a signed-in user: answered with a redirect to the sign-in page."""


class Forbidden(Exception):
    """The signed-in user's role may not do this: answered with a 403 page."""

    def __init__(self, staff: Staff, action: str) -> None:
        super().__init__(action)
        self.staff = staff
        self.action = action


class CsrfRefused(Exception):
    """A POST without the session's CSRF token: answered with a 403 page."""


def cookie_secure(settings: Settings) -> bool:
    """Whether cookies are HTTPS-only: the setting, else on outside development and test."""
    if settings.console.cookie_secure is not None:
        return settings.console.cookie_secure
    return settings.environment == "production"


def _resume(request: Request, session: Session, settings: Settings) -> Staff | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    row = accounts.resume_session(
        session=session,
        session_id=cookie,
        idle=dt.timedelta(minutes=settings.console.session_idle_minutes),
        max_age=dt.timedelta(hours=settings.console.session_max_hours),
    )
    if row is None:
        return None
    return Staff(
        username=row.user.username,
        display_name=row.user.display_name,
        role=row.user.role,
        csrf_token=row.csrf_token,
    )


def maybe_staff(request: Request, session: SessionDep, settings: SettingsDep) -> Staff | None:
    """Return the signed-in user, or ``None`` (a plain function: FastAPI runs it in a thread)."""
    staff = _resume(request, session, settings)
    request.state.staff = staff
    return staff


MaybeStaffDep = Annotated[Staff | None, Depends(maybe_staff)]


def signed_in(staff: MaybeStaffDep) -> Staff:
    """Return the signed-in user, or redirect to the sign-in page."""
    if staff is None:
        raise SignInRequired
    return staff


StaffDep = Annotated[Staff, Depends(signed_in)]


def allow(staff: Staff, roles: frozenset[str], action: str) -> None:
    """Raise :class:`Forbidden` unless ``staff``'s role is one of ``roles``."""
    if not staff.may(roles):
        raise Forbidden(staff, action)


async def csrf_checked(request: Request, staff: StaffDep) -> Staff:
    """Return the signed-in user of a POST that carries the session's CSRF token."""
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not secrets.compare_digest(sent, staff.csrf_token):
        raise CsrfRefused
    return staff


PosterDep = Annotated[Staff, Depends(csrf_checked)]


#: The menu entry of each first path segment.
_AREAS = {
    "laporan": "reports",
    "hotspot": "hotspots",
    "lokasi": "sites",
    "patroli": "patrols",
    "tim": "fleet",
    "peta": "maps",
}


def _nav(request: Request) -> str:
    first = request.url.path.split("/")[1]
    return _AREAS.get(first, "home" if not first else "")


def page(
    request: Request,
    name: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **values: Any,
) -> HTMLResponse:
    """Render a console template with the signed-in user, labels and security headers."""
    t = templating.reader(request)
    province = request.app.state.settings.province_profile
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return templating.render(
        ENV,
        request,
        name,
        status_code=status_code,
        headers={**SECURITY_HEADERS, **(headers or {})},
        staff=getattr(request.state, "staff", None),
        asset_url=asset_url,
        labels=labels,
        vocab=vocab,
        nav=_nav(request),
        here=quote(here, safe="/?=&"),
        fmt_time=lambda v: _when(t, v, province.zone, province.zone_label),
        fmt_due=lambda v: _due(t, v, province.zone),
        **values,
    )


def _when(t: Any, value: dt.datetime | None, zone: ZoneInfo, label: str) -> str:
    """Format a time as people read it in the province: local date and clock time (``WITA``).

    Examples
    --------
    >>> from geo.i18n import translator
    >>> when = dt.datetime(2026, 1, 5, 16, 30, tzinfo=dt.UTC)
    >>> _when(translator("id"), when, ZoneInfo("Asia/Jakarta"), "WIB")
    '5 Januari 2026 23.30 WIB'
    """
    if value is None:
        return ""
    local = value.astimezone(zone)
    return f"{t.date(local.date())} {local:%H.%M} {label}"


def _due(t: Any, value: dt.datetime | None, zone: ZoneInfo) -> str:
    """Format a deadline as its last local day: clocks end at midnight after the due day."""
    if value is None:
        return ""
    return str(t.date((value - dt.timedelta(microseconds=1)).astimezone(zone).date()))


#: Said above a form whose fields are marked with what each expects.
FORM_ERRORS = N_("The form has errors; see the fields marked below.")


def field_problems(exc: PydanticError, hints: dict[str, str], t: Translator) -> dict[str, str]:
    """Return, per field a form schema refused, what the field expects (``hints``), in ``t``.

    A refusal of no hinted field is reported for the whole form (``{"form": ...}``).
    """
    found: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err.get("loc") else ""
        if field in hints and field not in found:
            found[field] = t.gettext(hints[field])
    return found or {"form": t.gettext(FORM_ERRORS)}


def posted(
    request: Request,
    session: Session,
    work: Callable[[Any], str],
    *,
    render: Callable[..., Response],
    done: Callable[[str], Response] | None = None,
) -> Response:
    """Answer a console form: run ``work`` (one use case), commit, and show what happened.

    ``work(t)`` returns the message to show, in the reader's language. A refusal
    (:class:`~geo.errors.PantauError`, or a form schema's validation error) rolls everything
    back and answers ``render(error=..., status_code=...)`` with the message naming the field;
    success commits and answers ``done(message)`` (e.g. a redirect), else
    ``render(message=...)``.
    """
    t = templating.reader(request)
    try:
        message = work(t)
    except PydanticError as e:
        session.rollback()
        field = str(e.errors()[0]["loc"][0]) if e.errors() else "form"
        return render(error=t.gettext(BAD_FIELD, field=field), status_code=400)
    except PantauError as e:
        session.rollback()
        return render(error=e.localized(t), status_code=status_for(e))
    session.commit()
    return done(message) if done is not None else render(message=message)


def _signin_redirect(request: Request, exc: Exception) -> Response:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    location = "/?next=" + quote(target, safe="")
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": location})
    response = RedirectResponse(location, status_code=303)
    if request.cookies.get(SESSION_COOKIE):
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Forbidden)
    t = templating.reader(request)
    action = t.gettext(exc.action)
    message = t.gettext(NOT_ALLOWED, role=vocab.role(t, exc.staff.role), action=action)
    return page(request, "console/error.html", status_code=403, message=message)


def _csrf_refused(request: Request, exc: Exception) -> Response:
    t = templating.reader(request)
    return page(request, "console/error.html", status_code=403, message=t.gettext(CSRF_REFUSED))


def install(app: FastAPI) -> None:
    """Register the console's answers to its exceptions on ``app``."""
    app.add_exception_handler(SignInRequired, _signin_redirect)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(CsrfRefused, _csrf_refused)
