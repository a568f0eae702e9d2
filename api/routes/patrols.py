"""``/patrols``: plan patrols and serve their routes and exports.

A plan is solved, stored, and its exports (CSV, XLSX, PDF, GPX, KML, ICS) are written once, when
it is made, under ``<data_dir>/plans/<id>/``. Recording what a team found is in
:mod:`api.routes.inspections`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path as FsPath
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
from geo.patrols.exports import export_all
from geo.patrols.models import PatrolPlan
from geo.patrols.problem import Rules
from geo.patrols.store import default_teams, load_bases, load_sites, plan_from_db, save_plan
from geo.settings import Settings

router = APIRouter(tags=["patrols"], responses=ERRORS)

PlanPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="Plan id")]


def _export_dir(settings: Settings, plan_id: int) -> FsPath:
    return FsPath(settings.data_dir) / "plans" / str(plan_id)


def _exports(settings: Settings, plan_id: int) -> list[str]:
    folder = _export_dir(settings, plan_id)
    if not folder.is_dir():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _plan_out(row: PatrolPlan, settings: Settings) -> PlanOut:
    return PlanOut(
        plan_id=row.id,
        created_by=row.created_by,
        start_date=row.start_date,
        end_date=row.end_date,
        working_days=row.working_days,
        total_priority=row.total_priority,
        total_km=row.total_km,
        unplanned=row.unplanned,
        exports=_exports(settings, row.id),
    )


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
    first, last = payload.shift.split("-")
    start = payload.start or dt.date.today() + dt.timedelta(days=1)
    teams = default_teams(
        load_bases(session),
        payload.teams,
        sites=load_sites(session),
        shift=(first, last),
        max_drive_h=payload.max_drive_h,
        mode=payload.mode,
    )
    plan = plan_from_db(
        session=session,
        start=start,
        days=payload.days,
        teams=teams,
        budget_s=min(payload.budget_s, api.max_solver_budget_s),
        seed=payload.seed,
        vary=payload.vary,
        skip_weekends=not payload.work_weekends,
        skip_holidays=not payload.work_holidays,
        area=settings.aoi_bbox,
        rules=Rules(
            skip_within_days=payload.skip_within_days,
            must_visit_after_days=payload.must_visit_after_days,
            include_excluded=payload.include_excluded,
        ),
    )
    plan_id = save_plan(plan, session=session, actor=principal.user)
    export_all(plan, _export_dir(settings, plan_id))
    row = session.get(PatrolPlan, plan_id)
    assert row is not None
    return _plan_out(row, settings)


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
    row = session.get(PatrolPlan, plan_id)
    if row is None:
        raise ApiError(404, f"no patrol plan {plan_id}", field="plan_id")
    return _plan_out(row, settings)


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
    folder = _export_dir(settings, plan_id).resolve()
    path = (folder / name).resolve()
    if folder not in path.parents or not path.is_file():
        raise ApiError(404, f"plan {plan_id} has no export {name[:80]!r}", field="name")
    return FileResponse(path, filename=path.name)

