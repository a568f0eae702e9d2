"""The offline map in a real headless Chromium with the network cut."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest

from geo.maps import Period, map_info
from geo.maps.briefing import save_html
from geo.maps.browser import open_map

from .conftest import XSS_PAYLOADS, draw

pytestmark = pytest.mark.browser

OPEN_ALL_POPUPS = """(key) => {
  const seen = [];
  let markup = 0;
  const open = (popup) => {
    const content = popup.getElement().querySelector('.leaflet-popup-content');
    markup += content.querySelectorAll('script, img, svg, iframe, b').length;
    seen.push(content.textContent);
    popup.close();
  };
  const entry = window.pantau.registry[key];
  if (entry.open) {
    for (let i = 0; i < entry.size; i++) { open(window.pantau.openReport(key, i)); }
  } else {
    entry.layer.eachLayer((layer) => { layer.openPopup(); open(layer.getPopup()); });
  }
  return {texts: seen, markup: markup, pwned: typeof window.pwned};
}"""

WHERE = """const where = (key, index) => {
  const entry = window.pantau.registry[key];
  if (entry.latlng) { return entry.latlng(index); }
  const layer = entry.layer.getLayers()[index];
  return layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
};"""

ZOOM_TO = (
    "([key, index, zoom]) => {"
    + WHERE
    + "window.pantauMap.setView(where(key, index), zoom, {animate: false}); }"
)

PIXEL_OF = (
    "([key, index]) => {"
    + WHERE
    + """const map = window.pantauMap, p = map.latLngToContainerPoint(where(key, index));
  const box = map.getContainer().getBoundingClientRect();
  return [box.left + p.x, box.top + p.y]; }"""
)


def _click(page: Any, key: str, index: int, zoom: int) -> str:
    """Zoom to a feature, click it with the mouse, return the popup's text."""
    page.evaluate(ZOOM_TO, [key, index, zoom])
    page.page.wait_for_timeout(300)  # clusters re-form on moveend
    x, y = page.evaluate(PIXEL_OF, [key, index])
    page.page.mouse.click(x, y)
    page.page.wait_for_selector(".leaflet-popup-content .pantau-card")
    text: str = page.evaluate(
        "() => document.querySelector('.leaflet-popup-content .pantau-card').textContent"
    )
    page.evaluate("() => { window.pantauMap.closePopup(); }")
    return text


def _period(today: dt.date) -> Period:
    return Period(today - dt.timedelta(days=364), today)


def test_offline_map_works_without_network(
    browser: Any,
    frames: dict[str, gpd.GeoDataFrame],
    today: dt.date,
    tmp_path: Path,
    artifacts: Path,
) -> None:
    m = draw(**frames, period=_period(today), offline=True, demo=True)
    path = save_html(m, tmp_path / "map.html")
    with open_map(browser, path, offline=True) as page:
        assert page.evaluate("() => window.pantauMap instanceof L.Map")
        assert page.counts() == map_info(m).counts
        assert page.errors == []
        assert page.blocked == []
        controls = page.evaluate(
            """() => ['.leaflet-control-scale', '.leaflet-control-minimap',
                      '.leaflet-control-measure', '.leaflet-control-zoom-fullscreen',
                      '.leaflet-control-layers', '.pantau-legend', '.pantau-title',
                      '.pantau-period'].filter((s) => !document.querySelector(s))"""
        )
        assert controls == []
        overlays = page.evaluate(
            "() => document.querySelectorAll('.leaflet-control-layers-overlays label').length"
        )
        assert overlays == len(map_info(m).counts)
        title = page.evaluate("() => document.querySelector('.pantau-title').innerText")
        assert "DATA DEMO SINTETIS" in title.upper() and "Periode" in title
        page.page.screenshot(path=str(artifacts / "offline-map.png"))
        # Switch the heat map on, measure a distance, go full screen: all without errors.
        page.evaluate("() => { window.pantauMap.addLayer(window.pantau.registry.heat.layer); }")
        assert page.evaluate("() => !!document.querySelector('canvas.leaflet-heatmap-layer')")
        page.page.hover(".leaflet-control-measure")
        page.page.click(".leaflet-control-measure .js-start")
        box = page.page.locator(".folium-map").bounding_box()
        assert box is not None
        for dx in (300, 500):
            page.page.mouse.click(box["x"] + dx, box["y"] + 120)
        assert page.evaluate(
            "() => !!document.querySelector('.leaflet-control-measure .js-results')"
        )
        # Sites stay clickable after measuring (the tool's SVG pane lets clicks through).
        page.page.click(".leaflet-control-measure .js-finish")
        assert "TST-005" in _click(page, "sites", 5, 15)
        page.page.click(".leaflet-control-zoom-fullscreen")
        assert page.errors == [] and page.failed == []
    assert (artifacts / "offline-map.png").stat().st_size > 10_000


@pytest.mark.parametrize("limit", [5_000, 10], ids=["clustered", "one-canvas"])
def test_report_text_never_executes(
    browser: Any,
    frames: dict[str, gpd.GeoDataFrame],
    today: dt.date,
    tmp_path: Path,
    limit: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("geo.maps.build.CLUSTER_LIMIT", limit)
    routes = frames["routes"].copy()
    routes["team"] = [
        "<img src=x onerror=window.pwned=5>",
        "<img src=x onerror=window.pwned=5>",
        "B",
    ]
    m = draw(**{**frames, "routes": routes}, period=_period(today), offline=True)
    path = save_html(m, tmp_path / "xss.html")
    with open_map(browser, path) as page:
        result = page.evaluate(OPEN_ALL_POPUPS, "reports")
        sites = page.evaluate(OPEN_ALL_POPUPS, "sites")
        tips = page.evaluate(
            """() => { let n = 0; window.pantau.registry.sites.layer.eachLayer((l) => {
                 l.openTooltip(); n += document.querySelectorAll('.leaflet-tooltip b').length;
                 l.closeTooltip(); }); return n; }"""
        )
        # Real mouse clicks on a report and on a site open the same cards.
        clicked = _click(page, "reports", 0, 19)
        clicked_site = _click(page, "sites", 5, 15)
        control = page.evaluate(
            """() => { const c = document.querySelector('.leaflet-control-layers');
                       return [c.querySelectorAll('img').length, c.textContent]; }"""
        )
        assert control[0] == 0 and "<img src=x onerror=window.pwned=5>" in control[1]
        assert page.evaluate("() => typeof window.pwned") == "undefined"
        assert page.errors == []
    assert clicked in result["texts"]
    assert clicked_site in sites["texts"] and "TST-005" in clicked_site
    assert result["pwned"] == "undefined" and result["markup"] == 0
    assert len(result["texts"]) == map_info(m).counts["reports"]
    joined = "\n".join(result["texts"])
    for payload in XSS_PAYLOADS[1:]:
        assert payload in joined  # shown as text, verbatim
    assert sites["markup"] == 0 and tips == 0
    assert any("Lubang <b>Tenggarong</b>" in t for t in sites["texts"])


@pytest.mark.parametrize("limit", [5_000, 10], ids=["clustered", "one-canvas"])
def test_period_filter_changes_what_is_drawn(
    browser: Any,
    frames: dict[str, gpd.GeoDataFrame],
    today: dt.date,
    tmp_path: Path,
    limit: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("geo.maps.build.CLUSTER_LIMIT", limit)
    period = _period(today)
    m = draw(**frames, period=period, offline=True)
    path = save_html(m, tmp_path / "period.html")
    reports = frames["reports"]
    visible = reports[reports["confidentiality"] == "anonim"]
    cutoff = today - dt.timedelta(days=60)
    expected = int((visible["received_at"].dt.date >= cutoff).sum())
    epoch = dt.date(1970, 1, 1)
    with open_map(browser, path) as page:
        before = page.counts()["reports"]
        page.evaluate(
            "([a, b]) => window.pantau.setPeriod(a, b)",
            [(cutoff - epoch).days, (today - epoch).days],
        )
        after = page.counts()["reports"]
    assert before == len(visible)
    assert after == expected < before


def test_shared_map_has_counts_not_points(
    browser: Any, frames: dict[str, gpd.GeoDataFrame], today: dt.date, tmp_path: Path
) -> None:
    m = draw(**frames, period=_period(today), offline=True, share=True, lang="en")
    path = save_html(m, tmp_path / "share.html")
    html = path.read_text()
    for code in frames["reports"]["code"]:
        assert code not in html
    with open_map(browser, path) as page:
        total = page.evaluate(
            """() => { let n = 0; const e = window.pantau.registry.reports;
                 for (let i = 0; i < e.size; i++) {
                   const p = window.pantau.openReport('reports', i);
                   n += parseInt(p.getElement().textContent, 10); p.close(); }
                 return n; }"""
        )
        legend = page.evaluate("() => document.querySelector('.pantau-legend').innerText")
        assert page.errors == []
    anonim = int((frames["reports"]["confidentiality"] == "anonim").sum())
    assert total == anonim
    assert "Legend" in legend and "Legenda" not in legend


@pytest.mark.parametrize(
    ("lang", "period_text", "received"),
    [
        ("id", "1 Des 2025 – 20 Agu 2026", "Diterima"),
        ("en", "Dec 1, 2025 – Aug 20, 2026", "Received"),
    ],
)
def test_dates_in_the_page_follow_the_map_language(
    browser: Any,
    frames: dict[str, gpd.GeoDataFrame],
    tmp_path: Path,
    lang: str,
    period_text: str,
    received: str,
) -> None:
    period = Period(dt.date(2025, 12, 1), dt.date(2026, 8, 20))
    path = save_html(draw(**frames, period=period, offline=True, lang=lang), tmp_path / "p.html")
    with open_map(browser, path) as page:
        shown = page.evaluate("() => document.querySelector('.pantau-period').innerText")
        popup = page.evaluate(
            """() => { const p = window.pantau.openReport('reports', 0);
                 const text = p.getElement().innerText; p.close(); return text; }"""
        )
        zoom_in = page.evaluate("() => document.querySelector('.leaflet-control-zoom-in').title")
        assert page.errors == []
    assert zoom_in == {"id": "Perbesar", "en": "Zoom in"}[lang]
    assert period_text in shown.replace("\u00a0", " ")
    day = next(line for line in popup.splitlines() if line.startswith(received))
    assert not re.search(r"\d{4}-\d{2}-\d{2}", day), day  # the locale's date, not ISO
    assert re.search(r"20(25|26)$", day.rstrip()), day
