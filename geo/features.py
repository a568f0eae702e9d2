"""GeoJSON feature collections built in PostGIS, for the HTTP service and OGC API - Features.

Each collection is described once (:class:`CollectionSpec`): the table, the id, the geometry,
the temporal property and the properties that may leave the agency. :func:`query_items`
filters by bbox, datetime interval and simple equality filters and pages with limit/offset;
the features are serialised by PostgreSQL (``ST_AsGeoJSON`` inside ``json_agg``), so a page
of thousands of features costs one round trip and no per-row Python.

The statements are SQLAlchemy Core expressions over the columns a spec names (looked up in
its source, never formatted into SQL text); every value is a bound parameter.

Examples
--------
>>> from geo.features import COLLECTIONS
>>> COLLECTIONS["sites"].id_column
'code'
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Float,
    FromClause,
    Integer,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    column,
    func,
    literal,
    null,
    or_,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import ReadOnlyColumnCollection

from geo.errors import NotFound, ValidationError
from geo.layers.config import CLASS_COLUMNS

__all__ = [
    "CollectionSpec",
    "FeaturePage",
    "COLLECTIONS",
    "register_collection",
    "parse_bbox",
    "parse_datetime_interval",
    "query_items",
    "get_feature",
    "collection_extent",
]

#: Decimal places of coordinates in GeoJSON output (7 places is about 1 cm).
COORDINATE_PRECISION = 7
_PRECISION = literal(COORDINATE_PRECISION)
MAX_LIMIT = 10_000


#: Where a collection's rows come from: a table, or a subquery whose columns carry the names
#: the spec uses. Built on first use, so that this module imports no table models.
Source = Callable[[], FromClause]
#: A fixed condition on the source's columns (for confidentiality).
Where = Callable[[ReadOnlyColumnCollection[str, Any]], ColumnElement[bool]]


@dataclass(frozen=True)
class Annotation:
    """Properties a collection computes per page, after the spec's own (see ``annotate``).

    ``properties`` are ``(name, expression on the page's columns)`` pairs. When they need
    values found first, ``prepare`` is a query run before the page with the same parameters,
    and ``params`` turns its rows into the page's extra bound parameters.
    """

    properties: Sequence[tuple[str, ColumnElement[Any]]]
    prepare: Select[Any] | None = None
    params: Callable[[Sequence[Sequence[Any]]], dict[str, Any]] | None = None


#: ``(page, rows, language)`` to the :class:`Annotation` of a page in the reader's language;
#: ``rows`` are the filtered rows the page is taken from (neither ordered nor paged).
Annotate = Callable[[FromClause, FromClause, str], Annotation]


@dataclass(frozen=True)
class CollectionSpec:
    """How one collection is read: column names of its source, never user input."""

    id: str
    title: str
    description: str
    source: Source
    id_column: str
    geom_column: str
    properties: tuple[str, ...]
    #: A date/timestamp column used by the ``datetime`` filter, or ``None``.
    datetime_column: str | None = None
    #: Columns a caller may filter on by equality (``status=active``).
    filterable: tuple[str, ...] = ()
    #: Those of ``filterable`` that are integer columns (filter values arrive as text).
    integer_filters: tuple[str, ...] = ()
    #: A fixed condition (for confidentiality) applied to every query.
    where: Where | None = None
    #: The geometry as served, from the stored one (e.g. snapped to a grid for the public).
    geom_expression: Callable[[ColumnElement[Any]], ColumnElement[Any]] | None = None
    order_by: str = field(default="")
    #: Properties computed per page (texts in the reader's language), or ``None``.
    annotate: Annotate | None = None
    #: Source columns a page carries for ``annotate`` without serving them as they are.
    hidden: tuple[str, ...] = ()

    def geometry(self, columns: ReadOnlyColumnCollection[str, Any]) -> ColumnElement[Any]:
        """Return the geometry served, from the source's (or a page's) columns."""
        geom: ColumnElement[Any] = columns[self.geom_column]
        return self.geom_expression(geom) if self.geom_expression else geom


# The sources import their models when first used: the registry-only deployment has no
# patrols or reports installed, and those modules import more than this one needs.
def _sites() -> FromClause:
    """Return the sites with the columns of their indicative class (geo.layers.columns)."""
    from geo.layers.columns import classed_sites

    return classed_sites()


def _site_classes(page: FromClause, rows: FromClause, language: str) -> Annotation:
    from geo.layers.columns import site_class_properties

    return site_class_properties(page, rows, language)


def _patrol_routes() -> FromClause:
    from geo.patrols.models import PatrolRoute

    return PatrolRoute.__table__


def _reports() -> FromClause:
    from geo.reports.models import Report

    return Report.__table__


def _hotspots() -> FromClause:
    """Return the hotspots table (migration 0004; written by geo.hotspots, no model)."""
    return table(
        "hotspots",
        *(column(c) for c in ("id", "code", "status", "report_count", "reporter_count")),
        *(column(c) for c in ("channels", "first_seen", "last_seen", "hull")),
    )


def _reports_with_match() -> FromClause:
    """Return reports with their match distance and rule (from report_matches)."""
    from geo.reports.models import Report, ReportMatch

    r, m = Report.__table__, ReportMatch.__table__
    return (
        select(r, m.c.distance_m.label("match_distance_m"), m.c.rule.label("match_rule"))
        .select_from(r.outerjoin(m, m.c.report_id == r.c.id))
        .subquery("reports")
    )


COLLECTIONS: dict[str, CollectionSpec] = {}


def register_collection(spec: CollectionSpec) -> CollectionSpec:
    """Add ``spec`` to :data:`COLLECTIONS` (idempotent) and return it."""
    COLLECTIONS[spec.id] = spec
    return spec


register_collection(
    CollectionSpec(
        id="sites",
        title="Suspect illegal-mining (PETI) sites",
        description="The registry of suspect illegal-mining sites in East Kalimantan.",
        source=_sites,
        id_column="code",
        geom_column="geom",
        properties=(
            "code",
            "name",
            "kabupaten",
            "kecamatan",
            "commodity",
            "status",
            "risk_level",
            "first_reported",
            "last_inspected",
        ),
        datetime_column="first_reported",
        filterable=("status", "kabupaten", "commodity", "risk_level"),
        order_by="code",
        # The indicative class (permit, forest estate, authority, guidance): see
        # geo.layers.columns; every site carries its keys, null when not classified.
        annotate=_site_classes,
        hidden=CLASS_COLUMNS,
    )
)


register_collection(
    CollectionSpec(
        id="hotspots",
        title="Candidate hotspots",
        description="Clusters of public reports that match no known site (hull of the cluster).",
        source=_hotspots,
        id_column="code",
        geom_column="hull",
        properties=(
            "code",
            "status",
            "report_count",
            "reporter_count",
            "channels",
            "first_seen",
            "last_seen",
        ),
        datetime_column="last_seen",
        filterable=("status",),
        order_by="code",
    )
)

register_collection(
    CollectionSpec(
        id="patrol_routes",
        title="Patrol routes",
        description="Planned routes per team and day (base, visits in order, back to base).",
        source=_patrol_routes,
        id_column="id",
        geom_column="geom",
        properties=(
            "plan_id",
            "team",
            "route_date",
            "base_code",
            "depart",
            "back",
            "visits",
            "priority",
            "drive_min",
            "distance_km",
        ),
        datetime_column="route_date",
        filterable=("plan_id", "team", "base_code"),
        integer_filters=("plan_id",),
        order_by="id",
    )
)

# What every report collection shows of a report, shareable or not.
_REPORT_FACTS = (
    "code",
    "channel",
    "received_at",
    "observed_at",
    "location_source",
    "accuracy_m",
    "activity",
    "commodity_guess",
)

#: Reports as a shareable collection: never ``rahasia`` ones, never reporter identity or free
#: text (which may name people), and only reports with a location.
register_collection(
    CollectionSpec(
        id="reports",
        title="Public reports (non-confidential)",
        description="Reports of suspected illegal mining that are not marked rahasia; "
        "no reporter identity and no free text.",
        source=_reports,
        id_column="code",
        geom_column="geom",
        properties=(*_REPORT_FACTS, "status", "resolution"),
        datetime_column="received_at",
        filterable=("status", "channel", "activity"),
        where=lambda c: and_(c.confidentiality != "rahasia", c.geom.is_not(None)),
        order_by="code",
    )
)


#: Reports as staff inside the agency see them in lists: ``rahasia`` included, never identity.
#: Not an OGC collection (``api/routes/ogc.py`` does not serve it), because it must not be shared.
register_collection(
    CollectionSpec(
        id="reports_internal",
        title="Reports (agency internal)",
        description="Every report with a location, including rahasia; no reporter identity.",
        source=_reports_with_match,
        id_column="code",
        geom_column="geom",
        properties=(
            *_REPORT_FACTS,
            "confidentiality",
            "status",
            "resolution",
            "status_changed_at",
            "title",
            "flags",
            "match_distance_m",
            "match_rule",
        ),
        datetime_column="received_at",
        filterable=("status", "channel", "activity", "confidentiality"),
        order_by="code",
    )
)


@dataclass(frozen=True)
class FeaturePage:
    """One page of a collection: the features as GeoJSON (UTF-8), and how many matched.

    The features are kept encoded, as the service writes them: a cached page is sent to many
    readers as is, with no copy of it per response (``api.routes._geojson.GeoJSONParts``).
    """

    features_utf8: bytes
    number_matched: int
    number_returned: int

    @property
    def features_json(self) -> str:
        """The features as text: a JSON array of RFC 7946 Feature objects."""
        return self.features_utf8.decode("utf-8")


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """Parse ``"minlon,minlat,maxlon,maxlat"``; raise :class:`ValidationError` naming ``bbox``.

    Examples
    --------
    >>> parse_bbox("116.9,-0.6,117.3,-0.3")
    (116.9, -0.6, 117.3, -0.3)
    """
    if value is None or value == "":
        return None
    parts = value.split(",")
    if len(parts) not in (4, 6):
        raise ValidationError(
            f"bbox must be 4 comma-separated numbers minlon,minlat,maxlon,maxlat; "
            f"got {len(parts)} values",
            field="bbox",
        )
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise ValidationError(
            "bbox must be numbers minlon,minlat,maxlon,maxlat; got a value that is not a number",
            field="bbox",
        ) from None
    if len(numbers) == 6:  # 3D bbox: drop the heights
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    x1, y1, x2, y2 = numbers
    if not all(math.isfinite(n) for n in numbers):
        raise ValidationError("bbox values must be finite numbers", field="bbox")
    if not (-180 <= x1 <= 180 and -180 <= x2 <= 180 and -90 <= y1 <= 90 and -90 <= y2 <= 90):
        raise ValidationError(
            "bbox is expected in longitude (-180..180) and latitude (-90..90), in that order",
            field="bbox",
        )
    if y1 > y2:
        raise ValidationError(
            f"bbox minimum latitude {y1} is above its maximum latitude {y2}", field="bbox"
        )
    return (x1, y1, x2, y2)


def _parse_instant(value: str) -> dt.datetime:
    text_value = value.strip()
    try:
        if len(text_value) == 10:
            parsed = dt.datetime.combine(dt.date.fromisoformat(text_value), dt.time())
        else:
            parsed = dt.datetime.fromisoformat(text_value.replace("z", "Z"))
    except ValueError:
        raise ValidationError(
            f"datetime must be RFC 3339 (e.g. 2025-01-31T00:00:00Z) or an interval a/b; "
            f"got {value[:40]!r}",
            field="datetime",
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def parse_datetime_interval(
    value: str | None,
) -> tuple[dt.datetime | None, dt.datetime | None] | None:
    """Parse an OGC ``datetime`` (an instant, ``a/b``, ``../b`` or ``a/..``) into bounds.

    Examples
    --------
    >>> parse_datetime_interval("2025-01-01/..")[1] is None
    True
    """
    if value is None or value == "":
        return None
    if "/" not in value:
        instant = _parse_instant(value)
        return (instant, instant)
    parts = value.split("/")
    if len(parts) != 2:
        raise ValidationError("datetime interval must be start/end", field="datetime")
    start = None if parts[0] in ("", "..") else _parse_instant(parts[0])
    end = None if parts[1] in ("", "..") else _parse_instant(parts[1])
    if start is not None and end is not None and start > end:
        raise ValidationError("datetime interval starts after it ends", field="datetime")
    return (start, end)


@dataclass(frozen=True)
class _Shape:
    """What a statement depends on besides its bound values: the key of the statement cache."""

    spec: CollectionSpec
    language: str = ""
    boxes: int = 0  # bbox envelopes: 0, 1, or 2 across the antimeridian
    start: bool = False
    end: bool = False
    filters: tuple[str, ...] = ()
    feature_id: bool = False


def _bbox_condition(geom: ColumnElement[Any], boxes: int) -> ColumnElement[bool]:
    x1, y1 = bindparam("x1", type_=Float), bindparam("y1", type_=Float)
    x2, y2 = bindparam("x2", type_=Float), bindparam("y2", type_=Float)

    def overlaps(xmin: ColumnElement[Any], xmax: ColumnElement[Any]) -> ColumnElement[bool]:
        return geom.op("&&")(func.ST_MakeEnvelope(xmin, y1, xmax, y2, 4326))

    if boxes == 1:
        return overlaps(x1, x2)
    # Crosses the antimeridian: two boxes.
    return or_(overlaps(x1, literal(180.0, Float)), overlaps(literal(-180.0, Float), x2))


def _filter_value(spec: CollectionSpec, name: str, value: str | int) -> str | int:
    if name not in spec.filterable:
        raise ValidationError(
            f"{name!r} is not a filter of collection {spec.id!r}; "
            f"expected one of {spec.filterable}",
            field=name,
        )
    if name not in spec.integer_filters:
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError(
            f"{name} must be a whole number, got {str(value)[:40]!r}", field=name
        ) from None


def _inputs(
    spec: CollectionSpec,
    bbox: tuple[float, float, float, float] | None,
    interval: tuple[dt.datetime | None, dt.datetime | None] | None,
    filters: Mapping[str, str | int | None],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check the request's conditions: the parts of its :class:`_Shape`, and its values."""
    shape: dict[str, Any] = {}
    values: dict[str, Any] = {}
    if bbox is not None:
        values.update(zip(("x1", "y1", "x2", "y2"), bbox, strict=True))
        shape["boxes"] = 1 if bbox[0] <= bbox[2] else 2
    if interval is not None:
        if spec.datetime_column is None:
            raise ValidationError(
                f"collection {spec.id!r} has no temporal property to filter by datetime",
                field="datetime",
            )
        for name, instant in zip(("start", "end"), interval, strict=True):
            if instant is not None:
                shape[name], values[name] = True, instant
    wanted = {n: v for n, v in filters.items() if v is not None}
    for name, value in wanted.items():
        values[f"f_{name}"] = _filter_value(spec, name, value)  # refuses names not listed
    names = sorted(wanted)
    shape["filters"] = tuple(names)
    return shape, values


def _conditions(
    spec: CollectionSpec, columns: ReadOnlyColumnCollection[str, Any], shape: _Shape
) -> list[ColumnElement[bool]]:
    """Return the conditions of ``shape`` on ``columns``, each value a bound parameter."""
    clauses: list[ColumnElement[bool]] = []
    if spec.where is not None:
        clauses.append(spec.where(columns))
    if shape.boxes:
        clauses.append(_bbox_condition(columns[spec.geom_column], shape.boxes))
    if spec.datetime_column is not None:
        if shape.start:
            clauses.append(columns[spec.datetime_column] >= bindparam("start"))
        if shape.end:
            clauses.append(columns[spec.datetime_column] <= bindparam("end"))
    clauses += [columns[name] == bindparam(f"f_{name}") for name in shape.filters]
    if shape.feature_id:
        clauses.append(cast(columns[spec.id_column], Text) == bindparam("fid", type_=Text))
    return clauses


def _feature(
    spec: CollectionSpec,
    columns: ReadOnlyColumnCollection[str, Any],
    extra: Sequence[tuple[str, ColumnElement[Any]]] = (),
) -> Any:
    """Build a GeoJSON Feature in PostgreSQL from the columns of one row (and ``extra``)."""
    pairs = [*((p, columns[p]) for p in spec.properties), *extra]
    props = [x for name, value in pairs for x in (literal(name), value)]
    # RFC 7946 section 3.1.6: exterior rings counterclockwise, holes clockwise.
    geometry = func.ST_AsGeoJSON(func.ST_ForcePolygonCCW(spec.geometry(columns)), _PRECISION)
    return func.json_build_object(
        literal("type"),
        literal("Feature"),
        literal("id"),
        columns[spec.id_column],
        literal("geometry"),
        cast(geometry, JSON),
        literal("properties"),
        func.json_build_object(*props),
    )


def _needed(spec: CollectionSpec, order: str) -> list[str]:
    """Return the source columns a page of features reads, each once."""
    names = [spec.id_column, spec.geom_column, *spec.properties, *spec.hidden, order]
    return list(dict.fromkeys(names))


def _spec(collection: str) -> CollectionSpec:
    try:
        return COLLECTIONS[collection]
    except KeyError:
        raise NotFound(
            f"no collection {collection!r}; expected one of {sorted(COLLECTIONS)}",
            field="collection",
        ) from None


def query_items(
    *,
    session: Session,
    collection: str,
    bbox: tuple[float, float, float, float] | None = None,
    interval: tuple[dt.datetime | None, dt.datetime | None] | None = None,
    filters: Mapping[str, str | int | None] | None = None,
    limit: int = 100,
    offset: int = 0,
    count: bool = True,
    language: str = "id",
) -> FeaturePage:
    """Return one page of ``collection`` as GeoJSON features, filtered and ordered by id.

    Parameters
    ----------
    session
        Database session.
    collection
        Id of a registered collection (``"sites"``).
    bbox
        ``(minlon, minlat, maxlon, maxlat)`` in EPSG:4326; features intersecting its envelope.
    interval
        ``(start, end)`` bounds on the collection's temporal property (``None`` = open).
    filters
        Equality filters on the spec's ``filterable`` columns; ``None`` values are ignored.
    limit, offset
        Paging; ``limit`` is 1..10,000.
    count
        Whether to count all matching features (``number_matched``); ``-1`` when not.
    language
        Language of the texts a collection computes per page (the sites' class labels).

    Returns
    -------
    FeaturePage
        ``features_json`` is a JSON array of RFC 7946 Feature objects.

    Examples
    --------
    >>> page = query_items(session=session, collection="sites", limit=5)
    >>> page.number_returned
    5
    """
    spec = _spec(collection)
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit must be 1..{MAX_LIMIT}, got {limit}", field="limit")
    if offset < 0:
        raise ValidationError(f"offset must be 0 or more, got {offset}", field="offset")
    parts, values = _inputs(spec, bbox, interval, filters or {})
    shape = _Shape(spec, language if spec.annotate else "", **parts)
    statements = _page_statements(shape)
    values.update(limit=limit, offset=offset)
    values.update(_annotation_values(session, statements.annotation, values))
    row = session.execute(statements.page, values).one()
    matched = -1
    if row[2] is not None:
        matched = int(row[2])
    elif offset == 0:
        matched = 0
    elif count:  # an empty page: count separately (an offset beyond the end, or no match)
        matched = int(session.execute(statements.count, values).scalar_one())
    return FeaturePage(
        features_utf8=row[0].encode("utf-8"), number_matched=matched, number_returned=int(row[1])
    )


@dataclass(frozen=True)
class _PageStatements:
    page: Select[str, int, Any]
    count: Select[int]
    annotation: Annotation


# Statements are built once per shape and reused with new values: building a statement costs
# more than PostgreSQL takes to run it on a registry-sized table (benchmarks/api.py).
@lru_cache(maxsize=512)
def _page_statements(shape: _Shape) -> _PageStatements:
    """Build the statements of one page of ``shape``: features, count, and annotation."""
    spec = shape.spec
    source = spec.source()
    where = _conditions(spec, source.c, shape)
    order = spec.order_by or spec.id_column
    columns = [source.c[n] for n in _needed(spec, order)]
    # One round trip: the page and, through a window, how many rows matched in all.
    page = (
        select(*columns, func.count().over().label("_matched"))
        .where(*where)
        .order_by(source.c[order])
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("page")
    )
    rows = select(*columns).where(*where).subquery("matching")
    annotation = spec.annotate(page, rows, shape.language) if spec.annotate else Annotation(())
    ordered = aggregate_order_by(_feature(spec, page.c, annotation.properties), page.c[order])
    features = func.coalesce(func.json_agg(ordered), cast(literal("[]"), JSON))
    return _PageStatements(
        page=select(cast(features, Text), func.count(), func.max(page.c._matched)),
        count=select(func.count()).select_from(source).where(*where),
        annotation=annotation,
    )


def _annotation_values(
    session: Session, annotation: Annotation, values: Mapping[str, Any]
) -> dict[str, Any]:
    """Run an annotation's first query, if it has one; return its extra bound values."""
    if annotation.prepare is None or annotation.params is None:
        return {}
    return annotation.params(session.execute(annotation.prepare, dict(values)).all())


def get_feature(*, session: Session, collection: str, feature_id: str, language: str = "id") -> str:
    """Return one feature of ``collection`` as GeoJSON text (computed texts in ``language``).

    Raises
    ------
    NotFound
        If the collection has no feature with that id (or the caller's view hides it).

    Examples
    --------
    >>> get_feature(session=session, collection="sites", feature_id="KKR-001")
    '{"type" : "Feature", "id" : "KKR-001", ...}'
    """
    spec = _spec(collection)
    shape = _Shape(spec, language if spec.annotate else "", feature_id=True)
    statement, annotation = _feature_statement(shape)
    values: dict[str, Any] = {"fid": feature_id}
    values.update(_annotation_values(session, annotation, values))
    value = session.execute(statement, values).scalar()
    if value is None:
        raise NotFound(f"{collection} has no feature {feature_id[:64]!r}", field="featureId")
    return str(value)


@lru_cache(maxsize=64)
def _feature_statement(shape: _Shape) -> tuple[Select[Any], Annotation]:
    """Build the statement of one feature by id (bound as ``fid``), and its annotation."""
    spec = shape.spec
    source = spec.source()
    one = (
        select(*(source.c[n] for n in _needed(spec, spec.id_column)))
        .where(*_conditions(spec, source.c, shape))
        .subquery("page")
    )
    annotation = spec.annotate(one, one, shape.language) if spec.annotate else Annotation(())
    return select(cast(_feature(spec, one.c, annotation.properties), Text)), annotation


def collection_extent(
    *, session: Session, collection: str
) -> tuple[tuple[float, float, float, float] | None, tuple[str | None, str | None]]:
    """Return the spatial extent (bbox) and temporal extent (ISO strings) of a collection.

    Examples
    --------
    >>> bbox, interval = collection_extent(session=session, collection="sites")
    >>> [round(v) for v in bbox]
    [115, -2, 118, 2]
    """
    spec = _spec(collection)
    source = spec.source()
    when = None if spec.datetime_column is None else source.c[spec.datetime_column]
    extent = (
        select(
            func.ST_Extent(source.c[spec.geom_column]).label("e"),
            (func.min(when) if when is not None else null()).label("t0"),
            (func.max(when) if when is not None else null()).label("t1"),
        )
        .where(*_conditions(spec, source.c, _Shape(spec)))
        .subquery("x")
    )
    e = extent.c.e
    row = session.execute(
        select(
            func.ST_XMin(e),
            func.ST_YMin(e),
            func.ST_XMax(e),
            func.ST_YMax(e),
            extent.c.t0,
            extent.c.t1,
        )
    ).one()
    bbox = None if row[0] is None else (row[0], row[1], row[2], row[3])

    def iso(value: object) -> str | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        if isinstance(value, dt.date):
            return f"{value.isoformat()}T00:00:00Z"
        return str(value)

    return bbox, (iso(row[4]), iso(row[5]))
