"""Field team bases: the offices where patrols start and end each day.

Examples
--------
>>> import geo
>>> bases = geo.bases.load(geo.connect())
>>> len(bases) > 0, bases.crs.to_epsg()
(True, 4326)
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy import select

from geo.checks import check_geometry
from geo.db import Target, use_session
from geo.errors import InputFileError
from geo.io.vector import read_vector
from geo.models import FieldBase
from geo.settings import Settings

__all__ = ["COLUMNS", "load", "import_file"]

#: Columns of :func:`load`'s GeoDataFrame besides ``geometry`` (EPSG:4326).
COLUMNS: tuple[str, ...] = ("code", "name", "address", "kabupaten")
_INDONESIA: tuple[float, float, float, float] = Settings.model_fields["indonesia_bbox"].default


def load(target: Target | None = None) -> gpd.GeoDataFrame:
    """Return the field team bases as a GeoDataFrame in EPSG:4326 indexed by code."""
    with use_session(target) as session:
        rows = session.scalars(select(FieldBase).order_by(FieldBase.code)).all()
        data = [{c: getattr(b, c) for c in COLUMNS} for b in rows]
        geoms = [to_shape(b.geom) for b in rows]
    gdf = gpd.GeoDataFrame(data, columns=list(COLUMNS), geometry=geoms, crs=4326)
    return gdf.set_index("code", drop=False).rename_axis(None)


def import_file(
    target: Target, path: Path | str, *, settings: Settings | None = None
) -> tuple[int, int]:
    """Upsert bases by code from a vector file; return (created, updated).

    Locations must lie in ``settings.indonesia_bbox`` (the settings' default box when no
    settings are given; this function never reads the environment).

    Raises
    ------
    InputFileError
        When a row lacks code, name or kabupaten, or its location is not a point in Indonesia.
    """
    indonesia = settings.indonesia_bbox if settings is not None else _INDONESIA
    path = Path(path)
    gdf = read_vector(path)
    problems = []
    for row in gdf.to_dict("records"):
        bad = [f"{c} is missing" for c in ("code", "name", "kabupaten") if not row.get(c)]
        geom_problem = check_geometry(row["geometry"], indonesia=indonesia, allowed=("Point",))
        if geom_problem:
            bad.append(geom_problem)
        if bad:
            problems.append(f"row {row['_row']}: {'; '.join(bad)}")
    if problems:
        raise InputFileError(f"{path.name}: " + "; ".join(problems), field="rows")
    created = updated = 0
    with use_session(target, write=True) as session:
        existing = {b.code: b for b in session.scalars(select(FieldBase))}
        for row in gdf.to_dict("records"):
            base = existing.get(row["code"])
            values = {c: row.get(c) for c in COLUMNS}
            geom = from_shape(row["geometry"], srid=4326)
            if base is None:
                session.add(FieldBase(**values, geom=geom))
                created += 1
            elif any(getattr(base, c) != values[c] for c in COLUMNS) or not to_shape(
                base.geom
            ).equals_exact(row["geometry"], 1e-7):
                for c in COLUMNS:
                    setattr(base, c, values[c])
                base.geom = geom
                updated += 1
    return created, updated
