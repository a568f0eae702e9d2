import geopandas as gpd
import pytest
from shapely import Point

from geo.errors import PlanningError
from geo.patrols.store import default_teams


def _frame(rows: list[tuple[str, float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": [r[0] for r in rows], "name": [r[0] for r in rows]},
        geometry=[Point(r[1], r[2]) for r in rows],
        crs=4326,
    )


def test_default_teams_cover_distinct_areas() -> None:
    bases = _frame([("SMD", 117.13, -0.48), ("TGR", 116.99, -0.42), ("TRB", 117.49, 2.15)])
    near = [(f"S{i}", 117.05 + 0.01 * i, -0.45) for i in range(10)]
    far = [(f"B{i}", 117.45 + 0.01 * i, 2.10) for i in range(3)]
    sites = _frame(near + far)
    teams = default_teams(bases, 2, sites=sites)
    # The Samarinda and Tenggarong bases reach the same ten sites; Berau adds three more.
    assert {teams[0].base.code, teams[1].base.code} in ({"SMD", "TRB"}, {"TGR", "TRB"})
    assert teams[0].base.code != "TRB"  # the base covering the most sites comes first
    assert [t.code for t in default_teams(bases, 4, sites=sites)] == [
        "TIM-1",
        "TIM-2",
        "TIM-3",
        "TIM-4",
    ]


def test_default_teams_bad_count_and_no_bases() -> None:
    bases = _frame([("SMD", 117.13, -0.48)])
    with pytest.raises(PlanningError) as err:
        default_teams(bases, 0)
    assert err.value.field == "teams"
    with pytest.raises(PlanningError, match="no field team bases"):
        default_teams(bases.iloc[0:0], 2)
