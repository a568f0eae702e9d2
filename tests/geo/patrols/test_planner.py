import dataclasses
import datetime as dt
from collections.abc import Sequence

import numpy as np
import pytest

from geo.errors import PlanningError
from geo.patrols import Base, Rules, SiteTask, Team, TravelMatrix, plan
from tests.geo.patrols.conftest import SMD, START, assert_feasible, make_tasks

FAST = {"budget_s": 20.0, "max_iterations": 600, "seed": 1}


def test_plan_is_feasible_and_respects_calendar(tasks: list[SiteTask], teams: list[Team]) -> None:
    p = plan(tasks, teams, start=START, days=5, **FAST)
    assert_feasible(p, tasks, teams, days=5)
    assert dt.date(2026, 8, 17) not in p.days  # Hari Kemerdekaan
    assert dt.date(2026, 8, 15) not in p.days
    assert not any(r.team == "TIM-B" and r.date == dt.date(2026, 8, 13) for r in p.routes)
    assert p.visits, "a plan with room for visits must visit something"
    planned = {v.site_code for v in p.visits}
    unplanned = {u.site_code for u in p.unplanned}
    assert planned.isdisjoint(unplanned)
    assert planned | unplanned == {t.code for t in tasks}


def test_frames(tasks: list[SiteTask], teams: list[Team]) -> None:
    p = plan(tasks, teams, start=START, days=2, **FAST)
    frame = p.to_frame()
    assert len(frame) == len(p.visits)
    assert frame.crs.to_epsg() == 4326
    assert set(frame.geom_type) == {"Point"}
    routes = p.routes_frame()
    assert len(routes) == len(p.routes)
    assert set(routes.geom_type) == {"LineString"}
    first = p.routes[0]
    line = routes.geometry.iloc[0]
    assert len(line.coords) == len(first.visits) + 2
    assert line.coords[0] == (first.path[0][0], first.path[0][1])
    summary = p.summary()
    assert summary["visits"].sum() == len(p.visits)
    assert p.total_priority == pytest.approx(sum(v.priority for v in p.visits))


def test_most_priority_first_when_capacity_is_short(teams: list[Team]) -> None:
    tasks = make_tasks(40)
    p = plan(tasks, teams[:1], start=START, days=1, **FAST)
    planned = [v.priority for v in p.visits]
    dropped = [u.priority for u in p.unplanned if u.reason == "lower_priority"]
    assert dropped, "40 sites cannot fit in one team-day"
    assert np.mean(planned) > np.mean(dropped)
    assert all(u.detail for u in p.unplanned)


def test_exclusions(tasks: list[SiteTask], teams: list[Team]) -> None:
    sealed = dataclasses.replace(tasks[0], status="sealed", priority=99.0)
    legal = dataclasses.replace(tasks[1], status="legalised", priority=99.0)
    p = plan([sealed, legal, *tasks[2:6]], teams, start=START, days=2, **FAST)
    reasons = {u.site_code: u.reason for u in p.unplanned}
    assert reasons[sealed.code] == reasons[legal.code] == "excluded_status"
    p2 = plan(
        [sealed, legal, *tasks[2:6]],
        teams,
        start=START,
        days=2,
        rules=Rules(include_excluded=True),
        **FAST,
    )
    assert {sealed.code, legal.code} <= {v.site_code for v in p2.visits}


def test_recently_inspected_is_skipped(tasks: list[SiteTask], teams: list[Team]) -> None:
    recent = dataclasses.replace(tasks[0], last_inspected=START - dt.timedelta(days=5))
    older = dataclasses.replace(tasks[1], last_inspected=START - dt.timedelta(days=40))
    p = plan([recent, older], teams, start=START, days=1, rules=Rules(skip_within_days=14), **FAST)
    assert [u.reason for u in p.unplanned] == ["recently_inspected"]
    assert "5 days ago" in p.unplanned[0].detail
    assert [v.site_code for v in p.visits] == [older.code]


def test_revisit_rule_forces_an_overdue_site_in() -> None:
    team = Team("T", SMD, shift=("08:00", "12:00"), max_drive_h=4)
    near = [
        SiteTask(f"N-{i}", f"near {i}", SMD.lon + 0.01 * i, SMD.lat, priority=80, service_min=30)
        for i in range(1, 7)
    ]
    overdue = SiteTask(
        "FAR",
        "overdue",
        SMD.lon + 0.35,
        SMD.lat + 0.2,
        priority=86,
        service_min=30,
        last_inspected=START - dt.timedelta(days=400),
    )
    without = plan(
        [*near, overdue], [team], start=START, days=1, rules=Rules(must_visit_priority=101), **FAST
    )
    assert "FAR" not in {v.site_code for v in without.visits}
    with_rule = plan(
        [*near, overdue],
        [team],
        start=START,
        days=1,
        rules=Rules(must_visit_after_days=90, must_visit_priority=85),
        **FAST,
    )
    visit = {v.site_code: v for v in with_rule.visits}
    assert "FAR" in visit and visit["FAR"].mandatory
    assert with_rule.stats["mandatory"] == ["FAR"]


def test_unplanned_reasons_too_far_and_no_team(tasks: list[SiteTask], teams: list[Team]) -> None:
    far = SiteTask("FAR-1", "Mahakam Ulu", 114.9, 0.8, priority=95)
    trb = Base("TRB", "Tanjung Redeb", 117.493, 2.153)
    berau = SiteTask("BRU-1", "near Tanjung Redeb", 117.45, 2.10, priority=95)
    away = Team(
        "TIM-C", trb, unavailable=frozenset(START + dt.timedelta(days=i) for i in range(20))
    )
    p = plan([far, berau, *tasks[:4]], [*teams, away], start=START, days=3, **FAST)
    reasons = {u.site_code: u.reason for u in p.unplanned}
    assert reasons["FAR-1"] == "too_far"
    assert reasons["BRU-1"] == "no_team_available"
    assert "TIM-C" in next(u.detail for u in p.unplanned if u.site_code == "BRU-1")


def test_deterministic_for_a_seed(tasks: list[SiteTask], teams: list[Team]) -> None:
    a = plan(tasks, teams, start=START, days=3, vary=0.2, **FAST)
    b = plan(tasks, teams, start=START, days=3, vary=0.2, **FAST)
    assert a.routes == b.routes


def test_seeds_vary_near_equal_plans(teams: list[Team]) -> None:
    # Equal priorities everywhere: which sites a tight horizon takes is a free choice.
    tasks = [dataclasses.replace(t, priority=50.0) for t in make_tasks(40)]
    kw = {"budget_s": 20.0, "max_iterations": 400}
    plans = [plan(tasks, teams[:1], start=START, days=1, vary=0.3, seed=s, **kw) for s in range(3)]
    chosen = [tuple(v.site_code for v in p.visits) for p in plans]
    assert len(set(chosen)) > 1


class _WrongSize:
    def matrix(
        self, points: Sequence[tuple[float, float]], *, mode: str, keys: Sequence[str] | None = None
    ) -> TravelMatrix:
        n = len(points) - 1
        return TravelMatrix(np.zeros((n, n), dtype=np.int64), np.zeros((n, n), dtype=np.int64))


def test_bad_inputs(tasks: list[SiteTask], teams: list[Team]) -> None:
    cases = [
        ({"teams": []}, "teams"),
        ({"days": 0}, "days"),
        ({"teams": [Team("X", Base("JKT", "Jakarta", 106.8, -6.2))]}, "teams[0].base"),
        ({"teams": [Team("X", SMD, shift=("16:00", "08:00"))]}, "shift"),
        ({"teams": [Team("X", SMD, max_drive_h=0)]}, "teams[0].max_drive_h"),
        ({"sites": [dataclasses.replace(tasks[0], service_min=-10)]}, "service_min"),
        ({"travel": _WrongSize()}, "durations"),
        ({"vary": 1.5}, "vary"),
        ({"sites": [dataclasses.replace(tasks[0], lat=float("nan"))]}, "sites"),
        ({"sites": [dataclasses.replace(tasks[0], window=(dt.time(15), dt.time(9)))]}, "window"),
    ]
    for change, field in cases:
        args = {"sites": tasks[:4], "teams": teams, "days": 2, **change}
        with pytest.raises(PlanningError) as err:
            plan(
                args["sites"],
                args["teams"],
                start=START,
                days=args["days"],
                travel=args.get("travel"),
                vary=args.get("vary", 0.0),
                **FAST,
            )
        assert err.value.field == field, (change, err.value.message)
    all_off = Team("X", SMD, unavailable=frozenset(START + dt.timedelta(days=i) for i in range(10)))
    with pytest.raises(PlanningError, match="no team is available") as err:
        plan(tasks[:3], [all_off], start=START, days=2, **FAST)


def test_frame_input_with_site_windows(teams: list[Team]) -> None:
    import geopandas as gpd
    from shapely import Point, Polygon

    frame = gpd.GeoDataFrame(
        {
            "code": ["W-1", "W-2"],
            "name": ["pit", "river"],
            "status": ["active", "active"],
            "risk_level": ["high", "low"],
            "commodity": ["batubara", "emas"],
            "kabupaten": ["Samarinda", "Samarinda"],
            "last_inspected": [None, None],
            "window_open": [None, "13:00"],
            "window_close": [None, "14:00"],
        },
        geometry=[
            Point(117.10, -0.50),
            Polygon([(117.15, -0.45), (117.152, -0.45), (117.152, -0.448), (117.15, -0.448)]),
        ],
        crs=4326,
    )
    p = plan(frame, teams[:1], start=START, days=1, **FAST)
    visits = {v.site_code: v for v in p.visits}
    assert set(visits) == {"W-1", "W-2"}
    river = visits["W-2"]
    assert dt.time(13, 0) <= river.start.time() <= dt.time(14, 0)
    # A 4.96 ha gold polygon: 45 min + 10 per hectare + 30 for the river approach.
    assert (river.end - river.start) == dt.timedelta(minutes=45 + 50 + 30)
    assert visits["W-1"].end - visits["W-1"].start == dt.timedelta(minutes=60)


def test_plan_values_are_plain_python(tasks: list[SiteTask], teams: list[Team]) -> None:
    # The API serialises plans to JSON: numpy scalars would not survive.
    import json

    p = plan(tasks[:6], teams, start=START, days=1, **FAST)
    v, r = p.visits[0], p.routes[0]
    json.dumps(
        [
            v.travel_min,
            v.travel_km,
            v.priority,
            r.drive_min,
            r.distance_km,
            r.priority,
            p.total_km,
            p.total_priority,
        ]
    )
    assert type(v.travel_min) is float and type(r.distance_km) is float


def test_teams_without_a_zone_take_the_plans(tasks: list[SiteTask]) -> None:
    """The use cases pass ``settings.patrols.timezone``: the province's zone (WIB in Kalteng)."""
    from geo.settings import Settings

    kalteng = Settings(province="62", _env_file=None).patrols.timezone
    assert kalteng == "Asia/Jakarta"
    teams = [Team("TIM-A", SMD), Team("TIM-B", SMD, timezone="Asia/Makassar")]
    p = plan(tasks[:8], teams, start=START, days=1, max_iterations=100, timezone=kalteng)
    zones = {r.team: {f"{r.depart:%Z}", f"{r.back:%Z}"} for r in p.routes if r.visits}
    assert zones == {"TIM-A": {"WIB"}, "TIM-B": {"WITA"}}
    assert {v.start.utcoffset() for v in p.visits if v.team == "TIM-A"} == {dt.timedelta(hours=7)}
    assert [t.timezone for t in p.teams] == ["Asia/Jakarta", "Asia/Makassar"]
    default = plan(tasks[:8], teams[:1], start=START, days=1, max_iterations=100)
    assert {f"{v.start:%Z}" for v in default.visits} == {"WITA"}  # the settings' class default
    with pytest.raises(PlanningError) as err:
        plan(tasks[:8], teams[:1], start=START, days=1, max_iterations=100, timezone="Mars/Base")
    assert err.value.field == "timezone"
