"""Candidate hotspots: clusters of reports that match no known site, with a stable identity.

Clustering runs in PostGIS with ``ST_ClusterDBSCAN`` on the reports projected to a metric
CRS, by default WGS 84 / UTM zone 50S (EPSG:32750). East Kalimantan spans about 114-119 E,
inside or next to zone 50 (114-120 E), where UTM's scale error stays below 0.1 %, i.e. under
half a metre at an ``eps`` of 300 m; the CRS is on WGS 84 like the stored points, so no datum
shift is involved. For data elsewhere, set ``PANTAU_HOTSPOTS_SRID`` to the local UTM zone.

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
>>> summary = cluster_reports(session=session, eps_m=300, min_reports=3)
>>> load(engine=engine)["code"].head(2).tolist()
['HS-0001', 'HS-0002']

The use cases (:mod:`geo.hotspots.service`: ``cluster_hotspots``, ``promote_hotspot``,
``dismiss_hotspot``) take the injected settings and keep the derived figures true; the CLI, the
API and notebooks call those.
"""

from __future__ import annotations

from geo.hotspots.clustering import (
    COLUMNS,
    HOTSPOT_STATUSES,
    ClusterSummary,
    HotspotSettings,
    cluster_reports,
)
from geo.hotspots.review import dismiss, get, load, promote, refresh_statistics
from geo.hotspots.service import (
    HotspotView,
    Promotion,
    cluster_hotspots,
    dismiss_hotspot,
    promote_hotspot,
    view_hotspot,
)

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
    "refresh_statistics",
    "HotspotView",
    "Promotion",
    "cluster_hotspots",
    "view_hotspot",
    "promote_hotspot",
    "dismiss_hotspot",
]
