"""``/maps``: the overview map as HTML, and the PNG/PDF briefing rendered by headless Chromium.

The maps come from :mod:`geo.maps` unchanged: the same layers, privacy rules and message
catalogue as ``pantau map``. ``share=true`` gives the version for outside the agency (report
counts instead of points). No page needs the internet: the map's scripts come from this app
(``/static/vendor/npm/...``, :mod:`api.web.assets`), or with ``offline=true`` are inlined into
one file to keep.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api import auth
from api.deps import EngineDep, PrincipalDep, SettingsDep
from api.schemas import ERRORS, errors
from api.web.assets import MAP_ASSETS
from geo.maps import service
from geo.maps.options import MapOptions, parse_layers, parse_period
from geo.tokens import Principal

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
Kabupaten = Annotated[
    str | None,
    Query(
        max_length=100,
        description="Only this kabupaten's sites and what lies around them (default: all)",
        examples=["Kutai Kartanegara"],
    ),
]
Lang = Annotated[Literal["id", "en"], Query(description="Bahasa Indonesia or English")]


def require_map_reader(
    action: str,
) -> Callable[[PrincipalDep], Coroutine[Any, Any, Principal]]:
    """Return a dependency that lets only the map readers (:data:`api.auth.MAP_READERS`) through."""

    async def dependency(principal: PrincipalDep) -> Principal:
        auth.require(principal, auth.MAP_READERS, action)
        return principal

    return dependency


def _options(
    request: Request,
    *,
    period: str | None,
    layers: str | None,
    lang: str,
    share: bool,
    offline: bool = False,
) -> MapOptions:
    """Return the map options of the query; site cards link back to this API."""
    return MapOptions(
        period=parse_period(period),
        layers=parse_layers(layers),
        lang=lang,
        offline=offline,
        base_url=str(request.base_url).rstrip("/"),
        share=share,
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
    settings: SettingsDep,
    _: Annotated[Principal, Depends(require_map_reader("view maps"))],
    period: Period = None,
    layers: Layers = None,
    lang: Lang = "id",
    kabupaten: Kabupaten = None,
    offline: Annotated[
        bool,
        Query(description="Inline every asset into one file to keep (default: from this app)"),
    ] = False,
    share: Annotated[bool, Query(description="For outside the agency: counts, no points")] = False,
) -> HTMLResponse:
    """Return the overview map of sites, reports, hotspots, bases and routes."""
    options = _options(
        request, period=period, layers=layers, lang=lang, share=share, offline=offline
    )
    page = service.map_page(
        settings=settings,
        engine=engine,
        options=options,
        asset_root=MAP_ASSETS,
        kabupaten=kabupaten,
    )
    return HTMLResponse(page.html)


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
    settings: SettingsDep,
    _: Annotated[Principal, Depends(require_map_reader("export briefings"))],
    fmt: Literal["pdf", "png"],
    period: Period = None,
    layers: Layers = None,
    lang: Lang = "id",
    kabupaten: Kabupaten = None,
    share: Annotated[bool, Query(description="For outside the agency: counts, no points")] = False,
) -> Response:
    """Render the briefing in headless Chromium (503 when Chromium is not installed)."""
    options = _options(request, period=period, layers=layers, lang=lang, share=share)
    result = service.briefing_file(
        settings=settings, engine=engine, options=options, fmt=fmt, kabupaten=kabupaten
    )
    return Response(
        result.content,
        media_type=result.media_type,
        headers={"Content-Disposition": f'attachment; filename="{result.filename}"'},
    )
