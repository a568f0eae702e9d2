"""A site's card counts its reports as its priority reasons do, and says what the map shows."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point

from geo.i18n import translator
from geo.maps.layers import site_features


def _card(**columns: object) -> dict[str, str]:
    sites = gpd.GeoDataFrame(
        {"code": ["KKR-001"], "name": ["Loa"], "status": ["active"], **columns},
        geometry=[Point(117.0, -0.5)],
        crs=4326,
    )
    feature = site_features(sites, translator("id"), report_counts={"KKR-001": 2})[0]
    return {r[0]: r[1] for r in feature["properties"]["_card"]["rows"]}


def test_the_card_counts_every_report_and_labels_the_points_on_the_map() -> None:
    rows = _card(report_count=[23])
    assert rows["Jumlah laporan"] == "23"
    assert rows["Laporan yang tampil di peta ini"] == "2"


def test_without_a_stored_count_the_card_shows_the_map_points() -> None:
    rows = _card()
    assert rows["Jumlah laporan"] == "2" and "Laporan yang tampil di peta ini" not in rows
