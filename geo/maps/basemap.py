"""The base map under every map: land and water, coastline, rivers, roads, boundaries, towns.

The base is vector data drawn by Leaflet itself (on a canvas in a pane beneath the data), with
town labels, so it needs no network and no tile server, and a PNG or PDF made in headless
Chromium shows exactly what the HTML shows. Its layers come from (first that applies):

1. ``PANTAU_MAPS_BASEMAP``: a GeoPackage of base layers (``pantau basemap demo``) or the vector
   MBTiles of ``pantau basemap build`` (OpenStreetMap). A raster MBTiles or a tile folder there
   is drawn as tiles instead (:func:`raster_basemap`).
2. The demo base of GSHHG/WDBII coastlines and rivers (Debian ``gmt-gshhg-high``) with
   approximate kabupaten lines, when ``PANTAU_MAPS_DEMO_BASEMAP`` is on and GMT is installed.
"""

from __future__ import annotations

import html
import json
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import folium
import geopandas as gpd
import shapely
from branca.element import MacroElement
from folium.template import Template
from shapely.geometry import mapping

from geo.basemap.layers import BASE_LAYERS, attribution, read_base
from geo.i18n import Translator
from geo.maps.elements import safe_json
from geo.settings import MapSettings

__all__ = [
    "BaseMapLayer",
    "PreparedBase",
    "add_basemap",
    "base_features",
    "base_layers",
    "configured_base",
    "prepare_base",
    "raster_basemap",
]

#: Coordinates are written with this many decimals (about 11 m), enough for a province map.
DIGITS: Final[int] = 4
#: Lines and areas are simplified to this many degrees (about 55 m) before they are written.
TOLERANCE: Final[float] = 0.0005
#: Properties kept per layer (everything else is left out of the page).
_KEEP: Final[dict[str, tuple[str, ...]]] = {
    "rivers": ("name",),
    "roads": ("class", "name"),
    "boundaries": ("admin_level", "approximate"),
    "places": ("name", "rank"),
}
_RASTER_FORMATS: Final[frozenset[str]] = frozenset({"png", "jpg", "jpeg", "webp"})


def _mbtiles_format(path: Path) -> str:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
            row = con.execute("SELECT value FROM metadata WHERE name = 'format'").fetchone()
    except sqlite3.DatabaseError:
        return ""
    return str(row[0]).lower() if row else ""


def raster_basemap(settings: MapSettings) -> Path | None:
    """Return the configured base map when it is raster tiles (MBTiles of images or a folder).

    Examples
    --------
    >>> raster_basemap(MapSettings(basemap=None)) is None
    True
    """
    path = settings.basemap
    if path is None:
        return None
    if path.is_dir():
        return path
    if path.suffix.lower() == ".mbtiles" and _mbtiles_format(path) in _RASTER_FORMATS:
        return path
    return None


def base_layers(settings: MapSettings) -> dict[str, gpd.GeoDataFrame] | None:
    """Return the vector base layers the settings ask for, or ``None`` when there are none.

    Examples
    --------
    >>> base_layers(MapSettings(basemap=None, demo_basemap=False)) is None
    True
    """
    from geo.basemap import gshhg
    from geo.basemap.demo import demo_layers

    demo = settings.demo_basemap and gshhg.available()
    if settings.basemap is None:
        return demo_layers() if demo else None
    if raster_basemap(settings) is not None:
        return None
    layers = read_base(settings.basemap)
    if "land" not in layers and demo:
        # OpenStreetMap tiles hold no land polygons: the sea and the land come from GSHHG.
        layers["land"] = demo_layers()["land"]
    return layers


def _value(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def base_features(key: str, frame: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return one base layer as a GeoJSON FeatureCollection with rounded coordinates.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> f = gpd.GeoDataFrame({"name": ["Samarinda"], "rank": [1], "source": ["x"]},
    ...     geometry=[Point(117.153456, -0.502345)], crs=4326)
    >>> base_features("places", f)["features"][0]
    {'type': 'Feature', 'geometry': {'type': 'Point', 'coordinates': [117.1535, -0.5023]}, \
'properties': {'name': 'Samarinda', 'rank': 1}}
    """
    keep = [c for c in _KEEP.get(key, ()) if c in frame.columns]
    geoms = shapely.simplify(frame.geometry.values, TOLERANCE, preserve_topology=True)
    geoms = shapely.set_precision(geoms, 10.0**-DIGITS)
    features = []
    for geom, (_, row) in zip(geoms, frame[keep].iterrows(), strict=True):
        if geom is None or geom.is_empty:
            continue
        props = {c: _value(row[c]) for c in keep}
        features.append({"type": "Feature", "geometry": mapping(geom), "properties": props})
    text = safe_json({"type": "FeatureCollection", "features": features})
    # mapping() gives tuples and floats like 117.15350000000001; one round trip through JSON
    # with rounding keeps the page small.
    data: dict[str, Any] = json.loads(text, parse_float=lambda s: round(float(s), DIGITS))
    return data


@dataclass(frozen=True)
class PreparedBase:
    """Base layers ready for a page: their GeoJSON (one string), sources and flags."""

    layers_json: str
    order: tuple[str, ...]
    sources: tuple[str, ...]
    approximate: bool


def prepare_base(layers: dict[str, gpd.GeoDataFrame]) -> PreparedBase | None:
    """Turn base layers into what a page holds; ``None`` when there is nothing to draw.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> places = gpd.GeoDataFrame({"name": ["Samarinda"], "rank": [1], "source": ["Uji"]},
    ...     geometry=[Point(117.15, -0.5)], crs=4326)
    >>> prepare_base({"places": places}).sources
    ('Uji',)
    """
    collections = {
        key: base_features(key, layers[key])
        for key in BASE_LAYERS
        if key in layers and layers[key] is not None and len(layers[key])
    }
    if not collections:
        return None
    boundaries = layers.get("boundaries")
    flags = boundaries.get("approximate") if boundaries is not None else None
    approximate = bool(flags is not None and flags.fillna(False).astype(bool).any())
    return PreparedBase(
        safe_json(collections), tuple(collections), tuple(attribution(layers)), approximate
    )


@lru_cache(maxsize=8)
def _prepared(basemap: Path | None, stamp: float, demo: bool) -> PreparedBase | None:
    layers = base_layers(MapSettings(basemap=basemap, demo_basemap=demo))
    return prepare_base(layers) if layers else None


def configured_base(settings: MapSettings) -> PreparedBase | None:
    """Return the settings' vector base, prepared once per process (per file version).

    Examples
    --------
    >>> configured_base(MapSettings(basemap=None, demo_basemap=False)) is None
    True
    """
    path = settings.basemap
    stamp = path.stat().st_mtime if path is not None and path.exists() else 0.0
    return _prepared(path, stamp, settings.demo_basemap)


class BaseMapLayer(MacroElement):
    """The base layers, drawn by Leaflet on a canvas in a pane beneath every data layer."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function (map, base) {
  var panes = [["pantauBase", 250], ["pantauBaseLabels", 390]];
  panes.forEach(function (p) {
    var pane = map.createPane(p[0]); pane.style.zIndex = p[1]; pane.style.pointerEvents = "none";
  });
  var renderer = L.canvas({pane: "pantauBase", padding: 0.5});
  var roads = {motorway: ["#d9822b", 2.4], trunk: ["#d9822b", 2.2], primary: ["#e8a35a", 1.8],
               secondary: ["#efc27e", 1.3]};
  var dashes = {2: ["#5e3c99", 1.8, "8 4"], 4: ["#6a51a3", 1.5, "6 4"],
                5: ["#807dba", 1.2, "5 4"], 6: ["#9e9ac8", 0.8, "2 4"]};
  function style(key, f) {
    var p = f.properties || {};
    switch (key) {
      case "land": return {stroke: false, fillColor: "#f3efe6", fillOpacity: 1};
      case "water": return {stroke: false, fillColor: "#b9d6e8", fillOpacity: 1};
      case "coastline": return {color: "#6c9bbd", weight: 1, fill: false};
      case "rivers": return {color: "#5b9bd5", weight: 1.4, fill: false};
      case "roads":
        var r = roads[p["class"]] || ["#c8c0b0", 0.9];
        return {color: r[0], weight: r[1], fill: false};
      case "boundaries":
        var d = dashes[p.admin_level] || dashes[6];
        return {color: d[0], weight: d[1], dashArray: d[2], fill: false,
                opacity: p.approximate ? 0.75 : 1};
    }
    return {};
  }
  var group = L.layerGroup();
  {{ this.order }}.forEach(function (key) {
    if (!base.layers[key]) { return; }
    group.addLayer(L.geoJSON(base.layers[key], {
      interactive: false, pane: "pantauBase", renderer: renderer,
      style: function (f) { return style(key, f); },
      pointToLayer: function (f, ll) {
        var rank = f.properties.rank || 3;
        var dot = L.circleMarker(ll, {renderer: renderer, pane: "pantauBase", interactive: false,
          radius: rank === 1 ? 3.5 : 2.5, weight: 1, color: "#333", fillColor: "#fff",
          fillOpacity: 1});
        dot.bindTooltip(String(f.properties.name || ""), {permanent: true, direction: "right",
          offset: [4, 0], pane: "pantauBaseLabels", interactive: false,
          className: "pantau-place pantau-place-" + rank});
        return dot;
      }
    }));
  });
  group.addTo(map);
  // With land polygons the background is the sea; without, the land.
  map.getContainer().style.background = base.layers.land ? "#b9d6e8" : "#f3efe6";
  if (map.attributionControl) { map.attributionControl.addAttribution(base.attribution); }
  // Towns at zoom 9 and villages at 11, so that labels do not cover each other.
  function declutter() {
    var z = map.getZoom(), c = map.getContainer().classList;
    c.toggle("pantau-hide-rank2", z < 9); c.toggle("pantau-hide-rank3", z < 11);
  }
  map.on("zoomend", declutter); declutter();
})({{ this._parent.get_name() }}, {{ this.json }});
{% endmacro %}"""
    )

    def __init__(self, base: PreparedBase, attribution_text: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is untyped
        self._name = "PantauBaseMap"
        self.order = safe_json(list(base.order))
        attribution_json = safe_json(attribution_text)
        self.json = f'{{"layers":{base.layers_json},"attribution":{attribution_json}}}'
        self.size = len(self.json)


def _attribution(base: PreparedBase, t: Translator) -> str:
    parts = [t.gettext("Base map: {sources}", sources="; ".join(base.sources))]
    if base.approximate:
        parts.append(t.gettext("regency boundaries approximate (demo)"))
    # Leaflet writes attributions as HTML; the sources are our own strings, escaped anyway.
    return html.escape(" · ".join(parts))


def add_basemap(
    m: folium.Map, layers: dict[str, gpd.GeoDataFrame] | PreparedBase, t: Translator
) -> bool:
    """Draw the base ``layers`` beneath the data of ``m``; return whether anything was drawn.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> places = gpd.GeoDataFrame({"name": ["Samarinda"], "rank": [1]},
    ...     geometry=[Point(117.15, -0.5)], crs=4326)
    >>> from geo.i18n import translator
    >>> add_basemap(folium.Map(), {"places": places}, translator("id"))
    True
    """
    base = layers if isinstance(layers, PreparedBase) else prepare_base(layers)
    if base is None:
        return False
    m.add_child(BaseMapLayer(base, _attribution(base, t)))
    return True
