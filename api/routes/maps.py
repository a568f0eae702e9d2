"""``/maps``: the overview map as HTML, and the PNG/PDF briefing rendered by headless Chromium.

The maps come from :mod:`geo.maps` unchanged: the same layers, privacy rules and message
catalogue as ``pantau map``. ``share=true`` gives the version for outside the agency (report
counts instead of points).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api import auth
from api.deps import EngineDep, PrincipalDep
from api.schemas import ERRORS, errors
from geo.maps import build

router = APIRouter(prefix="/maps", tags=["maps"], responses=ERRORS)

Period = Annotated[
    str | None,
    Query(
        max_length=40,
        pattern=r"^([0-9]{1,4}d|[0-9]{4}-[0-9]{2}-[0-9]{2}\.\.[0-9]{4}-[0-9]{2}-[0-9]{2})$",
        description="2026-01-01..2026-06-30, or 90d for the last 90 days (default 365d)",
        examples=["90d"],
    ),
]
Layers = Annotated[
    str | None,
    Query(
        max_length=200,
        pattern=r"^[a-z]+(,[a-z]+)*$",
        description="Comma-separated layer keys (default: all)",
        examples=["sites,hotspots"],
    ),
]
Lang = Annotated[Literal["id", "en"], Query(description="Bahasa Indonesia or English")]


def _layers(value: str | None) -> list[str] | None:
    return [k for k in value.split(",") if k] if value else None


def _map(
    engine: EngineDep,
    request: Request,
    *,
    period: str | None,
    layers: str | None,
    lang: str,
    offline: bool,
    share: bool,
) -> object:
    from geo.maps.sources import load_all

    the_period = build.parse_period(period)
    data = load_all(engine, period=the_period)
    return build.build_map(
        sites=data.sites,
        reports=data.reports,
        hotspots=data.hotspots,
        bases=data.bases,
        routes=data.routes,
        period=the_period,
        layers=_layers(layers),
        lang=lang,
        offline=offline,
        base_url=str(request.base_url).rstrip("/"),
        share=share,
        demo=data.demo,
    )


@router.get(
    "/overview",
    summary="The overview map (HTML)",
    response_class=HTMLResponse,
    responses={**errors(422), 200: {"content": {"text/html": {}}, "description": "Folium map"}},
)
def overview(
    request: Request,
    engine: EngineDep,
    principal: PrincipalDep,
    period: Period = None,
    layers: Layers = None,
    lang: Lang = "id",
    offline: Annotated[
        bool, Query(description="Inline every asset: works with no network")
    ] = False,
    share: Annotated[bool, Query(description="For outside the agency: counts, no points")] = False,
) -> HTMLResponse:
    """Return the overview map of sites, reports, hotspots, bases and routes."""
    auth.require(principal, auth.MAP_READERS, "view maps")
    m = _map(engine, request, period=period, layers=layers, lang=lang, offline=offline, share=share)
    return HTMLResponse(m.get_root().render())  # type: ignore[attr-defined]  # folium.Map


@router.get(
    "/briefing.{fmt}",
    summary="The briefing as PDF (A4 landscape, map + top sites + overdue) or PNG",
    response_class=Response,
    responses={
        **errors(422, 503),
        200: {"content": {"application/pdf": {}, "image/png": {}}, "description": "Briefing"},
    },
)
def briefing(
    request: Request,
    engine: EngineDep,
    principal: PrincipalDep,
    fmt: Literal["pdf", "png"],
    period: Period = None,
    layers: Layers = None,
    lang: Lang = "id",
    share: Annotated[bool, Query(description="For outside the agency: counts, no points")] = False,
) -> Response:
    """Render the briefing in headless Chromium (503 when Chromium is not installed)."""
    from geo.maps.briefing import export
    from geo.maps.sources import load_overdue

    auth.require(principal, auth.MAP_READERS, "export briefings")
    # Rendered with the network cut, so from the offline build of the map.
    m = _map(engine, request, period=period, layers=layers, lang=lang, offline=True, share=share)
    with tempfile.TemporaryDirectory(prefix="pantau-api-briefing-") as tmp:
        out = Path(tmp) / f"briefing.{fmt}"
        kwargs = {fmt: out}
        export(m, overdue=load_overdue(engine), **kwargs)  # type: ignore[arg-type]
        content = out.read_bytes()
    media = "application/pdf" if fmt == "pdf" else "image/png"
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="briefing.{fmt}"'},
    )
