from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.errors import ValidationError
from geo.maps.privacy import MAP_REPORT_COLUMNS, aggregate_reports, map_reports


def test_map_reports_drop_rahasia_and_identity(reports: gpd.GeoDataFrame) -> None:
    out = map_reports(reports)
    assert len(out) == (reports["confidentiality"] == "anonim").sum()
    assert set(out.columns) <= set(MAP_REPORT_COLUMNS) | {"geometry"}
    assert not {"reporter_name", "reporter_phone", "reporter_hash", "confidentiality"} & set(
        out.columns
    )
    rahasia = set(reports.loc[reports["confidentiality"] == "rahasia", "code"])
    assert not rahasia & set(out["code"])


def test_missing_confidentiality_is_refused(reports: gpd.GeoDataFrame) -> None:
    with pytest.raises(ValidationError) as err:
        map_reports(reports.drop(columns="confidentiality"))
    assert err.value.field == "confidentiality"


def test_blank_confidentiality_counts_as_rahasia(reports: gpd.GeoDataFrame) -> None:
    frame = reports.copy()
    frame["confidentiality"] = None
    assert map_reports(frame).empty


def test_aggregate_counts_per_site_hotspot_and_cell(
    reports: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, hotspots: gpd.GeoDataFrame
) -> None:
    visible = map_reports(reports, share=True)
    out = aggregate_reports(visible, sites=sites, hotspots=hotspots)
    assert out["count"].sum() == len(visible)
    assert list(out.columns) == ["count", "received_at", "geometry"]

    # Points are site or hotspot anchors or grid-cell centres, never a report's own location.
    def key(p: Point) -> tuple[float, float]:
        return (round(p.x, 6), round(p.y, 6))

    anchors = {key(p) for p in sites.geometry.representative_point()}
    anchors |= {key(p) for p in hotspots.geometry.representative_point()}
    exact = {key(p) for p in visible.geometry} - anchors
    assert not exact & {key(p) for p in out.geometry}
    assert len(out) < len(visible)


def test_unmatched_reports_fall_into_grid_cells() -> None:
    frame = gpd.GeoDataFrame(
        {"received_at": pd.to_datetime(["2026-03-01", "2026-03-02", "2026-03-03"], utc=True)},
        geometry=[Point(117.0001, -0.5), Point(117.0002, -0.5001), Point(117.5, -0.9)],
        crs=4326,
    )
    out = aggregate_reports(frame, cell_m=2000)
    assert sorted(out["count"]) == [1, 2]
