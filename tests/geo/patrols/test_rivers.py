"""River legs: durations from the shortest path on the river graph, not a straight line."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.errors import PlanningError
from geo.patrols.rivers import RiverNetwork, RiverTravel, load_rivers
from geo.patrols.travel import HaversineTravel, haversine_m

DATA = Path(__file__).resolve().parents[3] / "data"

# A main river running north with a tributary going east from its middle, and a useless
# side branch west; launches at the main river's mouth and on the tributary.
MOUTH, FORK, SOURCE = (116.0, 0.0), (116.0, 0.5), (116.0, 1.0)
EAST, WEST = (116.5, 0.5), (115.6, 0.5)
FEATURES = [
    {"kind": "river", "name": "Main", "coords": [MOUTH, FORK, SOURCE]},
    {"kind": "river", "name": "Tributary", "coords": [FORK, EAST]},
    {"kind": "river", "name": "Side", "coords": [FORK, WEST]},
    {"kind": "launch", "code": "L-MOUTH", "name": "Mouth", "coords": [MOUTH]},
    {"kind": "launch", "code": "L-EAST", "name": "East", "coords": [EAST]},
]


def test_river_leg_is_the_graph_shortest_path() -> None:
    road = HaversineTravel(speeds_kmh={"car": 40.0}, detour=3.0)
    travel = RiverTravel(RiverNetwork.from_features(FEATURES), road, river_kmh=30, transfer_min=15)
    base, site = (116.0, -0.05), (116.55, 0.5)
    mixed = travel.mixed([base, site], mode="car")
    # By hand: road to the mouth launch, boat up to the fork and east, road to the site.
    road_s = lambda a, b: haversine_m(a, b) * 3.0 / (40 / 3.6)  # noqa: E731
    river_m = haversine_m(MOUTH, FORK) + haversine_m(FORK, EAST)
    expected = road_s(base, MOUTH) + river_m / (30 / 3.6) + 15 * 60 + road_s(EAST, site)
    assert mixed.travel.durations_s[0, 1] == pytest.approx(expected, abs=1)
    assert mixed.boat_s[0, 1] == pytest.approx(river_m / (30 / 3.6) + 900, abs=1)
    assert expected < road_s(base, site)  # the straight road would be slower
    assert tuple(mixed.via[0, 1]) == (0, 1)
    assert travel.leg_path((0, 1)) == [MOUTH, MOUTH, FORK, EAST, EAST]


def test_road_wins_when_faster() -> None:
    road = HaversineTravel(speeds_kmh={"car": 40.0}, detour=1.0)
    travel = RiverTravel(RiverNetwork.from_features(FEATURES), road, river_kmh=5, transfer_min=60)
    mixed = travel.mixed([(116.0, -0.05), (116.55, 0.5)], mode="car")
    straight = road.matrix([(116.0, -0.05), (116.55, 0.5)], mode="car")
    assert mixed.travel.durations_s[0, 1] == straight.durations_s[0, 1]
    assert mixed.boat_s[0, 1] == 0 and tuple(mixed.via[0, 1]) == (-1, -1)


def test_network_needs_launches() -> None:
    with pytest.raises(PlanningError) as bad:
        RiverNetwork.from_features(FEATURES[:3])
    assert bad.value.field == "rivers"


def test_demo_rivers_take_the_boat_upriver() -> None:
    net = load_rivers(DATA / "demo_rivers.geojson")
    assert net.approximate
    codes = [x.code for x in net.launches]
    melak, long_bagun = (115.83, -0.235), (115.14, 0.60)
    travel = RiverTravel(net, HaversineTravel(detour=1.6), river_kmh=35, transfer_min=20)
    mixed = travel.mixed([melak, long_bagun], mode="car")
    assert mixed.boat_s[0, 1] > 0
    i, j = mixed.via[0, 1]
    assert (codes[i], codes[j]) == ("L-MLK", "L-LBG")


def test_roadless_area_is_reached_only_by_boat() -> None:
    hinterland = [(116.3, 0.3), (116.7, 0.3), (116.7, 0.7), (116.3, 0.7), (116.3, 0.3)]
    net = RiverNetwork.from_features([*FEATURES, {"kind": "roadless", "coords": hinterland}])
    road = HaversineTravel(speeds_kmh={"car": 40.0}, detour=1.0)
    travel = RiverTravel(net, road, river_kmh=5, transfer_min=60)  # a slow boat
    base, site = (116.0, -0.05), (116.55, 0.5)
    mixed = travel.mixed([base, site], mode="car")
    # Without the area the road wins (test above); with it the slow boat is the only way.
    assert tuple(mixed.via[0, 1]) == (0, 1) and mixed.boat_s[0, 1] > 0
    river_m = haversine_m(MOUTH, FORK) + haversine_m(FORK, EAST)
    assert mixed.boat_s[0, 1] == pytest.approx(river_m / (5 / 3.6) + 3600, abs=1)
    lonely = RiverNetwork.from_features(
        [
            *FEATURES[:3],
            FEATURES[3],
            {"kind": "launch", "code": "L-W", "coords": [WEST]},
            {"kind": "roadless", "coords": hinterland},
        ]
    )
    with pytest.raises(PlanningError) as bad:
        RiverTravel(lonely, road).mixed([base, site], mode="car")
    assert bad.value.field == "rivers"
