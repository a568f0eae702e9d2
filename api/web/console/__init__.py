"""The staff web console: server-rendered pages over the same use cases as the CLI and the API.

:func:`mount` adds its routes to the application: ``/`` (sign-in, or Beranda), ``/laporan``
(the inbox and a report's page), ``/hotspot`` (hotspots to review), ``/lokasi`` (the registry),
``/patroli`` (patrol plans and inspections), ``/tim`` (teams and places), ``/peta`` (maps and
briefings made on request), the language switch and the map's aggregated report data. Staff sign
in with the accounts of :mod:`geo.accounts` (``pantau users create``); see
:mod:`api.web.console.session` for sessions and CSRF.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.ratelimit import PgRateLimiter
from api.web.console import fleet, hotspots, maps, pages, patrols, reports, session, sites
from geo.settings import Settings

__all__ = ["mount"]


def mount(app: FastAPI, settings: Settings) -> None:
    """Add the console's routes, error pages and sign-in rate limit to ``app``."""
    rate = settings.console.login_rate_per_minute
    app.state.console_login_limiter = PgRateLimiter(rate, rate)
    session.install(app)
    routers = (pages, reports, hotspots, sites, patrols, fleet, maps)
    for module in routers:
        app.include_router(module.router)
