from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geo.errors import ValidationError
from geo.i18n import translator
from geo.maps.layers import (
    STATUS_COLOURS,
    base_features,
    check_base_url,
    hotspot_features,
    report_columns,
    route_features,
    site_features,
)


def test_sites_coloured_by_status_polygons_stay_polygons(sites: gpd.GeoDataFrame) -> None:
    features = site_features(sites, translator("en"))
    assert len(features) == len(sites)
    assert features[0]["geometry"]["type"] == "Polygon"
    assert features[1]["geometry"]["type"] == "Point"
    for feature, status in zip(features, sites["status"], strict=True):
        assert feature["properties"]["_style"]["fillColor"] == STATUS_COLOURS[status]


def test_higher_priority_points_are_larger_and_darker(sites: gpd.GeoDataFrame) -> None:
    styles = [f["properties"]["_style"] for f in site_features(sites, translator("id"))][1:]
    radii = [s["radius"] for s in styles]
    opacity = [s["fillOpacity"] for s in styles]
    assert radii == sorted(radii) and radii[0] < radii[-1]  # priority rises with the index
    assert opacity == sorted(opacity) and opacity[0] < opacity[-1]


def test_site_card_has_reasons_counts_and_api_link(sites: gpd.GeoDataFrame) -> None:
    features = site_features(
        sites, translator("en"), report_counts={"TST-003": 4}, base_url="https://pantau.example/api"
    )
    card = features[3]["properties"]["_card"]
    rows = dict(card["rows"])
    assert card["title"] == "TST-003 Tambang Uji 3"
    assert rows["Reports"] == "4"
    assert rows["Status"] == "Sealed"
    assert rows["Last inspection"] == "May 1, 2026"  # Babel's English date
    assert dict(features[2]["properties"]["_card"]["rows"])["Last inspection"] == "never inspected"
    assert card["reasons"]["items"] == ["3 laporan baru", "lama tidak diperiksa"]
    assert card["link"]["href"] == "https://pantau.example/api/sites/TST-003"


def test_site_card_without_base_url_has_no_link(sites: gpd.GeoDataFrame) -> None:
    assert site_features(sites, translator("id"))[0]["properties"]["_card"]["link"] is None


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x", "data:text/html,x"])
def test_base_url_must_be_http_or_root_relative(url: str) -> None:
    with pytest.raises(ValidationError) as err:
        check_base_url(url)
    assert err.value.field == "base_url"


def test_sites_without_required_columns_are_refused() -> None:
    frame = gpd.GeoDataFrame({"code": ["A"]}, geometry=[Point(117, 0)], crs=4326)
    with pytest.raises(ValidationError, match="name"):
        site_features(frame, translator("id"))


def test_hotspots_show_hull_and_count(hotspots: gpd.GeoDataFrame) -> None:
    features = hotspot_features(hotspots, translator("id"))
    assert [f["geometry"]["type"] for f in features] == ["Polygon", "Polygon"]
    assert features[0]["properties"]["_tip"] == "Hotspot 7: 12 laporan"


def test_bases(bases: gpd.GeoDataFrame) -> None:
    features = base_features(bases, translator("en"))
    assert [f["properties"]["_tip"] for f in features] == [
        "Team base: Kantor Dinas ESDM Kaltim",
        "Team base: Pos Tenggarong",
    ]


def test_routes_one_layer_per_team_days_dashed_differently(routes: gpd.GeoDataFrame) -> None:
    by_team = route_features(routes, translator("id"))
    assert {k: len(v) for k, v in by_team.items()} == {"A": 2, "B": 1}
    day1, day2 = (f["properties"]["_style"] for f in by_team["A"])
    assert day1.get("dashArray") != day2.get("dashArray")
    assert (
        by_team["A"][0]["properties"]["_style"]["color"]
        != by_team["B"][0]["properties"]["_style"]["color"]
    )


def test_report_columns_keep_text_as_data(reports: gpd.GeoDataFrame) -> None:
    data, fields = report_columns(reports, translator("id"), aggregated=False)
    assert len(data["lat"]) == len(reports)
    assert data["text"][0].startswith("<script>")  # escaped by JSON and drawn as text
    assert {f["key"] for f in fields} >= {"day", "channel", "site_code", "text"}
    assert "reporter_name" not in data and "count" not in data
