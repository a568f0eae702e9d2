"""Assemble the overview map from GeoDataFrames or from the database.

:func:`build_map` takes frames (testable in memory); :func:`overview` loads them first.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import folium
import geopandas as gpd
import pandas as pd
from folium import plugins
from sqlalchemy import Engine

from geo.errors import ValidationError
from geo.maps import layers as L
from geo.maps.assets import make_offline
from geo.maps.catalogue import Catalogue
from geo.maps.elements import (
    BoxControl,
    DataLayer,
    FitView,
    HeatLayer,
    MeasureOnSvg,
    MiniMapControl,
    PeriodControl,
    ReportData,
    ReportLayer,
    Start,
    add_runtime,
)
from geo.maps.privacy import aggregate_reports, map_reports
from geo.maps.settings import MapSettings

if TYPE_CHECKING:
    from geo.maps.sources import MapData

__all__ = [
    "LAYERS",
    "Period",
    "MapInfo",
    "build_from",
    "build_map",
    "map_info",
    "overview",
    "parse_period",
]

#: Layer keys, in drawing order.
LAYERS: Final[tuple[str, ...]] = (
    "admin",
    "hotspots",
    "sites",
    "reports",
    "heat",
    "bases",
    "routes",
)
#: Up to this many report points are clustered (Leaflet.markercluster); above it they are
#: drawn on one canvas (one path for all points, a pixel grid for clicks).
CLUSTER_LIMIT: Final[int] = 5_000
#: Days of reports that the heat map shows, counted back from the end of the period.
HEAT_DAYS: Final[int] = 90
_OSM = "OpenStreetMap"
_SATELLITE = "Esri.WorldImagery"


@dataclass(frozen=True)
class Period:
    """The reporting period a map covers, both ends included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValidationError(
                f"period start {self.start} is after its end {self.end}", field="period"
            )

    @classmethod
    def last(cls, days: int, *, today: dt.date | None = None) -> Period:
        """Return the ``days`` days up to ``today``."""
        end = today or dt.date.today()
        return cls(end - dt.timedelta(days=days - 1), end)


def parse_period(text: str | None, *, today: dt.date | None = None) -> Period:
    """Parse ``"2026-01-01..2026-06-30"``, ``"90d"`` (last 90 days) or None (last 365 days).

    Examples
    --------
    >>> parse_period("2026-01-01..2026-03-31")
    Period(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 3, 31))
    >>> parse_period("30d", today=dt.date(2026, 1, 30)).start
    datetime.date(2026, 1, 1)
    """
    if text is None or text == "":
        return Period.last(365, today=today)
    text = text.strip()
    if text.endswith("d") and text[:-1].isdigit() and int(text[:-1]) > 0:
        return Period.last(int(text[:-1]), today=today)
    parts = text.split("..")
    try:
        if len(parts) != 2:
            raise ValueError
        return Period(dt.date.fromisoformat(parts[0]), dt.date.fromisoformat(parts[1]))
    except ValueError:
        raise ValidationError(
            f"`period` must look like 2026-01-01..2026-06-30 or 90d, got {text!r}", field="period"
        ) from None


@dataclass
class MapInfo:
    """What a built map holds: features per layer key, for the CLI, tests and benchmarks."""

    counts: dict[str, int] = field(default_factory=dict)
    offline: bool = False
    assets: list[str] = field(default_factory=list)
    lang: str = "id"
    title: str = ""
    #: The sites drawn, without geometry, for the briefing's table of top sites.
    sites: pd.DataFrame | None = None


_INFO: weakref.WeakKeyDictionary[folium.Map, MapInfo] = weakref.WeakKeyDictionary()


def map_info(m: folium.Map) -> MapInfo:
    """Return what :func:`build_map` recorded about ``m`` (layers, counts, offline, language).

    Raises
    ------
    ValidationError
        When ``m`` was not made by :func:`build_map`.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> sites = gpd.GeoDataFrame({"code": ["A"], "name": ["a"], "status": ["active"]},
    ...     geometry=[Point(117.0, -0.5)], crs=4326)
    >>> map_info(build_map(sites=sites, offline=True)).offline
    True
    """
    try:
        return _INFO[m]
    except KeyError:
        raise ValidationError(
            "this folium.Map was not built by geo.maps.build_map/overview", field="map"
        ) from None


def _check_layers(layers: Iterable[str] | None) -> tuple[str, ...]:
    if layers is None:
        return LAYERS
    chosen = tuple(dict.fromkeys(layers))
    unknown = [k for k in chosen if k not in LAYERS]
    if unknown:
        raise ValidationError(
            f"`layers` has unknown key(s) {unknown}; expected some of {list(LAYERS)}",
            field="layers",
        )
    return chosen


def _in_period(reports: gpd.GeoDataFrame, period: Period) -> gpd.GeoDataFrame:
    if "received_at" not in reports.columns or reports.empty:
        return reports
    stamps = pd.to_datetime(reports["received_at"], utc=True)
    start = pd.Timestamp(period.start, tz="UTC")
    end = pd.Timestamp(period.end, tz="UTC") + pd.Timedelta(days=1)
    return reports[(stamps >= start) & (stamps < end)]


def _base_layers(m: folium.Map, cat: Catalogue, *, offline: bool, tiles: str | None) -> str | None:
    """Add the base maps; return the tile URL the minimap should use (None: vector outline)."""
    if tiles:
        folium.TileLayer(tiles=tiles, name=cat("base_offline"), attr="local", max_zoom=19).add_to(m)
        return tiles
    if offline:
        return None
    folium.TileLayer(_OSM, name=cat("base_osm")).add_to(m)
    folium.TileLayer(_SATELLITE, name=cat("base_satellite")).add_to(m)
    return "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def _legend(cat: Catalogue, keys: tuple[str, ...]) -> list[list[Any]]:
    lines: list[list[Any]] = [["pantau-title-main", cat("legend"), None]]
    if "sites" in keys:
        lines.append(["", cat("layer_sites"), None])
        for status, colour in L.STATUS_COLOURS.items():
            lines.append(
                ["pantau-legend-row", cat.status(status), {"fill": colour, "stroke": colour}]
            )
        lines.append(["", cat("legend_size"), None])
    symbols = {
        "hotspots": {"fill": "#de77ae", "stroke": "#c51b7d", "shape": "area"},
        "reports": {"fill": "#807dba", "stroke": "#4a1486"},
        "heat": {"fill": "linear-gradient(90deg,#00f,#0f0,#ff0,#f00)", "shape": "line"},
        "bases": {"fill": "#ffffff", "stroke": "#08306b"},
        "routes": {"fill": L.TEAM_COLOURS[0], "shape": "line"},
        "admin": {"fill": "#525252", "shape": "line"},
    }
    for key, symbol in symbols.items():
        if key in keys:
            lines.append(["pantau-legend-row", cat(f"layer_{key}"), symbol])
    return lines


def _worded(reasons: Any, lang: str) -> Any:
    """Priority reasons in the map's language when they come as score inputs (a mapping)."""
    from geo.priority import explain

    if isinstance(reasons, dict) and "pts_reports" in reasons:
        return explain(reasons, lang=lang)
    return reasons


def build_map(
    *,
    sites: gpd.GeoDataFrame,
    reports: gpd.GeoDataFrame | None = None,
    hotspots: gpd.GeoDataFrame | None = None,
    bases: gpd.GeoDataFrame | None = None,
    routes: gpd.GeoDataFrame | None = None,
    admin: gpd.GeoDataFrame | None = None,
    period: Period | None = None,
    layers: Iterable[str] | None = None,
    lang: str = "id",
    offline: bool = False,
    tiles: str | None = None,
    base_url: str | None = None,
    share: bool = False,
    demo: bool = False,
    title: str | None = None,
    source: str | None = None,
    generated: dt.date | None = None,
    settings: MapSettings | None = None,
) -> folium.Map:
    """Build the overview map from GeoDataFrames in EPSG:4326.

    Reports go through :func:`geo.maps.privacy.map_reports` here, whatever the caller did:
    no ``rahasia`` report and no reporter identity can reach the map; with ``share=True``
    points become counts per site, hotspot or grid cell.

    Parameters
    ----------
    sites, reports, hotspots, bases, routes, admin
        The layers' data; ``None`` leaves a layer out.
    period
        Reporting period (default: the last 365 days); reports outside it are left out.
    layers
        Keys of :data:`LAYERS` to draw (default: every one with data).
    lang
        ``"id"`` (default) or ``"en"``: every label comes from :mod:`geo.maps.catalogue`.
    offline
        Inline Leaflet and plugins (no network needed) and use no web tiles.
    tiles
        A tile URL template (e.g. ``"tiles/{z}/{x}/{y}.png"`` relative to the HTML file).
    base_url
        Root of the API; site cards then link to ``{base_url}/sites/{code}``.
    share
        For audiences outside the agency: reports aggregated, ``anonim`` only.
    demo
        Mark the title block "synthetic demo data".

    Returns
    -------
    folium.Map
        :func:`map_info` returns what it holds (feature counts per layer key).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> sites = gpd.GeoDataFrame({"code": ["KKR-001"], "name": ["Loa"], "status": ["active"]},
    ...     geometry=[Point(117.0, -0.5)], crs=4326)
    >>> map_info(build_map(sites=sites, lang="en")).counts
    {'sites': 1}
    """
    cat = Catalogue(lang)
    keys = _check_layers(layers)
    period = period or Period.last(365)
    base_url = L.check_base_url(base_url)
    sites = sites.to_crs(4326) if sites.crs is not None else sites
    if "priority_reasons" in sites.columns:
        sites = sites.assign(priority_reasons=[_worded(r, lang) for r in sites["priority_reasons"]])
    info = MapInfo(offline=offline, lang=lang, title=title or cat("title"))
    info.sites = pd.DataFrame(sites.drop(columns=sites.geometry.name)).reset_index(drop=True)

    m = folium.Map(
        tiles=None,
        control_scale=False,
        prefer_canvas=True,
        zoom_start=7,
        location=[0.5, 116.5],
        maxZoom=19,
        minZoom=3,
    )
    _INFO[m] = info
    add_runtime(m)
    extents = [f.total_bounds for f in (sites, hotspots, bases, routes) if f is not None and len(f)]
    if extents:
        west = min(float(e[0]) for e in extents)
        south = min(float(e[1]) for e in extents)
        east = max(float(e[2]) for e in extents)
        north = max(float(e[3]) for e in extents)
        m.add_child(FitView([[south, west], [north, east]]))
    minimap_tiles = _base_layers(m, cat, offline=offline, tiles=tiles)

    shown: list[str] = []
    report_frame: gpd.GeoDataFrame | None = None
    counts: dict[str, int] = {}
    if reports is not None:
        visible = _in_period(map_reports(reports, share=share), period)
        if "site_code" in visible.columns:
            counts = visible["site_code"].dropna().astype(str).value_counts().to_dict()
        if {"reports", "heat"} & set(keys):
            report_frame = visible
            if share:
                report_frame = aggregate_reports(visible, sites=sites, hotspots=hotspots)

    data_element: ReportData | None = None
    start_day = int(L.epoch_day(pd.Series([pd.Timestamp(period.start)]))[0])
    end_day = int(L.epoch_day(pd.Series([pd.Timestamp(period.end)]))[0])
    for key in LAYERS:
        if key not in keys:
            continue
        if key == "sites":
            features = L.site_features(sites, cat, report_counts=counts, base_url=base_url)
            DataLayer("sites", cat("layer_sites"), features).add_to(m)
            info.counts["sites"] = len(features)
        elif key == "hotspots" and hotspots is not None:
            features = L.hotspot_features(hotspots.to_crs(4326), cat, base_url=base_url)
            DataLayer("hotspots", cat("layer_hotspots"), features).add_to(m)
            info.counts["hotspots"] = len(features)
        elif key == "bases" and bases is not None:
            features = L.base_features(bases.to_crs(4326), cat)
            DataLayer("bases", cat("layer_bases"), features).add_to(m)
            info.counts["bases"] = len(features)
        elif key == "admin" and admin is not None:
            features = L.admin_features(admin)
            DataLayer("admin", cat("layer_admin"), features).add_to(m)
            info.counts["admin"] = len(features)
        elif key == "routes" and routes is not None:
            for team, feats in L.route_features(routes.to_crs(4326), cat).items():
                name = f"{cat('layer_routes')}: {cat('field_team')} {team}"
                DataLayer(f"routes:{team}", name, feats).add_to(m)
                info.counts[f"routes:{team}"] = len(feats)
        elif key in ("reports", "heat") and report_frame is not None:
            if data_element is None:
                data, fields = L.report_columns(report_frame, cat, aggregated=share)
                data_element = ReportData(data)
                m.add_child(data_element)
            opts = {"from": start_day, "to": end_day}
            if key == "reports":
                name = cat("layer_reports_aggregated") if share else cat("layer_reports")
                cluster = data_element.size <= CLUSTER_LIMIT and not share
                ReportLayer(
                    "reports",
                    name,
                    data_element,
                    {
                        **opts,
                        "fields": fields,
                        "heading": cat("report_heading"),
                        "canvasFrom": CLUSTER_LIMIT,
                    },
                    cluster=cluster,
                ).add_to(m)
                info.counts["reports"] = data_element.size
            else:
                HeatLayer(
                    "heat", cat("layer_heat"), data_element, {**opts, "days": HEAT_DAYS}, show=False
                ).add_to(m)
                recent = 0
                if len(report_frame) and "received_at" in report_frame.columns:
                    days = L.epoch_day(report_frame["received_at"])
                    recent = int((days >= end_day - HEAT_DAYS).sum())
                info.counts["heat"] = recent
        else:
            continue
        shown.append(key)

    # folium's plugin constructors are untyped.
    plugins.Fullscreen(  # type: ignore[no-untyped-call]
        title=cat("fullscreen"), title_cancel=cat("fullscreen_exit")
    ).add_to(m)
    measure = plugins.MeasureControl(  # type: ignore[no-untyped-call]
        position="topleft",
        primary_length_unit="kilometers",
        secondary_length_unit="meters",
        primary_area_unit="hectares",
    )
    measure.add_to(m)
    m.add_child(MeasureOnSvg(measure))
    outline = [
        {"type": "Feature", "geometry": L._geometry(g.representative_point(), 4), "properties": {}}
        for g in sites.geometry
        if g is not None and not g.is_empty
    ]
    m.add_child(
        MiniMapControl(
            tiles=minimap_tiles,
            outline=outline,
            strings={"hideText": cat("minimap_hide"), "showText": cat("minimap_show")},
        )
    )
    generated = generated or dt.date.today()
    title_lines: list[list[Any]] = [
        ["pantau-title-main", title or cat("title"), None],
        ["", f"{cat('period')}: {period.start.isoformat()} – {period.end.isoformat()}", None],
        ["", f"{cat('generated')}: {generated.isoformat()}", None],
        ["", f"{cat('source')}: {source or cat('source_default')}", None],
    ]
    if share:
        title_lines.append(["", cat("aggregated_note"), None])
    if demo:
        title_lines.append(["pantau-demo", cat("demo"), None])
    m.add_child(BoxControl("topright", "pantau-title", title_lines))
    m.add_child(BoxControl("bottomleft", "pantau-legend", _legend(cat, tuple(shown))))
    if data_element is not None:
        m.add_child(
            PeriodControl(
                {
                    "label": cat("period"),
                    "fromLabel": cat("filter_from"),
                    "toLabel": cat("filter_to"),
                    "min": start_day,
                    "max": end_day,
                    "from": start_day,
                    "to": end_day,
                    "position": "bottomleft",
                }
            )
        )
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    m.add_child(Start())
    if offline:
        info.assets = make_offline(m, settings=settings)
    return m


def overview(
    engine: Engine,
    *,
    period: Period | None = None,
    layers: Iterable[str] | None = None,
    lang: str = "id",
    offline: bool = False,
    tiles: str | None = None,
    base_url: str | None = None,
    share: bool = False,
    demo: bool | None = None,
    admin: gpd.GeoDataFrame | None = None,
    settings: MapSettings | None = None,
) -> folium.Map:
    """Build the overview map from the database: sites, reports, hotspots, bases, routes.

    Each layer is loaded through its library (``geo.sites.load``, ``geo.reports.load``...);
    a layer whose library is not installed in this version is left out.

    Examples
    --------
    >>> m = overview(engine, lang="en", offline=True)
    >>> m.save("overview.html")
    """
    from geo.maps import sources

    data = sources.load_all(engine, period=period or Period.last(365))
    return build_from(
        data,
        admin=admin,
        period=period,
        layers=layers,
        lang=lang,
        offline=offline,
        tiles=tiles,
        base_url=base_url,
        share=share,
        demo=demo,
        settings=settings,
    )


def build_from(
    data: MapData,
    *,
    admin: gpd.GeoDataFrame | None = None,
    period: Period | None = None,
    layers: Iterable[str] | None = None,
    lang: str = "id",
    offline: bool = False,
    tiles: str | None = None,
    base_url: str | None = None,
    share: bool = False,
    demo: bool | None = None,
    settings: MapSettings | None = None,
) -> folium.Map:
    """Build a map from layers already loaded with :func:`geo.maps.sources.load_all`.

    Loading once and building twice (online to view, offline for the briefing) is what
    ``pantau map`` does; the options are those of :func:`build_map`.

    Examples
    --------
    >>> from geo.maps import Period
    >>> data = geo.maps.sources.load_all(engine, period=Period.last(90))
    >>> online, offline = (build_from(data, offline=o) for o in (False, True))
    """
    return build_map(
        sites=data.sites,
        reports=data.reports,
        hotspots=data.hotspots,
        bases=data.bases,
        routes=data.routes,
        admin=admin,
        period=period,
        layers=layers,
        lang=lang,
        offline=offline,
        tiles=tiles,
        base_url=base_url,
        share=share,
        demo=data.demo if demo is None else demo,
        settings=settings,
    )
