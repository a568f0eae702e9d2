"""Recording what a team found, in the caller's transaction, with its photos and videos.

The site's status and last inspection date change (with an audit row), and the reports
matched to the site move along their lifecycle. The team's evidence files go into the same
content-addressed store as the reports' evidence (:mod:`geo.reports.evidence`: one file per
SHA-256 under ``<data_dir>/evidence/``, one ``evidence`` row) and are linked to the inspection
(:mod:`geo.patrols.evidence`), so they are kept, never just referenced. Every file is checked
before anything is written: one bad file and nothing is recorded.

A recorded inspection changes the next plan by itself: the site's ``last_inspected`` makes the
revisit rules skip it for a while, and a sealed site leaves patrols altogether.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from geoalchemy2 import WKBElement
from geoalchemy2.shape import from_shape
from shapely.geometry import LineString
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.errors import N_, NotFound, ValidationError
from geo.models import Site
from geo.patrols.evidence import (
    EvidenceItem,
    StoredEvidence,
    add_evidence,
    check_evidence,
    evidence_file,
    list_evidence,
    store_and_link,
)
from geo.patrols.models import INSPECTION_RESULTS, STATUS_AFTER, Inspection, PatrolVisit
from geo.settings import Settings

if TYPE_CHECKING:
    from geo.reports.config import ReportSettings

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
    settings: Settings,
    report_settings: ReportSettings | None = None,
) -> InspectionResult:
    """Record a visit's result and update the site, its audit trail and its matched reports.

    Parameters
    ----------
    session
        Open session; the caller commits (everything happens in its transaction).
    site_code, result
        The inspected site; one of :data:`~geo.patrols.models.INSPECTION_RESULTS`.
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
        Where files are stored (``data_dir``) and the evidence size limits
        (``settings.reports`` unless ``report_settings`` is given).

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
    >>> done = record_inspection(session=session, site_code="KKR-001", result="sealed",
    ...                          actor="tim-1", evidence=["alat-berat.jpg"], settings=settings)
    >>> done.status_after, len(done.evidence)
    ('sealed', 1)
    """
    # "Today" is the province's: in the evening WITA, the server's UTC date is still yesterday.
    today = dt.datetime.now(settings.province_profile.zone).date()
    line = _check_visit(
        session,
        result=result,
        actor=actor,
        inspected_on=inspected_on,
        today=today,
        track=track,
        visit_id=visit_id,
    )
    inspected_on = inspected_on or today
    files = check_evidence(evidence, report_settings=report_settings or settings.reports)
    site, before, after = _update_site(session, site_code, result, inspected_on, actor)
    row = Inspection(
        site_id=site.id,
        site_code=site.code,
        visit_id=visit_id,
        team=team,
        inspected_on=inspected_on,
        result=result,
        status_before=before,
        status_after=after,
        notes=notes,
        evidence=[],
        track=line,
        recorded_by=actor,
    )
    session.add(row)
    session.flush()
    summary = store_and_link(session, row, files, actor=actor, settings=settings)
    advanced: tuple[str, ...] = ()
    closed: tuple[str, ...] = ()
    if close_reports:
        advanced, closed = advance_matched_reports(
            session=session,
            site_id=site.id,
            result=result,
            actor=actor,
            when=dt.datetime.combine(inspected_on, dt.time(12), tzinfo=dt.UTC),
        )
    log.info(
        "inspection of %s: %s (%s -> %s), %d evidence file(s)",
        site.code,
        result,
        before,
        after,
        len(summary),
    )
    return InspectionResult(int(row.id), site.code, before, after, advanced, closed, tuple(summary))


def _check_visit(
    session: Session,
    *,
    result: str,
    actor: str,
    inspected_on: dt.date | None,
    today: dt.date,
    track: Sequence[tuple[float, float]] | None,
    visit_id: int | None,
) -> WKBElement | None:
    """Check the fields of an inspection; return the track as a line (or ``None``)."""
    if result not in INSPECTION_RESULTS:
        raise ValidationError.of(
            N_("`result` must be one of {allowed}, got {result!r}"),
            field="result",
            allowed=", ".join(INSPECTION_RESULTS),
            result=result,
        )
    if not actor or not actor.strip():
        raise ValidationError.of(
            N_("`actor`: who records the inspection is required"), field="actor"
        )
    if inspected_on is not None and inspected_on > today:
        raise ValidationError.of(
            N_("`inspected_on` is in the future ({day}); today is {today}"),
            field="inspected_on",
            day=inspected_on,
            today=today,
        )
    line = None
    if track is not None:
        if len(track) < 2:
            raise ValidationError.of(
                N_("`track` needs at least two (lon, lat) points"), field="track"
            )
        line = from_shape(LineString(track), srid=4326)
    if visit_id is not None and session.get(PatrolVisit, visit_id) is None:
        raise ValidationError.of(
            N_("`visit_id` {visit_id} is not a planned visit"), field="visit_id", visit_id=visit_id
        )
    return line


def _update_site(
    session: Session, site_code: str, result: str, inspected_on: dt.date, actor: str
) -> tuple[Site, str, str]:
    """Move the site's status and last inspection on, with an audit row; return the change."""
    from geo import sites as sites_mod

    site = sites_mod.get(session, site_code)
    before = site.status
    after = STATUS_AFTER[result]
    changes: dict[str, Any] = {}
    if after != before:
        changes["status"] = after
    if site.last_inspected is None or inspected_on > site.last_inspected:
        changes["last_inspected"] = inspected_on
    if changes:
        sites_mod.update(
            session,
            site.code,
            changes,
            actor=actor,
            source=f"inspection {inspected_on.isoformat()} ({result})",
        )
    return site, before, after


def get_inspection(*, session: Session, inspection_id: int, settings: Settings) -> dict[str, Any]:
    """Return one inspection as a plain dict, with its stored evidence files.

    ``settings.data_dir`` says where the files are stored.

    Examples
    --------
    >>> done = record_inspection(session=session, site_code="KKR-001", result="sealed",
    ...                          actor="tim-1", settings=settings)
    >>> get_inspection(session=session, inspection_id=done.inspection_id,
    ...                settings=settings)["result"]
    'sealed'
    """
    row = session.get(Inspection, inspection_id)
    if row is None:
        raise NotFound.of(
            N_("no inspection {inspection_id}"), field="inspection_id", inspection_id=inspection_id
        )
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
            {
                "sha256": e.sha256,
                "bytes": e.bytes,
                "mime": e.mime,
                "name": e.name,
                "added_by": e.added_by,
                "added_at": e.added_at,
            }
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
    >>> advanced, closed = advance_matched_reports(
    ...     session=session, site_id=1, result="active", actor="tim-1",
    ...     when=dt.datetime.now(dt.UTC))
    >>> set(closed) <= set(advanced)
    True
    """
    try:
        from geo.reports.lifecycle import transition
        from geo.reports.models import Report
    except ModuleNotFoundError:  # the reports package is optional for planning alone
        return (), ()
    reports = session.scalars(
        select(Report)
        .where(
            Report.matched_site_id == site_id,
            Report.status.in_(("assigned", "follow_up_scheduled")),
        )
        .order_by(Report.id)
    ).all()
    advanced, closed = [], []
    reason = f"site inspected: {result}"
    for report in reports:
        if report.status == "assigned":
            transition(
                session=session,
                code=report.code,
                to="follow_up_scheduled",
                actor=actor,
                reason=reason,
                at=when,
            )
        transition(
            session=session, code=report.code, to="inspected", actor=actor, reason=reason, at=when
        )
        advanced.append(report.code)
        if result in _CONFIRMING:
            transition(
                session=session,
                code=report.code,
                to="closed",
                actor=actor,
                reason=reason,
                resolution="confirmed",
                at=when,
            )
            closed.append(report.code)
    return tuple(advanced), tuple(closed)
