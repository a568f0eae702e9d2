"""Briefing exports: the map as HTML, a PNG screenshot and an A4-landscape PDF.

The PNG and the PDF come from the same headless Chromium and the same map file: the map is
opened (offline when it was built offline), its controls hidden, screenshotted with its title
block, legend and scale, and the PDF is printed by that browser from the document of
:mod:`geo.maps.briefing_document`: the map and the summary on page 1, the top sites, the
overdue complaints counted completely and the patrol plan after it. The numbers come from
:mod:`geo.maps.briefing_data`; ``rahasia`` complaints are counted and never listed.
"""

from __future__ import annotations

import base64
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import folium
import pandas as pd

from geo.errors import BrowserUnavailable, ValidationError
from geo.i18n import translator
from geo.maps.assets import remote_references
from geo.maps.briefing_data import BriefingData, from_frames
from geo.maps.briefing_document import OVERDUE_COLUMNS, SITE_COLUMNS, render_document
from geo.maps.browser import chromium, open_map
from geo.maps.build import map_info
from geo.maps.options import Period
from geo.settings import MapSettings

__all__ = [
    "Briefing",
    "CONTROLS_CSS",
    "export",
    "save_html",
    "top_sites",
    "OVERDUE_COLUMNS",
    "SITE_COLUMNS",
]

#: The screenshot size: A4 landscape proportions (297 x 210 mm).
VIEWPORT: Final[tuple[int, int]] = (1600, 1131)

#: Selectors of the boxes a briefing must show whole, and a check run in the page.
_HIDDEN_BOXES: Final[str] = """() => ['.pantau-title', '.pantau-legend'].filter((sel) => {
  const el = document.querySelector(sel);
  if (!el) { return true; }
  const r = el.getBoundingClientRect();
  return r.width === 0 || r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth;
})"""

#: Every map control but the title block, the legend, the scale and the attribution: zoom,
#: layers, period slider, minimap, full screen, measuring. Hidden in the briefing's picture
#: and whenever the map is printed.
CONTROLS_CSS: Final[str] = (
    ".leaflet-control:not(.pantau-title):not(.pantau-legend):not(.leaflet-control-scale)"
    ":not(.leaflet-control-attribution), .pantau-period, .leaflet-control-minimap,"
    " .leaflet-control-zoom, .leaflet-control-layers, .leaflet-control-measure,"
    " .leaflet-control-fullscreen { display: none !important; }"
)
PRINT_CSS: Final[str] = f"@media print {{ {CONTROLS_CSS} }}"


@dataclass
class Briefing:
    """Paths written by :func:`export` (``None`` for what was not asked)."""

    html: Path | None
    png: Path | None
    pdf: Path | None
    console_errors: list[str]


def save_html(m: folium.Map, path: Path | str) -> Path:
    """Write the map to ``path``; an offline map is checked to reference nothing remote.

    Examples
    --------
    >>> save_html(m, "out/map.html")
    PosixPath('out/map.html')
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    root: Any = m.get_root()  # a branca Figure, which has a header
    root.header.add_child(folium.Element(f"<style>{PRINT_CSS}</style>"), name="pantau_print_css")
    page = root.render()
    if map_info(m).offline:
        remote = remote_references(page)
        if remote:
            raise ValidationError(
                f"offline map would fetch remote resources: {remote[:3]}", field="offline"
            )
    path.write_text(page, encoding="utf-8")
    return path


def top_sites(sites: pd.DataFrame, n: int = 15) -> pd.DataFrame:
    """Return the ``n`` sites with the highest priority (or risk level when no score exists).

    Examples
    --------
    >>> df = pd.DataFrame({"code": ["A", "B"], "priority": [1.0, 3.0]})
    >>> top_sites(df)["code"].tolist()
    ['B', 'A']
    """
    frame = pd.DataFrame(sites.drop(columns="geometry", errors="ignore")).copy()
    if "priority" in frame.columns and frame["priority"].notna().any():
        frame = frame.sort_values("priority", ascending=False, kind="stable")
    elif "risk_level" in frame.columns:
        order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
        frame = frame.assign(_r=frame["risk_level"].map(order).fillna(9)).sort_values(
            "_r", kind="stable"
        )
    frame = frame.head(n).reset_index(drop=True)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame


def _screenshot(
    browser: Any, page_file: Path, *, offline: bool, timeout_s: float
) -> tuple[bytes, list[str]]:
    """Open the map and photograph it; refuse when the title block or legend is cut off."""
    opened = open_map(
        browser, page_file, offline=offline, viewport=VIEWPORT, timeout_s=timeout_s, media="print"
    )
    with opened as mp:
        if not offline:
            mp.page.wait_for_load_state("networkidle", timeout=timeout_s * 1000)
        mp.page.add_style_tag(content=CONTROLS_CSS)
        mp.evaluate("() => new Promise((r) => requestAnimationFrame(() => r(null)))")
        hidden = mp.evaluate(_HIDDEN_BOXES)
        if hidden:
            raise BrowserUnavailable(
                f"the briefing view does not show {hidden} inside the {VIEWPORT} viewport"
            )
        image: bytes = mp.page.screenshot(type="png", full_page=False)
        return image, list(mp.errors)


def _print_pdf(browser: Any, document: str, path: Path) -> None:
    """Print ``document`` to ``path`` (A4 landscape) in a context with the network cut."""
    context = browser.new_context(offline=True)
    try:
        page = context.new_page()
        page.set_content(document, wait_until="load")
        path.parent.mkdir(parents=True, exist_ok=True)
        page.pdf(
            path=str(path),
            format="A4",
            landscape=True,
            print_background=True,
            prefer_css_page_size=True,
        )
    finally:
        context.close()


def export(
    m: folium.Map,
    *,
    html_path: Path | str | None = None,
    png: Path | str | None = None,
    pdf: Path | str | None = None,
    sites: pd.DataFrame | None = None,
    overdue: pd.DataFrame | None = None,
    data: BriefingData | None = None,
    period: Period | None = None,
    top_n: int = 10,
    settings: MapSettings,
    timeout_s: float = 90.0,
) -> Briefing:
    """Write the map as HTML and/or a PNG screenshot and/or an A4-landscape PDF briefing.

    Parameters
    ----------
    m
        A map from :func:`geo.maps.build_map` or :func:`geo.maps.overview`.
    html_path, png, pdf
        Output paths; at least one is needed.
    sites
        Sites (with ``priority`` and ``priority_reasons`` when known) for the PDF's table of
        top sites; default: the sites the map was built from.
    overdue
        Overdue reports (``code``, ``received_at``, ``clock``, ``due``, ``days_overdue`` and
        ``confidentiality``, and ``kabupaten`` and ``channel`` to count by them); every one
        is counted, ``rahasia`` ones are never listed. Used when ``data`` is not given.
    data
        The briefing's numbers (:func:`geo.maps.briefing_data.load_briefing_data`); default:
        counted from ``overdue`` for ``period`` (default: the last 365 days).
    settings
        The ``maps`` settings (where Chromium is).

    Examples
    --------
    >>> done = export(m, png="map.png", pdf="briefing.pdf", settings=settings.maps)
    >>> done.pdf.read_bytes()[:4], done.png.stat().st_size > 10_000
    (b'%PDF', True)
    """
    if html_path is None and png is None and pdf is None:
        raise ValidationError("export needs at least one of html_path, png, pdf", field="export")
    info = map_info(m)
    if data is None:
        data = from_frames(period=period or Period.last(365), overdue=overdue)
    out_html = Path(html_path) if html_path is not None else None
    if out_html is not None:
        save_html(m, out_html)
    png_path = Path(png) if png is not None else None
    pdf_path = Path(pdf) if pdf is not None else None
    if png_path is None and pdf_path is None:
        return Briefing(out_html, None, None, [])
    with tempfile.TemporaryDirectory(prefix="pantau-briefing-") as tmp:
        page_file = out_html if out_html is not None else save_html(m, Path(tmp) / "map.html")
        with chromium(settings=settings) as browser:
            image, errors = _screenshot(
                browser, page_file, offline=info.offline, timeout_s=timeout_s
            )
            if png_path is not None:
                png_path.parent.mkdir(parents=True, exist_ok=True)
                png_path.write_bytes(image)
            if pdf_path is not None:
                frame = sites if sites is not None else info.sites
                tops = top_sites(frame if frame is not None else pd.DataFrame(), top_n)
                t = translator(info.lang)
                encoded = base64.b64encode(image).decode("ascii")
                document = render_document(png=encoded, data=data, tops=tops, t=t, title=info.title)
                _print_pdf(browser, document, pdf_path)
    return Briefing(out_html, png_path, pdf_path, errors)
