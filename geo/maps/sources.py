"""Load every map layer from the database through the library that owns it.

Sites come with their stored priority score and reasons (``geo.priority``), reports through
``geo.reports.load`` (already redacted for the ``analyst`` audience; the map applies its own
stricter gate on top), candidate hotspots from ``geo.hotspots``, the latest patrol plan's
routes from ``geo.patrols.store``, and the overdue complaint clocks from
``geo.reports.clocks`` for the briefing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
from sqlalchemy import Engine, exists, select
from sqlalchemy.orm import Session

from geo import bases as bases_lib
from geo import hotspots as hotspots_lib
from geo import priority as priority_lib
from geo import sites as sites_lib
from geo.errors import NotFound
from geo.models import Site, SiteAudit
from geo.patrols import store as patrol_store
from geo.reports import clocks
from geo.reports import query as report_query

if TYPE_CHECKING:
    from geo.maps.build import Period

__all__ = ["MapData", "load_all", "load_overdue", "is_demo"]

#: Hotspots worth drawing: not yet reviewed, or lapsed (no recent reports) but not closed.
SHOWN_HOTSPOTS = ("candidate", "lapsed")


@dataclass
class MapData:
    """The frames a map is built from; ``None`` where there is nothing to draw."""

    sites: gpd.GeoDataFrame
    bases: gpd.GeoDataFrame | None
    reports: gpd.GeoDataFrame | None
    hotspots: gpd.GeoDataFrame | None
    routes: gpd.GeoDataFrame | None
    demo: bool
    #: The newest permit (WIUP) and forest-estate snapshots, simplified, and the alert patches.
    wiup: gpd.GeoDataFrame | None = None
    forest: gpd.GeoDataFrame | None = None
    alerts: gpd.GeoDataFrame | None = None


def is_demo(engine: Engine) -> bool:
    """Whether the registry was loaded by ``pantau demo`` (audit rows by the ``demo`` actor)."""
    with Session(engine) as session:
        return bool(session.scalar(select(exists().where(SiteAudit.actor == "demo"))))


def _sites_with_priority(engine: Engine) -> gpd.GeoDataFrame:
    sites = sites_lib.load(engine)
    scores = priority_lib.load_priority(engine=engine)
    if len(scores):
        by_code = scores.set_index("code")
        sites["priority"] = sites["code"].map(by_code["score"]).astype(float)
        # The one count of a site's reports: the one its priority reasons are worded from.
        sites["report_count"] = sites["code"].map(by_code["independent_reports"])
        # The inputs and points, so that the map words the reasons in its own language.
        explained = by_code[[*priority_lib.COMPONENTS, *priority_lib.EXPLAIN_INPUTS]]
        rows = explained.to_dict("index")
        sites["priority_reasons"] = [rows.get(code) for code in sites["code"]]
    return _with_classes(engine, sites)


def _with_classes(engine: Engine, sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add each site's indicative ``permit_class`` and ``forest_flags`` (None: unclassified).

    For the staff maps' site cards only; the public view is built from aggregates elsewhere.
    """
    from geo.layers.models import LayerClassification as LC

    query = select(LC.object_code, LC.permit_class, LC.forest_flags).where(LC.object_kind == "site")
    with Session(engine) as session:
        found = {r[0]: (r[1], list(r[2])) for r in session.execute(query)}
    sites["permit_class"] = [found.get(c, (None, None))[0] for c in sites["code"]]
    sites["forest_flags"] = [found.get(c, (None, None))[1] for c in sites["code"]]
    return sites


def _reports(engine: Engine, since: dt.date) -> gpd.GeoDataFrame:
    start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
    reports = report_query.load(engine=engine, since=start, role="analyst")
    with Session(engine) as session:
        codes = {row.id: row.code for row in session.execute(select(Site.id, Site.code))}
    reports["site_code"] = reports["matched_site_id"].map(codes)
    return reports


def _routes(engine: Engine) -> gpd.GeoDataFrame | None:
    with Session(engine) as session:
        try:
            routes = patrol_store.load_routes(session=session)
        except NotFound:
            return None
    return routes.rename(columns={"date": "day"})


def load_all(engine: Engine, *, period: Period) -> MapData:
    """Load sites (with priority), bases, reports since the period start, hotspots and routes.

    Examples
    --------
    >>> from geo.maps import Period
    >>> data = load_all(engine, period=Period.last(90))
    """
    hotspots = hotspots_lib.load(engine=engine)
    hotspots = hotspots[hotspots["status"].isin(SHOWN_HOTSPOTS)]
    return MapData(
        sites=_sites_with_priority(engine),
        bases=bases_lib.load(engine),
        reports=_reports(engine, period.start),
        hotspots=hotspots,
        routes=_routes(engine),
        demo=is_demo(engine),
        **_land_layers(engine),
    )


def _land_layers(engine: Engine) -> dict[str, gpd.GeoDataFrame | None]:
    """Return the permit and forest layers (geo.layers) and the alert patches (geo.alerts)."""
    from geo.alerts.service import patch_frame
    from geo.layers.service import map_frame

    with Session(engine) as session:
        patches = patch_frame(session=session)
        return {
            "wiup": map_frame(session=session, kind="wiup"),
            "forest": map_frame(session=session, kind="kawasan_hutan"),
            "alerts": patches if len(patches) else None,
        }


def load_overdue(engine: Engine, *, now: dt.datetime | None = None) -> pd.DataFrame:
    """Overdue complaint clocks as the briefing table wants them, with confidentiality.

    Columns: ``code``, ``received_at`` (when the clock started), ``clock``, ``due``,
    ``days_overdue`` and ``confidentiality`` (so the briefing can leave out ``rahasia``).

    Examples
    --------
    >>> "days_overdue" in load_overdue(engine).columns
    True
    """
    with Session(engine) as session:
        late = clocks.overdue(session=session, now=now)
    frame = pd.DataFrame(
        {
            "code": [c.code for c in late],
            "received_at": [c.started_at for c in late],
            "clock": [c.rule for c in late],
            "due": [c.due_at for c in late],
            "days_overdue": [-c.days_left for c in late],
        }
    )
    if frame.empty:
        return frame.assign(confidentiality=pd.Series(dtype=object))
    flags = report_query.load(engine=engine, role="analyst")[["code", "confidentiality"]]
    return frame.merge(flags, on="code", how="left")
