"""Import a permit or land-status layer as a new dated snapshot.

Every import makes a new :class:`~geo.layers.models.LayerSnapshot`, even of the same file:
classification cites the snapshot (and its date) that it used, so an older answer stays
explainable after the layer is replaced.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from geo.errors import N_, InputFileError, ValidationError
from geo.io.vector import read_vector
from geo.layers import arcgis
from geo.layers.config import KINDS, LayerSettings
from geo.layers.models import ForestFunction, LayerFeature, LayerSnapshot
from geo.layers.normalise import forest_code, json_safe, lower_keys, wiup_attrs

__all__ = ["ImportSummary", "import_layer", "read_source"]

_UNKNOWN_KIND = N_("layer kind was {kind} but is expected to be one of {allowed}")
_NO_POLYGONS = N_("{source}: the layer holds no polygons")
_NOT_POLYGON = N_("{source}: row {row} has a {geom_type} geometry; a layer holds polygons")
_NO_FUNGSIKWS = N_("{source}: the forest layer has no {field} column; found columns {columns}")
_UNKNOWN_CODES = N_(
    "{source}: {field} codes not in the mapping table: {codes}; add them with "
    "`pantau layers set-code CODE FUNCTION` or import with --allow-unknown-codes"
)


@dataclasses.dataclass(frozen=True)
class ImportSummary:
    """What one import stored."""

    snapshot_id: int
    kind: str
    source: str
    snapshot_date: dt.date
    features: int
    skipped: int
    #: ``FUNGSIKWS`` codes the mapping table does not know, with their row counts.
    unknown_codes: dict[str, int]


def read_source(source: str | Path, *, settings: LayerSettings) -> gpd.GeoDataFrame:
    """Read a file (GeoJSON, GPKG, zipped Shapefile) or an ArcGIS ``query`` URL, in EPSG:4326."""
    text = str(source)
    if text.startswith(("http://", "https://")):
        features = arcgis.fetch_features(text, settings=settings)
        if not features:
            return gpd.GeoDataFrame({"_row": []}, geometry=[], crs=4326)
        gdf = gpd.GeoDataFrame.from_features(features, crs=4326)
        gdf["_row"] = range(1, len(gdf) + 1)
        return gdf
    return read_vector(Path(source))


def _polygons(gdf: gpd.GeoDataFrame, source: str) -> tuple[list[tuple[int, Any]], int]:
    """Return ``(row, MultiPolygon)`` pairs and the number of rows without a geometry."""
    out: list[tuple[int, Any]] = []
    skipped = 0
    for row, geom in zip(gdf["_row"], gdf.geometry, strict=True):
        if geom is None or geom.is_empty:
            skipped += 1
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise InputFileError.of(
                _NOT_POLYGON,
                field="geometry",
                source=source,
                row=int(row),
                geom_type=geom.geom_type,
            )
        fixed = shapely.make_valid(shapely.force_2d(geom))
        parts = [g for g in shapely.get_parts(fixed) if g.geom_type in ("Polygon", "MultiPolygon")]
        polys = [p for g in parts for p in shapely.get_parts(g)]
        if polys:
            out.append((int(row), shapely.MultiPolygon(polys)))
        else:
            skipped += 1
    if not out:
        raise InputFileError.of(_NO_POLYGONS, field="geometry", source=source)
    return out, skipped


def _forest_attrs(
    records: list[dict[str, object]], mapping: dict[str, str], source: str
) -> tuple[list[dict[str, Any]], Counter[str]]:
    if records and "fungsikws" not in lower_keys(records[0]):
        raise InputFileError.of(
            _NO_FUNGSIKWS, field="FUNGSIKWS", source=source, columns=sorted(records[0])
        )
    unknown: Counter[str] = Counter()
    out = []
    for rec in records:
        lower = lower_keys(rec)
        code = forest_code(lower.get("fungsikws"))
        function = mapping.get(code) if code else None
        if function is None:
            unknown[code or "(kosong)"] += 1
        name = lower.get("namobj") or lower.get("nama")
        out.append({"fungsikws": code, "function": function, "name": json_safe(name)})
    return out, unknown


def _attributes(
    session: Session, kind: str, records: list[dict[str, object]], rows: list[int], source: str
) -> tuple[list[dict[str, Any]], Counter[str]]:
    if kind == "wiup":
        return [wiup_attrs(rec, row=row) for rec, row in zip(records, rows, strict=True)], Counter()
    if kind == "kawasan_hutan":
        mapping = dict(session.execute(select(ForestFunction.code, ForestFunction.function)).all())
        return _forest_attrs(records, {k.upper(): v for k, v in mapping.items()}, source)
    return [{"name": json_safe(lower_keys(rec).get("namobj"))} for rec in records], Counter()


def import_layer(
    *,
    session: Session,
    kind: str,
    path: str | Path,
    actor: str,
    settings: LayerSettings,
    snapshot_date: dt.date | None = None,
    allow_unknown_codes: bool = False,
) -> ImportSummary:
    """Store the polygons of ``path`` (a file or an ArcGIS ``query`` URL) as a new snapshot.

    Raises
    ------
    ValidationError
        For an unknown ``kind``.
    InputFileError
        For an unreadable file, no polygons, a bad date or number (naming row and field), or
        ``FUNGSIKWS`` codes the mapping table does not know (unless ``allow_unknown_codes``).
    """
    if kind not in KINDS:
        raise ValidationError.of(_UNKNOWN_KIND, field="kind", kind=repr(kind), allowed=list(KINDS))
    source = str(path) if str(path).startswith(("http://", "https://")) else Path(path).name
    gdf = read_source(path, settings=settings)
    polygons, skipped = _polygons(gdf, source)
    by_row = {int(r): rec for r, rec in zip(gdf["_row"], _records(gdf), strict=True)}
    records = [by_row[row] for row, _ in polygons]
    attrs, unknown = _attributes(session, kind, records, [r for r, _ in polygons], source)
    if unknown and not allow_unknown_codes:
        codes = ", ".join(f"{c} ({n})" for c, n in sorted(unknown.items()))
        raise InputFileError.of(_UNKNOWN_CODES, field="FUNGSIKWS", source=source, codes=codes)
    snapshot = LayerSnapshot(
        kind=kind,
        source=source,
        snapshot_date=snapshot_date or dt.date.today(),
        imported_by=actor,
        feature_count=len(polygons),
        skipped_count=skipped,
    )
    session.add(snapshot)
    session.flush()
    session.execute(
        insert(LayerFeature),
        [
            {
                "snapshot_id": snapshot.id,
                "source_row": row,
                "geom": from_shape(geom, srid=4326),
                "attrs": a,
                "raw": rec,
            }
            for (row, geom), a, rec in zip(polygons, attrs, records, strict=True)
        ],
    )
    return ImportSummary(
        snapshot.id, kind, source, snapshot.snapshot_date, len(polygons), skipped, dict(unknown)
    )


def _records(gdf: gpd.GeoDataFrame) -> list[dict[str, object]]:
    """Return each row's attributes (no geometry, no ``_row``) as JSON-safe values."""
    columns = [c for c in gdf.columns if c not in ("_row", gdf.geometry.name)]
    return [
        {str(c): json_safe(v) for c, v in zip(columns, values, strict=True)}
        for values in gdf[columns].itertuples(index=False, name=None)
    ]
