"""Use cases of the map package: what a person does with maps, for every adapter.

The CLI (``pantau map``), the API (``/maps``), notebooks and the coming console call these
functions with the injected :class:`~geo.settings.Settings`, an engine and the
:class:`~geo.maps.options.MapOptions` they parsed, and render the plain result they return.
So a map option, a privacy rule or a label changed here changes it for every adapter alike.

Examples
--------
>>> page = map_page(settings=settings, engine=engine, options=MapOptions())  # doctest: +SKIP
>>> page.counts["sites"]  # doctest: +SKIP
108
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

import folium
import geopandas as gpd
from sqlalchemy import Engine

from geo.errors import N_
from geo.maps import sources
from geo.maps.briefing import export
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


def map_page(*, settings: Settings, engine: Engine, options: MapOptions) -> MapPage:
    """Build the overview map from the database and return it as one HTML page.

    Examples
    --------
    >>> map_page(settings=settings, engine=engine,
    ...          options=MapOptions(layers=["sites"])).counts  # doctest: +SKIP
    {'sites': 108}
    """
    data = sources.load_all(engine, period=options.period)
    options = for_province(options, settings.province_profile)
    m = build_from(data, options, settings=settings.maps)
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
) -> MapFiles:
    """Write the overview map to ``out`` and, when asked, the PNG and PDF briefing.

    The layers are loaded once. The briefing is rendered with the network cut, so from the
    offline build of the map (the same one when ``options.offline``).

    Examples
    --------
    >>> map_files(settings=settings, engine=engine, options=MapOptions(offline=True),
    ...           out=Path("out/peta.html"), pdf=Path("out/briefing.pdf"))  # doctest: +SKIP
    """
    options = for_province(options, settings.province_profile)
    return _write_files(
        settings.maps, engine, options, out=out, png=png, pdf=pdf, admin=_read_admin(admin)
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
) -> MapFiles:
    data = sources.load_all(engine, period=options.period)

    def make(o: MapOptions) -> folium.Map:
        return build_from(data, o, admin=admin, settings=maps)

    m = make(options)
    export(m, html_path=out, settings=maps)
    counts = dict(map_info(m).counts)
    if png is None and pdf is None:
        return MapFiles(out, counts, options.offline, options.lang)
    briefing_map = m if options.offline else make(options.replace(offline=True))
    result = export(
        briefing_map, png=png, pdf=pdf, overdue=sources.load_overdue(engine), settings=maps
    )
    return MapFiles(
        out, counts, options.offline, options.lang, result.png, result.pdf, result.console_errors
    )


def briefing_file(
    *, settings: Settings, engine: Engine, options: MapOptions, fmt: Literal["pdf", "png"]
) -> BriefingFile:
    """Render the briefing (PDF: map + top sites + overdue reports; PNG: the map) as bytes.

    Raises
    ------
    BrowserUnavailable
        When headless Chromium is missing or does not start.

    Examples
    --------
    >>> briefing_file(settings=settings, engine=engine, options=MapOptions(),
    ...               fmt="pdf").content[:4]  # doctest: +SKIP
    b'%PDF'
    """
    data = sources.load_all(engine, period=options.period)
    # Rendered with the network cut, so from the offline build of the map.
    options = for_province(options, settings.province_profile)
    m = build_from(data, options.replace(offline=True), settings=settings.maps)
    with tempfile.TemporaryDirectory(prefix="pantau-briefing-file-") as tmp:
        out = Path(tmp) / f"briefing.{fmt}"
        export(
            m,
            png=out if fmt == "png" else None,
            pdf=out if fmt == "pdf" else None,
            overdue=sources.load_overdue(engine),
            settings=settings.maps,
        )
        content = out.read_bytes()
    counts = dict(map_info(m).counts)
    return BriefingFile(content, MEDIA_TYPES[fmt], f"briefing.{fmt}", counts)


def write_outputs(
    engine: Engine,
    out_dir: Path | str,
    *,
    lang: str = "id",
    period: Period | None = None,
    png: bool = True,
    settings: MapSettings | None = None,
    province: Province | None = None,
) -> dict[str, Path]:
    """Write the offline overview map, a PNG of it and the PDF briefing into ``out_dir``.

    What ``pantau demo`` (or a scheduled job) writes. Returns the paths by label
    (``"Offline map"``, ``"PNG"``, ``"Briefing PDF"``: catalogue entries) for the summary.
    ``settings`` is the ``maps`` section; ``None`` reads the process settings, kept only until
    ``geo.demo`` passes its own. ``province`` titles the map (default: the catalogue's title).

    Examples
    --------
    >>> write_outputs(engine, "out/demo", settings=settings.maps)  # doctest: +SKIP
    {'Offline map': PosixPath('out/demo/peta-offline.html'), ...}
    """
    if settings is None:
        from geo.settings import get_settings

        settings = get_settings().maps
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
