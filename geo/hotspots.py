"""Candidate hotspots: clusters of reports that match no known site, with a stable identity.

Clustering runs in PostGIS with ``ST_ClusterDBSCAN`` on the reports projected to a metric
CRS, by default WGS 84 / UTM zone 50S (EPSG:32750). East Kalimantan spans about 114-119 E,
inside or next to zone 50 (114-120 E), where UTM's scale error stays below 0.1 %, i.e. under
half a metre at an ``eps`` of 300 m; the CRS is on WGS 84 like the stored points, so no datum
shift is involved. For data elsewhere, set ``PANTAU_HOTSPOT_SRID`` to the local UTM zone.

Reports that count are independent (not duplicates), not rejected, examined by matching and
matched to no site, and (optionally) observed within the last ``window_days``. Duplicates
follow their original into its hotspot.

Each run matches the new clusters to the stored hotspots by the reports they share (largest
overlap first, each hotspot used at most once), so a hotspot keeps its id and code, and the
analysts' notes and decisions with it, while it grows or shrinks. Hotspots that no longer
form a cluster become ``lapsed``; a ``dismissed`` hotspot stays dismissed when it reappears,
with its new report count shown against the count at the time of review.

Examples
--------
>>> from geo.hotspots import cluster_reports, load
>>> summary = cluster_reports(session=session, eps_m=300, min_reports=3)  # doctest: +SKIP
>>> load(engine=engine).head()  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import shapely
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from geo.db import Target, use_session
from geo.errors import Conflict, InvalidTransition, NotFound, ValidationError
from geo.matching import match_reports

__all__ = [
    "HOTSPOT_STATUSES",
    "COLUMNS",
    "HotspotSettings",
    "ClusterSummary",
    "cluster_reports",
    "promote",
    "dismiss",
    "get",
    "load",
]

#: Lifecycle of a hotspot; ``promoted`` and ``dismissed`` are analysts' decisions.
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


class HotspotSettings(BaseSettings):
    """Settings of hotspot clustering (``PANTAU_HOTSPOT_*``)."""

    model_config = SettingsConfigDict(
        env_prefix="PANTAU_HOTSPOT_", env_file=".env", extra="ignore"
    )

    #: DBSCAN neighbourhood radius in metres.
    eps_m: float = Field(default=300.0, gt=0, le=20_000)
    #: Reports needed within ``eps_m`` of a report to make it a core of a hotspot.
    min_reports: int = Field(default=3, ge=1, le=1000)
    #: Only reports observed in the last N days count (None: all reports).
    window_days: int | None = Field(default=None, ge=1)
    #: Metric CRS (EPSG code) the points are projected to for DBSCAN.
    srid: int = 32750
    #: Margin around the hull of a promoted hotspot to make the new site's polygon, metres.
    promote_buffer_m: float = Field(default=100.0, gt=0, le=5000)


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


_ELIGIBLE = """
    r.geom IS NOT NULL AND r.duplicate_of_id IS NULL AND r.status <> 'rejected'
    AND r.match_rule = 'none_within_radius'
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
    >>> s = cluster_reports(session=session, eps_m=300, min_reports=3)  # doctest: +SKIP
    >>> s.created, s.kept  # doctest: +SKIP
    (['HS-0009'], ['HS-0001', 'HS-0002'])
    """
    cfg = settings or HotspotSettings()
    eps = float(_settings_or(eps_m, cfg.eps_m))
    minpts = int(_settings_or(min_reports, cfg.min_reports))
    window = window_days if window_days is not None else cfg.window_days
    _check(eps, minpts, window)
    now = as_of or dt.datetime.now(dt.UTC)
    since = None if window is None else now - dt.timedelta(days=window)

    pending = session.execute(
        text("SELECT id FROM reports WHERE geom IS NOT NULL AND match_rule IS NULL")
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
              FROM reports r
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
              FROM reports r2 LEFT JOIN m ON m.id = r2.id
             WHERE r.id = r2.id
               AND (m.id IS NOT NULL OR ({_ELIGIBLE.replace('r.', 'r2.')})
                    OR (r2.hotspot_id IS NOT NULL AND r2.duplicate_of_id IS NULL
                        AND (r2.status = 'rejected' OR r2.matched_site_id IS NOT NULL)
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


def load(
    target: Target | None = None, *, engine: Engine | None = None, status: str | None = None
) -> gpd.GeoDataFrame:
    """Return the hotspots as a GeoDataFrame of hulls in EPSG:4326, ordered by code.

    ``target`` is an engine or an open session (so a trial clustering in a session that is
    never committed can be looked at); ``engine=`` is accepted too; the default engine
    otherwise.

    Columns are :data:`COLUMNS` plus ``geometry`` (the convex hull of the member reports: a
    polygon, or a point or line for fewer than three distinct points). ``new_since_review``
    is how many more independent reports a reviewed hotspot has than when it was reviewed.

    Examples
    --------
    >>> hotspots = geo.hotspots.load(engine=engine, status="candidate")  # doctest: +SKIP
    >>> hotspots[["code", "report_count", "reporter_count"]].head()  # doctest: +SKIP
    """
    if status is not None and status not in HOTSPOT_STATUSES:
        raise ValidationError(
            f"status was {status!r} but is expected to be one of {HOTSPOT_STATUSES}",
            field="status",
        )
    query = text(
        """
        SELECT h.id, h.code, h.status, h.report_count, h.reporter_count, h.duplicate_count,
               h.channels, h.first_seen, h.last_seen,
               CASE WHEN h.reports_at_review IS NULL THEN NULL
                    ELSE h.report_count - h.reports_at_review END AS new_since_review,
               ST_X(h.centroid) AS centroid_lon, ST_Y(h.centroid) AS centroid_lat,
               h.eps_m, h.min_reports, h.window_days, h.review_reason, h.reviewed_by,
               h.reviewed_at, s.code AS promoted_site_code, h.notes,
               ST_AsBinary(h.hull) AS hull
          FROM hotspots h LEFT JOIN sites s ON s.id = h.promoted_site_id
         WHERE CAST(:status AS text) IS NULL OR h.status = CAST(:status AS text)
         ORDER BY h.code
        """
    )
    with use_session(engine or target) as session:
        rows = session.execute(query, {"status": status}).mappings().all()
    data = [{c: row[c] for c in COLUMNS} for row in rows]
    geoms = [shapely.from_wkb(bytes(row["hull"])) for row in rows]
    return gpd.GeoDataFrame(data, columns=list(COLUMNS), geometry=geoms, crs=4326)


def get(*, session: Session, hotspot: int | str) -> dict[str, Any]:
    """Return one hotspot's stored row (by id or code such as ``HS-0003``) as a dict.

    Raises
    ------
    NotFound
        When there is no such hotspot.

    Examples
    --------
    >>> get(session=session, hotspot="HS-0001")["report_count"]  # doctest: +SKIP
    12
    """
    key = str(hotspot).strip().upper()
    where = "h.id = :id" if key.isdigit() else "h.code = :code"
    row = (
        session.execute(
            text(
                f"""
                SELECT h.id, h.code, h.status, h.report_count, h.reporter_count,
                       h.duplicate_count, h.channels, h.first_seen, h.last_seen,
                       h.reports_at_review, h.review_reason, h.reviewed_by, h.reviewed_at,
                       h.promoted_site_id, h.notes, ST_AsText(h.centroid) AS centroid_wkt
                  FROM hotspots h WHERE {where}
                """
            ),
            {"id": int(key) if key.isdigit() else None, "code": key},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no hotspot {hotspot!r} (expected an id or a code like HS-0001)",
                       field="hotspot")
    return dict(row)


def _reviewable(row: dict[str, Any], action: str) -> None:
    if row["status"] in ("promoted", "dismissed"):
        raise InvalidTransition(
            f"hotspot {row['code']} is already {row['status']}; only candidate or lapsed "
            f"hotspots can be {action}",
            field="hotspot",
        )


def promote(
    *,
    session: Session,
    hotspot: int | str,
    actor: str,
    code: str | None = None,
    name: str | None = None,
    kabupaten: str | None = None,
    commodity: str | None = None,
    settings: HotspotSettings | None = None,
) -> str:
    """Make a hotspot a new site in the registry; its reports are re-matched onto the site.

    The site's polygon is the hull of the hotspot's reports widened by
    ``PANTAU_HOTSPOT_PROMOTE_BUFFER_M``. The site is created through :func:`geo.sites.upsert`,
    so the audit trail records it with ``actor`` and the hotspot as source.

    Parameters
    ----------
    session
        An open session; the caller commits.
    hotspot
        Id or code (``HS-0003``) of a candidate or lapsed hotspot.
    actor
        Who decides, written to the site audit trail and the hotspot.
    code, name
        The new site's code (default: the hotspot's code) and name.
    kabupaten, commodity
        Default to those of the nearest known site and to the reports' most frequent
        commodity guess (else ``lainnya``).

    Returns
    -------
    str
        The new site's code.

    Raises
    ------
    NotFound, InvalidTransition, Conflict, ValidationError
        Unknown hotspot; hotspot already reviewed; site code taken; bad site values.

    Examples
    --------
    >>> promote(session=session, hotspot="HS-0002", actor="analis")  # doctest: +SKIP
    'HS-0002'
    """
    from geo import sites
    from geo.matching import rematch_for_site

    cfg = settings or HotspotSettings()
    row = get(session=session, hotspot=hotspot)
    _reviewable(row, "promoted")
    site_code = (code or row["code"]).strip().upper()
    if session.execute(text("SELECT 1 FROM sites WHERE code = :c"), {"c": site_code}).scalar():
        raise Conflict(f"a site with code {site_code} already exists", field="code")
    guess = session.execute(
        text(
            """
            SELECT
              ST_AsBinary(ST_Transform(ST_Buffer(ST_Transform(h.hull, :srid), :buf, 8), 4326)),
              (SELECT s.kabupaten FROM sites s ORDER BY s.geom <-> h.centroid LIMIT 1),
              (SELECT r.commodity_guess FROM reports r
                WHERE r.hotspot_id = h.id AND r.commodity_guess IS NOT NULL
                GROUP BY r.commodity_guess ORDER BY count(*) DESC, r.commodity_guess LIMIT 1)
              FROM hotspots h WHERE h.id = :id
            """
        ),
        {"id": row["id"], "srid": cfg.srid, "buf": cfg.promote_buffer_m},
    ).one()
    polygon = shapely.from_wkb(bytes(guess[0]))
    frame = gpd.GeoDataFrame(
        [
            {
                "code": site_code,
                "name": name or f"Hotspot {row['code']}",
                "kabupaten": kabupaten or guess[1],
                "commodity": commodity or guess[2] or "lainnya",
                "status": "suspected",
                "first_reported": row["first_seen"].date(),
                "notes": (
                    f"Promoted from hotspot {row['code']}: {row['report_count']} independent "
                    f"reports from {row['reporter_count']} reporters"
                ),
            }
        ],
        geometry=[polygon],
        crs=4326,
    )
    (record,) = sites.validate_frame(frame, source=f"hotspot {row['code']}")
    sites.upsert(session, [record], actor=actor, source=f"hotspot:{row['code']}")
    site_id = int(
        session.execute(text("SELECT id FROM sites WHERE code = :c"), {"c": site_code}).scalar_one()
    )
    session.execute(
        text(
            """
            UPDATE hotspots SET status = 'promoted', promoted_site_id = :site,
                   reviewed_at = now(), reviewed_by = :actor, reports_at_review = report_count,
                   updated_at = now()
             WHERE id = :id
            """
        ),
        {"site": site_id, "actor": actor, "id": row["id"]},
    )
    rematch_for_site(session=session, site_id=site_id)
    session.flush()
    return site_code


def dismiss(*, session: Session, hotspot: int | str, reason: str, actor: str) -> None:
    """Mark a hotspot as not worth a site, with the reason; it stays dismissed if it grows.

    Raises
    ------
    ValidationError
        When ``reason`` is empty.
    NotFound, InvalidTransition
        Unknown hotspot, or one already promoted or dismissed.

    Examples
    --------
    >>> dismiss(session=session, hotspot="HS-0004", reason="galian pasir berizin",
    ...         actor="analis")  # doctest: +SKIP
    """
    if not reason or not reason.strip():
        raise ValidationError("reason is empty; say why the hotspot is dismissed", field="reason")
    row = get(session=session, hotspot=hotspot)
    _reviewable(row, "dismissed")
    session.execute(
        text(
            """
            UPDATE hotspots SET status = 'dismissed', review_reason = :reason,
                   reviewed_at = now(), reviewed_by = :actor, reports_at_review = report_count,
                   updated_at = now()
             WHERE id = :id
            """
        ),
        {"reason": reason.strip(), "actor": actor, "id": row["id"]},
    )
    session.flush()
