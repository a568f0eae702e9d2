"""Small synthetic patrol problems around Samarinda and a plan feasibility checker."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from geoalchemy2.shape import from_shape
from shapely import Point
from sqlalchemy.orm import Session

from geo.models import FieldBase, Site
from geo.patrols import Base, HaversineTravel, Plan, SiteTask, Team
from geo.patrols.calendar import working_days
from geo.patrols.problem import seconds

SMD = Base("SMD", "Dinas ESDM Kaltim, Samarinda", 117.1328, -0.4786)
TGR = Base("TGR", "UPTD Tenggarong", 116.986, -0.4204)
START = dt.date(2026, 8, 12)  # Wed; Mon 17 August (Independence Day) is inside a 5-day horizon


def make_tasks(n: int = 24, seed: int = 3) -> list[SiteTask]:
    rng = np.random.default_rng(seed)
    tasks = []
    for i in range(n):
        lon = 117.05 + rng.uniform(-0.35, 0.35)
        lat = -0.45 + rng.uniform(-0.35, 0.35)
        tasks.append(
            SiteTask(
                code=f"T-{i:03d}",
                name=f"Site {i}",
                lon=lon,
                lat=lat,
                priority=float(rng.integers(10, 100)),
                service_min=int(rng.integers(30, 120)),
                status="active" if i % 3 else "suspected",
                risk_level="high",
                last_inspected=None,
                kabupaten="Kutai Kartanegara",
                commodity="batubara",
            )
        )
    return tasks


@pytest.fixture
def tasks() -> list[SiteTask]:
    return make_tasks()


@pytest.fixture
def teams() -> list[Team]:
    return [
        Team("TIM-A", SMD, shift=("07:30", "16:30"), max_drive_h=5.0),
        Team(
            "TIM-B",
            TGR,
            shift=("08:00", "15:00"),
            max_drive_h=3.0,
            mode="4wd",
            unavailable=frozenset({dt.date(2026, 8, 13)}),
        ),
    ]


@pytest.fixture
def registry(session: Session) -> Session:
    """Two bases and 14 sites (``PTR-000``...) around Samarinda, in the test's transaction."""
    for b in (SMD, TGR):
        session.add(
            FieldBase(
                code=b.code,
                name=b.name,
                kabupaten="Samarinda",
                geom=from_shape(Point(b.lon, b.lat), srid=4326),
            )
        )
    for i, t in enumerate(make_tasks(14)):
        session.add(
            Site(
                code=f"PTR-{i:03d}",
                name=t.name,
                kabupaten="Kutai Kartanegara",
                commodity="batubara",
                status="active" if i % 2 else "suspected",
                risk_level="high",
                geom=from_shape(Point(t.lon, t.lat), srid=4326),
            )
        )
    session.flush()
    return session


def assert_feasible(
    plan: Plan, tasks: list[SiteTask], teams: list[Team], *, days: int, start: dt.date = START
) -> None:
    """Check every rule a plan must keep, recomputing travel independently."""
    by_code = {t.code: t for t in tasks}
    by_team = {t.code: t for t in teams}
    calendar = working_days(start, days)
    assert plan.days == calendar
    seen: set[str] = set()
    for route in plan.routes:
        team = by_team[route.team]
        assert route.date in calendar
        assert route.date.weekday() < 5
        assert route.date not in team.unavailable
        assert route.base_code == team.base.code
        assert route.path[0] == route.path[-1] == (team.base.lon, team.base.lat)
        early, late = team.shift_seconds
        day0 = dt.datetime.combine(route.date, dt.time(0), tzinfo=route.depart.tzinfo)
        assert (route.depart - day0).total_seconds() >= early
        assert (route.back - day0).total_seconds() <= late
        travel = HaversineTravel()
        points = [(team.base.lon, team.base.lat)] + [(v.lon, v.lat) for v in route.visits]
        points.append(points[0])
        m = travel.matrix(points, mode=team.mode)
        legs = [int(m.durations_s[i, i + 1]) for i in range(len(points) - 1)]
        assert sum(legs) <= team.max_drive_h * 3600
        assert abs(route.drive_min * 60 - sum(legs)) <= 3  # minutes are rounded to 0.1
        clock = route.depart
        for leg, v in zip(legs, route.visits, strict=False):
            assert v.site_code not in seen, f"{v.site_code} visited twice"
            seen.add(v.site_code)
            task = by_code[v.site_code]
            assert v.date == route.date and v.team == route.team
            assert v.arrival == clock + dt.timedelta(seconds=leg)
            assert v.start >= v.arrival
            assert seconds(task.window[0]) <= (v.start - day0).total_seconds()
            assert (v.start - day0).total_seconds() <= seconds(task.window[1])
            assert v.end - v.start == dt.timedelta(minutes=task.service_min)
            clock = v.end
        assert route.back == clock + dt.timedelta(seconds=legs[-1])
