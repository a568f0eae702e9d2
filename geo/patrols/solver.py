"""Solver core: a prize-collecting VRP with time windows and many depots, solved by PyVRP.

The core knows nothing of sites, teams or calendars: it takes plain matrices and lists, so the
Kaltim planner, the TOPTW benchmark and any other caller share it. Nodes are numbered depots
first, then clients. Every vehicle is one route (a team on one day); vehicles that are alike
(same depot, window, driving limit and profile) are given to PyVRP as one vehicle type with a
count, which removes symmetric solutions from the search.

Travel *time* is also what PyVRP calls distance here, so that ``max_distance`` limits the
driving time of a day and the objective is "most prize, then least driving". Kilometres are
reported from ``distances`` afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from geo.errors import N_, PlanningError
from geo.patrols.travel import validate_matrix

__all__ = ["Vehicle", "Client", "Stop", "Route", "SolverResult", "solve", "Progress"]

_NO_LIMIT = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Vehicle:
    """One route: start/end depot indices, the shift window and a driving-time limit (s)."""

    start_depot: int
    end_depot: int
    tw_early: int
    tw_late: int
    max_drive: int | None = None
    profile: int = 0


@dataclass(frozen=True)
class Client:
    """A place that may be visited once: prize, service duration and service-start window."""

    prize: int
    service: int = 0
    tw_early: int = 0
    tw_late: int = int(_NO_LIMIT)


@dataclass(frozen=True)
class Stop:
    """A visit on a route: client index, arrival, start and end of service (seconds)."""

    client: int
    arrival: int
    start: int
    end: int


@dataclass(frozen=True)
class Route:
    """The route of one vehicle: departure, stops, return, driving time and distance."""

    vehicle: int
    depart: int
    stops: tuple[Stop, ...]
    back: int
    drive_s: int
    distance_m: int


@dataclass(frozen=True)
class Progress:
    """What the progress callback receives after each solver iteration."""

    iteration: int
    elapsed_s: float
    budget_s: float
    best_cost: float


@dataclass(frozen=True)
class SolverResult:
    """Routes per vehicle (empty routes left out), unvisited clients and solver statistics."""

    routes: tuple[Route, ...]
    unvisited: tuple[int, ...]
    prize: int
    drive_s: int
    iterations: int
    runtime_s: float


class _Stop:
    """PyVRP stopping criterion: clock budget, optional iteration cap, progress callback."""

    def __init__(
        self,
        budget_s: float,
        max_iterations: int | None,
        no_improvement: int | None,
        progress: Callable[[Progress], None] | None,
    ) -> None:
        self.budget_s = budget_s
        self.max_iterations = max_iterations
        self.no_improvement = no_improvement
        self.progress = progress
        self.start = time.perf_counter()
        self.iteration = 0
        self.best = float("inf")
        self.since_best = 0

    def __call__(self, best_cost: float) -> bool:
        self.iteration += 1
        if best_cost < self.best:
            self.best, self.since_best = best_cost, 0
        else:
            self.since_best += 1
        elapsed = time.perf_counter() - self.start
        if self.progress is not None and self.iteration % 50 == 1:
            self.progress(Progress(self.iteration, elapsed, self.budget_s, best_cost))
        if self.max_iterations is not None and self.iteration > self.max_iterations:
            return True
        if self.no_improvement is not None and self.since_best >= self.no_improvement:
            return True
        return elapsed >= self.budget_s


def _as_profiles(
    matrix: NDArray[np.int64] | Sequence[object], n: int, name: str
) -> NDArray[np.int64]:
    array = np.asarray(matrix)
    if array.ndim == 2:
        array = array[None, :, :]
    if array.ndim != 3:
        raise PlanningError(f"`{name}` must be an n x n matrix or a stack of them", field=name)
    return np.stack([validate_matrix(layer, n, field=name) for layer in array])


def _check(
    clients: Sequence[Client], vehicles: Sequence[Vehicle], num_depots: int, profiles: int
) -> None:
    if num_depots < 1:
        raise PlanningError("at least one depot (base) is needed", field="num_depots")
    if not vehicles:
        raise PlanningError(
            "no vehicles: at least one team must be available on at least one day",
            field="vehicles",
        )
    for i, c in enumerate(clients):
        if c.prize < 0 or c.service < 0:
            raise PlanningError(
                f"client {i}: prize and service duration must not be negative, got "
                f"{c.prize} and {c.service}",
                field="service" if c.service < 0 else "prize",
            )
        if c.tw_late < c.tw_early:
            raise PlanningError(
                f"client {i}: time window closes ({c.tw_late}) before it opens ({c.tw_early})",
                field="time_window",
            )
    for k, v in enumerate(vehicles):
        if not (0 <= v.start_depot < num_depots and 0 <= v.end_depot < num_depots):
            raise PlanningError(f"vehicle {k}: depot index out of range", field="vehicles")
        if v.tw_late <= v.tw_early:
            raise PlanningError(
                f"vehicle {k}: the shift ends ({v.tw_late}) before it starts ({v.tw_early})",
                field="shift",
            )
        if v.max_drive is not None and v.max_drive <= 0:
            raise PlanningError(
                f"vehicle {k}: maximum driving time must be positive, got {v.max_drive}",
                field="max_drive",
            )
        if not 0 <= v.profile < profiles:
            raise PlanningError(f"vehicle {k}: no matrix for profile {v.profile}", field="vehicles")


def solve(
    durations: NDArray[np.int64] | Sequence[object],
    clients: Sequence[Client],
    vehicles: Sequence[Vehicle],
    *,
    num_depots: int,
    distances: NDArray[np.int64] | Sequence[object] | None = None,
    budget_s: float = 5.0,
    seed: int = 0,
    max_iterations: int | None = None,
    no_improvement: int | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> SolverResult:
    """Choose and order client visits on the vehicles to maximise prize minus driving time.

    Parameters
    ----------
    durations, distances
        Travel seconds (and metres, only reported) between nodes, depots first, then clients:
        ``n x n``, or one matrix per vehicle profile stacked as ``p x n x n``.
    clients, vehicles, num_depots
        Prize, service duration and window per client in node order; one entry per route
        that may be driven; how many of the first nodes are depots.
    budget_s, seed
        Wall-clock budget in seconds; seed of PyVRP's search. A run that stops on
        ``max_iterations`` or ``no_improvement`` (iteration caps: total, and since the last
        improvement) before the clock is reproducible for a seed on any machine.
    progress
        Called every 50 iterations with a :class:`Progress`.

    Examples
    --------
    >>> d = [[0, 10, 10], [10, 0, 15], [10, 15, 0]]
    >>> r = solve(d, [Client(50, 1), Client(70, 1)], [Vehicle(0, 0, 0, 100)], num_depots=1,
    ...           budget_s=1, max_iterations=50)
    >>> r.prize, sorted(s.client for s in r.routes[0].stops)
    (120, [0, 1])
    """
    from pyvrp import PenaltyParams, SolveParams

    n = num_depots + len(clients)
    dur = _as_profiles(durations, n, "durations")
    dist = _as_profiles(distances, n, "distances") if distances is not None else np.zeros_like(dur)
    if dist.shape[0] == 1 and dur.shape[0] > 1:
        dist = np.repeat(dist, dur.shape[0], axis=0)
    _check(clients, vehicles, num_depots, dur.shape[0])
    if not np.isfinite(budget_s) or budget_s <= 0:
        raise PlanningError.of(
            N_("`budget` must be a positive number of seconds, got {budget}"),
            field="budget",
            budget=budget_s,
        )
    groups = _vehicle_groups(vehicles)
    model = _model(dur, clients, groups, num_depots)

    # PyVRP starts its penalties at half of max_penalty (1e5 by default) per unit of time
    # warp or excess driving. With prizes far above that, a late visit would look worth its
    # penalty and the search would wander among infeasible plans; a cap of twice the largest
    # prize makes one second of lateness cost more than any visit can bring.
    top = max((c.prize for c in clients), default=0)
    params = SolveParams(penalty=PenaltyParams(max_penalty=max(100_000.0, 2.0 * top)))
    stop = _Stop(budget_s, max_iterations, no_improvement, progress)
    result = model.solve(stop=stop, seed=seed, display=False, collect_stats=False, params=params)
    best = result.best
    if not best.is_feasible():
        # Visits are optional, so the empty plan is always feasible; this only happens when
        # the search is stopped before it repaired its first solution.
        raise PlanningError.of(
            N_("the solver found no feasible plan within {budget:g} s; give it a larger budget"),
            field="budget",
            budget=budget_s,
        )
    routes = _assign(best, groups, clients, vehicles, dist, num_depots)
    visited = {s.client for r in routes for s in r.stops}
    return SolverResult(
        routes=tuple(routes),
        unvisited=tuple(i for i in range(len(clients)) if i not in visited),
        prize=int(sum(clients[i].prize for i in visited)),
        drive_s=int(sum(r.drive_s for r in routes)),
        iterations=stop.iteration,
        runtime_s=float(result.runtime),
    )


_GroupKey = tuple[int, int, int, int, int | None, int]


def _vehicle_groups(vehicles: Sequence[Vehicle]) -> dict[_GroupKey, list[int]]:
    """Vehicles that are alike, by (depots, window, driving cap, profile), in first-seen order."""
    groups: dict[_GroupKey, list[int]] = {}
    for k, v in enumerate(vehicles):
        key = (v.start_depot, v.end_depot, v.tw_early, v.tw_late, v.max_drive, v.profile)
        groups.setdefault(key, []).append(k)
    return groups


def _model(
    dur: NDArray[np.int64],
    clients: Sequence[Client],
    groups: dict[_GroupKey, list[int]],
    num_depots: int,
) -> Any:
    """Build the PyVRP model: locations, optional clients, edges per profile, vehicle types."""
    from pyvrp import Model

    n = num_depots + len(clients)
    model = Model()
    locations = [model.add_location(0.0, 0.0) for _ in range(n)]
    depots = [model.add_depot(locations[i]) for i in range(num_depots)]
    for i, c in enumerate(clients):
        model.add_client(
            locations[num_depots + i],
            service_duration=c.service,
            tw_early=c.tw_early,
            tw_late=c.tw_late,
            prize=c.prize,
            required=False,
        )
    profiles = [model.add_profile() for _ in range(dur.shape[0])]
    for p, profile in enumerate(profiles):
        for i in range(n):
            for j in range(n):
                # Distance in PyVRP's sense is driving time: it is capped and costed per day.
                drive = 0 if i == j else int(dur[p, i, j])
                model.add_edge(
                    locations[i], locations[j], distance=drive, duration=drive, profile=profile
                )
    for (s, e, early, late, drive_cap, prof), members in groups.items():
        model.add_vehicle_type(
            num_available=len(members),
            start_depot=depots[s],
            end_depot=depots[e],
            tw_early=early,
            tw_late=late,
            max_distance=_NO_LIMIT if drive_cap is None else drive_cap,
            profile=profiles[prof],
        )
    return model


def _assign(
    best: Any,
    groups: dict[_GroupKey, list[int]],
    clients: Sequence[Client],
    vehicles: Sequence[Vehicle],
    dist: NDArray[np.int64],
    num_depots: int,
) -> list[Route]:
    """Give PyVRP's routes to our vehicles, with the kilometres of each."""
    # Routes of one vehicle type are interchangeable: give the richest to the first vehicle
    # of the group (the earliest day), so the most valuable sites are inspected soonest.
    by_type: dict[int, list[Route]] = {}
    for found in best.routes():
        schedule = list(found.schedule())
        depart, back = int(schedule[0].end_time), int(schedule[-1].start_time)
        stops = [
            Stop(
                int(a.idx),
                int(a.start_time) - int(a.wait_duration),
                int(a.start_time),
                int(a.end_time),
            )
            for a in schedule[1:-1]
        ]
        by_type.setdefault(found.vehicle_type(), []).append(
            Route(-1, depart, tuple(stops), back, int(found.distance()), 0)
        )
    routes: list[Route] = []
    for t, members in enumerate(groups.values()):
        ranked = sorted(
            by_type.get(t, []),
            key=lambda r: (-sum(clients[s.client].prize for s in r.stops), r.depart),
        )
        for vehicle, route in zip(members, ranked, strict=False):
            v = vehicles[vehicle]
            nodes = [v.start_depot, *(num_depots + s.client for s in route.stops), v.end_depot]
            metres = int(sum(dist[v.profile, a, b] for a, b in zip(nodes, nodes[1:], strict=False)))
            routes.append(
                Route(vehicle, route.depart, route.stops, route.back, route.drive_s, metres)
            )
    routes.sort(key=lambda r: r.vehicle)
    return routes
