"""Briefing exports: the map as HTML, a PNG screenshot and an A4-landscape PDF.

The PNG and the PDF come from the same headless Chromium and the same map file: the map is
opened (offline when it was built offline), screenshotted with its title block and legend, and
the PDF is printed by that browser from a two-page document: the screenshot, then tables of
the top sites by priority and of the overdue reports. Every cell is escaped text; the overdue
table shows only allow-listed columns and never a ``rahasia`` report.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import folium
import pandas as pd

from geo import labels
from geo.errors import N_, BrowserUnavailable, ValidationError
from geo.i18n import Translator, translator
from geo.maps.assets import remote_references
from geo.maps.browser import chromium, open_map
from geo.maps.build import map_info
from geo.settings import MapSettings

__all__ = ["Briefing", "export", "save_html", "top_sites", "OVERDUE_COLUMNS"]

#: What the overdue table may show of a report (no text, no reporter, nothing else), and the
#: catalogue entry of each column's heading.
OVERDUE_COLUMNS: Final[dict[str, str]] = {
    "code": N_("Report"),
    "received_at": N_("Received"),
    "clock": N_("Stage"),
    "due": N_("Due"),
    "days_overdue": N_("Days overdue"),
}
#: The columns of the table of top sites, and their headings.
SITE_COLUMNS: Final[dict[str, str]] = {
    "rank": N_("No."),
    "code": N_("Code"),
    "name": N_("Name"),
    "kabupaten": N_("Regency/city"),
    "status": N_("Status"),
    "priority": N_("Priority"),
    "priority_reasons": N_("Reasons"),
}
#: Rows of the overdue table on the briefing's second page (the most overdue first).
OVERDUE_ROWS: Final[int] = 12
#: The screenshot size: A4 landscape proportions (297 x 210 mm).
VIEWPORT: Final[tuple[int, int]] = (1600, 1131)

#: Selectors of the boxes a briefing must show whole, and a check run in the page.
_HIDDEN_BOXES: Final[str] = """() => ['.pantau-title', '.pantau-legend'].filter((sel) => {
  const el = document.querySelector(sel);
  if (!el) { return true; }
  const r = el.getBoundingClientRect();
  return r.width === 0 || r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth;
})"""

_PDF_CSS = """
@page { size: A4 landscape; margin: 8mm; }
body { font: 8pt system-ui, sans-serif; margin: 0; color: #111; }
.map { height: 192mm; display: flex; align-items: center; justify-content: center; }
.map img { max-width: 100%; max-height: 192mm; }
.tables { page-break-before: always; }
h2 { font-size: 11pt; margin: 0 0 2mm; }
table { border-collapse: collapse; width: 100%; margin-bottom: 4mm; }
th, td { border: 0.3mm solid #999; padding: 0.6mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eee; }
td:nth-child(2) { white-space: nowrap; }
.none { color: #555; font-style: italic; }
"""


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
    page = m.get_root().render()
    if map_info(m).offline:
        remote = remote_references(page)
        if remote:
            raise ValidationError(
                f"offline map would fetch remote resources: {remote[:3]}", field="offline"
            )
    path.write_text(page, encoding="utf-8")
    return path


def _cell(value: Any, t: Translator) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp | dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return html.escape(t.date(value, format="medium"))
    if isinstance(value, float):
        return html.escape(t.number(value, digits=1))
    if isinstance(value, int):
        return html.escape(t.number(value))
    if isinstance(value, list | tuple):
        return html.escape("; ".join(map(str, value)))
    if isinstance(value, dict):
        return html.escape("; ".join(f"{k}: {v}" for k, v in value.items()))
    return html.escape(str(value))


def _table(
    frame: pd.DataFrame | None, columns: dict[str, str], t: Translator, limit: int | None = None
) -> str:
    if frame is None or frame.empty:
        nothing = t.gettext("None")
        return f'<p class="none">{html.escape(nothing)}</p>'
    more = ""
    if limit is not None and len(frame) > limit:
        text = t.ngettext(
            "and {n} more (see `pantau reports list --overdue`)",
            "and {n} more (see `pantau reports list --overdue`)",
            len(frame) - limit,
        )
        more = f'<p class="none">{html.escape(text)}</p>'
        frame = frame.head(limit)
    cols = [c for c in columns if c in frame.columns]
    head = "".join(f"<th>{html.escape(t.gettext(columns[c]))}</th>" for c in cols)
    rows = "".join(
        "<tr>" + "".join(f"<td>{_cell(row[c], t)}</td>" for c in cols) + "</tr>"
        for _, row in frame.iterrows()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{more}"


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


def _safe_overdue(overdue: pd.DataFrame | None) -> pd.DataFrame | None:
    if overdue is None:
        return None
    if "confidentiality" not in overdue.columns:
        raise ValidationError(
            "overdue reports for a briefing need a `confidentiality` column so that 'rahasia' "
            f"reports can be left out; found {sorted(map(str, overdue.columns))}",
            field="overdue",
        )
    keep = overdue["confidentiality"].eq("anonim").fillna(False).astype(bool)
    frame = overdue.loc[keep, [c for c in OVERDUE_COLUMNS if c in overdue.columns]]
    if "days_overdue" in frame.columns:
        frame = frame.sort_values("days_overdue", ascending=False, kind="stable")
    return frame


def _worded_sites(tops: pd.DataFrame, t: Translator) -> pd.DataFrame:
    """Return the top sites with labels, not codes (status; risk level when there is no score)."""
    tops = tops.copy()
    if "status" in tops.columns:
        status_labels = labels.site_status_labels(t)
        tops["status"] = [status_labels.get(str(s), str(s)) for s in tops["status"]]
    if "priority" not in tops.columns and "risk_level" in tops.columns:
        risk_labels = labels.risk_level_labels(t)
        tops["priority"] = [risk_labels.get(str(r), r) for r in tops["risk_level"]]
    return tops


def _pdf_document(
    png: bytes, tops: pd.DataFrame, overdue: pd.DataFrame | None, t: Translator, title: str
) -> str:
    image = base64.b64encode(png).decode("ascii")
    if overdue is not None and "clock" in overdue.columns:
        clocks = labels.clock_rule_labels(t)
        overdue = overdue.assign(clock=[clocks.get(str(c), str(c)) for c in overdue["clock"]])
    top_heading = t.gettext("Top sites by priority")
    overdue_heading = t.gettext("Overdue reports")
    return (
        f"<!doctype html><html lang='{t.lang}'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_PDF_CSS}</style></head><body>"
        f"<div class='map'><img alt='' src='data:image/png;base64,{image}'></div>"
        f"<div class='tables'><h2>{html.escape(top_heading)}</h2>"
        f"{_table(_worded_sites(tops, t), SITE_COLUMNS, t)}"
        f"<h2>{html.escape(overdue_heading)}</h2>"
        f"{_table(overdue, OVERDUE_COLUMNS, t, limit=OVERDUE_ROWS)}</div></body></html>"
    )


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
        ``confidentiality``); ``rahasia`` rows are left out.
    settings
        The ``maps`` settings (where Chromium is).

    Examples
    --------
    >>> export(m, png="out/map.png", pdf="out/briefing.pdf", settings=maps)  # doctest: +SKIP
    """
    if html_path is None and png is None and pdf is None:
        raise ValidationError("export needs at least one of html_path, png, pdf", field="export")
    info = map_info(m)
    safe_overdue = _safe_overdue(overdue)
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
                document = _pdf_document(image, tops, safe_overdue, t, info.title)
                _print_pdf(browser, document, pdf_path)
    return Briefing(out_html, png_path, pdf_path, errors)
