"""``/hotspots``: candidate hotspots as GeoJSON, one hotspot, clustering, promote and dismiss."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request

from api import auth
from api.deps import ApiSettingsDep, PrincipalDep, SessionDep
from api.routes._geojson import GeoJSONResponse, check_page, feature_collection, paging_links
from api.schemas import (
    ERRORS,
    ClusterIn,
    ClusterOut,
    DismissIn,
    FeatureCollection,
    HotspotDetail,
    HotspotStatus,
    PromoteIn,
    PromoteOut,
    errors,
)
from geo import features, hotspots

router = APIRouter(prefix="/hotspots", tags=["hotspots"], responses=ERRORS)

HotspotPath = Annotated[
    str, Path(description="Hotspot code", examples=["HS-0001"], pattern=r"^[Hh][Ss]-[0-9]{1,8}$")
]


@router.get(
    "",
    summary="Hotspots as GeoJSON (hulls)",
    response_class=GeoJSONResponse,
    responses={200: {"model": FeatureCollection, "description": "GeoJSON FeatureCollection"}},
)
def list_hotspots(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    api: ApiSettingsDep,
    status: HotspotStatus | None = None,
    bbox: Annotated[str | None, Query(max_length=200, examples=["116,-1,118,1"])] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> GeoJSONResponse:
    """Return hotspots (hull polygons with report counts), paged."""
    auth.require(principal, auth.READERS, "read hotspots")
    check_page(limit, offset, api.max_limit)
    page = features.query_items(
        session=session,
        collection="hotspots",
        bbox=features.parse_bbox(bbox),
        filters={"status": status},
        limit=limit,
        offset=offset,
    )
    return feature_collection(page, paging_links(request, page, limit=limit, offset=offset))


@router.post(
    "/cluster",
    summary="Cluster unmatched reports into hotspots (analyst, admin)",
    response_model=ClusterOut,
)
def cluster(
    session: SessionDep,
    principal: PrincipalDep,
    payload: Annotated[ClusterIn | None, Body()] = None,
) -> ClusterOut:
    """Run DBSCAN on reports that match no site; hotspot codes stay stable between runs."""
    auth.require(principal, auth.PATROL_PLANNERS, "run the hotspot clustering")
    params = payload or ClusterIn()
    summary = hotspots.cluster_reports(
        session=session,
        eps_m=params.eps_m,
        min_reports=params.min_reports,
        window_days=params.window_days,
    )
    return ClusterOut(**dataclasses.asdict(summary))


def _detail(session: SessionDep, code: str) -> dict[str, Any]:
    row = hotspots.get(session=session, hotspot=code)
    wkt = row.pop("centroid_wkt", None) or ""
    if wkt.startswith("POINT("):
        lon, lat = (float(v) for v in wkt[6:-1].split())
        row.update(lon=lon, lat=lat)
    row.pop("id", None)
    return row


@router.get("/{code}", summary="One hotspot", response_model=HotspotDetail, responses=errors(404))
def get_hotspot(code: HotspotPath, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """Return one hotspot with its counts and review decision."""
    auth.require(principal, auth.READERS, "read hotspots")
    return _detail(session, code)


@router.post(
    "/{code}/promote",
    summary="Make a hotspot a site (analyst, admin)",
    response_model=PromoteOut,
    responses=errors(404, 409),
)
def promote(
    code: HotspotPath,
    session: SessionDep,
    principal: PrincipalDep,
    payload: Annotated[PromoteIn | None, Body()] = None,
) -> PromoteOut:
    """Create a site from the hotspot; the site's audit trail names the token's user."""
    auth.require(principal, auth.PATROL_PLANNERS, "promote hotspots")
    params = payload or PromoteIn()
    site_code = hotspots.promote(
        session=session,
        hotspot=code,
        actor=principal.user,
        code=params.code,
        name=params.name,
        kabupaten=params.kabupaten,
        commodity=params.commodity,
    )
    return PromoteOut(hotspot=code.upper(), site_code=site_code)


@router.post(
    "/{code}/dismiss",
    summary="Dismiss a hotspot with a reason (analyst, admin)",
    response_model=HotspotDetail,
    responses=errors(404, 409),
)
def dismiss(
    code: HotspotPath,
    payload: Annotated[DismissIn, Body()],
    session: SessionDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """Mark the hotspot dismissed; the reason and the token's user are stored with it."""
    auth.require(principal, auth.PATROL_PLANNERS, "dismiss hotspots")
    hotspots.dismiss(session=session, hotspot=code, reason=payload.reason, actor=principal.user)
    session.flush()
    return _detail(session, code)
