"""Team orienteering with time windows (Solomon-based TOPTW): our solver core vs OR-Tools.

Each instance is solved for m = 1..4 routes by ``geo.patrols.solver.solve`` (PyVRP) with a
budget of B seconds, and by OR-Tools routing (guided local search) with B and 10 B seconds.
Every solution is re-checked here (time windows, end of day, each vertex at most once) and
its profit recomputed before it is counted.

Usage::

    python benchmarks/toptw.py                    # subset of 6 instances, B = 1 s
    python benchmarks/toptw.py --all --budget 1   # the 29 instances
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from geo.patrols.solver import Client, Vehicle, solve

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "toptw"
SUBSET = ("c101", "c105", "r101", "r105", "rc101", "rc105")
#: Profit is scaled so that any profit outweighs all travel (lexicographic objective).
BIG = 1_000_000
SCALE = 10  # one decimal, as integers


@dataclass
class Instance:
    name: str
    xy: np.ndarray
    service: np.ndarray
    profit: np.ndarray
    open_: np.ndarray
    close: np.ndarray

    @property
    def travel(self) -> np.ndarray:
        diff = self.xy[:, None, :] - self.xy[None, :, :]
        d = np.sqrt((diff**2).sum(axis=2))
        travel: np.ndarray = np.floor(d * SCALE).astype(np.int64)  # truncated at one decimal
        return travel


def read_instance(path: Path) -> Instance:
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    n = int(lines[0][2])
    rows = [r for r in lines[1:] if len(r) >= 9][: n + 1]
    xy, d, s, o, c = [], [], [], [], []
    for r in rows:
        xy.append((float(r[1]), float(r[2])))
        d.append(float(r[3]))
        s.append(float(r[4]))
        o.append(float(r[-2]))
        c.append(float(r[-1]))
    if len(rows) != n + 1:
        raise ValueError(f"{path}: expected {n + 1} vertices, read {len(rows)}")
    return Instance(
        path.stem, np.array(xy), _scaled(d), np.array(s, dtype=np.int64), _scaled(o), _scaled(c)
    )


def _scaled(values: list[float]) -> np.ndarray:
    out: np.ndarray = np.rint(np.array(values) * SCALE).astype(np.int64)
    return out


def check(inst: Instance, routes: list[list[int]], m: int) -> int:
    """Verify routes (lists of vertex ids, depot 0 implied) and return their profit."""
    t = inst.travel
    assert len(routes) <= m
    seen: set[int] = set()
    for route in routes:
        clock, prev = int(inst.open_[0]), 0
        for v in route:
            assert v not in seen and v != 0
            seen.add(v)
            clock = max(clock + t[prev, v], int(inst.open_[v]))
            assert clock <= inst.close[v], (inst.name, v, clock, inst.close[v])
            clock += int(inst.service[v])
            prev = v
        assert clock + t[prev, 0] <= inst.close[0]
    return int(sum(inst.profit[v] for v in seen))


def ours(inst: Instance, m: int, budget: float, seed: int = 0) -> list[list[int]]:
    n = len(inst.profit)
    clients = [
        Client(
            int(inst.profit[i]) * BIG, int(inst.service[i]), int(inst.open_[i]), int(inst.close[i])
        )
        for i in range(1, n)
    ]
    vehicles = [Vehicle(0, 0, int(inst.open_[0]), int(inst.close[0]))] * m
    res = solve(inst.travel, clients, vehicles, num_depots=1, budget_s=budget, seed=seed)
    return [[s.client + 1 for s in r.stops] for r in res.routes]


def ortools(inst: Instance, m: int, budget: float) -> list[list[int]]:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(inst.profit)
    t = inst.travel
    manager = pywrapcp.RoutingIndexManager(n, m, 0)
    routing = pywrapcp.RoutingModel(manager)
    arc = routing.RegisterTransitCallback(
        lambda i, j: int(t[manager.IndexToNode(i), manager.IndexToNode(j)])
    )
    time_cb = routing.RegisterTransitCallback(
        lambda i, j: int(
            t[manager.IndexToNode(i), manager.IndexToNode(j)] + inst.service[manager.IndexToNode(i)]
        )
    )
    routing.SetArcCostEvaluatorOfAllVehicles(arc)
    horizon = int(inst.close[0])
    routing.AddDimension(time_cb, horizon, horizon, False, "Time")
    dim = routing.GetDimensionOrDie("Time")
    for v in range(1, n):
        index = manager.NodeToIndex(v)
        dim.CumulVar(index).SetRange(int(inst.open_[v]), int(inst.close[v]))
        routing.AddDisjunction([index], int(inst.profit[v]) * BIG)
    for k in range(m):
        dim.CumulVar(routing.Start(k)).SetRange(int(inst.open_[0]), horizon)
        dim.CumulVar(routing.End(k)).SetRange(int(inst.open_[0]), horizon)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(budget * 1000))
    sol = routing.SolveWithParameters(params)
    if sol is None:
        return []
    routes = []
    for k in range(m):
        index, route = routing.Start(k), []
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            if node:
                route.append(node)
            index = sol.Value(routing.NextVar(index))
        if route:
            routes.append(route)
    return routes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--all", action="store_true", help="all instances, not the subset")
    ap.add_argument("--budget", type=float, default=1.0, help="B, seconds per solve")
    ap.add_argument("--routes", default="1,2,3,4")
    ap.add_argument("--no-10x", action="store_true", help="skip OR-Tools at 10 B")
    args = ap.parse_args(argv)
    names = sorted(p.stem for p in args.dir.glob("*.txt"))
    if not args.all:
        names = [n for n in names if n in SUBSET]
    if not names:
        print(f"no TOPTW instances (*.txt) in {args.dir}; give their folder with --dir")
        return 2
    ms = [int(x) for x in args.routes.split(",")]
    b = args.budget
    print(f"TOPTW, budget B = {b:g} s, instances: {len(names)}, m = {ms}")
    print(
        f"{'inst':8} {'m':>2} {'ours':>6} {'ORT@B':>6} {'ORT@10B':>7} {'ours/ORT@B':>10} "
        f"{'ours/ORT@10B':>12} {'t_ours':>6}"
    )
    ratios_b: dict[int, list[float]] = {m: [] for m in ms}
    ratios_10: dict[int, list[float]] = {m: [] for m in ms}
    for name in names:
        inst = read_instance(args.dir / f"{name}.txt")
        for m in ms:
            t0 = time.perf_counter()
            p_ours = check(inst, ours(inst, m, b), m)
            t_ours = time.perf_counter() - t0
            p_b = check(inst, ortools(inst, m, b), m)
            p_10 = math.nan if args.no_10x else check(inst, ortools(inst, m, 10 * b), m)
            ratios_b[m].append(p_ours / p_b)
            if not args.no_10x:
                ratios_10[m].append(p_ours / p_10)
            print(
                f"{name:8} {m:>2} {p_ours:>6} {p_b:>6} {p_10:>7} {p_ours / p_b:>10.3f} "
                f"{p_ours / p_10:>12.3f} {t_ours:>6.1f}",
                flush=True,
            )
    print()
    print(f"{'m':>2} {'mean ours/ORT@B':>16} {'mean ours/ORT@10B':>18} {'wins/ties/losses @B':>20}")
    for m in ms:
        rb = ratios_b[m]
        r10 = ratios_10[m] or [math.nan]
        wtl = (sum(r > 1 for r in rb), sum(r == 1 for r in rb), sum(r < 1 for r in rb))
        print(
            f"{m:>2} {statistics.mean(rb):>16.4f} {statistics.mean(r10):>18.4f} "
            f"{'/'.join(map(str, wtl)):>20}"
        )
    allb = [r for m in ms for r in ratios_b[m]]
    all10 = [r for m in ms for r in ratios_10[m]] or [math.nan]
    print(f"all {statistics.mean(allb):>15.4f} {statistics.mean(all10):>18.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
