"""Use cases of the permit and land-status layers, for the CLI and the API alike.

Each takes the session and the injected :class:`~geo.settings.Settings` and returns a dataclass;
the adapters only parse their input and print or serialise the answer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from geo.errors import N_, NotFound, ValidationError
from geo.featurecache import CHANNEL
from geo.i18n import translator
from geo.layers import classify as classify_mod
from geo.layers import importer
from geo.layers.config import FOREST_FUNCTIONS, OBJECT_KINDS
from geo.layers.guidance import authority_labels, forest_labels, guidance, permit_class_labels
from geo.layers.models import ForestFunction, LayerClassification, LayerFeature, LayerSnapshot
from geo.layers.normalise import forest_code
from geo.settings import Settings

__all__ = [
    "ClassificationView",
    "ImportResult",
    "SnapshotInfo",
    "classification_of",
    "classifications_of",
    "classify",
    "reclassify",
    "import_layer",
    "forest_codes",
    "list_snapshots",
    "map_frame",
    "set_forest_code",
]

_NOT_CLASSIFIED = N_("{kind} {code} has no classification yet; run `pantau layers classify`")
_BAD_OBJECT_KIND = N_("object kind was {kind} but is expected to be one of {allowed}")
_BAD_FUNCTION = N_("forest function was {function} but is expected to be one of {allowed}")
_BAD_CODE = N_("{field} code must not be empty")


@dataclasses.dataclass(frozen=True)
class ImportResult:
    """A stored snapshot and, when asked for, the classification run that followed it."""

    snapshot: importer.ImportSummary
    classification: classify_mod.ClassifySummary | None


@dataclasses.dataclass(frozen=True)
class SnapshotInfo:
    """One stored snapshot, as listed."""

    id: int
    kind: str
    source: str
    snapshot_date: dt.date
    imported_at: dt.datetime
    imported_by: str
    feature_count: int
    skipped_count: int
    newest: bool


@dataclasses.dataclass(frozen=True)
class ClassificationView:
    """The indicative class of one object with its evidence, labels and guidance."""

    object_kind: str
    object_code: str
    indicative: bool
    permit_class: str | None
    permit_label: str | None
    permit_share: float | None
    permit_distance_m: float | None
    permit: dict[str, Any] | None
    forest_flags: list[str]
    forest_labels: list[str]
    forest_shares: dict[str, float]
    moratorium: bool | None
    authority: str | None
    authority_label: str | None
    wiup_snapshot_date: dt.date | None
    forest_snapshot_date: dt.date | None
    pippib_snapshot_date: dt.date | None
    evaluated_on: dt.date
    tolerance_m: float
    guidance: list[str]


def import_layer(
    *,
    session: Session,
    kind: str,
    path: str | Path,
    actor: str,
    settings: Settings,
    snapshot_date: dt.date | None = None,
    allow_unknown_codes: bool = False,
    reclassify: bool = True,
) -> ImportResult:
    """Import a layer as a new snapshot and (by default) re-classify every object by it."""
    summary = importer.import_layer(
        session=session,
        kind=kind,
        path=path,
        actor=actor,
        settings=settings.layers,
        snapshot_date=snapshot_date,
        allow_unknown_codes=allow_unknown_codes,
    )
    again = classify(session=session, settings=settings) if reclassify else None
    return ImportResult(summary, again)


def classify(
    *, session: Session, settings: Settings, on: dt.date | None = None
) -> classify_mod.ClassifySummary:
    """Classify everything that depends on the layers, in the caller's transaction.

    Every site, report and hotspot by the newest snapshot of each layer; then every alert
    patch (evaluated on the last day of its window, as :func:`geo.alerts.patches.build_patches`
    does); then the priority of every site, whose ``pts_permit`` and ``pts_forest`` read the
    classes. So no output shows a class or a score older than the layers it cites.
    """
    from geo.alerts.models import AlertPatch
    from geo.alerts.patches import classify_patches
    from geo.priority import refresh_sites

    summary = classify_mod.classify_objects(session=session, settings=settings.layers, on=on)
    window_end = session.scalar(select(func.max(AlertPatch.window_to)))
    patches = (
        classify_patches(session=session, settings=settings.layers, on=on or window_end)
        if window_end is not None
        else {}
    )
    scored = refresh_sites(session=session, site_ids=None, settings=settings.priority)
    # Pages of sites served with their classes are cached until the registry changes: tell
    # every process's cache (delivered when this transaction commits), as a site edit does.
    session.execute(text("SELECT pg_notify(:channel, 'layers')"), {"channel": CHANNEL})
    session.flush()
    return dataclasses.replace(summary, patches_by_class=patches, priorities_refreshed=len(scored))


def reclassify(
    *,
    session: Session,
    settings: Settings,
    only: Mapping[str, Collection[int]],
    rescore: bool = True,
) -> classify_mod.ClassifySummary | None:
    """Re-classify the objects a use case just created or moved, in its transaction.

    ``only`` maps a kind (``site``, ``report``, ``hotspot``) to the ids to classify; only
    their rows are replaced, in one statement set. With ``rescore`` the priority of the sites
    among them is refreshed too (``pts_permit`` and ``pts_forest`` read the class); a use case
    that refreshes the priority itself right after passes ``False``. Without any layer
    snapshot nothing can be classified: one cheap query, nothing written, ``None`` returned.

    Examples
    --------
    >>> reclassify(session=session, settings=settings, only={"site": [1]}) is None
    True
    """
    if session.scalar(select(LayerSnapshot.id).limit(1)) is None:
        return None
    from geo.priority import refresh_sites

    session.flush()  # the use case's new or moved geometries must be visible to the query
    summary = classify_mod.classify_objects(session=session, settings=settings.layers, only=only)
    site_ids = sorted({int(i) for i in only.get("site", ())})
    if rescore and site_ids:
        scored = refresh_sites(session=session, site_ids=site_ids, settings=settings.priority)
        summary = dataclasses.replace(summary, priorities_refreshed=len(scored))
    session.flush()
    return summary


def list_snapshots(*, session: Session, kind: str | None = None) -> list[SnapshotInfo]:
    """Return the stored snapshots, newest first, marking the one classification uses."""
    newest = {s.id for s in classify_mod.newest_snapshots(session).values()}
    query = select(LayerSnapshot).order_by(
        LayerSnapshot.imported_at.desc(), LayerSnapshot.id.desc()
    )
    if kind is not None:
        query = query.where(LayerSnapshot.kind == kind)
    return [
        SnapshotInfo(
            s.id,
            s.kind,
            s.source,
            s.snapshot_date,
            s.imported_at,
            s.imported_by,
            s.feature_count,
            s.skipped_count,
            s.id in newest,
        )
        for s in session.scalars(query)
    ]


def classification_of(
    *, session: Session, object_kind: str, code: str, language: str
) -> ClassificationView:
    """Return the stored class of one site, report or hotspot, in ``language``.

    Raises
    ------
    NotFound
        When the object has not been classified (or does not exist).
    """
    if object_kind not in OBJECT_KINDS:
        raise ValidationError.of(
            _BAD_OBJECT_KIND, field="kind", kind=repr(object_kind), allowed=list(OBJECT_KINDS)
        )
    row = session.scalars(
        select(LayerClassification).where(
            LayerClassification.object_kind == object_kind,
            func.upper(LayerClassification.object_code) == code.strip().upper(),
        )
    ).first()
    if row is None:
        raise NotFound.of(_NOT_CLASSIFIED, kind=object_kind, code=code)
    return _view(row, language)


def classifications_of(
    *, session: Session, object_kind: str, codes: Iterable[str], language: str
) -> dict[str, ClassificationView]:
    """Return the stored classes of several objects of one kind, by upper-case code.

    Objects without a class are left out. Read at the time of the call, never from a cache,
    so an answer never shows a class older than the newest classification.

    Examples
    --------
    >>> classifications_of(session=session, object_kind="site", codes=["NOPE-1"], language="id")
    {}
    """
    given = {c.strip() for c in codes}
    wanted = sorted(given | {c.upper() for c in given})
    if not wanted:
        return {}
    # Codes are matched as given and in upper case (as the registry writes them), so the
    # (object_kind, object_code) index answers; an upper() of the column would scan the table.
    rows = session.scalars(
        select(LayerClassification).where(
            LayerClassification.object_kind == object_kind,
            LayerClassification.object_code.in_(wanted),
        )
    )
    return {row.object_code.upper(): _view(row, language) for row in rows}


def _view(row: LayerClassification, language: str) -> ClassificationView:
    t = translator(language)
    forests = forest_labels(t)
    wiup_date = t.date(row.wiup_snapshot_date) if row.wiup_snapshot_date else "?"
    return ClassificationView(
        object_kind=row.object_kind,
        object_code=row.object_code,
        indicative=True,
        permit_class=row.permit_class,
        permit_label=permit_class_labels(t).get(row.permit_class or ""),
        permit_share=row.permit_share,
        permit_distance_m=row.permit_distance_m,
        permit=row.permit,
        forest_flags=list(row.forest_flags),
        forest_labels=[forests.get(f, f) for f in row.forest_flags],
        forest_shares={k: float(v) for k, v in row.forest_shares.items()},
        moratorium=row.moratorium,
        authority=row.authority,
        authority_label=authority_labels(t).get(row.authority or ""),
        wiup_snapshot_date=row.wiup_snapshot_date,
        forest_snapshot_date=row.forest_snapshot_date,
        pippib_snapshot_date=row.pippib_snapshot_date,
        evaluated_on=row.evaluated_on,
        tolerance_m=row.tolerance_m,
        guidance=guidance(
            t,
            permit_class=row.permit_class,
            permit=row.permit,
            forest_flags=row.forest_flags,
            moratorium=row.moratorium,
            authority=row.authority,
            wiup_date=wiup_date,
        ),
    )


def map_frame(
    *, session: Session, kind: str, simplify_m: float = 20.0, on: dt.date | None = None
) -> gpd.GeoDataFrame | None:
    """Return the newest snapshot of ``kind`` as a frame for maps (simplified), or None.

    Polygons are simplified by ``simplify_m`` metres (topology kept): the published layers are
    small-scale, and a map file carries every vertex. Columns: the normalised attributes
    (``kode_wiup``, ``nama_usaha``... for permits, ``function`` and ``name`` for the forest
    estate), ``snapshot_date``, and for permits the ``permit_class`` they give on ``on``.

    Examples
    --------
    >>> map_frame(session=session, kind="pippib") is None
    True
    """
    snap = classify_mod.newest_snapshots(session).get(kind)
    if snap is None:
        return None
    tolerance = simplify_m / 111_320  # degrees, at the equator
    shape = func.ST_SimplifyPreserveTopology(LayerFeature.geom, tolerance)
    rows = session.execute(
        select(LayerFeature.attrs, func.ST_AsBinary(shape))
        .where(LayerFeature.snapshot_id == snap.id)
        .order_by(LayerFeature.id)
    ).all()
    attrs = [dict(r[0]) for r in rows]
    frame = pd.DataFrame(attrs)
    if kind == "wiup":
        day = on or dt.date.today()
        frame["permit_class"] = [classify_mod.permit_class(a, day) for a in attrs]
    frame["snapshot_date"] = snap.snapshot_date
    geoms = shapely.from_wkb([bytes(r[1]) for r in rows])
    return gpd.GeoDataFrame(frame, geometry=list(geoms), crs=4326)


def forest_codes(*, session: Session) -> dict[str, str]:
    """Return the agency's ``FUNGSIKWS`` code → forest function table."""
    query = select(ForestFunction.code, ForestFunction.function).order_by(ForestFunction.code)
    return dict(session.execute(query).all())


def set_forest_code(*, session: Session, code: str, function: str, note: str | None = None) -> str:
    """Map one ``FUNGSIKWS`` code to a forest function (added or changed); return the code.

    Polygons already imported keep the function of their import: import the layer again to
    apply the new mapping to it.
    """
    key = forest_code(code)
    if not key:
        raise ValidationError.of(_BAD_CODE, field="FUNGSIKWS")
    if function not in FOREST_FUNCTIONS:
        raise ValidationError.of(
            _BAD_FUNCTION, field="function", function=repr(function), allowed=list(FOREST_FUNCTIONS)
        )
    session.merge(ForestFunction(code=key, function=function, note=note))
    session.flush()
    return key
