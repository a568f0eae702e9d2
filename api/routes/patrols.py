"""``/patrols``: plan patrols and serve their routes and exports.

A plan is solved, stored, and its exports (CSV, XLSX, PDF, GPX, KML, ICS) are written once, when
it is made, under ``<data_dir>/plans/<id>/``. Recording what a team found is in
:mod:`api.routes.inspections`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Request
from fastapi.responses import FileResponse

from api import auth
from api.deps import ApiSettingsDep, PrincipalDep, SessionDep, SettingsDep
from api.errors import ApiError
from api.routes._geojson import GeoJSONResponse, feature_collection, paging_links
from api.schemas import (
    ERRORS,
    FeatureCollection,
    PlanIn,
    PlanOut,
    errors,
)
from geo import features
from geo.patrols import service

router = APIRouter(tags=["patrols"], responses=ERRORS)

PlanPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="Plan id")]


@router.post(
    "/patrols/plans",
    status_code=201,
    summary="Plan patrols for a horizon and store the plan (analyst, admin)",
    response_model=PlanOut,
    responses=errors(422),
)
def create_plan(
    payload: Annotated[PlanIn, Body()],
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    api: ApiSettingsDep,
) -> PlanOut:
    """Solve the plan within the time budget, store it, and write every export format."""
    auth.require(principal, auth.PATROL_PLANNERS, "plan patrols")
    fields = payload.model_dump(exclude_none=True)
    fields["budget_s"] = min(payload.budget_s, api.max_solver_budget_s)
    result = service.plan_patrols(
        settings=settings,
        session=session,
        request=service.PlanRequest(**fields),
        actor=principal.user,
    )
    return PlanOut.model_validate(result.stored, from_attributes=True)


@router.get(
    "/patrols/plans/{plan_id}",
    summary="One stored plan",
    response_model=PlanOut,
    responses=errors(404),
)
def get_plan(
    plan_id: PlanPath, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> PlanOut:
    """Return a stored plan's period, totals, unplanned sites and export files."""
    auth.require(principal, auth.READERS, "read patrol plans")
    stored = service.get_plan(settings=settings, session=session, plan_id=plan_id)
    return PlanOut.model_validate(stored, from_attributes=True)


@router.get(
    "/patrols/plans/{plan_id}/routes",
    summary="Routes of a plan as GeoJSON (per team and day)",
    response_class=GeoJSONResponse,
    responses={
        **errors(404),
        200: {"model": FeatureCollection, "description": "GeoJSON FeatureCollection"},
    },
)
def plan_routes(
    request: Request, plan_id: PlanPath, session: SessionDep, principal: PrincipalDep
) -> GeoJSONResponse:
    """Return the routes of a plan as LineStrings, ordered by id (team, then day)."""
    auth.require(principal, auth.READERS, "read patrol routes")
    page = features.query_items(
        session=session,
        collection="patrol_routes",
        filters={"plan_id": plan_id},
        limit=10_000,
    )
    if page.number_matched == 0:
        raise ApiError(404, f"no routes for patrol plan {plan_id}", field="plan_id")
    return feature_collection(page, paging_links(request, page, limit=10_000, offset=0))


@router.get(
    "/patrols/plans/{plan_id}/exports/{name:path}",
    summary="One export file of a plan (CSV, XLSX, PDF, GPX, KML, ICS)",
    response_class=FileResponse,
    responses={
        **errors(404),
        200: {
            "description": "The file",
            "content": {
                "text/csv": {},
                "application/pdf": {},
                "application/gpx+xml": {},
                "application/vnd.google-earth.kml+xml": {},
                "text/calendar": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            },
        },
    },
)
def plan_export(
    plan_id: PlanPath,
    name: Annotated[str, Path(max_length=200, pattern=r"^[A-Za-z0-9._/-]+$")],
    principal: PrincipalDep,
    settings: SettingsDep,
) -> FileResponse:
    """Return one file written when the plan was made (list them with GET .../{plan_id})."""
    auth.require(principal, auth.READERS, "download patrol plans")
    folder = service.export_dir(settings, plan_id).resolve()
    path = (folder / name).resolve()
    if folder not in path.parents or not path.is_file():
        raise ApiError(404, f"plan {plan_id} has no export {name[:80]!r}", field="name")
    return FileResponse(path, filename=path.name)
