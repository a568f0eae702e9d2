"""Planning from the registry: teams from the bases table, plans saved with routes and visits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import LineString, Point
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.errors import N_, NotFound, PlanningError
from geo.models import FieldBase, Site
from geo.patrols.models import OvernightPlace, PatrolPlan, PatrolRoute, PatrolVisit
from geo.patrols.planner import plan
from geo.patrols.prizes import tasks_from_frame
from geo.patrols.problem import Base, Team
from geo.patrols.result import Plan
from geo.patrols.travel import HaversineTravel
from geo.settings import PrioritySettings, Settings

__all__ = [
    "default_teams",
    "load_sites",
    "load_bases",
    "load_places",
    "plan_from_db",
    "save_plan",
    "load_routes",
    "schedule_matched_reports",
    "demo_plan",
]


def default_teams(
    bases: gpd.GeoDataFrame,
    count: int,
    *,
    sites: gpd.GeoDataFrame | None = None,
    shift: tuple[str, str] = ("07:30", "16:30"),
    max_drive_h: float = 6.0,
    mode: str = "car",
    travel: HaversineTravel | None = None,
    max_days_away: int = 1,
    timezone: str | None = None,
) -> list[Team]:
    """Make ``count`` teams ``TIM-1``..., placed at bases to cover the most sites.

    Bases are chosen greedily: first the base from which most sites can be reached, inspected
    (one hour) and left again within one shift and driving limit, then the base that adds most
    sites not yet covered, and so on; ties go to the base that is nearest to more sites. With
    more teams than bases, the order starts again. Without ``sites``, bases keep their order.
    Reach is judged with ``travel`` (great-circle × detour; the defaults when not given).

    Examples
    --------
    >>> bases, sites = geo.bases.load(engine), geo.sites.load(engine)
    >>> teams = default_teams(bases, 4, sites=sites)
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise PlanningError.of(
            N_("`teams` must be a positive number of teams, got {count!r}"),
            field="teams",
            count=count,
        )
    if bases.empty:
        raise PlanningError.of(
            N_(
                "there are no field team bases; import them first "
                "(`pantau demo` loads the demo bases)"
            ),
            field="teams",
        )
    rows = list(bases.itertuples())
    order = list(range(len(rows)))
    if sites is not None and len(sites):
        order = _coverage_order(
            rows,
            sites,
            shift=shift,
            max_drive_h=max_drive_h,
            mode=mode,
            travel=travel or HaversineTravel(),
        )
    teams = []
    for k in range(count):
        r = rows[order[k % len(order)]]
        base = Base(str(r.code), str(r.name), float(r.geometry.x), float(r.geometry.y))
        teams.append(
            Team(
                f"TIM-{k + 1}",
                base,
                shift=shift,
                max_drive_h=max_drive_h,
                mode=mode,
                max_days_away=max_days_away,
                timezone=timezone,
            )
        )
    return teams


def _coverage_order(
    rows: list[Any],
    sites: gpd.GeoDataFrame,
    *,
    shift: tuple[str, str],
    max_drive_h: float,
    mode: str,
    travel: HaversineTravel,
) -> list[int]:
    probe = Team(
        "probe", Base("probe", "", 0.0, 0.0), shift=shift, max_drive_h=max_drive_h, mode=mode
    )
    early, late = probe.shift_seconds
    limit = min(max_drive_h * 3600, late - early - 3600)
    points = [(float(r.geometry.x), float(r.geometry.y)) for r in rows]
    reps = [g.representative_point() for g in sites.geometry]
    points += [(float(p.x), float(p.y)) for p in reps]
    seconds = travel.matrix(points, mode=mode).durations_s
    nb = len(rows)
    reach = [{j for j in range(len(reps)) if 2 * seconds[i, nb + j] <= limit} for i in range(nb)]
    nearest = [int(min(range(nb), key=lambda i: seconds[i, nb + j])) for j in range(len(reps))]
    load = [nearest.count(i) for i in range(nb)]
    order: list[int] = []
    covered: set[int] = set()
    while len(order) < nb:
        best = max(
            (i for i in range(nb) if i not in order),
            key=lambda i: (len(reach[i] - covered), load[i], -i),
        )
        order.append(best)
        covered |= reach[best]
    return order


def load_sites(session: Session) -> gpd.GeoDataFrame:
    """Return the registry's sites as :func:`geo.sites.load` does, read through ``session``.

    Reading through the caller's session lets a plan see changes not yet committed (an
    inspection recorded a moment ago in the same transaction).
    """
    from geo.sites import COLUMNS

    rows = session.scalars(select(Site).order_by(Site.code)).all()
    return gpd.GeoDataFrame(
        [{c: getattr(r, c) for c in COLUMNS} for r in rows],
        columns=list(COLUMNS),
        geometry=[to_shape(r.geom) for r in rows],
        crs=4326,
    )


def load_bases(session: Session) -> gpd.GeoDataFrame:
    """Return the field team bases (code, name, kabupaten, point) read through ``session``."""
    rows = session.scalars(select(FieldBase).order_by(FieldBase.code)).all()
    return gpd.GeoDataFrame(
        [{"code": r.code, "name": r.name, "kabupaten": r.kabupaten} for r in rows],
        columns=["code", "name", "kabupaten"],
        geometry=[to_shape(r.geom) for r in rows],
        crs=4326,
    )


def plan_from_db(
    *,
    session: Session,
    start: dt.date,
    days: int,
    teams: Sequence[Team] | int = 4,
    weights: PrioritySettings | None = None,
    **options: Any,
) -> Plan:
    """Plan over the registry's sites and bases; ``options`` go to :func:`plan`.

    Priorities come from :func:`geo.patrols.prizes.site_priorities` with this session and the
    priority ``weights``, and ``teams`` may be a number of teams placed by
    :func:`default_teams`. The use case :func:`geo.patrols.service.plan_patrols` fills every
    option from the settings.

    Examples
    --------
    >>> p = plan_from_db(session=session, start=dt.date(2026, 12, 1), days=2, budget_s=1)
    >>> p.start
    datetime.date(2026, 12, 1)
    """
    sites = load_sites(session)
    if isinstance(teams, int):
        teams = default_teams(load_bases(session), teams, sites=sites)
    if "places" not in options:
        options["places"] = load_places(session)
    today = options.pop("today", None) or start
    tasks = tasks_from_frame(sites, today=today, session=session, weights=weights)
    return plan(tasks, teams, start=start, days=days, today=today, **options)


def load_places(session: Session) -> list[Base]:
    """Return where a team on an expedition may sleep: the offices, then overnight places.

    Another office of the agency is as good a place to sleep as a village.

    Examples
    --------
    >>> places, offices = load_places(session), sorted(geo.bases.load(session).index)
    >>> [p.code for p in places][: len(offices)] == offices
    True
    """
    rows: list[Any] = [
        *session.scalars(select(FieldBase).order_by(FieldBase.code)),
        *session.scalars(select(OvernightPlace).order_by(OvernightPlace.code)),
    ]
    places = []
    for r in rows:
        pt = _point(r.geom)
        places.append(Base(r.code, r.name, float(pt.x), float(pt.y)))
    return places


def _expeditions(plan_: Plan) -> list[dict[str, Any]]:
    """Where each team sleeps away from its base, night by night, as stored JSON."""
    return [
        {
            "team": trip.team,
            "place": trip.place,
            "legs": [[leg.day.isoformat(), leg.start, leg.end] for leg in trip.legs],
        }
        for trip in plan_.itineraries
    ]


def save_plan(plan_: Plan, *, session: Session, actor: str) -> int:
    """Store a plan with its routes and visits; return the plan id. The caller commits.

    Examples
    --------
    >>> p = plan_from_db(session=session, start=dt.date(2026, 12, 1), days=2, budget_s=1)
    >>> plan_id = save_plan(p, session=session, actor="ani")
    >>> plan_id > 0
    True
    """
    site_ids = {str(r[0]): int(r[1]) for r in session.execute(select(Site.code, Site.id))}
    row = PatrolPlan(
        created_by=actor,
        start_date=plan_.days[0],
        end_date=plan_.days[-1],
        working_days=len(plan_.days),
        seed=plan_.seed,
        budget_s=plan_.budget_s,
        total_priority=plan_.total_priority,
        total_km=plan_.total_km,
        params={
            "teams": [
                {
                    "code": t.code,
                    "base": t.base.code,
                    "shift": [str(s) for s in t.shift],
                    "max_drive_h": t.max_drive_h,
                    "mode": t.mode,
                    "max_days_away": t.max_days_away,
                }
                for t in plan_.teams
            ],
            "days": [d.isoformat() for d in plan_.days],
            "expeditions": _expeditions(plan_),
            **{k: v for k, v in plan_.stats.items() if k != "mandatory"},
        },
        unplanned=[
            {
                "site_code": u.site_code,
                "reason": u.reason,
                "detail": u.detail,
                "priority": u.priority,
            }
            for u in plan_.unplanned
        ],
    )
    session.add(row)
    session.flush()
    for r in plan_.routes:
        session.add(
            PatrolRoute(
                plan_id=row.id,
                team=r.team,
                route_date=r.date,
                base_code=r.base_code,
                depart=r.depart,
                back=r.back,
                drive_min=r.drive_min,
                distance_km=r.distance_km,
                visits=len(r.visits),
                priority=r.priority,
                geom=from_shape(LineString(r.path), srid=4326),
            )
        )
        for v in r.visits:
            session.add(
                PatrolVisit(
                    plan_id=row.id,
                    team=v.team,
                    visit_date=v.date,
                    seq=v.seq,
                    site_id=site_ids.get(v.site_code),
                    site_code=v.site_code,
                    arrival=v.arrival,
                    planned_start=v.start,
                    planned_end=v.end,
                    travel_min=v.travel_min,
                    travel_km=v.travel_km,
                    priority=v.priority,
                    mandatory=v.mandatory,
                )
            )
    session.flush()
    return int(row.id)


def load_routes(*, session: Session, plan_id: int | None = None) -> gpd.GeoDataFrame:
    """Return the stored routes of a plan (the latest by default) as LineStrings.

    Examples
    --------
    >>> p = plan_from_db(session=session, start=dt.date(2026, 12, 1), days=2, budget_s=1)
    >>> plan_id = save_plan(p, session=session, actor="ani")
    >>> len(load_routes(session=session)) > 0
    True
    """
    if plan_id is None:
        plan_id = session.scalar(select(PatrolPlan.id).order_by(PatrolPlan.id.desc()))
        if plan_id is None:
            raise NotFound.of(N_("no patrol plan has been saved yet"), field="plan_id")
    rows = session.execute(
        select(
            PatrolRoute.plan_id,
            PatrolRoute.team,
            PatrolRoute.route_date,
            PatrolRoute.base_code,
            PatrolRoute.visits,
            PatrolRoute.priority,
            PatrolRoute.drive_min,
            PatrolRoute.distance_km,
            PatrolRoute.geom.ST_AsBinary(),
        )
        .where(PatrolRoute.plan_id == plan_id)
        .order_by(PatrolRoute.team, PatrolRoute.route_date)
    ).all()
    if not rows:
        raise NotFound.of(
            N_("no routes for patrol plan {plan_id}"), field="plan_id", plan_id=plan_id
        )
    columns = [
        "plan_id",
        "team",
        "date",
        "base_code",
        "visits",
        "priority",
        "drive_min",
        "distance_km",
    ]
    return gpd.GeoDataFrame(
        [dict(zip(columns, r[:-1], strict=True)) for r in rows],
        columns=columns,
        geometry=gpd.GeoSeries.from_wkb([bytes(r[-1]) for r in rows], crs=4326),
    )


def schedule_matched_reports(plan_: Plan, *, session: Session, actor: str) -> list[str]:
    """Move reports ``assigned`` to a planned site on to ``follow_up_scheduled``.

    Returns the tracking codes moved. Reports elsewhere in their lifecycle are left alone.

    Examples
    --------
    >>> p = plan_from_db(session=session, start=dt.date(2026, 12, 1), days=2, budget_s=1)
    >>> scheduled = schedule_matched_reports(p, session=session, actor="ani")
    """
    try:
        from geo.reports.lifecycle import transition
        from geo.reports.models import Report
    except ModuleNotFoundError:  # planning works without the reports package
        return []
    when = {v.site_code: v for v in plan_.visits}
    rows = session.execute(
        select(Report.code, Site.code)
        .join(Site, Site.id == Report.matched_site_id)
        .where(Report.status == "assigned", Site.code.in_(list(when)))
        .order_by(Report.id)
    ).all()
    moved = []
    for report_code, site_code in rows:
        v = when[site_code]
        transition(
            session=session,
            code=report_code,
            to="follow_up_scheduled",
            actor=actor,
            reason=f"patrol {v.team} on {v.date.isoformat()}",
        )
        moved.append(str(report_code))
    return moved


def demo_plan(
    *,
    session: Session,
    out_dir: str | Path,
    start: dt.date | None = None,
    budget_s: float = 20.0,
    seed: int = 0,
    actor: str = "demo",
    settings: Settings | None = None,
) -> tuple[Plan, int, dict[str, list[Path]]]:
    """Make the demo's two-week plan for four teams, save it and write every export.

    Teams may go on expeditions (``max_days_away`` of the settings) and travel by river on
    the demo's approximate rivers (``data/demo_rivers.geojson``) unless a river file is set.

    With ``settings``, travel, planning area, priority weights and the exports' language are
    the settings' (as in :func:`geo.patrols.service.plan_patrols`); without, the defaults.
    Returns the plan, its stored id and the written files per format.

    Examples
    --------
    >>> p, plan_id, files = demo_plan(session=session, out_dir="var/demo", budget_s=1)
    >>> sorted(files)
    ['csv', 'gpx', 'ics', 'kml', 'pdf', 'xlsx']
    """
    from geo.patrols.config import travel_from_settings
    from geo.patrols.exports import export_all

    start = start or dt.date.today() + dt.timedelta(days=1)
    from geo.settings import REPO_ROOT, PatrolSettings

    cfg = settings.patrols if settings is not None else PatrolSettings()
    if cfg.rivers_file is None:
        # The demo travels on its own approximate rivers unless the agency's are configured.
        cfg = cfg.model_copy(update={"rivers_file": REPO_ROOT / "data" / "demo_rivers.geojson"})
    options: dict[str, Any] = {"travel": travel_from_settings(cfg), "timezone": cfg.timezone}
    if settings is not None:
        options |= {"area": settings.aoi_bbox, "weights": settings.priority}
    teams = default_teams(
        load_bases(session),
        4,
        sites=load_sites(session),
        max_days_away=cfg.max_days_away,
        timezone=cfg.timezone,
    )
    result = plan_from_db(
        session=session,
        start=start,
        days=10,
        teams=teams,
        budget_s=budget_s,
        seed=seed,
        no_improvement=20_000,
        **options,
    )
    plan_id = save_plan(result, session=session, actor=actor)
    lang = settings.language if settings is not None else "id"
    maps = settings.maps if settings is not None else None
    return result, plan_id, export_all(result, Path(out_dir) / "patroli", lang=lang, maps=maps)


def _point(geom: Any) -> Point:
    """Return a stored point geometry as a shapely Point."""
    shape = to_shape(geom)
    assert isinstance(shape, Point)  # noqa: S101 - the column holds points only
    return shape
