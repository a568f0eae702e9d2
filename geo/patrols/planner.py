"""Build the planning problem from teams, calendar and sites, solve it, and explain the result."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import geopandas as gpd
import numpy as np
from numpy.typing import NDArray

from geo.errors import N_, PlanningError
from geo.labels import site_status
from geo.patrols.calendar import working_days
from geo.patrols.expeditions import (
    Itinerary,
    Option,
    day_graph,
    days_needed,
    depot_list,
    plan_itineraries,
    reach,
)
from geo.patrols.prizes import tasks_from_frame
from geo.patrols.problem import Base, Rules, SiteTask, Team, seconds
from geo.patrols.result import DayRoute, Plan, Unplanned, Visit
from geo.patrols.solver import Client, Progress, Route, Vehicle, solve
from geo.patrols.text import Message
from geo.patrols.travel import HaversineTravel, TravelProvider, validate_matrix
from geo.settings import PatrolSettings, Settings

__all__ = ["plan", "DEFAULT_TIMEZONE", "PRIZE_PER_POINT", "MANDATORY_BONUS", "DEFAULT_AREA"]

#: Zone of the times of teams that have none, unless the caller gives one: the default of the
#: settings' ``patrols.timezone`` (read from the class, never from the environment: the use
#: cases pass the injected settings' zone, which follows the province: WITA in Kaltim, WIB in
#: Kalteng).
DEFAULT_TIMEZONE: str = PatrolSettings.model_fields["timezone"].default
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


def _zoned(teams: Sequence[Team], default: str) -> list[Team]:
    """Return ``teams`` with the ``default`` zone given to those without one; check the zones.

    Examples
    --------
    >>> base = Base("PKY", "Palangka Raya", 113.92, -2.21)
    >>> [t.timezone for t in _zoned([Team("A", base), Team("B", base, timezone="UTC")],
    ...     "Asia/Jakarta")]
    ['Asia/Jakarta', 'UTC']
    """
    out = [t if t.timezone else dataclasses.replace(t, timezone=default) for t in teams]
    for i, team in enumerate(out):
        try:
            ZoneInfo(str(team.timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise PlanningError.of(
                N_("unknown time zone {zone!r}; use an IANA name such as Asia/Makassar"),
                field="timezone" if team.timezone == default else f"teams[{i}].timezone",
                zone=team.timezone,
            ) from None
    return out


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
    places: Sequence[Base] = (),
    timezone: str = DEFAULT_TIMEZONE,
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
    places
        Overnight places (villages, camps, forward bases): a team whose ``max_days_away``
        is more than 1 may sleep there on an expedition to sites no day trip reaches
        (:mod:`geo.patrols.expeditions`).
    timezone
        IANA zone of the times of the teams that have none (``Team.timezone``): the use
        cases pass the settings' ``patrols.timezone`` (the province's zone unless set).

    Raises
    ------
    PlanningError
        Naming the field, for no teams, zero days, a base outside ``area``, a bad matrix,
        an unknown time zone.

    Examples
    --------
    >>> p = plan(sites, teams, start=dt.date(2026, 12, 1), days=2, budget_s=1)
    >>> len(p.to_frame()) > 0
    True
    """
    rules = rules or Rules()
    today = today or start
    _check_teams(teams, area or DEFAULT_AREA)
    teams = _zoned(teams, timezone)
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
        sites if not isinstance(sites, gpd.GeoDataFrame) else tasks_from_frame(sites, today=today)
    )
    _check_tasks(list(tasks))
    candidates, mandatory, unplanned = _split_by_rules(list(tasks), rules, today)
    net = _network(teams, candidates, travel or HaversineTravel(), places)
    kept, left_out, trips = _keep_reachable(net, candidates, teams, calendar)
    unplanned += left_out
    net = net.subset([net.nb + candidates.index(t) for t in kept])
    vehicles, labels = _vehicles(calendar, teams, net, trips)
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
    routes = _routes(result.routes, labels, vehicles, kept, mandatory, net, teams)
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
        places=list(places),
        itineraries=trips,
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
    """Depots (bases, then overnight places) then sites as nodes, with travel per mode.

    ``boat`` holds the seconds of each leg spent in a boat and ``via`` the launches a leg
    uses (-1: road only), when the travel provider knows rivers.
    """

    depots: list[Base]
    modes: list[str]
    dur: NDArray[np.int64]
    dist: NDArray[np.int64]
    boat: NDArray[np.int64]
    via: NDArray[np.int64]
    travel: TravelProvider

    @property
    def nb(self) -> int:
        return len(self.depots)

    @property
    def base_index(self) -> dict[str, int]:
        return {b.code: i for i, b in enumerate(self.depots)}

    def subset(self, sites: list[int]) -> _Network:
        """Return the same network with only the depots and the nodes ``sites``."""
        keep = list(range(self.nb)) + sites
        return _Network(
            self.depots,
            self.modes,
            self.dur[:, keep][:, :, keep],
            self.dist[:, keep][:, :, keep],
            self.boat[:, keep][:, :, keep],
            self.via[:, keep][:, :, keep],
            self.travel,
        )


def _network(
    teams: Sequence[Team],
    sites: Sequence[SiteTask],
    travel: TravelProvider,
    places: Sequence[Base] = (),
) -> _Network:
    depots = (
        depot_list(teams, places)
        if any(t.max_days_away > 1 for t in teams)
        else (depot_list(teams, ()))
    )
    points = [(b.lon, b.lat) for b in depots] + [(t.lon, t.lat) for t in sites]
    keys = [b.code for b in depots] + [t.code for t in sites]
    modes = sorted({t.mode for t in teams})
    mixed = getattr(travel, "mixed", None)
    if mixed is not None:
        found = [mixed(points, mode=m, keys=keys) for m in modes]
        mats = [f.travel for f in found]
        boat = np.stack([f.boat_s for f in found])
        via = np.stack([f.via for f in found])
    else:
        mats = [travel.matrix(points, mode=m, keys=keys) for m in modes]
        boat = np.zeros((len(modes), len(points), len(points)), dtype=np.int64)
        via = np.full((len(modes), len(points), len(points), 2), -1, dtype=np.int64)
    dur = np.stack([validate_matrix(m.durations_s, len(points), field="durations") for m in mats])
    dist = np.stack([validate_matrix(m.distances_m, len(points), field="distances") for m in mats])
    return _Network(depots, modes, dur, dist, boat, via, travel)


def _keep_reachable(
    net: _Network,
    candidates: Sequence[SiteTask],
    teams: Sequence[Team],
    calendar: Sequence[dt.date],
) -> tuple[list[SiteTask], list[Unplanned], list[Itinerary]]:
    """Reachability first: a site no team can reach is explained, not just dropped.

    A site that no team reaches on a day trip from its base goes on an expedition
    (:func:`~geo.patrols.expeditions.plan_itineraries`) when a team may be away long enough.
    """
    index = net.base_index
    day: dict[int, list[Team]] = {}
    far: dict[int, SiteTask] = {}
    for c, task in enumerate(candidates):
        able = [
            team
            for team in teams
            if reach(
                net.dur[net.modes.index(team.mode)], index[team.base.code], net.nb + c, task, team
            )
        ]
        if able:
            day[c] = able
        else:
            far[net.nb + c] = task
    options, shortest = _expedition_options(net, teams, far)
    load = _day_load(day, candidates, teams, calendar)
    trips, unserved = plan_itineraries(
        dur={m: net.dur[k] for k, m in enumerate(net.modes)},
        depots=[b.code for b in net.depots],
        teams=teams,
        far=far,
        options=options,
        load=load,
        calendar=calendar,
    )
    kept: list[SiteTask] = []
    left_out: list[Unplanned] = []
    for c, task in enumerate(candidates):
        node = net.nb + c
        if c in day:
            if any(team.available(calendar) for team in day[c]):
                kept.append(task)
            else:
                left_out.append(_no_team(task, day[c]))
        elif node in unserved:
            left_out.append(_no_days_free(task, shortest[node]))
        elif any(task.code in trip.sites for trip in trips):
            kept.append(task)
        else:
            left_out.append(_too_far(task, shortest.get(node), teams))
    return kept, left_out, trips


def _expedition_options(
    net: _Network, teams: Sequence[Team], far: dict[int, SiteTask]
) -> tuple[dict[tuple[str, int], list[Option]], dict[int, int]]:
    """Return each team's shortest expedition to each far site, and the fewest days needed.

    Options are kept only within the team's days away; the fewest days ignore that limit.
    """
    options: dict[tuple[str, int], list[Option]] = {}
    shortest: dict[int, int] = {}
    codes = [b.code for b in net.depots]
    for team in teams:
        if not far or team.max_days_away <= 1 or net.nb <= len({t.base.code for t in teams}):
            continue
        m = net.dur[net.modes.index(team.mode)]
        graph = day_graph(m[: net.nb, : net.nb], codes, team)
        home = net.base_index[team.base.code]
        for node, task in far.items():
            found = days_needed(m, codes, home, node, task, team, graph)
            if not found:
                continue
            shortest[node] = min(shortest.get(node, found[0].days), found[0].days)
            fits = [o for o in found if o.days <= team.max_days_away]
            if fits:
                options[(team.code, node)] = fits
    return options, shortest


def _day_load(
    day: dict[int, list[Team]],
    candidates: Sequence[SiteTask],
    teams: Sequence[Team],
    calendar: Sequence[dt.date],
) -> dict[str, float]:
    """Return the expected days of day-trip work per team.

    Each site's hours are shared by the teams that reach it, over a shift of the team.
    """
    load = {t.code: 0.0 for t in teams}
    for c, able in day.items():
        for team in able:
            early, late = team.shift_seconds
            # An inspection and about as long again on the road.
            load[team.code] += 2 * candidates[c].service_min * 60 / (late - early) / len(able)
    return load


def _no_team(task: SiteTask, able: Sequence[Team]) -> Unplanned:
    return _left_out(
        task,
        "no_team_available",
        Message(
            N_("only {teams} can reach it, and not on these days"),
            teams=", ".join(t.code for t in able),
        ),
    )


def _no_days_free(task: SiteTask, days: int) -> Unplanned:
    return _left_out(
        task,
        "no_team_available",
        Message(
            N_(
                "needs an expedition of {days} days; no team has that many consecutive "
                "working days free in the horizon"
            ),
            days=days,
        ),
    )


def _too_far(task: SiteTask, days: int | None, teams: Sequence[Team]) -> Unplanned:
    if days is None:
        return _left_out(
            task,
            "too_far",
            Message(
                N_(
                    "no team can drive there, inspect and return within its shift and "
                    "driving limit, and no overnight place is within a day's reach of it"
                )
            ),
        )
    return _left_out(
        task,
        "beyond_max_days",
        Message(
            N_("needs an expedition of {days} days; teams may be away at most {limit} days"),
            days=days,
            limit=max(t.max_days_away for t in teams),
        ),
    )


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
    calendar: Sequence[dt.date],
    teams: Sequence[Team],
    net: _Network,
    trips: Sequence[Itinerary] = (),
) -> tuple[list[Vehicle], list[tuple[Team, dt.date]]]:
    """One vehicle per team and working day it is not away, with what it stands for.

    On an expedition's days the vehicle starts and ends at the itinerary's depots.
    """
    legs = {(trip.team, leg.day): leg for trip in trips for leg in trip.legs}
    index = net.base_index
    vehicles: list[Vehicle] = []
    labels: list[tuple[Team, dt.date]] = []
    for day in calendar:
        for team in teams:
            if day in team.unavailable:
                continue
            early, late = team.shift_seconds
            leg = legs.get((team.code, day))
            a = index[leg.start] if leg else index[team.base.code]
            b = index[leg.end] if leg else index[team.base.code]
            vehicles.append(
                Vehicle(a, b, early, late, int(team.max_drive_h * 3600), net.modes.index(team.mode))
            )
            labels.append((team, day))
    if not vehicles:
        raise PlanningError.of(N_("no team is available on any day of the horizon"), field="teams")
    return vehicles, labels


def _routes(
    found: Sequence[Route],
    labels: Sequence[tuple[Team, dt.date]],
    vehicles: Sequence[Vehicle],
    kept: Sequence[SiteTask],
    mandatory: set[str],
    net: _Network,
    teams: Sequence[Team],
) -> list[DayRoute]:
    """Return the solver's routes as team days, plus expedition days without visits."""
    routes = [
        _day_route(r, labels[r.vehicle], vehicles[r.vehicle], kept, mandatory, net) for r in found
    ]
    routes += _travel_days(routes, labels, vehicles, net)
    order = [t.code for t in teams]
    routes.sort(key=lambda r: (order.index(r.team), r.date))
    return routes


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
                arrival=_at(day, stop.arrival, team),
                start=_at(day, stop.start, team),
                end=_at(day, stop.end, team),
                travel_min=round(float(net.dur[p, prev, node]) / 60, 1),
                travel_km=round(float(net.dist[p, prev, node]) / 1000, 1),
                reasons=t.reasons,
            )
        )
        prev = node
    nodes = [veh.start_depot, *(net.nb + s.client for s in route.stops), veh.end_depot]
    return _route(
        team,
        day,
        nodes,
        tuple(visits),
        route.depart,
        route.back,
        route.drive_s,
        route.distance_m,
        net,
        p,
    )


def _route(
    team: Team,
    day: dt.date,
    nodes: Sequence[int],
    visits: tuple[Visit, ...],
    depart: int,
    back: int,
    drive_s: int,
    distance_m: int,
    net: _Network,
    profile: int,
) -> DayRoute:
    start, end = net.depots[nodes[0]], net.depots[nodes[-1]]
    legs = list(zip(nodes, nodes[1:], strict=False))
    leg_path = getattr(net.travel, "leg_path", None)
    rivers = tuple(
        tuple(leg_path((int(net.via[profile, a, b, 0]), int(net.via[profile, a, b, 1]))))
        for a, b in legs
        if leg_path is not None and net.via[profile, a, b, 0] >= 0
    )
    return DayRoute(
        team.code,
        day,
        team.base.code,
        _at(day, depart, team),
        _at(day, back, team),
        round(drive_s / 60, 1),
        round(distance_m / 1000, 1),
        visits,
        ((start.lon, start.lat), *((v.lon, v.lat) for v in visits), (end.lon, end.lat)),
        start_code=start.code,
        end_code=end.code,
        boat_min=round(float(sum(net.boat[profile, a, b] for a, b in legs)) / 60, 1),
        river_legs=rivers,
    )


def _travel_days(
    routes: Sequence[DayRoute],
    labels: Sequence[tuple[Team, dt.date]],
    vehicles: Sequence[Vehicle],
    net: _Network,
) -> list[DayRoute]:
    """Expedition days the solver gave no visit: the team still travels or stays there."""
    done = {(r.team, r.date) for r in routes}
    extra = []
    for (team, day), veh in zip(labels, vehicles, strict=True):
        home = net.base_index[team.base.code]
        if (team.code, day) in done or (veh.start_depot == home and veh.end_depot == home):
            continue
        a, b, p = veh.start_depot, veh.end_depot, veh.profile
        drive = int(net.dur[p, a, b])
        extra.append(
            _route(
                team,
                day,
                [a, b],
                (),
                veh.tw_early,
                veh.tw_early + drive,
                drive,
                int(net.dist[p, a, b]),
                net,
                p,
            )
        )
    return extra


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


def _at(day: dt.date, secs: int, team: Team) -> dt.datetime:
    zone = ZoneInfo(team.timezone or DEFAULT_TIMEZONE)
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone) + dt.timedelta(seconds=secs)
