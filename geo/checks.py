"""Checks on user-supplied coordinates and geometries, shared by every intake path.

Each check returns ``None`` when the value is acceptable or a short sentence saying what is
wrong, so that callers can collect every problem of a file before refusing it.
"""

from __future__ import annotations

import math

from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

__all__ = ["check_lonlat", "check_geometry", "looks_swapped", "in_bbox"]

BBox = tuple[float, float, float, float]


def in_bbox(lon: float, lat: float, bbox: BBox) -> bool:
    """Return whether (lon, lat) lies inside ``bbox`` = (lon_min, lat_min, lon_max, lat_max)."""
    return bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]


def looks_swapped(lon: float, lat: float, bbox: BBox) -> bool:
    """Return whether (lon, lat) is outside ``bbox`` but (lat, lon) would be inside it."""
    return not in_bbox(lon, lat, bbox) and in_bbox(lat, lon, bbox)


def check_lonlat(lon: float, lat: float, *, indonesia: BBox) -> str | None:
    """Return what is wrong with a WGS 84 position, or ``None``.

    Examples
    --------
    >>> check_lonlat(117.15, -0.5, indonesia=(94, -11.5, 141.5, 6.5)) is None
    True
    >>> check_lonlat(-0.5, 117.15, indonesia=(94, -11.5, 141.5, 6.5))
    'latitude 117.15 is out of range [-90, 90]; longitude and latitude look swapped'
    """
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return f"coordinates must be finite numbers, got longitude {lon}, latitude {lat}"
    swapped = looks_swapped(lon, lat, indonesia)
    hint = "; longitude and latitude look swapped" if swapped else ""
    if not -90 <= lat <= 90:
        return f"latitude {lat:g} is out of range [-90, 90]{hint}"
    if not -180 <= lon <= 180:
        return f"longitude {lon:g} is out of range [-180, 180]{hint}"
    if lon == 0 and lat == 0:
        return "coordinates are 0, 0 ('null island'): the location is missing, not real"
    if swapped:
        return (
            f"longitude {lon:g}, latitude {lat:g} is outside Indonesia but the swapped pair is "
            "inside: longitude and latitude look swapped"
        )
    if not in_bbox(lon, lat, indonesia):
        return f"longitude {lon:g}, latitude {lat:g} is outside Indonesia"
    return None


def check_geometry(
    geom: BaseGeometry | None, *, indonesia: BBox, allowed: tuple[str, ...]
) -> str | None:
    """Return what is wrong with a WGS 84 geometry, or ``None``.

    The geometry must be present, non-empty, of an allowed type, valid (OGC rules), and each
    vertex must be a plausible position in Indonesia.
    """
    if geom is None:
        return "geometry is missing"
    if geom.is_empty:
        return "geometry is empty"
    if geom.geom_type not in allowed:
        return f"geometry type is {geom.geom_type}, expected one of {', '.join(allowed)}"
    minx, miny, maxx, maxy = geom.bounds
    for lon, lat in ((minx, miny), (maxx, maxy)):
        problem = check_lonlat(lon, lat, indonesia=indonesia)
        if problem:
            return problem
    if not geom.is_valid:
        return f"geometry is invalid: {explain_validity(geom)}"
    return None
