"""Use cases of the site registry: create, edit, import and export sites.

Each function is one thing a person does, shared by the CLI (``pantau sites``), the API
(``/sites``), the coming web console and notebooks: settings and the session are injected and
the caller commits. The registry's rules are in :mod:`geo.sites`; what depends on a site is
refreshed here, in the same transaction: its indicative class by the layers
(:func:`geo.layers.service.reclassify`, when a layer exists), its priority score (status,
commodity, inspection date and class are inputs), and when a geometry moved, every site's,
since the reports near the old and the new place may have changed site.

Examples
--------
>>> from geo.registry import edit_site
>>> code = geo.sites.load(session).sort_values("code").code.iloc[0]
>>> change = edit_site(settings=settings, session=session, code=code,
...                    changes={"status": "sealed"}, actor="admin")
>>> change.action, change.priority_rank >= 1
('updated', True)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geo import priority, sites
from geo.errors import N_, Conflict, InputFileError, NotFound, ValidationError
from geo.io.vector import read_vector
from geo.layers.service import reclassify
from geo.models import Site
from geo.settings import Settings
from geo.vocab import SITE_STATUSES

__all__ = [
    "SiteChange",
    "ImportResult",
    "ImportPreview",
    "create_site",
    "edit_site",
    "import_sites",
    "preview_import",
    "export_sites",
    "SiteFilters",
    "SitePage",
    "SiteOverview",
    "list_sites",
    "sites_geojson",
    "site_overview",
]


@dataclass(frozen=True)
class SiteChange:
    """A site after a change, with its freshly computed priority."""

    code: str
    action: str
    priority_score: float | None
    priority_rank: int | None


@dataclass(frozen=True)
class ImportResult:
    """What a registry import did: codes created, updated and unchanged."""

    path: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _scored(session: Session, code: str, action: str) -> SiteChange:
    row = session.execute(
        text(
            "SELECT p.score, p.rank FROM site_priority p JOIN sites s ON s.id = p.site_id "
            "WHERE s.code = :code"
        ),
        {"code": code},
    ).first()
    return SiteChange(
        code=code,
        action=action,
        priority_score=None if row is None else float(row[0]),
        priority_rank=None if row is None else int(row[1]),
    )


def _reclassify(session: Session, settings: Settings, codes: list[str]) -> None:
    """Classify new or changed sites by the layers before their priority is rescored."""
    ids = session.scalars(select(Site.id).where(Site.code.in_(codes))).all()
    reclassify(session=session, settings=settings, only={"site": ids}, rescore=False)


def create_site(
    *,
    settings: Settings,
    session: Session,
    fields: Mapping[str, Any],
    geometry: BaseGeometry,
    actor: str | None = None,
    source: str = "api",
) -> SiteChange:
    """Use case: add one site to the registry (validated like an import row) and score it.

    Raises
    ------
    Conflict
        A site already has this code.
    ValidationError
        A value is not acceptable (the message names the field).
    """
    frame = gpd.GeoDataFrame([dict(fields)], geometry=[geometry], crs=4326)
    try:
        records = sites.validate_frame(frame, source="request", settings=settings)
    except InputFileError as exc:
        message = exc.message.replace("request: 1 bad row(s), nothing was imported:\n  ", "")
        raise ValidationError(message, field=exc.field) from None
    code = records[0]["code"]
    try:
        sites.get(session, code)
    except NotFound:
        pass
    else:
        raise Conflict(f"a site with code {code} already exists", field="code")
    sites.upsert(session, records, actor=actor or settings.actor, source=source)
    _reclassify(session, settings, [code])
    # A new site may take reports from its neighbours when matching runs: rescore them all.
    priority.refresh_sites(session=session, site_ids=None, settings=settings.priority)
    return _scored(session, code, "created")


def edit_site(
    *,
    settings: Settings,
    session: Session,
    code: str,
    changes: Mapping[str, Any],
    actor: str | None = None,
    source: str = "api",
) -> SiteChange:
    """Use case: change some fields of a site (audited) and rescore what depends on it.

    Raises
    ------
    NotFound, ValidationError
        Unknown site; nothing to change or a value not acceptable.
    """
    if not changes:
        raise ValidationError("the body names no field to change", field="body")
    site = sites.update(
        session, code, changes, actor=actor or settings.actor, source=source, settings=settings
    )
    session.flush()
    moved = "geom" in changes
    _reclassify(session, settings, [site.code])  # its place or commodity may have changed
    priority.refresh_sites(
        session=session, site_ids=None if moved else [site.id], settings=settings.priority
    )
    return _scored(session, site.code, "updated")


def import_sites(
    *,
    settings: Settings,
    session: Session,
    path: Path | str,
    fmt: str | None = None,
    actor: str | None = None,
    expected: str | None = None,
) -> ImportResult:
    """Use case: validate a whole site file, upsert it and rescore every site, all or nothing.

    ``expected`` is the fingerprint of a :func:`preview_import` the person confirmed: the
    import runs only if the file and the registry still give that outcome.

    Raises
    ------
    InputFileError
        The file is unreadable or a row is bad; nothing is written then.
    Conflict
        ``expected`` no longer matches (the preview is stale); nothing is written then.
    """
    if expected is not None:
        again = preview_import(settings=settings, session=session, path=path, fmt=fmt)
        if again.fingerprint != expected:
            raise Conflict.of(STALE_PREVIEW, field="file")
    summary = sites.import_file(session, path, fmt=fmt, actor=actor, settings=settings)
    if summary.created or summary.updated:
        _reclassify(session, settings, [*summary.created, *summary.updated])
        priority.refresh_sites(session=session, site_ids=None, settings=settings.priority)
    return ImportResult(
        path=str(path),
        created=summary.created,
        updated=summary.updated,
        unchanged=summary.unchanged,
    )


def export_sites(
    *, settings: Settings, session: Session, path: Path | str, fmt: str | None = None
) -> Path:
    """Use case: write every site to a file that imports back to the same registry."""
    del settings  # the same shape as every use case; no setting is read yet
    return sites.export_file(session, path, fmt=fmt)


@dataclass(frozen=True)
class ImportPreview:
    """What importing a site file would do, written nowhere: new, changed, unchanged, problems.

    ``changed`` maps each code to the fields that would change; ``problems`` lists every bad
    row with its field (an import with problems writes nothing). ``fingerprint`` names this
    outcome: :func:`import_sites` given it refuses to run when the file or the registry no
    longer gives the same outcome (a stale preview).
    """

    path: str
    created: list[str]
    changed: dict[str, list[str]]
    unchanged: list[str]
    problems: list[sites.RowProblem]
    fingerprint: str

    @property
    def ok(self) -> bool:
        """Whether the import can run (no row is bad)."""
        return not self.problems


STALE_PREVIEW = N_(
    "The file or the registry changed since the preview: look at the new preview and confirm again."
)


def preview_import(
    *, settings: Settings, session: Session, path: Path | str, fmt: str | None = None
) -> ImportPreview:
    """Use case: say what importing a site file would do, without writing anything.

    Raises
    ------
    InputFileError
        The file is unreadable, holds no sites or lacks a required column.

    Examples
    --------
    >>> preview = preview_import(settings=settings, session=session, path="data/sites.geojson")
    >>> preview.ok, len(preview.created) + len(preview.changed) + len(preview.unchanged)
    (True, 108)
    """
    path = Path(path)
    records, problems = sites.check_frame(
        read_vector(path, fmt), source=path.name, settings=settings
    )
    codes = [r["code"] for r in records if r["code"]]
    existing = {s.code: s for s in session.scalars(select(Site).where(Site.code.in_(codes)))}
    created: list[str] = []
    changed: dict[str, list[str]] = {}
    unchanged: list[str] = []
    for rec in records:
        code = rec["code"]
        if code is None or code in created or code in changed or code in unchanged:
            continue
        site = existing.get(code)
        if site is None:
            created.append(code)
            continue
        fields = sites.changed_fields(site, rec)
        if fields:
            changed[code] = fields
        else:
            unchanged.append(code)
    digest = hashlib.sha256(path.read_bytes())
    digest.update(json.dumps([created, changed, unchanged], sort_keys=True).encode())
    return ImportPreview(
        path=str(path),
        created=created,
        changed=changed,
        unchanged=unchanged,
        problems=problems,
        fingerprint=digest.hexdigest(),
    )


@dataclass(frozen=True)
class SiteFilters:
    """Which sites a list or map shows: status, kabupaten, and text found in code or name."""

    status: str | None = None
    kabupaten: str | None = None
    search: str | None = None

    def where(self) -> tuple[str, dict[str, Any]]:
        """Return the SQL condition on ``sites s`` and its parameters."""
        clauses, params = ["TRUE"], {}
        if self.status:
            if self.status not in SITE_STATUSES:
                raise ValidationError.of(
                    _BAD_CHOICE, field="status", value=self.status, allowed=", ".join(SITE_STATUSES)
                )
            clauses.append("s.status = :status")
            params["status"] = self.status
        if self.kabupaten:
            clauses.append("s.kabupaten = :kabupaten")
            params["kabupaten"] = self.kabupaten
        if self.search and self.search.strip():
            escaped = (
                self.search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            )
            clauses.append("(s.code ILIKE :q OR s.name ILIKE :q)")
            params["q"] = f"%{escaped}%"
        return " AND ".join(clauses), params


_BAD_CHOICE = N_("{field} is {value!r}, expected one of {allowed}")


@dataclass(frozen=True)
class SitePage:
    """One page of sites, the highest priority first, and how many match in all."""

    rows: list[dict[str, Any]]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """Number of pages (at least one)."""
        return max(1, -(-self.total // self.page_size))


_LIST_SQL = """
SELECT s.code, s.name, s.kabupaten, s.commodity, s.status, s.risk_level, s.last_inspected,
       p.score, p.rank
  FROM sites s LEFT JOIN site_priority p ON p.site_id = s.id
 WHERE {where}
 ORDER BY p.rank NULLS LAST, s.code
 LIMIT :limit OFFSET :offset
"""


def list_sites(
    *, session: Session, filters: SiteFilters, page: int = 1, page_size: int = 50
) -> SitePage:
    """Use case: one page of the registry, filtered, sorted by priority (rank 1 first).

    Examples
    --------
    >>> first = list_sites(session=session, filters=SiteFilters(), page_size=5)
    >>> first.total, len(first.rows), first.rows[0]["rank"]
    (108, 5, 1)
    """
    where, params = filters.where()
    total = int(
        session.execute(text(f"SELECT count(*) FROM sites s WHERE {where}"), params).scalar_one()
    )
    rows = session.execute(
        text(_LIST_SQL.format(where=where)),
        {**params, "limit": page_size, "offset": (max(page, 1) - 1) * page_size},
    ).mappings()
    return SitePage(rows=[dict(r) for r in rows], total=total, page=page, page_size=page_size)


def sites_geojson(*, session: Session, filters: SiteFilters) -> dict[str, Any]:
    """Use case: the filtered sites as a GeoJSON FeatureCollection for a map (code, name, status).

    Examples
    --------
    >>> collection = sites_geojson(session=session, filters=SiteFilters(status="active"))
    >>> {f["properties"]["status"] for f in collection["features"]}
    {'active'}
    """
    where, params = filters.where()
    rows = session.execute(
        text(
            "SELECT s.code, s.name, s.status, p.rank, ST_AsGeoJSON(s.geom, 6) AS geometry "
            f"FROM sites s LEFT JOIN site_priority p ON p.site_id = s.id WHERE {where} "
            "ORDER BY s.code"
        ),
        params,
    ).mappings()
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": json.loads(r["geometry"]),
                "properties": {k: r[k] for k in ("code", "name", "status", "rank")},
            }
            for r in rows
        ],
    }


@dataclass(frozen=True)
class SiteOverview:
    """Everything a site's page shows: attributes, priority, inspections, reports, history."""

    site: dict[str, Any]
    geometry: dict[str, Any]
    priority: dict[str, Any] | None
    report_count: int
    inspections: list[dict[str, Any]]
    history: list[dict[str, Any]]


def site_overview(*, session: Session, code: str, inspections: int = 10) -> SiteOverview:
    """Use case: one site with its stored priority, latest inspections, report count and history.

    Raises
    ------
    NotFound
        No site has this code.

    Examples
    --------
    >>> view = site_overview(session=session, code="KKR-001")
    >>> view.site["code"], view.history[0]["action"], view.priority is not None
    ('KKR-001', 'create', True)
    """
    site = sites.get(session, code)
    values = {c: getattr(site, c) for c in (*sites.COLUMNS, "public")}
    geometry = _geojson(session, site.id)
    prio = (
        session.execute(
            text("SELECT p.* FROM site_priority p WHERE p.site_id = :id"), {"id": site.id}
        )
        .mappings()
        .first()
    )
    reports = session.execute(
        text("SELECT count(*) FROM report_matches WHERE site_id = :id"), {"id": site.id}
    ).scalar_one()
    done = session.execute(
        text(
            "SELECT inspected_on, team, result, status_before, status_after, notes, recorded_by "
            "FROM inspections WHERE site_code = :code ORDER BY inspected_on DESC, id DESC "
            "LIMIT :n"
        ),
        {"code": site.code, "n": inspections},
    ).mappings()
    return SiteOverview(
        site=values,
        geometry=geometry,
        priority=None if prio is None else dict(prio),
        report_count=int(reports),
        inspections=[dict(r) for r in done],
        history=sites.history(session, site.code),
    )


def _geojson(session: Session, site_id: int) -> dict[str, Any]:
    found = session.scalar(
        text("SELECT ST_AsGeoJSON(geom, 6) FROM sites WHERE id = :id"), {"id": site_id}
    )
    return dict(json.loads(found))
