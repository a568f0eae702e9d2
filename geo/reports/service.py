"""Use cases of public reports: submit one, import a file, change a report's status.

Each function is one thing a person does, shared by the CLI (``pantau reports``), the API
(``/reports``), the coming web console and notebooks: settings and the session (or engine) are
injected, the result is a plain object. The rules live below this layer, once: the lifecycle in
:mod:`geo.reports.lifecycle`, intake in :mod:`geo.reports.intake`. What depends on a change is
refreshed with it: a status change rescored the report's site (a rejected report stops counting)
and recounts its hotspot, in the same transaction; a submitted or imported report is classified
by the permit and forest layers before the caller commits (:func:`geo.layers.service.reclassify`).

Examples
--------
>>> from geo.reports.service import change_status
>>> change = change_status(settings=settings, session=session, code=code,
...                        to="verified", actor="ani")
>>> change.from_status, change.status
('received', 'verified')
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from geo import priority
from geo.db import session_scope
from geo.errors import N_, Conflict, ValidationError
from geo.hotspots.review import refresh_statistics
from geo.layers.models import LayerClassification, LayerSnapshot
from geo.layers.service import reclassify
from geo.reports import grouping
from geo.reports.dedup import match_new_reports
from geo.reports.grouping import LinkChange, ReportGroup
from geo.reports.importer import ImportSummary, import_file
from geo.reports.intake import SubmitResult, submit
from geo.reports.lifecycle import get_report, transition
from geo.reports.models import IdempotencyKey, Report, ReportMatch
from geo.reports.readers import FileFormat
from geo.settings import Settings

__all__ = [
    "StatusChange",
    "change_status",
    "submit_report",
    "import_reports",
    "unlink_duplicate",
    "merge_duplicate",
    "report_group",
    "STAFF_ONLY",
]

#: Fields only staff may set on a submitted report; the public's reports are the web form's.
STAFF_ONLY: tuple[str, ...] = ("channel", "received_at")


@dataclass(frozen=True)
class StatusChange:
    """A report's status after a change, with the dates the public may see."""

    code: str
    from_status: str
    status: str
    resolution: str | None
    received_at: dt.datetime
    status_changed_at: dt.datetime


def change_status(
    *,
    settings: Settings,
    session: Session,
    code: str,
    to: str,
    actor: str | None = None,
    reason: str | None = None,
    resolution: str | None = None,
) -> StatusChange:
    """Use case: move a report through its lifecycle (:data:`geo.reports.lifecycle.TRANSITIONS`).

    The report's site is rescored and its hotspot recounted in the same transaction, so no
    priority or hotspot figure counts a report the status change took out (or put back).

    Raises
    ------
    InvalidTransition, NotFound, ValidationError
        As :func:`geo.reports.lifecycle.transition`.
    """
    from_status = get_report(session=session, code=code).status
    report = transition(
        session=session,
        code=code,
        to=to,
        actor=actor or settings.actor,
        reason=reason,
        resolution=resolution,
    )
    site_id = report.matched_site_id
    if site_id is not None:
        priority.refresh_sites(session=session, site_ids=[site_id], settings=settings.priority)
    if report.hotspot_id is not None:
        refresh_statistics(session=session, hotspot_ids=[report.hotspot_id])
    return StatusChange(
        code=report.code,
        from_status=from_status,
        status=report.status,
        resolution=report.resolution,
        received_at=report.received_at,
        status_changed_at=report.status_changed_at,
    )


def submit_report(
    *,
    settings: Settings,
    session: Session,
    fields: Mapping[str, Any],
    actor: str | None,
    public: bool,
    evidence: Sequence[Path | str | bytes] = (),
    idempotency_key: str | None = None,
    defer: bool = False,
) -> SubmitResult:
    """Use case: store a submitted report (public web form or staff entry).

    The public may not set :data:`STAFF_ONLY` fields and always submits through the ``web``
    channel; an ``idempotency_key`` is stored as the channel's external id, so that a retry
    is recognised even after a restart. With ``defer`` the report is queued for the intake
    worker (matching and near-duplicate links later); the adapter wakes the worker after
    the commit.

    Raises
    ------
    ValidationError
        A public submission sets a staff-only field, or a field is not acceptable.
    """
    values = dict(fields)
    if public:
        for name in STAFF_ONLY:
            if name in values:
                raise ValidationError.of(
                    N_("{field}: only staff may set it on a report"), field=name
                )
        values["channel"] = "web"
    values.setdefault("channel", "web")
    fingerprint = _fingerprint(values, evidence) if idempotency_key else ""
    if idempotency_key:
        _check_key(session, idempotency_key, fingerprint)
        values.setdefault("external_id", f"idempotency:{idempotency_key}")
    result = submit(
        session=session,
        evidence=evidence,
        actor=actor,
        settings=settings,
        report_settings=settings.reports,
        defer=defer,
        **values,
    )
    if idempotency_key:
        _remember_key(session, idempotency_key, fingerprint, result)
    if result.created and not defer:  # a deferred report is classified with its queue batch
        reclassify(session=session, settings=settings, only={"report": [result.id]})
    return result


#: A repeated ``Idempotency-Key`` with a different request.
KEY_REUSED = N_(
    "{field}: this key was already used for a different report; send a new key with a new report"
)


def _fingerprint(values: Mapping[str, Any], evidence: Sequence[Path | str | bytes]) -> str:
    """Return a digest of a submission: its fields and the content of its files."""
    digest = hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode("utf-8"))
    for item in evidence:
        data = item if isinstance(item, bytes) else Path(item).read_bytes()
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def _check_key(session: Session, key: str, fingerprint: str) -> None:
    prior = session.get(IdempotencyKey, key)
    if prior is not None and prior.fingerprint != fingerprint:
        raise Conflict.of(KEY_REUSED, field="Idempotency-Key")


def _remember_key(session: Session, key: str, fingerprint: str, result: SubmitResult) -> None:
    """Record a new key, or (a race lost to a concurrent request) check the one stored."""
    if result.created:
        session.add(IdempotencyKey(key=key, fingerprint=fingerprint, report_id=result.id))
        session.flush()
        return
    prior = session.get(IdempotencyKey, key)
    if prior is None or prior.fingerprint != fingerprint:
        raise Conflict.of(KEY_REUSED, field="Idempotency-Key")


def import_reports(
    *,
    settings: Settings,
    engine: Engine,
    path: Path | str,
    format: FileFormat = "auto",  # noqa: A002 - the CLI's and the importer's name
    channel: str | None = None,
    on_error: Literal["abort", "skip"] = "abort",
    batch_size: int | None = None,
    actor: str | None = None,
    progress: bool = False,
) -> ImportSummary:
    """Use case: import a CSV, GeoJSON or SP4N-LAPOR! file of reports, then rescore the sites.

    The importer commits in batches (its speed depends on it), so the rescoring runs in its
    own transaction right after the last batch: every site, since an import can add reports
    anywhere.
    """
    summary = import_file(
        engine=engine,
        path=path,
        format=format,
        channel=channel,
        on_error=on_error,
        batch_size=batch_size,
        actor=actor or settings.actor,
        settings=settings,
        report_settings=settings.reports,
        progress=progress,
    )
    if summary.inserted:
        with session_scope(engine) as session:
            _classify_unclassified(session, settings)
            priority.refresh_sites(session=session, site_ids=None, settings=settings.priority)
    return summary


def _classify_unclassified(session: Session, settings: Settings) -> None:
    """Classify the reports that have no class yet (an import's batch) in one statement set."""
    if session.scalar(select(LayerSnapshot.id).limit(1)) is None:
        return
    classified = select(LayerClassification.object_id).where(
        LayerClassification.object_kind == "report"
    )
    ids = session.scalars(
        select(Report.id).where(Report.geom.is_not(None), Report.id.not_in(classified))
    ).all()
    reclassify(session=session, settings=settings, only={"report": ids})


def _refresh_after_links(settings: Settings, session: Session, codes: Sequence[str]) -> None:
    """Re-match, rescore the sites and recount the hotspots of reports whose link changed.

    A duplicate follows its original's site, and a site counts only reports that duplicate
    nothing, so an unlink or a merge changes those figures as a status change does.
    """
    session.flush()
    ids = list(session.scalars(select(Report.id).where(Report.code.in_(sorted(set(codes))))))
    before = _sites_of(session, ids)
    match_new_reports(session=session, report_ids=ids)
    sites = sorted(before | _sites_of(session, ids))
    found = session.scalars(select(Report.hotspot_id).where(Report.id.in_(ids)))
    hotspots = sorted({h for h in found if h is not None})
    if sites:
        priority.refresh_sites(session=session, site_ids=sites, settings=settings.priority)
    if hotspots:
        refresh_statistics(session=session, hotspot_ids=hotspots)


def _sites_of(session: Session, ids: Sequence[int]) -> set[int]:
    rows = session.scalars(
        select(ReportMatch.site_id).where(
            ReportMatch.report_id.in_(ids), ReportMatch.site_id.is_not(None)
        )
    )
    return {s for s in rows if s is not None}


def unlink_duplicate(
    *,
    settings: Settings,
    session: Session,
    code: str,
    reason: str | None,
    actor: str | None = None,
) -> LinkChange:
    """Use case: take a wrongly linked report out of its group (:func:`grouping.unlink`).

    The automatic linker never links it to that group again; the change is audited with the
    actor and the (required) reason, and the sites of the reports involved are rescored.

    Raises
    ------
    NotFound, ValidationError
        As :func:`geo.reports.grouping.unlink`.
    """
    change = grouping.unlink(
        session=session, code=code, reason=reason, actor=actor or settings.actor
    )
    _refresh_after_links(settings, session, [change.code, *change.members])
    return change


def merge_duplicate(
    *,
    settings: Settings,
    session: Session,
    code: str,
    into: str,
    reason: str | None,
    actor: str | None = None,
) -> LinkChange:
    """Use case: link a missed duplicate into another report's group (:func:`grouping.merge`).

    Statuses are untouched: a report with its own channel ticket keeps its own clocks.

    Raises
    ------
    NotFound, ValidationError, Conflict
        As :func:`geo.reports.grouping.merge`.
    """
    change = grouping.merge(
        session=session, code=code, into=into, reason=reason, actor=actor or settings.actor
    )
    _refresh_after_links(settings, session, change.members)
    return change


def report_group(
    *, settings: Settings, session: Session, code: str, now: dt.datetime | None = None
) -> ReportGroup:
    """Use case: a report's group of linked reports, each member's clocks, the group's history.

    Raises
    ------
    NotFound
        No report has this code.
    """
    del settings  # the same signature as the other use cases; nothing to configure yet
    return grouping.group_of(session=session, code=code, now=now)
