"""What crosses HTTP for ``/sites``: create, update, and the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)

from api.schemas.common import Commodity, LongText, RiskLevel, ShortText, SiteCode, SiteStatus

__all__ = [
    "GeometryIn",
    "SiteCreate",
    "SiteUpdate",
    "SiteHistoryEntry",
]


class GeometryIn(BaseModel):
    """A Point, Polygon or MultiPolygon in WGS 84 (longitude first, as RFC 7946 says)."""

    type: Literal["Point", "Polygon", "MultiPolygon"]
    coordinates: list[Any] = Field(min_length=1, max_length=10_000)


class SiteCreate(BaseModel):
    """A new site for the registry."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "KKR-901",
                    "name": "Bukaan baru Loa Kulu",
                    "geometry": {"type": "Point", "coordinates": [116.92, -0.48]},
                    "kabupaten": "Kutai Kartanegara",
                    "kecamatan": "Loa Kulu",
                    "commodity": "batubara",
                    "status": "suspected",
                    "risk_level": "high",
                }
            ]
        },
    )

    code: SiteCode
    name: ShortText
    geometry: GeometryIn
    kabupaten: ShortText
    kecamatan: ShortText | None = None
    commodity: Commodity
    status: SiteStatus = "suspected"
    risk_level: RiskLevel = "medium"
    first_reported: dt.date | None = None
    last_inspected: dt.date | None = None
    notes: LongText | None = None


class SiteUpdate(BaseModel):
    """Fields of a site to change; fields left out stay as they are."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"status": "sealed", "last_inspected": "2026-11-20"}]},
    )

    name: ShortText | None = None
    geometry: GeometryIn | None = None
    kabupaten: ShortText | None = None
    kecamatan: ShortText | None = None
    commodity: Commodity | None = None
    status: SiteStatus | None = None
    risk_level: RiskLevel | None = None
    first_reported: dt.date | None = None
    last_inspected: dt.date | None = None
    notes: LongText | None = None
    #: Show the site by point and name in the public view (PPID).
    public: bool | None = None


class SiteHistoryEntry(BaseModel):
    """One change to a site from the audit trail."""

    model_config = ConfigDict(from_attributes=True)

    action: str
    actor: str
    source: str | None
    changed_at: dt.datetime
    changes: dict[str, Any]
