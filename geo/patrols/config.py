"""Patrol settings (``Settings.patrols``, ``PANTAU_PATROLS_*``) and the travel they imply."""

from __future__ import annotations

from geo.patrols.travel import HaversineTravel, OsrmTravel, TravelProvider
from geo.settings import PatrolSettings

__all__ = ["PatrolSettings", "travel_from_settings"]


def travel_from_settings(settings: PatrolSettings) -> TravelProvider:
    """Return the OSRM provider when ``osrm_url`` is set, else great-circle × detour.

    Examples
    --------
    >>> type(travel_from_settings(PatrolSettings())).__name__
    'HaversineTravel'
    >>> travel_from_settings(PatrolSettings(detour=1.6)).detour
    1.6
    """
    if settings.osrm_url:
        return OsrmTravel(settings.osrm_url)
    return HaversineTravel(speeds_kmh=settings.speeds_kmh, detour=settings.detour)
