"""The maps in a real Chromium with every other host cut off: the base map on Beranda and on
``/lapor``, the API's overview map served by the app, and making and downloading a briefing on
``/peta`` (with the axe-core and 360-px check of its pages).
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pytest
from PIL import Image

from geo.basemap import gshhg
from geo.db import make_engine, session_scope
from geo.settings import Settings
from geo.tokens import create_token
from tests.api.conftest import Server
from tests.console.browsing import PHONE, check_pages, signed_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Chromium is not installed"),
    pytest.mark.skipif(not gshhg.available(), reason="needs Debian's gmt and gmt-gshhg-high"),
]

#: Largest share of a map's picture one colour may cover when the base is drawn
#: (tests/geo/maps/test_basemap.py measures 0.52-0.62 for the offline map).
MAX_FLAT = 0.7


def flat_share(image: bytes) -> float:
    """Share of the pixels of the most common colour (channels rounded to 16 levels)."""
    img = Image.open(io.BytesIO(image))
    pixels = np.asarray(img.convert("RGB"), dtype=np.uint8).reshape(-1, 3) >> 4
    _, counts = np.unique(pixels, axis=0, return_counts=True)
    return float(counts.max()) / len(pixels)


def cut_off_other_hosts(context: Any, server: Server) -> list[str]:
    """Abort every request to a host other than the app's; return the list of them."""
    host = urlsplit(server.url).netloc
    blocked: list[str] = []

    def route(r: Any) -> None:
        if urlsplit(r.request.url).netloc in (host, "") or r.request.url.startswith("data:"):
            r.continue_()
        else:
            blocked.append(f"{r.request.resource_type} {r.request.url}")
            r.abort()

    context.route("**/*", route)
    return blocked


def base_drawn(page: Any, selector: str) -> tuple[str, float]:
    """Wait for the base map in ``selector``; return its layers and the flat share."""
    page.wait_for_function(
        "s => { const e = document.querySelector(s); "
        "return e && e.getAttribute('data-base-layers') !== null; }",
        arg=selector,
        timeout=30_000,
    )
    page.wait_for_timeout(500)  # the canvas paints after the layers are added
    layers = page.get_attribute(selector, "data-base-layers") or ""
    return layers, flat_share(page.locator(selector).screenshot())


def test_beranda_map_shows_the_base_with_no_other_host(browser: Any, server: Server) -> None:
    page = signed_in(browser, server, "analyst")
    blocked = cut_off_other_hosts(page.context, server)
    page.reload()
    layers, share = base_drawn(page, ".map[data-cells]")
    assert {"land", "coastline", "rivers", "places"} <= set(layers.split(",")), layers
    assert share < MAX_FLAT, share
    attribution = page.locator(".map[data-cells] .leaflet-control-attribution").inner_text()
    assert "Peta dasar" in attribution and "GSHHG" in attribution
    assert page.locator(".map[data-cells] .pantau-place").count() >= 5  # town labels
    assert blocked == []
    page.context.close()


def test_lapor_pin_map_shows_the_base_with_no_other_host(browser: Any, server: Server) -> None:
    context = browser.new_context(base_url=server.url, locale="id-ID", viewport=PHONE)
    blocked = cut_off_other_hosts(context, server)
    page = context.new_page()
    page.goto("/lapor")
    layers, share = base_drawn(page, "#map")
    assert "coastline" in layers.split(","), layers
    assert share < MAX_FLAT, share
    assert "Peta dasar" in page.locator("#map .leaflet-control-attribution").inner_text()
    # The service worker keeps the base for use with no signal.
    page.wait_for_function(
        "async () => { const c = await caches.keys(); if (!c.length) return false; "
        "const cache = await caches.open(c[0]); "
        "return !!(await cache.match('/static/basemap.json?v=0.1.0')); }",
        timeout=30_000,
    )
    context.set_offline(True)
    page.reload()
    layers_offline, _ = base_drawn(page, "#map")
    assert "coastline" in layers_offline.split(",")
    assert blocked == []
    context.close()


def test_the_apis_map_loads_its_scripts_from_the_app(
    browser: Any, server: Server, console_settings: Settings
) -> None:
    engine = make_engine(console_settings.database.url)
    try:
        with session_scope(engine) as session:
            _, secret = create_token(session=session, user="uji-peta", role="analyst")
    finally:
        engine.dispose()
    context = browser.new_context(
        base_url=server.url, extra_http_headers={"Authorization": f"Bearer {secret}"}
    )
    blocked = cut_off_other_hosts(context, server)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    response = page.goto("/maps/overview?layers=sites,bases")
    assert response is not None and response.ok
    html = page.content()
    sources = re.findall(r'<(?:script|link)[^>]*\s(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    page.wait_for_selector(".leaflet-pantauBase-pane canvas", state="attached")
    # The plugins came from the app: the minimap and the measuring tool are there.
    assert page.evaluate("typeof L.Control.MiniMap + typeof L.Control.Measure") == (
        "functionfunction"
    )
    assert page.locator(".leaflet-control-minimap").count() == 1
    assert errors == []
    # Only web tiles (the optional OpenStreetMap layers) may try another host: no script.
    assert all(b.split()[0] not in ("script", "stylesheet", "font") for b in blocked), blocked
    context.close()


def test_a_briefing_is_made_and_downloaded(browser: Any, server: Server, tmp_path: Path) -> None:
    page = signed_in(browser, server, "analyst")
    blocked = cut_off_other_hosts(page.context, server)
    page.get_by_role("link", name="Peta", exact=True).click()
    page.get_by_label("Kabupaten").select_option("Kutai Kartanegara")
    page.get_by_label("Bahasa Indonesia").check()
    page.get_by_role("button", name="Buat peta dan briefing").click()
    page.wait_for_selector("text=Siap dalam", timeout=240_000)
    frame = page.frame_locator("iframe.made-map")
    frame.locator(".leaflet-pantauBase-pane canvas").first.wait_for(state="attached")
    with page.expect_download() as info:
        page.get_by_role("link", name="Unduh briefing.pdf").click()
    pdf = tmp_path / "briefing.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes()[:4] == b"%PDF" and pdf.stat().st_size > 50_000
    with page.expect_download() as info:
        page.get_by_role("link", name="Unduh briefing.png").click()
    png = tmp_path / "briefing.png"
    info.value.save_as(png)
    assert flat_share(png.read_bytes()) < MAX_FLAT
    result = page.url.removeprefix(server.url)
    assert blocked == []
    page.context.close()

    checker = signed_in(browser, server, "analyst", viewport=PHONE, bypass_csp=True)
    problems, wide = check_pages(checker, ["/peta", result])
    assert problems == {} and wide == {}, (problems, wide)
    checker.context.close()
