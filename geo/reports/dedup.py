"""Duplicate reports: exact ones are never stored twice, near ones are linked to the earliest.

- **Exact**: the same channel and external id, or an evidence file (by SHA-256) already
  attached to a report. The intake returns the first report instead of creating a second one.
- **Near**: a report by the same reporter (same keyed phone hash), or where either side has no
  reporter hash (the agency cannot tell them apart), within ``near_duplicate_distance_m`` on the
  ellipsoid and ``near_duplicate_hours`` of the earlier one. It is stored, linked through
  ``duplicate_of_id`` to the earliest report of its group (never to another duplicate), and
  left out of corroboration counts: a site's independent reports are those with
  ``duplicate_of_id IS NULL``; its distinct reporters are the distinct non-null hashes.

The time of a report is its observation time, or its reception time when unknown.

Examples
--------
>>> from geo.reports.dedup import link_near_duplicates
>>> link_near_duplicates(session=session, report_ids=[42])  # doctest: +SKIP
{}
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geo.reports.config import ReportSettings, get_report_settings
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

_ANY_LATER_SQL = text(
    f"""
    SELECT EXISTS (
        SELECT 1 FROM reports o
        WHERE NOT (o.id = ANY(:ids)) AND o.geom IS NOT NULL
          AND {_WHEN.format(t="o")} >= (
              SELECT min({_WHEN.format(t="n")}) FROM reports n WHERE n.id = ANY(:ids))
    )
    """
)

_CANDIDATES_SQL = text(
    f"""
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
        ORDER BY {_WHEN.format(t="e")}, e.id
        LIMIT 1
    ) c ON true
    WHERE r.id = ANY(:ids)
    ORDER BY {_WHEN.format(t="r")}, r.id
    """
)


def find_by_external_id(*, session: Session, channel: str, external_id: str) -> Report | None:
    """Return the report already stored for this channel and external id, if any.

    Examples
    --------
    >>> find_by_external_id(session=session, channel="lapor", external_id="X1")  # doctest: +SKIP
    """
    return session.scalar(
        select(Report).where(Report.channel == channel, Report.external_id == external_id)
    )


def find_by_evidence(*, session: Session, sha256s: Iterable[str]) -> Report | None:
    """Return the earliest report that already carries one of these evidence files.

    Examples
    --------
    >>> find_by_evidence(session=session, sha256s=["ab" * 32])  # doctest: +SKIP
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
    (``duplicate_rule`` other than ``near``) are left alone.

    Parameters
    ----------
    session
        Open session; the caller commits.
    report_ids
        Reports just stored or edited.
    report_settings
        Distance and time window.

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
    limits = report_settings or get_report_settings()
    params = {
        "ids": list(report_ids),
        "distance_m": limits.near_duplicate_distance_m,
        "window_s": limits.near_duplicate_hours * 3600.0,
    }
    # A report that arrives late may be earlier than reports already stored near it; when no
    # other report is as recent as the earliest of these, there is nothing to look for.
    later: Sequence[int] = []
    if session.execute(_ANY_LATER_SQL, params).scalar():
        later = session.execute(_SCOPE_SQL, params).scalars().all()
    scope = sorted(set(report_ids) | set(later))
    params["ids"] = scope
    current: dict[int, int | None] = {
        row.id: row.duplicate_of_id
        for row in session.execute(
            text(
                "SELECT id, duplicate_of_id FROM reports WHERE id = ANY(:ids) "
                "AND (duplicate_rule IS NULL OR duplicate_rule = :rule)"
            ),
            {"ids": scope, "rule": NEAR_RULE},
        )
    }
    found = {
        row.id: (row.candidate, row.candidate_root)
        for row in session.execute(_CANDIDATES_SQL, params)
    }
    ordered = [
        row[0]
        for row in session.execute(
            text(
                f"SELECT id FROM reports r WHERE id = ANY(:ids) ORDER BY {_WHEN.format(t='r')}, id"
            ),
            {"ids": scope},
        )
    ]
    resolved: dict[int, int | None] = {}
    for report_id in ordered:
        if report_id not in current:
            continue  # linked by hand
        target: int | None = None
        if report_id in found:
            candidate, candidate_root = found[report_id]
            if candidate in resolved:
                target = resolved[candidate] or candidate
            else:
                target = candidate_root or candidate
        resolved[report_id] = target
    changed = {rid: tgt for rid, tgt in resolved.items() if current[rid] != tgt}
    for report_id, target in changed.items():
        session.execute(
            text(
                "UPDATE reports SET duplicate_of_id = :target, "
                "duplicate_rule = CASE WHEN CAST(:target AS integer) IS NULL "
                "THEN NULL ELSE :rule END, updated_at = now() WHERE id = :id"
            ),
            {"target": target, "rule": NEAR_RULE, "id": report_id},
        )
        if target is not None:
            # Whatever pointed at this report now points at the root of its group.
            session.execute(
                text(
                    "UPDATE reports SET duplicate_of_id = :target, updated_at = now() "
                    "WHERE duplicate_of_id = :id AND id <> :target"
                ),
                {"target": target, "id": report_id},
            )
    return changed


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
