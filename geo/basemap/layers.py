"""The layers of a base map, and reading and writing them as a GeoPackage or vector MBTiles.

A base map is a set of named layers in EPSG:4326, drawn in the order of :data:`BASE_LAYERS`:
``land`` and ``water`` polygons, ``coastline``, ``rivers`` and ``roads`` lines (``name``,
``class``), ``boundaries`` lines (``admin_level``, ``approximate``) and ``places`` points
(``name``, ``rank``: 1 city or regency seat, 2 town, 3 village). Every feature may carry a
``source`` (what the map attributes). The demo base (:mod:`geo.basemap.demo`) and the
OpenStreetMap tiles of ``pantau basemap build`` (:mod:`geo.basemap.osm`) both follow it, so the
map draws either the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import geopandas as gpd
import pyogrio
import shapely
from shapely.geometry import LineString, box

from geo.errors import N_, InputFileError

__all__ = ["BASE_LAYERS", "read_base", "write_base", "attribution"]

#: Base layers in drawing order (bottom first).
BASE_LAYERS: Final[tuple[str, ...]] = (
    "land",
    "water",
    "coastline",
    "rivers",
    "roads",
    "boundaries",
    "places",
)


def write_base(layers: dict[str, gpd.GeoDataFrame], out: Path) -> dict[str, int]:
    """Write ``layers`` as one GeoPackage (replacing ``out``); return the features per layer.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> places = gpd.GeoDataFrame({"name": ["Samarinda"], "rank": [1]},
    ...     geometry=[Point(117.15, -0.5)], crs=4326)
    >>> write_base({"places": places}, Path("out/base.gpkg"))
    {'places': 1}
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".part" + out.suffix)
    tmp.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    for key in BASE_LAYERS:
        frame = layers.get(key)
        if frame is None or frame.empty:
            continue
        # GDAL cannot write a bare LinearRing (it crashes): write it as the line it is.
        rings = shapely.get_type_id(frame.geometry.values) == 2
        if rings.any():
            frame = frame.copy()
            frame.loc[rings, frame.geometry.name] = [
                LineString(g.coords) for g in frame.geometry[rings]
            ]
        frame.to_file(tmp, layer=key, driver="GPKG", engine="pyogrio")
        counts[key] = len(frame)
    tmp.replace(out)
    return counts


def read_base(
    path: Path, *, bbox: tuple[float, float, float, float] | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """Read the base layers in ``path`` (GeoPackage or vector MBTiles), within ``bbox``.

    Layers the file does not hold are left out; unknown layers are ignored.

    Raises
    ------
    InputFileError
        When the file is missing or not a readable vector file.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> rivers = gpd.GeoDataFrame({"name": ["Mahakam"]},
    ...     geometry=[LineString([(116.9, -0.4), (117.3, -0.6)])], crs=4326)
    >>> _ = write_base({"rivers": rivers}, Path("out/rivers.gpkg"))
    >>> layers = read_base(Path("out/rivers.gpkg"), bbox=(117.0, -1.0, 117.15, 0.0))
    >>> sorted(layers), bool(layers["rivers"].total_bounds[2] <= 117.15)
    (['rivers'], True)
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError.of(
            N_("base map file {file} does not exist"), field="basemap", file=path
        )
    # GDAL reads a vector MBTiles at its highest zoom level, the most detailed.
    try:
        names = {str(row[0]) for row in pyogrio.list_layers(path)}
        out: dict[str, gpd.GeoDataFrame] = {}
        for key in BASE_LAYERS:
            if key not in names:
                continue
            frame = pyogrio.read_dataframe(path, layer=key, bbox=bbox)
            frame = frame.to_crs(4326) if frame.crs is not None else frame.set_crs(4326)
            if bbox is not None and len(frame):
                frame = frame.clip(box(*bbox))
            out[key] = frame[~frame.geometry.is_empty].reset_index(drop=True)
    except pyogrio.errors.DataSourceError as exc:
        raise InputFileError.of(
            N_("{file}: not a readable base map ({reason})"),
            field="basemap",
            file=path,
            reason=exc,
        ) from exc
    return out


def attribution(layers: dict[str, gpd.GeoDataFrame]) -> list[str]:
    """Return the distinct ``source`` values of ``layers``, in drawing order.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> f = gpd.GeoDataFrame({"source": ["GSHHG", "GSHHG"]}, geometry=[Point(0, 0)] * 2)
    >>> attribution({"land": f})
    ['GSHHG']
    """
    seen: dict[str, None] = {}
    for key in BASE_LAYERS:
        frame = layers.get(key)
        if frame is not None and "source" in frame.columns:
            for value in frame["source"].dropna():
                seen.setdefault(str(value), None)
    return list(seen)
