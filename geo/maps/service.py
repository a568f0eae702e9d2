"""Use cases of the map package: what a person does with maps, for every adapter.

The CLI (``pantau map``), the API (``/maps``), notebooks and the console (``/peta``) call these
functions with the injected :class:`~geo.settings.Settings`, an engine and the
:class:`~geo.maps.options.MapOptions` they parsed, and render the plain result they return.
So a map option, a privacy rule or a label changed here changes it for every adapter alike.

Examples
--------
>>> page = map_page(settings=settings, engine=engine, options=MapOptions())
>>> page.counts["sites"]
108
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final, Literal

import folium
import geopandas as gpd
from shapely.geometry import box
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from geo.errors import N_, ValidationError
from geo.maps import public, sources
from geo.maps.assets import serve_from
from geo.maps.briefing import export
from geo.maps.briefing_data import load_briefing_data
from geo.maps.build import build_from, map_info
from geo.maps.options import MapOptions, Period
from geo.province import Province
from geo.settings import MapSettings, Settings

__all__ = [
    "MapPage",
    "MapFiles",
    "BriefingFile",
    "map_page",
    "map_files",
    "briefing_file",
    "write_outputs",
    "public_view",
    "public_files",
    "for_kabupaten",
]

#: Media type of each briefing format.
MEDIA_TYPES: Final[dict[str, str]] = {"pdf": "application/pdf", "png": "image/png"}


@dataclass(frozen=True)
class MapPage:
    """A map as one HTML page, with the features drawn per layer key."""

    html: str
    counts: dict[str, int]
    offline: bool
    lang: str


@dataclass(frozen=True)
class MapFiles:
    """The files :func:`map_files` wrote (``None`` for what was not asked) and the counts."""

    html: Path
    counts: dict[str, int]
    offline: bool
    lang: str
    png: Path | None = None
    pdf: Path | None = None
    console_errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BriefingFile:
    """A rendered briefing: its bytes, media type and a file name to offer."""

    content: bytes
    media_type: str
    filename: str
    counts: dict[str, int]


def _absolute_tiles(tiles: str | None, html_dir: Path) -> str | None:
    """Return ``tiles`` as a ``file:`` URL when it is relative to the HTML file's folder.

    The briefing is rendered from a copy of the map in a temporary folder, where a relative
    tile path (``peta_tiles/{z}/{x}/{y}.png``) would find nothing and print an empty base.

    Examples
    --------
    >>> _absolute_tiles("peta_tiles/{z}/{x}/{y}.png", Path("/srv/out"))
    'file:///srv/out/peta_tiles/{z}/{x}/{y}.png'
    >>> _absolute_tiles("https://tiles.example/{z}/{x}/{y}.png", Path("/srv/out"))
    'https://tiles.example/{z}/{x}/{y}.png'
    """
    if not tiles or "://" in tiles or "{z}" not in tiles:
        return tiles
    folder, _, rest = tiles.partition("{z}")
    return (html_dir / folder).resolve().as_uri().rstrip("/") + "/{z}" + rest


def _with_base_tiles(options: MapOptions, maps: MapSettings, html_path: Path) -> MapOptions:
    """Use the configured raster base map (MBTiles or tile folder) when no tiles were given."""
    from geo.maps.basemap import raster_basemap
    from geo.maps.tiles import tile_template

    raster = raster_basemap(maps)
    if options.tiles or raster is None:
        return options
    return options.replace(tiles=tile_template(raster, html_path=html_path))


#: Margin around a kabupaten's sites (degrees, about 11 km) in which reports, hotspots and
#: bases are kept on its map.
KABUPATEN_MARGIN: Final[float] = 0.1


def _within(frame: gpd.GeoDataFrame | None, bounds: tuple[float, ...]) -> gpd.GeoDataFrame | None:
    if frame is None or frame.empty:
        return frame
    west, south, east, north = bounds
    return frame[frame.geometry.intersects(box(west, south, east, north))]


def for_kabupaten(data: sources.MapData, kabupaten: str | None) -> sources.MapData:
    """Keep the sites of ``kabupaten`` and what lies around them (``None``: everything).

    Reports and hotspots carry no kabupaten of their own: the map keeps those within
    :data:`KABUPATEN_MARGIN` of the box around the kabupaten's sites, and the routes that
    pass there. The briefing's counts by kabupaten stay province-wide (its table has a row
    for every kabupaten).

    Raises
    ------
    ValidationError
        When no site of the registry is in ``kabupaten``.

    Examples
    --------
    >>> data = sources.load_all(engine, period=Period.last(365))
    >>> one = for_kabupaten(data, "Kutai Kartanegara")
    >>> set(one.sites["kabupaten"]), len(one.sites) < len(data.sites)
    ({'Kutai Kartanegara'}, True)
    >>> for_kabupaten(data, "Atlantis")
    Traceback (most recent call last):
    ...
    geo.errors.ValidationError: no site of the registry is in the kabupaten 'Atlantis'
    """
    if not kabupaten:
        return data
    sites = data.sites[data.sites["kabupaten"] == kabupaten]
    if sites.empty:
        raise ValidationError.of(
            N_("no site of the registry is in the kabupaten {name!r}"),
            field="kabupaten",
            name=kabupaten,
        )
    west, south, east, north = (float(v) for v in sites.total_bounds)
    m = KABUPATEN_MARGIN
    bounds = (west - m, south - m, east + m, north + m)
    return replace(
        data,
        sites=sites,
        bases=_within(data.bases, bounds),
        reports=_within(data.reports, bounds),
        hotspots=_within(data.hotspots, bounds),
        routes=_within(data.routes, bounds),
    )


def _titled(options: MapOptions, kabupaten: str | None) -> MapOptions:
    """Name the kabupaten in the map's title."""
    return options.replace(title=f"{options.title} · {kabupaten}") if kabupaten else options


def _read_admin(admin: Path | None) -> gpd.GeoDataFrame | None:
    if admin is None:
        return None
    from geo.io.vector import read_vector

    return read_vector(admin)


def for_province(options: MapOptions, province: Province) -> MapOptions:
    """Return ``options`` with the province's title and source where they are not set."""
    return options.replace(
        title=options.title or province.map_title(options.lang),
        source=options.source or province.map_source(options.lang),
    )


def map_page(
    *,
    settings: Settings,
    engine: Engine,
    options: MapOptions,
    asset_root: str | None = None,
    kabupaten: str | None = None,
) -> MapPage:
    """Build the overview map from the database and return it as one HTML page.

    An offline map inlines its scripts; otherwise, with ``asset_root`` (where the app serves
    the pinned files, :func:`geo.maps.assets.serve_from`), the page loads them from the app,
    and without it from the CDN (a file to open where there is internet). With ``kabupaten``
    the map shows that kabupaten (:func:`for_kabupaten`).

    Examples
    --------
    >>> map_page(settings=settings, engine=engine,
    ...          options=MapOptions(layers=["sites"])).counts
    {'sites': 108}
    """
    if options.share:
        summary = public_view(settings=settings, engine=engine, period=options.period)
        page = public.render_html(
            summary, lang=options.lang, bbox=settings.aoi_bbox, province=settings.province_profile
        )
        counts = {"cells": len(summary.cells), "sites": len(summary.sites)}
        return MapPage(page, counts, True, options.lang)
    data = for_kabupaten(sources.load_all(engine, period=options.period), kabupaten)
    options = _titled(for_province(options, settings.province_profile), kabupaten)
    m = build_from(data, options, settings=settings.maps)
    if asset_root is not None and not options.offline:
        serve_from(m, asset_root)
    page = m.get_root().render()
    return MapPage(str(page), dict(map_info(m).counts), options.offline, options.lang)


def map_files(
    *,
    settings: Settings,
    engine: Engine,
    options: MapOptions,
    out: Path,
    png: Path | None = None,
    pdf: Path | None = None,
    admin: Path | None = None,
    kabupaten: str | None = None,
) -> MapFiles:
    """Write the overview map to ``out`` and, when asked, the PNG and PDF briefing.

    The layers are loaded once. The briefing is rendered with the network cut, so from the
    offline build of the map (the same one when ``options.offline``). With ``kabupaten`` the
    map shows that kabupaten (:func:`for_kabupaten`).

    Examples
    --------
    >>> files = map_files(settings=settings, engine=engine, options=MapOptions(offline=True),
    ...                   out=Path("peta.html"))
    >>> files.html.stat().st_size > 100_000, files.pdf is None
    (True, True)
    """
    options = _titled(for_province(options, settings.province_profile), kabupaten)
    return _write_files(
        settings.maps,
        engine,
        options,
        out=out,
        png=png,
        pdf=pdf,
        admin=_read_admin(admin),
        kabupaten=kabupaten,
    )


def _write_files(
    maps: MapSettings,
    engine: Engine,
    options: MapOptions,
    *,
    out: Path,
    png: Path | None,
    pdf: Path | None,
    admin: gpd.GeoDataFrame | None = None,
    kabupaten: str | None = None,
) -> MapFiles:
    data = for_kabupaten(sources.load_all(engine, period=options.period), kabupaten)
    options = _with_base_tiles(options, maps, out)

    def make(o: MapOptions) -> folium.Map:
        return build_from(data, o, admin=admin, settings=maps)

    m = make(options)
    export(m, html_path=out, settings=maps)
    counts = dict(map_info(m).counts)
    if png is None and pdf is None:
        return MapFiles(out, counts, options.offline, options.lang)
    # The briefing is rendered from a temporary copy: local tiles by absolute path.
    tiles = _absolute_tiles(options.tiles, out.parent)
    if options.offline and tiles == options.tiles:
        briefing_map = m
    else:
        briefing_map = make(options.replace(offline=True, tiles=tiles))
    numbers = load_briefing_data(engine, period=options.period, demo=bool(data.demo))
    result = export(briefing_map, png=png, pdf=pdf, data=numbers, settings=maps)
    return MapFiles(
        out, counts, options.offline, options.lang, result.png, result.pdf, result.console_errors
    )


def briefing_file(
    *,
    settings: Settings,
    engine: Engine,
    options: MapOptions,
    fmt: Literal["pdf", "png"],
    kabupaten: str | None = None,
) -> BriefingFile:
    """Render the briefing (PDF: map + top sites + overdue reports; PNG: the map) as bytes.

    Raises
    ------
    BrowserUnavailable
        When headless Chromium is missing or does not start.

    Examples
    --------
    >>> briefing_file(settings=settings, engine=engine, options=MapOptions(),
    ...               fmt="pdf").content[:4]
    b'%PDF'
    """
    if options.share:
        return _public_file(settings, engine, options, fmt)
    data = for_kabupaten(sources.load_all(engine, period=options.period), kabupaten)
    options = _titled(for_province(options, settings.province_profile), kabupaten)
    with tempfile.TemporaryDirectory(prefix="pantau-briefing-file-") as tmp:
        out = Path(tmp) / f"briefing.{fmt}"
        # Rendered with the network cut, so from the offline build of the map.
        offline = _with_base_tiles(options.replace(offline=True), settings.maps, out)
        tiles = _absolute_tiles(offline.tiles, Path(tmp))
        m = build_from(data, offline.replace(tiles=tiles), settings=settings.maps)
        export(
            m,
            png=out if fmt == "png" else None,
            pdf=out if fmt == "pdf" else None,
            data=load_briefing_data(engine, period=options.period, demo=bool(data.demo)),
            settings=settings.maps,
        )
        content = out.read_bytes()
    counts = dict(map_info(m).counts)
    return BriefingFile(content, MEDIA_TYPES[fmt], f"briefing.{fmt}", counts)


def public_view(*, settings: Settings, engine: Engine, period: Period) -> public.PublicSummary:
    """Count what the public may know of ``period`` (:mod:`geo.maps.public`).

    Examples
    --------
    >>> view = public_view(settings=settings, engine=engine, period=Period.last(365))
    >>> view.min_count == settings.maps.public_min_count
    True
    """
    with Session(engine) as session:
        return public.public_summary(session=session, period=period, settings=settings.maps)


def public_files(
    *,
    settings: Settings,
    engine: Engine,
    options: MapOptions,
    out: Path,
    geojson: Path | None = None,
    pdf: Path | None = None,
    png: Path | None = None,
    admin: Path | None = None,
) -> public.PublicFiles:
    """Write the public view (``--share``): HTML, GeoJSON, and the PDF and PNG when asked.

    Aggregates only (:mod:`geo.maps.public`): whatever else ``options`` asks for, no route,
    base, tracking code, report text or site that is not marked public is written.

    Examples
    --------
    >>> files = public_files(settings=settings, engine=engine, options=MapOptions(share=True),
    ...     out=Path(getfixture("tmp_path")) / "publik.html")
    >>> files.html.exists()
    True
    """
    summary = public_view(settings=settings, engine=engine, period=options.period)
    return public.write_public(
        summary,
        lang=options.lang,
        bbox=settings.aoi_bbox,
        settings=settings.maps,
        html_path=out,
        geojson=geojson,
        pdf=pdf,
        png=png,
        admin=_read_admin(admin),
        province=settings.province_profile,
    )


def _public_file(
    settings: Settings, engine: Engine, options: MapOptions, fmt: Literal["pdf", "png"]
) -> BriefingFile:
    summary = public_view(settings=settings, engine=engine, period=options.period)
    with tempfile.TemporaryDirectory(prefix="pantau-public-") as tmp:
        out = Path(tmp) / f"publik.{fmt}"
        public.write_public(
            summary,
            lang=options.lang,
            bbox=settings.aoi_bbox,
            settings=settings.maps,
            pdf=out if fmt == "pdf" else None,
            png=out if fmt == "png" else None,
            province=settings.province_profile,
        )
        content = out.read_bytes()
    counts = {"cells": len(summary.cells), "sites": len(summary.sites)}
    return BriefingFile(content, MEDIA_TYPES[fmt], f"publik.{fmt}", counts)


def write_outputs(
    engine: Engine,
    out_dir: Path | str,
    *,
    lang: str = "id",
    period: Period | None = None,
    png: bool = True,
    settings: MapSettings,
    province: Province | None = None,
) -> dict[str, Path]:
    """Write the offline overview map, a PNG of it and the PDF briefing into ``out_dir``.

    What ``pantau demo`` (or a scheduled job) writes. Returns the paths by label
    (``"Offline map"``, ``"PNG"``, ``"Briefing PDF"``: catalogue entries) for the summary.
    ``settings`` is the ``maps`` section the adapter passes (``geo.demo`` gives its own).
    ``province`` titles the map (default: the catalogue's title).

    Examples
    --------
    >>> files = write_outputs(engine, "out/demo", settings=settings.maps)
    >>> files["Offline map"], files["Briefing PDF"].read_bytes()[:4]
    (PosixPath('out/demo/peta-offline.html'), b'%PDF')
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    options = MapOptions(period=period, lang=lang, offline=True)
    files = _write_files(
        settings,
        engine,
        options if province is None else for_province(options, province),
        out=out / "peta-offline.html",
        png=out / "peta.png" if png else None,
        pdf=out / "briefing.pdf",
    )
    paths = {N_("Offline map"): files.html}
    if files.pdf is not None:
        paths[N_("Briefing PDF")] = files.pdf
    if files.png is not None:
        paths["PNG"] = files.png
    return paths
