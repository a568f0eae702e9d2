"""Laporan: the inbox of reports and one report's page with its actions.

The inbox is a plain GET form (it works without JavaScript); with htmx, changing a filter swaps
only the results (``HX-Request`` asks for the ``_rows`` partial). A report's page shows what the
role may see through :func:`geo.reports.show`; the reporter's identity stays hidden until a
person with the privilege clicks "Tampilkan identitas pelapor", which is audited
(:func:`geo.reports.reveal.reveal_identity`). Every action is a POST carrying the CSRF token
and calls one use case with the signed-in user as the actor.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from pyproj import Geod
from sqlalchemy.orm import Session

from api import auth
from api.deps import SessionDep, SettingsDep
from api.web import templating
from api.web.console.legal import legal_status
from api.web.console.session import PosterDep, StaffDep, allow, page, posted
from geo import reports as georeports
from geo.errors import N_, NotFound, ValidationError
from geo.reports import inbox, service
from geo.reports.assign import assign_report
from geo.reports.evidence import evidence_path
from geo.reports.lifecycle import RESOLUTIONS_BY_STATUS, allowed_next
from geo.reports.models import CHANNELS, REPORT_STATUSES
from geo.reports.reveal import reveal_identity
from geo.settings import Settings

router = APIRouter(prefix="/laporan", include_in_schema=False)

CodePath = Annotated[str, Path(pattern=r"^PTM-[0-9A-Z]{4,12}$")]
_GEOD = Geod(ellps="WGS84")

HANDLE = N_("change a report's status")
REVEAL = N_("see a reporter's identity")
REASON_REQUIRED = N_("give the reason for the rejection")
DONE = N_("Saved: the report is now {status}.")
ASSIGNED = N_("Saved: the report is assigned to {target}.")
NO_REPORT = N_("No report has the tracking code {code}.")
LINK = N_("link or unlink duplicate reports")
UNLINKED = N_("Saved: the report is out of the group of {root}.")
UNLINKED_ALONE = N_("Saved: the report is out of its group.")
MERGED = N_("Saved: the report is linked into the group of {root}.")


def _date(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError.of(
            N_("{field}: expected a date such as 2026-12-31, got {value!r}"),
            field=field,
            value=value,
        ) from None


@router.get("")
def inbox_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: StaffDep,
    status: Annotated[str, Query(max_length=30)] = "",
    clock: Annotated[str, Query(max_length=30)] = "",
    channel: Annotated[str, Query(max_length=30)] = "",
    kabupaten: Annotated[str, Query(max_length=100)] = "",
    site: Annotated[str, Query(max_length=40)] = "",
    hotspot: Annotated[str, Query(max_length=40)] = "",
    received_from: Annotated[str, Query(alias="from", max_length=10)] = "",
    received_to: Annotated[str, Query(alias="to", max_length=10)] = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> Response:
    """Show the inbox: filtered, paged, the most urgent first."""
    t = templating.reader(request)
    values = {
        "status": status,
        "clock": clock,
        "channel": channel,
        "kabupaten": kabupaten,
        "site": site,
        "hotspot": hotspot,
        "from": received_from,
        "to": received_to,
    }
    error = None
    try:
        filters = inbox.InboxFilters(
            status=status or None,
            clock=clock or None,
            channel=channel or None,
            kabupaten=kabupaten or None,
            site=site or None,
            hotspot=hotspot or None,
            received_from=_date(received_from, "from"),
            received_to=_date(received_to, "to"),
        )
        result = inbox.inbox(
            session=session,
            filters=filters,
            page=page_no,
            page_size=settings.console.page_size,
            role=staff.audience,
            zone=settings.province_profile.zone,
        )
    except ValidationError as e:
        error = e.localized(t)
        result = inbox.InboxPage(rows=[], total=0, page=1, page_size=settings.console.page_size)
    partial = request.headers.get("hx-request") and request.headers.get("hx-target") == "results"
    query = urlencode({k: v for k, v in values.items() if v})
    return page(
        request,
        "console/reports/_results.html" if partial else "console/reports/list.html",
        status_code=400 if error else 200,
        result=result,
        values=values,
        query=query,
        error=error,
        statuses=REPORT_STATUSES,
        channels=CHANNELS,
        clock_filters=inbox.CLOCK_FILTERS,
        kabupaten_names=inbox.kabupaten_names(session=session),
    )


def _exif(detail: dict[str, Any]) -> list[dict[str, Any]]:
    """Evidence with the distance (metres) between its EXIF position and the report's point."""
    out = []
    for item in detail["evidence"]:
        distance = None
        if None not in (item["exif_lat"], item["exif_lon"], detail.get("lat"), detail.get("lon")):
            _, _, distance = _GEOD.inv(
                detail["lon"], detail["lat"], item["exif_lon"], item["exif_lat"]
            )
        kind = item["mime"].split("/")[0]
        out.append({**item, "distance_m": distance, "kind": kind})
    return out


def _detail_page(
    request: Request,
    session: Session,
    settings: Settings,
    staff: Any,
    code: str,
    *,
    message: str | None = None,
    error: str | None = None,
    identity: dict[str, str | None] | None = None,
    status_code: int = 200,
) -> Response:
    t = templating.reader(request)
    try:
        detail = georeports.show(session=session, code=code, role=staff.audience, settings=settings)
    except NotFound:
        return page(
            request,
            "console/error.html",
            status_code=404,
            message=t.gettext(NO_REPORT, code=code),
        )
    for key in ("reporter_name", "reporter_phone"):
        detail.pop(key, None)  # hidden until revealed on purpose
    detail.update(inbox.linked_codes(session=session, report_id=detail["id"]))
    may_handle = staff.may(auth.REPORT_HANDLERS)
    group = None
    if may_handle:  # the API's rule: the roles that link and unlink read groups
        group = service.report_group(settings=settings, session=session, code=code)
    return page(
        request,
        "console/reports/detail.html",
        status_code=status_code,
        r=detail,
        evidence=_exif(detail),
        next_statuses=allowed_next(detail["status"]),
        rejections=RESOLUTIONS_BY_STATUS["rejected"],
        may_handle=may_handle,
        group=group,
        may_reveal=staff.may(auth.IDENTITY_READERS),
        legal=legal_status(session, staff, "report", detail["code"], t.lang),
        identity=identity,
        message=message,
        error=error,
    )


@router.get("/{code}")
def report_page(
    request: Request, code: CodePath, session: SessionDep, settings: SettingsDep, staff: StaffDep
) -> Response:
    """One report: description, evidence, flags, map, history, clocks and actions."""
    return _detail_page(request, session, settings, staff, code)


def _after(
    request: Request,
    session: Session,
    settings: Settings,
    staff: Any,
    code: str,
    work: Any,
) -> Response:
    """Run ``work``; redirect to the report on success (htmx: show it), else show the error.

    The one shape of a console form: :func:`~api.web.console.session.posted`.
    """
    show = partial(_detail_page, request, session, settings, staff, code)

    def done(message: str) -> Response:
        if request.headers.get("hx-request"):
            return show(message=message)
        return RedirectResponse(f"/laporan/{code}?saved=1", status_code=303)

    return posted(request, session, work, render=show, done=done)


@router.post("/{code}/status")
def change_status(
    request: Request,
    code: CodePath,
    session: SessionDep,
    settings: SettingsDep,
    staff: PosterDep,
    to: Annotated[str, Form(max_length=30)],
    reason: Annotated[str, Form(max_length=2000)] = "",
    resolution: Annotated[str, Form(max_length=30)] = "",
    follow_up_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Verify, reject (with a reason), schedule a follow-up or close a report."""
    allow(staff, auth.REPORT_HANDLERS, HANDLE)

    def work(t: Any) -> str:
        why = reason.strip()
        if to == "rejected" and not why:
            raise ValidationError.of(REASON_REQUIRED, field="reason")
        day = _date(follow_up_on, "follow_up_on")
        if day is not None:
            why = f"{day.isoformat()} {why}".strip()
        change = service.change_status(
            settings=settings,
            session=session,
            code=code,
            to=to,
            actor=staff.username,
            reason=why or None,
            resolution=resolution or None,
        )
        return str(t.gettext(DONE, status=t.pgettext("report status", change.status)))

    return _after(request, session, settings, staff, code, work)


@router.post("/{code}/tugaskan")
def assign(
    request: Request,
    code: CodePath,
    session: SessionDep,
    settings: SettingsDep,
    staff: PosterDep,
    site: Annotated[str, Form(max_length=40)] = "",
    hotspot: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Assign a verified report to a site or a hotspot."""
    allow(staff, auth.REPORT_HANDLERS, HANDLE)

    def work(t: Any) -> str:
        done = assign_report(
            settings=settings,
            session=session,
            code=code,
            actor=staff.username,
            site=site.strip() or None,
            hotspot=hotspot.strip() or None,
        )
        return str(t.gettext(ASSIGNED, target=done.site or done.hotspot))

    return _after(request, session, settings, staff, code, work)


@router.post("/{code}/lepaskan")
def unlink(
    request: Request,
    code: CodePath,
    session: SessionDep,
    settings: SettingsDep,
    staff: PosterDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Take a wrongly linked duplicate out of its group, with a reason (audited)."""
    allow(staff, auth.REPORT_HANDLERS, LINK)

    def work(t: Any) -> str:
        change = service.unlink_duplicate(
            settings=settings, session=session, code=code, reason=reason, actor=staff.username
        )
        if change.root:
            return str(t.gettext(UNLINKED, root=change.root))
        return str(t.gettext(UNLINKED_ALONE))

    return _after(request, session, settings, staff, code, work)


@router.post("/{code}/gabungkan")
def merge(
    request: Request,
    code: CodePath,
    session: SessionDep,
    settings: SettingsDep,
    staff: PosterDep,
    into: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Link a missed duplicate (with its group) into another report's group (audited)."""
    allow(staff, auth.REPORT_HANDLERS, LINK)

    def work(t: Any) -> str:
        change = service.merge_duplicate(
            settings=settings,
            session=session,
            code=code,
            into=into.strip().upper(),
            reason=reason,
            actor=staff.username,
        )
        return str(t.gettext(MERGED, root=change.root))

    return _after(request, session, settings, staff, code, work)


@router.post("/{code}/identitas")
def reveal(
    request: Request, code: CodePath, session: SessionDep, settings: SettingsDep, staff: PosterDep
) -> Response:
    """Show the reporter's identity to a role that may see it, and audit the showing."""
    allow(staff, auth.IDENTITY_READERS, REVEAL)
    identity = reveal_identity(
        settings=settings, session=session, code=code, actor=staff.username, role=staff.audience
    )
    session.commit()
    if request.headers.get("hx-request"):
        return page(request, "console/reports/_identity.html", identity=identity, code=code)
    return _detail_page(request, session, settings, staff, code, identity=identity)


@router.get("/{code}/bukti/{sha256}")
def evidence_file(
    code: CodePath,
    sha256: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
    session: SessionDep,
    settings: SettingsDep,
    staff: StaffDep,
) -> Response:
    """One evidence file of a report, for staff only, never sniffed by the browser."""
    detail = georeports.show(session=session, code=code, role=staff.audience, settings=settings)
    match = next((e for e in detail["evidence"] if e["sha256"] == sha256), None)
    path = evidence_path(sha256, match["mime"], settings=settings) if match else None
    if match is None or path is None or not path.is_file():
        return Response(status_code=404)
    return FileResponse(
        path,
        media_type=match["mime"],
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
