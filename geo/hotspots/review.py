"""Reading hotspots and the analysts' review: promote a hotspot to a site, or dismiss it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import shapely
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from geo.db import Target, use_session
from geo.errors import Conflict, InvalidTransition, NotFound, ValidationError
from geo.hotspots.clustering import COLUMNS, HOTSPOT_STATUSES
from geo.settings import HotspotSettings

__all__ = ["load", "get", "promote", "dismiss", "refresh_statistics"]


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
    >>> hotspots = geo.hotspots.load(engine=engine, status="candidate")
    >>> hotspots[["code", "report_count", "reporter_count"]].head(2)  # doctest: +ELLIPSIS
          code  report_count  reporter_count
    0  HS-0001  ...
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
    >>> get(session=session, hotspot="HS-0001")["report_count"] >= 3
    True
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
        raise NotFound(
            f"no hotspot {hotspot!r} (expected an id or a code like HS-0001)", field="hotspot"
        )
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
    settings: HotspotSettings,
    indonesia_bbox: tuple[float, float, float, float] | None = None,
) -> str:
    """Make a hotspot a new site in the registry; its reports are re-matched onto the site.

    The site's polygon is the hull of the hotspot's reports widened by
    ``PANTAU_HOTSPOTS_PROMOTE_BUFFER_M``. The site is created through :func:`geo.sites.upsert`,
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
    settings
        The hotspot section of the injected settings (``Settings.hotspots``).
    indonesia_bbox
        The country's bounding box the site must lie in (``Settings.indonesia_bbox``).

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
    >>> promote(session=session, hotspot="HS-0002", actor="analis", settings=settings.hotspots)
    'HS-0002'
    """
    from geo import sites
    from geo.matching import rematch_for_site

    row = get(session=session, hotspot=hotspot)
    _reviewable(row, "promoted")
    site_code = (code or row["code"]).strip().upper()
    if session.execute(text("SELECT 1 FROM sites WHERE code = :c"), {"c": site_code}).scalar():
        raise Conflict(f"a site with code {site_code} already exists", field="code")
    values = {"code": site_code, "name": name, "kabupaten": kabupaten, "commodity": commodity}
    frame = _site_frame(session, row, values, settings)
    (record,) = sites.validate_frame(
        frame, source=f"hotspot {row['code']}", indonesia_bbox=indonesia_bbox
    )
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


def _site_frame(
    session: Session, row: dict[str, Any], values: dict[str, str | None], cfg: HotspotSettings
) -> gpd.GeoDataFrame:
    """Return the new site's row: the widened hull, given values or the guessed ones."""
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
    return gpd.GeoDataFrame(
        [
            {
                "code": values["code"],
                "name": values["name"] or f"Hotspot {row['code']}",
                "kabupaten": values["kabupaten"] or guess[1],
                "commodity": values["commodity"] or guess[2] or "lainnya",
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
    ...         actor="analis")
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


def refresh_statistics(*, session: Session, hotspot_ids: Iterable[int]) -> None:
    """Recount the corroboration figures of some hotspots from their reports, as stored now.

    A report rejected (or newly linked as a duplicate) after the clustering no longer counts:
    ``report_count`` and ``reporter_count`` cover independent reports that are not rejected,
    ``duplicate_count`` the duplicates among the rest, as :func:`geo.priority.corroboration`
    counts them. The hull and centroid stay those of the last clustering.

    Examples
    --------
    >>> refresh_statistics(session=session, hotspot_ids=[])
    """
    ids = sorted({int(i) for i in hotspot_ids})
    if not ids:
        return
    session.execute(
        text(
            """
            WITH m AS (
                SELECT h.id AS hid,
                       count(r.id) FILTER (WHERE r.duplicate_of_id IS NULL) AS n,
                       count(DISTINCT coalesce(r.reporter_hash, 'report:' || r.id))
                           FILTER (WHERE r.duplicate_of_id IS NULL) AS reporters,
                       count(r.id) FILTER (WHERE r.duplicate_of_id IS NOT NULL) AS dups,
                       coalesce(array_agg(DISTINCT r.channel::text)
                           FILTER (WHERE r.duplicate_of_id IS NULL), '{}') AS channels
                  FROM hotspots h
                  LEFT JOIN reports r ON r.hotspot_id = h.id AND r.status <> 'rejected'
                 WHERE h.id = ANY(:ids)
                 GROUP BY h.id
            )
            UPDATE hotspots h
               SET report_count = m.n, reporter_count = m.reporters, duplicate_count = m.dups,
                   channels = m.channels, updated_at = now()
              FROM m
             WHERE h.id = m.hid
               AND (h.report_count, h.reporter_count, h.duplicate_count, h.channels)
                   IS DISTINCT FROM (m.n, m.reporters, m.dups, m.channels)
            """
        ),
        {"ids": ids},
    )
    session.flush()
