"""Alert pixels grouped into patches in PostGIS, matched and classified by the layers.

Grouping is ``ST_ClusterDBSCAN`` on the points projected to a metric CRS (``srid``, metres),
over the alerts of a time window (the last ``patch_window_days`` up to the newest alert, or up
to a given day). A patch's outline is the convex hull of its pixels widened by half a pixel
(5 m). A patch is matched to the nearest site and hotspot within ``match_distance_m``; the
reports within ``report_distance_m`` are corroborated by it, and a patch with no report near
it is a *candidate*: clearing nobody has reported. Patches are rebuilt as a whole; a patch's
code is derived from where it is (``AP-`` and the 9-character geohash of its centre), so the
same clearing keeps its code from one build to the next.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from typing import Any, cast

from sqlalchemy import CursorResult, literal, null, select, text, update
from sqlalchemy.orm import Session

from geo.alerts.config import AlertSettings
from geo.alerts.models import AlertPatch
from geo.layers.classify import matches_query, newest_snapshots, permit_class
from geo.layers.config import PERMIT_CLASSES, LayerSettings

__all__ = ["PatchSummary", "build_patches", "classify_patches", "cluster_patches"]

# Column names and SQL text are constants; every value is a bound parameter.
_CLUSTER = """
WITH pts AS (
    SELECT a.id, a.alert_date, a.confidence, ST_Transform(a.geom, :srid) AS g
      FROM alerts a
     WHERE a.source = :source AND a.alert_date BETWEEN :since AND :until
       AND a.confidence >= :min_conf
), c AS (
    SELECT pts.*, ST_ClusterDBSCAN(g, :eps, :minpts) OVER () AS cid FROM pts
), grouped AS (
    SELECT cid, count(*) AS n, min(alert_date) AS first_date, max(alert_date) AS last_date,
           max(confidence) AS max_conf,
           ST_Buffer(ST_ConvexHull(ST_Collect(g)), 5.0) AS hull_m
      FROM c WHERE cid IS NOT NULL GROUP BY cid
), coded AS (
    SELECT grouped.*, upper(ST_GeoHash(ST_Transform(ST_Centroid(hull_m), 4326), 9)) AS gh
      FROM grouped
)
INSERT INTO alert_patches (code, source, first_date, last_date, alert_count, max_confidence,
                           area_ha, hull, centroid, candidate, window_from, window_to, eps_m,
                           min_alerts)
SELECT 'AP-' || gh || CASE WHEN row_number() OVER w > 1
                           THEN '-' || row_number() OVER w ELSE '' END,
       :source, first_date, last_date, n, max_conf, ST_Area(hull_m) / 10000.0,
       ST_Transform(hull_m, 4326), ST_Transform(ST_Centroid(hull_m), 4326), true,
       :since, :until, :eps, :minpts
  FROM coded
WINDOW w AS (PARTITION BY gh ORDER BY first_date, cid)
"""

# Nearest site / hotspot within a distance: a box test on the geometry first (one degree is
# at least 110 km here), then the distance on the ellipsoid.
_NEAREST = """
UPDATE alert_patches p SET {target}_id = n.id, {target}_distance_m = n.d
  FROM alert_patches p2
  CROSS JOIN LATERAL (
        SELECT t.id, ST_Distance(t.{geom}::geography, p2.hull::geography) AS d
          FROM {table} t
         WHERE t.{geom} && ST_Expand(p2.hull, :deg)
           AND ST_DWithin(t.{geom}::geography, p2.hull::geography, :dist)
         ORDER BY d, t.id LIMIT 1
       ) n
 WHERE p.id = p2.id
"""
_NEAREST_SITE = _NEAREST.format(target="site", geom="geom", table="sites")
_NEAREST_HOTSPOT = _NEAREST.format(target="hotspot", geom="hull", table="hotspots")

_CORROBORATED = """
INSERT INTO alert_patch_reports (patch_id, report_id, distance_m)
SELECT p.id, r.id, ST_Distance(r.geom::geography, p.hull::geography)
  FROM alert_patches p
  JOIN reports r ON r.geom && ST_Expand(p.hull, :deg)
                AND ST_DWithin(r.geom::geography, p.hull::geography, :dist)
 WHERE r.status <> 'rejected'
"""
_COUNT_REPORTS = """
UPDATE alert_patches p SET report_count = c.n, candidate = c.n = 0
  FROM (SELECT p2.id, count(pr.report_id) AS n
          FROM alert_patches p2 LEFT JOIN alert_patch_reports pr ON pr.patch_id = p2.id
         GROUP BY p2.id) c
 WHERE p.id = c.id
"""


@dataclasses.dataclass(frozen=True)
class PatchSummary:
    """What one build did."""

    patches: int
    alerts: int
    candidates: int
    corroborated_reports: int
    matched_sites: int
    window_from: dt.date | None
    window_to: dt.date | None
    by_class: dict[str, int]


def _degrees(metres: float) -> float:
    return metres / 100_000.0 + 1e-6


def cluster_patches(
    *, session: Session, settings: AlertSettings, source: str, since: dt.date, until: dt.date
) -> int:
    """Replace the patches by the clusters of the window's alerts; return how many."""
    session.execute(text("DELETE FROM alert_patches"))
    result = session.execute(
        text(_CLUSTER),
        {
            "srid": settings.srid,
            "source": source,
            "since": since,
            "until": until,
            "min_conf": settings.min_confidence,
            "eps": settings.patch_eps_m,
            "minpts": settings.patch_min_alerts,
        },
    )
    return int(cast(CursorResult[Any], result).rowcount or 0)


def _match(session: Session, settings: AlertSettings) -> None:
    near = {"dist": settings.match_distance_m, "deg": _degrees(settings.match_distance_m)}
    session.execute(text(_NEAREST_SITE), near)
    session.execute(text(_NEAREST_HOTSPOT), near)
    report = {"dist": settings.report_distance_m, "deg": _degrees(settings.report_distance_m)}
    session.execute(text(_CORROBORATED), report)
    session.execute(text(_COUNT_REPORTS))


def _best_permit(hits: list[Any], on: dt.date) -> tuple[str, Any | None]:
    if not hits:
        return "LUAR_WIUP", None
    ranked = sorted(
        hits,
        key=lambda h: (PERMIT_CLASSES.index(permit_class(h.attrs, on)), -h.share, h.distance_m),
    )
    return permit_class(ranked[0].attrs, on), ranked[0]


def classify_patches(
    *, session: Session, settings: LayerSettings, on: dt.date | None = None
) -> dict[str, int]:
    """Give every patch its indicative permit class and forest flags by the newest layers.

    The same rules as :func:`geo.layers.classify.classify_objects` (tolerance, overlap share,
    the strongest permit first); without a permit layer the class stays empty.
    """
    on = on or dt.date.today()
    snaps = newest_snapshots(session)
    objs = select(
        literal("patch").label("kind"),
        AlertPatch.id,
        AlertPatch.code.label("code"),
        AlertPatch.hull.label("geom"),
        null().label("commodity"),
    ).cte("objs")
    found: dict[str, dict[int, list[Any]]] = {
        "wiup": defaultdict(list),
        "forest": defaultdict(list),
    }
    for kind, key, by_feature in (("wiup", "wiup", True), ("kawasan_hutan", "forest", False)):
        snap = snaps.get(kind)
        if snap is not None:
            for row in session.execute(
                matches_query(objs, snap.id, settings.tolerance_m, by_feature)
            ):
                found[key][row.id].append(row)
    wiup, forest = snaps.get("wiup"), snaps.get("kawasan_hutan")
    updates: list[dict[str, Any]] = []
    by_class: dict[str, int] = defaultdict(int)
    for pid in session.scalars(select(AlertPatch.id)):
        cls, hit = _best_permit(found["wiup"].get(pid, []), on) if wiup else (None, None)
        shares = {h.grp: float(h.share) for h in found["forest"].get(pid, []) if h.grp}
        flags = sorted(shares, key=lambda f: -shares[f])
        keys = ("kode_wiup", "nama_usaha", "komoditas", "kegiatan", "tgl_akhir", "stage")
        updates.append(
            {
                "id": pid,
                "permit_class": cls,
                "permit": {k: hit.attrs.get(k) for k in keys} if hit is not None else None,
                "forest_flags": flags,
                "authority": hit.attrs.get("authority") if hit is not None else None,
                "wiup_snapshot_date": wiup.snapshot_date if wiup else None,
                "forest_snapshot_date": forest.snapshot_date if forest else None,
            }
        )
        by_class[cls or "-"] += 1
        for flag in flags:
            by_class[flag] += 1
    if updates:
        # ORM bulk UPDATE by primary key: one executemany.
        session.execute(update(AlertPatch), updates)
    return dict(sorted(by_class.items()))


def build_patches(
    *,
    session: Session,
    settings: AlertSettings,
    layers: LayerSettings,
    source: str,
    until: dt.date | None = None,
) -> PatchSummary:
    """Cluster the alerts of the window into patches, match them and classify them.

    ``until`` defaults to the newest alert of ``source``; the window is the ``patch_window_days``
    days ending on it.
    """
    newest = session.execute(
        text("SELECT max(alert_date) FROM alerts WHERE source = :s"), {"s": source}
    ).scalar_one()
    until = until or newest
    if until is None:
        session.execute(text("DELETE FROM alert_patches"))
        return PatchSummary(0, 0, 0, 0, 0, None, None, {})
    since = until - dt.timedelta(days=settings.patch_window_days - 1)
    n = cluster_patches(session=session, settings=settings, source=source, since=since, until=until)
    _match(session, settings)
    by_class = classify_patches(session=session, settings=layers, on=until)
    counts = session.execute(
        text(
            "SELECT coalesce(sum(alert_count), 0), count(*) FILTER (WHERE candidate), "
            "(SELECT count(DISTINCT report_id) FROM alert_patch_reports), "
            "count(DISTINCT site_id) FROM alert_patches"
        )
    ).one()
    session.flush()
    return PatchSummary(
        patches=n,
        alerts=int(counts[0]),
        candidates=int(counts[1]),
        corroborated_reports=int(counts[2]),
        matched_sites=int(counts[3]),
        window_from=since,
        window_to=until,
        by_class=by_class,
    )
