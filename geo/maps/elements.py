"""Folium elements that hand data to Pantau's map runtime (``templates/pantau.js``).

Every element serialises its data with :func:`safe_json`, which escapes ``<``, ``>`` and ``&`` so
that no user text can close the ``<script>`` it sits in; the runtime then builds popups and
tooltips with text nodes only. Each layer is a :class:`folium.map.Layer`, so the layer control
lists it and folium adds it to the map.
"""

from __future__ import annotations

import html
import json
from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.template import Template

from geo.maps.assets import cdn_resources, runtime_js

__all__ = [
    "safe_json",
    "Runtime",
    "Start",
    "FitView",
    "MeasureOnSvg",
    "ReportData",
    "DataLayer",
    "ReportLayer",
    "HeatLayer",
    "MiniMapControl",
    "BoxControl",
    "PeriodControl",
    "ZoomControl",
]

# Folium-style (name, URL) resources of the ONLINE variant only, derived from the pinned npm
# files (geo/maps/assets.py). Offline maps replace every one by its name with that file from
# node_modules, and remote_references() re-checks the saved HTML, so an offline map never
# fetches these.
_MARKERCLUSTER_JS = cdn_resources("markerclusterjs")
_MARKERCLUSTER_CSS = cdn_resources("markerclustercss", "markerclusterdefaultcss")
_HEAT_JS = cdn_resources("leaflet-heat.js")
_MINIMAP_JS = cdn_resources("Control_MiniMap_js")
_MINIMAP_CSS = cdn_resources("Control_MiniMap_css")

_CSS = """
.pantau-card{font:13px/1.35 system-ui,sans-serif;min-width:220px}
.pantau-card-title{font-weight:700;font-size:14px;margin-bottom:2px}
.pantau-card-subtitle{color:#555;margin-bottom:4px}
.pantau-card-rows th{text-align:left;font-weight:600;padding:1px 8px 1px 0;vertical-align:top;
 color:#333;white-space:nowrap}
.pantau-card-rows td{padding:1px 0;overflow-wrap:anywhere}
.pantau-card-heading{font-weight:600;margin-top:6px}
.pantau-card-reasons{margin:2px 0 0 16px;padding:0}
.pantau-card-link{display:inline-block;margin-top:6px}
.pantau-box{background:rgba(255,255,255,.93);padding:8px 10px;border-radius:6px;
 box-shadow:0 1px 5px rgba(0,0,0,.35);font:12px/1.4 system-ui,sans-serif;max-width:340px}
.pantau-title-main{font-size:16px;font-weight:700;margin-bottom:3px}
.pantau-demo{color:#b00020;font-weight:700;text-transform:uppercase;margin-top:3px}
.pantau-legend-row{display:flex;align-items:center;gap:6px;margin:2px 0}
.pantau-swatch{display:inline-block;width:12px;height:12px;border-radius:50%;
 border:1px solid rgba(0,0,0,.5)}
.pantau-swatch.line{border-radius:0;height:3px;border:0}
.pantau-swatch.area{border-radius:2px}
.pantau-period{background:#fff;padding:6px 8px;font:12px system-ui,sans-serif}
.pantau-period-row{display:flex;align-items:center;gap:6px}
.pantau-period-row span{min-width:48px}
.pantau-period-title{font-weight:600}
.leaflet-heatmap-layer,.pantau-points{pointer-events:none}
.leaflet-tooltip.pantau-place{background:none;border:0;box-shadow:none;padding:0 2px;
 font:600 11px/1.2 system-ui,sans-serif;color:#222;
 text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff}
.leaflet-tooltip.pantau-place:before{display:none}
.leaflet-tooltip.pantau-place-1{font-size:12.5px;font-weight:700}
.leaflet-tooltip.pantau-place-3{font-weight:400;color:#444}
.pantau-hide-rank2 .pantau-place-2,.pantau-hide-rank3 .pantau-place-3{display:none}
@media print{
.leaflet-control:not(.pantau-box):not(.leaflet-control-scale):not(.leaflet-control-attribution){
 display:none!important}}
"""


def safe_json(value: Any) -> str:
    r"""Serialise ``value`` as compact JSON that is safe inside an HTML ``<script>`` element.

    Examples
    --------
    >>> safe_json({"t": "</script><img src=x>"})
    '{"t":"\\u003c/script\\u003e\\u003cimg src=x\\u003e"}'
    """
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


class Runtime(Element):
    """Pantau's runtime script and styles, inlined in the page header (first-party code)."""

    def render(self, **kwargs: Any) -> str:
        """Return the runtime's ``<style>`` and ``<script>``."""
        return f"<style>{_CSS}</style>\n<script>\n{runtime_js()}\n</script>"


class Start(MacroElement):
    """Ends the page's map script: layers are built, the map may report readiness."""

    _template = Template(
        """{% macro script(this, kwargs) %}
pantau.start({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is untyped
        self._name = "PantauStart"


class FitView(MacroElement):
    """Fit the view to ``[[south, west], [north, east]]`` before any layer is added.

    Fitting first (and without animation) means every layer is projected and drawn once, at
    the final zoom; fitting after 10^5 canvas markers were added redraws them all again.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.fitBounds({{ this.bounds }}, {padding: [20, 20], animate: false});
{% endmacro %}"""
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is untyped
        self._name = "PantauFitView"
        self.bounds = safe_json(bounds)


class MeasureOnSvg(MacroElement):
    """Draw the measuring tool's shapes with SVG in their own pane.

    leaflet-measure styles its vertices through ``layer._path``, which only SVG layers have;
    our map draws on canvas, so without this its second click throws. The pane ignores the
    pointer except on the tool's own shapes, so it never hides the sites beneath.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function (control, map) {
  var pane = map.createPane("pantauMeasure");
  pane.style.pointerEvents = "none";
  var renderer = L.svg({pane: "pantauMeasure"});
  var symbols = control._symbols, getSymbol = symbols.getSymbol.bind(symbols);
  symbols.getSymbol = function (name) {
    return L.extend({}, getSymbol(name), {renderer: renderer, pane: "pantauMeasure"});
  };
})({{ this.control.get_name() }}, {{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, control: MacroElement) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is untyped
        self._name = "PantauMeasureOnSvg"
        self.control = control


class ReportData(MacroElement):
    """The report points, columnar, defined once and shared by the report and heat layers.

    The data sit in a ``<script type="application/json">`` element and are read with
    ``JSON.parse``, which browsers parse much faster than the same object as JS source.
    """

    _template = Template(
        """{% macro html(this, kwargs) %}
<script type="application/json" id="{{ this.get_name() }}_data">{{ this.json }}</script>
{% endmacro %}
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = JSON.parse(
    document.getElementById("{{ this.get_name() }}_data").textContent);
{% endmacro %}"""
    )

    def __init__(self, data: dict[str, list[Any]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is untyped
        self._name = "PantauReports"
        self.json = safe_json(data)
        self.size = len(data.get("lat", []))


class DataLayer(Layer):
    """A GeoJSON layer whose features carry ``_style``, ``_card`` and ``_tip`` properties."""

    _template = Template(
        """{% macro script(this, kwargs) %}
var {{ this.get_name() }} = pantau.featureLayer({{ this.key_json }}, {{ this.json }},
    {{ this.options_json }});
{% endmacro %}"""
    )

    def __init__(
        self,
        key: str,
        name: str,
        features: list[dict[str, Any]],
        *,
        show: bool = True,
        attribution: str | None = None,
    ) -> None:
        # Leaflet's layer control writes names as HTML; team names are user input.
        super().__init__(name=html.escape(name), overlay=True, control=True, show=show)
        self._name = "PantauLayer"
        self.key = key
        self.key_json = safe_json(key)
        self.count = len(features)
        self.json = safe_json({"type": "FeatureCollection", "features": features})
        # Shown by Leaflet's attribution control while the layer is on (written as HTML).
        options = {"attribution": html.escape(attribution)} if attribution else {}
        self.options_json = safe_json(options)


class ReportLayer(JSCSSMixin, Layer):
    """Report points from a :class:`ReportData`: clustered, or plain canvas circle markers."""

    _template = Template(
        """{% macro script(this, kwargs) %}
var {{ this.get_name() }} = pantau.reportLayer({{ this.key_json }},
    {{ this.data.get_name() }}, {{ this.options_json }});
{% endmacro %}"""
    )

    def __init__(
        self,
        key: str,
        name: str,
        data: ReportData,
        options: dict[str, Any],
        *,
        cluster: bool,
        show: bool = True,
    ) -> None:
        super().__init__(name=html.escape(name), overlay=True, control=True, show=show)
        self._name = "PantauReportLayer"
        self.key_json = safe_json(key)
        self.data = data
        self.options_json = safe_json({**options, "cluster": cluster})
        if cluster:
            self.default_js = list(_MARKERCLUSTER_JS)
            self.default_css = list(_MARKERCLUSTER_CSS)


class HeatLayer(JSCSSMixin, Layer):
    """Heat map of the most recent ``days`` of reports in the selected period."""

    default_js = _HEAT_JS

    _template = Template(
        """{% macro script(this, kwargs) %}
var {{ this.get_name() }} = pantau.heatLayer({{ this.key_json }},
    {{ this.data.get_name() }}, {{ this.options_json }});
{% endmacro %}"""
    )

    def __init__(
        self, key: str, name: str, data: ReportData, options: dict[str, Any], *, show: bool = True
    ) -> None:
        super().__init__(name=html.escape(name), overlay=True, control=True, show=show)
        self._name = "PantauHeatLayer"
        self.key_json = safe_json(key)
        self.data = data
        self.options_json = safe_json(options)


class MiniMapControl(JSCSSMixin, MacroElement):
    """Overview minimap (a tile layer online, the sites' points offline) and a metric scale."""

    default_js = _MINIMAP_JS
    default_css = _MINIMAP_CSS

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var layer = {% if this.tiles %}L.tileLayer({{ this.tiles }}, {attribution: ""})
    {% else %}L.geoJSON({{ this.json }}, {pointToLayer: function (f, ll) {
        return L.circleMarker(ll, {radius: 2, weight: 0, fillColor: "#b2182b", fillOpacity: 1});
      }, style: {color: "#555", weight: 1, fill: false}}){% endif %};
  new L.Control.MiniMap(layer, {toggleDisplay: true, position: "bottomright",
    width: 150, height: 150, zoomLevelOffset: -4, strings: {{ this.strings }}
  }).addTo({{ this._parent.get_name() }});
  // Metric only: distances in the field are kilometres.
  L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
})();
{% endmacro %}"""
    )

    def __init__(
        self, *, tiles: str | None, outline: list[dict[str, Any]], strings: dict[str, str]
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is untyped
        self._name = "PantauMiniMap"
        self.strings = safe_json(strings)
        self.tiles = safe_json(tiles) if tiles else None
        self.json = safe_json({"type": "FeatureCollection", "features": outline})


class BoxControl(MacroElement):
    """A legend or title block: ``lines`` of ``[class, text, swatch-style or None]``."""

    _template = Template(
        """{% macro script(this, kwargs) %}
pantau.boxControl({{ this.position_json }}, {{ this.class_json }}, function (box, node) {
  {{ this.lines }}.forEach(function (line) {
    var row = node("div", line[0]);
    if (line[2]) {
      var sw = node("span", "pantau-swatch " + (line[2].shape || ""));
      sw.style.background = line[2].fill || "transparent";
      sw.style.borderColor = line[2].stroke || "transparent";
      row.appendChild(sw);
    }
    row.appendChild(node("span", null, line[1]));
    box.appendChild(row);
  });
}).addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, position: str, css_class: str, lines: list[list[Any]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is untyped
        self._name = "PantauBox"
        self.position_json = safe_json(position)
        self.class_json = safe_json(f"pantau-box {css_class}")
        self.lines = safe_json(lines)


class PeriodControl(MacroElement):
    """Sliders for the reporting period; moving them filters the report and heat layers."""

    _template = Template(
        """{% macro script(this, kwargs) %}
pantau.periodControl({{ this.options_json }}).addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is untyped
        self._name = "PantauPeriod"
        self.options_json = safe_json(options)


class ZoomControl(MacroElement):
    """Leaflet's zoom buttons with their tooltips in the map's language (Leaflet's are English)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
L.control.zoom({{ this.options_json }}).addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, *, zoom_in: str, zoom_out: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is untyped
        self._name = "PantauZoom"
        self.options_json = safe_json(
            {"position": "topleft", "zoomInTitle": zoom_in, "zoomOutTitle": zoom_out}
        )


def add_runtime(m: folium.Map) -> None:
    """Put the runtime into the page header once."""
    root = m.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(Runtime(), name="pantau_runtime")
