"""Recording what a team found, in the caller's transaction, with its photos and videos.

The site's status and last inspection date change (with an audit row), and the reports
matched to the site move along their lifecycle. The team's evidence files go into the same
content-addressed store as the reports' evidence (:mod:`geo.reports.evidence`: one file per
SHA-256 under ``<data_dir>/evidence/``, one ``evidence`` row) and are linked to the inspection
(:class:`~geo.patrols.models.InspectionEvidence`), so they are kept, never just referenced.
Every file is checked before anything is written: one bad file and nothing is recorded.

A recorded inspection changes the next plan by itself: the site's ``last_inspected`` makes the
revisit rules skip it for a while, and a sealed site leaves patrols altogether.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from geoalchemy2.shape import from_shape
from shapely.geometry import LineString
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from geo.errors import NotFound, ValidationError
from geo.patrols.models import (
    INSPECTION_RESULTS,
    STATUS_AFTER,
    Inspection,
    InspectionEvidence,
    PatrolVisit,
)
from geo.settings import Settings

if TYPE_CHECKING:
    from geo.reports.config import ReportSettings
    from geo.reports.evidence import EvidenceFile

__all__ = [
    "EvidenceItem",
    "InspectionResult",
    "StoredEvidence",
    "record_inspection",
    "add_evidence",
    "list_evidence",
    "evidence_file",
    "get_inspection",
    "advance_matched_reports",
]

log = logging.getLogger(__name__)

#: Results that confirm illegal activity (or enforcement against it) at the site.
_CONFIRMING = frozenset({"active", "equipment_seen", "sealed", "seized"})

#: One evidence file: a path, the bytes of an upload, or ``(file name, bytes)``.
EvidenceItem = str | Path | bytes | tuple[str, bytes]

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class StoredEvidence:
    """An evidence file linked to an inspection: hash, size, type, name as sent, who added it."""

    sha256: str
    bytes: int
    mime: str
    name: str | None
    added_by: str
    added_at: dt.datetime | None
    #: Where the file is kept (under ``<data_dir>/evidence/``).
    path: Path


@dataclass(frozen=True)
class InspectionResult:
    """What recording changed: the inspection id, the site's status, and report codes moved."""

    inspection_id: int
    site_code: str
    status_before: str
    status_after: str
    reports_advanced: tuple[str, ...]
    reports_closed: tuple[str, ...]
    #: The evidence summary stored with the inspection (``name``, ``sha256``, ``bytes``, ``mime``).
    evidence: tuple[dict[str, Any], ...] = field(default=())


def _clean_name(name: str | None) -> str | None:
    """Keep a sent file name printable, without folders, and short enough for its column."""
    if name is None:
        return None
    base = PurePosixPath(name.replace("\\", "/")).name
    base = _UNPRINTABLE.sub("", base).strip()[:300]
    return base or None


def _check_evidence(
    items: Sequence[EvidenceItem], *, report_settings: ReportSettings | None
) -> list[EvidenceFile]:
    """Read and check every file (type, size, decodable) without writing anything."""
    from geo.reports.evidence import inspect_evidence

    files: list[EvidenceFile] = []
    for i, item in enumerate(items):
        where = f"evidence[{i}]"
        if isinstance(item, tuple):
            if len(item) != 2 or not isinstance(item[1], bytes):
                raise ValidationError(
                    f"{where}: expected (file name, bytes), got a tuple of "
                    f"{', '.join(type(v).__name__ for v in item)}",
                    field=where,
                )
            name, content = item
            files.append(
                inspect_evidence(content, name=_clean_name(str(name)), field=where,
                                 report_settings=report_settings)
            )
        elif isinstance(item, bytes | str | Path):
            file = inspect_evidence(item, field=where, report_settings=report_settings)
            files.append(file)
        else:
            raise ValidationError(
                f"{where}: expected a path, bytes or (file name, bytes), got "
                f"{type(item).__name__}",
                field=where,
            )
    return files


def _store_and_link(
    session: Session,
    row: Inspection,
    files: Sequence[EvidenceFile],
    *,
    actor: str,
    settings: Settings | None,
) -> list[dict[str, Any]]:
    """Store each file once by hash, link it to ``row`` and extend its JSON summary."""
    from geo.reports.evidence import store_evidence

    linked = set(session.scalars(
        select(InspectionEvidence.sha256).where(InspectionEvidence.inspection_id == row.id)
    ))
    # Entries recorded before migration 0006 have a hash but no stored file: sending the file
    # again stores and links it, and replaces the old entry rather than repeating it.
    summary = [e for e in (row.evidence or [])
               if e.get("sha256") not in {f.sha256 for f in files} - linked]
    added: list[dict[str, Any]] = []
    for file in files:
        if file.sha256 in linked:
            continue  # the same photo sent twice for one inspection is one piece of evidence
        linked.add(file.sha256)
        store_evidence(session=session, file=file, settings=settings)
        name = _clean_name(file.original_name)
        session.execute(
            insert(InspectionEvidence)
            .values(inspection_id=row.id, sha256=file.sha256, name=name, added_by=actor)
            .on_conflict_do_nothing(index_elements=["inspection_id", "sha256"])
        )
        entry = {"name": name, "sha256": file.sha256, "bytes": file.size_bytes,
                 "mime": file.mime}
        summary.append(entry)
        added.append(entry)
    row.evidence = summary  # a new list, so the JSONB change is flushed
    return added


def record_inspection(
    *,
    session: Session,
    site_code: str,
    result: str,
    actor: str,
    inspected_on: dt.date | None = None,
    team: str | None = None,
    notes: str | None = None,
    evidence: Sequence[EvidenceItem] = (),
    track: Sequence[tuple[float, float]] | None = None,
    visit_id: int | None = None,
    close_reports: bool = True,
    settings: Settings | None = None,
    report_settings: ReportSettings | None = None,
) -> InspectionResult:
    """Record a visit's result and update the site, its audit trail and its matched reports.

    Parameters
    ----------
    session
        Open session; the caller commits (everything happens in its transaction).
    site_code
        The inspected site.
    result
        One of :data:`~geo.patrols.models.INSPECTION_RESULTS`.
    actor
        Who records it (written to the audit trail and report histories).
    inspected_on
        Date of the visit (today by default); must not be in the future.
    team, notes, visit_id
        Optional context: team code, free text, and the planned visit this fulfils.
    evidence
        Photos or videos: paths, bytes, or ``(file name, bytes)``. Each is checked like a
        report's evidence (JPEG, PNG, HEIC, MP4, MOV by content; size limits; decodable),
        all of them before anything is written, then stored once by SHA-256 and linked to
        the inspection. The same file twice counts once.
    track
        Optional GPS track as (lon, lat) points.
    close_reports
        Advance and close matched reports (see :func:`advance_matched_reports`).
    settings, report_settings
        Where files are stored (``data_dir``) and the evidence size limits.

    Returns
    -------
    InspectionResult

    Raises
    ------
    ValidationError
        A bad field or file, named in ``field`` (``evidence[1]`` for the second file); nothing
        is written, neither rows nor files.
    NotFound
        No site with that code.

    Examples
    --------
    >>> record_inspection(session=session, site_code="KKR-001", result="sealed",
    ...                   actor="tim-1", evidence=["alat-berat.jpg"])  # doctest: +SKIP
    """
    from geo import sites as sites_mod

    if result not in INSPECTION_RESULTS:
        raise ValidationError(
            f"`result` must be one of {', '.join(INSPECTION_RESULTS)}, got {result!r}",
            field="result",
        )
    if not actor or not actor.strip():
        raise ValidationError("`actor`: who records the inspection is required", field="actor")
    today = dt.date.today()
    inspected_on = inspected_on or today
    if inspected_on > today:
        raise ValidationError(
            f"`inspected_on` is in the future ({inspected_on}); today is {today}",
            field="inspected_on",
        )
    line = None
    if track is not None:
        if len(track) < 2:
            raise ValidationError("`track` needs at least two (lon, lat) points",
                                  field="track")
        line = from_shape(LineString(track), srid=4326)
    if visit_id is not None and session.get(PatrolVisit, visit_id) is None:
        raise ValidationError(f"`visit_id` {visit_id} is not a planned visit", field="visit_id")
    files = _check_evidence(evidence, report_settings=report_settings)

    site = sites_mod.get(session, site_code)
    before = site.status
    after = STATUS_AFTER[result]
    changes: dict[str, Any] = {}
    if after != before:
        changes["status"] = after
    if site.last_inspected is None or inspected_on > site.last_inspected:
        changes["last_inspected"] = inspected_on
    if changes:
        sites_mod.update(session, site.code, changes, actor=actor,
                         source=f"inspection {inspected_on.isoformat()} ({result})")
    row = Inspection(
        site_id=site.id, site_code=site.code, visit_id=visit_id, team=team,
        inspected_on=inspected_on, result=result, status_before=before, status_after=after,
        notes=notes, evidence=[], track=line, recorded_by=actor,
    )
    session.add(row)
    session.flush()
    summary = _store_and_link(session, row, files, actor=actor, settings=settings)
    advanced: tuple[str, ...] = ()
    closed: tuple[str, ...] = ()
    if close_reports:
        advanced, closed = advance_matched_reports(
            session=session, site_id=site.id, result=result, actor=actor,
            when=dt.datetime.combine(inspected_on, dt.time(12), tzinfo=dt.UTC),
        )
    log.info("inspection of %s: %s (%s -> %s), %d evidence file(s)", site.code, result, before,
             after, len(summary))
    return InspectionResult(int(row.id), site.code, before, after, advanced, closed,
                            tuple(summary))


def add_evidence(
    *,
    session: Session,
    inspection_id: int,
    evidence: Sequence[EvidenceItem],
    actor: str,
    settings: Settings | None = None,
    report_settings: ReportSettings | None = None,
) -> list[dict[str, Any]]:
    """Add photos or videos to an inspection already recorded (e.g. sent after the visit).

    Every file is checked first, as in :func:`record_inspection`; one bad file and nothing is
    written. Files already linked to the inspection are skipped. Returns the summary entries
    added (``name``, ``sha256``, ``bytes``, ``mime``).

    Raises
    ------
    ValidationError
        No file, a bad file (named ``evidence[i]``) or no ``actor``.
    NotFound
        No inspection with that id.

    Examples
    --------
    >>> add_evidence(session=session, inspection_id=12, evidence=["lubang.jpg"],
    ...              actor="tim-2")  # doctest: +SKIP
    """
    if not actor or not actor.strip():
        raise ValidationError("`actor`: who adds the evidence is required", field="actor")
    if not evidence:
        raise ValidationError("`evidence`: at least one file is required, got none",
                              field="evidence")
    files = _check_evidence(evidence, report_settings=report_settings)
    row = session.get(Inspection, inspection_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no inspection {inspection_id}", field="inspection_id")
    added = _store_and_link(session, row, files, actor=actor, settings=settings)
    session.flush()
    log.info("inspection %d: %d evidence file(s) added", inspection_id, len(added))
    return added


def list_evidence(
    *, session: Session, inspection_id: int, settings: Settings | None = None
) -> list[StoredEvidence]:
    """Return the evidence files linked to an inspection, in the order they were added.

    Examples
    --------
    >>> [e.mime for e in list_evidence(session=session, inspection_id=12)]  # doctest: +SKIP
    ['image/jpeg', 'video/mp4']
    """
    from geo.reports.evidence import evidence_path
    from geo.reports.models import Evidence

    rows = session.execute(
        select(InspectionEvidence, Evidence)
        .join(Evidence, Evidence.sha256 == InspectionEvidence.sha256)
        .where(InspectionEvidence.inspection_id == inspection_id)
        .order_by(InspectionEvidence.added_at, InspectionEvidence.sha256)
    ).all()
    return [
        StoredEvidence(
            sha256=link.sha256,
            bytes=int(ev.size_bytes),
            mime=ev.mime,
            name=link.name,
            added_by=link.added_by,
            added_at=link.added_at,
            path=evidence_path(ev.sha256, ev.mime, settings=settings),
        )
        for link, ev in rows
    ]


def evidence_file(
    *, session: Session, inspection_id: int, sha256: str, settings: Settings | None = None
) -> StoredEvidence:
    """Return one evidence file of an inspection, checked to be linked and present on disk.

    Raises
    ------
    NotFound
        The inspection has no such file, or the file is missing from storage.

    Examples
    --------
    >>> evidence_file(session=session, inspection_id=12, sha256="ab12...")  # doctest: +SKIP
    """
    match = next(
        (e for e in list_evidence(session=session, inspection_id=inspection_id,
                                  settings=settings) if e.sha256 == sha256),
        None,
    )
    if match is None:
        raise NotFound(f"inspection {inspection_id} has no evidence {sha256[:12]}…",
                       field="sha256")
    if not match.path.is_file():
        raise NotFound(f"evidence {sha256[:12]}… is missing from storage", field="sha256")
    return match


def get_inspection(
    *, session: Session, inspection_id: int, settings: Settings | None = None
) -> dict[str, Any]:
    """Return one inspection as a plain dict, with its stored evidence files.

    Examples
    --------
    >>> get_inspection(session=session, inspection_id=12)["result"]  # doctest: +SKIP
    'sealed'
    """
    row = session.get(Inspection, inspection_id)
    if row is None:
        raise NotFound(f"no inspection {inspection_id}", field="inspection_id")
    files = list_evidence(session=session, inspection_id=inspection_id, settings=settings)
    return {
        "inspection_id": row.id,
        "site_code": row.site_code,
        "visit_id": row.visit_id,
        "team": row.team,
        "inspected_on": row.inspected_on,
        "result": row.result,
        "status_before": row.status_before,
        "status_after": row.status_after,
        "notes": row.notes,
        "recorded_by": row.recorded_by,
        "recorded_at": row.recorded_at,
        "evidence": [
            {"sha256": e.sha256, "bytes": e.bytes, "mime": e.mime, "name": e.name,
             "added_by": e.added_by, "added_at": e.added_at}
            for e in files
        ],
    }


def advance_matched_reports(
    *, session: Session, site_id: int, result: str, actor: str, when: dt.datetime
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Move the open reports matched to a site along after its inspection.

    Reports already ``assigned`` or ``follow_up_scheduled`` to the site move to ``inspected``;
    when the result confirms activity (anything but ``inactive``) they are then closed as
    ``confirmed``. After an ``inactive`` finding they stay ``inspected`` for an analyst to close
    as ``not_found`` or keep open, since miners often leave for a while and come back. Reports
    not yet verified are left alone. Returns (codes advanced, codes closed).

    Examples
    --------
    >>> advance_matched_reports(session=session, site_id=1, result="active", actor="tim-1",
    ...                         when=dt.datetime.now(dt.UTC))  # doctest: +SKIP
    """
    try:
        from geo.reports.lifecycle import transition
        from geo.reports.models import Report
    except ModuleNotFoundError:  # the reports package is optional for planning alone
        return (), ()
    reports = session.scalars(
        select(Report).where(
            Report.matched_site_id == site_id,
            Report.status.in_(("assigned", "follow_up_scheduled")),
        ).order_by(Report.id)
    ).all()
    advanced, closed = [], []
    reason = f"site inspected: {result}"
    for report in reports:
        if report.status == "assigned":
            transition(session=session, code=report.code, to="follow_up_scheduled",
                       actor=actor, reason=reason, at=when)
        transition(session=session, code=report.code, to="inspected", actor=actor,
                   reason=reason, at=when)
        advanced.append(report.code)
        if result in _CONFIRMING:
            transition(session=session, code=report.code, to="closed", actor=actor,
                       reason=reason, resolution="confirmed", at=when)
            closed.append(report.code)
    return tuple(advanced), tuple(closed)
