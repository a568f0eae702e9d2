"""Patrol settings (``Settings.patrols``, ``PANTAU_PATROLS_*``) and the travel they imply."""

from __future__ import annotations

from geo.patrols.travel import HaversineTravel, OsrmTravel, TravelProvider
from geo.settings import PatrolSettings

__all__ = ["PatrolSettings", "travel_from_settings"]


def travel_from_settings(settings: PatrolSettings) -> TravelProvider:
    """Return the OSRM provider when ``osrm_url`` is set, else great-circle × detour.

    With ``rivers_file`` that road provider is wrapped in a
    :class:`~geo.patrols.rivers.RiverTravel`: legs may go by boat along the rivers.

    Examples
    --------
    >>> type(travel_from_settings(PatrolSettings())).__name__
    'HaversineTravel'
    >>> travel_from_settings(PatrolSettings(detour=1.6)).detour
    1.6
    >>> from geo.settings import REPO_ROOT
    >>> rivers = REPO_ROOT / "data" / "demo_rivers.geojson"
    >>> type(travel_from_settings(PatrolSettings(rivers_file=rivers))).__name__
    'RiverTravel'
    """
    road: TravelProvider = (
        OsrmTravel(settings.osrm_url)
        if settings.osrm_url
        else HaversineTravel(speeds_kmh=settings.speeds_kmh, detour=settings.detour)
    )
    if settings.rivers_file is None:
        return road
    from geo.patrols.rivers import RiverTravel, load_rivers

    return RiverTravel(
        load_rivers(settings.rivers_file),
        road,
        river_kmh=settings.river_kmh,
        transfer_min=settings.launch_transfer_min,
    )
