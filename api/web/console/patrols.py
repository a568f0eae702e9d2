"""Patroli: make a patrol plan, watch it being made, read it, download it, record inspections.

A person makes a plan with a form, watches it being made, reads it per team and day on a map
and in a table, downloads its files, and records an inspection with photos.

A plan is made by the same use case as ``POST /patrols/plans`` and ``pantau patrol plan``
(:func:`geo.patrols.service.plan_patrols`), in the background (:mod:`geo.patrols.jobs`): the
form stores the request and the progress page polls it with htmx. Plans are read by every staff
role (:data:`api.auth.READERS`), made by :data:`api.auth.PATROL_PLANNERS`; inspections are
recorded by :data:`api.auth.INSPECTORS` through :func:`geo.patrols.service.record_inspection`,
attributed to the signed-in user, as over the API.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import ValidationError as PydanticError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import auth
from api.deps import ApiSettingsDep, SessionDep, SettingsDep
from api.errors import ApiError
from api.routes._uploads import read_uploads
from api.schemas import InspectionForm, PlanIn
from api.web import templating
from api.web.console import vocab
from api.web.console.session import PosterDep, StaffDep, allow, field_problems, page
from geo.bases import list_places
from geo.errors import N_, NotFound, PantauError
from geo.models import Site
from geo.patrols import jobs, service
from geo.patrols.models import INSPECTION_RESULTS, PatrolPlan, PatrolRoute, PatrolVisit
from geo.patrols.teams import list_teams
from geo.settings import Settings

__all__ = ["router"]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run the plan worker while the application runs (it takes requests left queued too)."""
    worker = jobs.PlanWorker(app.state.engine, settings=app.state.settings)
    worker.start()
    outer = getattr(app.state, "plan_worker", None)
    app.state.plan_worker = worker
    try:
        yield
    finally:
        worker.stop()
        app.state.plan_worker = outer


router = APIRouter(prefix="/patroli", include_in_schema=False, lifespan=lifespan)

PlanId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PLAN = N_("plan patrols")
RECORD = N_("record inspections")
NO_PLAN = N_("No patrol plan has the number {plan_id}.")
NO_REQUEST = N_("No plan request has the number {job_id}.")
NO_FILE = N_("This plan has no file {name}.")
NO_SITE = N_("No site of the registry has the code {code}.")
RECORDED = N_("Inspection {id} of site {site} is recorded.")

#: What each field of the plan form expects, shown next to it when the value is refused.
PLAN_HINTS = {
    "start": N_("Give the first day as a date."),
    "days": N_("Give a number of working days from 1 to 30."),
    "teams": N_("Give a number of teams from 1 to 12."),
    "team_codes": N_("Choose at least one team."),
    "budget_s": N_("Give a planning time from 0.5 to 120 seconds."),
    "shift": N_("Write the shift like 07:30-16:30."),
    "max_drive_h": N_("Give driving hours a day above 0 and at most 16."),
    "mode": N_("Choose a way of travel from the list."),
    "max_days_away": N_("Give the days a team may be away, from 1 to 30."),
    "skip_within_days": N_("Give a number of days from 0 to 365."),
    "must_visit_after_days": N_("Give a number of days from 1 to 3650."),
    "seed": N_("Give a whole number, 0 or more."),
}
#: What each field of the inspection form expects.
INSPECTION_HINTS = {
    "site_code": N_("Give a site code of the registry, such as KKR-001."),
    "result": N_("Choose what the team found."),
    "inspected_on": N_("Give the day of the visit as a date."),
    "team": N_("A team code has letters, digits, - and _ only (at most 32)."),
    "notes": N_("The notes are too long (at most 10,000 characters)."),
    "evidence": N_("At most 10 photos or videos."),
}


# --- plans ---------------------------------------------------------------------------------


@router.get("")
def plan_list(request: Request, session: SessionDep, staff: StaffDep) -> Response:
    """Show the stored plans, newest first, and the plan requests still being made."""
    allow(staff, auth.READERS, N_("read patrol plans"))
    plans = session.scalars(select(PatrolPlan).order_by(PatrolPlan.id.desc()).limit(50)).all()
    pending = session.scalars(
        select(jobs.PlanJob)
        .where(jobs.PlanJob.status.in_(("queued", "running")))
        .order_by(jobs.PlanJob.id)
    ).all()
    return page(
        request,
        "console/patrols/list.html",
        plans=plans,
        pending=pending,
        may_plan=staff.may(auth.PATROL_PLANNERS),
        may_record=staff.may(auth.INSPECTORS),
    )


def _form_page(
    request: Request,
    session: Session,
    settings: Settings,
    *,
    values: dict[str, Any],
    problems: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    t = templating.reader(request)
    return page(
        request,
        "console/patrols/new.html",
        status_code=status_code,
        teams=list_teams(session),
        values=values,
        problems=problems or {},
        modes=list(vocab.mode_labels(t).items()),
        max_budget=settings.api.max_solver_budget_s,
        defaults=settings.patrols,
    )


@router.get("/baru")
def new_plan(
    request: Request, session: SessionDep, settings: SettingsDep, staff: StaffDep
) -> Response:
    """Show the form of a new plan: teams, days, first day and the planning options."""
    allow(staff, auth.PATROL_PLANNERS, PLAN)
    tomorrow = dt.datetime.now(ZoneInfo(settings.patrols.timezone)).date() + dt.timedelta(days=1)
    registered = [r.code for r in list_teams(session)]
    values: dict[str, Any] = {
        "start": tomorrow.isoformat(),
        "days": "10",
        "teams": "4",
        "budget_s": "10",
        "source": "registered" if registered else "count",
        "team_codes": registered,
    }
    return _form_page(request, session, settings, values=values)


def _plan_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Return the form's text values as the fields of the API's plan request (empty: default)."""
    names = (
        "start",
        "days",
        "budget_s",
        "shift",
        "max_drive_h",
        "mode",
        "max_days_away",
        "skip_within_days",
        "must_visit_after_days",
        "seed",
    )
    fields: dict[str, Any] = {n: values[n].strip() for n in names if values.get(n, "").strip()}
    for flag in ("include_excluded", "work_weekends", "work_holidays"):
        fields[flag] = bool(values.get(flag))
    if values.get("source") == "count":
        fields["teams"] = values.get("teams", "").strip() or "0"
    return fields


@router.post("/baru")
def create_plan(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: PosterDep,
    source: Annotated[str, Form(max_length=20)] = "count",
    team_codes: Annotated[list[str] | None, Form()] = None,
    start: Annotated[str, Form(max_length=20)] = "",
    days: Annotated[str, Form(max_length=10)] = "",
    teams: Annotated[str, Form(max_length=10)] = "",
    budget_s: Annotated[str, Form(max_length=10)] = "",
    shift: Annotated[str, Form(max_length=20)] = "",
    max_drive_h: Annotated[str, Form(max_length=10)] = "",
    mode: Annotated[str, Form(max_length=20)] = "car",
    max_days_away: Annotated[str, Form(max_length=10)] = "",
    skip_within_days: Annotated[str, Form(max_length=10)] = "",
    must_visit_after_days: Annotated[str, Form(max_length=10)] = "",
    seed: Annotated[str, Form(max_length=12)] = "",
    include_excluded: Annotated[str, Form(max_length=5)] = "",
    work_weekends: Annotated[str, Form(max_length=5)] = "",
    work_holidays: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Check the form like the API's request, store it, and show its progress page."""
    allow(staff, auth.PATROL_PLANNERS, PLAN)
    values: dict[str, Any] = {k: v for k, v in locals().items() if isinstance(v, str)}
    values["team_codes"] = [c for c in (team_codes or []) if c]
    t = templating.reader(request)
    problems: dict[str, str] = {}
    try:
        checked = PlanIn.model_validate(_plan_fields(values))
    except PydanticError as e:
        problems = field_problems(e, PLAN_HINTS, t)
    if source != "count" and not values["team_codes"]:
        problems["team_codes"] = t.gettext(PLAN_HINTS["team_codes"])
    if problems:
        return _form_page(
            request, session, settings, values=values, problems=problems, status_code=400
        )
    fields = checked.model_dump(mode="json", exclude_none=True)
    fields["budget_s"] = min(checked.budget_s, settings.api.max_solver_budget_s)
    if source != "count":
        fields["team_codes"] = values["team_codes"]
    job_id = jobs.enqueue_plan(session=session, request=fields, actor=staff.username)
    session.commit()
    worker = getattr(request.app.state, "plan_worker", None)
    if worker is not None:
        worker.notify()
    return RedirectResponse(f"/patroli/permintaan/{job_id}", status_code=303)


def _job(request: Request, session: Session, job_id: int) -> jobs.JobView | Response:
    try:
        return jobs.get_job(session=session, job_id=job_id)
    except NotFound:
        message = templating.reader(request).gettext(NO_REQUEST, job_id=job_id)
        return page(request, "console/error.html", status_code=404, message=message)


@router.get("/permintaan/{job_id}")
def job_page(request: Request, job_id: PlanId, session: SessionDep, staff: StaffDep) -> Response:
    """Show a plan being made: its progress (polled), then the link to it or the refusal."""
    found = _job(request, session, job_id)
    if isinstance(found, Response):
        return found
    return page(request, "console/patrols/job.html", job=found)


@router.get("/permintaan/{job_id}/status")
def job_status(request: Request, job_id: PlanId, session: SessionDep, staff: StaffDep) -> Response:
    """Return the progress part of the request's page, which htmx swaps in every second."""
    found = _job(request, session, job_id)
    if isinstance(found, Response):
        return found
    return page(request, "console/patrols/_job.html", job=found)


# --- one plan --------------------------------------------------------------------------------


def _local(value: dt.datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%H.%M")


def _routes(session: Session, plan_id: int, zone: ZoneInfo) -> list[dict[str, Any]]:
    rows = session.execute(
        select(PatrolRoute, func.ST_AsGeoJSON(PatrolRoute.geom, 5))
        .where(PatrolRoute.plan_id == plan_id)
        .order_by(PatrolRoute.team, PatrolRoute.route_date)
    ).all()
    visits: dict[tuple[str, dt.date], list[dict[str, Any]]] = {}
    for v, name, lon, lat in session.execute(
        select(
            PatrolVisit,
            Site.name,
            func.ST_X(func.ST_PointOnSurface(Site.geom)),
            func.ST_Y(func.ST_PointOnSurface(Site.geom)),
        )
        .outerjoin(Site, Site.id == PatrolVisit.site_id)
        .where(PatrolVisit.plan_id == plan_id)
        .order_by(PatrolVisit.team, PatrolVisit.visit_date, PatrolVisit.seq)
    ):
        visits.setdefault((v.team, v.visit_date), []).append(
            {
                "seq": v.seq,
                "site": v.site_code,
                "name": name or "",
                "start": _local(v.planned_start, zone),
                "end": _local(v.planned_end, zone),
                "priority": v.priority,
                "mandatory": v.mandatory,
                "lon": lon,
                "lat": lat,
            }
        )
    return [
        {
            "team": r.team,
            "date": r.route_date,
            "base": r.base_code,
            "depart": _local(r.depart, zone),
            "back": _local(r.back, zone),
            "drive_h": r.drive_min / 60,
            "km": r.distance_km,
            "priority": r.priority,
            "visits": visits.get((r.team, r.route_date), []),
            "line": json.loads(geom)["coordinates"] if geom else [],
        }
        for r, geom in rows
    ]


def _nights(params: dict[str, Any]) -> dict[tuple[str, str], str]:
    """Where each team sleeps away from its base, by (team, ISO day)."""
    teams = {t["code"]: t["base"] for t in params.get("teams", [])}
    nights: dict[tuple[str, str], str] = {}
    for trip in params.get("expeditions", []):
        for day, _start, end in trip.get("legs", []):
            if end and end != teams.get(trip["team"]):
                nights[(trip["team"], day)] = end
    return nights


def _idle(params: dict[str, Any], routes: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """Working days of the plan on which each team inspects nothing."""
    days = set(params.get("days", []))
    idle = []
    for team in params.get("teams", []):
        busy = {r["date"].isoformat() for r in routes if r["team"] == team["code"] and r["visits"]}
        idle.append((team["code"], len(days - busy)))
    return idle


def _map_data(routes: list[dict[str, Any]], places: dict[str, Any], used: set[str]) -> str:
    teams = sorted({r["team"] for r in routes})
    return json.dumps(
        {
            "routes": [
                {
                    "team": teams.index(r["team"]),
                    "label": f"{r['team']} {r['date']}",
                    "line": r["line"],
                }
                for r in routes
                if len(r["line"]) > 1
            ],
            "sites": [
                {"lon": v["lon"], "lat": v["lat"], "label": f"{v['site']} {v['name']}"}
                for r in routes
                for v in r["visits"]
                if v["lon"] is not None
            ],
            "places": [
                {
                    "lon": p.lon,
                    "lat": p.lat,
                    "label": f"{p.code} {p.name}",
                    "office": p.kind == "office",
                }
                for code, p in places.items()
                if code in used
            ],
        }
    )


@router.get("/{plan_id}")
def plan_page(
    request: Request, plan_id: PlanId, session: SessionDep, settings: SettingsDep, staff: StaffDep
) -> Response:
    """One plan per team and day: table, map, overnight places, unplanned sites, idle days."""
    allow(staff, auth.READERS, N_("read patrol plans"))
    t = templating.reader(request)
    try:
        stored = service.get_plan(settings=settings, session=session, plan_id=plan_id)
    except NotFound:
        message = t.gettext(NO_PLAN, plan_id=plan_id)
        return page(request, "console/error.html", status_code=404, message=message)
    row = session.get(PatrolPlan, plan_id)
    params: dict[str, Any] = dict(row.params or {}) if row is not None else {}
    zone = ZoneInfo(settings.patrols.timezone)
    routes = _routes(session, plan_id, zone)
    nights = _nights(params)
    for r in routes:
        r["sleeps_at"] = nights.get((r["team"], r["date"].isoformat()), "")
    places = {p.code: p for p in list_places(session)}
    used = {r["base"] for r in routes} | set(nights.values())
    return page(
        request,
        "console/patrols/plan.html",
        plan=stored,
        routes=routes,
        idle=_idle(params, routes),
        details=jobs.unplanned_details(session=session, plan_id=plan_id, lang=t.lang),
        places=places,
        map_data=_map_data(routes, places, used),
        zone_label=settings.province_profile.zone_label,
        may_record=staff.may(auth.INSPECTORS),
    )


@router.get("/{plan_id}/unduh/{name:path}")
def plan_file(
    request: Request,
    plan_id: PlanId,
    name: Annotated[str, Path(max_length=200)],
    settings: SettingsDep,
    staff: StaffDep,
) -> Response:
    """One file written when the plan was made (GPX, KML, CSV, XLSX, iCalendar, field sheet)."""
    allow(staff, auth.READERS, N_("download patrol plans"))
    folder = service.export_dir(settings, plan_id).resolve()
    path = (folder / name).resolve()
    if folder not in path.parents or not path.is_file():
        message = templating.reader(request).gettext(NO_FILE, name=name[:80])
        return page(request, "console/error.html", status_code=404, message=message)
    return FileResponse(path, filename=path.name)


# --- inspections -----------------------------------------------------------------------------


def _inspection_page(
    request: Request,
    session: Session,
    settings: Settings,
    *,
    values: dict[str, Any],
    problems: dict[str, str] | None = None,
    done: Any = None,
    status_code: int = 200,
) -> Response:
    sites = session.execute(select(Site.code, Site.name).order_by(Site.code)).all()
    return page(
        request,
        "console/patrols/inspection.html",
        status_code=status_code,
        sites=sites,
        teams=list_teams(session),
        results=INSPECTION_RESULTS,
        values=values,
        problems=problems or {},
        done=done,
    )


@router.get("/inspeksi/baru")
def new_inspection(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: StaffDep,
    site: Annotated[str, Query(max_length=32)] = "",
    team: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """Show the form to record what a team found at a site, with photos."""
    allow(staff, auth.INSPECTORS, RECORD)
    # The use case refuses a day after the server's own date (geo.patrols.inspections), which
    # lags the local one in the evening in WITA: offer the earlier of the two, never a refusal.
    today = min(dt.datetime.now(ZoneInfo(settings.patrols.timezone)).date(), dt.date.today())
    values = {"site_code": site, "team": team, "inspected_on": today.isoformat(), "result": ""}
    return _inspection_page(request, session, settings, values=values)


@router.post("/inspeksi/baru")
def record_inspection(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    api: ApiSettingsDep,
    staff: PosterDep,
    site_code: Annotated[str, Form(max_length=40)] = "",
    result: Annotated[str, Form(max_length=20)] = "",
    inspected_on: Annotated[str, Form(max_length=20)] = "",
    team: Annotated[str, Form(max_length=40)] = "",
    notes: Annotated[str, Form(max_length=10_000)] = "",
    evidence: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    """Record the inspection through the API's use case, as the signed-in user."""
    allow(staff, auth.INSPECTORS, RECORD)
    values = {
        "site_code": site_code,
        "result": result,
        "inspected_on": inspected_on,
        "team": team,
        "notes": notes,
    }
    t = templating.reader(request)
    files = [f for f in (evidence or []) if f.filename]
    try:
        form = InspectionForm.model_validate({k: v.strip() or None for k, v in values.items()})
        payload = form.to_inspection()
        done = service.record_inspection(
            settings=settings,
            session=session,
            request=service.InspectionRequest(
                **payload.model_dump(), evidence=read_uploads(files, api)
            ),
            actor=staff.username,
        )
    except PydanticError as e:
        problems = field_problems(e, INSPECTION_HINTS, t)
    except ApiError:
        problems = {"evidence": t.gettext(INSPECTION_HINTS["evidence"])}
    except NotFound as e:
        session.rollback()
        problems = {"site_code": t.gettext(NO_SITE, code=site_code.strip().upper())}
        if e.field != "code":
            problems = {"form": e.localized(t)}
    except PantauError as e:
        session.rollback()
        field = (e.field or "").split("[")[0]
        problems = {field if field in INSPECTION_HINTS else "form": e.localized(t)}
    else:
        session.commit()
        message = t.gettext(RECORDED, id=done.inspection_id, site=done.site_code)
        return _inspection_page(
            request, session, settings, values={"inspected_on": inspected_on}, done=(done, message)
        )
    return _inspection_page(
        request, session, settings, values=values, problems=problems, status_code=400
    )
