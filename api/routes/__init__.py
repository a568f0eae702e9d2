"""One router per resource; :data:`ROUTERS` is what the application factory mounts."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import (
    alerts,
    bases,
    calendar,
    health,
    hotspots,
    inspections,
    layers,
    maps,
    ogc,
    patrols,
    public,
    reports,
    sites,
)

__all__ = ["ROUTERS"]

ROUTERS: list[APIRouter] = [
    health.router,
    sites.router,
    reports.router,
    hotspots.router,
    patrols.router,
    bases.router,
    inspections.router,
    maps.router,
    calendar.router,
    ogc.router,
    layers.router,
    public.router,
    alerts.router,
]
