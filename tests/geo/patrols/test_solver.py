import numpy as np
import pytest

from geo.errors import PlanningError
from geo.patrols.solver import Client, Vehicle, solve

# A line of clients 10 s apart from a depot at 0: 0 -- c0 -- c1 -- c2 -- c3
POS = np.array([0, 10, 20, 30, 40])
LINE = np.abs(POS[:, None] - POS[None, :])


def test_collects_all_when_time_allows() -> None:
    clients = [Client(prize=1000, service=5) for _ in range(4)]
    r = solve(LINE, clients, [Vehicle(0, 0, 0, 200)], num_depots=1, budget_s=1, max_iterations=200)
    assert r.unvisited == ()
    assert r.prize == 4000
    assert r.drive_s == 80
    (route,) = r.routes
    assert route.back - route.depart == 80 + 4 * 5


def test_shift_length_drops_the_farthest() -> None:
    clients = [Client(prize=1000, service=5) for _ in range(4)]
    # 70 s of shift: out to c2 and back (60) + 2 services... only c0, c1 fit with c2 costing 70.
    r = solve(LINE, clients, [Vehicle(0, 0, 0, 70)], num_depots=1, budget_s=1, max_iterations=300)
    for route in r.routes:
        assert route.back - route.depart <= 70
    assert set(r.unvisited) >= {3}


def test_time_windows_are_kept() -> None:
    clients = [
        Client(1000, 0, 0, 1000),
        Client(1000, 0, 100, 120),
        Client(1000, 0, 0, 15),
        Client(1000, 0, 0, 1000),
    ]
    r = solve(LINE, clients, [Vehicle(0, 0, 0, 1000)], num_depots=1, budget_s=1, max_iterations=300)
    for route in r.routes:
        for s in route.stops:
            assert clients[s.client].tw_early <= s.start <= clients[s.client].tw_late
            assert s.start >= s.arrival


def test_driving_limit_is_kept() -> None:
    clients = [Client(prize=1000) for _ in range(4)]
    r = solve(
        LINE,
        clients,
        [Vehicle(0, 0, 0, 10_000, max_drive=45)],
        num_depots=1,
        budget_s=1,
        max_iterations=300,
    )
    assert all(route.drive_s <= 45 for route in r.routes)
    assert 3 in r.unvisited  # c3 needs 80 s of driving


def test_prize_decides_who_is_dropped() -> None:
    clients = [Client(10_000, 30), Client(10_000, 30), Client(50_000, 30), Client(10_000, 30)]
    r = solve(LINE, clients, [Vehicle(0, 0, 0, 100)], num_depots=1, budget_s=1, max_iterations=300)
    assert 2 not in r.unvisited


def test_two_depots_each_vehicle_returns_home() -> None:
    pos = np.array([0, 100, 5, 95, 10, 90])  # depots at 0 and 100, clients near each
    d = np.abs(pos[:, None] - pos[None, :])
    clients = [Client(1000, 1) for _ in range(4)]
    r = solve(
        d,
        clients,
        [Vehicle(0, 0, 0, 40), Vehicle(1, 1, 0, 40)],
        num_depots=2,
        distances=d * 100,
        budget_s=1,
        max_iterations=300,
    )
    assert r.unvisited == ()
    homes = {route.vehicle: {s.client for s in route.stops} for route in r.routes}
    assert homes == {0: {0, 2}, 1: {1, 3}}
    assert all(route.distance_m == route.drive_s * 100 for route in r.routes)


def test_identical_vehicles_richest_route_first() -> None:
    pos = np.array([0, 30, -30])
    d = np.abs(pos[:, None] - pos[None, :])
    clients = [Client(1000, 0), Client(5000, 0)]
    r = solve(
        d,
        clients,
        [Vehicle(0, 0, 0, 60), Vehicle(0, 0, 0, 60)],
        num_depots=1,
        budget_s=1,
        max_iterations=200,
    )
    assert [[s.client for s in route.stops] for route in r.routes] == [[1], [0]]


def test_same_seed_same_result() -> None:
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 1000, size=(31, 2))
    d = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    clients = [Client(int(p), 20) for p in rng.integers(100, 3000, size=30)]
    vehicles = [Vehicle(0, 0, 0, 2500), Vehicle(0, 0, 0, 2500)]
    runs = [
        solve(d, clients, vehicles, num_depots=1, budget_s=30, max_iterations=400, seed=7)
        for _ in range(2)
    ]
    assert runs[0].routes == runs[1].routes


def test_profiles_use_their_own_matrix() -> None:
    slow = LINE * 3
    clients = [Client(1000) for _ in range(4)]
    r = solve(
        np.stack([LINE, slow]),
        clients,
        [Vehicle(0, 0, 0, 100, profile=1)],
        num_depots=1,
        budget_s=1,
        max_iterations=200,
    )
    assert r.drive_s <= 100
    assert r.drive_s % 3 == 0 and len(r.unvisited) >= 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"vehicles": []}, "vehicles"),
        ({"durations": LINE[:4, :4]}, "durations"),
        ({"durations": -LINE}, "durations"),
        ({"clients": [Client(10, -5)] * 4}, "service"),
        ({"vehicles": [Vehicle(0, 0, 100, 50)]}, "shift"),
        ({"budget_s": 0}, "budget"),
        ({"distances": np.full((5, 5), np.nan)}, "distances"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {
        "durations": LINE,
        "clients": [Client(10)] * 4,
        "vehicles": [Vehicle(0, 0, 0, 100)],
        "budget_s": 1.0,
    }
    args.update(kwargs)
    with pytest.raises(PlanningError) as err:
        solve(
            args["durations"],
            args["clients"],
            args["vehicles"],  # type: ignore[arg-type]
            num_depots=1,
            budget_s=args["budget_s"],  # type: ignore[arg-type]
            distances=args.get("distances"),
            max_iterations=10,
        )  # type: ignore[arg-type]
    assert err.value.field == field
