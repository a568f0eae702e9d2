"""GSHHG/WDBII layers through Debian's GMT: land and sea where they are, rivers, the border."""

from __future__ import annotations

import pytest
from shapely.geometry import Point, box

from geo.basemap import gshhg

pytestmark = pytest.mark.skipif(
    not gshhg.available(), reason="needs Debian's gmt and gmt-gshhg-high (scripts/setup-system)"
)

#: Balikpapan Bay and the Mahakam delta: land, sea and rivers in one small box.
DELTA = (116.5, -1.5, 117.8, -0.3)


def test_segments_are_split_by_level() -> None:
    text = "> Shore Bin # 1, Level 1\n1 2\n3 4\n> Shore Bin # 1, Level 2\n5 6\n7 8\n9 10\n"
    assert [len(g.coords) for g in gshhg.parse_segments(text)] == [2, 3]
    assert [len(g.coords) for g in gshhg.parse_segments(text, level=1)] == [2]


def test_land_and_sea_are_where_they_are() -> None:
    layers = gshhg.coast_layers(DELTA)
    land = layers["land"].union_all()
    assert land.contains(Point(116.9, -0.6))  # Loa Janan, inland
    assert not land.contains(Point(117.7, -1.2))  # Makassar Strait
    share = land.intersection(box(*DELTA)).area / box(*DELTA).area
    assert 0.3 < share < 0.9, share
    # Land reaches past the box (the Borneo interior west of it is land, not sea); rivers stay
    # inside it; every layer credits GSHHG.
    assert land.contains(Point(DELTA[0] - 1.0, -0.6))
    assert layers["rivers"].total_bounds[0] >= DELTA[0] - 1e-9
    for key, frame in layers.items():
        if len(frame):
            assert set(frame["source"]) == {gshhg.ATTRIBUTION}, key


def test_the_mahakam_and_the_border_are_drawn() -> None:
    layers = gshhg.coast_layers((113.5, -3.0, 119.5, 2.8))
    rivers = layers["rivers"].union_all()
    # The Mahakam passes Samarinda and Tenggarong: a river within 5 km of both.
    for town in (Point(117.15, -0.50), Point(116.99, -0.42)):
        assert rivers.distance(town) < 0.05, town
    border = layers["boundaries"]
    assert len(border) and set(border["admin_level"]) == {2}
    # The Indonesia-Malaysia border runs in the north-west of the province.
    assert border.total_bounds[1] > 0.5 and border.total_bounds[0] < 115.5
