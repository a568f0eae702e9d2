"""The Kaltim demo plan (108 sites, 4 teams, 10 working days): time and gap to a long run.

Sites and bases come from ``data/`` (no database needed); priority is the planner's fallback
(status, risk, days since inspection) as of the start date. Each scenario is solved with the
default budget for a few seeds and once with a long reference budget; the gap is measured on
priority collected (what the plan is for) and on driving time (the tie-breaker), and on the
solver objective (driving seconds minus prize).

Usage::

    python benchmarks/kaltim_patrol.py                      # 20 s runs, 180 s reference
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

from geo.patrols import Plan, plan
from geo.patrols.planner import PRIZE_PER_POINT
from geo.patrols.prizes import tasks_from_frame
from geo.patrols.store import default_teams

DATA = Path(__file__).resolve().parents[1] / "data"
START = dt.date(2026, 12, 1)


def load() -> tuple[list, list]:  # type: ignore[type-arg]
    sites = gpd.read_file(DATA / "sites.geojson")
    for column in ("first_reported", "last_inspected"):
        sites[column] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in sites[column]]
    bases = gpd.read_file(DATA / "bases.geojson")
    teams = default_teams(bases, 4, sites=sites)
    return tasks_from_frame(sites, today=START), teams


def objective(p: Plan) -> float:
    """The solver's objective in its own units: driving seconds minus prize."""
    return sum(r.drive_min * 60 for r in p.routes) - PRIZE_PER_POINT * p.total_priority


def run(tasks: list, teams: list, days: int, budget: float, seed: int) -> tuple[Plan, float]:  # type: ignore[type-arg]
    t0 = time.perf_counter()
    p = plan(tasks, teams, start=START, days=days, budget_s=budget, seed=seed)
    return p, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--budget", type=float, default=20.0)
    ap.add_argument("--ref", type=float, default=180.0, help="reference budget (s)")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--days", default="10,3", help="scenarios: working days for 4 teams")
    args = ap.parse_args(argv)
    tasks, teams = load()
    print(f"{len(tasks)} sites; teams: " + ", ".join(f"{t.code}@{t.base.code}" for t in teams))
    print(
        f"{'days':>4} {'run':>10} {'wall_s':>7} {'visits':>6} {'priority':>9} {'drive_h':>8} "
        f"{'km':>7} {'prio_gap%':>9} {'drive_gap%':>10} {'obj_gap%':>8}"
    )
    for days in (int(d) for d in args.days.split(",")):
        ref, ref_t = run(tasks, teams, days, args.ref, 0)
        rows = [(f"ref {args.ref:g}s", ref, ref_t)]
        for seed in range(args.seeds):
            p, t = run(tasks, teams, days, args.budget, seed)
            rows.append((f"{args.budget:g}s s{seed}", p, t))
        for label, p, t in rows:
            prio_gap = 100 * (ref.total_priority - p.total_priority) / ref.total_priority
            drive_gap = 100 * (p.total_drive_h - ref.total_drive_h) / ref.total_drive_h
            obj_gap = 100 * (objective(p) - objective(ref)) / abs(objective(ref))
            print(
                f"{days:>4} {label:>10} {t:>7.1f} {len(p.visits):>6} {p.total_priority:>9.1f} "
                f"{p.total_drive_h:>8.1f} {p.total_km:>7.0f} {prio_gap:>9.2f} "
                f"{drive_gap:>10.2f} {obj_gap:>8.3f}",
                flush=True,
            )
        reasons = pd.Series([u.reason for u in ref.unplanned]).value_counts().to_dict()
        print(f"     unplanned in the reference plan: {reasons}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
