"""Offline base maps: a user's tile folder or MBTiles file, drawn from disk with no network."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from PIL import Image

from geo.errors import InputFileError
from geo.maps.briefing import save_html
from geo.maps.browser import open_map
from geo.maps.tiles import tile_template

from .conftest import draw


def _png(colour: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(buf, format="PNG")
    return buf.getvalue()


def _mbtiles(path: Path, tiles: dict[tuple[int, int, int], bytes]) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE metadata (name text, value text)")
    con.execute(
        "CREATE TABLE tiles (zoom_level int, tile_column int, tile_row int, tile_data blob)"
    )
    con.execute("INSERT INTO metadata VALUES ('format', 'png')")
    for (z, x, y), data in tiles.items():
        con.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, data))
    con.commit()
    con.close()


def test_mbtiles_are_extracted_with_xyz_rows(tmp_path: Path) -> None:
    _mbtiles(tmp_path / "k.mbtiles", {(3, 6, 4): _png((1, 2, 3)), (3, 6, 3): _png((9, 9, 9))})
    html = tmp_path / "out" / "peta.html"
    html.parent.mkdir()
    template = tile_template(tmp_path / "k.mbtiles", html_path=html)
    assert template == "peta_tiles/{z}/{x}/{y}.png"
    with Image.open(html.parent / "peta_tiles" / "3" / "6" / "4.png") as img:
        assert img.getpixel((0, 0)) == (1, 2, 3)  # TMS row flipped back to XYZ


def test_tile_folder_is_referenced_relative_to_the_page(tmp_path: Path) -> None:
    (tmp_path / "tiles" / "5" / "1").mkdir(parents=True)
    (tmp_path / "tiles" / "5" / "1" / "2.jpg").write_bytes(b"x")
    template = tile_template(tmp_path / "tiles", html_path=tmp_path / "maps" / "a.html")
    assert template == "../tiles/{z}/{x}/{y}.jpg"


def test_bad_tiles_argument(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as err:
        tile_template(tmp_path / "nothing-here", html_path=tmp_path / "a.html")
    assert err.value.field == "tiles"
    (tmp_path / "bad.mbtiles").write_bytes(b"not sqlite at all, just bytes" * 10)
    with pytest.raises(InputFileError, match="not a readable MBTiles"):
        tile_template(tmp_path / "bad.mbtiles", html_path=tmp_path / "a.html")


VISIBLE_TILES = """() => {
  const map = window.pantauMap, z = map.getZoom(), b = map.getPixelBounds();
  const t0 = b.min.divideBy(256).floor(), t1 = b.max.divideBy(256).floor();
  return {z: z, x0: t0.x, y0: t0.y, x1: t1.x, y1: t1.y};
}"""


@pytest.mark.browser
def test_offline_map_draws_local_tiles(
    browser: Any, sites: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    page_path = tmp_path / "peta.html"
    template = "tiles/{z}/{x}/{y}.png"
    save_html(draw(sites=sites, offline=True, tiles=template), page_path)
    with open_map(browser, page_path) as page:
        view = page.evaluate(VISIBLE_TILES)
    wanted = 0
    for x in range(view["x0"], view["x1"] + 1):
        for y in range(view["y0"], view["y1"] + 1):
            target = tmp_path / "tiles" / str(view["z"]) / str(x) / f"{y}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_png((200, 220, 200)))
            wanted += 1
    with open_map(browser, page_path) as page:
        page.page.wait_for_function(
            f"() => document.querySelectorAll('.leaflet-tile-loaded').length >= {wanted}",
            timeout=20_000,
        )
        assert page.blocked == []
        # Leaflet also asks for tiles around the view, the minimap's zoom and the opening zoom;
        # a partial tile set answers those with file-not-found, and nothing else may fail.
        assert all("ERR_FILE_NOT_FOUND" in e for e in page.errors), page.errors
