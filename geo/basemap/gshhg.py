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
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Final

import geopandas as gpd
import shapely
from shapely.geometry import LineString, box
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from geo.errors import N_, ConfigurationError

__all__ = ["ATTRIBUTION", "Bbox", "available", "coast_layers", "parse_segments"]

Bbox = tuple[float, float, float, float]

#: What the map credits for these layers (the licence of GSHHG/WDBII and of GMT's packaging).
ATTRIBUTION: Final[str] = "GSHHG/WDBII 2.3.7 (Wessel & Smith, LGPL-3.0)"
#: Margin in degrees fetched around the bounding box so that islands cut by it close.
_MARGIN: Final[float] = 3.0
#: Degrees of land and coastline drawn around the bounding box.
_OUTER: Final[float] = 2.0
#: Shorelines are always fetched for at least this box, which holds the whole of Borneo and
#: Sulawesi: only a shoreline that closes inside the fetched region becomes a land polygon.
_ISLANDS: Final[Bbox] = (107.5, -6.5, 126.5, 8.0)
#: WDBII river classes kept: 1 double-lined rivers, 2 permanent major, 3 additional major.
_RIVER_LEVELS: Final[tuple[str, ...]] = ("-I1", "-I2", "-I3")


@lru_cache(maxsize=1)
def available() -> bool:
    """Say whether GMT and its high-resolution coastlines are installed.

    Examples
    --------
    >>> isinstance(available(), bool)
    True
    """
    if shutil.which("gmt") is None:
        return False
    try:
        _gmt(((117.0, -1.0, 118.0, 0.0), "-W0.1p"))
    except ConfigurationError:
        return False
    return True


def parse_segments(text: str, *, level: int | None = None) -> list[LineString]:
    r"""Parse GMT's multi-segment text (``>`` headers, then ``x y`` rows) into lines.

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


def _command(region: Bbox, option: str) -> list[str]:
    west, south, east, north = region
    return ["gmt", "coast", f"-R{west}/{east}/{south}/{north}", "-Dh", "-M", *option.split()]


def _gmt(*calls: tuple[Bbox, str]) -> list[str]:
    """Run ``gmt coast -M`` once per (region, option) call, all at once; return their outputs."""
    if shutil.which("gmt") is None:
        raise ConfigurationError.of(
            N_(
                "the demo base map needs GMT's coastlines: install the Debian packages gmt and "
                "gmt-gshhg-high (scripts/setup-system)"
            ),
            field="basemap",
        )
    commands = [_command(region, option) for region, option in calls]
    # GMT leaves a gmt.history file in its working folder: give it a throw-away one.
    with tempfile.TemporaryDirectory(prefix="pantau-gmt-") as tmp:
        running = [
            subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp)
            for c in commands
        ]
        done = [
            (command, *process.communicate(), process.returncode)
            for command, process in zip(commands, running, strict=True)
        ]
    outputs = []
    for command, out, err, returncode in done:
        if returncode != 0:
            raise ConfigurationError.of(
                N_("`{command}` failed: {reason}"),
                field="basemap",
                command=" ".join(command),
                reason=err.strip()[:300],
            )
        outputs.append(out)
    return outputs


def _rings(lines: Sequence[LineString]) -> list[BaseGeometry]:
    """Merge bin pieces into whole shorelines and return the closed ones as polygons."""
    if not lines:
        return []
    merged = shapely.line_merge(shapely.union_all(list(lines)))
    return list(shapely.get_parts(shapely.polygonize(shapely.get_parts(merged))))


def _merged(lines: Sequence[LineString]) -> list[BaseGeometry]:
    """Join the bin pieces of each line, so one river is one feature, not dozens."""
    if not lines:
        return []
    merged = shapely.line_merge(shapely.union_all(list(lines)))
    return list(shapely.get_parts(merged))


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
    """Return the ``land``, ``water``, ``coastline``, ``rivers`` and ``boundaries`` of ``bbox``.

    ``tolerance`` (degrees; 0.002 is about 220 m) simplifies every line to the scale of a
    province map. Boundaries are the national borders (``admin_level`` 2). Land and coastline
    reach two degrees past the box, so that the land beyond it is not painted as sea.

    Raises
    ------
    ConfigurationError
        When GMT or its coastline data are not installed.

    Examples
    --------
    >>> layers = coast_layers((116.5, -1.5, 117.5, -0.5))  # Balikpapan and the Mahakam delta
    >>> sorted(layers)
    ['boundaries', 'coastline', 'land', 'rivers', 'water']
    >>> bool(layers["land"].union_all().area > 0.3), len(layers["rivers"]) > 0
    (True, True)
    """
    west, south, east, north = bbox
    wide = (
        min(west - _MARGIN, _ISLANDS[0]),
        min(south - _MARGIN, _ISLANDS[1]),
        max(east + _MARGIN, _ISLANDS[2]),
        max(north + _MARGIN, _ISLANDS[3]),
    )
    frame = box(*bbox)
    # Land, lakes and coast reach past the box, so that the map does not paint land beyond
    # the province as sea (a map is wider than the box when it is panned or fitted).
    outer = box(west - _OUTER, south - _OUTER, east + _OUTER, north + _OUTER)
    # One dump of every shoreline level (split by the segment headers), rivers and borders.
    shores, rivers, borders = _gmt((wide, "-W0.1p"), (bbox, " ".join(_RIVER_LEVELS)), (bbox, "-N1"))
    coast = parse_segments(shores, level=1)
    land_polys = _rings(coast)
    lakes = _rings(parse_segments(shores, level=2))
    # Only the shorelines that reach the box: a union of all 3,700 islands takes seconds.
    land_polys = [p for p in land_polys if p.intersects(outer)]
    lakes = [p for p in lakes if p.intersects(frame)]
    land = unary_union(land_polys) if land_polys else None
    layers: dict[str, list[Any]] = {
        "land": _clip([land] if land is not None else [], outer, tolerance),
        "water": _clip(lakes, frame, tolerance),
        "coastline": _clip(_merged([c for c in coast if c.intersects(outer)]), outer, tolerance),
        "rivers": _clip(_merged(parse_segments(rivers)), frame, tolerance),
        "boundaries": _clip(_merged(parse_segments(borders)), frame, tolerance),
    }
    frames: dict[str, gpd.GeoDataFrame] = {}
    for key, geoms in layers.items():
        frame_ = gpd.GeoDataFrame({"source": [ATTRIBUTION] * len(geoms)}, geometry=geoms, crs=4326)
        frames[key] = frame_.explode(index_parts=False).reset_index(drop=True)
    frames["boundaries"]["admin_level"] = 2
    frames["boundaries"]["approximate"] = False
    return frames
