"""Groups of linked reports: see one, unlink a wrong near duplicate, merge a missed one.

A group is a report that duplicates nothing (its root) and every report whose
``duplicate_root_id`` is that root. The root is the earliest report of the group (by the time
it was seen, then by id), as the automatic linker (:mod:`geo.reports.dedup`) keeps it; every
member links straight to the root.

- :func:`unlink` takes a report out of its group (when it was the root, the earliest of the
  rest becomes the root) and marks it ``not_duplicate`` with every other member, so that the
  linker never puts it back.
- :func:`merge` puts a report, with its own group, into another report's group, marks the pair
  ``duplicate`` and links it with the rule ``manual``, which the linker never rewrites.
- :func:`group_of` returns the members, each with its own clocks, and the group's history
  (status changes and link changes, in time order).

Both changes recompute the root and ``duplicate_root_id`` of the whole group in the same
transaction, write one audit row (``report_link_events``) per report whose link changed, with
the actor and the reason, and never touch a report's status: a report with its own channel
ticket keeps its own clocks when linked (:mod:`geo.reports.clocks`). Reporter identity is
never read here.

Examples
--------
>>> group = group_of(session=session, code=code)
>>> code in [m.code for m in group.members]
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from geo.errors import N_, Conflict, NotFound, ValidationError
from geo.reports.clocks import ClockStatus, evaluate
from geo.reports.decisions import (
    MANUAL_RULE,
    LinkEvent,
    ReportLinkDecision,
    ReportLinkEvent,
    decide,
    pair,
    record_events,
)
from geo.reports.dedup import NEAR_RULE
from geo.reports.lifecycle import get_report
from geo.reports.models import Report, ReportStatusHistory

__all__ = [
    "GroupEntry",
    "GroupMember",
    "LinkChange",
    "ReportGroup",
    "group_of",
    "merge",
    "unlink",
    "MAX_REASON",
    "EVENT_LABELS",
    "as_dict",
]

#: Longest reason accepted for an unlink or a merge.
MAX_REASON = 2000

UNKNOWN_CODE = N_("{field}: no report has the tracking code {code}")
NO_REASON = N_("{field}: say why (the reason is kept in the report's history)")
REASON_TOO_LONG = N_("{field}: at most {limit} characters, got {length}")
NO_ACTOR = N_("{field}: who makes the change is required")
NOT_LINKED = N_("{field}: report {code} is not linked to any other report")
SAME_REPORT = N_("{field}: a report cannot be merged into itself ({code})")
SAME_GROUP = N_("{field}: report {code} is already in the group of {root}")
WOULD_LOOP = N_(
    "{field}: report {into} is a duplicate of {code}; merging {code} into it would make a loop"
)
IN_OTHER_GROUP = N_(
    "{field}: report {code} is a duplicate in the group of {root}; unlink it first, then merge it"
)


#: How a link change reads in a group's history (``{other}``: the report it concerns).
EVENT_LABELS: dict[str, str] = {
    "linked": N_("linked to {other}"),
    "unlinked": N_("unlinked from {other}"),
    "merged": N_("merged into the group of {other}"),
    "moved": N_("moved along with {other}"),
}


@dataclass(frozen=True)
class GroupMember:
    """One report of a group, with its own clocks (none when it rides on the root's).

    ``same_evidence`` names the reports linked to it as corroboration: someone else sent the
    same evidence file (their own complaints, in groups of their own).
    """

    code: str
    channel: str
    status: str
    received_at: dt.datetime
    is_root: bool
    duplicate_rule: str | None
    own_ticket: bool
    clocks: tuple[ClockStatus, ...]
    same_evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupEntry:
    """One event of a group's history: a status change (``kind="status"``) or a link change.

    For a status change ``from_status``/``to_status`` are set; for a link change ``event`` (see
    :data:`geo.reports.decisions.EVENTS`) and ``other`` (the report it was linked to, unlinked
    from or merged into, by code).
    """

    at: dt.datetime
    code: str
    kind: str
    actor: str
    reason: str | None
    from_status: str | None = None
    to_status: str | None = None
    event: str | None = None
    other: str | None = None


@dataclass(frozen=True)
class ReportGroup:
    """A report's group: its root, its members (root first) and its history, oldest first."""

    code: str
    root: str
    members: tuple[GroupMember, ...]
    history: tuple[GroupEntry, ...]


@dataclass(frozen=True)
class LinkChange:
    """What an unlink or a merge did: the report, the event, its group's root and members."""

    code: str
    event: str
    root: str | None
    members: tuple[str, ...]
    moved: tuple[str, ...]


def _check_words(reason: str | None, actor: str | None) -> tuple[str, str]:
    """Return the reason and the actor, stripped, or raise naming the missing one."""
    if not actor or not actor.strip():
        raise ValidationError.of(NO_ACTOR, field="actor")
    text_ = (reason or "").strip()
    if not text_:
        raise ValidationError.of(NO_REASON, field="reason")
    if len(text_) > MAX_REASON:
        raise ValidationError.of(
            REASON_TOO_LONG, field="reason", limit=MAX_REASON, length=len(text_)
        )
    return text_, actor.strip()


def _root_id(report: Report) -> int:
    return report.id if report.duplicate_of_id is None else (report.duplicate_root_id or report.id)


def _members(session: Session, root_id: int, *, lock: bool = False) -> list[Report]:
    """Return the reports of the group rooted at ``root_id``, earliest seen first."""
    query = (
        select(Report)
        .where(or_(Report.id == root_id, Report.duplicate_root_id == root_id))
        .order_by(func.coalesce(Report.observed_at, Report.received_at), Report.id)
    )
    if lock:
        query = query.with_for_update()
    return list(session.scalars(query))


def _seen(report: Report) -> tuple[dt.datetime, int]:
    return (report.observed_at or report.received_at, report.id)


def _regroup(
    members: Sequence[Report], rules: dict[int, str | None]
) -> dict[int, tuple[int | None, int | None]]:
    """Point every member at the earliest one; return the old and new link of those that moved.

    ``rules`` overrides ``duplicate_rule`` for some members (the root's is always cleared).
    """
    root = min(members, key=_seen)
    moved: dict[int, tuple[int | None, int | None]] = {}
    for m in members:
        target = None if m.id == root.id else root.id
        if m.duplicate_of_id != target:
            moved[m.id] = (m.duplicate_of_id, target)
        m.duplicate_of_id = target
        m.duplicate_root_id = target
        if target is None:
            m.duplicate_rule = None
        elif m.id in rules:
            m.duplicate_rule = rules[m.id]
        elif m.duplicate_rule is None:
            m.duplicate_rule = NEAR_RULE
    return moved


def unlink(*, session: Session, code: str, reason: str | None, actor: str | None) -> LinkChange:
    """Take report ``code`` out of its group; the linker never links it to the group again.

    When it was the group's root, the earliest of the others becomes the root. The report is
    marked ``not_duplicate`` with every other member of the group.

    Raises
    ------
    NotFound
        No report has this code (field ``code``).
    ValidationError
        The reason or the actor is missing, or the report is linked to no other.

    Examples
    --------
    >>> unlink(session=session, code=code, reason="", actor="ani")
    Traceback (most recent call last):
    ...
    geo.errors.ValidationError: reason: say why (the reason is kept in the report's history)
    """
    why, who = _check_words(reason, actor)
    report = _find(session, code, field="code")
    group = _members(session, _root_id(report), lock=True)
    if len(group) < 2:
        raise ValidationError.of(NOT_LINKED, field="code", code=report.code)
    old_root = min(group, key=_seen)
    rest = [m for m in group if m.id != report.id]
    moved = _regroup(rest, {})
    before = report.duplicate_of_id
    report.duplicate_of_id = report.duplicate_root_id = None
    report.duplicate_rule = None
    decide(
        session=session,
        pairs=[(report.id, m.id) for m in rest],
        decision="not_duplicate",
        actor=who,
        reason=why,
    )
    events = [LinkEvent(report.id, "unlinked", before, None, other_id=old_root.id)]
    events += [
        LinkEvent(i, "moved", old, new, other_id=report.id) for i, (old, new) in moved.items()
    ]
    record_events(session=session, events=events, actor=who, reason=why)
    session.flush()
    root = min(rest, key=_seen)
    return LinkChange(
        code=report.code,
        event="unlinked",
        root=root.code,
        members=tuple(m.code for m in sorted(rest, key=_seen)),
        moved=tuple(m.code for m in rest if m.id in moved),
    )


def merge(
    *, session: Session, code: str, into: str, reason: str | None, actor: str | None
) -> LinkChange:
    """Put report ``code`` (with its own group, if any) into the group of report ``into``.

    The merged group's root is its earliest report; the merged report (and the old root of
    ``into``'s group, when the root changes) are linked with the rule ``manual``. Pairs of the
    two groups an operator had marked ``not_duplicate`` are marked ``duplicate`` now.

    Raises
    ------
    NotFound
        No report has one of the codes (field ``code`` or ``into``).
    ValidationError
        The reason or the actor is missing.
    Conflict
        A report into itself, into its own group (or a loop), or a report that is a duplicate
        in another group (unlink it first).

    Examples
    --------
    >>> merge(session=session, code=code, into=code, reason="sama", actor="ani")
    Traceback (most recent call last):
    ...
    geo.errors.Conflict: into: a report cannot be merged into itself (PTM-...)
    """
    why, who = _check_words(reason, actor)
    report = _find(session, code, field="code")
    target = _find(session, into, field="into")
    _check_merge(session, report, target)
    ours = _members(session, report.id, lock=True)
    theirs = _members(session, _root_id(target), lock=True)
    old_root = min(theirs, key=_seen)
    merged = [*theirs, *ours]
    moved = _regroup(merged, {report.id: MANUAL_RULE, old_root.id: MANUAL_RULE})
    _flip_refusals(session, ours, theirs, actor=who, reason=why)
    decide(session=session, pairs=[(report.id, target.id)], decision="duplicate", actor=who,
           reason=why)  # fmt: skip
    old, new = report.duplicate_of_id, report.duplicate_of_id
    if report.id in moved:
        old, new = moved.pop(report.id)
    events = [LinkEvent(report.id, "merged", old, new, other_id=target.id)]
    events += [LinkEvent(i, "moved", o, n, other_id=report.id) for i, (o, n) in moved.items()]
    record_events(session=session, events=events, actor=who, reason=why)
    session.flush()
    root = min(merged, key=_seen)
    return LinkChange(
        code=report.code,
        event="merged",
        root=root.code,
        members=tuple(m.code for m in sorted(merged, key=_seen)),
        moved=tuple(m.code for m in merged if m.id in moved),
    )


def _find(session: Session, code: str, *, field: str) -> Report:
    """Return the report with this tracking code, locked; an unknown code names ``field``."""
    try:
        return get_report(session=session, code=code, for_update=True)
    except NotFound:
        raise NotFound.of(UNKNOWN_CODE, field=field, code=code.strip()) from None


def _check_merge(session: Session, report: Report, target: Report) -> None:
    """Refuse a merge into itself, into its own group, or of a duplicate of another group."""
    if report.id == target.id:
        raise Conflict.of(SAME_REPORT, field="into", code=report.code)
    if report.duplicate_of_id is not None:
        root = session.get(Report, _root_id(report))
        root_code = report.code if root is None else root.code
        if _root_id(target) == _root_id(report):
            raise Conflict.of(SAME_GROUP, field="into", code=report.code, root=root_code)
        raise Conflict.of(IN_OTHER_GROUP, field="code", code=report.code, root=root_code)
    if _root_id(target) == report.id:
        raise Conflict.of(WOULD_LOOP, field="into", into=target.code, code=report.code)


def _flip_refusals(
    session: Session, ours: Iterable[Report], theirs: Iterable[Report], *, actor: str, reason: str
) -> None:
    """Mark ``duplicate`` every pair across the two groups an operator had marked otherwise."""
    a, b = [m.id for m in ours], [m.id for m in theirs]
    d = ReportLinkDecision
    rows = session.execute(
        select(d.low_id, d.high_id).where(
            d.decision == "not_duplicate",
            or_(
                d.low_id.in_(a) & d.high_id.in_(b),
                d.low_id.in_(b) & d.high_id.in_(a),
            ),
        )
    ).all()
    decide(
        session=session,
        pairs=[pair(r.low_id, r.high_id) for r in rows],
        decision="duplicate",
        actor=actor,
        reason=reason,
    )


def group_of(*, session: Session, code: str, now: dt.datetime | None = None) -> ReportGroup:
    """Return the group of report ``code``: members with their clocks, and its history.

    The history merges the members' status changes with the link changes of the members (and
    of reports that were unlinked from them), oldest first.

    Raises
    ------
    NotFound
        No report has this code.

    Examples
    --------
    >>> g = group_of(session=session, code=code)
    >>> g.code == code, "status" in [e.kind for e in g.history]
    (True, True)
    """
    report = get_report(session=session, code=code)
    members = _members(session, _root_id(report))
    ids = [m.id for m in members]
    clocks: dict[int, list[ClockStatus]] = {}
    for c in evaluate(session=session, now=now, report_ids=ids, include_stopped=True):
        clocks.setdefault(c.report_id, []).append(c)
    root = min(members, key=_seen)
    evidence = _same_evidence(session, ids)
    return ReportGroup(
        code=report.code,
        root=root.code,
        members=tuple(
            GroupMember(
                code=m.code,
                channel=m.channel,
                status=m.status,
                received_at=m.received_at,
                is_root=m.id == root.id,
                duplicate_rule=m.duplicate_rule,
                own_ticket=m.external_id is not None,
                clocks=tuple(sorted(clocks.get(m.id, []), key=lambda c: (c.due_at, c.rule))),
                same_evidence=tuple(sorted(evidence.get(m.id, ()))),
            )
            for m in sorted(members, key=lambda m: (m.id != root.id, _seen(m)))
        ),
        history=tuple(_history(session, ids)),
    )


_CODES_SQL = text("SELECT id, code FROM reports WHERE id = ANY(:ids)")

# Corroborations either way, with the other report's code.
_SAME_EVIDENCE_SQL = text(
    """
    SELECT c.report_id AS id, o.code FROM report_corroborations c
      JOIN reports o ON o.id = c.corroborates_id WHERE c.report_id = ANY(:ids)
    UNION
    SELECT c.corroborates_id, o.code FROM report_corroborations c
      JOIN reports o ON o.id = c.report_id WHERE c.corroborates_id = ANY(:ids)
    """
)


def _same_evidence(session: Session, ids: list[int]) -> dict[int, set[str]]:
    """Return, for each member, the codes of reports that share its evidence (corroboration)."""
    out: dict[int, set[str]] = {}
    for row in session.execute(_SAME_EVIDENCE_SQL, {"ids": ids}):
        out.setdefault(row.id, set()).add(row.code)
    return out


def _history(session: Session, ids: list[int]) -> list[GroupEntry]:
    """Status changes of the members and link changes touching them, oldest first."""
    h = ReportStatusHistory
    statuses = session.execute(
        select(h.report_id, h.from_status, h.to_status, h.actor, h.at, h.reason, h.id).where(
            h.report_id.in_(ids)
        )
    ).all()
    e = ReportLinkEvent
    links = (
        session.execute(
            select(e).where(or_(e.report_id.in_(ids), e.other_id.in_(ids))).order_by(e.at, e.id)
        )
        .scalars()
        .all()
    )
    wanted = set(ids) | {x.report_id for x in links} | {x.other_id for x in links if x.other_id}
    wanted |= {x.to_id for x in links if x.to_id} | {x.from_id for x in links if x.from_id}
    code = {r.id: r.code for r in session.execute(_CODES_SQL, {"ids": sorted(wanted)})}
    entries: list[tuple[dt.datetime, int, int, GroupEntry]] = []
    for s in statuses:
        entry = GroupEntry(
            at=s.at, code=code[s.report_id], kind="status", actor=s.actor, reason=s.reason,
            from_status=s.from_status, to_status=s.to_status,
        )  # fmt: skip
        entries.append((s.at, 0, s.id, entry))
    for x in links:
        other = x.other_id or x.to_id or x.from_id
        entry = GroupEntry(
            at=x.at, code=code[x.report_id], kind="link", actor=x.actor, reason=x.reason,
            event=x.event, other=code.get(other) if other else None,
        )  # fmt: skip
        entries.append((x.at, 1, x.id, entry))
    entries.sort(key=lambda item: item[:3])
    return [item[3] for item in entries]


def as_dict(group: ReportGroup) -> dict[str, Any]:
    """Return the group as plain data (clocks without internal ids), for adapters.

    Examples
    --------
    >>> sorted(as_dict(group_of(session=session, code=code)))
    ['code', 'history', 'members', 'root']
    """
    return {
        "code": group.code,
        "root": group.root,
        "members": [
            {
                **{k: v for k, v in vars(m).items() if k != "clocks"},
                "clocks": [
                    {k: v for k, v in vars(c).items() if k != "report_id"} for c in m.clocks
                ],
            }
            for m in group.members
        ],
        "history": [vars(e) for e in group.history],
    }
