"""The base map in every output, seen by headless Chromium with the network cut.

A map without a base is one flat colour with dots and boxes: measured on the same map drawn
without a base, the most common colour covers 87 % of the browser's view, 93 % of the PNG and
78 % of the PDF's first page (its white margins are a second colour). With the base, land (the
largest part), sea, lakes, rivers, boundaries and labels share the picture: the land colour
covers 52-62 %. No single colour
may cover more than :data:`MAX_FLAT` of the picture with the base, and at least
:data:`MIN_FLAT_WITHOUT_BASE` without it, so the measure is shown to tell the two apart.
This module launches Chromium itself (through ``export``), so it does not use the shared
``browser`` fixture.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from PIL import Image
from sqlalchemy import Engine

from geo.basemap import gshhg
from geo.maps import MapOptions, build_map
from geo.maps.briefing import export
from geo.maps.browser import chromium, open_map
from geo.maps.build import map_info
from tests.geo.maps.conftest import map_settings

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not gshhg.available(), reason="needs Debian's gmt and gmt-gshhg-high"),
]

SITES = Path(__file__).resolve().parents[3] / "data" / "sites.geojson"
#: Largest share of the picture one colour may cover when the base map is drawn (measured:
#: 0.52-0.62 at the province view).
MAX_FLAT = 0.7
#: Without a base the flat background covers at least this share (measured: 0.78-0.93).
MIN_FLAT_WITHOUT_BASE = 0.75


def flat_share(image: bytes | Image.Image) -> float:
    """Share of the pixels of the most common colour (channels rounded to 16 levels)."""
    img = image if isinstance(image, Image.Image) else Image.open(io.BytesIO(image))
    pixels = np.asarray(img.convert("RGB"), dtype=np.uint8).reshape(-1, 3) >> 4
    _, counts = np.unique(pixels, axis=0, return_counts=True)
    return float(counts.max()) / len(pixels)


def pdf_first_page(pdf: Path) -> Image.Image:
    """The map on the PDF's first page: its largest picture, as poppler's ``pdfimages`` extracts
    it (Debian ``poppler-utils``).

    The briefing's first page also holds figures and tables on white paper; measured whole, the
    paper's white dominates with or without a base map, so the map itself is measured.
    """
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["pdfimages", "-png", "-f", "1", "-l", "1", str(pdf), f"{tmp}/img"],
            capture_output=True,
            check=True,
        )
        pictures = [Image.open(p) for p in sorted(Path(tmp).glob("img-*.png"))]
        assert pictures, f"no picture on the first page of {pdf}"
        largest = max(pictures, key=lambda img: img.width * img.height)
        largest.load()
        return largest.convert("RGB")


def _draw(base: bool, out: Path) -> tuple[Path, Path, Path]:
    sites = gpd.read_file(SITES)
    settings = map_settings().model_copy(update={"basemap": None, "demo_basemap": base})
    m = build_map(sites=sites, options=MapOptions(offline=True, demo=True), settings=settings)
    assert map_info(m).base is base
    html, png, pdf = out / "peta.html", out / "peta.png", out / "briefing.pdf"
    result = export(m, html_path=html, png=png, pdf=pdf, settings=settings)
    assert result.console_errors == []
    return html, png, pdf


def _browser_view(html: Path) -> tuple[float, dict[str, object]]:
    with chromium(settings=map_settings()) as browser, open_map(browser, html) as page:
        assert page.errors == [] and page.blocked == [] and page.failed == []
        share = flat_share(page.page.screenshot(type="png"))
        facts = page.evaluate(
            """() => ({labels: document.querySelectorAll('.pantau-place').length,
                       attribution: document.querySelector('.leaflet-control-attribution')
                         .innerText})"""
        )
        page.page.emulate_media(media="print")
        facts["printed"] = page.evaluate(
            """() => Array.from(document.querySelectorAll('.leaflet-control'))
                 .filter((el) => getComputedStyle(el).display !== 'none')
                 .map((el) => el.className.split(' ').filter((c) => c !== 'leaflet-control')[0])
                 .sort()"""
        )
    return share, facts


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")
def test_offline_map_png_and_pdf_show_the_base_map(tmp_path: Path) -> None:
    (tmp_path / "flat").mkdir()
    (tmp_path / "base").mkdir()
    flat = _draw(False, tmp_path / "flat")
    base = _draw(True, tmp_path / "base")

    flat_view, _ = _browser_view(flat[0])
    base_view, facts = _browser_view(base[0])
    shares = {
        "browser": (flat_view, base_view),
        "png": (flat_share(flat[1].read_bytes()), flat_share(base[1].read_bytes())),
        "pdf": (flat_share(pdf_first_page(flat[2])), flat_share(pdf_first_page(base[2]))),
    }
    for output, (without, with_base) in shares.items():
        assert without > MIN_FLAT_WITHOUT_BASE, (output, shares)
        assert with_base < MAX_FLAT, (output, shares)
    # Regency seats are labelled and the sources are credited on the map itself.
    assert isinstance(facts["labels"], int) and facts["labels"] >= 10
    assert "GSHHG" in str(facts["attribution"])
    # Printed (as the briefing is): title, legend, scale and attribution; no control.
    printed = facts["printed"]
    assert isinstance(printed, list)
    assert set(printed) <= {"pantau-box", "leaflet-control-scale", "leaflet-control-attribution"}
    assert printed.count("pantau-box") == 2 and "leaflet-control-scale" in printed


def _solid_tiles(folder: Path, colour: tuple[int, int, int]) -> None:
    """Write solid-colour PNG tiles over East Kalimantan for zoom 4 to 9."""
    import math

    tile = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(tile, format="PNG")
    for z in range(4, 10):
        n = 1 << z

        def x_of(lon: float, n: int = n) -> int:
            return int((lon + 180) / 360 * n)

        def y_of(lat: float, n: int = n) -> int:
            rad = math.radians(lat)
            return int((1 - math.asinh(math.tan(rad)) / math.pi) / 2 * n)

        for x in range(x_of(111.0), x_of(122.0) + 1):
            for y in range(y_of(5.0), y_of(-5.0) + 1):
                path = folder / str(z) / str(x) / f"{y}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(tile.getvalue())


def _share_of(image: Image.Image, colour: tuple[int, int, int]) -> float:
    pixels = np.asarray(image.convert("RGB"), dtype=np.int16).reshape(-1, 3)
    near = (np.abs(pixels - np.array(colour)) <= 12).all(axis=1)
    return float(near.mean())


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")
def test_local_tiles_reach_the_png_and_pdf(map_engine: Engine, tmp_path: Path) -> None:
    """``pantau map --tiles folder`` used to lose the relative tile path in the briefing."""
    from geo.maps import service
    from geo.maps.tiles import tile_template
    from geo.settings import Settings

    magenta = (230, 0, 200)
    out = tmp_path / "peta.html"
    _solid_tiles(tmp_path / "ubin", magenta)
    tiles = tile_template(tmp_path / "ubin", html_path=out)
    assert tiles == "ubin/{z}/{x}/{y}.png"  # relative to the page, as the user's folder moves
    settings = Settings(
        database={"url": map_engine.url.render_as_string(hide_password=False)},
        maps=map_settings().model_copy(update={"demo_basemap": False}),
    )
    files = service.map_files(
        settings=settings,
        engine=map_engine,
        options=MapOptions(offline=True, tiles=tiles, layers=["sites"]),
        out=out,
        png=tmp_path / "peta.png",
        pdf=tmp_path / "briefing.pdf",
    )
    assert files.png is not None and files.pdf is not None
    assert _share_of(Image.open(files.png), magenta) > 0.5
    assert _share_of(pdf_first_page(files.pdf), magenta) > 0.3
