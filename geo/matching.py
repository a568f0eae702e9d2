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
>>> summary = match_reports(session=session, radius_m=1000)  # doctest: +SKIP
>>> summary.matched, summary.unmatched  # doctest: +SKIP
(1650, 310)

"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.errors import ValidationError

__all__ = [
    "MatchSettings",
    "MatchSummary",
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


class MatchSettings(BaseSettings):
    """Settings of report-to-site matching (``PANTAU_MATCH_*``)."""

    model_config = SettingsConfigDict(env_prefix="PANTAU_MATCH_", env_file=".env", extra="ignore")

    #: A report further than this from every site is not matched (metres on the ellipsoid).
    radius_m: float = Field(default=1000.0, gt=0, le=50_000)


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
    >>> current_radius(session=session)  # doctest: +SKIP
    1000.0

    """
    value = session.execute(
        text("SELECT radius_m FROM match_runs WHERE scope = 'all' ORDER BY id DESC LIMIT 1")
    ).scalar()
    return None if value is None else float(value)


def _check_radius(radius_m: float | None) -> float:
    if radius_m is None:
        return MatchSettings().radius_m
    value = float(radius_m)
    if not value > 0 or value > 50_000:
        raise ValidationError(
            f"radius_m must be a distance in metres between 0 and 50000, got {radius_m!r}",
            field="radius_m",
        )
    return value


# Two shapes of the same nearest-site search, both through a geography GiST index. For a full
# run the sites drive (one probe of ix_reports_geog per site, then the nearest per report):
# probing the sites' index once per report costs ~10 us each, 10 s for a million reports.
# For a handful of reports, each probes ix_sites_geog (a LATERAL ... LIMIT 1). Candidates
# come from ST_DWithin on the geography and are ordered by the spheroid distance itself.
_CAND_BY_SITE = """
    SELECT DISTINCT ON (p.id) p.id, p.site_id, p.dist, p.polygonal
      FROM sites s
     CROSS JOIN LATERAL (
           SELECT r.id, s.id AS site_id,
                  ST_Distance(s.geom::geography, r.geom::geography) AS dist,
                  GeometryType(s.geom) <> 'POINT' AS polygonal
             FROM reports r
            WHERE ST_DWithin(r.geom::geography, s.geom::geography, :radius)
              AND r.duplicate_of_id IS NULL AND r.geom IS NOT NULL AND {scope}
           ) p
     ORDER BY p.id, p.dist, p.site_id
"""
_CAND_BY_REPORT = """
    SELECT r.id, m.site_id, m.dist, m.polygonal
      FROM reports r
     CROSS JOIN LATERAL (
           SELECT s.id AS site_id,
                  ST_Distance(s.geom::geography, r.geom::geography) AS dist,
                  GeometryType(s.geom) <> 'POINT' AS polygonal
             FROM sites s
            WHERE ST_DWithin(s.geom::geography, r.geom::geography, :radius)
            ORDER BY dist, s.id
            LIMIT 1
           ) m
     WHERE r.duplicate_of_id IS NULL AND r.geom IS NOT NULL AND {scope}
"""
_MATCH_ROOTS = """
WITH cand AS ({cand}), best AS (
    SELECT r.id, c.site_id, c.dist,
           CASE WHEN c.site_id IS NULL THEN 'none_within_radius'
                WHEN c.polygonal AND c.dist = 0 THEN 'within_polygon'
                ELSE 'nearest_within_radius' END AS rule
      FROM reports r LEFT JOIN cand c ON c.id = r.id
     WHERE r.duplicate_of_id IS NULL AND r.geom IS NOT NULL AND {scope}
)
UPDATE reports r
   SET matched_site_id = b.site_id, match_distance_m = b.dist, match_rule = b.rule,
       matched_at = now()
  FROM best b
 WHERE r.id = b.id
   AND (r.matched_site_id IS DISTINCT FROM b.site_id
        OR r.match_distance_m IS DISTINCT FROM b.dist
        OR r.match_rule IS DISTINCT FROM b.rule)
"""


#: From this many reports on, a partial run is driven by the sites too.
_BY_SITE_FROM = 5000


def _roots_sql(scope: str, *, by_site: bool) -> str:
    cand = (_CAND_BY_SITE if by_site else _CAND_BY_REPORT).format(scope=scope)
    return _MATCH_ROOTS.format(cand=cand, scope=scope)


# Walks each duplicate up its chain to the root (intake links to the earliest report, but a
# chain is followed to its end in case links were made in another order; cycles stop at 64).
_DUP_ROOTS = """
WITH RECURSIVE up AS (
    SELECT d.id AS start, d.id AS cur, d.duplicate_of_id AS parent, 0 AS depth
      FROM reports d WHERE {start}
    UNION ALL
    SELECT up.start, p.id, p.duplicate_of_id, up.depth + 1
      FROM up JOIN reports p ON p.id = up.parent
     WHERE up.depth < 64
), root AS (
    SELECT start AS id, cur AS root_id FROM up WHERE parent IS NULL
)
"""

_MATCH_DUPLICATES = (
    _DUP_ROOTS
    + """
, best AS (
    SELECT root.id, o.matched_site_id AS site_id,
           CASE WHEN o.matched_site_id IS NULL OR d.geom IS NULL THEN NULL
                ELSE ST_Distance(s.geom::geography, d.geom::geography) END AS dist
      FROM root
      JOIN reports d ON d.id = root.id
      JOIN reports o ON o.id = root.root_id
      LEFT JOIN sites s ON s.id = o.matched_site_id
     WHERE {scope}
)
UPDATE reports r
   SET matched_site_id = b.site_id, match_distance_m = b.dist, match_rule = 'follows_original',
       matched_at = now()
  FROM best b
 WHERE r.id = b.id
   AND (r.matched_site_id IS DISTINCT FROM b.site_id
        OR r.match_distance_m IS DISTINCT FROM b.dist
        OR r.match_rule IS DISTINCT FROM 'follows_original')
"""
)

_COUNT_DUPLICATES = _DUP_ROOTS + "SELECT count(*) FROM root WHERE {scope}"

_STALE = f"(r.matched_site_id IS NULL AND r.match_rule IN {_MATCHED_RULES!r})"


def _run(
    session: Session,
    *,
    scope: str,
    radius: float,
    root_scope: str,
    dup_scope: str,
    params: dict[str, Any],
) -> MatchSummary:
    start = time.perf_counter()
    bind = {"radius": radius, **params}
    # The spheroid distance makes the planner's cost estimates huge, which switches on JIT
    # compilation: ~0.5 s of compiling for a query that then runs in milliseconds.
    session.execute(text("SET LOCAL jit = off"))
    # Past a few thousand reports, one probe per site beats one probe per report.
    many = scope == "all" or len(params.get("roots", ())) > _BY_SITE_FROM
    result = session.execute(text(_roots_sql(root_scope, by_site=many)), bind)
    changed = int(result.rowcount)  # type: ignore[attr-defined]  # a CursorResult
    dup_start = "d.duplicate_of_id IS NOT NULL"
    result = session.execute(
        text(_MATCH_DUPLICATES.format(start=dup_start, scope=dup_scope)), bind
    )
    changed += int(result.rowcount)  # type: ignore[attr-defined]  # a CursorResult
    examined, matched, inside = session.execute(
        text(
            f"""
            SELECT count(*),
                   count(*) FILTER (WHERE r.match_rule IN {_MATCHED_RULES!r}),
                   count(*) FILTER (WHERE r.match_rule = 'within_polygon')
              FROM reports r
             WHERE r.duplicate_of_id IS NULL AND r.geom IS NOT NULL AND {root_scope}
            """
        ),
        bind,
    ).one()
    dups = session.execute(
        text(_COUNT_DUPLICATES.format(start=dup_start, scope=dup_scope)), bind
    ).scalar_one()
    session.execute(
        text(
            "INSERT INTO match_runs (radius_m, scope, examined, matched, changed) "
            "VALUES (:radius, :scope, :examined, :matched, :changed)"
        ),
        {
            "radius": radius,
            "scope": scope,
            "examined": int(examined) + int(dups),
            "matched": int(matched),
            "changed": changed,
        },
    )
    session.flush()
    return MatchSummary(
        scope=scope,
        radius_m=radius,
        examined=int(examined) + int(dups),
        matched=int(matched),
        within_polygon=int(inside),
        unmatched=int(examined) - int(matched),
        duplicates=int(dups),
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
        Search radius in metres on the ellipsoid (default ``PANTAU_MATCH_RADIUS_M``, 1000).
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
    >>> summary = match_reports(session=session, radius_m=1000)  # doctest: +SKIP
    >>> summary.changed  # doctest: +SKIP
    1960

    """
    radius = _check_radius(radius_m)
    previous = current_radius(session=session)
    if report_ids is not None and (previous is None or abs(previous - radius) < 1e-9):
        ids = sorted({int(i) for i in report_ids})
        roots = [
            int(r)
            for r in session.execute(
                text(_DUP_ROOTS.format(start="d.id = ANY(:ids)") + "SELECT root_id FROM root"),
                {"ids": ids},
            ).scalars()
        ]
        return _run(
            session,
            scope="reports",
            radius=radius,
            root_scope="r.id = ANY(:roots)",
            dup_scope="(root.root_id = ANY(:roots) OR root.id = ANY(:ids))",
            params={"roots": roots, "ids": ids},
        )
    return _run(
        session, scope="all", radius=radius, root_scope="TRUE", dup_scope="TRUE", params={}
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
        The radius; by default that of the last full run, else ``PANTAU_MATCH_RADIUS_M``.

    Examples
    --------
    >>> rematch_for_site(session=session, site_id=site.id).changed  # doctest: +SKIP
    4

    """
    if radius_m is None:
        radius_m = current_radius(session=session)
    radius = _check_radius(radius_m)
    ids = [
        int(i)
        for i in session.execute(
            text(
                f"""
                SELECT r.id FROM reports r
                 WHERE r.duplicate_of_id IS NULL AND r.geom IS NOT NULL
                   AND (r.matched_site_id = :site OR {_STALE}
                        OR ST_DWithin(r.geom::geography,
                                      (SELECT s.geom::geography FROM sites s WHERE s.id = :site),
                                      :radius))
                """
            ),
            {"site": int(site_id), "radius": radius},
        ).scalars()
    ]
    return _run(
        session,
        scope="site",
        radius=radius,
        root_scope="r.id = ANY(:roots)",
        dup_scope="root.root_id = ANY(:roots)",
        params={"roots": ids},
    )


def explain(
    *, session: Session, radius_m: float | None = None, report_ids: Iterable[int] | None = None
) -> str:
    """Return PostgreSQL's plan for matching (all reports, or ``report_ids``), without running it.

    Useful to check that the geography GiST indexes are used (``ix_sites_geog`` or
    ``ix_reports_geog`` appear in the plan).

    Examples
    --------
    >>> print(explain(session=session, report_ids=[1, 2]))  # doctest: +SKIP
    Update on reports r ...
    """
    radius = _check_radius(radius_m)
    scope, bind = "TRUE", {"radius": radius}
    if report_ids is not None:
        scope = "r.id = ANY(:roots)"
        bind["roots"] = sorted({int(i) for i in report_ids})  # type: ignore[assignment]
    many = report_ids is None or len(bind.get("roots", ())) > _BY_SITE_FROM  # type: ignore[arg-type]
    sql = _roots_sql(scope, by_site=many)
    rows = session.execute(text("EXPLAIN " + sql), bind).scalars()
    return "\n".join(str(r) for r in rows)
