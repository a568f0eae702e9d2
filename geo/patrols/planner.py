"""Build the planning problem from teams, calendar and sites, solve it, and explain the result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
from numpy.typing import NDArray

from geo.errors import N_, PlanningError
from geo.labels import site_status
from geo.patrols.calendar import working_days
from geo.patrols.prizes import tasks_from_frame
from geo.patrols.problem import Rules, SiteTask, Team, seconds
from geo.patrols.result import DayRoute, Plan, Unplanned, Visit
from geo.patrols.solver import Client, Progress, Route, Vehicle, solve
from geo.patrols.text import Message
from geo.patrols.travel import HaversineTravel, TravelProvider, validate_matrix
from geo.settings import Settings

__all__ = ["plan", "TIMEZONE", "PRIZE_PER_POINT", "MANDATORY_BONUS", "DEFAULT_AREA"]

#: Kalimantan Timur keeps Central Indonesian Time (WITA, UTC+8).
TIMEZONE = ZoneInfo("Asia/Makassar")
#: Seconds of driving that one point of priority is worth: high enough that priority comes
#: first and driving time only decides between plans of (nearly) equal priority.
PRIZE_PER_POINT = 3600
#: Extra priority points of a site the revisit rule makes mandatory: more than any day's worth
#: of optional sites, so the solver drops optional sites before a mandatory one.
MANDATORY_BONUS = 10_000.0
#: Bases must lie in this box (lon_min, lat_min, lon_max, lat_max) unless the caller gives
#: one: the default of the settings' ``aoi_bbox`` (read from the class, never from the
#: environment: the use cases pass the injected settings' box).
DEFAULT_AREA: tuple[float, float, float, float] = Settings.model_fields["aoi_bbox"].default


def _check_teams(teams: Sequence[Team], area: tuple[float, float, float, float]) -> None:
    if not teams:
        raise PlanningError.of(N_("no teams given: a plan needs at least one team"), field="teams")
    seen: set[str] = set()
    lon0, lat0, lon1, lat1 = area
    for i, team in enumerate(teams):
        if team.code in seen:
            raise PlanningError.of(
                N_("team code {code!r} is used twice"), field=f"teams[{i}].code", code=team.code
            )
        seen.add(team.code)
        b = team.base
        if not (
            np.isfinite(b.lon)
            and np.isfinite(b.lat)
            and lon0 <= b.lon <= lon1
            and lat0 <= b.lat <= lat1
        ):
            raise PlanningError.of(
                N_(
                    "team {team}: base {base} at lon {lon}, lat {lat} is outside the planning "
                    "area (lon {lon0}..{lon1}, lat {lat0}..{lat1})"
                ),
                field=f"teams[{i}].base",
                team=team.code,
                base=b.code,
                lon=b.lon,
                lat=b.lat,
                lon0=lon0,
                lon1=lon1,
                lat0=lat0,
                lat1=lat1,
            )
        if not team.max_drive_h > 0:
            raise PlanningError.of(
                N_("team {team}: maximum driving time must be positive hours, got {hours}"),
                field=f"teams[{i}].max_drive_h",
                team=team.code,
                hours=team.max_drive_h,
            )
        team.shift_seconds  # noqa: B018 - validates the shift times, raising PlanningError


def _left_out(task: SiteTask, reason: str, detail: str) -> Unplanned:
    return Unplanned(task.code, task.name, task.priority, reason, detail)


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
            left_out.append(
                _left_out(
                    t,
                    "excluded_status",
                    Message(N_("status is {status}"), status=partial(site_status, code=t.status)),
                )
            )
        elif since is not None and since < rules.skip_within_days:
            left_out.append(
                _left_out(
                    t,
                    "recently_inspected",
                    Message(
                        N_("inspected {days} days ago (rule: skip within {limit} days)"),
                        days=since,
                        limit=rules.skip_within_days,
                    ),
                )
            )
        else:
            candidates.append(t)
            if t.priority >= threshold and (since is None or since > rules.must_visit_after_days):
                mandatory.add(t.code)
    return candidates, mandatory, left_out


def _reachable(dur: np.ndarray, base: int, client: int, task: SiteTask, team: Team) -> bool:
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
    sites, teams
        A sites GeoDataFrame (as :func:`geo.sites.load` returns) or ready :class:`SiteTask`;
        the field teams, each with its base, shift, driving limit, mode and days off.
    start, days, today
        The horizon (``days`` working days from ``start``) and the date the revisit
        ``rules`` (:class:`Rules` defaults) count from (``start`` by default).
    travel
        Travel-time provider (great-circle × detour by default; the use case passes the
        settings' one).
    budget_s, seed, max_iterations, no_improvement, progress
        Solver budget, reproducibility and progress callback (:func:`~.solver.solve`).
    vary
        Seeded variation of each site's prize (0.1 = ±10 %): patrols are not predictable.
    skip_weekends, skip_holidays, extra_holidays
        Calendar options (:func:`geo.patrols.calendar.working_days`).
    area
        Box (lon_min, lat_min, lon_max, lat_max) bases must lie in (:data:`DEFAULT_AREA`).

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
    _check_teams(teams, area or DEFAULT_AREA)
    calendar = working_days(
        start,
        days,
        skip_weekends=skip_weekends,
        skip_holidays=skip_holidays,
        extra_holidays=extra_holidays,
    )
    if not 0 <= vary < 1:
        raise PlanningError.of(N_("`vary` must be in [0, 1), got {vary}"), field="vary", vary=vary)
    tasks = (
        list(sites)
        if not isinstance(sites, gpd.GeoDataFrame)
        else tasks_from_frame(sites, today=today)
    )
    _check_tasks(tasks)
    candidates, mandatory, unplanned = _split_by_rules(tasks, rules, today)
    net = _network(teams, candidates, travel or HaversineTravel())
    kept, left_out = _keep_reachable(net, candidates, teams, calendar)
    unplanned += left_out
    net = net.subset([net.nb + candidates.index(t) for t in kept])
    vehicles, labels = _vehicles(calendar, teams, net)
    result = solve(
        net.dur,
        _clients(kept, mandatory, seed=seed, vary=vary),
        vehicles,
        num_depots=net.nb,
        distances=net.dist,
        budget_s=budget_s,
        seed=seed,
        max_iterations=max_iterations,
        no_improvement=no_improvement,
        progress=progress,
    )
    routes = [
        _day_route(route, labels[route.vehicle], vehicles[route.vehicle], kept, mandatory, net)
        for route in result.routes
    ]
    order = [t.code for t in teams]
    routes.sort(key=lambda r: (order.index(r.team), r.date))
    unplanned += _not_chosen(kept, routes, mandatory)
    unplanned.sort(key=lambda u: (-u.priority, u.site_code))
    return Plan(
        start=start,
        days=calendar,
        teams=list(teams),
        routes=routes,
        unplanned=unplanned,
        seed=seed,
        budget_s=budget_s,
        stats={
            "iterations": result.iterations,
            "runtime_s": round(result.runtime_s, 2),
            "mandatory": sorted(mandatory),
            "vary": vary,
            "candidates": len(kept),
        },
    )


def _check_tasks(tasks: Sequence[SiteTask]) -> None:
    codes = [t.code for t in tasks]
    if len(set(codes)) != len(codes):
        raise PlanningError.of(N_("site codes must be unique"), field="sites")
    for t in tasks:
        if t.service_min < 0:
            raise PlanningError.of(
                N_("site {code}: inspection duration must not be negative, got {minutes} min"),
                field="service_min",
                code=t.code,
                minutes=t.service_min,
            )
        if not (
            np.isfinite(t.lon)
            and np.isfinite(t.lat)
            and -180 <= t.lon <= 180
            and -90 <= t.lat <= 90
        ):
            raise PlanningError.of(
                N_("site {code}: location must be a longitude and latitude, got {lon}, {lat}"),
                field="sites",
                code=t.code,
                lon=t.lon,
                lat=t.lat,
            )
        if t.window[1] < t.window[0]:
            raise PlanningError.of(
                N_("site {code}: its window closes ({close}) before it opens ({open})"),
                field="window",
                code=t.code,
                close=t.window[1],
                open=t.window[0],
            )


@dataclass(frozen=True)
class _Network:
    """Bases then sites as nodes, with travel seconds and metres per vehicle mode."""

    base_index: dict[str, int]
    modes: list[str]
    dur: NDArray[np.int64]
    dist: NDArray[np.int64]

    @property
    def nb(self) -> int:
        return len(self.base_index)

    def subset(self, sites: list[int]) -> _Network:
        """Return the same network with only the bases and the nodes ``sites``."""
        keep = list(range(self.nb)) + sites
        return _Network(
            self.base_index,
            self.modes,
            self.dur[:, keep][:, :, keep],
            self.dist[:, keep][:, :, keep],
        )


def _network(teams: Sequence[Team], sites: Sequence[SiteTask], travel: TravelProvider) -> _Network:
    bases = list({t.base.code: t.base for t in teams}.values())
    points = [(b.lon, b.lat) for b in bases] + [(t.lon, t.lat) for t in sites]
    keys = [b.code for b in bases] + [t.code for t in sites]
    modes = sorted({t.mode for t in teams})
    mats = [travel.matrix(points, mode=m, keys=keys) for m in modes]
    dur = np.stack([validate_matrix(m.durations_s, len(points), field="durations") for m in mats])
    dist = np.stack([validate_matrix(m.distances_m, len(points), field="distances") for m in mats])
    return _Network({b.code: i for i, b in enumerate(bases)}, modes, dur, dist)


def _keep_reachable(
    net: _Network,
    candidates: Sequence[SiteTask],
    teams: Sequence[Team],
    calendar: Sequence[dt.date],
) -> tuple[list[SiteTask], list[Unplanned]]:
    """Reachability first: a site no team can do in one day is explained, not just dropped."""
    kept: list[SiteTask] = []
    left_out: list[Unplanned] = []
    for c, task in enumerate(candidates):
        able = [
            team
            for team in teams
            if _reachable(
                net.dur[net.modes.index(team.mode)],
                net.base_index[team.base.code],
                net.nb + c,
                task,
                team,
            )
        ]
        if not able:
            left_out.append(
                _left_out(
                    task,
                    "too_far",
                    Message(
                        N_(
                            "no team can drive there, inspect and return within its shift and "
                            "driving limit"
                        )
                    ),
                )
            )
        elif not any(team.available(calendar) for team in able):
            left_out.append(
                _left_out(
                    task,
                    "no_team_available",
                    Message(
                        N_("only {teams} can reach it, and not on these days"),
                        teams=", ".join(t.code for t in able),
                    ),
                )
            )
        else:
            kept.append(task)
    return kept, left_out


def _clients(
    kept: Sequence[SiteTask], mandatory: set[str], *, seed: int, vary: float
) -> list[Client]:
    rng = np.random.default_rng(seed)
    jitter = rng.uniform(1 - vary, 1 + vary, size=len(kept)) if vary else np.ones(len(kept))
    return [
        Client(
            prize=int(
                round(
                    (t.priority + (MANDATORY_BONUS if t.code in mandatory else 0))
                    * PRIZE_PER_POINT
                    * j
                )
            ),
            service=t.service_min * 60,
            tw_early=seconds(t.window[0]),
            tw_late=seconds(t.window[1]),
        )
        for t, j in zip(kept, jitter, strict=True)
    ]


def _vehicles(
    calendar: Sequence[dt.date], teams: Sequence[Team], net: _Network
) -> tuple[list[Vehicle], list[tuple[Team, dt.date]]]:
    """One vehicle per team and working day it is not away, with what it stands for."""
    vehicles: list[Vehicle] = []
    labels: list[tuple[Team, dt.date]] = []
    for day in calendar:
        for team in teams:
            if day in team.unavailable:
                continue
            early, late = team.shift_seconds
            b = net.base_index[team.base.code]
            vehicles.append(
                Vehicle(b, b, early, late, int(team.max_drive_h * 3600), net.modes.index(team.mode))
            )
            labels.append((team, day))
    if not vehicles:
        raise PlanningError.of(N_("no team is available on any day of the horizon"), field="teams")
    return vehicles, labels


def _day_route(
    route: Route,
    label: tuple[Team, dt.date],
    veh: Vehicle,
    kept: Sequence[SiteTask],
    mandatory: set[str],
    net: _Network,
) -> DayRoute:
    team, day = label
    p = veh.profile
    visits = []
    prev = veh.start_depot
    for seq, stop in enumerate(route.stops, start=1):
        t, node = kept[stop.client], net.nb + stop.client
        visits.append(
            Visit(
                team=team.code,
                date=day,
                seq=seq,
                site_code=t.code,
                site_name=t.name,
                lon=t.lon,
                lat=t.lat,
                kabupaten=t.kabupaten,
                commodity=t.commodity,
                status=t.status,
                priority=t.priority,
                mandatory=t.code in mandatory,
                arrival=_at(day, stop.arrival),
                start=_at(day, stop.start),
                end=_at(day, stop.end),
                travel_min=round(float(net.dur[p, prev, node]) / 60, 1),
                travel_km=round(float(net.dist[p, prev, node]) / 1000, 1),
                reasons=t.reasons,
            )
        )
        prev = node
    path = (
        (team.base.lon, team.base.lat),
        *((v.lon, v.lat) for v in visits),
        (team.base.lon, team.base.lat),
    )
    return DayRoute(
        team.code,
        day,
        team.base.code,
        _at(day, route.depart),
        _at(day, route.back),
        round(route.drive_s / 60, 1),
        round(route.distance_m / 1000, 1),
        tuple(visits),
        path,
    )


def _not_chosen(
    kept: Sequence[SiteTask], routes: Sequence[DayRoute], mandatory: set[str]
) -> list[Unplanned]:
    """Explain each reachable site the solver left out."""
    planned = {v.site_code for r in routes for v in r.visits}
    lowest = min((v.priority for r in routes for v in r.visits), default=0.0)
    left_out = []
    for t in kept:
        if t.code in planned:
            continue
        if t.code in mandatory:
            detail = Message(
                N_(
                    "due for a visit by the revisit rule, but the horizon is full "
                    "of other due sites"
                )
            )
        elif t.priority < lowest:
            detail = Message(
                N_("priority {priority} is below every planned site (lowest {lowest})"),
                priority=t.priority,
                lowest=lowest,
            )
        else:
            detail = Message(N_("reaching it would cost more planned priority than it brings"))
        left_out.append(_left_out(t, "lower_priority", detail))
    return left_out


def _at(day: dt.date, secs: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=TIMEZONE) + dt.timedelta(seconds=secs)
