"""The Kaltim demo plan (108 sites, 4 teams, 10 working days): time and gap to a long run.

Sites, bases and overnight places come from ``data/`` (no database needed); priority is the
planner's fallback (status, risk, days since inspection) as of the start date. Each scenario is
solved with the default budget for a few seeds and once with a long reference budget; the gap
is measured on priority collected (what the plan is for) and on travel time (the
tie-breaker), and on the solver objective (travel seconds minus prize).

``--mode expeditions`` (the default) lets teams be away 5 days, sleeping at the demo's
overnight places and offices, and travel on the demo's approximate rivers
(``data/demo_rivers.geojson``); ``--mode daytrips`` is the planner before expeditions (road
only, home every night). The table adds sites planned, sites too far (``too_far`` and
``beyond_max_days``), road and boat hours and idle team-days.

Usage::

    python benchmarks/kaltim_patrol.py                      # 20 s runs, 120 s reference
    python benchmarks/kaltim_patrol.py --budget 5 --ref 30  # quick look
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.patrols import Base, Plan, plan
from geo.patrols.planner import PRIZE_PER_POINT
from geo.patrols.prizes import tasks_from_frame
from geo.patrols.rivers import RiverTravel, load_rivers
from geo.patrols.store import default_teams
from geo.patrols.travel import HaversineTravel

DATA = Path(__file__).resolve().parents[1] / "data"
START = dt.date(2026, 12, 1)


def load(mode: str = "expeditions") -> tuple[list, list, dict]:  # type: ignore[type-arg]
    sites = gpd.read_file(DATA / "sites.geojson")
    for column in ("first_reported", "last_inspected"):
        sites[column] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in sites[column]]
    bases = gpd.read_file(DATA / "bases.geojson")
    if mode == "daytrips":
        return tasks_from_frame(sites, today=START), default_teams(bases, 4, sites=sites), {}
    teams = default_teams(bases, 4, sites=sites, max_days_away=5)
    frames = [bases, gpd.read_file(DATA / "overnight_places.geojson")]
    places = [
        Base(r.code, r.name, r.geometry.x, r.geometry.y) for f in frames for r in f.itertuples()
    ]
    travel = RiverTravel(load_rivers(DATA / "demo_rivers.geojson"), HaversineTravel())
    return tasks_from_frame(sites, today=START), teams, {"places": places, "travel": travel}


def objective(p: Plan) -> float:
    """The solver's objective in its own units: driving seconds minus prize."""
    return sum(r.drive_min * 60 for r in p.routes) - PRIZE_PER_POINT * p.total_priority


def run(
    tasks: list, teams: list, days: int, budget: float, seed: int, extra: dict
) -> tuple[Plan, float]:  # type: ignore[type-arg]
    t0 = time.perf_counter()
    p = plan(tasks, teams, start=START, days=days, budget_s=budget, seed=seed, **extra)
    return p, time.perf_counter() - t0


def too_far(p: Plan) -> int:
    """Sites left out because no team could get there (in one day, or within its days away)."""
    return sum(u.reason in ("too_far", "beyond_max_days") for u in p.unplanned)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--budget", type=float, default=20.0)
    ap.add_argument("--ref", type=float, default=120.0, help="reference budget (s)")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--days", default="10", help="scenarios: working days for 4 teams")
    ap.add_argument("--mode", choices=("expeditions", "daytrips"), default="expeditions")
    args = ap.parse_args(argv)
    tasks, teams, extra = load(args.mode)
    print(f"{len(tasks)} sites; teams: " + ", ".join(f"{t.code}@{t.base.code}" for t in teams))
    print(
        f"{'days':>4} {'run':>10} {'wall_s':>7} {'visits':>6} {'far':>4} {'priority':>9} "
        f"{'road_h':>7} {'boat_h':>7} {'km':>7} {'idle':>5} {'prio_gap%':>9} {'drive_gap%':>10} "
        f"{'obj_gap%':>8}"
    )
    for days in (int(d) for d in args.days.split(",")):
        ref, ref_t = run(tasks, teams, days, args.ref, 0, extra)
        rows = [(f"ref {args.ref:g}s", ref, ref_t)]
        for seed in range(args.seeds):
            p, t = run(tasks, teams, days, args.budget, seed, extra)
            rows.append((f"{args.budget:g}s s{seed}", p, t))
        for label, p, t in rows:
            prio_gap = 100 * (ref.total_priority - p.total_priority) / ref.total_priority
            drive_gap = 100 * (p.total_drive_h - ref.total_drive_h) / ref.total_drive_h
            obj_gap = 100 * (objective(p) - objective(ref)) / abs(objective(ref))
            idle = int(p.summary()["idle_days"].sum())
            print(
                f"{days:>4} {label:>10} {t:>7.1f} {len(p.visits):>6} {too_far(p):>4} "
                f"{p.total_priority:>9.1f} {p.total_drive_h - p.total_boat_h:>7.1f} "
                f"{p.total_boat_h:>7.1f} {p.total_km:>7.0f} {idle:>5} {prio_gap:>9.2f} "
                f"{drive_gap:>10.2f} {obj_gap:>8.3f}",
                flush=True,
            )
        summary = ref.summary()
        print(
            "     idle days per team (reference): "
            + ", ".join(f"{r.team} {r.idle_days}" for r in summary.itertuples())
        )
        for trip in ref.itineraries:
            nights = ", ".join(trip.nights)
            print(f"     expedition {trip.team}: {trip.days_away} days, nights {nights}")
        reasons = pd.Series([u.reason for u in ref.unplanned]).value_counts().to_dict()
        print(f"     unplanned in the reference plan: {reasons}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
