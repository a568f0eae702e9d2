"""What crosses HTTP for ``/reports``: intake, receipts, status, history, clocks."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)

from api.schemas.common import (
    Commodity,
    FiniteFloat,
    Line200,
    Line300,
    Line1000,
    Text2000,
    Text10000,
)
from api.schemas.layers import ClassificationOut
from geo.reports.models import (
    ACTIVITIES,
    CHANNELS,
    CONFIDENTIALITY,
    LOCATION_SOURCES,
    REPORT_STATUSES,
)

__all__ = [
    "ReportChannel",
    "LocationSource",
    "Activity",
    "Confidentiality",
    "ReportStatus",
    "ReportCode",
    "ReportIn",
    "ReportReceipt",
    "ReportPublicStatus",
    "TransitionIn",
    "ReportHistoryEntry",
    "EvidenceInfo",
    "ReportDetail",
    "ClockOut",
    "UnlinkIn",
    "MergeIn",
    "LinkChangeOut",
    "GroupMemberOut",
    "GroupEntryOut",
    "ReportGroupOut",
]

ReportChannel = Literal[CHANNELS]  # type: ignore[valid-type]
LocationSource = Literal[LOCATION_SOURCES]  # type: ignore[valid-type]
Activity = Literal[ACTIVITIES]  # type: ignore[valid-type]
Confidentiality = Literal[CONFIDENTIALITY]  # type: ignore[valid-type]
ReportStatus = Literal[REPORT_STATUSES]  # type: ignore[valid-type]
ReportCode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}-[A-Za-z0-9]{4,12}$"
    ),
]


class ReportIn(BaseModel):
    """A report of suspected illegal mining; give a point (lat, lon) or a described place."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "lat": -0.5123,
                    "lon": 117.0871,
                    "location_source": "device_gps",
                    "accuracy_m": 15,
                    "activity": "excavator",
                    "commodity_guess": "batubara",
                    "description": "Dua ekskavator bekerja malam hari di belakang kebun sawit.",
                    "confidentiality": "anonim",
                }
            ]
        },
    )

    channel: ReportChannel | None = Field(
        default=None, description="Staff only; public submissions are always the web form"
    )
    lat: FiniteFloat | None = Field(default=None, description="WGS 84 latitude, degrees")
    lon: FiniteFloat | None = Field(default=None, description="WGS 84 longitude, degrees")
    observed_at: dt.datetime | None = None
    received_at: dt.datetime | None = Field(
        default=None, description="Staff only (back-filling a hotline log); now by default"
    )
    location_source: LocationSource | None = None
    accuracy_m: Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False)] | None = None
    location_text: Line1000 | None = None
    title: Line300 | None = None
    description: Text10000 | None = None
    activity: Activity | None = None
    commodity_guess: Commodity | None = None
    confidentiality: Confidentiality | None = Field(
        default=None, description="rahasia (default, never shown outside the agency) or anonim"
    )
    reporter_name: Line200 | None = None
    reporter_phone: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, max_length=40, pattern=r"^[0-9+()\- .]*$")
        ]
        | None
    ) = None
    external_id: Line200 | None = None


class ReportReceipt(BaseModel):
    """What the submitter gets back: the tracking code to ask about the report later."""

    model_config = ConfigDict(from_attributes=True)

    code: str = Field(examples=["PTM-7K3Q9X"])
    status: str = Field(examples=["received"])
    created: bool = Field(description="False when this was a repeat of an earlier submission")
    duplicate_of: str | None = None


class ReportPublicStatus(BaseModel):
    """A report's status as the public may see it: status and dates, nothing internal."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    status: str
    received_at: dt.datetime
    status_changed_at: dt.datetime


class TransitionIn(BaseModel):
    """A status change of a report."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"to": "verified", "reason": "Lokasi dan foto cocok"}]},
    )

    to: ReportStatus
    reason: Text2000 | None = None
    resolution: Annotated[str, StringConstraints(max_length=24, pattern=r"^[a-z_]*$")] | None = None


class ReportHistoryEntry(BaseModel):
    """One status transition of a report."""

    model_config = ConfigDict(from_attributes=True)

    from_status: str | None
    to_status: str
    actor: str
    at: dt.datetime
    reason: str | None


class EvidenceInfo(BaseModel):
    """An evidence file of a report, identified by its SHA-256."""

    sha256: str
    mime: str
    size_bytes: int
    exif_lat: float | None = None
    exif_lon: float | None = None
    exif_time: dt.datetime | None = None


class ReportDetail(BaseModel):
    """A report as a staff role may see it (identity only for intake operators and admins)."""

    model_config = ConfigDict(extra="allow")

    code: str
    channel: str
    status: str
    confidentiality: str
    received_at: dt.datetime
    lat: float | None = None
    lon: float | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    history: list[ReportHistoryEntry] = []
    evidence: list[EvidenceInfo] = []
    clocks: list[dict[str, Any]] = []
    #: The report's indicative class by the permit and forest layers, with guidance in the
    #: asked language; null before any classification (``pantau layers classify``).
    indicative_class: ClassificationOut | None = None


class ClockOut(BaseModel):
    """One complaint clock of one report."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    rule: str
    started_at: dt.datetime
    due_at: dt.datetime
    state: str
    days_left: int


class UnlinkIn(BaseModel):
    """Take a wrongly linked report out of its group: why (kept in the group's history)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "Lokasi berbeda 2 km, bukan laporan yang sama"}]
        },
    )

    reason: Text2000


class MergeIn(BaseModel):
    """Link a missed duplicate into the group of report ``into``, and why."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"into": "PTM-7K3Q9X", "reason": "Foto lubang yang sama"}]},
    )

    into: ReportCode
    reason: Text2000


class LinkChangeOut(BaseModel):
    """What an unlink or a merge did: the report, the group's root and members after it."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    event: Literal["unlinked", "merged"]
    root: str | None
    members: list[str]
    moved: list[str]


class GroupMemberOut(BaseModel):
    """One report of a group with its own clocks (none when it rides on the root's)."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    channel: str
    status: str
    received_at: dt.datetime
    is_root: bool
    duplicate_rule: str | None
    own_ticket: bool
    clocks: list[ClockOut]
    same_evidence: list[str] = []


class GroupEntryOut(BaseModel):
    """One event of a group's history: a status change or a link change."""

    model_config = ConfigDict(from_attributes=True)

    at: dt.datetime
    code: str
    kind: Literal["status", "link"]
    actor: str
    reason: str | None
    from_status: str | None = None
    to_status: str | None = None
    event: str | None = None
    other: str | None = None


class ReportGroupOut(BaseModel):
    """A report's group of linked reports: root, members with clocks, history oldest first."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    root: str
    members: list[GroupMemberOut]
    history: list[GroupEntryOut]
