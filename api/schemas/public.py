"""What crosses HTTP for ``/public``: the public-information view (PPID), aggregates only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["KabupatenCount", "MonthCount", "PublicSummaryOut"]


class KabupatenCount(BaseModel):
    """Reports counted in one regency or city."""

    kabupaten: str
    reports: int


class MonthCount(BaseModel):
    """Reports received in one month (``2026-11``)."""

    month: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}$", examples=["2026-11"])
    reports: int


class PublicSummaryOut(BaseModel):
    """Counts by regency and month, 5 km cells and the sites marked public; nothing else."""

    model_config = ConfigDict(extra="forbid")

    start: dt.date
    end: dt.date
    min_count: int = Field(description="Cells with fewer reports than this are left out")
    reports: int
    hotspots: int
    by_kabupaten: list[KabupatenCount]
    by_month: list[MonthCount]
    cells: dict[str, Any] = Field(
        description="GeoJSON FeatureCollection of 5 km cells (reports, hotspots) and public sites"
    )
