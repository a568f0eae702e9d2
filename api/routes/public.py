"""``/public``: the public-information view (PPID) for anyone, rate limited like public routes.

Aggregates only, from :mod:`geo.maps.public` (the same counts ``pantau map --share`` writes):
reports by regency and month, 5 km cells with at least ``PANTAU_MAPS_PUBLIC_MIN_COUNT``
reports, and the sites the agency marked public.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from api.deps import EngineDep, SettingsDep, public_rate_limit
from api.routes.maps import Period
from api.schemas import ERRORS, errors
from api.schemas.public import KabupatenCount, MonthCount, PublicSummaryOut
from geo.maps import service
from geo.maps.options import parse_period
from geo.maps.public import to_geojson

router = APIRouter(prefix="/public", tags=["public"], responses=ERRORS)


@router.get(
    "/summary",
    summary="Public summary: counts by regency and month, 5 km cells, public sites (no auth)",
    response_model=PublicSummaryOut,
    responses={
        **errors(422, 429),
        200: {
            "content": {"application/json": {}, "application/geo+json": {}},
            "description": "The public view, as JSON or (f=geojson) one GeoJSON file",
        },
    },
    dependencies=[Depends(public_rate_limit)],
)
def public_summary(
    engine: EngineDep,
    settings: SettingsDep,
    period: Period = None,
    f: Annotated[
        Literal["json", "geojson"], Query(description="json (default) or geojson")
    ] = "json",
) -> PublicSummaryOut | JSONResponse:
    """Return the public view of the period (default: the last 365 days)."""
    view = service.public_view(settings=settings, engine=engine, period=parse_period(period))
    collection = to_geojson(view)
    if f == "geojson":
        return JSONResponse(collection, media_type="application/geo+json")
    return PublicSummaryOut(
        start=view.period.start,
        end=view.period.end,
        min_count=view.min_count,
        reports=view.reports,
        hotspots=view.hotspots,
        by_kabupaten=[KabupatenCount(kabupaten=k, reports=n) for k, n in view.by_kabupaten.items()],
        by_month=[MonthCount(**m) for m in collection["by_month"]],
        cells={"type": "FeatureCollection", "features": collection["features"]},
    )
