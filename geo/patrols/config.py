"""Patrol settings (``Settings.patrols``, ``PANTAU_PATROLS_*``) and the travel they imply."""

from __future__ import annotations

from geo.patrols.travel import HaversineTravel, OsrmTravel, TravelProvider
from geo.settings import PatrolSettings, get_settings

__all__ = ["PatrolSettings", "get_patrol_settings", "travel_from_settings"]


def get_patrol_settings() -> PatrolSettings:
    """Return the ``patrols`` section of the process-wide settings tree."""
    return get_settings().patrols


def travel_from_settings(settings: PatrolSettings) -> TravelProvider:
    """Return the OSRM provider when ``osrm_url`` is set, else great-circle × detour.

    Examples
    --------
    >>> type(travel_from_settings(PatrolSettings())).__name__
    'HaversineTravel'
    """
    if settings.osrm_url:
        return OsrmTravel(settings.osrm_url)
    return HaversineTravel(speeds_kmh=settings.speeds_kmh, detour=settings.detour)
