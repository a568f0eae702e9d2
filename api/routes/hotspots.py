"""``/hotspots``: candidate hotspots as GeoJSON, one hotspot, clustering, promote and dismiss."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request

from api import auth
from api.deps import ApiSettingsDep, SessionDep, SettingsDep
from api.roles import role
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
from geo import features
from geo.hotspots import service
from geo.tokens import Principal

router = APIRouter(prefix="/hotspots", tags=["hotspots"], responses=ERRORS)

HotspotReader = Annotated[Principal, role(auth.READERS, "read hotspots")]
Clusterer = Annotated[Principal, role(auth.PATROL_PLANNERS, "run the hotspot clustering")]
Promoter = Annotated[Principal, role(auth.PATROL_PLANNERS, "promote hotspots")]
Dismisser = Annotated[Principal, role(auth.PATROL_PLANNERS, "dismiss hotspots")]

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
    principal: HotspotReader,
    api: ApiSettingsDep,
    status: HotspotStatus | None = None,
    bbox: Annotated[str | None, Query(max_length=200, examples=["116,-1,118,1"])] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> GeoJSONResponse:
    """Return hotspots (hull polygons with report counts), paged."""
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
    principal: Clusterer,
    settings: SettingsDep,
    payload: Annotated[ClusterIn | None, Body()] = None,
) -> ClusterOut:
    """Run DBSCAN on reports that match no site; hotspot codes stay stable between runs."""
    params = payload or ClusterIn()
    summary = service.cluster_hotspots(
        settings=settings,
        session=session,
        eps_m=params.eps_m,
        min_reports=params.min_reports,
        window_days=params.window_days,
    )
    return ClusterOut.model_validate(summary, from_attributes=True)


@router.get("/{code}", summary="One hotspot", response_model=HotspotDetail, responses=errors(404))
def get_hotspot(
    code: HotspotPath, session: SessionDep, principal: HotspotReader, settings: SettingsDep
) -> HotspotDetail:
    """Return one hotspot with its counts and review decision."""
    view = service.view_hotspot(settings=settings, session=session, hotspot=code)
    return HotspotDetail.model_validate(view, from_attributes=True)


@router.post(
    "/{code}/promote",
    summary="Make a hotspot a site (analyst, admin)",
    response_model=PromoteOut,
    responses=errors(404, 409),
)
def promote(
    code: HotspotPath,
    session: SessionDep,
    principal: Promoter,
    settings: SettingsDep,
    payload: Annotated[PromoteIn | None, Body()] = None,
) -> PromoteOut:
    """Create a site from the hotspot; the site's audit trail names the token's user."""
    params = payload or PromoteIn()
    promotion = service.promote_hotspot(
        settings=settings,
        session=session,
        hotspot=code,
        actor=principal.user,
        **params.model_dump(),
    )
    return PromoteOut.model_validate(promotion, from_attributes=True)


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
    principal: Dismisser,
    settings: SettingsDep,
) -> HotspotDetail:
    """Mark the hotspot dismissed; the reason and the token's user are stored with it."""
    view = service.dismiss_hotspot(
        settings=settings,
        session=session,
        hotspot=code,
        reason=payload.reason,
        actor=principal.user,
    )
    return HotspotDetail.model_validate(view, from_attributes=True)
