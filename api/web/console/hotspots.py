"""Hotspot: clusters of reports no known site explains, on a list and a map; promote or dismiss.

Every staff role reads hotspots (:data:`api.auth.READERS`); analysts and admins
(:data:`api.auth.PATROL_PLANNERS`) promote one to a site or dismiss it with a reason, through
the hotspot use cases, with the signed-in user in the audit trail.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api import auth
from api.deps import SessionDep, SettingsDep
from api.schemas.hotspots import DismissIn, PromoteIn
from api.web import templating
from api.web.console.session import PosterDep, StaffDep, allow, page, posted
from geo import hotspots as geohotspots
from geo.errors import N_, NotFound, ValidationError
from geo.hotspots import service
from geo.settings import Settings
from geo.vocab import COMMODITIES

router = APIRouter(prefix="/hotspot", include_in_schema=False)

CodePath = Annotated[str, Path(pattern=r"^HS-[0-9]{1,8}$")]
REVIEW = N_("promote or dismiss a hotspot")
NO_HOTSPOT = N_("No hotspot has the code {code}.")
PROMOTED = N_("Hotspot {hotspot} is now site {site}.")
DISMISSED = N_("Hotspot {hotspot} is dismissed.")
REASON_REQUIRED = N_("give the reason for dismissing the hotspot")


def _points(rows: list[dict[str, Any]]) -> str:
    return json.dumps(
        [
            {"lon": r["centroid_lon"], "lat": r["centroid_lat"], "label": r["code"]}
            for r in rows
            if r["centroid_lon"] is not None
        ]
    )


@router.get("")
def hotspot_list(
    request: Request,
    session: SessionDep,
    staff: StaffDep,
    status: Annotated[str, Query(max_length=20)] = "candidate",
) -> Response:
    """Hotspots of one status (candidates by default) with a map of their centres."""
    wanted = status if status in geohotspots.HOTSPOT_STATUSES else None
    frame = geohotspots.load(session, status=wanted)
    rows = [
        {k: row[k] for k in geohotspots.COLUMNS if k in row}
        for row in frame.drop(columns="geometry").to_dict("records")
    ]
    return page(
        request,
        "console/hotspots/list.html",
        rows=rows,
        status=wanted or "",
        statuses=geohotspots.HOTSPOT_STATUSES,
        points=_points(rows),
        may_review=staff.may(auth.PATROL_PLANNERS),
    )


def _detail(
    request: Request,
    session: Session,
    settings: Settings,
    staff: Any,
    code: str,
    *,
    error: str | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    t = templating.reader(request)
    try:
        view = service.view_hotspot(settings=settings, session=session, hotspot=code)
    except NotFound:
        message = t.gettext(NO_HOTSPOT, code=code)
        return page(request, "console/error.html", status_code=404, message=message)
    point = [{"lon": view.lon, "lat": view.lat, "label": view.code}] if view.lon else []
    return page(
        request,
        "console/hotspots/detail.html",
        status_code=status_code,
        h=view,
        points=json.dumps(point),
        commodities=COMMODITIES,
        may_review=staff.may(auth.PATROL_PLANNERS) and view.status == "candidate",
        error=error,
        message=message,
    )


@router.get("/{code}")
def hotspot_page(
    request: Request, code: CodePath, session: SessionDep, settings: SettingsDep, staff: StaffDep
) -> Response:
    """One hotspot: its counts, place, review decision and the review forms."""
    return _detail(request, session, settings, staff, code)


def _review(
    request: Request, session: Session, settings: Settings, staff: Any, code: str, work: Any
) -> Response:
    """Run a review (:func:`~api.web.console.session.posted`) and show the hotspot again."""
    return posted(
        request, session, work, render=partial(_detail, request, session, settings, staff, code)
    )


@router.post("/{code}/promosikan")
def promote(
    request: Request,
    code: CodePath,
    session: SessionDep,
    settings: SettingsDep,
    staff: PosterDep,
    name: Annotated[str, Form(max_length=200)] = "",
    kabupaten: Annotated[str, Form(max_length=100)] = "",
    commodity: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Make the hotspot a new site of the registry."""
    allow(staff, auth.PATROL_PLANNERS, REVIEW)

    def work(t: Any) -> str:
        form = PromoteIn(
            name=name.strip() or None,
            kabupaten=kabupaten.strip() or None,
            commodity=commodity or None,
        )
        done = service.promote_hotspot(
            settings=settings,
            session=session,
            hotspot=code,
            actor=staff.username,
            name=form.name,
            kabupaten=form.kabupaten,
            commodity=form.commodity,
        )
        return str(t.gettext(PROMOTED, hotspot=done.hotspot, site=done.site_code))

    return _review(request, session, settings, staff, code, work)


@router.post("/{code}/abaikan")
def dismiss(
    request: Request,
    code: CodePath,
    session: SessionDep,
    settings: SettingsDep,
    staff: PosterDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Dismiss the hotspot with a reason."""
    allow(staff, auth.PATROL_PLANNERS, REVIEW)

    def work(t: Any) -> str:
        if not reason.strip():
            raise ValidationError.of(REASON_REQUIRED, field="reason")
        form = DismissIn(reason=reason)
        view = service.dismiss_hotspot(
            settings=settings,
            session=session,
            hotspot=code,
            reason=form.reason,
            actor=staff.username,
        )
        return str(t.gettext(DISMISSED, hotspot=view.code))

    return _review(request, session, settings, staff, code, work)
