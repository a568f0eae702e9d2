"""What crosses HTTP for ``/hotspots``: detail, cluster runs, promote and dismiss."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)

from api.schemas.common import NO_CONTROL, Commodity, ShortText, SiteCode

__all__ = [
    "HotspotStatus",
    "HotspotDetail",
    "PromoteIn",
    "PromoteOut",
    "DismissIn",
    "ClusterIn",
    "ClusterOut",
]

HotspotStatus = Literal["candidate", "lapsed", "dismissed", "promoted"]


class HotspotDetail(BaseModel):
    """A candidate hotspot: counts, channels, period, and the review decision if any."""

    model_config = ConfigDict(extra="allow", from_attributes=True)

    code: str
    status: str
    report_count: int
    reporter_count: int
    duplicate_count: int | None = None
    channels: list[str]
    first_seen: dt.datetime
    last_seen: dt.datetime
    review_reason: str | None = None
    reviewed_by: str | None = None
    reviewed_at: dt.datetime | None = None
    notes: str | None = None
    lon: float | None = None
    lat: float | None = None


class PromoteIn(BaseModel):
    """Make a hotspot a site; every field defaults sensibly (see the hotspot library)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"code": "KKR-950", "name": "Bukaan baru Sebulu"}]},
    )

    code: SiteCode | None = None
    name: ShortText | None = None
    kabupaten: ShortText | None = None
    commodity: Commodity | None = None


class PromoteOut(BaseModel):
    """The site a hotspot became, with its reports and priority as computed at promotion."""

    model_config = ConfigDict(from_attributes=True)

    hotspot: str
    site_code: str
    independent_reports: int | None = None
    priority_score: float | None = None
    priority_rank: int | None = None


class DismissIn(BaseModel):
    """Why a hotspot is not a mining site."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "Galian pasir berizin"}]}
    )

    reason: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=2000, pattern=NO_CONTROL),
    ]


class ClusterIn(BaseModel):
    """DBSCAN parameters of a clustering run; defaults come from the hotspot settings."""

    model_config = ConfigDict(extra="forbid")

    eps_m: Annotated[float, Field(gt=0, le=50_000, allow_inf_nan=False)] | None = None
    min_reports: Annotated[int, Field(ge=2, le=1000)] | None = None
    window_days: Annotated[int, Field(ge=1, le=3650)] | None = None


class ClusterOut(BaseModel):
    """What a clustering run did."""

    model_config = ConfigDict(from_attributes=True)

    clusters: int
    clustered_reports: int
    noise_reports: int
    created: list[str]
    kept: list[str]
    revived: list[str]
    lapsed: list[str]
