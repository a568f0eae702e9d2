"""Assemble the overview map from GeoDataFrames or from the database.

:func:`build_map` takes frames (testable in memory) and a :class:`~geo.maps.options.MapOptions`;
each layer is drawn by its own builder (:data:`LAYER_BUILDERS`), then the tools, the title block
and the legend are added. :func:`overview` loads the frames first.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import folium
import geopandas as gpd
import pandas as pd
from folium import plugins
from sqlalchemy import Engine

from geo import labels
from geo.errors import ValidationError
from geo.i18n import Translator, translator
from geo.maps import layers as L
from geo.maps.assets import make_offline
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
    ZoomControl,
    add_runtime,
)
from geo.maps.options import LAYERS, MapOptions, Period, parse_period
from geo.maps.privacy import aggregate_reports, map_reports
from geo.settings import MapSettings

if TYPE_CHECKING:
    from geo.maps.sources import MapData

__all__ = [
    "layer_names",
    "LAYERS",
    "LAYER_BUILDERS",
    "Period",
    "MapInfo",
    "MapOptions",
    "build_from",
    "build_map",
    "map_info",
    "overview",
    "parse_period",
]

#: Up to this many report points are clustered (Leaflet.markercluster); above it they are
#: drawn on one canvas (one path for all points, a pixel grid for clicks).
CLUSTER_LIMIT: Final[int] = 5_000
#: Days of reports that the heat map shows, counted back from the end of the period.
HEAT_DAYS: Final[int] = 90
_OSM = "OpenStreetMap"
_SATELLITE = "Esri.WorldImagery"


@dataclass
class MapInfo:
    """What a built map holds: features per layer key, for the CLI, tests and benchmarks."""

    counts: dict[str, int] = field(default_factory=dict)
    offline: bool = False
    assets: list[str] = field(default_factory=list)
    lang: str = "id"
    title: str = ""
    #: Whether a vector base map (coastline, rivers, towns...) is drawn beneath the data.
    base: bool = False
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
    >>> m = build_map(sites=sites, options=MapOptions(offline=True), settings=MapSettings())
    >>> map_info(m).offline
    True
    """
    try:
        return _INFO[m]
    except KeyError:
        raise ValidationError(
            "this folium.Map was not built by geo.maps.build_map/overview", field="map"
        ) from None


def _in_period(reports: gpd.GeoDataFrame, period: Period) -> gpd.GeoDataFrame:
    if "received_at" not in reports.columns or reports.empty:
        return reports
    stamps = pd.to_datetime(reports["received_at"], utc=True)
    start = pd.Timestamp(period.start, tz="UTC")
    end = pd.Timestamp(period.end, tz="UTC") + pd.Timedelta(days=1)
    return reports[(stamps >= start) & (stamps < end)]


def _day_number(day: dt.date) -> int:
    return int(L.epoch_day(pd.Series([pd.Timestamp(day)]))[0])


def _worded(reasons: Any, lang: str) -> Any:
    """Priority reasons in the map's language when they come as score inputs (a mapping)."""
    from geo.priority import explain

    if isinstance(reasons, dict) and "pts_reports" in reasons:
        return explain(reasons, lang=lang)
    return reasons


@dataclass
class _Canvas:
    """What the layer builders share while one map is drawn."""

    m: folium.Map
    t: Translator
    options: MapOptions
    info: MapInfo
    sites: gpd.GeoDataFrame
    hotspots: gpd.GeoDataFrame | None = None
    bases: gpd.GeoDataFrame | None = None
    routes: gpd.GeoDataFrame | None = None
    admin: gpd.GeoDataFrame | None = None
    wiup: gpd.GeoDataFrame | None = None
    forest: gpd.GeoDataFrame | None = None
    alerts: gpd.GeoDataFrame | None = None
    #: The reports the map may show (redacted, in the period; aggregated when shared).
    reports: gpd.GeoDataFrame | None = None
    #: Visible reports per site code, for the site cards.
    report_counts: dict[str, int] = field(default_factory=dict)
    #: The report points, written once and shared by the report and heat layers.
    report_data: ReportData | None = None
    report_fields: list[dict[str, str]] = field(default_factory=list)
    #: The base map draws approximate (demo) regency boundaries: the legend says so.
    base_approximate: bool = False

    @property
    def days(self) -> tuple[int, int]:
        """The period's first and last day, as day numbers."""
        return _day_number(self.options.period.start), _day_number(self.options.period.end)


def _data_layer(c: _Canvas, key: str, features: list[dict[str, Any]]) -> bool:
    DataLayer(key, layer_names(c.t, c.options.share)[key], features).add_to(c.m)
    c.info.counts[key] = len(features)
    return True


def add_sites(c: _Canvas) -> bool:
    """Draw the sites, coloured by status and sized by priority; cards count visible reports."""
    features = L.site_features(
        c.sites, c.t, report_counts=c.report_counts, base_url=c.options.base_url
    )
    return _data_layer(c, "sites", features)


def add_hotspots(c: _Canvas) -> bool:
    """Draw the candidate hotspots (hulls with report counts)."""
    if c.hotspots is None:
        return False
    features = L.hotspot_features(c.hotspots.to_crs(4326), c.t, base_url=c.options.base_url)
    return _data_layer(c, "hotspots", features)


def add_bases(c: _Canvas) -> bool:
    """Draw the field team bases."""
    if c.bases is None:
        return False
    features = L.base_features(c.bases.to_crs(4326), c.t)
    return _data_layer(c, "bases", features)


def add_admin(c: _Canvas) -> bool:
    """Draw administrative boundary outlines."""
    if c.admin is None:
        return False
    features = L.admin_features(c.admin)
    return _data_layer(c, "admin", features)


def add_routes(c: _Canvas) -> bool:
    """Draw the patrol routes, one layer per team."""
    if c.routes is None:
        return False
    for team, feats in L.route_features(c.routes.to_crs(4326), c.t).items():
        name = c.t.gettext("Patrol routes: team {team}", team=team)
        DataLayer(f"routes:{team}", name, feats).add_to(c.m)
        c.info.counts[f"routes:{team}"] = len(feats)
    return True


def add_wiup(c: _Canvas) -> bool:
    """Draw the permit areas (WIUP) of the newest snapshot, by class (hidden at first)."""
    if c.wiup is None or not len(c.wiup):
        return False
    features = L.wiup_features(c.wiup, c.t)
    name = layer_names(c.t, c.options.share)["wiup"]
    DataLayer("wiup", name, features, show=False).add_to(c.m)
    c.info.counts["wiup"] = len(features)
    return True


def add_forest(c: _Canvas) -> bool:
    """Draw the forest estate of the newest snapshot, by function (hidden at first)."""
    if c.forest is None or not len(c.forest):
        return False
    features = L.forest_features(c.forest, c.t)
    name = layer_names(c.t, c.options.share)["forest"]
    DataLayer("forest", name, features, show=False).add_to(c.m)
    c.info.counts["forest"] = len(features)
    return True


def add_alerts(c: _Canvas) -> bool:
    """Draw the satellite alert patches (hidden at first), attributed to GFW (CC BY 4.0)."""
    from geo.alerts.config import ATTRIBUTION

    if c.alerts is None or not len(c.alerts):
        return False
    features = L.alert_features(c.alerts, c.t)
    name = layer_names(c.t, c.options.share)["alerts"]
    DataLayer("alerts", name, features, show=False, attribution=ATTRIBUTION).add_to(c.m)
    c.info.counts["alerts"] = len(features)
    return True


def _report_data(c: _Canvas) -> ReportData | None:
    if c.report_data is None and c.reports is not None:
        data, c.report_fields = L.report_columns(c.reports, c.t, aggregated=c.options.share)
        c.report_data = ReportData(data)
        c.m.add_child(c.report_data)
    return c.report_data


def add_reports(c: _Canvas) -> bool:
    """Draw the report points: clustered up to :data:`CLUSTER_LIMIT`, else on one canvas."""
    data = _report_data(c)
    if data is None:
        return False
    first, last = c.days
    share = c.options.share
    name = layer_names(c.t, share)["reports"]
    options: dict[str, Any] = {
        "from": first,
        "to": last,
        "fields": c.report_fields,
        "heading": c.t.gettext("Report"),
        "canvasFrom": CLUSTER_LIMIT,
        "locale": c.t.lang,
    }
    cluster = data.size <= CLUSTER_LIMIT and not share
    ReportLayer("reports", name, data, options, cluster=cluster).add_to(c.m)
    c.info.counts["reports"] = data.size
    return True


def add_heat(c: _Canvas) -> bool:
    """Draw the heat map of the last :data:`HEAT_DAYS` days of the period (hidden at first)."""
    data = _report_data(c)
    if data is None or c.reports is None:
        return False
    first, last = c.days
    options = {"from": first, "to": last, "days": HEAT_DAYS}
    name = layer_names(c.t, c.options.share)["heat"]
    HeatLayer("heat", name, data, options, show=False).add_to(c.m)
    recent = 0
    if len(c.reports) and "received_at" in c.reports.columns:
        recent = int((L.epoch_day(c.reports["received_at"]) >= last - HEAT_DAYS).sum())
    c.info.counts["heat"] = recent
    return True


#: One builder per layer key; each returns whether it drew its layer.
LAYER_BUILDERS: Final[dict[str, Callable[[_Canvas], bool]]] = {
    "admin": add_admin,
    "forest": add_forest,
    "wiup": add_wiup,
    "hotspots": add_hotspots,
    "alerts": add_alerts,
    "sites": add_sites,
    "reports": add_reports,
    "heat": add_heat,
    "bases": add_bases,
    "routes": add_routes,
}


def _prepare_reports(c: _Canvas, reports: gpd.GeoDataFrame | None) -> None:
    """Redact and filter the reports once; count them per site; aggregate them when shared."""
    if reports is None:
        return
    share = c.options.share
    visible = _in_period(map_reports(reports, share=share), c.options.period)
    if "site_code" in visible.columns:
        c.report_counts = visible["site_code"].dropna().astype(str).value_counts().to_dict()
    if {"reports", "heat"} & set(c.options.layers):
        c.reports = (
            aggregate_reports(visible, sites=c.sites, hotspots=c.hotspots) if share else visible
        )


def _new_map(frames: list[gpd.GeoDataFrame | None], t: Translator) -> folium.Map:
    """Return an empty map with Pantau's runtime, fitted to the extent of ``frames``."""
    m = folium.Map(
        tiles=None,
        zoom_control=False,  # added below, with tooltips in the map's language
        control_scale=False,
        prefer_canvas=True,
        zoom_start=7,
        location=[0.5, 116.5],
        maxZoom=19,
        minZoom=3,
    )
    add_runtime(m)
    extents = [f.total_bounds for f in frames if f is not None and len(f)]
    if extents:
        west = min(float(e[0]) for e in extents)
        south = min(float(e[1]) for e in extents)
        east = max(float(e[2]) for e in extents)
        north = max(float(e[3]) for e in extents)
        m.add_child(FitView([[south, west], [north, east]]))
    m.add_child(ZoomControl(zoom_in=t.gettext("Zoom in"), zoom_out=t.gettext("Zoom out")))
    return m


def _base_layers(c: _Canvas) -> str | None:
    """Add the base maps; return the tile URL the minimap should use (None: vector outline)."""
    t, tiles = c.t, c.options.tiles
    if tiles:
        name = t.gettext("Local map tiles")
        folium.TileLayer(tiles=tiles, name=name, attr="local", max_zoom=19).add_to(c.m)
        return tiles
    if c.options.offline:
        return None
    folium.TileLayer(_OSM, name=t.gettext("OpenStreetMap")).add_to(c.m)
    folium.TileLayer(_SATELLITE, name=t.gettext("Satellite imagery")).add_to(c.m)
    return "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def _vector_base(c: _Canvas, settings: MapSettings) -> None:
    """Draw the vector base map (coastline, rivers, roads, towns...) beneath the data.

    Tiles the user gave replace it; so does a raster base map in the settings (drawn as tiles
    by the use cases, which know where the HTML file goes).
    """
    from geo.maps.basemap import add_basemap, configured_base

    if c.options.tiles:
        return
    base = configured_base(settings)
    if base is not None:
        c.info.base = add_basemap(c.m, base, c.t)
        c.base_approximate = base.approximate


def _tools(c: _Canvas, minimap_tiles: str | None) -> None:
    """Add full screen, measuring and the minimap with the metric scale."""
    t = c.t
    # folium's plugin constructors are untyped.
    plugins.Fullscreen(  # type: ignore[no-untyped-call]
        title=t.gettext("Full screen"), title_cancel=t.gettext("Exit full screen")
    ).add_to(c.m)
    measure = plugins.MeasureControl(  # type: ignore[no-untyped-call]
        position="topleft",
        primary_length_unit="kilometers",
        secondary_length_unit="meters",
        primary_area_unit="hectares",
    )
    measure.add_to(c.m)
    c.m.add_child(MeasureOnSvg(measure))
    outline = [
        {"type": "Feature", "geometry": L._geometry(g.representative_point(), 4), "properties": {}}
        for g in c.sites.geometry
        if g is not None and not g.is_empty
    ]
    strings = {"hideText": t.gettext("Hide minimap"), "showText": t.gettext("Show minimap")}
    c.m.add_child(MiniMapControl(tiles=minimap_tiles, outline=outline, strings=strings))


def _title_lines(c: _Canvas) -> list[list[Any]]:
    t, o = c.t, c.options
    start = t.date(o.period.start, format="medium")
    end = t.date(o.period.end, format="medium")
    generated = t.date(o.generated or dt.date.today(), format="medium")
    source = o.source or t.gettext("Pantau Tambang registry, Dinas ESDM Kaltim")
    lines: list[list[Any]] = [
        ["pantau-title-main", c.info.title, None],
        ["", t.gettext("Period: {start} – {end}", start=start, end=end), None],
        ["", t.gettext("Generated: {date}", date=generated), None],
        ["", t.gettext("Data source: {source}", source=source), None],
    ]
    if o.share:
        note = t.gettext("Report points aggregated per location/grid cell for sharing")
        lines.append(["", note, None])
    if o.demo:
        lines.append(["pantau-demo", t.gettext("synthetic demo data"), None])
    if c.info.counts.get("alerts"):
        from geo.alerts.config import ATTRIBUTION

        lines.append(["", t.gettext("Satellite alerts: {source}", source=ATTRIBUTION), None])
    return lines


#: The legend symbol of each layer other than the sites.
_SYMBOLS: Final[dict[str, dict[str, str]]] = {
    "forest": {"fill": L.FOREST_COLOURS["HUTAN_LINDUNG"], "stroke": "#006d2c", "shape": "area"},
    "wiup": {"fill": L.PERMIT_COLOURS["WIUP_OP"], "stroke": "#1a9850", "shape": "area"},
    "hotspots": {"fill": "#de77ae", "stroke": "#c51b7d", "shape": "area"},
    "alerts": {"fill": L.ALERT_COLOUR, "stroke": L.ALERT_COLOUR, "shape": "area"},
    "reports": {"fill": "#807dba", "stroke": "#4a1486"},
    "heat": {"fill": "linear-gradient(90deg,#00f,#0f0,#ff0,#f00)", "shape": "line"},
    "bases": {"fill": "#ffffff", "stroke": "#08306b"},
    "routes": {"fill": L.TEAM_COLOURS[0], "shape": "line"},
    "admin": {"fill": "#525252", "shape": "line"},
}


def layer_names(t: Translator, share: bool = False) -> dict[str, str]:
    """Return the name of each layer key, as the layer control, the legend and the console's form.

    One list, so a new layer is named everywhere at once.
    """
    return {
        "sites": t.gettext("PETI sites"),
        "hotspots": t.gettext("Candidate hotspots"),
        "reports": (
            t.gettext("Reports (counts per location)") if share else t.gettext("Public reports")
        ),
        "heat": t.gettext("Heat map of recent reports"),
        "bases": t.gettext("Field team bases"),
        "routes": t.gettext("Patrol routes"),
        "admin": t.gettext("Administrative boundaries"),
        "wiup": t.gettext("Mining permit areas (WIUP)"),
        "forest": t.gettext("Forest estate"),
        "alerts": t.gettext("Satellite alerts"),
    }


def _legend(t: Translator, keys: tuple[str, ...], *, share: bool) -> list[list[Any]]:
    lines: list[list[Any]] = [["pantau-title-main", t.gettext("Legend"), None]]
    if "sites" in keys:
        lines.append(["", layer_names(t, share)["sites"], None])
        status_labels = labels.site_status_labels(t)
        for status, colour in L.STATUS_COLOURS.items():
            swatch = {"fill": colour, "stroke": colour}
            lines.append(["pantau-legend-row", status_labels[status], swatch])
        lines.append(["", t.gettext("Larger/darker = higher priority"), None])
    names = layer_names(t, share)
    for key, symbol in _SYMBOLS.items():
        if key in keys:
            lines.append(["pantau-legend-row", names[key], symbol])
    return lines


def _boxes(c: _Canvas, shown: tuple[str, ...]) -> None:
    """Add the title block, the legend and (with report points) the period sliders."""
    t = c.t
    c.m.add_child(BoxControl("topright", "pantau-title", _title_lines(c)))
    legend = _legend(t, shown, share=c.options.share)
    if c.base_approximate:
        swatch = {"fill": "#807dba", "shape": "line"}
        note = t.gettext("Regency boundaries (approximate, demo)")
        legend.append(["pantau-legend-row", note, swatch])
    c.m.add_child(BoxControl("bottomleft", "pantau-legend", legend))
    if c.report_data is None:
        return
    first, last = c.days
    options = {
        "label": t.gettext("Period"),
        "fromLabel": t.gettext("From"),
        "toLabel": t.gettext("To"),
        "min": first,
        "max": last,
        "from": first,
        "to": last,
        "position": "bottomleft",
        "locale": t.lang,
    }
    c.m.add_child(PeriodControl(options))


def _site_frame(sites: gpd.GeoDataFrame, lang: str) -> gpd.GeoDataFrame:
    sites = sites.to_crs(4326) if sites.crs is not None else sites
    if "priority_reasons" in sites.columns:
        sites = sites.assign(priority_reasons=[_worded(r, lang) for r in sites["priority_reasons"]])
    return sites


def build_map(
    *,
    sites: gpd.GeoDataFrame,
    reports: gpd.GeoDataFrame | None = None,
    hotspots: gpd.GeoDataFrame | None = None,
    bases: gpd.GeoDataFrame | None = None,
    routes: gpd.GeoDataFrame | None = None,
    admin: gpd.GeoDataFrame | None = None,
    wiup: gpd.GeoDataFrame | None = None,
    forest: gpd.GeoDataFrame | None = None,
    alerts: gpd.GeoDataFrame | None = None,
    options: MapOptions | None = None,
    settings: MapSettings,
) -> folium.Map:
    """Build the overview map from GeoDataFrames in EPSG:4326.

    Reports go through :func:`geo.maps.privacy.map_reports` here, whatever the caller did:
    no ``rahasia`` report and no reporter identity can reach the map; with ``share=True``
    points become counts per site, hotspot or grid cell.

    Parameters
    ----------
    sites, reports, hotspots, bases, routes, admin
        The layers' data; ``None`` leaves a layer out.
    wiup, forest, alerts
        The newest permit areas and forest estate (:func:`geo.layers.service.map_frame`) and
        the satellite alert patches (:func:`geo.alerts.service.patch_frame`): optional layers,
        hidden until switched on; alerts are attributed to GFW (CC BY 4.0).
    options
        Period, layers, language, offline, sharing... (default: :class:`MapOptions()`).
    settings
        The ``maps`` settings: where the pinned assets an offline map inlines are.

    Returns
    -------
    folium.Map
        :func:`map_info` returns what it holds (feature counts per layer key).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> sites = gpd.GeoDataFrame({"code": ["KKR-001"], "name": ["Loa"], "status": ["active"]},
    ...     geometry=[Point(117.0, -0.5)], crs=4326)
    >>> opts = MapOptions(lang="en")
    >>> map_info(build_map(sites=sites, options=opts, settings=MapSettings())).counts
    {'sites': 1}
    """
    o = options or MapOptions()
    t = translator(o.lang)
    sites = _site_frame(sites, o.lang)
    info = MapInfo(
        offline=o.offline,
        lang=o.lang,
        title=o.title or t.gettext("Illegal Mining (PETI) Monitoring Map, East Kalimantan"),
    )
    info.sites = pd.DataFrame(sites.drop(columns=sites.geometry.name)).reset_index(drop=True)
    m = _new_map([sites, hotspots, bases, routes], t)
    _INFO[m] = info
    c = _Canvas(m, t, o, info, sites, hotspots=hotspots, bases=bases, routes=routes, admin=admin)
    c.wiup, c.forest, c.alerts = wiup, forest, alerts
    minimap_tiles = _base_layers(c)
    _vector_base(c, settings)
    _prepare_reports(c, reports)
    shown = tuple(key for key in LAYERS if key in o.layers and LAYER_BUILDERS[key](c))
    _tools(c, minimap_tiles)
    _boxes(c, shown)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    m.add_child(Start())
    if o.offline:
        info.assets = make_offline(m, settings=settings)
    return m


def overview(
    engine: Engine,
    options: MapOptions | None = None,
    *,
    admin: gpd.GeoDataFrame | None = None,
    settings: MapSettings,
) -> folium.Map:
    """Build the overview map from the database: sites, reports, hotspots, bases, routes.

    Each layer is loaded through its library (``geo.sites.load``, ``geo.reports.load``...).

    Examples
    --------
    >>> m = overview(engine, MapOptions(lang="en", offline=True), settings=settings.maps)
    >>> m.save("overview.html")
    """
    from geo.maps import sources

    o = options or MapOptions()
    data = sources.load_all(engine, period=o.period)
    return build_from(data, o, admin=admin, settings=settings)


def build_from(
    data: MapData,
    options: MapOptions | None = None,
    *,
    admin: gpd.GeoDataFrame | None = None,
    settings: MapSettings,
) -> folium.Map:
    """Build a map from layers already loaded with :func:`geo.maps.sources.load_all`.

    Loading once and building twice (online to view, offline for the briefing) is what
    ``pantau map`` does. ``options.demo=None`` marks the map as the data say.

    Examples
    --------
    >>> data = geo.maps.sources.load_all(engine, period=Period.last(90))
    >>> online = build_from(data, MapOptions(), settings=settings.maps)
    >>> type(online).__name__
    'Map'
    """
    o = options or MapOptions()
    if o.demo is None:
        o = o.replace(demo=data.demo)
    return build_map(
        sites=data.sites,
        reports=data.reports,
        hotspots=data.hotspots,
        bases=data.bases,
        routes=data.routes,
        admin=admin,
        wiup=data.wiup,
        forest=data.forest,
        alerts=data.alerts,
        options=o,
        settings=settings,
    )
