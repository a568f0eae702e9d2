"""Clustering unmatched reports into candidate hotspots, keeping each hotspot's identity.

See :mod:`geo.hotspots` for the method; this module holds the settings, the DBSCAN run and the
matching of new clusters to stored hotspots.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.errors import ValidationError
from geo.matching import match_reports
from geo.settings import HotspotSettings, get_settings

__all__ = ["HOTSPOT_STATUSES", "COLUMNS", "HotspotSettings", "ClusterSummary", "cluster_reports"]

HOTSPOT_STATUSES: tuple[str, ...] = ("candidate", "lapsed", "dismissed", "promoted")

#: Columns of :func:`load`'s GeoDataFrame besides ``geometry`` (the hull, EPSG:4326).
COLUMNS: tuple[str, ...] = (
    "id",
    "code",
    "status",
    "report_count",
    "reporter_count",
    "duplicate_count",
    "channels",
    "first_seen",
    "last_seen",
    "new_since_review",
    "centroid_lon",
    "centroid_lat",
    "eps_m",
    "min_reports",
    "window_days",
    "review_reason",
    "reviewed_by",
    "reviewed_at",
    "promoted_site_code",
    "notes",
)


@dataclass(frozen=True)
class ClusterSummary:
    """What one clustering run did: clusters found and how they map onto stored hotspots."""

    clusters: int
    clustered_reports: int
    noise_reports: int
    created: list[str]
    kept: list[str]
    revived: list[str]
    lapsed: list[str]


def _settings_or(value: float | int | None, default: float | int) -> float | int:
    return default if value is None else value


def _check(eps_m: float, min_reports: int, window_days: int | None) -> None:
    if not eps_m > 0 or eps_m > 20_000:
        raise ValidationError(
            f"eps_m must be a distance in metres between 0 and 20000, got {eps_m!r}",
            field="eps_m",
        )
    if int(min_reports) != min_reports or min_reports < 1:
        raise ValidationError(
            f"min_reports must be a whole number of reports >= 1, got {min_reports!r}",
            field="min_reports",
        )
    if window_days is not None and (int(window_days) != window_days or window_days < 1):
        raise ValidationError(
            f"window_days must be a whole number of days >= 1 or None, got {window_days!r}",
            field="window_days",
        )


# Reports that may form hotspots; ``rm`` is the report's row of report_matches (joined).
_ELIGIBLE = """
    r.geom IS NOT NULL AND r.duplicate_of_id IS NULL AND r.status <> 'rejected'
    AND rm.rule = 'none_within_radius'
    AND coalesce(r.observed_at, r.received_at) <= :as_of
    AND (CAST(:since AS timestamptz) IS NULL
         OR coalesce(r.observed_at, r.received_at) >= CAST(:since AS timestamptz))
"""


def _assign(
    members: dict[int, list[int]], old_of: dict[int, int | None], reusable: set[int]
) -> dict[int, int]:
    """Map cluster ids to stored hotspot ids by shared reports, largest overlap first."""
    overlap: dict[tuple[int, int], int] = defaultdict(int)
    for cid, report_ids in members.items():
        for rid in report_ids:
            old = old_of.get(rid)
            if old is not None and old in reusable:
                overlap[(cid, old)] += 1
    assigned: dict[int, int] = {}
    used: set[int] = set()
    for (cid, hid), _n in sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0])):
        if cid not in assigned and hid not in used:
            assigned[cid] = hid
            used.add(hid)
    return assigned


def cluster_reports(
    *,
    session: Session,
    eps_m: float | None = None,
    min_reports: int | None = None,
    window_days: int | None = None,
    as_of: dt.datetime | None = None,
    settings: HotspotSettings | None = None,
) -> ClusterSummary:
    """Cluster the unmatched reports with DBSCAN and update the stored hotspots.

    Reports never examined by matching are matched first (with the current radius), so that
    only reports that truly match no site are clustered.

    Parameters
    ----------
    session
        An open session; the caller commits.
    eps_m, min_reports
        DBSCAN parameters: neighbourhood radius in metres and minimum number of reports
        (the point itself included). Defaults from :class:`HotspotSettings`.
    window_days
        Only reports observed in the ``window_days`` before ``as_of`` count.
    as_of
        The moment of the run (default: now); later reports are ignored.

    Returns
    -------
    ClusterSummary
        Codes of the hotspots created, kept, revived and lapsed.

    Raises
    ------
    ValidationError
        When a parameter is out of range; the field is named.

    Examples
    --------
    >>> s = cluster_reports(session=session, eps_m=300, min_reports=3)
    >>> s.created, s.kept[:2]  # the demo's hotspots were made by an earlier run
    ([], ['HS-0001', 'HS-0002'])
    """
    cfg = settings or get_settings().hotspots
    eps = float(_settings_or(eps_m, cfg.eps_m))
    minpts = int(_settings_or(min_reports, cfg.min_reports))
    window = window_days if window_days is not None else cfg.window_days
    _check(eps, minpts, window)
    now = as_of or dt.datetime.now(dt.UTC)
    since = None if window is None else now - dt.timedelta(days=window)

    pending = session.execute(
        text(
            "SELECT r.id FROM reports r LEFT JOIN report_matches m ON m.report_id = r.id"
            " WHERE r.geom IS NOT NULL AND m.report_id IS NULL"
        )
    ).scalars().all()
    if pending:
        match_reports(session=session, report_ids=[int(i) for i in pending])

    bind = {"as_of": now, "since": since, "eps": eps, "minpts": minpts, "srid": cfg.srid}
    rows = session.execute(
        text(
            f"""
            SELECT r.id, r.hotspot_id,
                   ST_ClusterDBSCAN(ST_Transform(r.geom, :srid), eps := :eps,
                                    minpoints := :minpts) OVER () AS cid
              FROM reports r JOIN report_matches rm ON rm.report_id = r.id
             WHERE {_ELIGIBLE}
            """
        ),
        bind,
    ).all()
    members: dict[int, list[int]] = defaultdict(list)
    old_of: dict[int, int | None] = {}
    for rid, old, cid in rows:
        old_of[int(rid)] = old
        if cid is not None:
            members[int(cid)].append(int(rid))

    status_of = {
        int(h): str(st) for h, st in session.execute(text("SELECT id, status FROM hotspots"))
    }
    reusable = {h for h, s in status_of.items() if s != "promoted"}
    assigned = _assign(members, old_of, reusable)

    created: list[int] = []
    for cid in sorted(members, key=lambda c: min(members[c])):
        if cid in assigned:
            continue
        # Placeholder geometry and counts; the statistics statement below fills them in.
        hid = session.execute(
            text(
                """
                INSERT INTO hotspots (centroid, hull, report_count, reporter_count, channels,
                                      first_seen, last_seen, eps_m, min_reports, window_days)
                VALUES (ST_SetSRID(ST_MakePoint(0, 0), 4326), ST_SetSRID(ST_MakePoint(0, 0), 4326),
                        0, 0, '{}', :as_of, :as_of, :eps, :minpts, :window)
                RETURNING id
                """
            ),
            {**bind, "window": window},
        ).scalar_one()
        assigned[cid] = int(hid)
        created.append(int(hid))

    member_ids = [rid for c in members for rid in members[c]]
    member_hs = [assigned[c] for c in members for _ in members[c]]
    # Eligible reports take their cluster's hotspot (or none); reports that left the eligible
    # set by being matched, rejected or made duplicates leave their hotspot unless it was
    # promoted (then the link records where the new site came from). Reports outside the time
    # window keep their link, so a hotspot can be recognised again when its area reawakens.
    session.execute(
        text(
            f"""
            WITH m AS (
                SELECT * FROM unnest(CAST(:ids AS int[]), CAST(:hs AS int[])) AS m(id, hid)
            )
            UPDATE reports r SET hotspot_id = m.hid
              FROM reports r2
              LEFT JOIN report_matches rm ON rm.report_id = r2.id
              LEFT JOIN m ON m.id = r2.id
             WHERE r.id = r2.id
               AND (m.id IS NOT NULL OR ({_ELIGIBLE.replace('r.', 'r2.')})
                    OR (r2.hotspot_id IS NOT NULL AND r2.duplicate_of_id IS NULL
                        AND (r2.status = 'rejected' OR rm.site_id IS NOT NULL)
                        AND r2.hotspot_id NOT IN (SELECT id FROM hotspots
                                                   WHERE status = 'promoted')))
               AND r.hotspot_id IS DISTINCT FROM m.hid
            """
        ),
        {**bind, "ids": member_ids, "hs": member_hs},
    )
    _follow_originals(session)

    touched = sorted(set(assigned.values()))
    lapsed = sorted(h for h, s in status_of.items() if s == "candidate" and h not in touched)
    revived = sorted(h for h in touched if status_of.get(h) == "lapsed")
    kept = sorted(h for h in touched if h in status_of and h not in revived)
    _refresh_stats(session, touched, eps=eps, minpts=minpts, window=window)
    if lapsed:
        session.execute(
            text("UPDATE hotspots SET status = 'lapsed', updated_at = now() WHERE id = ANY(:l)"),
            {"l": lapsed},
        )
    if revived:
        session.execute(
            text("UPDATE hotspots SET status = 'candidate' WHERE id = ANY(:r)"), {"r": revived}
        )
    session.flush()
    codes = {int(h): str(c) for h, c in session.execute(text("SELECT id, code FROM hotspots"))}
    return ClusterSummary(
        clusters=len(members),
        clustered_reports=len(member_ids),
        noise_reports=len(rows) - len(member_ids),
        created=[codes[h] for h in created],
        kept=[codes[h] for h in kept],
        revived=[codes[h] for h in revived],
        lapsed=[codes[h] for h in lapsed],
    )


def _follow_originals(session: Session) -> None:
    """Give each duplicate its original's hotspot (the root of its duplicate chain)."""
    session.execute(
        text(
            """
            WITH RECURSIVE up AS (
                SELECT d.id AS start, d.id AS cur, d.duplicate_of_id AS parent, 0 AS depth
                  FROM reports d WHERE d.duplicate_of_id IS NOT NULL
                UNION ALL
                SELECT up.start, p.id, p.duplicate_of_id, up.depth + 1
                  FROM up JOIN reports p ON p.id = up.parent WHERE up.depth < 64
            ), root AS (SELECT start AS id, cur AS root_id FROM up WHERE parent IS NULL)
            UPDATE reports d SET hotspot_id = o.hotspot_id
              FROM root JOIN reports o ON o.id = root.root_id
             WHERE d.id = root.id AND d.hotspot_id IS DISTINCT FROM o.hotspot_id
            """
        )
    )


def _refresh_stats(
    session: Session, hotspot_ids: list[int], *, eps: float, minpts: int, window: int | None
) -> None:
    """Recompute centroid, hull and corroboration counts of the given hotspots."""
    if not hotspot_ids:
        return
    session.execute(
        text(
            """
            WITH m AS (
                SELECT r.hotspot_id AS hid,
                       ST_Collect(r.geom) FILTER (WHERE r.duplicate_of_id IS NULL) AS pts,
                       count(*) FILTER (WHERE r.duplicate_of_id IS NULL) AS n,
                       count(DISTINCT coalesce(r.reporter_hash, 'report:' || r.id))
                           FILTER (WHERE r.duplicate_of_id IS NULL) AS reporters,
                       count(*) FILTER (WHERE r.duplicate_of_id IS NOT NULL) AS dups,
                       array_agg(DISTINCT r.channel::text)
                           FILTER (WHERE r.duplicate_of_id IS NULL) AS channels,
                       min(coalesce(r.observed_at, r.received_at)) AS first_seen,
                       max(coalesce(r.observed_at, r.received_at)) AS last_seen
                  FROM reports r
                 WHERE r.hotspot_id = ANY(:ids)
                 GROUP BY r.hotspot_id
            )
            UPDATE hotspots h
               SET centroid = ST_Centroid(m.pts), hull = ST_ConvexHull(m.pts),
                   report_count = m.n, reporter_count = m.reporters, duplicate_count = m.dups,
                   channels = m.channels, first_seen = m.first_seen, last_seen = m.last_seen,
                   eps_m = :eps, min_reports = :minpts, window_days = :window,
                   updated_at = now()
              FROM m
             WHERE h.id = m.hid
            """
        ),
        {"ids": hotspot_ids, "eps": eps, "minpts": minpts, "window": window},
    )


