"""Build the planning problem from teams, calendar and sites, solve it, and explain the result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np

from geo.errors import PlanningError
from geo.patrols.calendar import working_days
from geo.patrols.prizes import tasks_from_frame
from geo.patrols.problem import Rules, SiteTask, Team, seconds
from geo.patrols.result import DayRoute, Plan, Unplanned, Visit
from geo.patrols.solver import Client, Progress, Vehicle, solve
from geo.patrols.travel import HaversineTravel, TravelProvider, validate_matrix
from geo.settings import get_settings

__all__ = ["plan", "TIMEZONE", "PRIZE_PER_POINT", "MANDATORY_BONUS"]

#: Kalimantan Timur keeps Central Indonesian Time (WITA, UTC+8).
TIMEZONE = ZoneInfo("Asia/Makassar")
#: Seconds of driving that one point of priority is worth: high enough that priority comes
#: first and driving time only decides between plans of (nearly) equal priority.
PRIZE_PER_POINT = 3600
#: Extra priority points of a site the revisit rule makes mandatory: more than any day's worth
#: of optional sites, so the solver drops optional sites before a mandatory one.
MANDATORY_BONUS = 10_000.0


def _check_teams(teams: Sequence[Team], area: tuple[float, float, float, float]) -> None:
    if not teams:
        raise PlanningError("no teams given: a plan needs at least one team", field="teams")
    seen: set[str] = set()
    lon0, lat0, lon1, lat1 = area
    for i, team in enumerate(teams):
        if team.code in seen:
            raise PlanningError(f"team code {team.code!r} is used twice", field=f"teams[{i}].code")
        seen.add(team.code)
        b = team.base
        if not (np.isfinite(b.lon) and np.isfinite(b.lat) and lon0 <= b.lon <= lon1
                and lat0 <= b.lat <= lat1):
            raise PlanningError(
                f"team {team.code}: base {b.code} at lon {b.lon}, lat {b.lat} is outside the "
                f"planning area (lon {lon0}..{lon1}, lat {lat0}..{lat1})",
                field=f"teams[{i}].base",
            )
        if not team.max_drive_h > 0:
            raise PlanningError(
                f"team {team.code}: maximum driving time must be positive hours, got "
                f"{team.max_drive_h}", field=f"teams[{i}].max_drive_h",
            )
        team.shift_seconds  # noqa: B018 - validates the shift times, raising PlanningError


def _split_by_rules(
    tasks: Sequence[SiteTask], rules: Rules, today: dt.date
) -> tuple[list[SiteTask], set[str], list[Unplanned]]:
    candidates: list[SiteTask] = []
    mandatory: set[str] = set()
    left_out: list[Unplanned] = []
    threshold = rules.must_visit_priority
    if threshold is None:
        eligible = [t.priority for t in tasks if t.status not in rules.excluded_statuses]
        threshold = float(np.quantile(eligible, 0.75)) if eligible else 0.0
    for t in tasks:
        since = None if t.last_inspected is None else (today - t.last_inspected).days
        if t.status in rules.excluded_statuses and not rules.include_excluded:
            left_out.append(Unplanned(t.code, t.name, t.priority, "excluded_status",
                                      f"status is {t.status}"))
        elif since is not None and since < rules.skip_within_days:
            left_out.append(Unplanned(
                t.code, t.name, t.priority, "recently_inspected",
                f"inspected {since} days ago (rule: skip within {rules.skip_within_days} days)",
            ))
        else:
            candidates.append(t)
            if t.priority >= threshold and (
                since is None or since > rules.must_visit_after_days
            ):
                mandatory.add(t.code)
    return candidates, mandatory, left_out


def _reachable(
    dur: np.ndarray, base: int, client: int, task: SiteTask, team: Team
) -> bool:
    """Whether ``team`` can visit ``task`` alone in one day (out, inspect, back)."""
    early, late = team.shift_seconds
    out, home = int(dur[base, client]), int(dur[client, base])
    if out + home > team.max_drive_h * 3600:
        return False
    start = max(early + out, seconds(task.window[0]))
    return start <= seconds(task.window[1]) and start + task.service_min * 60 + home <= late


def plan(
    sites: gpd.GeoDataFrame | Sequence[SiteTask],
    teams: Sequence[Team],
    *,
    start: dt.date,
    days: int,
    travel: TravelProvider | None = None,
    rules: Rules | None = None,
    today: dt.date | None = None,
    budget_s: float = 10.0,
    seed: int = 0,
    max_iterations: int | None = None,
    no_improvement: int | None = None,
    vary: float = 0.0,
    skip_weekends: bool = True,
    skip_holidays: bool = True,
    extra_holidays: Sequence[dt.date] = (),
    area: tuple[float, float, float, float] | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> Plan:
    """Plan which team inspects which site on which day, in what order.

    Parameters
    ----------
    sites
        A sites GeoDataFrame (as :func:`geo.sites.load` returns) or ready :class:`SiteTask`.
    teams
        The field teams, each with its base, shift, driving limit, mode and days off.
    start, days
        The horizon: ``days`` working days from ``start``.
    travel
        Travel-time provider (great-circle × detour by default).
    rules
        Revisit and exclusion rules (:class:`Rules` defaults).
    today
        The date the revisit rules count from (``start`` by default).
    budget_s, seed, max_iterations, no_improvement
        Solver budget and reproducibility; see :func:`geo.patrols.solver.solve`.
    vary
        Seeded random variation of each site's prize (0.1 = ±10 %), so that plans of nearly
        equal value differ between seeds and patrols are not predictable.
    skip_weekends, skip_holidays, extra_holidays
        Calendar options; see :func:`geo.patrols.calendar.working_days`.
    area
        Bounding box (lon_min, lat_min, lon_max, lat_max) that bases must lie in; the
        settings' area of interest (``PANTAU_AOI_BBOX``) by default.
    progress
        Called with the solver's progress.

    Returns
    -------
    Plan

    Raises
    ------
    PlanningError
        Naming the field, for no teams, zero days, a base outside ``area``, a bad matrix.

    Examples
    --------
    >>> p = plan(sites, teams, start=dt.date(2026, 12, 1), days=2, budget_s=1)
    >>> len(p.to_frame()) > 0
    True
    """
    rules = rules or Rules()
    today = today or start
    _check_teams(teams, area or get_settings().aoi_bbox)
    calendar = working_days(start, days, skip_weekends=skip_weekends,
                            skip_holidays=skip_holidays, extra_holidays=extra_holidays)
    if not 0 <= vary < 1:
        raise PlanningError(f"`vary` must be in [0, 1), got {vary}", field="vary")
    tasks = list(sites) if not isinstance(sites, gpd.GeoDataFrame) else tasks_from_frame(
        sites, today=today)
    codes = [t.code for t in tasks]
    if len(set(codes)) != len(codes):
        raise PlanningError("site codes must be unique", field="sites")
    for t in tasks:
        if t.service_min < 0:
            raise PlanningError(f"site {t.code}: inspection duration must not be negative, "
                                f"got {t.service_min} min", field="service_min")
        if not (np.isfinite(t.lon) and np.isfinite(t.lat) and -180 <= t.lon <= 180
                and -90 <= t.lat <= 90):
            raise PlanningError(f"site {t.code}: location must be a longitude and latitude, "
                                f"got {t.lon}, {t.lat}", field="sites")
        if t.window[1] < t.window[0]:
            raise PlanningError(f"site {t.code}: its window closes ({t.window[1]}) before it "
                                f"opens ({t.window[0]})", field="window")
    candidates, mandatory, unplanned = _split_by_rules(tasks, rules, today)

    bases = list({t.base.code: t.base for t in teams}.values())
    base_index = {b.code: i for i, b in enumerate(bases)}
    points = [(b.lon, b.lat) for b in bases] + [(t.lon, t.lat) for t in candidates]
    keys = [b.code for b in bases] + [t.code for t in candidates]
    travel = travel or HaversineTravel()
    modes = sorted({t.mode for t in teams})
    mats = [travel.matrix(points, mode=m, keys=keys) for m in modes]
    dur = np.stack([validate_matrix(m.durations_s, len(points), field="durations")
                    for m in mats])
    dist = np.stack([validate_matrix(m.distances_m, len(points), field="distances")
                     for m in mats])
    nb = len(bases)

    # Reachability first: a site no team can do in one day is explained, not just dropped.
    kept: list[SiteTask] = []
    index: list[int] = []
    for c, task in enumerate(candidates):
        able = [
            team for team in teams
            if _reachable(dur[modes.index(team.mode)], base_index[team.base.code], nb + c,
                          task, team)
        ]
        if not able:
            unplanned.append(Unplanned(task.code, task.name, task.priority, "too_far",
                                       "no team can drive there, inspect and return within "
                                       "its shift and driving limit"))
        elif not any(team.available(calendar) for team in able):
            unplanned.append(Unplanned(
                task.code, task.name, task.priority, "no_team_available",
                f"only {', '.join(t.code for t in able)} can reach it, and not on these days",
            ))
        else:
            kept.append(task)
            index.append(nb + c)
    sub = list(range(nb)) + index
    dur, dist = dur[:, sub][:, :, sub], dist[:, sub][:, :, sub]

    rng = np.random.default_rng(seed)
    jitter = rng.uniform(1 - vary, 1 + vary, size=len(kept)) if vary else np.ones(len(kept))
    clients = [
        Client(
            prize=int(round((t.priority + (MANDATORY_BONUS if t.code in mandatory else 0))
                            * PRIZE_PER_POINT * j)),
            service=t.service_min * 60,
            tw_early=seconds(t.window[0]),
            tw_late=seconds(t.window[1]),
        )
        for t, j in zip(kept, jitter, strict=True)
    ]
    vehicles: list[Vehicle] = []
    labels: list[tuple[Team, dt.date]] = []
    for day in calendar:
        for team in teams:
            if day in team.unavailable:
                continue
            early, late = team.shift_seconds
            b = base_index[team.base.code]
            vehicles.append(Vehicle(b, b, early, late, int(team.max_drive_h * 3600),
                                    modes.index(team.mode)))
            labels.append((team, day))
    if not vehicles:
        raise PlanningError("no team is available on any day of the horizon", field="teams")
    result = solve(dur, clients, vehicles, num_depots=nb, distances=dist, budget_s=budget_s,
                   seed=seed, max_iterations=max_iterations, no_improvement=no_improvement,
                   progress=progress)

    routes: list[DayRoute] = []
    for route in result.routes:
        team, day = labels[route.vehicle]
        veh = vehicles[route.vehicle]
        p = veh.profile
        visits = []
        prev = veh.start_depot
        for seq, stop in enumerate(route.stops, start=1):
            t, node = kept[stop.client], nb + stop.client
            visits.append(Visit(
                team=team.code, date=day, seq=seq, site_code=t.code, site_name=t.name,
                lon=t.lon, lat=t.lat, kabupaten=t.kabupaten, commodity=t.commodity,
                status=t.status, priority=t.priority, mandatory=t.code in mandatory,
                arrival=_at(day, stop.arrival), start=_at(day, stop.start),
                end=_at(day, stop.end), travel_min=round(float(dur[p, prev, node]) / 60, 1),
                travel_km=round(float(dist[p, prev, node]) / 1000, 1), reasons=t.reasons,
            ))
            prev = node
        path = ((team.base.lon, team.base.lat), *((v.lon, v.lat) for v in visits),
                (team.base.lon, team.base.lat))
        routes.append(DayRoute(team.code, day, team.base.code, _at(day, route.depart),
                               _at(day, route.back), round(route.drive_s / 60, 1),
                               round(route.distance_m / 1000, 1), tuple(visits), path))
    routes.sort(key=lambda r: ([t.code for t in teams].index(r.team), r.date))

    planned = {v.site_code for r in routes for v in r.visits}
    lowest = min((v.priority for r in routes for v in r.visits), default=0.0)
    for t in kept:
        if t.code in planned:
            continue
        if t.code in mandatory:
            detail = "due for a visit by the revisit rule, but the horizon is full of other " \
                     "due sites"
        elif t.priority < lowest:
            detail = f"priority {t.priority:g} is below every planned site (lowest {lowest:g})"
        else:
            detail = "reaching it would cost more planned priority than it brings"
        unplanned.append(Unplanned(t.code, t.name, t.priority, "lower_priority", detail))
    unplanned.sort(key=lambda u: (-u.priority, u.site_code))
    return Plan(
        start=start, days=calendar, teams=list(teams), routes=routes, unplanned=unplanned,
        seed=seed, budget_s=budget_s,
        stats={"iterations": result.iterations, "runtime_s": round(result.runtime_s, 2),
               "mandatory": sorted(mandatory), "vary": vary, "candidates": len(kept)},
    )


def _at(day: dt.date, secs: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=TIMEZONE) + dt.timedelta(seconds=secs)
