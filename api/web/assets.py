"""Static files for the web pages, served by the app itself: no CDN, no internet needed.

Two kinds, one router:

* ``/static/web/<path>``: the pages' own CSS, JavaScript, icons and the service worker's
  helpers, from ``api/web/static/``.
* ``/static/vendor/<name>``: an allow-list of files from the pinned npm packages in
  ``node_modules/`` (``package.json``/``package-lock.json``; ``npm ci`` installs them). Only the
  names in :data:`VENDOR` are served, so no other file under ``node_modules`` is reachable.

Both answer with a long cache lifetime: a page names its assets with ``?v=`` (:func:`asset_url`)
so a new release is fetched once and then read from the browser's cache on a slow line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse

__all__ = ["STATIC", "VENDOR", "asset_url", "router"]

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

#: A year: assets are named with the release in their URL.
CACHE = "public, max-age=31536000, immutable"
VERSION: Final = "0.1.0"

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
