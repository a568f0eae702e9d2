"""Match reports to the nearest known site within a radius, in metres on the ellipsoid.

A report is matched to the site whose geometry (a point, or a polygon's edge or interior) is
nearest on the WGS 84 ellipsoid, provided it lies within ``radius_m``. The search is one
set-based SQL statement: ``ST_DWithin`` on ``geography`` selects the candidates through the
geography GiST indexes (``ix_sites_geog`` or ``ix_reports_geog``, whichever side the planner
drives from), and ``ST_Distance`` on the spheroid orders them, ties broken by the lower site id.
Ordering by the spheroid distance itself (rather than the ``<->`` operator, which measures on
the sphere) keeps the nearest site exact even when two sites are a few metres apart.

The rule stored with each report says why it matched:

``within_polygon``
    the point lies inside (or on the edge of) a polygon site, distance 0;
``nearest_within_radius``
    the nearest site lies within the radius;
``none_within_radius``
    no site within the radius (the report is a hotspot candidate);
``follows_original``
    the report is a duplicate and takes its original's site (its own distance is stored).

Examples
--------
>>> from geo.matching import match_reports
>>> summary = match_reports(session=session, radius_m=1000)
>>> summary.matched > summary.unmatched > 0
True

"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    Select,
    String,
    TextClause,
    any_,
    case,
    column,
    func,
    insert,
    literal,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from geo.errors import ValidationError
from geo.models import Site
from geo.reports.models import Report, ReportMatch
from geo.settings import MatchSettings

__all__ = [
    "MatchSettings",
    "MatchSummary",
    "DEFAULT_RADIUS_M",
    "RULES",
    "match_reports",
    "rematch_for_site",
    "current_radius",
    "explain",
]

#: Every value :func:`match_reports` writes into ``reports.match_rule``.
RULES: tuple[str, ...] = (
    "within_polygon",
    "nearest_within_radius",
    "none_within_radius",
    "follows_original",
)
_MATCHED_RULES = ("within_polygon", "nearest_within_radius")


#: The log of matching runs (table made by migration 0004; it has no model of its own).
_MATCH_RUNS = table(
    "match_runs",
    column("id", Integer),
    column("radius_m", Float),
    column("scope", String),
    column("examined", Integer),
    column("matched", Integer),
    column("changed", Integer),
)


@dataclass(frozen=True)
class MatchSummary:
    """What one matching run did.

    ``examined`` counts reports with a location that were (re)matched; ``changed`` those whose
    stored site, distance or rule changed.
    """

    scope: str
    radius_m: float
    examined: int
    matched: int
    within_polygon: int
    unmatched: int
    duplicates: int
    changed: int
    seconds: float

    @property
    def reports_per_second(self) -> float:
        """Throughput of the run."""
        return self.examined / self.seconds if self.seconds > 0 else float("inf")


def current_radius(*, session: Session) -> float | None:
    """Return the radius of the last full matching run, or None when none has run.

    Examples
    --------
    >>> current_radius(session=session)
    1000.0

    """
    runs = _MATCH_RUNS.c
    value = session.execute(
        select(runs.radius_m).where(runs.scope == "all").order_by(runs.id.desc()).limit(1)
    ).scalar()
    return None if value is None else float(value)


#: The radius when neither the caller nor a previous full run gives one: the documented
#: default of ``Settings.matching`` (use cases pass ``settings.matching.radius_m``).
DEFAULT_RADIUS_M: float = MatchSettings().radius_m


def _check_radius(radius_m: float | None) -> float:
    if radius_m is None:
        return DEFAULT_RADIUS_M
    value = float(radius_m)
    if not value > 0 or value > 50_000:
        raise ValidationError(
            f"radius_m must be a distance in metres between 0 and 50000, got {radius_m!r}",
            field="radius_m",
        )
    return value


# The matching statements below stay raw SQL (text()): their shape was tuned against
# benchmarks/reports.py (OFFSET 0 fences, DISTINCT ON, LATERAL ... LIMIT 1 probes, a temporary
# table written by a parallel query, one-round-trip CTEs), and they are composed only from the
# constant fragments of this module; every value is a bound parameter.

# Metres on the ellipsoid from a site to a report. Point sites (most of a registry) use
# ST_DistanceSpheroid on the geometries, which skips two casts to geography per pair; polygons
# go through geography, whose distance is 0 inside the polygon (ST_DistanceSpheroid would give
# the distance to the boundary). Both are the same geodesic on WGS 84.
_DIST = """CASE WHEN GeometryType(s.geom) = 'POINT' THEN ST_DistanceSpheroid(s.geom, r.geom)
                ELSE ST_Distance(s.geom::geography, r.geom::geography) END"""

# Two shapes of the same nearest-site search. For a full run (or many reports) the sites
# drive: one probe of the reports' geometry GiST index per site, with the site's bounding box
# grown by the radius in degrees. That box is conservative: a degree of latitude is at least
# 110,574 m and a degree of longitude at least 111,319.49 m x cos(latitude), taken at the
# highest latitude the grown box reaches, plus 1 %. The exact spheroid distance then filters
# and orders (computed once per pair: OFFSET 0 keeps the planner from evaluating it twice).
# For a handful of reports, each probes ix_sites_geog (a LATERAL ... LIMIT 1) instead:
# probing per report costs ~10 us each, 10 s for a million.
_CAND_BY_SITE = """
    SELECT DISTINCT ON (p.id) p.id, p.site_id, p.dist, p.polygonal
      FROM (
           SELECT r.id, s.id AS site_id, {dist} AS dist,
                  GeometryType(s.geom) <> 'POINT' AS polygonal
             FROM sites s
             JOIN reports r
               ON r.geom && ST_Expand(
                      s.geom,
                      1.01 * :radius / (111319.49 * cos(radians(least(89.0,
                          greatest(abs(ST_YMin(s.geom::box3d)), abs(ST_YMax(s.geom::box3d)))
                          + :radius / 110574.0)))),
                      1.01 * :radius / 110574.0)
            WHERE r.duplicate_of_id IS NULL AND r.geom IS NOT NULL AND {scope}
           OFFSET 0
           ) p
     WHERE p.dist <= :radius
     ORDER BY p.id, p.dist, p.site_id
"""
_CAND_BY_REPORT = """
    SELECT r.id, m.site_id, m.dist, m.polygonal
      FROM reports r
     CROSS JOIN LATERAL (
           SELECT s.id AS site_id, {dist} AS dist,
                  GeometryType(s.geom) <> 'POINT' AS polygonal
             FROM sites s
            WHERE ST_DWithin(s.geom::geography, r.geom::geography, :radius)
            ORDER BY dist, s.id
            LIMIT 1
           ) m
     WHERE r.duplicate_of_id IS NULL AND r.geom IS NOT NULL AND {scope}
"""

_BEST_ROOTS = """
    SELECT r.id, c.site_id, c.dist,
           CASE WHEN c.site_id IS NULL THEN 'none_within_radius'
                WHEN c.polygonal AND c.dist = 0 THEN 'within_polygon'
                ELSE 'nearest_within_radius' END AS rule
      FROM reports r LEFT JOIN cand c ON c.id = r.id
     WHERE r.duplicate_of_id IS NULL AND r.geom IS NOT NULL AND {scope}
"""

# A large run first computes every result into a temporary table: that statement may use
# parallel workers (a statement that writes to a regular table may not), and the stored
# matches are then replaced by set operations on it instead of a million-row upsert.
_NEW = "pantau_match_new"
_LARGE_ROOTS = (
    f"CREATE TEMPORARY TABLE {_NEW} ON COMMIT DROP AS WITH cand AS ({{cand}})" + _BEST_ROOTS
)
_PARALLEL = (
    "SET LOCAL min_parallel_table_scan_size = 0; SET LOCAL parallel_setup_cost = 0;"
    " SET LOCAL parallel_tuple_cost = 0"
)
_DIFFERS = """(m.site_id IS DISTINCT FROM n.site_id OR m.distance_m IS DISTINCT FROM n.dist
               OR m.rule IS DISTINCT FROM n.rule)"""
_REPLACE = f"""
DELETE FROM report_matches m USING {_NEW} n WHERE m.report_id = n.id AND {_DIFFERS};
"""
_INSERT_NEW = f"""
INSERT INTO report_matches (report_id, site_id, distance_m, rule, matched_at)
SELECT n.id, n.site_id, n.dist, n.rule, now() FROM {_NEW} n
 WHERE NOT EXISTS (SELECT 1 FROM report_matches m WHERE m.report_id = n.id)
"""
_COUNT_NEW = f"""
SELECT count(*) FILTER (WHERE rule <> 'follows_original'),
       count(*) FILTER (WHERE rule IN ('within_polygon', 'nearest_within_radius')),
       count(*) FILTER (WHERE rule = 'within_polygon'),
       count(*) FILTER (WHERE rule = 'follows_original')
  FROM {_NEW}
"""


#: From this many reports on, a partial run is driven by the sites too.
_BY_SITE_FROM = 5000
#: Runs over more reports than this are logged in match_runs; matching each new report at
#: intake is not (the report's match row carries its own time).
_LOGGED_FROM = 50


def _roots_sql(scope: str) -> str:
    cand = _CAND_BY_SITE.format(scope=scope, dist=_DIST)
    return _LARGE_ROOTS.format(cand=cand, scope=scope)


# A duplicate follows the root of its chain, stored by linking (geo.reports.dedup) in
# ``duplicate_root_id``; a duplicate with none (a chain that loops) is left unmatched, as when
# the chains were walked here. ``{scope}`` selects the duplicates, ``{originals}`` is where
# the roots' new matches are read from.
_BEST_DUPLICATES = """
    SELECT r.id, o.site_id,
           CASE WHEN o.site_id IS NULL OR r.geom IS NULL THEN NULL ELSE {dist} END AS dist,
           'follows_original' AS rule
      FROM reports r
      LEFT JOIN {originals} o ON o.id = r.duplicate_root_id
      LEFT JOIN sites s ON s.id = o.site_id
     WHERE r.duplicate_of_id IS NOT NULL AND r.duplicate_root_id IS NOT NULL AND {scope}
"""
_LARGE_DUPLICATES = f"INSERT INTO {_NEW} (id, site_id, dist, rule) " + _BEST_DUPLICATES.replace(
    "{originals}", _NEW
).replace("{dist}", _DIST)
#: Duplicates to re-match with their roots in a partial large run (ix_reports_duplicate_root_id).
_BELOW_ROOTS = "r.duplicate_root_id = ANY(:roots)"

# A report whose point was removed (edited to a described place) keeps no match.
_DROP_POINTLESS = """
DELETE FROM report_matches m USING reports r
 WHERE m.report_id = r.id AND r.geom IS NULL AND {scope}
"""


# A small run (the reports of one intake, one edit, one site change) in one statement: take
# the roots of the given reports, match them (each probing ix_sites_geog), give the
# duplicates that follow them their root's site, and store, in a single round trip.
_SMALL = """
WITH roots AS (
    SELECT DISTINCT CASE WHEN d.duplicate_of_id IS NULL THEN d.id ELSE d.duplicate_root_id END
           AS id
      FROM reports d WHERE d.id = ANY(:ids)
), cand AS MATERIALIZED ({cand}), best_roots AS MATERIALIZED ({best_roots}
), best AS (
    SELECT id, site_id, dist, rule FROM best_roots
    UNION ALL
    {best_duplicates}
), stored AS (
    INSERT INTO report_matches AS m (report_id, site_id, distance_m, rule, matched_at)
    SELECT id, site_id, dist, rule, now() FROM best
    ON CONFLICT (report_id) DO UPDATE
       SET site_id = EXCLUDED.site_id, distance_m = EXCLUDED.distance_m, rule = EXCLUDED.rule,
           matched_at = EXCLUDED.matched_at
     WHERE m.site_id IS DISTINCT FROM EXCLUDED.site_id
        OR m.distance_m IS DISTINCT FROM EXCLUDED.distance_m
        OR m.rule IS DISTINCT FROM EXCLUDED.rule
    RETURNING 1
), dropped AS (
    -- a report whose point was removed (edited to a described place) keeps no match
    DELETE FROM report_matches m USING reports r
     WHERE m.report_id = r.id AND r.geom IS NULL
       AND r.id IN (SELECT id FROM roots UNION ALL SELECT unnest(CAST(:ids AS integer[])))
    RETURNING 1
)
SELECT (SELECT count(*) FROM stored) + (SELECT count(*) FROM dropped),
       count(*) FILTER (WHERE rule <> 'follows_original'),
       count(*) FILTER (WHERE rule IN ('within_polygon', 'nearest_within_radius')),
       count(*) FILTER (WHERE rule = 'within_polygon'),
       count(*) FILTER (WHERE rule = 'follows_original')
  FROM best
"""


@functools.cache
def _small_sql() -> str:
    scope = "r.id IN (SELECT id FROM roots)"
    return _SMALL.format(
        cand=_CAND_BY_REPORT.format(scope=scope, dist=_DIST),
        best_roots=_BEST_ROOTS.format(scope=scope),
        best_duplicates=_BEST_DUPLICATES.format(
            dist=_DIST,
            originals="best_roots",
            scope="r.duplicate_root_id IN (SELECT id FROM roots)",
        ),
    )


@functools.cache
def _small_text() -> TextClause:
    # Built once: text() scans the statement for bind parameters on every construction.
    return text(_small_sql())


def _store_small(session: Session, *, bind: dict[str, Any]) -> tuple[int, int, int, int, int]:
    """Match a few reports (``bind["ids"]``) in one statement; return changed and counts."""
    changed, examined, matched, inside, dups = session.execute(_small_text(), bind).one()
    return int(changed), int(examined), int(matched), int(inside), int(dups)


def _store_large(
    session: Session, *, root_scope: str, dup_scope: str, bind: dict[str, Any], full: bool
) -> tuple[int, int, int, int, int]:
    """Match many reports through a temporary table; return changed and the counts."""
    # The sort that picks each report's nearest site fits in memory up to a few million
    # pairs. (JIT is off for every connection, see geo.db: the spheroid functions' cost
    # estimates made PostgreSQL compile queries that then ran in milliseconds.)
    session.execute(text("SET LOCAL work_mem = '256MB'; " + _PARALLEL))
    session.execute(text(f"DROP TABLE IF EXISTS {_NEW}"))
    session.execute(text(_roots_sql(root_scope)), bind)
    session.execute(text(_LARGE_DUPLICATES.format(scope=dup_scope)), bind)
    examined, matched, inside, dups = session.execute(text(_COUNT_NEW)).one()
    session.execute(text(_REPLACE))
    if full:  # every report with a point is in the new table; others keep no match
        gone = session.execute(
            text(
                f"DELETE FROM report_matches m WHERE NOT EXISTS "
                f"(SELECT 1 FROM {_NEW} n WHERE n.id = m.report_id)"
            )
        )
    else:
        gone = session.execute(text(_DROP_POINTLESS.format(scope=root_scope)), bind)
    written = session.execute(text(_INSERT_NEW))
    session.execute(text(f"DROP TABLE {_NEW}"))
    changed = int(written.rowcount) + int(gone.rowcount)  # type: ignore[attr-defined]
    return changed, int(examined), int(matched), int(inside), int(dups)


def _run(
    session: Session,
    *,
    scope: str,
    radius: float,
    root_scope: str = "",
    dup_scope: str = "",
    params: dict[str, Any],
    large: bool,
) -> MatchSummary:
    start = time.perf_counter()
    bind = {"radius": radius, **params}
    # Past a few thousand reports, one probe per site beats one probe per report.
    if large:
        changed, examined, matched, inside, dups = _store_large(
            session, root_scope=root_scope, dup_scope=dup_scope, bind=bind, full=scope == "all"
        )
    else:
        changed, examined, matched, inside, dups = _store_small(session, bind=bind)
    if scope != "reports" or examined + dups > _LOGGED_FROM:
        session.execute(
            insert(_MATCH_RUNS).values(
                radius_m=radius,
                scope=scope,
                examined=examined + dups,
                matched=matched,
                changed=changed,
            )
        )
    session.flush()
    return MatchSummary(
        scope=scope,
        radius_m=radius,
        examined=examined + dups,
        matched=matched,
        within_polygon=inside,
        unmatched=examined - matched,
        duplicates=dups,
        changed=changed,
        seconds=time.perf_counter() - start,
    )


def match_reports(
    *,
    session: Session,
    radius_m: float | None = None,
    report_ids: Iterable[int] | None = None,
) -> MatchSummary:
    """Match reports to the nearest site within ``radius_m`` and store distance and rule.

    Parameters
    ----------
    session
        An open session; the caller commits.
    radius_m
        Search radius in metres on the ellipsoid. By default: for ``report_ids``, the radius
        of the last full run; otherwise (or before any full run) :data:`DEFAULT_RADIUS_M`,
        1000. Use cases pass ``settings.matching.radius_m`` (``PANTAU_MATCHING_RADIUS_M``).
    report_ids
        Match only these reports (with their originals, and the duplicates that follow
        them). When the radius differs from the last full run's, every report is re-matched
        instead, so that all stored matches always share one radius.

    Returns
    -------
    MatchSummary
        Counts of examined, matched, unmatched and changed reports.

    Raises
    ------
    ValidationError
        When ``radius_m`` is not a positive distance up to 50 km.

    Examples
    --------
    >>> summary = match_reports(session=session, radius_m=500)
    >>> summary.changed > 0  # matches beyond 500 m are dropped
    True

    """
    previous = current_radius(session=session)
    # New or edited reports are matched with the radius every stored match shares.
    radius = _check_radius(previous if radius_m is None and report_ids is not None else radius_m)
    if report_ids is not None and (previous is None or abs(previous - radius) < 1e-9):
        ids = sorted({int(i) for i in report_ids})
        if len(ids) <= _BY_SITE_FROM:
            return _run(session, scope="reports", radius=radius, params={"ids": ids}, large=False)
        roots = _roots_of(session, ids)
        return _run(
            session,
            scope="reports",
            radius=radius,
            root_scope="r.id = ANY(:roots)",
            dup_scope=_BELOW_ROOTS,
            params={"roots": roots, "ids": ids},
            large=True,
        )
    return _run(
        session,
        scope="all",
        radius=radius,
        root_scope="TRUE",
        dup_scope="TRUE",
        params={},
        large=True,
    )


def _roots_of(session: Session, ids: list[int]) -> list[int]:
    """Return the roots of the chains of ``ids``: a report itself, or its stored root."""
    r = Report.__table__.c
    root = case((r.duplicate_of_id.is_(None), r.id), else_=r.duplicate_root_id)
    query = select(root).distinct().where(r.id == any_(literal(ids, ARRAY(Integer))))
    return [int(i) for i in session.execute(query).scalars() if i is not None]


def _affected_by_site(site_id: int, radius: float) -> Select[Any]:
    """Roots matched to the site, within the radius of it, or left at no site by a deletion."""
    r, m, s = Report.__table__.c, ReportMatch.__table__.c, Site.__table__.c
    # geography(geom), not CAST(... AS Geography): the latter carries a type modifier, which
    # makes the expression differ from the one ix_sites_geog and ix_reports_geog index.
    site_geog = select(func.geography(s.geom)).where(s.id == site_id).scalar_subquery()
    return select(r.id).where(
        r.duplicate_of_id.is_(None),
        r.geom.is_not(None),
        or_(
            r.id.in_(select(m.report_id).where(m.site_id == site_id)),
            # matches left pointing at no site by a deleted one
            r.id.in_(select(m.report_id).where(m.site_id.is_(None), m.rule.in_(_MATCHED_RULES))),
            func.ST_DWithin(func.geography(r.geom), site_geog, radius),
        ),
    )


def rematch_for_site(
    *, session: Session, site_id: int, radius_m: float | None = None
) -> MatchSummary:
    """Re-match the reports that a created, edited or deleted site may affect.

    Those are the reports currently matched to the site, the reports within the radius of
    its (new) geometry, and reports left pointing at no site by a deleted one. Call it after
    the site change is flushed, in the same transaction.

    Parameters
    ----------
    session
        An open session in which the site change is flushed.
    site_id
        The site's id (it may no longer exist after a delete).
    radius_m
        The radius; by default that of the last full run, else :data:`DEFAULT_RADIUS_M`.

    Examples
    --------
    >>> from geo.models import Site
    >>> site = session.query(Site).filter_by(code="KKR-001").one()
    >>> rematch_for_site(session=session, site_id=site.id).changed
    0

    """
    if radius_m is None:
        radius_m = current_radius(session=session)
    radius = _check_radius(radius_m)
    ids = [int(i) for i in session.execute(_affected_by_site(int(site_id), radius)).scalars()]
    if len(ids) <= _BY_SITE_FROM:
        return _run(session, scope="site", radius=radius, params={"ids": ids}, large=False)
    return _run(
        session,
        scope="site",
        radius=radius,
        root_scope="r.id = ANY(:roots)",
        dup_scope=_BELOW_ROOTS,
        params={"roots": ids, "ids": []},
        large=True,
    )


def explain(
    *, session: Session, radius_m: float | None = None, report_ids: Iterable[int] | None = None
) -> str:
    """Return PostgreSQL's plan for matching (all reports, or ``report_ids``), without running it.

    Useful to check that the spatial indexes are used: ``ix_sites_geog`` (geography) when a
    few reports probe the sites, ``idx_reports_geom`` when the sites drive a full run.

    Examples
    --------
    >>> print(explain(session=session, report_ids=[1, 2]))
    Aggregate ...
    """
    radius = _check_radius(radius_m)
    ids = None if report_ids is None else sorted({int(i) for i in report_ids})
    if ids is not None and len(ids) <= _BY_SITE_FROM:
        sql, bind = _small_sql(), {"radius": radius, "ids": ids}
    else:
        scope = "TRUE" if ids is None else "r.id = ANY(:roots)"
        sql, bind = _roots_sql(scope), {"radius": radius, "roots": ids}
    rows = session.execute(text("EXPLAIN " + sql), bind).scalars()
    return "\n".join(str(r) for r in rows)
