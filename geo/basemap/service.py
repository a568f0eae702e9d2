"""Use cases of the base map: build the demo base, build the production tiles.

``pantau basemap demo`` and ``pantau basemap build`` call these with the injected settings.

Examples
--------
>>> result = demo_base(settings=settings, out=Path("out/basemap/demo.gpkg"))
>>> result.counts["places"] > 10, result.path.suffix
(True, '.gpkg')
"""

from __future__ import annotations

from pathlib import Path

from geo.basemap.demo import build_demo
from geo.basemap.osm import BuildResult, build_tiles
from geo.settings import Settings

__all__ = ["BuildResult", "default_demo_path", "demo_base", "osm_base"]


def default_demo_path(settings: Settings) -> Path:
    """Where ``pantau basemap demo`` writes by default: ``<data_dir>/basemap/demo.gpkg``.

    Examples
    --------
    >>> default_demo_path(settings).name
    'demo.gpkg'
    """
    return settings.data_dir / "basemap" / "demo.gpkg"


def demo_base(*, settings: Settings, out: Path | None = None) -> BuildResult:
    """Write the GSHHG demo base of the settings' area of interest to a GeoPackage.

    Raises
    ------
    ConfigurationError
        When GMT or its coastline data are not installed.
    """
    path = Path(out) if out is not None else default_demo_path(settings)
    counts = build_demo(path, bbox=settings.aoi_bbox)
    return BuildResult(path, path.stat().st_size, counts)


def osm_base(*, settings: Settings, pbf: Path, out: Path) -> BuildResult:
    """Build the base map tiles of the settings' area of interest from an OSM extract.

    Raises
    ------
    ConfigurationError
        When tilemaker is missing or fails.
    InputFileError, ValidationError
        When the extract is missing or ``out`` is not an ``.mbtiles`` path.
    """
    return build_tiles(pbf, out, bbox=settings.aoi_bbox)
