"""The demo and test base map: GSHHG geography, towns, and kabupaten lines marked approximate.

Coastline, lakes, rivers and the national border come from GSHHG/WDBII through Debian's
``gmt`` (:mod:`geo.basemap.gshhg`). Town labels are the kecamatan centres of the demo generator
(``data/generate_demo.py``) and the regency seats below. No public package holds kabupaten
boundaries, so the demo draws approximate ones: the borders between the Voronoi cells of the
kecamatan centres of different kabupaten, on land. They are marked ``approximate`` and the map
names them so; ``pantau map --admin`` and a base built from OpenStreetMap give real ones.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import shapely
from shapely.geometry import MultiPoint, Point, box
from shapely.ops import unary_union

from geo.basemap.gshhg import Bbox, coast_layers
from geo.basemap.layers import write_base

__all__ = ["KALTIM_BBOX", "SEATS", "demo_layers", "build_demo", "kecamatan_centres"]

#: East Kalimantan with a margin (the default area of interest of the settings).
KALTIM_BBOX: Final[Bbox] = (113.5, -3.0, 119.5, 2.8)
#: Seats of the regencies and cities (public locations, rounded to about a kilometre).
SEATS: Final[tuple[tuple[str, float, float], ...]] = (
    ("Samarinda", -0.50, 117.15),
    ("Balikpapan", -1.24, 116.85),
    ("Bontang", 0.13, 117.50),
    ("Tenggarong", -0.42, 116.99),
    ("Sangatta", 0.51, 117.56),
    ("Tanjung Redeb", 2.15, 117.49),
    ("Tanah Grogot", -1.91, 116.19),
    ("Penajam", -1.29, 116.71),
    ("Sendawar", -0.23, 115.70),
    ("Ujoh Bilang", 0.69, 115.02),
)
#: The demo generator, which holds the kecamatan centres.
_GENERATOR: Final[Path] = Path(__file__).resolve().parents[2] / "data" / "generate_demo.py"
#: The source credited for the demo's towns and boundaries (a name: the map says in its own
#: language that the boundaries are approximate).
SOURCE_DEMO: Final[str] = "Pantau Tambang (demo)"


def kecamatan_centres(generator: Path = _GENERATOR) -> gpd.GeoDataFrame:
    """Return the kecamatan centres of the demo generator: ``name``, ``kabupaten``, point.

    Examples
    --------
    >>> centres = kecamatan_centres()
    >>> "Tenggarong" in set(centres["name"]), centres.crs.to_epsg()
    (True, 4326)
    """
    spec = importlib.util.spec_from_file_location("_pantau_generate_demo", generator)
    if spec is None or spec.loader is None:  # pragma: no cover - the file ships with the repo
        raise FileNotFoundError(generator)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = [
        {"name": name, "kabupaten": kab, "geometry": Point(lon, lat)}
        for kab, _prefix, _count, places in module.REGIONS
        for name, lat, lon, _weights in places
    ]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)


def _approximate_kabupaten(
    centres: gpd.GeoDataFrame, land: gpd.GeoDataFrame, bbox: Bbox
) -> gpd.GeoDataFrame:
    """Lines between the Voronoi cells of kecamatan of different kabupaten, on land."""
    frame = box(*bbox)
    cells = shapely.voronoi_polygons(MultiPoint(list(centres.geometry)), extend_to=frame)
    owner: list[str] = []
    polys = []
    for cell in getattr(cells, "geoms", []):
        inside = centres[centres.within(cell)]
        if len(inside):
            owner.append(str(inside["kabupaten"].iloc[0]))
            polys.append(cell.intersection(frame))
    regions = gpd.GeoDataFrame({"kabupaten": owner}, geometry=polys, crs=4326).dissolve("kabupaten")
    on_land = unary_union(list(land.geometry)) if len(land) else frame
    edges = []
    for i, a in enumerate(regions.geometry):
        for b in list(regions.geometry)[i + 1 :]:
            shared = a.boundary.intersection(b.boundary)
            if not shared.is_empty and shared.length > 0:
                edges.append(shared.intersection(on_land))
    lines = [e for e in edges if not e.is_empty and e.length > 0]
    out = gpd.GeoDataFrame(
        {"admin_level": [5] * len(lines), "approximate": [True] * len(lines)},
        geometry=lines,
        crs=4326,
    )
    out["source"] = SOURCE_DEMO
    return out.explode(index_parts=False).reset_index(drop=True)


def _places(centres: gpd.GeoDataFrame, bbox: Bbox) -> gpd.GeoDataFrame:
    seats = [{"name": n, "rank": 1, "geometry": Point(lon, lat)} for n, lat, lon in SEATS]
    seat_names = {s["name"] for s in seats}
    # Rounded to 0.01 degree (about 1 km): a label needs no more, and the demo sites are drawn
    # around these same centres, so a shared map must not repeat their exact coordinates.
    kecamatan = [
        {
            "name": str(r.name),
            "rank": 2,
            "geometry": Point(round(r.geometry.x, 2), round(r.geometry.y, 2)),
        }
        for r in centres.itertuples()
        if str(r.name) not in seat_names
    ]
    places = gpd.GeoDataFrame([*seats, *kecamatan], geometry="geometry", crs=4326)
    places["source"] = SOURCE_DEMO
    return places[places.within(box(*bbox))].reset_index(drop=True)


@lru_cache(maxsize=4)
def _cached(bbox: Bbox, tolerance: float) -> dict[str, gpd.GeoDataFrame]:
    layers = coast_layers(bbox, tolerance=tolerance)
    centres = kecamatan_centres()
    admin = _approximate_kabupaten(centres, layers["land"], bbox)
    layers["boundaries"] = gpd.GeoDataFrame(
        [*layers["boundaries"].to_dict("records"), *admin.to_dict("records")],
        geometry="geometry",
        crs=4326,
    )
    layers["places"] = _places(centres, bbox)
    return layers


def demo_layers(
    bbox: Bbox = KALTIM_BBOX, *, tolerance: float = 0.002
) -> dict[str, gpd.GeoDataFrame]:
    """Return the demo base's layers for ``bbox`` (kept in memory for the process).

    Raises
    ------
    ConfigurationError
        When GMT or its coastline data are not installed.

    Examples
    --------
    >>> layers = demo_layers()
    >>> sorted(layers)
    ['boundaries', 'coastline', 'land', 'places', 'rivers', 'water']
    >>> bool(layers["boundaries"]["approximate"].any())
    True
    """
    cached = _cached(tuple(float(v) for v in bbox), tolerance)
    return {key: frame.copy() for key, frame in cached.items()}


def build_demo(out: Path, *, bbox: Bbox = KALTIM_BBOX, tolerance: float = 0.002) -> dict[str, Any]:
    """Write the demo base to the GeoPackage ``out``; return the features per layer.

    Examples
    --------
    >>> counts = build_demo(Path("out/basemap/demo.gpkg"))
    >>> counts["places"] > 10
    True
    """
    return write_base(demo_layers(bbox, tolerance=tolerance), out)
