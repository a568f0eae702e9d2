"""The small map of one day on the field sheet: the base map under the route.

The base (land and sea, coastline, rivers, roads, boundaries, towns: :mod:`geo.basemap`, the
same layers the web maps draw, :mod:`geo.maps.basemap`) is drawn as vectors by reportlab,
clipped to the day's area, with the route, the river legs, the numbered sites with their
arrival times in the team's zone, where the day starts and ends (base or overnight place), a
scale bar and the base map's attribution. With no base available (no file configured, raster
tiles, or the demo's GMT data not installed) the field sheet falls back to
:func:`geo.patrols.fieldsheet.route_sketch` and says so.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from geo.basemap.layers import BASE_LAYERS, attribution, read_base
from geo.errors import InputFileError
from geo.i18n import Translator
from geo.patrols.result import DayRoute
from geo.settings import MapSettings

__all__ = ["Bbox", "load_base", "route_bbox", "day_map"]

log = logging.getLogger(__name__)

Bbox = tuple[float, float, float, float]

#: The web map's palette (:class:`geo.maps.basemap.BaseMapLayer`), so paper and screen agree.
LAND: Final[str] = "#f3efe6"
SEA: Final[str] = "#b9d6e8"
_LINES: Final[dict[str, tuple[str, float]]] = {
    "coastline": ("#6c9bbd", 0.6),
    "rivers": ("#5b9bd5", 0.9),
}
_ROADS: Final[dict[str, tuple[str, float]]] = {
    "motorway": ("#d9822b", 1.6),
    "trunk": ("#d9822b", 1.4),
    "primary": ("#e8a35a", 1.2),
    "secondary": ("#efc27e", 0.9),
}
_BOUNDARY: Final[tuple[str, float, tuple[int, int]]] = ("#6a51a3", 0.7, (4, 2))
#: Smallest span (degrees) a day's map shows, and the margin around the route (share of span).
MIN_SPAN: Final[float] = 0.08
MARGIN: Final[float] = 0.12
#: Villages (rank 3) are named only on maps narrower than this many degrees.
VILLAGE_SPAN: Final[float] = 0.6


def route_bbox(routes: Iterable[DayRoute], *, margin: float = MARGIN) -> Bbox | None:
    """Return the box around ``routes`` (paths and river legs) with a margin; None when empty.

    Examples
    --------
    >>> route_bbox([plan.routes[0]]) is not None
    True
    >>> route_bbox([]) is None
    True
    """
    pts = [p for r in routes for p in (*r.path, *(q for leg in r.river_legs for q in leg))]
    if not pts:
        return None
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    span = max(max(xs) - min(xs), max(ys) - min(ys), MIN_SPAN)
    pad = span * margin
    return min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad


def load_base(maps: MapSettings, bbox: Bbox) -> dict[str, gpd.GeoDataFrame] | None:
    """Return the configured vector base map within ``bbox``, or None when there is none.

    The settings are read as every map reads them (:func:`geo.maps.basemap.base_layers`): a
    base-layer file, else the demo base when it is on and GMT is installed. Raster tiles
    cannot be drawn on paper here, and a file that cannot be read is logged: both give None.

    Examples
    --------
    >>> load_base(MapSettings(basemap=None, demo_basemap=False), (117.0, -1.0, 117.5, -0.4))
    """
    from geo.basemap import gshhg
    from geo.basemap.demo import demo_layers
    from geo.maps.basemap import raster_basemap

    demo = maps.demo_basemap and gshhg.available()
    if maps.basemap is None:
        layers = demo_layers() if demo else None
    elif raster_basemap(maps) is not None:
        layers = None
    else:
        try:
            layers = read_base(maps.basemap, bbox=bbox)
        except InputFileError as exc:
            # The sheet is still printed (with the sketch, and it says so); the maps and
            # `pantau basemap` report the file to whoever configures it.
            log.warning("field sheet without base map: %s", exc)
            return None
        if "land" not in layers and demo:
            layers["land"] = demo_layers()["land"]
    if not layers:
        return None
    out = {}
    for key, frame in layers.items():
        inside = frame.cx[bbox[0] : bbox[2], bbox[1] : bbox[3]]
        if len(inside):
            out[key] = inside
    return out or None


class _View:
    """Lon/lat to points on the drawing: the route's box widened to the drawing's shape."""

    def __init__(self, route: DayRoute, width: float, height: float) -> None:
        x0, y0, x1, y1 = route_bbox([route]) or (0.0, 0.0, 1.0, 1.0)
        self.k = math.cos(math.radians((y0 + y1) / 2))  # a degree of longitude, in latitude's
        span = max((x1 - x0) * self.k / width, (y1 - y0) / height)  # degrees per point
        self.scale = 1 / span
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        half_w, half_h = width / 2 * span / self.k, height / 2 * span
        self.box: Bbox = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)

    def at(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.box[0]) * self.k * self.scale, (lat - self.box[1]) * self.scale

    def flat(self, coords: Iterable[Sequence[float]]) -> list[float]:
        return [v for c in coords for v in self.at(c[0], c[1])]

    @property
    def span(self) -> float:
        return self.box[2] - self.box[0]


def _parts(geoms: Iterable[BaseGeometry]) -> Iterable[BaseGeometry]:
    for g in geoms:
        if g is None or g.is_empty:
            continue
        if hasattr(g, "geoms"):
            yield from _parts(g.geoms)
        else:
            yield g


def _polygons(drawing: Any, geoms: Iterable[BaseGeometry], view: _View, fill: str) -> None:
    from reportlab.graphics.shapes import FILL_EVEN_ODD, Path
    from reportlab.lib import colors

    for g in _parts(geoms):
        if not isinstance(g, Polygon):
            continue
        path = Path(fillColor=colors.HexColor(fill), strokeColor=None, fillMode=FILL_EVEN_ODD)
        for ring in (g.exterior, *g.interiors):
            xy = view.flat(ring.coords)
            path.moveTo(xy[0], xy[1])
            for i in range(2, len(xy), 2):
                path.lineTo(xy[i], xy[i + 1])
            path.closePath()
        drawing.add(path)


def _lines(
    drawing: Any,
    geoms: Iterable[BaseGeometry],
    view: _View,
    style: tuple[str, float],
    dash: tuple[int, int] | None = None,
) -> None:
    from reportlab.graphics.shapes import PolyLine
    from reportlab.lib import colors

    for g in _parts(geoms):
        coords = g.exterior.coords if isinstance(g, Polygon) else getattr(g, "coords", ())
        if len(coords) < 2:
            continue
        line = PolyLine(
            view.flat(coords), strokeColor=colors.HexColor(style[0]), strokeWidth=style[1]
        )
        if dash:
            line.strokeDashArray = list(dash)
        drawing.add(line)


def _clipped(frame: gpd.GeoDataFrame, view: _View) -> Any:
    return np.asarray(shapely.clip_by_rect(frame.geometry.values, *view.box))


def _places(drawing: Any, frame: gpd.GeoDataFrame, view: _View) -> None:
    from reportlab.graphics.shapes import Circle, String
    from reportlab.lib import colors

    x0, y0, x1, y1 = view.box
    for row in frame.itertuples():
        p = row.geometry
        rank = int(getattr(row, "rank", 3) or 3)
        if not (x0 <= p.x <= x1 and y0 <= p.y <= y1) or (rank >= 3 and view.span > VILLAGE_SPAN):
            continue
        x, y = view.at(p.x, p.y)
        drawing.add(
            Circle(x, y, 2.2 if rank == 1 else 1.6, fillColor=colors.white, strokeWidth=0.6)
        )
        name = str(getattr(row, "name", "") or "")
        drawing.add(String(x + 3, y - 2, name, fontSize=6, fillColor=colors.HexColor("#333333")))


def _base(drawing: Any, base: Mapping[str, gpd.GeoDataFrame], view: _View) -> None:
    """Draw the base layers in their order (bottom first), clipped to the view."""
    for key in BASE_LAYERS:
        frame = base.get(key)
        if frame is None or not len(frame):
            continue
        if key == "places":
            _places(drawing, frame, view)
        elif key in ("land", "water"):
            _polygons(drawing, _clipped(frame, view), view, LAND if key == "land" else SEA)
        elif key == "roads":
            classes = frame["class"] if "class" in frame.columns else [None] * len(frame)
            for geom, cls in zip(_clipped(frame, view), classes, strict=True):
                _lines(drawing, [geom], view, _ROADS.get(str(cls), ("#c8c0b0", 0.6)))
        elif key == "boundaries":
            colour, width, dash = _BOUNDARY
            _lines(drawing, _clipped(frame, view), view, (colour, width), dash)
        else:
            _lines(drawing, _clipped(frame, view), view, _LINES[key])


def _scale_bar(drawing: Any, view: _View, t: Translator) -> None:
    from reportlab.graphics.shapes import Line, String
    from reportlab.lib import colors

    km_per_point = 111.32 / view.scale
    target = drawing.width / 5 * km_per_point
    km = max(
        (k for k in (1, 2, 5, 10, 20, 50, 100, 200) if k <= target),
        default=1,
    )
    x, y, length = 8.0, 8.0, km / km_per_point
    drawing.add(Line(x, y, x + length, y, strokeColor=colors.black, strokeWidth=1.5))
    label = t.gettext("{km} km", km=t.number(km))
    drawing.add(String(x, y + 3, label, fontSize=6.5))


def _caption(drawing: Any, text: str, *, right: bool) -> None:
    from reportlab.graphics.shapes import Rect, String
    from reportlab.lib import colors
    from reportlab.pdfbase.pdfmetrics import stringWidth

    size = 6.0
    width = stringWidth(text, "Helvetica", size) + 4
    x = drawing.width - width - 2 if right else 2.0
    y = 2.0 if right else drawing.height - size - 5
    drawing.add(
        Rect(x, y, width, size + 3, fillColor=colors.white, strokeColor=None, fillOpacity=0.8)
    )
    drawing.add(String(x + 2, y + 2.5, text, fontSize=size))


def _route(drawing: Any, route: DayRoute, view: _View, names: Mapping[str, str]) -> None:
    from reportlab.graphics.shapes import Circle, PolyLine, Rect, String
    from reportlab.lib import colors

    for leg in route.river_legs:
        drawing.add(
            PolyLine(view.flat(leg), strokeColor=colors.HexColor("#0b3d91"), strokeWidth=2.6)
        )
    drawing.add(PolyLine(view.flat(route.path), strokeColor=colors.black, strokeWidth=1.1))
    ends = {route.start_code or route.base_code: route.path[0]}
    ends.setdefault(route.end_code or route.base_code, route.path[-1])
    for code, (lon, lat) in ends.items():
        x, y = view.at(lon, lat)
        drawing.add(Rect(x - 3.5, y - 3.5, 7, 7, fillColor=colors.black))
        label = f"{code} {names[code]}" if names.get(code) else code
        drawing.add(String(x + 5, y - 9, label, fontSize=7, fontName="Helvetica-Bold"))
    for v in route.visits:
        x, y = view.at(v.lon, v.lat)
        drawing.add(Circle(x, y, 3.5, fillColor=colors.red if v.mandatory else colors.white))
        drawing.add(String(x + 5, y + 3, f"{v.seq} · {v.arrival:%H:%M}", fontSize=7))


def day_map(
    route: DayRoute,
    base: Mapping[str, gpd.GeoDataFrame],
    t: Translator,
    *,
    names: Mapping[str, str] | None = None,
    width_mm: float = 170,
    height_mm: float = 75,
) -> Any:
    """Return the day's map (a reportlab Drawing): ``base`` beneath the route and its stops.

    ``names`` gives the names of the bases and overnight places by code. Site labels are the
    stop number and the arrival time in the team's zone, which the map's caption names.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> from geo.i18n import translator
    >>> towns = gpd.GeoDataFrame({"name": ["Kota"], "rank": [1]},
    ...     geometry=[Point(*plan.routes[0].path[0])], crs=4326)
    >>> drawing = day_map(plan.routes[0], {"places": towns}, translator("id"))
    >>> any(getattr(s, "text", "") == "Kota" for s in drawing.contents)
    True
    """
    from reportlab.graphics.shapes import Drawing, Rect
    from reportlab.lib import colors
    from reportlab.lib.units import mm

    w, h = width_mm * mm, height_mm * mm
    view = _View(route, w, h)
    drawing = Drawing(w, h)
    background = SEA if "land" in base else LAND
    drawing.add(Rect(0, 0, w, h, fillColor=colors.HexColor(background), strokeColor=None))
    _base(drawing, base, view)
    _route(drawing, route, view, names or {})
    _scale_bar(drawing, view, t)
    zone = f"{route.depart:%Z}"
    _caption(drawing, t.gettext("Arrival times in {zone}", zone=zone), right=False)
    parts = [t.gettext("Base map: {sources}", sources="; ".join(attribution(dict(base))))]
    boundaries = base.get("boundaries")
    flags = boundaries.get("approximate") if boundaries is not None else None
    if flags is not None and flags.fillna(False).astype(bool).any():
        parts.append(t.gettext("regency boundaries approximate (demo)"))
    _caption(drawing, " · ".join(parts), right=True)
    drawing.add(Rect(0, 0, w, h, fillColor=None, strokeColor=colors.grey, strokeWidth=0.6))
    return drawing
