"""Use cases of the hotspot review: cluster, look at one, promote to a site, dismiss.

Each function is one thing an analyst does, shared by the CLI (``pantau hotspots``), the API
(``/hotspots``) and notebooks. Settings and the session are injected; the caller commits. What
depends on the change is refreshed in the same transaction: the new site's priority (and the
ranks around it) after a promotion, the hotspot's corroboration figures after a review.

Examples
--------
>>> from geo.hotspots.service import promote_hotspot
>>> first = geo.hotspots.load(session, status="candidate").code.min()
>>> promoted = promote_hotspot(settings=settings, session=session, hotspot=first,
...                            actor="analis")
>>> promoted.site_code == first, promoted.priority_rank >= 1
(True, True)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo import priority
from geo.hotspots.clustering import ClusterSummary, cluster_reports
from geo.hotspots.review import dismiss, get, promote, refresh_statistics
from geo.layers.service import reclassify
from geo.settings import Settings

__all__ = [
    "HotspotView",
    "Promotion",
    "cluster_hotspots",
    "view_hotspot",
    "promote_hotspot",
    "dismiss_hotspot",
]


@dataclass(frozen=True)
class HotspotView:
    """One hotspot as people read it: counts, channels, period, review decision, centroid."""

    code: str
    status: str
    report_count: int
    reporter_count: int
    duplicate_count: int
    channels: list[str]
    first_seen: dt.datetime
    last_seen: dt.datetime
    review_reason: str | None
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    notes: str | None
    lon: float | None
    lat: float | None
    promoted_site_id: int | None


@dataclass(frozen=True)
class Promotion:
    """A hotspot made a site: the new site's code, its reports and its (fresh) priority."""

    hotspot: str
    site_code: str
    site_id: int
    independent_reports: int
    priority_score: float
    priority_rank: int


def _view(row: dict[str, Any]) -> HotspotView:
    wkt = row.get("centroid_wkt") or ""
    lon = lat = None
    if wkt.startswith("POINT("):
        lon, lat = (float(v) for v in wkt[6:-1].split())
    return HotspotView(
        code=row["code"],
        status=row["status"],
        report_count=row["report_count"],
        reporter_count=row["reporter_count"],
        duplicate_count=row["duplicate_count"],
        channels=list(row["channels"] or []),
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        review_reason=row["review_reason"],
        reviewed_by=row["reviewed_by"],
        reviewed_at=row["reviewed_at"],
        notes=row["notes"],
        lon=lon,
        lat=lat,
        promoted_site_id=row["promoted_site_id"],
    )


def view_hotspot(*, settings: Settings, session: Session, hotspot: int | str) -> HotspotView:
    """Use case: read one hotspot (by id or code such as ``HS-0003``).

    ``settings`` is taken for the same shape as every use case (no setting is read yet).
    """
    del settings
    return _view(get(session=session, hotspot=hotspot))


def cluster_hotspots(
    *,
    settings: Settings,
    session: Session,
    eps_m: float | None = None,
    min_reports: int | None = None,
    window_days: int | None = None,
) -> ClusterSummary:
    """Use case: cluster the reports that match no site into hotspots (stable codes).

    Clustering first matches reports never examined, which can give sites new reports, so
    every site's priority is refreshed afterwards in the same transaction.
    """
    summary = cluster_reports(
        session=session,
        eps_m=eps_m,
        min_reports=min_reports,
        window_days=window_days,
        settings=settings.hotspots,
    )
    # Hulls were (re)built: classify every hotspot again by the layers (a no-op without them).
    ids = session.scalars(text("SELECT id FROM hotspots")).all()
    reclassify(session=session, settings=settings, only={"hotspot": ids})
    priority.refresh_sites(session=session, site_ids=None, settings=settings.priority)
    return summary


def promote_hotspot(
    *,
    settings: Settings,
    session: Session,
    hotspot: int | str,
    actor: str | None = None,
    code: str | None = None,
    name: str | None = None,
    kabupaten: str | None = None,
    commodity: str | None = None,
) -> Promotion:
    """Use case: make a hotspot a site; its reports move to it and its priority is scored.

    The re-matching may take reports from neighbouring sites too, so every site's priority is
    refreshed (one aggregate query), not only the new one's.
    """
    site_code = promote(
        session=session,
        hotspot=hotspot,
        actor=actor or settings.actor,
        code=code,
        name=name,
        kabupaten=kabupaten,
        commodity=commodity,
        settings=settings.hotspots,
        indonesia_bbox=settings.indonesia_bbox,
    )
    new_site = session.scalars(text("SELECT id FROM sites WHERE code = :c"), {"c": site_code})
    reclassify(session=session, settings=settings, only={"site": new_site.all()}, rescore=False)
    priority.refresh_sites(session=session, site_ids=None, settings=settings.priority)
    row = (
        session.execute(
            text(
                "SELECT p.site_id, p.independent_reports, p.score, p.rank FROM site_priority p "
                "JOIN sites s ON s.id = p.site_id WHERE s.code = :code"
            ),
            {"code": site_code},
        )
        .mappings()
        .one()
    )
    return Promotion(
        hotspot=get(session=session, hotspot=hotspot)["code"],
        site_code=site_code,
        site_id=int(row["site_id"]),
        independent_reports=int(row["independent_reports"]),
        priority_score=float(row["score"]),
        priority_rank=int(row["rank"]),
    )


def dismiss_hotspot(
    *,
    settings: Settings,
    session: Session,
    hotspot: int | str,
    reason: str,
    actor: str | None = None,
) -> HotspotView:
    """Use case: dismiss a hotspot with a reason; its figures are recounted as of now."""
    dismiss(session=session, hotspot=hotspot, reason=reason, actor=actor or settings.actor)
    row = get(session=session, hotspot=hotspot)
    refresh_statistics(session=session, hotspot_ids=[row["id"]])
    return _view(get(session=session, hotspot=hotspot))
