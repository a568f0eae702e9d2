"""The registry of suspect illegal-mining (PETI) sites: load, upsert, import, export, history.

Every change to a site writes one row to the append-only audit trail (``site_audit``) with who
made it, when, and each changed field's old and new value. Imports are all-or-nothing: the
whole file is validated first and written in one transaction.

Examples
--------
>>> import geo
>>> sites = geo.sites.load(geo.connect())
>>> len(sites), sites.groupby("kabupaten").size().idxmax()
(108, 'Kutai Kartanegara')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.checks import check_geometry
from geo.db import Target, use_session
from geo.errors import N_, InputFileError, NotFound, ValidationError
from geo.io.vector import read_vector, write_vector
from geo.matching import rematch_for_site
from geo.models import SITE_FIELDS, Site, SiteAudit
from geo.settings import Settings
from geo.vocab import COMMODITIES, RISK_LEVELS, SITE_STATUSES

__all__ = [
    "COLUMNS",
    "UpsertSummary",
    "load",
    "get",
    "upsert",
    "update",
    "history",
    "import_file",
    "export_file",
    "validate_frame",
    "check_frame",
    "changed_fields",
    "RowProblem",
]

#: Columns of :func:`load`'s GeoDataFrame besides ``geometry`` (EPSG:4326).
COLUMNS: tuple[str, ...] = (
    "code",
    "name",
    "kabupaten",
    "kecamatan",
    "commodity",
    "status",
    "risk_level",
    "first_reported",
    "last_inspected",
    "notes",
)
REQUIRED: tuple[str, ...] = ("code", "name", "kabupaten", "commodity")
GEOM_TYPES: tuple[str, ...] = ("Point", "Polygon", "MultiPolygon")
#: Shapefile field names are at most ten characters.
SHP_NAMES: dict[str, str] = {"first_reported": "first_rep", "last_inspected": "last_insp"}
_ALIASES: dict[str, str] = {
    **{v: k for k, v in SHP_NAMES.items()},
    "first_repo": "first_reported",  # what GDAL makes of the long names in a Shapefile
    "last_inspe": "last_inspected",
    "kode": "code",
    "nama": "name",
    "kabupaten_kota": "kabupaten",
    "komoditas": "commodity",
    "risk": "risk_level",
    "catatan": "notes",
}
_CHOICES: dict[str, tuple[str, ...]] = {
    "commodity": COMMODITIES,
    "status": SITE_STATUSES,
    "risk_level": RISK_LEVELS,
}
_DEFAULTS: dict[str, str] = {"status": "suspected", "risk_level": "medium"}

BBox = tuple[float, float, float, float]
#: The box of :class:`geo.settings.Settings` when the caller injects none.
_DEFAULT_INDONESIA: BBox = Settings.model_fields["indonesia_bbox"].default
_DEFAULT_ACTOR: str = Settings.model_fields["actor"].default
# Geometries equal within ~1 cm are the same geometry (formats round coordinates differently).
_GEOM_TOLERANCE_DEG = 1e-7


@dataclass
class UpsertSummary:
    """What an upsert did: codes created, updated and left unchanged."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Number of sites the input held."""
        return len(self.created) + len(self.updated) + len(self.unchanged)


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _parse_date(value: Any) -> dt.date | None:
    value = _clean(value)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    text = str(value).strip()
    for fmt in ("%d/%m/%Y", "%d-%m-%Y"):  # day first, as Indonesian spreadsheets write dates
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    return dt.date.fromisoformat(text[:10])


#: Messages of the row checks, from the catalogue so that a preview can show them translated.
_MISSING = N_("{field} is missing")
_TWICE = N_("code {code} appears twice in the file (rows {first} and {second})")
_NOT_ALLOWED = N_("{field} is {value!r}, expected one of {allowed}")
_BAD_DATE = N_("{field} is {value!r}, expected a date YYYY-MM-DD or DD/MM/YYYY")
_BAD_GEOMETRY = N_("geometry: {problem}")


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one row of a site table: its number, code, field and the error."""

    row: int
    code: str | None
    field: str
    error: ValidationError


def _check_row(
    row: dict[str, Any], *, geom_name: str, seen: dict[str, int], box: BBox
) -> tuple[dict[str, Any], list[ValidationError]]:
    """Return one row's clean record and what is wrong with it."""
    code = _clean(row.get("code"))
    if code is not None:
        code = str(code).upper()
    bad: list[ValidationError] = []
    rec: dict[str, Any] = {"code": code}
    for name in REQUIRED[1:]:
        if _clean(row.get(name)) is None:
            bad.append(ValidationError.of(_MISSING, field=name))
    if code is None:
        bad.append(ValidationError.of(_MISSING, field="code"))
    elif code in seen:
        bad.append(
            ValidationError.of(
                _TWICE, field="code", code=code, first=seen[code], second=row["_row"]
            )
        )
    else:
        seen[code] = row["_row"]
    for name in ("name", "kabupaten", "kecamatan", "notes"):
        rec[name] = _clean(row.get(name))
    for name, allowed in _CHOICES.items():
        value = _clean(row.get(name))
        value = str(value).lower() if value is not None else _DEFAULTS.get(name)
        if value is not None and value not in allowed:
            bad.append(
                ValidationError.of(
                    _NOT_ALLOWED, field=name, value=value, allowed=", ".join(allowed)
                )
            )
        rec[name] = value
    for name in ("first_reported", "last_inspected"):
        try:
            rec[name] = _parse_date(row.get(name))
        except ValueError:
            bad.append(ValidationError.of(_BAD_DATE, field=name, value=row.get(name)))
    geom = row.get(geom_name)
    if isinstance(geom, shapely.MultiPolygon) and len(geom.geoms) == 1:
        geom = geom.geoms[0]  # Shapefiles cannot tell a polygon from a one-part multipolygon
    problem = check_geometry(geom, indonesia=box, allowed=GEOM_TYPES)
    if problem:
        bad.append(
            ValidationError(
                problem, field="geometry", template=_BAD_GEOMETRY, values={"problem": problem}
            )
        )
    rec["geom"] = geom
    return rec, bad


def check_frame(
    gdf: gpd.GeoDataFrame,
    *,
    source: str,
    settings: Settings | None = None,
    indonesia_bbox: BBox | None = None,
) -> tuple[list[dict[str, Any]], list[RowProblem]]:
    """Check every row of a site table: return the clean records and each row's problems.

    The same checks as :func:`validate_frame`, which raises when any row is bad; this one lets
    a preview show every problem with its row and field (``InputFileError`` still when the
    table as a whole is unusable: no rows, a required column missing).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> frame = gpd.GeoDataFrame({"code": ["AB-1"], "name": ["x"], "kabupaten": ["Paser"],
    ...     "commodity": ["uranium"]}, geometry=[shapely.Point(116.0, -1.5)], crs=4326)
    >>> records, problems = check_frame(frame, source="t.geojson")
    >>> [(p.row, p.code, p.field) for p in problems]
    [(1, 'AB-1', 'commodity')]
    """
    box = indonesia_bbox or (settings.indonesia_bbox if settings else _DEFAULT_INDONESIA)
    frame = gdf.rename(columns=lambda c: _ALIASES.get(str(c).lower(), str(c).lower()))
    if "_row" not in frame.columns:
        frame["_row"] = range(1, len(frame) + 1)
    if len(frame) == 0:
        raise InputFileError(f"{source}: holds no sites", field="file")
    missing_cols = [c for c in REQUIRED if c not in frame.columns]
    if missing_cols:
        raise InputFileError(
            f"{source}: required column(s) {missing_cols} missing; found {list(gdf.columns)}",
            field=missing_cols[0],
        )
    problems: list[RowProblem] = []
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    geom_name = frame.geometry.name
    for row in frame.to_dict("records"):
        rec, bad = _check_row(row, geom_name=geom_name, seen=seen, box=box)
        problems.extend(RowProblem(int(row["_row"]), rec["code"], e.field or "", e) for e in bad)
        records.append(rec)
    return records, problems


def validate_frame(
    gdf: gpd.GeoDataFrame,
    *,
    source: str,
    settings: Settings | None = None,
    indonesia_bbox: BBox | None = None,
) -> list[dict[str, Any]]:
    """Check every row of a site table and return clean records, or raise naming every problem.

    Parameters
    ----------
    gdf
        Sites in EPSG:4326; column names are matched case-insensitively, with Indonesian and
        Shapefile aliases (``kode``, ``first_rep``...). A ``_row`` column names rows in errors.
    source
        The file name (or other origin) used in error messages.
    settings, indonesia_bbox
        The box every geometry must lie in: ``indonesia_bbox``, else ``settings.indonesia_bbox``,
        else the default of :class:`geo.settings.Settings` (the environment is not read here).

    Raises
    ------
    InputFileError
        Listing each bad row with its problem (up to 25), when any row is bad.
    """
    records, found = check_frame(
        gdf, source=source, settings=settings, indonesia_bbox=indonesia_bbox
    )
    problems: list[str] = []
    for row in sorted({p.row for p in found}):
        mine = [p for p in found if p.row == row]
        code = mine[0].code
        where = f"row {row}" + (f" (code {code})" if code is not None else "")
        problems.append(f"{where}: {'; '.join(str(p.error) for p in mine)}")
    if problems:
        more = f" (and {len(problems) - 25} more)" if len(problems) > 25 else ""
        raise InputFileError(
            f"{source}: {len(problems)} bad row(s), nothing was imported:\n  "
            + "\n  ".join(problems[:25])
            + more,
            field="rows",
        )
    return records


def _as_jsonable(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "geom":
        return shapely.to_wkt(value, rounding_precision=7)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _current(site: Site, name: str) -> Any:
    return to_shape(site.geom) if name == "geom" else getattr(site, name)


def _differs(name: str, old: Any, new: Any) -> bool:
    if name == "geom":
        # Formats differ in ring orientation and starting vertex: compare normal forms.
        return not shapely.equals_exact(
            shapely.normalize(old), shapely.normalize(new), tolerance=_GEOM_TOLERANCE_DEG
        )
    return bool(old != new)


def changed_fields(site: Site, rec: Mapping[str, Any]) -> list[str]:
    """Return the fields of clean record ``rec`` whose values differ from ``site``'s."""
    return [n for n in SITE_FIELDS if n in rec and _differs(n, _current(site, n), rec[n])]


def _apply(
    session: Session, site: Site | None, rec: Mapping[str, Any], *, actor: str, source: str | None
) -> str:
    """Create or update one site from a clean record; return 'created', 'updated' or 'unchanged'."""
    if site is None:
        values = {k: rec.get(k) for k in SITE_FIELDS}
        values["geom"] = from_shape(rec["geom"], srid=4326)
        site = Site(code=rec["code"], **values)
        session.add(site)
        session.flush()
        changes = {k: [None, _as_jsonable(k, rec.get(k))] for k in SITE_FIELDS if rec.get(k)}
        session.add(
            SiteAudit(
                site_id=site.id,
                site_code=site.code,
                action="create",
                actor=actor,
                source=source,
                changes=changes,
            )
        )
        rematch_for_site(session=session, site_id=site.id)
        return "created"
    changes = {}
    for name in SITE_FIELDS:
        if name not in rec:
            continue
        old, new = _current(site, name), rec[name]
        if _differs(name, old, new):
            changes[name] = [_as_jsonable(name, old), _as_jsonable(name, new)]
            setattr(site, name, from_shape(new, srid=4326) if name == "geom" else new)
    if not changes:
        return "unchanged"
    session.add(
        SiteAudit(
            site_id=site.id,
            site_code=site.code,
            action="update",
            actor=actor,
            source=source,
            changes=changes,
        )
    )
    session.flush()
    if "geom" in changes:
        # Reports near the old and the new place may now belong to another site.
        rematch_for_site(session=session, site_id=site.id)
    return "updated"


def upsert(
    session: Session,
    records: Iterable[Mapping[str, Any]],
    *,
    actor: str,
    source: str | None = None,
) -> UpsertSummary:
    """Create or update sites by code, writing an audit row for each one that changes.

    Records must be clean (see :func:`validate_frame`). Sites whose values are already stored
    are left alone and write no audit row, so repeating an upsert changes nothing.
    """
    records = list(records)
    codes = [r["code"] for r in records]
    existing = {s.code: s for s in session.scalars(select(Site).where(Site.code.in_(codes)))}
    summary = UpsertSummary()
    for rec in records:
        outcome = _apply(session, existing.get(rec["code"]), rec, actor=actor, source=source)
        getattr(summary, outcome).append(rec["code"])
    session.flush()
    return summary


def import_file(
    target: Target,
    path: Path | str,
    *,
    actor: str | None = None,
    fmt: str | None = None,
    settings: Settings | None = None,
) -> UpsertSummary:
    """Validate a whole site file and upsert it in one transaction.

    Parameters
    ----------
    target
        The database: an engine (committed on success), or an open session (the import runs
        in a SAVEPOINT and the caller commits).
    path
        GeoJSON, GeoPackage, KML, CSV (lat/lon or WKT columns) or zipped Shapefile; any known
        CRS is reprojected to EPSG:4326.
    actor
        Who is recorded in the audit trail (default: ``settings.actor``, else the default
        of :class:`geo.settings.Settings`; the environment is not read here).
    settings
        The injected settings (the Indonesia box and the default actor).

    Raises
    ------
    InputFileError
        When the file is unreadable or any row is bad; nothing is written then.

    Examples
    --------
    >>> summary = geo.sites.import_file(engine, "data/sites.geojson")  # already loaded
    >>> len(summary.created), len(summary.unchanged)
    (0, 108)
    """
    who = actor or (settings.actor if settings else _DEFAULT_ACTOR)
    path = Path(path)
    records = validate_frame(read_vector(path, fmt), source=path.name, settings=settings)
    with use_session(target, write=True) as session:
        return upsert(session, records, actor=who, source=f"import:{path.name}")


def load(
    target: Target | None = None,
    *,
    status: str | Iterable[str] | None = None,
    kabupaten: str | None = None,
    commodity: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> gpd.GeoDataFrame:
    """Return the sites as a GeoDataFrame in EPSG:4326, ordered by code.

    Columns are :data:`COLUMNS` (dates as ``datetime.date`` or None) plus ``geometry``;
    the index is the site code.

    Examples
    --------
    >>> sites = geo.sites.load(engine, status="active")
    >>> set(sites["status"])
    {'active'}
    """
    query = select(Site).order_by(Site.code)
    if status is not None:
        wanted = [status] if isinstance(status, str) else list(status)
        query = query.where(Site.status.in_(wanted))
    if kabupaten is not None:
        query = query.where(Site.kabupaten == kabupaten)
    if commodity is not None:
        query = query.where(Site.commodity == commodity)
    if bbox is not None:
        query = query.where(Site.geom.intersects(func.ST_MakeEnvelope(*bbox, 4326)))
    with use_session(target) as session:
        rows = session.scalars(query).all()
        data = [{c: getattr(s, c) for c in COLUMNS} for s in rows]
        geoms = [to_shape(s.geom) for s in rows]
    gdf = gpd.GeoDataFrame(data, columns=list(COLUMNS), geometry=geoms, crs=4326)
    return gdf.set_index("code", drop=False).rename_axis(None)


def get(session: Session, code: str) -> Site:
    """Return the site with ``code`` or raise :class:`NotFound`."""
    site = session.scalar(select(Site).where(Site.code == code.upper()))
    if site is None:
        raise NotFound(f"no site with code {code!r}", field="code")
    return site


def update(
    session: Session,
    code: str,
    changes: Mapping[str, Any],
    *,
    actor: str,
    source: str | None = None,
    settings: Settings | None = None,
) -> Site:
    """Change some fields of one site, validated like an import row, with an audit row.

    Raises
    ------
    NotFound
        When there is no such site.
    ValidationError
        Naming the field when a value is not acceptable.
    """
    site = get(session, code)
    changes = _set_public(session, site, changes, actor=actor, source=source)
    if not changes:
        return site
    unknown = set(changes) - set(SITE_FIELDS)
    if unknown:
        raise ValidationError(
            f"cannot change {sorted(unknown)}; changeable fields are {list(SITE_FIELDS)}",
            field=sorted(unknown)[0],
        )
    current = {c: getattr(site, c) for c in COLUMNS}
    merged = {**current, **changes}
    geom = changes.get("geom", to_shape(site.geom))
    frame = gpd.GeoDataFrame([merged], geometry=[geom], crs=4326)
    (record,), problems = check_frame(frame, source=f"site {site.code}", settings=settings)
    if problems:
        named = {"geom" if p.field == "geometry" else p.field: p.error for p in problems}
        field_name = next((f for f in changes if f in named), next(iter(named)))
        error = named[field_name]
        raise ValidationError(
            f"site {site.code}: {error}",
            field=field_name,
            template=error.template,
            values=error.values,
        )
    _apply(session, site, {k: record[k] for k in changes}, actor=actor, source=source)
    return site


def _set_public(
    session: Session, site: Site, changes: Mapping[str, Any], *, actor: str, source: str | None
) -> dict[str, Any]:
    """Apply the ``public`` flag (audited) and return the other changes."""
    rest = dict(changes)
    if "public" not in rest:
        return rest
    value = rest.pop("public")
    if not isinstance(value, bool):
        raise ValidationError(f"`public` must be true or false, got {value!r}", field="public")
    if value != site.public:
        session.add(
            SiteAudit(
                site_id=site.id,
                site_code=site.code,
                action="update",
                actor=actor,
                source=source,
                changes={"public": [site.public, value]},
            )
        )
        site.public = value
    return rest


def history(session: Session, code: str) -> list[dict[str, Any]]:
    """Return the audit trail of a site, oldest first (who, when, action, changes)."""
    rows = session.scalars(
        select(SiteAudit).where(SiteAudit.site_code == code.upper()).order_by(SiteAudit.id)
    ).all()
    if not rows:
        get(session, code)  # raises NotFound for an unknown code
    return [
        {
            "action": r.action,
            "actor": r.actor,
            "source": r.source,
            "changed_at": r.changed_at,
            "changes": r.changes,
        }
        for r in rows
    ]


def export_file(target: Target, path: Path | str, *, fmt: str | None = None) -> Path:
    """Write every site to ``path`` (GeoJSON, GeoPackage, KML, CSV or zipped Shapefile).

    The file imports back to the same registry (see :func:`import_file`).
    """
    gdf = load(target).reset_index(drop=True)
    for col in ("first_reported", "last_inspected"):
        gdf[col] = gdf[col].map(lambda d: d.isoformat() if d else None)
    return write_vector(gdf, path, fmt, layer="sites", shp_names=SHP_NAMES)
