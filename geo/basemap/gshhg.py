"""Coastline, lakes, rivers and the national border from GSHHG/WDBII, through Debian's ``gmt``.

GMT's ``coast -M`` dumps the shoreline (``-W1``, lakes ``-W2``), rivers (``-I``) and borders
(``-N1``) as line pieces cut at GMT's internal bins; the pieces are merged here, the closed
shorelines turned into land (and lake) polygons, everything clipped to the bounding box and
simplified to the map's scale. The data come from the Debian packages ``gmt`` and
``gmt-gshhg-high`` (GSHHG 2.3.7, LGPL-3.0-or-later, Wessel & Smith); the source and licence are
written into every feature (``source``) so that the map can attribute them.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from typing import Any, Final

import geopandas as gpd
import shapely
from shapely.geometry import LineString, box
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge, polygonize, unary_union

from geo.errors import N_, ConfigurationError

__all__ = ["ATTRIBUTION", "Bbox", "available", "coast_layers", "parse_segments"]

Bbox = tuple[float, float, float, float]

#: What the map credits for these layers (the licence of GSHHG/WDBII and of GMT's packaging).
ATTRIBUTION: Final[str] = "GSHHG/WDBII 2.3.7 (Wessel & Smith, LGPL-3.0)"
#: Margin in degrees fetched around the bounding box so that islands cut by it close.
_MARGIN: Final[float] = 7.0
#: WDBII river classes kept: 1 double-lined rivers, 2 permanent major, 3 additional major.
_RIVER_LEVELS: Final[tuple[str, ...]] = ("-I1", "-I2", "-I3")


def available() -> bool:
    """Say whether GMT and its high-resolution coastlines are installed.

    Examples
    --------
    >>> isinstance(available(), bool)
    True
    """
    if shutil.which("gmt") is None:
        return False
    probe = subprocess.run(
        ["gmt", "coast", "-R117/118/-1/0", "-Dh", "-W1", "-M"],
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.returncode == 0


def parse_segments(text: str, *, level: int | None = None) -> list[LineString]:
    """Parse GMT's multi-segment text (``>`` headers, then ``x y`` rows) into lines.

    ``level`` keeps only the segments whose header says ``Level <level>`` (GSHHG: 1 land,
    2 lake, 3 island in a lake).

    Examples
    --------
    >>> text = "> Bin 1, Level 1\n1 2\n3 4\n> Bin 2, Level 2\n5 6\n7 8\n"
    >>> [g.wkt for g in parse_segments(text, level=2)]
    ['LINESTRING (5 6, 7 8)']
    """
    lines: list[LineString] = []
    points: list[tuple[float, float]] = []
    keep = True
    for row in [*text.splitlines(), ">"]:
        if row.startswith(">"):
            if keep and len(points) > 1:
                lines.append(LineString(points))
            points = []
            keep = level is None or row.rstrip().endswith(f"Level {level}")
        elif row.strip() and not row.startswith("#"):
            x, y = row.split()[:2]
            points.append((float(x), float(y)))
    return lines


def _gmt(region: Bbox, *args: str, level: int | None = None) -> list[LineString]:
    if shutil.which("gmt") is None:
        raise ConfigurationError.of(
            N_(
                "the demo base map needs GMT's coastlines: install the Debian packages gmt and "
                "gmt-gshhg-high (scripts/setup-system)"
            ),
            field="basemap",
        )
    west, south, east, north = region
    command = ["gmt", "coast", f"-R{west}/{east}/{south}/{north}", "-Dh", "-M", *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ConfigurationError.of(
            N_("`{command}` failed: {reason}"),
            field="basemap",
            command=" ".join(command),
            reason=done.stderr.strip()[:300],
        )
    return parse_segments(done.stdout, level=level)


def _rings(lines: Sequence[LineString]) -> list[BaseGeometry]:
    """Merge bin pieces into whole shorelines and return the closed ones as polygons."""
    if not lines:
        return []
    merged = linemerge(unary_union(list(lines)))
    return list(polygonize(merged))


def _merged(lines: Sequence[LineString]) -> list[BaseGeometry]:
    """Join the bin pieces of each line, so one river is one feature, not dozens."""
    if not lines:
        return []
    merged = linemerge(unary_union(list(lines)))
    return list(getattr(merged, "geoms", [merged]))


def _clip(geoms: Sequence[BaseGeometry], frame: BaseGeometry, tolerance: float) -> list[Any]:
    out = []
    for geom in geoms:
        cut = geom.intersection(frame)
        if cut.is_empty:
            continue
        cut = shapely.simplify(cut, tolerance, preserve_topology=True)
        if not cut.is_empty:
            out.append(cut)
    return out


def coast_layers(bbox: Bbox, *, tolerance: float = 0.002) -> dict[str, gpd.GeoDataFrame]:
    """Return ``land``, ``water`` (lakes), ``coastline``, ``rivers`` and ``boundaries`` for ``bbox``.

    ``tolerance`` (degrees; 0.002 is about 220 m) simplifies every line to the scale of a
    province map. Boundaries are the national borders (``admin_level`` 2).

    Raises
    ------
    ConfigurationError
        When GMT or its coastline data are not installed.

    Examples
    --------
    >>> layers = coast_layers((116.5, -1.5, 117.5, -0.5))  # Balikpapan and the Mahakam delta
    >>> sorted(layers)
    ['boundaries', 'coastline', 'land', 'rivers', 'water']
    >>> bool(layers["land"].area.sum() > 0.3), len(layers["rivers"]) > 0
    (True, True)
    """
    west, south, east, north = bbox
    wide = (west - _MARGIN, south - _MARGIN, east + _MARGIN, north + _MARGIN)
    frame = box(*bbox)
    # `-W1/0.1p`: the shorelines of level 1 (sea/land) only; a bare `-W2` would be a pen width.
    land_polys = _rings(_gmt(wide, "-W1/0.1p", level=1))
    lakes = _rings(_gmt(wide, "-W2/0.1p", level=2))
    land = unary_union(land_polys) if land_polys else None
    layers: dict[str, list[Any]] = {
        "land": _clip([land] if land is not None else [], frame, tolerance),
        "water": _clip(lakes, frame, tolerance),
        "coastline": _clip(_merged(_gmt(bbox, "-W1/0.1p", level=1)), frame, tolerance),
        "rivers": _clip(_merged(_gmt(bbox, *_RIVER_LEVELS)), frame, tolerance),
        "boundaries": _clip(_merged(_gmt(bbox, "-N1")), frame, tolerance),
    }
    frames: dict[str, gpd.GeoDataFrame] = {}
    for key, geoms in layers.items():
        frame_ = gpd.GeoDataFrame({"source": [ATTRIBUTION] * len(geoms)}, geometry=geoms, crs=4326)
        frames[key] = frame_.explode(index_parts=False).reset_index(drop=True)
    frames["boundaries"]["admin_level"] = 2
    frames["boundaries"]["approximate"] = False
    return frames
