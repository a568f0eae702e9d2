"""Thresholds of report intake and deduplication, read from ``PANTAU_REPORTS_*`` variables.

The complaint clocks are not here: they live in the ``clock_rules`` table so that the agency can
change them without a deployment (see :mod:`geo.reports.clocks`).
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ReportSettings", "get_report_settings", "LOCAL_TIMEZONE"]

#: East Kalimantan keeps WITA (UTC+8): naive times from the hotline or LAPOR! are read in it.
LOCAL_TIMEZONE = "Asia/Makassar"


class ReportSettings(BaseSettings):
    """Intake limits and deduplication thresholds; every field is ``PANTAU_REPORTS_<NAME>``."""

    model_config = SettingsConfigDict(
        env_prefix="PANTAU_REPORTS_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    #: A photo whose EXIF position is farther than this from the claimed point is flagged.
    exif_max_distance_m: float = Field(default=2000.0, gt=0)
    #: A photo taken more than this many days before the observation is flagged.
    exif_max_age_days: float = Field(default=30.0, gt=0)
    #: Reports by the same (or an unknown) reporter this close in space and time are near
    #: duplicates of the earliest one.
    near_duplicate_distance_m: float = Field(default=200.0, ge=0)
    near_duplicate_hours: float = Field(default=48.0, ge=0)
    #: Size limits of evidence files, per kind.
    max_photo_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    max_video_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    #: Rows written per transaction by the bulk importer.
    import_batch_size: int = Field(default=2000, gt=0)
    #: Clock skew tolerated before a time counts as "in the future".
    future_tolerance_s: float = Field(default=300.0, ge=0)


@lru_cache(maxsize=1)
def get_report_settings() -> ReportSettings:
    """Return the process-wide report settings, read once from the environment."""
    return ReportSettings()
