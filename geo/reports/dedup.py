"""Duplicate reports: exact ones are never stored twice, near ones are linked to the earliest.

- **Exact**: the same channel and external id, or an evidence file (by SHA-256) already
  attached to a report. The intake returns the first report instead of creating a second one.
- **Near**: a report by the same reporter (same keyed phone hash), or where either side has no
  reporter hash (the agency cannot tell them apart), within ``near_duplicate_distance_m`` on the
  ellipsoid and ``near_duplicate_hours`` of the earlier one. It is stored, linked through
  ``duplicate_of_id`` to the earliest report of its group (never to another duplicate), and
  left out of corroboration counts: a site's independent reports are those with
  ``duplicate_of_id IS NULL``; its distinct reporters are the distinct non-null hashes.
  Every link also stores the top of its chain in ``duplicate_root_id`` (NULL on a report that
  duplicates nothing), kept true here when links move, so that matching, clustering and
  queries read a duplicate's original without walking the chain.
- **Operators' decisions** (:mod:`geo.reports.decisions`): a pair an operator unlinked
  (``not_duplicate``) is never linked again, here or in a batch run: the report is never
  linked into the group the other one is in (to it, its root or any report of its group).
  A link an operator made by merging carries the rule ``manual`` and is never rewritten
  here (the merged report follows its group when the group's root is linked). Every link
  this module changes is written to the audit trail (``report_link_events``, actor
  ``system:dedup``).

The time of a report is its observation time, or its reception time when unknown.

Examples
--------
>>> from geo.reports.dedup import link_near_duplicates
>>> link_near_duplicates(session=session, report_ids=[])
{}
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    any_,
    column,
    func,
    literal,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from geo.reports.config import ReportSettings
from geo.reports.decisions import SYSTEM_ACTOR, LinkEvent, any_refused, record_events, refused_pairs
from geo.reports.models import Report, ReportEvidence

__all__ = [
    "find_by_external_id",
    "find_by_evidence",
    "link_near_duplicates",
    "match_new_reports",
    "NEAR_RULE",
]

#: ``duplicate_rule`` written on near duplicates (links made by hand use another value and
#: are never rewritten here).
NEAR_RULE = "near"

#: Distance and time window when the caller passes none: the documented defaults of
#: ``Settings.reports`` (callers with a settings tree pass ``settings.reports``).
DEFAULT_LIMITS = ReportSettings()

# The search statements below stay raw SQL (text()): their shape was tuned against
# benchmarks/reports.py and the intake benchmark (LATERAL ... LIMIT 1 probes of the geography
# index, ix_reports_seen read backwards, a temporary table analysed on three columns, counts
# instead of EXISTS); they are composed only from this module's constant fragments (``_WHEN``
# takes a table alias written here), and every value is a bound parameter.
_WHEN = "coalesce({t}.observed_at, {t}.received_at)"

_SCOPE_SQL = text(
    f"""
    SELECT DISTINCT o.id
    FROM reports n
    JOIN reports o
      ON o.id <> n.id
     AND o.geom IS NOT NULL
     AND {_WHEN.format(t="o")} >= {_WHEN.format(t="n")}
     AND {_WHEN.format(t="o")} <= {_WHEN.format(t="n")} + make_interval(secs => :window_s)
     AND ST_DWithin(o.geom::geography, n.geom::geography, :distance_m)
    WHERE n.id = ANY(:ids) AND n.geom IS NOT NULL
    """
)

# Whether any other report was seen as late as the earliest of these: the latest other
# report comes from a backward scan of ix_reports_seen (the newest report, the usual intake,
# has none; an EXISTS over the condition scanned the whole table to find that out).
_ANY_LATER_SQL = text(
    f"""
    SELECT coalesce((
        SELECT {_WHEN.format(t="o")} FROM reports o
        WHERE o.geom IS NOT NULL AND NOT (o.id = ANY(:ids))
        ORDER BY {_WHEN.format(t="o")} DESC LIMIT 1
    ) >= (SELECT min({_WHEN.format(t="n")}) FROM reports n WHERE n.id = ANY(:ids)), false)
    """
)

# Pairs an operator marked ``not_duplicate``: no candidate in the group of a report the one
# looking (``{s}``) was unlinked from (``e``: the candidate; a group is named by its root,
# ``coalesce(duplicate_root_id, id)``). Added to the statements only when some pair is marked,
# so that intake pays nothing otherwise.
_REFUSED = """
    AND NOT EXISTS (
        SELECT 1 FROM report_link_decisions d
        JOIN reports p ON p.id = CASE WHEN d.low_id = {s}.id THEN d.high_id ELSE d.low_id END
        WHERE d.decision = 'not_duplicate' AND (d.low_id = {s}.id OR d.high_id = {s}.id)
          AND coalesce(p.duplicate_root_id, p.id) = coalesce(e.duplicate_root_id, e.id))
"""

_CANDIDATES = f"""
    SELECT r.id, c.id AS candidate, c.duplicate_of_id AS candidate_root
    FROM reports r
    JOIN LATERAL (
        SELECT e.id, e.duplicate_of_id
        FROM reports e
        WHERE e.id <> r.id
          AND e.geom IS NOT NULL
          AND ({_WHEN.format(t="e")}, e.id) < ({_WHEN.format(t="r")}, r.id)
          AND {_WHEN.format(t="e")} >= {_WHEN.format(t="r")} - make_interval(secs => :window_s)
          AND ST_DWithin(e.geom::geography, r.geom::geography, :distance_m)
          AND (r.reporter_hash IS NULL OR e.reporter_hash IS NULL
               OR e.reporter_hash = r.reporter_hash)
          {{refused}}
        ORDER BY {_WHEN.format(t="e")}, e.id
        LIMIT 1
    ) c ON true
    WHERE r.id = ANY(:ids)
    ORDER BY {_WHEN.format(t="r")}, r.id
    """
#: Earliest candidate of each report, without and with the operators' refusals.
_CANDIDATES_SQL = text(_CANDIDATES.format(refused=""))
_CANDIDATES_REFUSING_SQL = text(_CANDIDATES.format(refused=_REFUSED.format(s="r")))


#: Above this many reports, :func:`link_near_duplicates` finds candidates set-based, from a
#: temporary table of the reports, instead of one spatial-index probe per report.
BULK_THRESHOLD = 200

_BULK_SUBJECTS = f"""
CREATE TEMP TABLE near_subjects ON COMMIT DROP AS
SELECT r.id, r.reporter_hash AS h, r.geom, {_WHEN.format(t="r")} AS t
FROM unnest(CAST(:ids AS integer[])) AS u(id) JOIN reports r USING (id)
"""

#: Statistics for the planner on what the joins and filters use; the geometry column's
#: statistics are left out (they took a third of linking 10^4 reports).
_ANALYZE_SUBJECTS = "ANALYZE near_subjects (id, h, t)"

#: _ANY_LATER_SQL over the temporary table: whether any report outside the subjects was seen as
#: late as the earliest of them. Counted, not asked with EXISTS ... NOT EXISTS: with no
#: statistics on a freshly loaded ``reports`` the planner chose a fast-start nested loop for
#: that anti-join and scanned the subjects once per report (5 minutes at 10^5 reports). Every
#: located subject is itself such a report, so there is another exactly when the range count
#: on ix_reports_seen exceeds theirs.
# The earliest subject time is an uncorrelated subquery, run once (an InitPlan). As a CTE
# joined to ``reports`` it was inlined, and on a freshly loaded table the planner, which then
# thinks ``reports`` tiny, put the aggregate inside a nested loop: once per report, minutes at
# 10^5 (benchmarks/reports.py, 2026-12-01).
_BULK_ANY_LATER = f"""
SELECT (
    SELECT count(*) FROM reports o
    WHERE o.geom IS NOT NULL
      AND {_WHEN.format(t="o")} >= (SELECT min(t) FROM near_subjects)
) > (SELECT count(*) FROM near_subjects WHERE geom IS NOT NULL)
"""

#: _SCOPE_SQL over the temporary table: later reports near the new ones join the subjects.
_BULK_ADD_LATER = f"""
INSERT INTO near_subjects (id, h, geom, t)
SELECT o.id, o.reporter_hash, o.geom, {_WHEN.format(t="o")}
FROM reports o
WHERE o.id IN (
    SELECT o2.id
    FROM near_subjects n
    JOIN reports o2
      ON o2.id <> n.id
     AND o2.geom IS NOT NULL
     AND {_WHEN.format(t="o2")} >= n.t
     AND {_WHEN.format(t="o2")} <= n.t + make_interval(secs => :window_s)
     AND ST_DWithin(o2.geom::geography, n.geom::geography, :distance_m)
    WHERE n.geom IS NOT NULL
)
AND NOT EXISTS (SELECT 1 FROM near_subjects s WHERE s.id = o.id)
"""

# Every branch keeps the argument order of ST_DWithin (candidate first) and the time conditions
# of _CANDIDATES_SQL, so that the set-based answer is the per-report one.
_PAIR = f"""
    e.id <> s.id AND e.geom IS NOT NULL
    AND ({_WHEN.format(t="e")}, e.id) < (s.t, s.id)
    AND {_WHEN.format(t="e")} >= s.t - make_interval(secs => :window_s)
    {{refused}}
"""

#: Same reporter: an equi-join on the keyed hash (one person files few reports), then distance.
_BULK_SAME_REPORTER = f"""
SELECT p.id, p.eid, p.et, p.root FROM (
    SELECT s.id, s.geom AS g, e.id AS eid, {_WHEN.format(t="e")} AS et,
           e.duplicate_of_id AS root, e.geom AS eg
    FROM near_subjects s JOIN reports e ON e.reporter_hash = s.h
    WHERE s.geom IS NOT NULL AND {_PAIR}
    OFFSET 0
) p
WHERE ST_DWithin(p.eg::geography, p.g::geography, :distance_m)
"""

#: Probe the geography index from each report (``{which}`` picks subjects and candidates).
_BULK_PROBE = f"""
SELECT s.id, c.eid, c.et, c.root FROM near_subjects s
JOIN LATERAL (
    SELECT e.id AS eid, {_WHEN.format(t="e")} AS et, e.duplicate_of_id AS root
    FROM reports e
    WHERE {{candidates}} AND {_PAIR}
      AND ST_DWithin(e.geom::geography, s.geom::geography, :distance_m)
    ORDER BY {_WHEN.format(t="e")}, e.id
    LIMIT 1
) c ON true
WHERE {{subjects}} AND s.geom IS NOT NULL
"""

#: Reports with a hash against earlier ones without: probed from the (fewer) reports without.
_BULK_FROM_UNKNOWN = f"""
SELECT s.id, e.id AS eid, {_WHEN.format(t="e")} AS et, e.duplicate_of_id AS root
FROM reports e
JOIN reports r
  ON r.reporter_hash IS NOT NULL
 -- the time conditions again on r's own columns, so that they filter before the distance
 AND {_WHEN.format(t="r")} >= {_WHEN.format(t="e")}
 AND {_WHEN.format(t="r")} <= {_WHEN.format(t="e")} + make_interval(secs => :window_s)
 AND ST_DWithin(e.geom::geography, r.geom::geography, :distance_m)
JOIN near_subjects s ON s.id = r.id
WHERE e.reporter_hash IS NULL AND e.geom IS NOT NULL AND s.h IS NOT NULL
  AND {_WHEN.format(t="e")} BETWEEN :t_min - make_interval(secs => :window_s) AND :t_max
  AND {_PAIR}
"""


def _bulk_candidates(
    session: Session, params: dict[str, Any], *, refuse: bool
) -> dict[int, tuple[int, int | None]]:
    """Earliest candidate of each report of ``near_subjects``, found set-based."""
    stats = session.execute(
        text(
            "SELECT count(*) FILTER (WHERE h IS NULL) AS unknown, "
            "count(*) FILTER (WHERE h IS NOT NULL) AS known, min(t) AS t_min, max(t) AS t_max "
            "FROM near_subjects WHERE geom IS NOT NULL"
        )
    ).one()
    refused = _REFUSED.format(s="s") if refuse else ""
    branches = [_BULK_SAME_REPORTER.format(refused=refused)]
    if stats.unknown:
        branches.append(
            _BULK_PROBE.format(candidates="true", subjects="s.h IS NULL", refused=refused)
        )
    if stats.known:
        # Earlier reports without a reporter hash in the time span: probe from the fewer side.
        unknown_near = int(
            session.execute(
                text(
                    f"SELECT count(*) FROM reports e WHERE e.reporter_hash IS NULL "
                    f"AND e.geom IS NOT NULL AND {_WHEN.format(t='e')} "
                    "BETWEEN :t_min - make_interval(secs => :window_s) AND :t_max"
                ),
                {**params, "t_min": stats.t_min, "t_max": stats.t_max},
            ).scalar()
            or 0
        )
        if unknown_near and unknown_near < stats.known:
            branches.append(_BULK_FROM_UNKNOWN.format(refused=refused))
        elif unknown_near:
            branches.append(
                _BULK_PROBE.format(
                    candidates="e.reporter_hash IS NULL",
                    subjects="s.h IS NOT NULL",
                    refused=refused,
                )
            )
    sql = (
        "SELECT DISTINCT ON (id) id, eid AS candidate, root AS candidate_root FROM ("
        + " UNION ALL ".join(f"({b})" for b in branches)
        + ") pairs ORDER BY id, et, eid"
    )
    rows = session.execute(text(sql), {**params, "t_min": stats.t_min, "t_max": stats.t_max})
    return {row.id: (row.candidate, row.candidate_root) for row in rows}


def find_by_external_id(*, session: Session, channel: str, external_id: str) -> Report | None:
    """Return the report already stored for this channel and external id, if any.

    Examples
    --------
    >>> find_by_external_id(session=session, channel="lapor", external_id="X1") is None
    True
    """
    return session.scalar(
        select(Report).where(Report.channel == channel, Report.external_id == external_id)
    )


def find_by_evidence(*, session: Session, sha256s: Iterable[str]) -> Report | None:
    """Return the earliest report that already carries one of these evidence files.

    Examples
    --------
    >>> find_by_evidence(session=session, sha256s=["ab" * 32]) is None
    True
    """
    hashes = list(sha256s)
    if not hashes:
        return None
    return session.scalar(
        select(Report)
        .join(ReportEvidence, ReportEvidence.report_id == Report.id)
        .where(ReportEvidence.sha256.in_(hashes))
        .order_by(Report.received_at, Report.id)
        .limit(1)
    )


def link_near_duplicates(
    *,
    session: Session,
    report_ids: Sequence[int],
    report_settings: ReportSettings | None = None,
) -> dict[int, int | None]:
    """Link each report (and later reports it now precedes) to the earliest of its group.

    Idempotent: running it again over the same reports changes nothing. Reports linked by hand
    (``duplicate_rule`` other than ``near``) are left alone, and no report is linked to one an
    operator marked ``not_duplicate`` with it, nor into that one's group.

    Parameters
    ----------
    session
        Open session; the caller commits.
    report_ids
        Reports just stored or edited.
    report_settings
        Distance and time window (``Settings.reports``); :data:`DEFAULT_LIMITS` when omitted.

    Returns
    -------
    dict
        Report id to its new ``duplicate_of_id`` (``None`` when a link was removed), only for
        reports whose link changed.

    Examples
    --------
    >>> link_near_duplicates(session=session, report_ids=[])
    {}
    """
    if not report_ids:
        return {}
    limits = report_settings or DEFAULT_LIMITS
    params = {
        "ids": list(report_ids),
        "distance_m": limits.near_duplicate_distance_m,
        "window_s": limits.near_duplicate_hours * 3600.0,
    }
    # A report that arrives late may be earlier than reports already stored near it; when no
    # other report is as recent as the earliest of these, there is nothing to look for.
    refuse = any_refused(session=session)
    if len(report_ids) > BULK_THRESHOLD:
        found, rows = _find_bulk(session, params, refuse=refuse)
    else:
        found, rows = _find_few(session, params, refuse=refuse)
    refused = _Refusals.load(session, [r.id for r in rows]) if refuse else _Refusals()
    changed = _resolve(rows, found, refused)
    _write_links(session, changed)
    return changed


_Found = dict[int, tuple[int, int | None]]
_SUBJECTS = table("near_subjects", column("id", Integer))


def _link_rows(where: ColumnElement[bool], *, subjects: bool = False) -> Select[Any]:
    """Return the links of the reports ``where`` selects, earliest seen first."""
    r = Report.__table__
    seen = func.coalesce(r.c.observed_at, r.c.received_at)
    source = r.join(_SUBJECTS, _SUBJECTS.c.id == r.c.id) if subjects else r
    return (
        select(r.c.id, r.c.duplicate_of_id, r.c.duplicate_rule)
        .select_from(source)
        .where(where)
        .order_by(seen, r.c.id)
    )


def _find_bulk(
    session: Session, params: dict[str, Any], *, refuse: bool
) -> tuple[_Found, Sequence[Any]]:
    """Candidates and current links of many reports, set-based over a temporary table."""
    session.execute(text("DROP TABLE IF EXISTS near_subjects"))
    session.execute(text(_BULK_SUBJECTS), params)
    session.execute(text(_ANALYZE_SUBJECTS))
    if session.execute(text(_BULK_ANY_LATER)).scalar():
        session.execute(text(_BULK_ADD_LATER), params)
        session.execute(text(_ANALYZE_SUBJECTS))
    found = _bulk_candidates(session, params, refuse=refuse)
    # Only reports with a candidate, or with a link to undo, can change.
    r = Report.__table__.c
    relevant = or_(r.duplicate_of_id.is_not(None), r.id == _among(found))
    return found, session.execute(_link_rows(relevant, subjects=True)).all()


def _find_few(
    session: Session, params: dict[str, Any], *, refuse: bool
) -> tuple[_Found, Sequence[Any]]:
    """Candidates and current links of a few reports, one index probe per report."""
    later: Sequence[int] = []
    if session.execute(_ANY_LATER_SQL, params).scalar():
        later = session.execute(_SCOPE_SQL, params).scalars().all()
    params["ids"] = sorted(set(params["ids"]) | set(later))
    found = {
        row.id: (row.candidate, row.candidate_root)
        for row in session.execute(_CANDIDATES_REFUSING_SQL if refuse else _CANDIDATES_SQL, params)
    }
    r = Report.__table__.c
    return found, session.execute(_link_rows(r.id == _among(params["ids"]))).all()


class _Refusals:
    """Reports an operator unlinked from each report, and the group each of those is in."""

    def __init__(self) -> None:
        self.partners: dict[int, set[int]] = {}
        self.stored_root: dict[int, int] = {}

    @classmethod
    def load(cls, session: Session, ids: list[int]) -> _Refusals:
        refusals = cls()
        for lo, hi in refused_pairs(session=session, report_ids=ids):
            refusals.partners.setdefault(lo, set()).add(hi)
            refusals.partners.setdefault(hi, set()).add(lo)
        others = set().union(*refusals.partners.values()) if refusals.partners else set()
        if others:
            t = Report.__table__.c
            rows = session.execute(
                select(t.id, func.coalesce(t.duplicate_root_id, t.id)).where(t.id == _among(others))
            )
            refusals.stored_root = {row[0]: row[1] for row in rows}
        return refusals

    def allows(self, report_id: int, target: int, resolved: dict[int, int | None]) -> bool:
        """Whether linking ``report_id`` to ``target`` keeps it out of every refused group."""
        for other in self.partners.get(report_id, ()):
            root = (resolved[other] or other) if other in resolved else None
            if root is None:
                root = self.stored_root.get(other, other)
            if target in (other, root):
                return False
        return True


def _resolve(rows: Sequence[Any], found: _Found, refused: _Refusals) -> dict[int, int | None]:
    """Each report's new link (earliest first), for the reports whose link changes.

    A link that would put a report into the group of one an operator unlinked it from (that
    one linked in this same run) is not made.
    """
    current: dict[int, int | None] = {
        row.id: row.duplicate_of_id
        for row in rows
        if row.duplicate_rule is None or row.duplicate_rule == NEAR_RULE
    }
    resolved: dict[int, int | None] = {}
    for row in rows:
        report_id = row.id
        if report_id not in current:
            continue  # linked by hand
        target: int | None = None
        if report_id in found:
            candidate, candidate_root = found[report_id]
            if candidate in resolved:
                target = resolved[candidate] or candidate
            else:
                target = candidate_root or candidate
            if not refused.allows(report_id, target, resolved):
                target = None
        resolved[report_id] = target
    return {rid: tgt for rid, tgt in resolved.items() if current[rid] != tgt}


def _write_links(session: Session, changed: dict[int, int | None]) -> None:
    """Store new links; whatever pointed at a newly linked report moves to its root.

    The moves are worked out in order (earliest report first), then written in one statement
    together with the root of every chain they touch (``duplicate_root_id``), so that no query
    has to walk a chain to find it.
    """
    if not changed:
        return
    chains = _Chains.load(session, list(changed))
    before = dict(chains.parent)
    pointer = chains.parent
    pointing: dict[int, set[int]] = {}
    for rid, target in pointer.items():
        if target is not None:
            pointing.setdefault(target, set()).add(rid)
    rule: dict[int, str | None] = {}
    touched: set[int] = set()

    def point(rid: int, target: int | None) -> None:
        old = pointer.get(rid)
        if old is not None:
            pointing[old].discard(rid)
        pointer[rid] = target
        if target is not None:
            pointing.setdefault(target, set()).add(rid)
        touched.add(rid)

    for report_id, target in changed.items():
        point(report_id, target)
        rule[report_id] = None if target is None else NEAR_RULE
        if target is not None:
            for other in sorted(pointing.get(report_id, set()) - {target}):
                point(other, target)
    roots = chains.roots(session)
    ids = sorted(touched | {i for i, r in roots.items() if r != chains.stored_root.get(i)})
    # Raw SQL: an UPDATE ... FROM unnest(arrays) writes every link in one statement.
    session.execute(
        text(
            "UPDATE reports r SET duplicate_of_id = v.target, duplicate_root_id = v.root, "
            "duplicate_rule = CASE WHEN v.set_rule THEN v.rule ELSE r.duplicate_rule END, "
            "updated_at = CASE WHEN r.duplicate_of_id IS DISTINCT FROM v.target THEN now() "
            "ELSE r.updated_at END "
            "FROM unnest(CAST(:ids AS integer[]), CAST(:targets AS integer[]), "
            "CAST(:roots AS integer[]), CAST(:set_rule AS boolean[]), CAST(:rules AS text[])) "
            "AS v(id, target, root, set_rule, rule) "
            "WHERE r.id = v.id"
        ),
        {
            "ids": ids,
            "targets": [pointer[i] for i in ids],
            "roots": [roots[i] for i in ids],
            "set_rule": [i in rule for i in ids],
            "rules": [rule.get(i) for i in ids],
        },
    )
    events = [
        LinkEvent(
            report_id=i,
            event="unlinked" if pointer[i] is None else "linked" if i in changed else "moved",
            from_id=before.get(i),
            to_id=pointer[i],
        )
        for i in ids
        if before.get(i) != pointer[i]
    ]
    record_events(session=session, events=events, actor=SYSTEM_ACTOR, reason=None)


def _among(values: Iterable[int]) -> ColumnElement[Any]:
    """``= ANY(array)`` operand: one bound array, however many ids (IN would bind each)."""
    return any_(literal(sorted(values), ARRAY(Integer)))


#: Longest chain followed to its root (links made by linking have one step; cycles stop here).
_MAX_DEPTH = 64


class _Chains:
    """The duplicate chains that links of some reports can change, as stored before they do.

    ``parent`` holds ``duplicate_of_id`` of every report of those chains (the links are changed
    in it), ``stored_root`` their stored ``duplicate_root_id``; ``outside`` the stored root of
    reports a link points at beyond those chains.
    """

    def __init__(self) -> None:
        self.parent: dict[int, int | None] = {}
        self.stored_root: dict[int, int | None] = {}
        self.outside: dict[int, int] = {}

    def _add(self, rows: Iterable[Any]) -> None:
        for row in rows:
            self.parent[row.id] = row.duplicate_of_id
            self.stored_root[row.id] = row.duplicate_root_id

    @classmethod
    def load(cls, session: Session, ids: list[int]) -> _Chains:
        """Read the given reports, what points at them, and every chain they belong to."""
        chains = cls()
        t = Report.__table__.c
        columns = (t.id, t.duplicate_of_id, t.duplicate_root_id)
        chains._add(
            session.execute(
                select(*columns).where(
                    or_(
                        t.id == _among(ids),
                        t.duplicate_of_id == _among(ids),
                        t.duplicate_root_id == _among(ids),
                    )
                )
            )
        )
        # Reports that were duplicates: the rest of their chain may hang below them.
        above = {r for i in ids if (r := chains.stored_root.get(i)) is not None}
        above -= set(ids)
        if above:
            chains._add(
                session.execute(
                    select(*columns).where(
                        or_(t.id == _among(above), t.duplicate_root_id == _among(above))
                    )
                )
            )
        return chains

    def roots(self, session: Session) -> dict[int, int | None]:
        """Root of every report of the chains, after the links changed in ``parent``."""
        beyond = {p for p in self.parent.values() if p is not None and p not in self.parent}
        if beyond:
            t = Report.__table__.c
            for row in session.execute(
                select(t.id, t.duplicate_of_id, t.duplicate_root_id).where(t.id == _among(beyond))
            ):
                self.outside[row.id] = (
                    row.id if row.duplicate_of_id is None else row.duplicate_root_id
                )
        return {rid: self._root(rid) for rid in self.parent}

    def _root(self, rid: int) -> int | None:
        current = rid
        for _ in range(_MAX_DEPTH + 1):
            if current not in self.parent:
                return self.outside.get(current)
            parent = self.parent[current]
            if parent is None:
                return None if current == rid else current
            current = parent
        return None  # a cycle: no root


def match_new_reports(*, session: Session, report_ids: Sequence[int]) -> bool:
    """Match new reports to known sites with :mod:`geo.matching`, when that module is installed.

    Intake flows on to matching (validate, deduplicate, match), so that every new report is
    matched whichever path brought it in. Returns whether matching ran.

    Examples
    --------
    >>> match_new_reports(session=session, report_ids=[])
    False
    """
    if not report_ids:
        return False
    try:
        from geo.matching import match_reports
    except ModuleNotFoundError as exc:  # the registry-only deployment has no matching
        if exc.name is not None and "geo.matching".startswith(exc.name):
            return False
        raise
    match_reports(session=session, report_ids=list(report_ids))
    return True
