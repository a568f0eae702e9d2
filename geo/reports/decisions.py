"""Operators' decisions on near-duplicate links, and the audit trail of every link change.

Two tables (migration ``0070_report_link_decisions``):

- ``report_link_decisions``: the current decision on a pair of reports, stored once (lower id
  first): ``not_duplicate`` after an operator unlinked one from the other, ``duplicate`` after
  a merge; with who, when and why. The automatic linker (:mod:`geo.reports.dedup`) never links
  a pair marked ``not_duplicate``; a merged report carries the ``manual`` link rule, which the
  linker never rewrites.
- ``report_link_events``: one append-only row (a trigger refuses any change) per change of a
  report's ``duplicate_of_id``, by an operator (``merged``, ``unlinked``, ``moved`` with the
  group) or by the linker (actor :data:`SYSTEM_ACTOR`), read back as a group's history
  (:mod:`geo.reports.grouping`).

Examples
--------
>>> refused_pairs(session=session, report_ids=[1, 2])
set()
>>> pair(7, 3)
(3, 7)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    exists,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from geo.models import Base

__all__ = [
    "DECISIONS",
    "EVENTS",
    "MANUAL_RULE",
    "SYSTEM_ACTOR",
    "LinkEvent",
    "ReportLinkDecision",
    "ReportLinkEvent",
    "any_refused",
    "decide",
    "pair",
    "record_events",
    "refused_pairs",
]

#: What an operator decided about a pair of reports.
DECISIONS: tuple[str, ...] = ("duplicate", "not_duplicate")

#: Changes of a report's link: made by the linker (``linked``, ``unlinked``, ``moved``) or by
#: an operator (``merged``, ``unlinked``, ``moved`` along with its group).
EVENTS: tuple[str, ...] = ("linked", "unlinked", "merged", "moved")

#: ``duplicate_rule`` of a link an operator made by merging (the linker leaves it alone).
MANUAL_RULE = "manual"

#: Who the automatic linker's changes are recorded as.
SYSTEM_ACTOR = "system:dedup"


class ReportLinkDecision(Base):
    """An operator's decision on a pair of reports: duplicates of each other, or not."""

    __tablename__ = "report_link_decisions"
    __table_args__ = (
        CheckConstraint("low_id < high_id", name="ck_report_link_decisions_order"),
        CheckConstraint(
            "decision IN ('duplicate', 'not_duplicate')", name="ck_report_link_decisions_decision"
        ),
        Index("ix_report_link_decisions_high_id", "high_id"),
    )

    low_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    high_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    decision: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class ReportLinkEvent(Base):
    """One change of a report's near-duplicate link: what, from which report to which, who, why."""

    __tablename__ = "report_link_events"
    __table_args__ = (
        CheckConstraint(
            "event IN ('linked', 'unlinked', 'merged', 'moved')", name="ck_report_link_events_event"
        ),
        Index("ix_report_link_events_report_id", "report_id", "at"),
        Index("ix_report_link_events_other_id", "other_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(20))
    # Plain ids (no foreign keys): the trail is append-only, never set to NULL by a delete.
    from_id: Mapped[int | None] = mapped_column(Integer)
    to_id: Mapped[int | None] = mapped_column(Integer)
    other_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


@dataclass(frozen=True)
class LinkEvent:
    """A link change to record: ``report_id``'s link went from ``from_id`` to ``to_id``."""

    report_id: int
    event: str
    from_id: int | None
    to_id: int | None
    other_id: int | None = None


def pair(a: int, b: int) -> tuple[int, int]:
    """Return the pair of report ids as stored: lower id first.

    Examples
    --------
    >>> pair(2, 9), pair(9, 2)
    ((2, 9), (2, 9))
    """
    return (a, b) if a < b else (b, a)


def any_refused(*, session: Session) -> bool:
    """Whether any pair is marked ``not_duplicate`` (the linker skips the check when none is).

    Examples
    --------
    >>> any_refused(session=session)
    False
    """
    d = ReportLinkDecision
    return bool(session.scalar(select(exists().where(d.decision == "not_duplicate"))))


def refused_pairs(*, session: Session, report_ids: Iterable[int]) -> set[tuple[int, int]]:
    """Return the pairs marked ``not_duplicate`` that involve any of these reports.

    Examples
    --------
    >>> refused_pairs(session=session, report_ids=[])
    set()
    """
    ids = sorted(set(report_ids))
    if not ids:
        return set()
    d = ReportLinkDecision
    rows = session.execute(
        select(d.low_id, d.high_id).where(
            d.decision == "not_duplicate", or_(d.low_id.in_(ids), d.high_id.in_(ids))
        )
    )
    return {(row.low_id, row.high_id) for row in rows}


def decide(
    *,
    session: Session,
    pairs: Iterable[tuple[int, int]],
    decision: str,
    actor: str,
    reason: str,
) -> int:
    """Store ``decision`` on each pair (replacing an earlier one); return how many were written.

    Examples
    --------
    >>> decide(session=session, pairs=[], decision="duplicate", actor="ani", reason="x")
    0
    """
    if decision not in DECISIONS:
        raise ValueError(f"decision: expected one of {', '.join(DECISIONS)}, got {decision!r}")
    rows = [
        {"low_id": lo, "high_id": hi, "decision": decision, "actor": actor, "reason": reason}
        for lo, hi in sorted({pair(a, b) for a, b in pairs if a != b})
    ]
    if not rows:
        return 0
    stmt = pg_insert(ReportLinkDecision).values(rows)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["low_id", "high_id"],
            set_={
                "decision": stmt.excluded.decision,
                "actor": stmt.excluded.actor,
                "reason": stmt.excluded.reason,
                "decided_at": func.now(),
            },
        )
    )
    return len(rows)


def record_events(
    *,
    session: Session,
    events: Sequence[LinkEvent],
    actor: str,
    reason: str | None,
    at: dt.datetime | None = None,
) -> None:
    """Append one audit row per link change, all by ``actor`` for ``reason``.

    Examples
    --------
    >>> record_events(session=session, events=[], actor="ani", reason=None)
    """
    if not events:
        return
    when = at or dt.datetime.now(dt.UTC)
    # One statement however many rows (a file import links thousands): arrays, unnested.
    session.execute(
        text(
            "INSERT INTO report_link_events (report_id, event, from_id, to_id, other_id, actor, "
            "reason, at) SELECT v.*, :actor, :reason, :at FROM unnest(CAST(:ids AS integer[]), "
            "CAST(:events AS text[]), CAST(:froms AS integer[]), CAST(:tos AS integer[]), "
            "CAST(:others AS integer[])) AS v"
        ),
        {
            "ids": [e.report_id for e in events],
            "events": [e.event for e in events],
            "froms": [e.from_id for e in events],
            "tos": [e.to_id for e in events],
            "others": [e.other_id for e in events],
            "actor": actor,
            "reason": reason,
            "at": when,
        },
    )
