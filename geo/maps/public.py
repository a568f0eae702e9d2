"""The public-information view (PPID): aggregates only, for outside the agency.

What leaves the agency through ``pantau map --share``, the console's export for the public and
partners, and ``GET /public/summary`` is built here and nowhere else, from counts:

- reports per kabupaten and per month (duplicates not counted; no report is listed);
- 5 km grid cells (UTM zone 50S) with their report counts, cells with fewer than
  ``PANTAU_MAPS_PUBLIC_MIN_COUNT`` reports left out, corners rounded to about 100 m;
- the sites the agency marked ``public`` (code, name, kabupaten, status, a point); no other.

No patrol route, base, tracking code, report text or reporter reaches any of it, because
nothing here reads them: the frames below hold only what is published. The HTML page draws
the cells as inline SVG (no script, no map controls), and the same page is printed to PDF and
photographed to PNG by headless Chromium.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo import hotspots as hotspots_lib
from geo import labels
from geo.i18n import Translator, translator
from geo.maps import aggregates
from geo.maps.briefing_chart import trend_svg
from geo.maps.options import Period
from geo.models import Site
from geo.province import Province
from geo.settings import MapSettings

__all__ = [
    "PublicSummary",
    "PublicFiles",
    "public_summary",
    "to_geojson",
    "render_html",
    "write_public",
]

_TEMPLATES: Final[Path] = Path(__file__).parent / "templates"
#: Candidate hotspots counted in the cells (as the maps draw them).
_HOTSPOT_STATUSES: Final[tuple[str, ...]] = ("candidate", "lapsed")
#: Fill colours of the cells, lightest for the fewest reports.
_SHADES: Final[tuple[str, ...]] = ("#fdd0a2", "#fd8d3c", "#d94801", "#7f2704")
#: Decimals of a public site's point in the GeoJSON (about 1 m).
_SITE_DECIMALS: Final[int] = 5


@dataclass(frozen=True)
class PublicSummary:
    """What the public may know: counts, coarse cells and the sites marked public."""

    period: Period
    generated: dt.date
    min_count: int
    reports: int
    hotspots: int
    by_kabupaten: dict[str, int]
    by_month: list[tuple[dt.date, int]]
    #: Polygons with ``reports`` and ``hotspots`` counts, in EPSG:4326.
    cells: gpd.GeoDataFrame
    #: Points with ``code``, ``name``, ``kabupaten``, ``status``, in EPSG:4326.
    sites: gpd.GeoDataFrame


@dataclass(frozen=True)
class PublicFiles:
    """The files :func:`write_public` wrote (``None`` for what was not asked)."""

    html: Path | None
    geojson: Path | None
    pdf: Path | None
    png: Path | None


def _public_sites(session: Session) -> gpd.GeoDataFrame:
    rows = session.execute(
        select(
            Site.code,
            Site.name,
            Site.kabupaten,
            Site.status,
            func.ST_X(func.ST_PointOnSurface(Site.geom)),
            func.ST_Y(func.ST_PointOnSurface(Site.geom)),
        )
        .where(Site.public.is_(True))
        .order_by(Site.code)
    ).all()
    return gpd.GeoDataFrame(
        {
            "code": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "kabupaten": [r[2] for r in rows],
            "status": [r[3] for r in rows],
        },
        geometry=gpd.points_from_xy([r[4] for r in rows], [r[5] for r in rows]),
        crs=4326,
    )


def public_summary(
    *, session: Session, period: Period, settings: MapSettings, today: dt.date | None = None
) -> PublicSummary:
    """Count what the public may know about ``period`` (the trend: 12 months up to its end).

    Examples
    --------
    >>> s = public_summary(session=session, period=Period.last(365), settings=settings.maps)
    >>> sorted(s.cells.columns)
    ['geometry', 'hotspots', 'reports']
    >>> bool((s.cells["reports"] >= settings.maps.public_min_count).all())
    True
    """
    trend_start = (period.end.replace(day=1) - dt.timedelta(days=335)).replace(day=1)
    first = min(period.start, trend_start)
    start = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    rows = aggregates.report_rows(session=session, start=start, end=end)
    if not rows.empty:
        stamps = rows["received_at"]
        in_period = rows[stamps >= dt.datetime.combine(period.start, dt.time(), tzinfo=dt.UTC)]
    else:
        in_period = rows
    hotspots = hotspots_lib.load(session)
    hotspots = hotspots[hotspots["status"].isin(_HOTSPOT_STATUSES)]
    return PublicSummary(
        period=period,
        generated=today or dt.date.today(),
        min_count=settings.public_min_count,
        reports=len(in_period),
        hotspots=len(hotspots),
        by_kabupaten=aggregates.count_by(in_period, "kabupaten", unknown="-"),
        by_month=aggregates.monthly(rows, end=period.end),
        cells=aggregates.grid_cells(
            in_period, min_count=settings.public_min_count, hotspots=hotspots
        ),
        sites=_public_sites(session),
    )


def to_geojson(summary: PublicSummary) -> dict[str, Any]:
    """Return the cells and the public sites as one GeoJSON FeatureCollection.

    The counts per kabupaten and month ride along as foreign members (``by_kabupaten``,
    ``by_month``), so one file holds the whole public view.

    Examples
    --------
    >>> s = public_summary(session=session, period=Period.last(365), settings=settings.maps)
    >>> doc = to_geojson(s)
    >>> doc["type"], {f["properties"]["kind"] for f in doc["features"]} <= {"cell", "site"}
    ('FeatureCollection', True)
    """
    features: list[dict[str, Any]] = []
    for row in summary.cells.itertuples():
        ring = [[round(x, 3), round(y, 3)] for x, y in row.geometry.exterior.coords]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "kind": "cell",
                    "reports": int(row.reports),
                    "hotspots": int(row.hotspots),
                },
            }
        )
    for row in summary.sites.itertuples():
        point = [round(row.geometry.x, _SITE_DECIMALS), round(row.geometry.y, _SITE_DECIMALS)]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": point},
                "properties": {
                    "kind": "site",
                    "code": row.code,
                    "name": row.name,
                    "kabupaten": row.kabupaten,
                    "status": row.status,
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "period": {
            "start": summary.period.start.isoformat(),
            "end": summary.period.end.isoformat(),
        },
        "min_count": summary.min_count,
        "reports": summary.reports,
        "hotspots": summary.hotspots,
        "by_kabupaten": summary.by_kabupaten,
        "by_month": [{"month": m.isoformat()[:7], "reports": n} for m, n in summary.by_month],
        "features": features,
    }


def _shade(count: int, top: int) -> str:
    step = min(int(len(_SHADES) * count / max(top, 1)), len(_SHADES) - 1)
    return _SHADES[step]


def _extent(
    summary: PublicSummary, bbox: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """Return the extent of what is published plus 0.3 degrees (else ``bbox``), within ``bbox``."""
    frames = [f.total_bounds for f in (summary.cells, summary.sites) if len(f)]
    if not frames:
        return bbox
    pad = 0.3
    west = max(bbox[0], min(float(b[0]) for b in frames) - pad)
    south = max(bbox[1], min(float(b[1]) for b in frames) - pad)
    east = min(bbox[2], max(float(b[2]) for b in frames) + pad)
    north = min(bbox[3], max(float(b[3]) for b in frames) + pad)
    return west, south, east, north


def _outlines(admin: gpd.GeoDataFrame | None, xy: Any) -> list[str]:
    """Boundary outlines (public data the agency supplies) as SVG paths, with their names."""
    if admin is None or admin.empty:
        return []
    frame = admin.to_crs(4326) if admin.crs is not None else admin
    names = [c for c in ("name", "kabupaten", "NAME_2", "WADMKK") if c in frame.columns]
    parts = []
    for _, row in frame.iterrows():
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        geom = geom.simplify(0.005)
        polygons = list(getattr(geom, "geoms", [geom]))
        rings = [p.exterior for p in polygons if hasattr(p, "exterior")]
        d = " ".join("M" + " L".join(xy(x, y) for x, y in ring.coords) + " Z" for ring in rings)
        parts.append(f'<path d="{d}" fill="none" stroke="#525252" stroke-dasharray="4 3"/>')
        if names:
            x, y = xy(*geom.representative_point().coords[0]).split(",")
            parts.append(
                f'<text x="{x}" y="{y}" font-size="9" fill="#525252" text-anchor="middle">'
                f"{html.escape(str(row[names[0]]))}</text>"
            )
    return parts


def map_svg(
    summary: PublicSummary,
    *,
    bbox: tuple[float, float, float, float],
    title: str,
    admin: gpd.GeoDataFrame | None = None,
) -> str:
    """Return the cells and the public sites as an SVG map of ``bbox`` (west, south, east, north).

    Positions are screen pixels, so the SVG carries no coordinate.

    Examples
    --------
    >>> s = public_summary(session=session, period=Period.last(365), settings=settings.maps)
    >>> map_svg(s, bbox=(113.5, -3.0, 119.5, 2.8), title="Peta").startswith("<svg")
    True
    """
    west, south, east, north = _extent(summary, bbox)
    width, height = 600.0, 600.0 * (north - south) / (east - west)

    def xy(lon: float, lat: float) -> str:
        px = (lon - west) / (east - west) * width
        py = (north - lat) / (north - south) * height
        return f"{px:.1f},{py:.1f}"

    top = int(summary.cells["reports"].max()) if len(summary.cells) else 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="public-map" viewBox="0 0 {width:.0f} '
        f'{height:.0f}" role="img" aria-label="{html.escape(title)}">'
        f"<title>{html.escape(title)}</title>"
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#eef3f7" stroke="#999"/>'
    ]
    parts += _outlines(admin, xy)
    for row in summary.cells.itertuples():
        points = " ".join(xy(x, y) for x, y in row.geometry.exterior.coords)
        fill = _shade(int(row.reports), top)
        parts.append(
            f'<polygon points="{points}" fill="{fill}" stroke="#7f2704" stroke-width=".4"/>'
        )
    for row in summary.sites.itertuples():
        x, y = xy(row.geometry.x, row.geometry.y).split(",")
        parts.append(
            f'<circle cx="{x}" cy="{y}" r="4" fill="#08519c" stroke="#fff"/>'
            f'<text x="{float(x) + 6:.1f}" y="{float(y) + 3:.1f}" font-size="9">'
            f"{html.escape(str(row.name))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _texts(t: Translator, summary: PublicSummary, province: Province | None) -> dict[str, str]:
    start = t.date(summary.period.start, format="long")
    end = t.date(summary.period.end, format="long")
    return {
        "title": (
            t.gettext(
                "Illegal mining (PETI) in {province}: public summary",
                province=province.display_name(t.lang),
            )
            if province is not None
            else t.gettext("Illegal mining (PETI): public summary")
        ),
        "period": t.gettext("Period: {start} – {end}", start=start, end=end),
        "generated": t.gettext("Generated: {date}", date=t.date(summary.generated, format="long")),
        "source": t.gettext(
            "Data source: {source}",
            source=(
                province.map_source(t.lang)
                if province is not None
                else t.gettext("Pantau Tambang registry")
            ),
        ),
        "reports": t.gettext("Reports received"),
        "hotspots": t.gettext("Areas with clustered reports"),
        "map": t.gettext("Reports per 5 km square"),
        "map_note": t.ngettext(
            "Squares with fewer than {n} report are not shown, so that no report can be located.",
            "Squares with fewer than {n} reports are not shown, so that no report can be located.",
            summary.min_count,
        ),
        "sites": t.gettext("Sites published by the agency"),
        "by_kabupaten": t.gettext("Reports by regency/city"),
        "kabupaten": t.gettext("Regency/city"),
        "count": t.gettext("Reports"),
        "trend": t.gettext("Reports per month (last 12 months)"),
        "none": t.gettext("None"),
        "code": t.gettext("Code"),
        "name": t.gettext("Name"),
        "status": t.gettext("Status"),
        "privacy": t.gettext(
            "Counts only: no reporter, report text, tracking code, patrol or team base is "
            "published."
        ),
    }


def render_html(
    summary: PublicSummary,
    *,
    lang: str,
    bbox: tuple[float, float, float, float],
    admin: gpd.GeoDataFrame | None = None,
    province: Province | None = None,
) -> str:
    """Return the public view as one self-contained HTML page (no script, no network).

    ``province`` (the settings' ``province_profile``) names the place and the agency in the title
    and the source line.

    Examples
    --------
    >>> s = public_summary(session=session, period=Period.last(365), settings=settings.maps)
    >>> "<script" in render_html(s, lang="id", bbox=(113.5, -3.0, 119.5, 2.8))
    False
    """
    t = translator(lang)
    texts = _texts(t, summary, province)
    statuses = labels.site_status_labels(t)
    env = Environment(
        loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["j2", "html"])
    )
    return env.get_template("public.html.j2").render(
        lang=t.lang,
        text=texts,
        n=t.number,
        reports=summary.reports,
        hotspots=summary.hotspots,
        by_kabupaten=summary.by_kabupaten,
        sites=[
            {
                "code": r.code,
                "name": r.name,
                "kabupaten": r.kabupaten,
                "status": statuses.get(str(r.status), str(r.status)),
            }
            for r in summary.sites.itertuples()
        ],
        map_svg=Markup(map_svg(summary, bbox=bbox, title=texts["map"], admin=admin)),  # noqa: S704 - escaped
        trend_svg=Markup(trend_svg(summary.by_month, t, title=texts["trend"])),  # noqa: S704
    )


def write_public(
    summary: PublicSummary,
    *,
    lang: str,
    bbox: tuple[float, float, float, float],
    settings: MapSettings,
    html_path: Path | None = None,
    geojson: Path | None = None,
    pdf: Path | None = None,
    png: Path | None = None,
    admin: gpd.GeoDataFrame | None = None,
    province: Province | None = None,
) -> PublicFiles:
    """Write the public view as HTML, GeoJSON, an A4 PDF and a PNG (each when asked).

    ``admin`` (the agency's boundary file, public data) is drawn as outlines under the cells.

    Examples
    --------
    >>> s = public_summary(session=session, period=Period.last(365), settings=settings.maps)
    >>> write_public(s, lang="id", bbox=(113.5, -3.0, 119.5, 2.8), settings=settings.maps,
    ...              geojson=Path(getfixture("tmp_path")) / "publik.geojson").geojson.exists()
    True
    """
    page = render_html(summary, lang=lang, bbox=bbox, admin=admin, province=province)
    for path in (html_path, geojson, pdf, png):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
    if html_path is not None:
        html_path.write_text(page, encoding="utf-8")
    if geojson is not None:
        text = json.dumps(to_geojson(summary), ensure_ascii=False, indent=1)
        geojson.write_text(text, encoding="utf-8")
    if pdf is not None or png is not None:
        _print(page, pdf=pdf, png=png, settings=settings)
    return PublicFiles(html_path, geojson, pdf, png)


def _print(page: str, *, pdf: Path | None, png: Path | None, settings: MapSettings) -> None:
    """Print ``page`` to PDF and photograph it to PNG in Chromium with the network cut."""
    from geo.maps.browser import chromium

    with chromium(settings=settings) as browser:
        context = browser.new_context(offline=True, viewport={"width": 1123, "height": 794})
        try:
            tab = context.new_page()
            tab.set_content(page, wait_until="load")
            if png is not None:
                png.write_bytes(tab.screenshot(type="png", full_page=True))
            if pdf is not None:
                tab.pdf(
                    path=str(pdf), format="A4", print_background=True, prefer_css_page_size=True
                )
        finally:
            context.close()
