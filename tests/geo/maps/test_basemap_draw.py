"""How the base map gets into a map page: sources, rounding, attribution, raster tiles."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon

from geo.basemap import gshhg
from geo.basemap.layers import write_base
from geo.maps import MapOptions, build_map
from geo.maps.assets import remote_references
from geo.maps.basemap import base_layers, raster_basemap
from geo.maps.build import map_info
from tests.geo.maps.conftest import map_settings


def _base_file(path: Path) -> Path:
    land = Polygon([(116.0, -1.5), (118.0, -1.5), (118.0, 0.5), (116.0, 0.5)])
    layers = {
        "land": gpd.GeoDataFrame({"source": ["Uji"]}, geometry=[land], crs=4326),
        "roads": gpd.GeoDataFrame(
            {"class": ["primary"], "name": ["Jalan Poros"], "secret": ["x"], "source": ["Uji"]},
            geometry=[LineString([(117.1234567, -0.5), (117.3, -0.4)])],
            crs=4326,
        ),
        "boundaries": gpd.GeoDataFrame(
            {"admin_level": [5], "approximate": [True], "source": ["Uji"]},
            geometry=[LineString([(117.0, -1.0), (117.0, 0.0)])],
            crs=4326,
        ),
        "places": gpd.GeoDataFrame(
            {"name": ["Samarinda"], "rank": [1], "source": ["Uji"]},
            geometry=[Point(117.15, -0.5)],
            crs=4326,
        ),
    }
    write_base(layers, path)
    return path


def _base_json(html: str) -> dict[str, object]:
    found = re.search(r"\}\)\(\w+, (\{\"layers\".*\})\);\n", html)
    assert found, "base map data not in the page"
    data: dict[str, object] = json.loads(found.group(1))
    return data


def test_a_configured_geopackage_is_drawn_under_the_data(tmp_path: Path) -> None:
    settings = map_settings().model_copy(update={"basemap": _base_file(tmp_path / "b.gpkg")})
    sites = gpd.GeoDataFrame(
        {"code": ["A"], "name": ["a"], "status": ["active"]}, geometry=[Point(117, -0.5)], crs=4326
    )
    m = build_map(sites=sites, options=MapOptions(offline=True, lang="id"), settings=settings)
    assert map_info(m).base
    html = m.get_root().render()
    assert remote_references(html) == []
    data = _base_json(html)
    layers = data["layers"]
    assert isinstance(layers, dict)
    road = layers["roads"]["features"][0]
    # Only the drawn properties reach the page, coordinates rounded to 4 decimals.
    assert road["properties"] == {"class": "primary", "name": "Jalan Poros"}
    assert road["geometry"]["coordinates"][0] == [117.1235, -0.5]
    assert layers["boundaries"]["features"][0]["properties"]["approximate"] is True
    # Sources credited, and the approximate boundaries said so, in the map's language.
    assert "Peta dasar: Uji" in str(data["attribution"])
    assert "perkiraan" in str(data["attribution"])
    assert "Batas kabupaten/kota (perkiraan, demo)" in html  # in the legend too
    # The base pane sits beneath Leaflet's overlay pane (400), where the data are drawn.
    assert '["pantauBase", 250]' in html


def test_tiles_replace_the_vector_base(tmp_path: Path) -> None:
    settings = map_settings().model_copy(update={"basemap": _base_file(tmp_path / "b.gpkg")})
    sites = gpd.GeoDataFrame(
        {"code": ["A"], "name": ["a"], "status": ["active"]}, geometry=[Point(117, -0.5)], crs=4326
    )
    options = MapOptions(offline=True, tiles="ubin/{z}/{x}/{y}.png")
    assert not map_info(build_map(sites=sites, options=options, settings=settings)).base


def test_raster_mbtiles_are_told_from_vector_ones(tmp_path: Path) -> None:
    def mbtiles(name: str, fmt: str) -> Path:
        path = tmp_path / name
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE metadata (name, value)")
            db.execute("INSERT INTO metadata VALUES ('format', ?)", (fmt,))
        return path

    raster = map_settings().model_copy(update={"basemap": mbtiles("r.mbtiles", "png")})
    vector = map_settings().model_copy(update={"basemap": mbtiles("v.mbtiles", "pbf")})
    assert raster_basemap(raster) == tmp_path / "r.mbtiles"
    assert base_layers(raster) is None  # drawn as tiles by the use cases
    assert raster_basemap(vector) is None


def test_no_base_when_switched_off() -> None:
    settings = map_settings().model_copy(update={"basemap": None, "demo_basemap": False})
    assert base_layers(settings) is None


@pytest.mark.skipif(not gshhg.available(), reason="needs Debian's gmt and gmt-gshhg-high")
def test_demo_base_keeps_the_offline_page_small() -> None:
    settings = map_settings().model_copy(update={"basemap": None, "demo_basemap": True})
    sites = gpd.GeoDataFrame(
        {"code": ["A"], "name": ["a"], "status": ["active"]}, geometry=[Point(117, -0.5)], crs=4326
    )
    m = build_map(sites=sites, options=MapOptions(offline=True), settings=settings)
    html = m.get_root().render()
    data = _base_json(html)
    layers = data["layers"]
    assert isinstance(layers, dict)
    assert {"land", "coastline", "rivers", "boundaries", "places"} <= set(layers)
    # The base adds well under 1 MB to the page (the budget of 10^5 reports is 15 MB).
    assert len(json.dumps(data)) < 1_000_000
