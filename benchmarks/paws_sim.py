"""A PAWS-style simulation: does planning by priority find more illegal activity per hour?

Hidden world (synthetic, seeded): each demo site has a base rate of being active on a day,
higher for higher risk levels, with log-normal spread. On a day a site is active, the public
reports it with probability ``--report-p``; every site also draws false reports now and then.
A team visiting an active site detects it with probability ``--detect-p`` (< 1); a detection
leads to enforcement, which cuts the site's rate to 40 %.

Three schedules run on the same hidden world (common random numbers) over a quarter
(13 weeks), with the same 4 teams patrolling ``--days-per-week`` days a week (the rest of the
week goes to reporting, permits and court), the same shifts, driving limits, travel model and
the same rule of not revisiting a site within 14 days:

- ours: each Monday, ``geo.patrols.plan`` for the week, prizes from what the agency can see
  (recent reports decayed with a 14-day half-life, days since the last visit, risk level);
- nearest-first: each team-day goes to the nearest eligible site, then the nearest to that,
  while the day allows;
- round-robin: each team walks its territory (sites nearest its base) in a fixed order,
  routine rounds regardless of reports.

Printed: detections, patrol-hours (base to base), detections per patrol-hour, and the ratios.

Usage::

    python benchmarks/paws_sim.py               # 3 worlds, 2 s per weekly plan
    python benchmarks/paws_sim.py --worlds 1 --budget 1
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import statistics
import sys
from collections.abc import Callable

import numpy as np

from geo.patrols import HaversineTravel, Rules, SiteTask, Team, plan
from geo.patrols.calendar import working_days
from geo.patrols.problem import seconds

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from kaltim_patrol import load  # noqa: E402

START = dt.date(2026, 1, 5)  # a Monday
WEEKS = 13
SKIP_DAYS = 14
PRE = 20  # working days of reports before the quarter
RISK_RATE = {"low": 0.08, "medium": 0.18, "high": 0.32, "critical": 0.5}
RISK_POINTS = {"low": 0.25, "medium": 0.5, "high": 0.75, "critical": 1.0}


@dataclasses.dataclass
class World:
    rate: np.ndarray  # per site, probability of being active on a day
    u_active: np.ndarray  # [site, day] uniforms
    u_detect: np.ndarray
    u_report: np.ndarray
    u_false: np.ndarray


def make_world(tasks: list[SiteTask], days: int, seed: int) -> World:
    rng = np.random.default_rng(seed)
    base = np.array([RISK_RATE[t.risk_level] for t in tasks])
    rate = np.clip(base * rng.lognormal(0, 0.6, len(tasks)), 0.01, 0.9)
    shape = (len(tasks), days)
    return World(rate, rng.random(shape), rng.random(shape), rng.random(shape), rng.random(shape))


Route = list[int]  # site indices in visiting order
Scheduler = Callable[
    [int, list[dt.date], dict[int, list[int]], dict[int, int]], dict[tuple[str, dt.date], Route]
]


class Sim:
    def __init__(self, tasks: list[SiteTask], teams: list[Team], args: argparse.Namespace):
        self.tasks, self.teams, self.args = tasks, teams, args
        pts = [(t.base.lon, t.base.lat) for t in teams] + [(s.lon, s.lat) for s in tasks]
        self.m = HaversineTravel().matrix(pts, mode="car").durations_s
        self.nb = len(teams)
        self.days = working_days(START, 5 * WEEKS, skip_holidays=False)

    # --- feasibility shared by the greedy baselines -------------------------------------
    def extend(
        self, k: int, route: Route, site: int, clock: int, drive: int
    ) -> tuple[int, int] | None:
        """Try appending ``site`` after the route's last stop; return new (clock, drive)."""
        team, task = self.teams[k], self.tasks[site]
        here = k if not route else self.nb + route[-1]
        there = self.nb + site
        arrive = clock + int(self.m[here, there])
        start = max(arrive, seconds(task.window[0]))
        end = start + task.service_min * 60
        drive2 = drive + int(self.m[here, there])
        back = end + int(self.m[there, k])
        if start > seconds(task.window[1]) or back > team.shift_seconds[1]:
            return None
        if drive2 + int(self.m[there, k]) > team.max_drive_h * 3600:
            return None
        return end, drive2

    def hours(self, k: int, route: Route) -> float:
        clock, drive = self.teams[k].shift_seconds[0], 0
        for i, s in enumerate(route):
            step = self.extend(k, route[:i], s, clock, drive)
            assert step is not None
            clock, drive = step
        back = clock + int(self.m[self.nb + route[-1], k])
        return (back - self.teams[k].shift_seconds[0]) / 3600

    def greedy_day(
        self, k: int, pick: Callable[[int | None, set[int]], list[int]], eligible: set[int]
    ) -> Route:
        route: Route = []
        clock, drive = self.teams[k].shift_seconds[0], 0
        while True:
            for site in pick(route[-1] if route else None, eligible):
                step = self.extend(k, route, site, clock, drive)
                if step is not None:
                    route.append(site)
                    eligible.discard(site)
                    clock, drive = step
                    break
            else:
                return route

    # --- schedulers ---------------------------------------------------------------------
    def ours(
        self, week: int, days: list[dt.date], reports: dict[int, list[int]], last: dict[int, int]
    ) -> dict[tuple[str, dt.date], Route]:
        today = week * 5
        tasks = []
        for i, t in enumerate(self.tasks):
            r = sum(0.5 ** ((today - d) / 10) for d in reports.get(i, []) if today - d <= 45)
            since = (today - last[i]) * 7 / 5 if i in last else 120
            prio = (
                60 * (1 - np.exp(-r / 1.5))
                + 25 * min(since / 60, 1)
                + 15 * RISK_POINTS[t.risk_level]
            )
            seen = START + dt.timedelta(days=last[i] * 7 // 5) if i in last else None
            tasks.append(
                dataclasses.replace(
                    t, priority=round(float(prio), 2), last_inspected=seen, status="active"
                )
            )
        p = plan(
            tasks,
            self.teams,
            start=days[0],
            days=len(days),
            today=days[0],
            budget_s=self.args.budget,
            seed=self.args.seed + week,
            skip_holidays=False,
            rules=Rules(skip_within_days=SKIP_DAYS),
        )
        index = {t.code: i for i, t in enumerate(self.tasks)}
        return {(r.team, r.date): [index[v.site_code] for v in r.visits] for r in p.routes}

    def nearest(
        self, week: int, days: list[dt.date], reports: dict[int, list[int]], last: dict[int, int]
    ) -> dict[tuple[str, dt.date], Route]:
        today = week * 5
        eligible = {
            i
            for i in range(len(self.tasks))
            if i not in last or today - last[i] >= SKIP_DAYS * 5 / 7
        }
        out = {}
        for day in days:
            for k, team in enumerate(self.teams):

                def pick(prev: int | None, left: set[int], k: int = k) -> list[int]:
                    row = k if prev is None else self.nb + prev
                    return sorted(left, key=lambda s: self.m[row, self.nb + s])

                out[(team.code, day)] = self.greedy_day(k, pick, eligible)
        return out

    def round_robin(
        self, week: int, days: list[dt.date], reports: dict[int, list[int]], last: dict[int, int]
    ) -> dict[tuple[str, dt.date], Route]:
        if not hasattr(self, "_rr"):
            home = {
                i: int(np.argmin(self.m[: self.nb, self.nb + i])) for i in range(len(self.tasks))
            }
            self._rr = {
                k: sorted((i for i in home if home[i] == k), key=lambda i: self.tasks[i].code)
                for k in range(self.nb)
            }
            self._pos = dict.fromkeys(range(self.nb), 0)
        today = week * 5
        out = {}
        for day in days:
            for k, team in enumerate(self.teams):
                order = self._rr[k]
                if not order:
                    continue
                route: Route = []
                clock, drive = team.shift_seconds[0], 0
                for _ in range(len(order)):
                    site = order[self._pos[k] % len(order)]
                    if site in last and today - last[site] < SKIP_DAYS * 5 / 7:
                        self._pos[k] += 1  # visited in the last 14 days: its turn passes
                        continue
                    step = self.extend(k, route, site, clock, drive)
                    if step is None:
                        if route:  # the day is full: this site opens tomorrow's round
                            break
                        self._pos[k] += 1  # unreachable alone: routine rounds skip it
                        continue
                    route.append(site)
                    clock, drive = step
                    self._pos[k] += 1
                out[(team.code, day)] = route
        return out

    # --- the quarter --------------------------------------------------------------------
    def run(self, world: World, schedule: Scheduler) -> tuple[int, float, int]:
        rate = world.rate.copy()
        reports: dict[int, list[int]] = {}
        last: dict[int, int] = {}
        detections, hours, visits = 0, 0.0, 0
        # Four weeks of reports before the quarter, so the first plan has something to see.
        for d in range(-PRE, 0):
            self._reports(world, rate, d + PRE, d, reports)
        for week in range(WEEKS):
            week_days = self.days[week * 5 : (week + 1) * 5]
            days = week_days[: self.args.days_per_week]
            routes = schedule(week, days, reports, last)
            for j, day in enumerate(week_days):
                d = week * 5 + j
                active = world.u_active[:, d + PRE] < rate
                for k, team in enumerate(self.teams):
                    route = routes.get((team.code, day), [])
                    if not route:
                        continue
                    hours += self.hours(k, route)
                    for s in route:
                        visits += 1
                        last[s] = d
                        if active[s] and world.u_detect[s, d + PRE] < self.args.detect_p:
                            detections += 1
                            rate[s] *= 0.4
                self._reports(world, rate, d + PRE, d, reports)
        return detections, hours, visits

    def _reports(
        self, world: World, rate: np.ndarray, col: int, day: int, reports: dict[int, list[int]]
    ) -> None:
        active = world.u_active[:, col] < rate
        real = active & (world.u_report[:, col] < self.args.report_p)
        false = world.u_false[:, col] < self.args.false_p
        for s in np.flatnonzero(real | false):
            reports.setdefault(int(s), []).append(day)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--worlds", type=int, default=3)
    ap.add_argument("--budget", type=float, default=2.0, help="solver seconds per weekly plan")
    ap.add_argument("--detect-p", type=float, default=0.7)
    ap.add_argument("--report-p", type=float, default=0.2)
    ap.add_argument("--false-p", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--days-per-week", type=int, default=2, help="patrol days per team-week")
    args = ap.parse_args(argv)
    # Day trips, as the greedy schedules it is compared with (and as in the figures recorded
    # before expeditions): load() also returns the expedition options, unused here.
    tasks, teams, _ = load("daytrips")
    tasks = [t for t in tasks if t.status != "legalised"]
    sim = Sim(tasks, teams, args)
    print(
        f"{len(tasks)} sites, {len(teams)} teams x {args.days_per_week} days/week, "
        f"{WEEKS} weeks; detect p={args.detect_p}, "
        f"report p={args.report_p}, false p={args.false_p}, budget {args.budget:g} s/week"
    )
    print(
        f"{'world':>5} {'schedule':>12} {'visits':>6} {'detections':>10} {'hours':>7} "
        f"{'det/hour':>8}"
    )
    ratios: dict[str, list[float]] = {"nearest-first": [], "round-robin": []}
    for w in range(args.worlds):
        world = make_world(tasks, PRE + 5 * WEEKS, seed=1000 + w)
        res = {}
        for name, fn in (
            ("ours", sim.ours),
            ("nearest-first", sim.nearest),
            ("round-robin", sim.round_robin),
        ):
            if name == "round-robin":
                sim.__dict__.pop("_rr", None)
            det, hrs, vis = sim.run(world, fn)
            res[name] = det / hrs
            print(f"{w:>5} {name:>12} {vis:>6} {det:>10} {hrs:>7.0f} {det / hrs:>8.4f}", flush=True)
        for name in ratios:
            ratios[name].append(res["ours"] / res[name])
    print()
    for name, values in ratios.items():
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        print(
            f"ours / {name}: detections per patrol-hour ratio {statistics.mean(values):.2f} "
            f"(sd {sd:.2f}, {len(values)} worlds)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
