"""Load every map layer from the database through the library that owns it.

The reports, hotspots and patrol libraries grow in parallel with the maps; a layer whose
loader is not present in this version is left out (``None``), never faked.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
from sqlalchemy import Engine, exists, select

from geo import bases as bases_lib
from geo import sites as sites_lib
from geo.db import use_session
from geo.models import SiteAudit

if TYPE_CHECKING:
    from geo.maps.build import Period

__all__ = ["MapData", "load_all", "is_demo"]


@dataclass
class MapData:
    """The frames a map is built from; ``None`` where no library provides the layer yet."""

    sites: gpd.GeoDataFrame
    bases: gpd.GeoDataFrame | None
    reports: gpd.GeoDataFrame | None
    hotspots: gpd.GeoDataFrame | None
    routes: gpd.GeoDataFrame | None
    demo: bool


def _loader(module: str, name: str = "load") -> Callable[..., Any] | None:
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module.startswith(exc.name):
            return None
        raise
    func = getattr(mod, name, None)
    return func if callable(func) else None


def is_demo(engine: Engine) -> bool:
    """Whether the registry was loaded by ``pantau demo`` (audit rows by the ``demo`` actor)."""
    with use_session(engine) as session:
        return bool(session.scalar(select(exists().where(SiteAudit.actor == "demo"))))


def load_all(engine: Engine, *, period: Period) -> MapData:
    """Load sites, bases, reports (since the period start), hotspots and patrol routes.

    Examples
    --------
    >>> data = load_all(engine, period=Period.last(90))  # doctest: +SKIP
    """
    sites = sites_lib.load(engine)
    bases = bases_lib.load(engine)
    reports = hotspots = routes = None
    load_reports = _loader("geo.reports")
    if load_reports is not None:
        since = dt.datetime.combine(period.start, dt.time(), tzinfo=dt.UTC)
        reports = load_reports(engine, since=since)
    load_hotspots = _loader("geo.hotspots")
    if load_hotspots is not None:
        hotspots = load_hotspots(engine)
    load_routes = _loader("geo.patrols", "load_routes")
    if load_routes is not None:
        routes = load_routes(engine)
    return MapData(sites, bases, reports, hotspots, routes, is_demo(engine))
