"""The field sheet's daily map: the base map under the route, or the sketch when there is none.

The PDF's day page is rendered by poppler's ``pdftoppm`` and the map found on it by the base
map's land and sea colours. A day by the Mahakam delta must show land and sea and lines and
labels over them, so no one colour may cover most of the map (measured: the land colour
about 0.6); a plain sketch is white paper with lines (one colour covers about 0.97).
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from geo.basemap import gshhg
from geo.patrols import Base, Plan, SiteTask, Team, plan
from geo.patrols.daymap import LAND, SEA, day_map, load_base, route_bbox
from geo.patrols.fieldsheet import to_pdf
from geo.settings import MapSettings
from tests.geo.maps.test_basemap import flat_share

SMD = Base("SMD", "Samarinda", 117.1328, -0.4786)
START = dt.date(2026, 12, 1)
#: With the base map no colour covers more of the day's map than this (measured about 0.6).
MAX_FLAT = 0.8
needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler")
needs_gmt = pytest.mark.skipif(not gshhg.available(), reason="needs Debian's gmt-gshhg-high")


@pytest.fixture(scope="module")
def delta_plan() -> Plan:
    """One day from Samarinda to three sites towards the Mahakam delta and the sea."""
    sites = [
        SiteTask(f"D-{i}", f"Delta {i}", lon, lat, priority=50.0, service_min=45)
        for i, (lon, lat) in enumerate([(117.30, -0.45), (117.42, -0.36), (117.36, -0.62)])
    ]
    team = Team("TIM-1", SMD)
    return plan(sites, [team], start=START, days=1, budget_s=2, max_iterations=300)


def _rgb(colour: str) -> np.ndarray:  # type: ignore[type-arg]
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])


def _day_page(pdf: Path, heading: str) -> tuple[np.ndarray, str]:  # type: ignore[type-arg]
    """Return the first day page of ``pdf`` rendered at 60 dpi, and its text."""
    reader = PdfReader(pdf)
    number = next(i for i, p in enumerate(reader.pages, 1) if heading in p.extract_text())
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "60",
                "-f",
                str(number),
                "-l",
                str(number),
                "-png",
                str(pdf),
                f"{tmp}/page",
            ],
            check=True,
            capture_output=True,
        )
        (png,) = Path(tmp).glob("page*.png")
        image = np.asarray(Image.open(png).convert("RGB")).astype(int)
    return image, reader.pages[number - 1].extract_text()


def _base_pixels(image: np.ndarray) -> np.ndarray:  # type: ignore[type-arg]
    land = np.all(np.abs(image - _rgb(LAND)) <= 6, axis=2)
    sea = np.all(np.abs(image - _rgb(SEA)) <= 6, axis=2)
    return land | sea  # type: ignore[no-any-return]


@needs_poppler
@needs_gmt
@pytest.mark.slow
def test_day_page_shows_the_base_map(delta_plan: Plan, tmp_path: Path) -> None:
    pdf = to_pdf(delta_plan, tmp_path / "sheet.pdf", lang="en", maps=MapSettings())
    image, text = _day_page(pdf, "Patrol Field Sheet")
    base = _base_pixels(image)
    ys, xs = np.nonzero(base)
    assert len(ys) > 0.1 * base.size  # the map is a good part of the page
    crop = image[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.uint8)
    sea = np.all(np.abs(crop.astype(int) - _rgb(SEA)) <= 6, axis=2).mean()
    land = np.all(np.abs(crop.astype(int) - _rgb(LAND)) <= 6, axis=2).mean()
    assert sea > 0.05 and land > 0.2, (sea, land)
    assert flat_share(Image.fromarray(crop)) < MAX_FLAT
    assert "GSHHG" in text and "Arrival times in WITA" in text
    assert "No base map available" not in text


@needs_poppler
def test_without_a_base_the_sheet_says_it_draws_a_sketch(delta_plan: Plan, tmp_path: Path) -> None:
    pdf = to_pdf(delta_plan, tmp_path / "sheet.pdf", maps=MapSettings(demo_basemap=False))
    image, text = _day_page(pdf, "Lembar Kerja Patroli")
    assert not _base_pixels(image).any()
    assert "Tidak ada peta dasar" in " ".join(text.split())


def test_day_map_draws_every_layer_and_the_stops(delta_plan: Plan) -> None:
    import geopandas as gpd
    from reportlab.graphics.shapes import Circle, PolyLine, String
    from reportlab.graphics.shapes import Path as Shape
    from shapely.geometry import LineString, Point, Polygon

    from geo.i18n import translator

    day = delta_plan.routes[0]
    x0, y0, x1, y1 = route_bbox([day]) or (0, 0, 0, 0)
    base = {
        "land": gpd.GeoDataFrame(
            {"source": ["Uji"]}, geometry=[Polygon([(x0, y0), (x1, y0), (x1, y1)])], crs=4326
        ),
        "roads": gpd.GeoDataFrame(
            {"class": ["primary"]}, geometry=[LineString([(x0, y0), (x1, y1)])], crs=4326
        ),
        "places": gpd.GeoDataFrame(
            {"name": ["Anggana"], "rank": [2]}, geometry=[Point(117.25, -0.55)], crs=4326
        ),
    }
    shapes = day_map(day, base, translator("id")).contents
    texts = [s.text for s in shapes if isinstance(s, String)]
    assert any(isinstance(s, Shape) for s in shapes)  # the land polygon
    assert len([s for s in shapes if isinstance(s, PolyLine)]) >= 2  # road and route
    assert "Anggana" in texts and "Waktu tiba dalam WITA" in texts
    assert any(t.startswith("Peta dasar: Uji") for t in texts)
    stops = [t for t in texts if " · " in t and t[0].isdigit()]
    assert stops == [f"{v.seq} · {v.arrival:%H:%M}" for v in day.visits]
    assert len([s for s in shapes if isinstance(s, Circle)]) >= len(day.visits) + 1


def test_load_base_is_none_without_a_vector_base(tmp_path: Path) -> None:
    box = (117.0, -1.0, 117.5, -0.4)
    assert load_base(MapSettings(demo_basemap=False), box) is None
    assert load_base(MapSettings(basemap=tmp_path, demo_basemap=False), box) is None  # tiles
    missing = MapSettings(basemap=tmp_path / "none.gpkg", demo_basemap=False)
    assert load_base(missing, box) is None
