"""Static files for the web pages, served by the app itself: no CDN, no internet needed.

Two kinds, one router:

* ``/static/web/<path>``: the pages' own CSS, JavaScript, icons and the service worker's
  helpers, from ``api/web/static/``.
* ``/static/vendor/<name>``: an allow-list of files from the pinned npm packages in
  ``node_modules/`` (``package.json``/``package-lock.json``; ``npm ci`` installs them). Only the
  names in :data:`VENDOR` are served, so no other file under ``node_modules`` is reachable.
* ``/static/basemap.json`` (:data:`BASEMAP_URL`): the base map of the console's maps and of
  ``/lapor``'s pin map (coast, rivers, roads, boundaries, towns), the same vector base layers
  the offline HTML maps draw (:func:`geo.maps.basemap.configured_base`), as GeoJSON drawn by
  ``basemap.js``; prepared once per process, gzip-compressed when the browser accepts it. A
  raster base map (``PANTAU_MAPS_BASEMAP`` an MBTiles of images or a tile folder) is served as
  tiles from ``/static/basemap/{z}/{x}/{y}.png``.
* ``/static/vendor/npm/<path>`` (:data:`MAP_ASSETS`): the Leaflet plugins of the overview maps
  and the images their stylesheets name, by their path in ``node_modules``; the allow-list is
  :func:`geo.maps.assets.served_files`.

Both answer with a long cache lifetime: a page names its assets with ``?v=`` (:func:`asset_url`)
so a new release is fetched once and then read from the browser's cache on a slow line.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import Final

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response

from geo.settings import MapSettings

__all__ = [
    "BASEMAP_TILES",
    "BASEMAP_URL",
    "MAP_ASSETS",
    "STATIC",
    "VENDOR",
    "asset_url",
    "basemap_json",
    "router",
]

#: The pages' own static files.
STATIC: Final = Path(__file__).resolve().parent / "static"

#: Public name -> file inside ``node_modules`` (versions pinned by package.json).
VENDOR: Final[dict[str, str]] = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "idb-keyval.js": "idb-keyval/dist/umd.js",
    "leaflet.js": "leaflet/dist/leaflet.js",
    "leaflet.css": "leaflet/dist/leaflet.css",
    "images/marker-icon.png": "leaflet/dist/images/marker-icon.png",
    "images/marker-icon-2x.png": "leaflet/dist/images/marker-icon-2x.png",
    "images/marker-shadow.png": "leaflet/dist/images/marker-shadow.png",
    "images/layers.png": "leaflet/dist/images/layers.png",
    "images/layers-2x.png": "leaflet/dist/images/layers-2x.png",
}

#: Where the overview maps' scripts are served (:func:`geo.maps.assets.serve_from`).
MAP_ASSETS: Final = "/static/vendor/npm"

#: A year: assets are named with the release in their URL.
CACHE = "public, max-age=31536000, immutable"
VERSION: Final = "0.1.0"

#: The base map's layers; versioned like the other assets (the service worker keeps it).
BASEMAP_URL: Final = f"/static/basemap.json?v={VERSION}"
#: Where the tiles of a raster base map are served (``/{z}/{x}/{y}.png``, XYZ numbering).
BASEMAP_TILES: Final = "/static/basemap"

router = APIRouter(include_in_schema=False)


def asset_url(name: str, *, vendor: bool = False) -> str:
    """Return the URL of a static file, versioned for caching.

    Examples
    --------
    >>> asset_url("console.css")
    '/static/web/console.css?v=0.1.0'
    >>> asset_url("htmx.min.js", vendor=True)
    '/static/vendor/htmx.min.js?v=0.1.0'
    """
    kind = "vendor" if vendor else "web"
    return f"/static/{kind}/{name}?v={VERSION}"


@router.get("/static/web/{path:path}")
def web_file(path: str) -> FileResponse:
    """One of the pages' own files; 404 for anything outside ``api/web/static``."""
    target = (STATIC / path).resolve()
    if not target.is_file() or not target.is_relative_to(STATIC):
        raise HTTPException(status_code=404)
    return FileResponse(target, headers={"Cache-Control": CACHE})


@router.get(MAP_ASSETS + "/{path:path}")
def map_asset(path: str, request: Request) -> FileResponse:
    """One file of the overview maps' pinned plugins; 404 for any other path."""
    from geo.maps.assets import served_files

    maps = request.app.state.settings.maps
    if path not in served_files(maps):
        raise HTTPException(status_code=404)
    target = maps.assets_dir / path
    if not target.is_file():
        raise HTTPException(status_code=404)
    # Named by path, not by release (a stylesheet's images are relative to it): a day.
    return FileResponse(target, headers={"Cache-Control": "public, max-age=86400"})


@router.get("/static/vendor/{name:path}")
def vendor_file(name: str, request: Request) -> FileResponse:
    """One allow-listed file of the pinned npm packages; 404 for any other name."""
    relative = VENDOR.get(name)
    if relative is None:
        raise HTTPException(status_code=404)
    target = request.app.state.settings.maps.assets_dir / relative
    if not target.is_file():
        raise HTTPException(status_code=404)
    return FileResponse(target, headers={"Cache-Control": CACHE})


def _raster_meta(source: Path) -> tuple[str, list[str]]:
    """Return the tile format and attribution of a raster base (MBTiles or tile folder)."""
    if source.is_dir():
        first = next((p for p in source.glob("*/*/*.*") if p.is_file()), None)
        return (first.suffix.lstrip(".") if first else "png"), [source.name]
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as con:
        meta = dict(con.execute("SELECT name, value FROM metadata").fetchall())
    credit = str(meta.get("attribution") or meta.get("name") or source.stem)
    return str(meta.get("format", "png")).lower(), [credit]


@lru_cache(maxsize=4)
def _basemap(basemap: Path | None, stamp: float, demo: bool) -> tuple[bytes, bytes]:
    from geo.maps.basemap import configured_base, raster_basemap

    settings = MapSettings(basemap=basemap, demo_basemap=demo)
    base = configured_base(settings)
    raster = raster_basemap(settings)
    if raster is not None:
        fmt, credits = _raster_meta(raster)
        text = json.dumps(
            {
                "order": [],
                "layers": {},
                "tiles": f"{BASEMAP_TILES}/{{z}}/{{x}}/{{y}}.{fmt}",
                "sources": credits,
                "approximate": False,
            }
        )
    elif base is None:
        text = '{"order":[],"layers":{},"sources":[],"approximate":false}'
    else:
        text = (
            f'{{"order":{json.dumps(list(base.order))},"layers":{base.layers_json},'
            f'"sources":{json.dumps(list(base.sources))},'
            f'"approximate":{json.dumps(base.approximate)}}}'
        )
    raw = text.encode("utf-8")
    return raw, gzip.compress(raw, compresslevel=6, mtime=0)


def basemap_json(settings: MapSettings, *, compressed: bool = False) -> bytes:
    """Return the base layers as one JSON document: ``order``, ``layers``, ``sources``, flag.

    A raster base map (MBTiles of images, or a tile folder) has no vector layers: then
    ``order`` is empty and ``tiles`` is the URL template of :func:`basemap_tile`.

    Examples
    --------
    >>> data = json.loads(basemap_json(MapSettings(basemap=None, demo_basemap=False)))
    >>> data["order"], data["layers"]
    ([], {})
    """
    path = settings.basemap
    stamp = path.stat().st_mtime if path is not None and path.exists() else 0.0
    raw, packed = _basemap(path, stamp, settings.demo_basemap)
    return packed if compressed else raw


@router.get("/static/basemap.json")
def basemap(request: Request) -> Response:
    """Return the base map's layers as GeoJSON (coast, rivers, roads, boundaries, towns)."""
    maps = request.app.state.settings.maps
    headers = {"Cache-Control": "public, max-age=86400", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = basemap_json(maps, compressed=True)
        headers["Content-Encoding"] = "gzip"
    else:
        body = basemap_json(maps)
    return Response(body, media_type="application/json", headers=headers)


@router.get(BASEMAP_TILES + "/{z}/{x}/{y}.{ext}")
def basemap_tile(z: int, x: int, y: int, ext: str, request: Request) -> Response:
    """Return one tile of the raster base map (MBTiles or tile folder); 404 when it has none."""
    from geo.maps.basemap import raster_basemap

    source = raster_basemap(request.app.state.settings.maps)
    if source is None or not (0 <= z <= 24 and 0 <= x < 2**z and 0 <= y < 2**z):
        raise HTTPException(status_code=404)
    media = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}
    if ext not in media:
        raise HTTPException(status_code=404)
    headers = {"Cache-Control": "public, max-age=86400"}
    if source.is_dir():
        target = source / str(z) / str(x) / f"{y}.{ext}"
        if not target.is_file():
            raise HTTPException(status_code=404)
        return FileResponse(target, headers=headers)
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as con:
        row = con.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, 2**z - 1 - y),  # MBTiles rows are TMS: y counted from the south
        ).fetchone()
    if row is None:
        raise HTTPException(status_code=404)
    return Response(bytes(row[0]), media_type=media[ext], headers=headers)
