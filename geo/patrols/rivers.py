"""River travel: a network of river lines joined to the roads at boat launch points.

In the interior of Kalimantan Timur the Mahakam and its tributaries are the roads: a team
drives to a river town, takes a boat up- or downstream, and goes ashore near the site. The
river network is data (a line layer, with launch points as point features of ``kind``
``launch``); :class:`RiverTravel` turns it into travel matrices. A leg's duration is the
faster of the road alone and road → launch → river (shortest path on a :mod:`networkx` graph,
at the boat's speed) → launch → road.

Examples
--------
>>> net = RiverNetwork.from_features(
...     [{"kind": "river", "name": "S", "coords": [(116.0, 0.0), (116.0, 0.5), (116.0, 1.0)]},
...      {"kind": "launch", "code": "A", "name": "A", "coords": [(116.0, 0.0)]},
...      {"kind": "launch", "code": "B", "name": "B", "coords": [(116.0, 1.0)]}])
>>> round(float(net.launch_metres()[0, 1]) / 1000, 1)
111.2
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from geo.errors import N_, InputFileError, PlanningError
from geo.patrols.travel import Point, TravelMatrix, TravelProvider, haversine_m

__all__ = ["Launch", "RiverNetwork", "RiverTravel", "MixedMatrix", "load_rivers"]

_Node = tuple[float, float]


def _node(lon: float, lat: float) -> _Node:
    # Lines drawn from the same vertex must meet: round to ~1 m.
    return (round(float(lon), 5), round(float(lat), 5))


@dataclass(frozen=True)
class Launch:
    """A boat launch (dermaga) where road and river meet."""

    code: str
    name: str
    lon: float
    lat: float


@dataclass
class RiverNetwork:
    """River lines as a graph (edges weighted by metres) and the launches on it."""

    graph: Any
    launches: list[Launch]
    lines: list[tuple[str, tuple[_Node, ...]]] = field(default_factory=list)
    approximate: bool = False
    #: Areas without roads in (polygons): a place inside is reached by boat, then on foot or
    #: by longboat from a launch inside the same area, never by road from outside.
    roadless: list[Any] = field(default_factory=list)

    def region(self, points: Sequence[Point]) -> NDArray[np.int64]:
        """Return per point the roadless area it lies in (its index), or -1 on the road network."""
        from shapely.geometry import Point as ShapelyPoint

        out = np.full(len(points), -1, dtype=np.int64)
        for k, area in enumerate(self.roadless):
            for i, (lon, lat) in enumerate(points):
                if out[i] < 0 and area.covers(ShapelyPoint(lon, lat)):
                    out[i] = k
        return out

    @classmethod
    def from_features(cls, features: Iterable[Mapping[str, Any]]) -> RiverNetwork:
        """Build the graph from dicts with ``kind`` (river/launch), ``coords`` and names."""
        import networkx as nx

        graph = nx.Graph()
        launches: list[Launch] = []
        lines: list[tuple[str, tuple[_Node, ...]]] = []
        roadless: list[Any] = []
        approximate = False
        for f in features:
            approximate = approximate or bool(f.get("approximate"))
            if f.get("kind") == "roadless":
                from shapely.geometry import Polygon

                roadless.append(Polygon(f["coords"]))
                continue
            coords = [_node(*c[:2]) for c in f["coords"]]
            if f.get("kind") == "launch":
                lon, lat = coords[0]
                launches.append(
                    Launch(str(f.get("code") or f.get("name")), str(f.get("name")), lon, lat)
                )
            else:
                lines.append((str(f.get("name", "")), tuple(coords)))
                for a, b in zip(coords, coords[1:], strict=False):
                    graph.add_edge(a, b, metres=haversine_m(a, b))
        if graph.number_of_nodes() == 0:
            raise PlanningError.of(N_("the river network has no river lines"), field="rivers")
        if len(launches) < 2:
            raise PlanningError.of(
                N_("the river network needs at least two boat launch points"), field="rivers"
            )
        return cls(graph, launches, lines, approximate, roadless)

    @cached_property
    def _landing(self) -> list[tuple[_Node, float]]:
        """Each launch's nearest river vertex and the metres to it (boated too)."""
        nodes = list(self.graph.nodes)
        out = []
        for launch in self.launches:
            p = (launch.lon, launch.lat)
            best = min(nodes, key=lambda n: (n[0] - p[0]) ** 2 + (n[1] - p[1]) ** 2)
            out.append((best, haversine_m(p, best)))
        return out

    @cached_property
    def _paths(self) -> tuple[NDArray[np.float64], dict[tuple[int, int], list[_Node]]]:
        import networkx as nx

        m = len(self.launches)
        metres = np.full((m, m), np.inf)
        paths: dict[tuple[int, int], list[_Node]] = {}
        for i, (ni, di) in enumerate(self._landing):
            length, route = nx.single_source_dijkstra(self.graph, ni, weight="metres")
            for j, (nj, dj) in enumerate(self._landing):
                if i == j:
                    metres[i, j] = 0.0
                elif nj in length:
                    metres[i, j] = di + float(length[nj]) + dj
                    paths[(i, j)] = [
                        (self.launches[i].lon, self.launches[i].lat),
                        *route[nj],
                        (self.launches[j].lon, self.launches[j].lat),
                    ]
        return metres, paths

    def launch_metres(self) -> NDArray[np.float64]:
        """Metres by river between every pair of launches (``inf`` when not connected)."""
        return self._paths[0]

    def path(self, i: int, j: int) -> list[_Node]:
        """Return the river path from launch ``i`` to launch ``j`` as (lon, lat) vertices."""
        return self._paths[1].get((i, j), [])


def load_rivers(path: Path | str) -> RiverNetwork:
    """Read a river layer (GeoJSON, GeoPackage...): lines are rivers, points of kind launch.

    Examples
    --------
    >>> from geo.settings import REPO_ROOT
    >>> net = load_rivers(REPO_ROOT / "data" / "demo_rivers.geojson")
    >>> net.approximate, len(net.launches) > 5
    (True, True)
    """
    from geo.io.vector import read_vector

    path = Path(path)
    gdf = read_vector(path)
    features = []
    for row in gdf.to_dict("records"):
        geom = row["geometry"]
        kind = row.get("kind") or ("launch" if geom.geom_type == "Point" else "river")
        parts = list(getattr(geom, "geoms", [geom]))
        for part in parts:
            if part.geom_type == "Polygon" and kind == "roadless":
                features.append(
                    {
                        "kind": "roadless",
                        "name": row.get("name") or "",
                        "coords": list(part.exterior.coords),
                    }
                )
                continue
            if part.geom_type not in ("Point", "LineString"):
                raise InputFileError(
                    f"{path.name}: row {row['_row']}: expected lines, points and roadless "
                    "polygons, "
                    f"got {part.geom_type}",
                    field="rivers",
                )
            features.append(
                {
                    "kind": kind,
                    "code": row.get("code"),
                    "name": row.get("name") or "",
                    "approximate": str(row.get("approximate")).lower() in {"true", "1"},
                    "coords": list(part.coords),
                }
            )
    return RiverNetwork.from_features(features)


@dataclass(frozen=True)
class MixedMatrix:
    """Travel matrices with how much of each leg is by boat, and which launches it uses."""

    travel: TravelMatrix
    boat_s: NDArray[np.int64]
    via: NDArray[np.int64]  # (n, n, 2) launch indices, -1 for a road-only leg


@dataclass
class RiverTravel:
    """Road legs from ``road`` and river legs along ``network`` at ``river_kmh``.

    ``transfer_min`` is added once per boat leg (find and load a boat, get ashore). A leg is
    the faster of road alone and road → launch → river → launch → road.

    Examples
    --------
    >>> from geo.patrols.travel import HaversineTravel
    >>> net = RiverNetwork.from_features(
    ...     [{"kind": "river", "coords": [(116.0, 0.0), (116.0, 1.0)]},
    ...      {"kind": "launch", "code": "A", "coords": [(116.0, 0.0)]},
    ...      {"kind": "launch", "code": "B", "coords": [(116.0, 1.0)]}])
    >>> rt = RiverTravel(net, HaversineTravel(detour=2.0), river_kmh=50, transfer_min=0)
    >>> m = rt.mixed([(116.0, 0.0), (116.0, 1.0)], mode="car")
    >>> int(m.travel.durations_s[0, 1]), int(m.boat_s[0, 1])
    (8006, 8006)
    """

    network: RiverNetwork
    road: TravelProvider
    river_kmh: float = 35.0
    transfer_min: float = 20.0
    _cache: dict[tuple[str, tuple[Point, ...]], MixedMatrix] = field(default_factory=dict)

    def matrix(
        self, points: Sequence[Point], *, mode: str, keys: Sequence[str] | None = None
    ) -> TravelMatrix:
        """Return the faster of road and road + river for every pair of ``points``."""
        return self.mixed(points, mode=mode, keys=keys).travel

    def mixed(
        self, points: Sequence[Point], *, mode: str, keys: Sequence[str] | None = None
    ) -> MixedMatrix:
        """Return the matrices, the boat seconds of each leg and the launches it uses."""
        key = (mode, tuple((float(a), float(b)) for a, b in points))
        if key not in self._cache:
            self._cache[key] = self._compute(points, mode, keys)
        return self._cache[key]

    def _compute(
        self, points: Sequence[Point], mode: str, keys: Sequence[str] | None
    ) -> MixedMatrix:
        if not self.river_kmh > 0:
            raise PlanningError.of(
                N_("the river speed must be positive, got {speed}"),
                field="river_kmh",
                speed=self.river_kmh,
            )
        n, launches = len(points), self.network.launches
        every = [*points, *((x.lon, x.lat) for x in launches)]
        keys_all = None if keys is None else [*keys, *(f"launch:{x.code}" for x in launches)]
        road = self.road.matrix(every, mode=mode, keys=keys_all)
        rd, rm = road.durations_s.astype(float), road.distances_m.astype(float)
        region = self.network.region(every)
        # No road joins two different areas (the road network, or a roadless area).
        rd[region[:, None] != region[None, :]] = np.inf
        river_m = self.network.launch_metres()
        boat = river_m / (self.river_kmh / 3.6) + self.transfer_min * 60
        np.fill_diagonal(boat, np.inf)  # using the same launch twice is a road leg
        to_l, from_l = rd[:n, n:], rd[n:, :n]  # point -> launch, launch -> point
        # via launch i then river to j: cost[a, i, j] = to_l[a, i] + boat[i, j]
        first = to_l[:, :, None] + boat[None, :, :]  # (n, m, m)
        best_i = first.argmin(axis=1)  # (n, m): best first launch to reach launch j
        reach_j = first.min(axis=1)  # (n, m)
        total = reach_j[:, None, :] + from_l.T[None, :, :]  # (n, n, m)
        best_j = total.argmin(axis=2)
        mixed = total.min(axis=2)
        direct = rd[:n, :n]
        if not np.isfinite(np.minimum(direct, mixed)).all():
            i, j = np.argwhere(~np.isfinite(np.minimum(direct, mixed)))[0]
            raise PlanningError.of(
                N_(
                    "point {i} cannot be reached from point {j}: it lies in an area without "
                    "roads that no boat launch serves"
                ),
                field="rivers",
                i=int(j),
                j=int(i),
            )
        use = mixed < direct
        np.fill_diagonal(use, False)
        a_idx, b_idx = np.nonzero(use)
        via = np.full((n, n, 2), -1, dtype=np.int64)
        dur = direct.copy()
        dist = rm[:n, :n].copy()
        boat_s = np.zeros((n, n))
        j = best_j[a_idx, b_idx]
        i = best_i[a_idx, j]
        via[a_idx, b_idx, 0], via[a_idx, b_idx, 1] = i, j
        dur[a_idx, b_idx] = mixed[a_idx, b_idx]
        boat_s[a_idx, b_idx] = boat[i, j]
        dist[a_idx, b_idx] = rm[a_idx, n + i] + river_m[i, j] + rm[n + j, b_idx]
        return MixedMatrix(
            TravelMatrix(np.rint(dur).astype(np.int64), np.rint(dist).astype(np.int64)),
            np.rint(boat_s).astype(np.int64),
            via,
        )

    def leg_path(self, via: tuple[int, int]) -> list[_Node]:
        """Return the river part of a leg that uses launches ``via`` (empty for a road leg)."""
        i, j = via
        return [] if i < 0 else self.network.path(i, j)
