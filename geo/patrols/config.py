"""Settings of patrol planning (``PANTAU_PATROL_*``): travel model, shifts and revisit rules."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from geo.patrols.travel import (
    DEFAULT_SPEEDS_KMH,
    HaversineTravel,
    OsrmTravel,
    TravelProvider,
)

__all__ = ["PatrolSettings", "get_patrol_settings", "travel_from_settings"]


class PatrolSettings(BaseSettings):
    """Defaults for planning; the CLI and the API options override them per plan.

    Examples
    --------
    >>> PatrolSettings(detour=1.5).detour
    1.5
    """

    model_config = SettingsConfigDict(
        env_prefix="PANTAU_PATROL_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    #: Average speed (km/h) per vehicle mode along the detoured great-circle line (JSON).
    speeds_kmh: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_SPEEDS_KMH))
    #: Road distance over great-circle distance; Kaltim's tracks wind around pits and rivers.
    detour: float = Field(default=1.3, ge=1.0)
    #: OSRM server for road travel times (e.g. the docker-compose ``osrm`` service).
    osrm_url: str | None = None
    #: Daily shift and driving limit of a team.
    shift: str = "07:30-16:30"
    max_drive_h: float = Field(default=6.0, gt=0)
    #: Revisit rules: skip sites inspected within N days; overdue after M days.
    skip_within_days: int = Field(default=14, ge=0)
    must_visit_after_days: int = Field(default=90, ge=0)


@lru_cache(maxsize=1)
def get_patrol_settings() -> PatrolSettings:
    """Return the process-wide patrol settings, read once from the environment."""
    return PatrolSettings()


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
