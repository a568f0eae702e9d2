"""Status lifecycle of a report, with a history row for every transition and who made it.

::

    received ──► verified ──► assigned ──► follow_up_scheduled ──► inspected ──► closed
        │            │                            ▲        │            │
        └──► rejected ◄┘                          └────────┼────────────┘ (re-inspection)
    (any open status) ──► closed (duplicate)

``rejected`` needs a reason code ``out_of_authority`` or ``insufficient_info``; ``closed`` needs
``confirmed`` or ``not_found`` (only after an inspection) or ``duplicate`` (from any open status).
``rejected`` and ``closed`` are final.

Examples
--------
>>> allowed_next("received")
('verified', 'rejected', 'closed')
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.errors import InvalidTransition, NotFound, ValidationError
from geo.reports.models import REPORT_STATUSES, Report, ReportStatusHistory

__all__ = [
    "TRANSITIONS",
    "RESOLUTIONS_BY_STATUS",
    "HistoryEntry",
    "allowed_next",
    "transition",
    "history",
    "get_report",
]

log = logging.getLogger(__name__)

#: Allowed next statuses from each status.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "received": ("verified", "rejected", "closed"),
    "verified": ("assigned", "rejected", "closed"),
    "assigned": ("follow_up_scheduled", "closed"),
    "follow_up_scheduled": ("inspected", "assigned", "closed"),
    "inspected": ("closed", "follow_up_scheduled"),
    "rejected": (),
    "closed": (),
}

#: Reason codes a final status requires.
RESOLUTIONS_BY_STATUS: dict[str, tuple[str, ...]] = {
    "rejected": ("out_of_authority", "insufficient_info"),
    "closed": ("confirmed", "not_found", "duplicate"),
}


@dataclass(frozen=True)
class HistoryEntry:
    """One transition: from which status to which, who, when and why."""

    from_status: str | None
    to_status: str
    actor: str
    at: dt.datetime
    reason: str | None


def allowed_next(status: str) -> tuple[str, ...]:
    """Return the statuses a report may move to from ``status``.

    Examples
    --------
    >>> allowed_next("closed")
    ()
    """
    if status not in TRANSITIONS:
        raise ValidationError(
            f"status: expected one of {', '.join(REPORT_STATUSES)}, got {status!r}",
            field="status",
        )
    return TRANSITIONS[status]


def get_report(*, session: Session, code: str, for_update: bool = False) -> Report:
    """Return the report with this tracking code (``PTM-XXXXXX``, any case).

    Raises
    ------
    NotFound
        No report has this code.

    Examples
    --------
    >>> get_report(session=session, code=code.lower()).code == code
    True
    """
    query = select(Report).where(Report.code == code.strip().upper())
    if for_update:
        query = query.with_for_update()
    report = session.scalar(query)
    if report is None:
        raise NotFound(f"code: no report has the tracking code {code!r}")
    return report


def _check_resolution(code: str, current: str, to: str, resolution: str | None) -> None:
    """Raise when the resolution does not fit the move (:data:`RESOLUTIONS_BY_STATUS`)."""
    needed = RESOLUTIONS_BY_STATUS.get(to)
    if needed is not None:
        if resolution not in needed:
            raise InvalidTransition(
                f"resolution: moving to {to!r} needs one of {', '.join(needed)}, "
                f"got {resolution!r}",
                field="resolution",
            )
        if resolution in ("confirmed", "not_found") and current != "inspected":
            raise InvalidTransition(
                f"resolution: {resolution!r} can only close an inspected report; "
                f"report {code} is {current!r}",
                field="resolution",
            )
    elif resolution is not None:
        raise InvalidTransition(
            f"resolution: only rejected or closed take a resolution, got {resolution!r} for {to!r}",
            field="resolution",
        )


def transition(
    *,
    session: Session,
    code: str,
    to: str,
    actor: str,
    reason: str | None = None,
    resolution: str | None = None,
    at: dt.datetime | None = None,
) -> Report:
    """Move a report to status ``to`` and record the transition.

    Parameters
    ----------
    session
        Open session; the caller commits.
    code
        The report's tracking code.
    to
        The new status.
    actor
        Who makes the change (user name, ``system:dedup``...); required.
    reason
        Free text for the history.
    resolution
        Reason code, required for ``rejected`` and ``closed``.
    at
        When it happened (now by default; the importer passes historical times).

    Raises
    ------
    InvalidTransition
        ``to`` is not allowed from the current status, or the resolution does not fit.
    NotFound
        No report has this code.

    Examples
    --------
    >>> transition(session=session, code=code, to="verified", actor="ani").status
    'verified'
    """
    if not actor or not actor.strip():
        raise ValidationError("actor: who makes the change is required, got nothing", field="actor")
    report = get_report(session=session, code=code, for_update=True)
    current = report.status
    if to not in allowed_next(current):
        allowed = ", ".join(TRANSITIONS[current]) or "nothing (final status)"
        raise InvalidTransition(
            f"status: report {report.code} is {current!r}; it may move to {allowed}, not {to!r}",
            field="status",
        )
    _check_resolution(report.code, current, to, resolution)
    when = at or dt.datetime.now(dt.UTC)
    report.status = to
    report.resolution = resolution
    report.status_changed_at = when
    session.add(
        ReportStatusHistory(
            report_id=report.id,
            from_status=current,
            to_status=to,
            actor=actor.strip(),
            at=when,
            reason=reason,
        )
    )
    session.flush()
    log.info("report %s: %s -> %s by %s", report.code, current, to, actor)
    return report


def history(*, session: Session, code: str) -> list[HistoryEntry]:
    """Return the transitions of a report, oldest first.

    Examples
    --------
    >>> _ = transition(session=session, code=code, to="verified", actor="ani")
    >>> [h.to_status for h in history(session=session, code=code)]
    ['received', 'verified']
    """
    report = get_report(session=session, code=code)
    rows = session.scalars(
        select(ReportStatusHistory)
        .where(ReportStatusHistory.report_id == report.id)
        .order_by(ReportStatusHistory.at, ReportStatusHistory.id)
    )
    return [
        HistoryEntry(
            from_status=r.from_status,
            to_status=r.to_status,
            actor=r.actor,
            at=r.at,
            reason=r.reason,
        )
        for r in rows
    ]
