"""Use cases of the site registry: create, edit, import and export sites.

Each function is one thing a person does, shared by the CLI (``pantau sites``), the API
(``/sites``), the coming web console and notebooks: settings and the session are injected and
the caller commits. The registry's rules are in :mod:`geo.sites`; what depends on a site is
refreshed here, in the same transaction: its priority score (status, commodity and inspection
date are inputs), and when a geometry moved, every site's, since the reports near the old and
the new place may have changed site.

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

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo import priority, sites
from geo.errors import Conflict, InputFileError, NotFound, ValidationError
from geo.settings import Settings

__all__ = ["SiteChange", "ImportResult", "create_site", "edit_site", "import_sites", "export_sites"]


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
) -> ImportResult:
    """Use case: validate a whole site file, upsert it and rescore every site, all or nothing.

    Raises
    ------
    InputFileError
        The file is unreadable or a row is bad; nothing is written then.
    """
    summary = sites.import_file(session, path, fmt=fmt, actor=actor, settings=settings)
    if summary.created or summary.updated:
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
