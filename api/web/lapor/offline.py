"""The installable, offline ``/lapor``: the web app manifest and the service worker.

The service worker's code is ``api/web/static/lapor.sw.js``; it is served from ``/lapor/sw.js``
(with ``Service-Worker-Allowed: /lapor`` so that it controls ``/lapor`` itself, not only
``/lapor/...``) with this release's version and the list of files it keeps for use with no
signal written in, so a new release fills a new cache and the activate step drops the old one.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from api.web.assets import BASEMAP_URL, STATIC, VERSION, asset_url
from api.web.lapor.routes import SECURITY_HEADERS
from api.web.templating import TEMPLATES, reader

__all__ = ["OFFLINE_ASSETS", "OFFLINE_PAGES", "router", "service_worker_source"]

router = APIRouter(include_in_schema=False)

#: Pages kept for use with no signal (fetched from the network first, the kept copy offline).
OFFLINE_PAGES: Final = ("/lapor", "/lapor/status")

#: The files those pages need, by their versioned URL.
OFFLINE_ASSETS: Final = (
    asset_url("lapor.css"),
    asset_url("lapor.js"),
    asset_url("lapor.outbox.js"),
    asset_url("lapor-icon.svg"),
    asset_url("lapor-icon-192.png"),
    asset_url("lapor-icon-512.png"),
    asset_url("idb-keyval.js", vendor=True),
    asset_url("leaflet.js", vendor=True),
    asset_url("leaflet.css", vendor=True),
    asset_url("basemap.js"),
    BASEMAP_URL,
    "/lapor/manifest.webmanifest",
)


#: What the service worker loads to send the outbox itself (Background Sync).
WORKER_SCRIPTS: Final = (asset_url("idb-keyval.js", vendor=True), asset_url("lapor.outbox.js"))


@lru_cache(maxsize=1)
def _version() -> str:
    """Return the release and a digest of the page's own files and templates.

    A changed script or template (even within one release) changes the worker's bytes, so
    phones install the new worker, which fills a new cache and drops the old one.
    """
    files = [
        *sorted(STATIC.glob("lapor*")),
        STATIC / "basemap.js",
        *sorted((Path(__file__).resolve().parent / "templates").rglob("*.html")),
        TEMPLATES / "base.html",
    ]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return f"{VERSION}-{digest.hexdigest()[:12]}"


def service_worker_source() -> str:
    """Return the service worker's code with the version and the files to keep written in.

    Examples
    --------
    >>> source = service_worker_source()
    >>> "__VERSION__" in source, '"/lapor/status"' in source
    (False, True)
    """
    source = (STATIC / "lapor.sw.js").read_text(encoding="utf-8")
    return (
        source.replace("__VERSION__", _version())
        .replace("__PAGES__", json.dumps(list(OFFLINE_PAGES)))
        .replace("__ASSETS__", json.dumps(list(OFFLINE_ASSETS)))
        .replace("__SCRIPTS__", json.dumps(list(WORKER_SCRIPTS)))
    )


@router.get("/lapor/sw.js")
def service_worker() -> Response:
    """Serve the service worker of ``/lapor`` (always revalidated, so a release reaches phones)."""
    return Response(
        service_worker_source(),
        media_type="text/javascript",
        headers={
            **SECURITY_HEADERS,
            "Service-Worker-Allowed": "/lapor",
            "Cache-Control": "no-cache",
        },
    )


@router.get("/lapor/manifest.webmanifest")
def manifest(request: Request) -> JSONResponse:
    """Serve the web app manifest, to install ``/lapor`` on a phone's home screen."""
    t = reader(request)
    body = {
        "name": t.gettext("Report illegal mining - Pantau Tambang"),
        "short_name": t.gettext("Report mining"),
        "description": t.gettext(
            "Report suspected illegal mining in {province}, even with no signal.",
            province=request.app.state.settings.province_profile.display_name(t.lang),
        ),
        "lang": t.lang,
        "start_url": "/lapor",
        "scope": "/lapor",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#7a3b00",
        "icons": [
            {"src": asset_url("lapor-icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            {"src": asset_url("lapor-icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": asset_url("lapor-icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    return JSONResponse(
        body,
        media_type="application/manifest+json",
        headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"},
    )
