"""Multi-day expeditions: where a team sleeps, for how many days, to reach the far sites.

How it is modelled
------------------
A plan is one prize-collecting VRP solved by PyVRP (:mod:`geo.patrols.solver`) in which every
vehicle is one team on one day with a fixed start and end depot. For a day trip both are the
team's base. For an expedition the depots of its days follow an *itinerary*: base → overnight
place (one day's travel each hop, visiting sites on the way when it pays) → days working from
the overnight place → back home. Overnight places are therefore depots, and the day-by-day
decomposition keeps every PyVRP route inside one shift and one day's travel limit. PyVRP then
decides, over all teams and days at once, which sites each day visits and in what order.

This module makes the itineraries, which PyVRP cannot choose (a vehicle's depots are data):

1. *Days needed.* For each team, a graph of depots (bases and overnight places) with an edge
   where one day's travel suffices; the shortest itinerary to a site is the fewest hops to a
   place from which the site is a day trip, one working day, and the fewest hops back
   (:mod:`networkx`). A site whose fastest itinerary is longer than every team's
   ``max_days_away`` is left out with that number of days.
2. *Clusters.* Each far site goes to the overnight place with the shortest itinerary; a
   place's expedition stays long enough for its sites' work (service and travel, estimated),
   within ``max_days_away``.
3. *Teams and dates.* Expeditions are given, most valuable first, to the team with the least
   expected work (day-trip sites it alone can reach, expeditions given already, and the
   expedition's length), on the first free consecutive working days: this balances the work
   where it costs little, since the far sites are out of every base's day reach anyway.

The same PyVRP search that routes the day trips then fills every expedition day, so a site
near the river on the way is picked up on a travel day when it is worth it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from geo.patrols.problem import Base, SiteTask, Team, seconds

__all__ = [
    "Itinerary",
    "Leg",
    "Option",
    "depot_list",
    "days_needed",
    "reach",
    "plan_itineraries",
    "day_graph",
]


@dataclass(frozen=True)
class Leg:
    """One expedition day: the depot it starts from and the one it ends (sleeps) at."""

    day: dt.date
    start: str
    end: str


@dataclass(frozen=True)
class Itinerary:
    """An expedition of one team: its days, the place it works from, the sites it is for."""

    team: str
    place: str
    legs: tuple[Leg, ...]
    sites: tuple[str, ...]

    @property
    def days_away(self) -> int:
        """Calendar days from leaving the base to coming back, both counted."""
        return (self.legs[-1].day - self.legs[0].day).days + 1

    @property
    def nights(self) -> tuple[str, ...]:
        """Where the team sleeps, night by night."""
        return tuple(leg.end for leg in self.legs[:-1])


def reach(dur: NDArray[np.int64], depot: int, node: int, task: SiteTask, team: Team) -> bool:
    """Whether ``team`` can go from ``depot`` to ``task``, inspect it and come back in a day.

    Examples
    --------
    >>> t = Team("T", Base("B", "", 117.0, -0.5), max_drive_h=2)
    >>> s = SiteTask("S", "", 117.1, -0.5, 50.0, service_min=60)
    >>> d = np.array([[0, 3000], [3000, 0]])
    >>> reach(d, 0, 1, s, t), reach(d * 2, 0, 1, s, t)
    (True, False)
    """
    early, late = team.shift_seconds
    out, home = int(dur[depot, node]), int(dur[node, depot])
    if out + home > team.max_drive_h * 3600:
        return False
    start = max(early + out, seconds(task.window[0]))
    return start <= seconds(task.window[1]) and start + task.service_min * 60 + home <= late


def day_graph(dur: NDArray[np.int64], depots: Sequence[str], team: Team) -> object:
    """Return a directed graph of depots joined where ``team`` travels between them in a day."""
    import networkx as nx

    early, late = team.shift_seconds
    limit = min(team.max_drive_h * 3600, late - early)
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(depots)))
    for u in range(len(depots)):
        for v in range(len(depots)):
            if u != v and dur[u, v] <= limit:
                # Fewest days first, then least travel: one hop outweighs any day's travel.
                graph.add_edge(u, v, weight=86_400 + int(dur[u, v]))
    return graph


def _hops(graph: object, a: int, b: int) -> list[int] | None:
    import networkx as nx

    try:
        return list(nx.shortest_path(graph, a, b, weight="weight"))
    except nx.NetworkXNoPath:
        return None


@dataclass(frozen=True)
class Option:
    """An expedition to one site: its days, the place worked from, the day hops out and back."""

    days: int
    place: int
    out: tuple[int, ...]
    back: tuple[int, ...]
    travel_s: int


def days_needed(
    dur: NDArray[np.int64],
    depots: Sequence[str],
    home: int,
    node: int,
    task: SiteTask,
    team: Team,
    graph: object,
) -> list[Option]:
    """Return every expedition (days, place, paths) for ``team`` to ``task``, shortest first."""
    found: list[Option] = []
    for p in range(len(depots)):
        if p == home or not reach(dur, p, node, task, team):
            continue
        out, back = _hops(graph, home, p), _hops(graph, p, home)
        if out is None or back is None:
            continue
        found.append(
            Option(len(out) - 1 + 1 + len(back) - 1, p, tuple(out), tuple(back), int(dur[p, node]))
        )
    return sorted(found, key=lambda o: (o.days, o.travel_s))


@dataclass
class _Cluster:
    place: int
    sites: list[int]
    priority: float


def _work_days(
    dur: NDArray[np.int64], place: int, nodes: Sequence[int], tasks: Sequence[SiteTask], team: Team
) -> int:
    """Days of work from ``place`` for ``tasks``: service plus a one-way trip each, per shift."""
    early, late = team.shift_seconds
    work = sum(t.service_min * 60 + int(dur[place, n]) for n, t in zip(nodes, tasks, strict=True))
    return max(1, math.ceil(work / (late - early)))


def _free_block(
    calendar: Sequence[dt.date], team: Team, busy: set[dt.date], length: int
) -> list[dt.date] | None:
    """Return the first ``length`` consecutive working days free for ``team``, or None."""
    days = [d for d in calendar if d not in team.unavailable]
    for i in range(len(days) - length + 1):
        block = days[i : i + length]
        if any(d in busy for d in block):
            continue
        # Consecutive working days, no gap the team would spend at home in the middle.
        gaps = [
            calendar.index(b) - calendar.index(a) for a, b in zip(block, block[1:], strict=False)
        ]
        if all(g == 1 for g in gaps) and (block[-1] - block[0]).days + 1 <= team.max_days_away:
            return block
    return None


def plan_itineraries(
    *,
    dur: Mapping[str, NDArray[np.int64]],
    depots: Sequence[str],
    teams: Sequence[Team],
    far: Mapping[int, SiteTask],
    options: Mapping[tuple[str, int], Sequence[Option]],
    load: Mapping[str, float],
    calendar: Sequence[dt.date],
) -> tuple[list[Itinerary], set[int]]:
    """Give the far sites' clusters to teams and dates; return itineraries and sites left.

    ``far`` maps node index to site; ``options[(team, node)]`` are the team's expeditions
    to it within its days away; ``load`` is each team's expected
    days of day-trip work, to balance.
    """
    clusters = _clusters(far, teams, options)
    busy: dict[str, set[dt.date]] = {t.code: set() for t in teams}
    given = dict(load)
    itineraries: list[Itinerary] = []
    unserved: set[int] = set()
    for c in clusters:
        choice = _choose(c, dur, teams, far, options, given, busy, calendar)
        if choice is None:
            unserved.update(c.sites)
            continue
        team, legs_nodes, block = choice
        legs = tuple(
            Leg(day, depots[a], depots[b]) for day, (a, b) in zip(block, legs_nodes, strict=True)
        )
        busy[team.code].update(block)
        given[team.code] = given.get(team.code, 0.0) + len(block)
        itineraries.append(
            Itinerary(team.code, depots[c.place], legs, tuple(far[n].code for n in c.sites))
        )
    return itineraries, unserved


def _clusters(
    far: Mapping[int, SiteTask],
    teams: Sequence[Team],
    options: Mapping[tuple[str, int], Sequence[Option]],
) -> list[_Cluster]:
    """Group far sites by overnight place: the place serving the most priority first.

    A greedy set cover: fewer places means fewer, longer expeditions, and fewer travel days.
    """
    serves: dict[int, dict[int, float]] = {}
    for node, task in far.items():
        for team in teams:
            for o in options.get((team.code, node), ()):
                serves.setdefault(o.place, {})[node] = task.priority
    clusters: list[_Cluster] = []
    left = set(far)
    while left:
        best = max(
            serves,
            key=lambda p: (sum(v for n, v in serves[p].items() if n in left), -p),
            default=None,
        )
        if best is None or not (set(serves[best]) & left):
            break
        nodes = sorted(set(serves[best]) & left)
        clusters.append(_Cluster(best, nodes, sum(far[n].priority for n in nodes)))
        left -= set(nodes)
    return clusters


def _choose(
    c: _Cluster,
    dur: Mapping[str, NDArray[np.int64]],
    teams: Sequence[Team],
    far: Mapping[int, SiteTask],
    options: Mapping[tuple[str, int], Sequence[Option]],
    given: Mapping[str, float],
    busy: Mapping[str, set[dt.date]],
    calendar: Sequence[dt.date],
) -> tuple[Team, list[tuple[int, int]], list[dt.date]] | None:
    """Return the team, legs and dates of a cluster's expedition that leave the work most even."""
    ranked = []
    for team in teams:
        mine = [
            next((o for o in options.get((team.code, n), ()) if o.place == c.place), None)
            for n in c.sites
        ]
        if any(o is None for o in mine):
            continue
        opt = mine[0]
        assert opt is not None  # noqa: S101 - checked just above, for mypy
        hops = (len(opt.out) - 1) + (len(opt.back) - 1)
        m = dur[team.mode]
        nodes = [n for n in c.sites if (team.code, n) in options]
        work = _work_days(m, c.place, nodes, [far[n] for n in nodes], team)
        stay = max(1, min(work, team.max_days_away - hops))
        legs = [
            *zip(opt.out, opt.out[1:], strict=False),
            *[(c.place, c.place)] * stay,
            *zip(opt.back, opt.back[1:], strict=False),
        ]
        if len(legs) > team.max_days_away:
            continue
        block = _free_block(calendar, team, busy[team.code], len(legs))
        if block is None:
            continue
        ranked.append(
            ((given.get(team.code, 0.0) + len(legs), len(legs), team.code), team, legs, block)
        )
    if not ranked:
        return None
    _, team, legs, block = min(ranked, key=lambda r: r[0])
    return team, legs, block


def depot_list(teams: Sequence[Team], places: Sequence[Base]) -> list[Base]:
    """Bases of the teams, then the overnight places (not already a base), by code."""
    bases = list({t.base.code: t.base for t in teams}.values())
    seen = {b.code for b in bases}
    return bases + [p for p in places if p.code not in seen]
