"""Indicative classification of sites, reports and hotspots by the newest layer snapshots.

Distances and areas are measured in metres on the geography. A place within the tolerance of
a polygon (default 50 m: the published layers are small-scale) counts as touching it; the
overlap share (the fraction of a polygon's area inside, or 1/0 for a point inside/outside) and
the distance are kept as evidence with the snapshot and its date. The result is *indicative*:
it points at which law and authority to consider, it is not a legal finding.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    CTE,
    Integer,
    Select,
    String,
    Text,
    and_,
    case,
    cast,
    column,
    delete,
    func,
    literal,
    null,
    or_,
    select,
    table,
    union_all,
)
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from geo.layers.config import OBJECT_KINDS, PERMIT_CLASSES, LayerSettings, authority_for
from geo.layers.models import LayerClassification, LayerFeature, LayerSnapshot
from geo.models import Site
from geo.reports.models import Report

__all__ = [
    "ClassifySummary",
    "classify_objects",
    "matches_query",
    "newest_snapshots",
    "objects_cte",
    "permit_class",
]

# The hotspots table has no ORM model: the columns classification reads.
_HOTSPOTS = table(
    "hotspots", column("id", Integer), column("code", String), column("hull", Geometry)
)


def objects_cte(kinds: list[str], only: Mapping[str, Collection[int]] | None = None) -> CTE:
    """Every classified object of ``kinds`` as (kind, id, code, geom, commodity).

    With ``only``, just the objects whose ids it lists for their kind.
    """
    # Any: the three selects differ in their (invariant) column types, not in their shape.
    parts: list[Any] = []

    def keep(query: Any, kind: str, id_column: Any) -> Any:
        if only is None:
            return query
        return query.where(id_column.in_(sorted({int(i) for i in only.get(kind, ())})))

    if "site" in kinds:
        parts.append(
            keep(
                select(
                    literal("site").label("kind"),
                    Site.id,
                    Site.code.label("code"),
                    Site.geom.label("geom"),
                    Site.commodity.label("commodity"),
                ),
                "site",
                Site.id,
            )
        )
    if "report" in kinds:
        parts.append(
            keep(
                select(
                    literal("report").label("kind"),
                    Report.id,
                    Report.code.label("code"),
                    Report.geom.label("geom"),
                    Report.commodity_guess.label("commodity"),
                ).where(Report.geom.is_not(None)),
                "report",
                Report.id,
            )
        )
    if "hotspot" in kinds:
        h = _HOTSPOTS.c
        hotspots = select(
            literal("hotspot").label("kind"),
            h.id,
            h.code.label("code"),
            h.hull.label("geom"),
            null().label("commodity"),
        )
        parts.append(keep(hotspots, "hotspot", h.id))
    return union_all(*parts).cte("objs")


def matches_query(objs: CTE, snapshot_id: int, tol: float, by_feature: bool) -> Select[Any]:
    """Per object and group (a permit feature, or a forest function): distance and share.

    ``ST_DWithin`` on the geography uses ``ix_layer_features_geog``; the share is the area of
    the object inside the group's polygons over the object's area, or 1/0 for a point or line
    inside/outside.
    """
    f = LayerFeature
    areal = func.ST_Dimension(objs.c.geom) == 2
    hits = (
        select(
            objs.c.kind,
            objs.c.id,
            f.id.label("feature_id"),
            f.attrs,
            func.ST_Distance(func.geography(objs.c.geom), func.geography(f.geom)).label(
                "distance_m"
            ),
            areal.label("areal"),
            func.ST_Intersects(objs.c.geom, f.geom).label("touches"),
            case((areal, func.ST_Intersection(objs.c.geom, f.geom))).label("part"),
            func.ST_Area(func.geography(objs.c.geom)).label("obj_area"),
        )
        .join(
            f,
            and_(
                f.snapshot_id == snapshot_id,
                func.ST_DWithin(func.geography(objs.c.geom), func.geography(f.geom), tol),
            ),
        )
        .cte("hits")
    )
    share = case(
        (
            func.bool_or(hits.c.areal),
            func.coalesce(
                func.ST_Area(func.geography(func.ST_Union(hits.c.part)))
                / func.nullif(func.max(hits.c.obj_area), 0),
                0.0,
            ),
        ),
        (func.bool_or(hits.c.touches), 1.0),
        else_=0.0,
    )
    # A permit is judged feature by feature; the forest estate function by function.
    keys = [hits.c.feature_id, hits.c.attrs] if by_feature else [hits.c.attrs["function"].astext]
    return select(
        hits.c.kind,
        hits.c.id,
        (cast(hits.c.feature_id, Text) if by_feature else keys[0]).label("grp"),
        func.min(hits.c.feature_id).label("feature_id"),
        (hits.c.attrs if by_feature else null()).label("attrs"),
        func.min(hits.c.distance_m).label("distance_m"),
        share.label("share"),
    ).group_by(hits.c.kind, hits.c.id, *keys)


@dataclasses.dataclass(frozen=True)
class ClassifySummary:
    """What one classification run did."""

    classified: int
    evaluated_on: dt.date
    tolerance_m: float
    by_class: dict[str, int]
    snapshots: dict[str, int]
    #: Alert patches re-classified in the same run (by class), when the use case did so.
    patches_by_class: dict[str, int] = dataclasses.field(default_factory=dict)
    #: Sites whose priority (``pts_permit``, ``pts_forest``) was recomputed in the same run.
    priorities_refreshed: int = 0


def newest_snapshots(session: Session) -> dict[str, LayerSnapshot]:
    """Return the newest snapshot of each layer kind (by import time)."""
    rows = session.scalars(
        select(LayerSnapshot)
        .ext(distinct_on(LayerSnapshot.kind))
        .order_by(LayerSnapshot.kind, LayerSnapshot.imported_at.desc(), LayerSnapshot.id.desc())
    ).all()
    return {s.kind: s for s in rows}


def permit_class(attrs: dict[str, Any], on: dt.date) -> str:
    """Return the class a permit polygon gives a place on ``on``.

    Examples
    --------
    >>> d = dt.date(2026, 1, 1)
    >>> permit_class({"stage": "operasi_produksi", "tgl_akhir": "2030-01-01"}, d)
    'WIUP_OP'
    >>> permit_class({"stage": "operasi_produksi", "tgl_akhir": "2025-12-31"}, d)
    'WIUP_BERAKHIR'
    >>> permit_class({"stage": "eksplorasi"}, d)
    'WIUP_EKSPLORASI'
    """
    end = attrs.get("tgl_akhir")
    if attrs.get("ended") or (end and dt.date.fromisoformat(end) < on):
        return "WIUP_BERAKHIR"
    if attrs.get("stage") == "operasi_produksi":
        return "WIUP_OP"
    # An active permit whose stage is not stated is treated as the weaker (exploration) one.
    return "WIUP_EKSPLORASI"


def _matches(
    session: Session,
    snapshot: LayerSnapshot | None,
    objs: CTE,
    tol: float,
    by_feature: bool,
) -> dict[tuple[str, int], list[Any]]:
    out: dict[tuple[str, int], list[Any]] = defaultdict(list)
    if snapshot is None:
        return out
    query = matches_query(objs, snapshot.id, tol, by_feature)
    for row in session.execute(query):
        out[(row.kind, row.id)].append(row)
    return out


def _permit(hits: list[Any], on: dt.date) -> tuple[str, Any | None]:
    if not hits:
        return "LUAR_WIUP", None
    ranked = sorted(
        hits,
        key=lambda h: (PERMIT_CLASSES.index(permit_class(h.attrs, on)), -h.share, h.distance_m),
    )
    return permit_class(ranked[0].attrs, on), ranked[0]


def _permit_evidence(hit: Any) -> dict[str, Any]:
    keys = ("kode_wiup", "sk_iup", "nama_usaha", "komoditas", "kegiatan", "tgl_akhir", "stage")
    return {"feature_id": hit.feature_id, **{k: hit.attrs.get(k) for k in keys}}


def _row(
    obj: Any,
    on: dt.date,
    tol: float,
    snaps: dict[str, LayerSnapshot],
    found: dict[str, dict[tuple[str, int], list[Any]]],
) -> dict[str, Any]:
    key = (obj.kind, obj.id)
    wiup, forest, pippib = snaps.get("wiup"), snaps.get("kawasan_hutan"), snaps.get("pippib")
    cls, hit = _permit(found["wiup"].get(key, []), on) if wiup else (None, None)
    forest_hits = [h for h in found["kawasan_hutan"].get(key, []) if h.grp]
    shares = {h.grp: round(min(1.0, float(h.share)), 4) for h in forest_hits}
    permit_authority = hit.attrs.get("authority") if hit is not None else None
    return {
        "object_kind": obj.kind,
        "object_id": obj.id,
        "object_code": obj.code,
        "permit_class": cls,
        "permit_share": round(float(hit.share), 4) if hit is not None else None,
        "permit_distance_m": round(float(hit.distance_m), 1) if hit is not None else None,
        "permit": _permit_evidence(hit) if hit is not None else None,
        "forest_flags": sorted(shares, key=lambda f: -shares[f]),
        "forest_shares": shares,
        "moratorium": (key in found["pippib"]) if pippib else None,
        "authority": permit_authority or authority_for(obj.commodity),
        "wiup_snapshot_id": wiup.id if wiup else None,
        "wiup_snapshot_date": wiup.snapshot_date if wiup else None,
        "forest_snapshot_id": forest.id if forest else None,
        "forest_snapshot_date": forest.snapshot_date if forest else None,
        "pippib_snapshot_id": pippib.id if pippib else None,
        "pippib_snapshot_date": pippib.snapshot_date if pippib else None,
        "evaluated_on": on,
        "tolerance_m": tol,
    }


def _upsert(columns: Iterable[str]) -> Any:
    """Insert classes, or replace the row of an object classified meanwhile.

    Two classifications may run at once (a layer import's, and the intake worker's for its
    batch): each deleted the rows it saw, so the second to insert an object's row would break
    the one-row-per-object key. Both computed the class from the current layers: keep the last.
    """
    stmt = pg_insert(LayerClassification)
    names = [c for c in columns if c not in ("object_kind", "object_id")]
    return stmt.on_conflict_do_update(
        constraint="uq_layer_classifications_object",
        set_={name: stmt.excluded[name] for name in names},
    )


def _stale_rows(kinds: tuple[str, ...], only: Mapping[str, Collection[int]] | None) -> Any:
    """Return the DELETE of the rows a run replaces: all of ``kinds``, or ``only`` those ids."""
    rows = LayerClassification
    if only is None:
        return delete(rows).where(rows.object_kind.in_(kinds))
    wanted = [
        and_(rows.object_kind == k, rows.object_id.in_(sorted({int(i) for i in only[k]})))
        for k in kinds
    ]
    return delete(rows).where(or_(*wanted))


def classify_objects(
    *,
    session: Session,
    settings: LayerSettings,
    on: dt.date | None = None,
    kinds: tuple[str, ...] = OBJECT_KINDS,
    only: Mapping[str, Collection[int]] | None = None,
) -> ClassifySummary:
    """(Re)classify every object of ``kinds`` by the newest snapshot of each layer kind.

    Earlier results of those kinds are replaced, so a deleted object loses its class and a
    moved one gets its new class. With ``only`` (kind → ids), just those objects are
    (re)classified and only their rows replaced, in one statement set whatever their number:
    what a use case that creates or moves objects calls in its own transaction.

    Examples
    --------
    Without a permit layer nothing can be classified; with the demo's synthetic permits every
    site, report and hotspot gets a class:

    >>> classify_objects(session=session, settings=settings.layers).by_class
    {'-': ...}
    >>> from geo.layers.importer import import_layer
    >>> _ = import_layer(session=session, kind="wiup", path="data/demo_wiup.geojson",
    ...                  actor="doc", settings=settings.layers)
    >>> by_class = classify_objects(session=session, settings=settings.layers).by_class
    >>> "-" in by_class, by_class["LUAR_WIUP"] > by_class["WIUP_OP"] > 0
    (False, True)

    Only some objects (a kind that ``only`` does not name is left alone):

    >>> site_id = session.scalar(select(Site.id).order_by(Site.id).limit(1))
    >>> classify_objects(session=session, settings=settings.layers,
    ...                  only={"site": [site_id]}).classified
    1
    """
    on = on or dt.date.today()
    if only is not None:
        kinds = tuple(k for k in kinds if only.get(k))
    if not kinds:
        return ClassifySummary(0, on, settings.tolerance_m, {}, {})
    tol = settings.tolerance_m
    snaps = newest_snapshots(session)
    objs = objects_cte(list(kinds), only)
    found = {
        "wiup": _matches(session, snaps.get("wiup"), objs, tol, by_feature=True),
        "kawasan_hutan": _matches(session, snaps.get("kawasan_hutan"), objs, tol, False),
        "pippib": _matches(session, snaps.get("pippib"), objs, tol, by_feature=True),
    }
    everything = select(objs.c.kind, objs.c.id, objs.c.code, objs.c.commodity)
    rows = [_row(obj, on, tol, snaps, found) for obj in session.execute(everything)]
    session.execute(_stale_rows(kinds, only))
    if rows:
        session.execute(_upsert(rows[0].keys()), rows)
    by_class: dict[str, int] = defaultdict(int)
    for r in rows:
        by_class[r["permit_class"] or "-"] += 1
        for flag in r["forest_flags"]:
            by_class[flag] += 1
    return ClassifySummary(
        classified=len(rows),
        evaluated_on=on,
        tolerance_m=tol,
        by_class=dict(sorted(by_class.items())),
        snapshots={k: s.id for k, s in snaps.items()},
    )
