"""Pydantic models for what crosses HTTP, kept apart from the table models in ``geo``.

Spatial collections are RFC 7946 GeoJSON; their models here document the shape in OpenAPI
while the routes stream the JSON that PostGIS builds (see :mod:`geo.features`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    field_validator,
)
from pydantic import ValidationError as PydanticValidationError

from geo.reports.models import (
    ACTIVITIES,
    CHANNELS,
    CONFIDENTIALITY,
    LOCATION_SOURCES,
    REPORT_STATUSES,
)
from geo.vocab import COMMODITIES, RISK_LEVELS, SITE_STATUSES

__all__ = [
    "ErrorDetail",
    "ErrorResponse",
    "ERRORS",
    "errors",
    "Geometry",
    "Feature",
    "FeatureCollection",
    "Link",
    "Health",
    "SiteCreate",
    "SiteUpdate",
    "SiteHistoryEntry",
    "GEOJSON",
]

GEOJSON = "application/geo+json"

Commodity = Literal[COMMODITIES]  # type: ignore[valid-type]  # Literal built from the vocabulary
SiteStatus = Literal[SITE_STATUSES]  # type: ignore[valid-type]
RiskLevel = Literal[RISK_LEVELS]  # type: ignore[valid-type]

# Printable text only: control characters are refused at the boundary, emoji are welcome.
ShortText = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$"
    ),
]
LongText = Annotated[
    str, StringConstraints(max_length=5000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")
]
SiteCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2,5}-[0-9]{1,5}$"),
]


class ErrorDetail(BaseModel):
    """What went wrong: a stable code, a message for people, and the field concerned."""

    code: str = Field(examples=["validation_error"])
    message: str = Field(examples=["latitude: Input should be less than or equal to 90"])
    field: str | None = Field(examples=["latitude"])


class ErrorResponse(BaseModel):
    """The one error body of every endpoint."""

    error: ErrorDetail


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return OpenAPI ``responses`` documenting ``statuses`` (and any other) as ErrorResponse."""
    described: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorResponse, "description": _DESCRIPTIONS.get(status, "Error")}
        for status in statuses
    }
    described["default"] = {"model": ErrorResponse, "description": "Error"}
    return described


_DESCRIPTIONS = {
    401: "No token, or an unknown or revoked token",
    403: "The token's role may not do this",
    404: "Not found",
    409: "Conflicts with what is stored",
    413: "Body or upload too large",
    422: "A value is not acceptable; `field` names it",
    429: "Too many requests from this address",
    503: "The database is unavailable",
}

#: Errors any route may return (validation, authentication, rate limit).
ERRORS = errors(401, 403, 422, 429)


class Geometry(BaseModel):
    """A GeoJSON geometry (RFC 7946) in WGS 84 longitude, latitude."""

    type: Literal["Point", "Polygon", "MultiPolygon", "LineString", "MultiLineString", "MultiPoint"]
    coordinates: Any = Field(examples=[[117.1536, -0.5022]])


class Feature(BaseModel):
    """A GeoJSON Feature."""

    model_config = ConfigDict(extra="allow")

    type: Literal["Feature"]
    id: str | int | None = None
    geometry: Geometry | None
    properties: dict[str, Any] | None


class Link(BaseModel):
    """A link of OGC API - Features (rel, type, href)."""

    href: str
    rel: str
    type: str | None = None
    title: str | None = None


class FeatureCollection(BaseModel):
    """A GeoJSON FeatureCollection with OGC API paging members."""

    model_config = ConfigDict(extra="allow")

    type: Literal["FeatureCollection"]
    features: list[Feature]
    numberMatched: int | None = None  # noqa: N815 - the OGC member name
    numberReturned: int | None = None  # noqa: N815 - the OGC member name
    timeStamp: str | None = None  # noqa: N815 - the OGC member name
    links: list[Link] = []


class Health(BaseModel):
    """Liveness or readiness of the service."""

    status: Literal["ok", "unavailable"]
    postgis: str | None = None
    detail: str | None = None


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


class SiteHistoryEntry(BaseModel):
    """One change to a site from the audit trail."""

    action: str
    actor: str
    source: str | None
    changed_at: dt.datetime
    changes: dict[str, Any]


# ---- reports -------------------------------------------------------------------------------

_NO_CONTROL = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
_NO_CONTROL_LINE = r"^[^\x00-\x1f\x7f]*$"
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
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


Line200 = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200, pattern=_NO_CONTROL_LINE)
]
Line300 = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=300, pattern=_NO_CONTROL_LINE)
]
Line1000 = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=1000, pattern=_NO_CONTROL_LINE)
]
Text2000 = Annotated[str, StringConstraints(max_length=2000, pattern=_NO_CONTROL)]
Text10000 = Annotated[str, StringConstraints(max_length=10_000, pattern=_NO_CONTROL)]


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

    code: str = Field(examples=["PTM-7K3Q9X"])
    status: str = Field(examples=["received"])
    created: bool = Field(description="False when this was a repeat of an earlier submission")
    duplicate_of: str | None = None


class ReportPublicStatus(BaseModel):
    """A report's status as the public may see it: status and dates, nothing internal."""

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


class ClockOut(BaseModel):
    """One complaint clock of one report."""

    code: str
    rule: str
    started_at: dt.datetime
    due_at: dt.datetime
    state: str
    days_left: int


# ---- hotspots ------------------------------------------------------------------------------

HotspotStatus = Literal["candidate", "lapsed", "dismissed", "promoted"]


class HotspotDetail(BaseModel):
    """A candidate hotspot: counts, channels, period, and the review decision if any."""

    model_config = ConfigDict(extra="allow")

    code: str
    status: str
    report_count: int
    reporter_count: int
    channels: list[str]
    first_seen: dt.datetime
    last_seen: dt.datetime
    review_reason: str | None = None
    reviewed_by: str | None = None
    reviewed_at: dt.datetime | None = None
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
    """The site a hotspot became."""

    hotspot: str
    site_code: str


class DismissIn(BaseModel):
    """Why a hotspot is not a mining site."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "Galian pasir berizin"}]}
    )

    reason: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=2000, pattern=_NO_CONTROL
        ),
    ]


class ClusterIn(BaseModel):
    """DBSCAN parameters of a clustering run; defaults come from the hotspot settings."""

    model_config = ConfigDict(extra="forbid")

    eps_m: Annotated[float, Field(gt=0, le=50_000, allow_inf_nan=False)] | None = None
    min_reports: Annotated[int, Field(ge=2, le=1000)] | None = None
    window_days: Annotated[int, Field(ge=1, le=3650)] | None = None


class ClusterOut(BaseModel):
    """What a clustering run did."""

    clusters: int
    clustered_reports: int
    noise_reports: int
    created: list[str]
    kept: list[str]
    revived: list[str]
    lapsed: list[str]


# ---- patrols and inspections ---------------------------------------------------------------

INSPECTION_RESULT = Literal["active", "inactive", "equipment_seen", "sealed", "seized"]


class PlanIn(BaseModel):
    """A patrol planning request: the horizon, the teams, and the solver's time budget."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"start": "2026-12-01", "days": 10, "teams": 4, "budget_s": 10}]
        },
    )

    start: dt.date | None = Field(default=None, description="First day; tomorrow by default")
    days: Annotated[int, Field(ge=1, le=30)] = 10
    teams: Annotated[int, Field(ge=1, le=12)] = 4
    budget_s: Annotated[float, Field(ge=0.5, le=120, allow_inf_nan=False)] = 10.0
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0
    vary: Annotated[float, Field(ge=0, le=0.5, allow_inf_nan=False)] = 0.0
    shift: Annotated[
        str, StringConstraints(pattern=r"^[0-2][0-9]:[0-5][0-9]-[0-2][0-9]:[0-5][0-9]$")
    ] = "07:30-16:30"
    max_drive_h: Annotated[float, Field(gt=0, le=16, allow_inf_nan=False)] = 6.0
    mode: Literal["car", "4wd", "motorbike", "boat"] = "car"
    skip_within_days: Annotated[int, Field(ge=0, le=365)] = 14
    must_visit_after_days: Annotated[int, Field(ge=1, le=3650)] = 90
    include_excluded: bool = False
    work_weekends: bool = False
    work_holidays: bool = False


class UnplannedOut(BaseModel):
    """A site left out of the plan, with the reason."""

    site_code: str
    reason: str
    detail: str | None = None
    priority: float | None = None


class PlanOut(BaseModel):
    """A stored patrol plan: period, totals, unplanned sites, and its export files."""

    plan_id: int
    created_by: str
    start_date: dt.date
    end_date: dt.date
    working_days: int
    total_priority: float
    total_km: float
    unplanned: list[UnplannedOut]
    exports: list[str] = Field(description="Export files, relative to .../exports/")


class _InspectionFields(BaseModel):
    """Fields of an inspection shared by the JSON body and the multipart form."""

    site_code: SiteCode
    result: INSPECTION_RESULT
    inspected_on: dt.date | None = None
    team: Annotated[str, StringConstraints(max_length=32, pattern=r"^[A-Za-z0-9_-]*$")] | None = (
        None
    )
    notes: Text10000 | None = None


Track = Annotated[list[tuple[FiniteFloat, FiniteFloat]], Field(max_length=50_000)]
_TRACK = TypeAdapter(Track)


class InspectionIn(_InspectionFields):
    """The result of a visit to a site."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "site_code": "KKR-001",
                    "result": "equipment_seen",
                    "inspected_on": "2026-11-20",
                    "team": "TIM-1",
                    "notes": "Dua ekskavator, tidak ada pekerja",
                }
            ]
        },
    )

    track: Track | None = Field(default=None, description="GPS track as [lon, lat] pairs")


class InspectionForm(_InspectionFields):
    """The inspection fields as multipart form fields, next to the evidence files.

    ``track`` is the same list of ``[lon, lat]`` pairs, sent as JSON text in its form field
    (a form field is text; a list annotation would make FastAPI collect repeated fields).
    """

    model_config = ConfigDict(extra="ignore")

    track: Annotated[str, StringConstraints(max_length=2_000_000)] | None = Field(
        default=None,
        description="GPS track as a JSON list of [lon, lat] pairs",
        examples=["[[117.10, -0.50], [117.11, -0.49]]"],
    )

    @field_validator("track")
    @classmethod
    def _track_is_json_pairs(cls, value: str | None) -> str | None:
        if value is not None and value.strip():
            try:
                _TRACK.validate_json(value)
            except PydanticValidationError as exc:
                first = exc.errors()[0]
                where = "".join(f"[{p}]" for p in first.get("loc", ()))
                raise ValueError(
                    f"expected a JSON list of [lon, lat] pairs{' at ' + where if where else ''}: "
                    f"{first.get('msg', 'not valid')}"
                ) from None
        return value

    def to_inspection(self) -> InspectionIn:
        """Return the same inspection as the JSON body would carry it (track parsed)."""
        fields = self.model_dump(exclude={"track"})
        track = _TRACK.validate_json(self.track) if self.track and self.track.strip() else None
        return InspectionIn(**fields, track=track)


class InspectionEvidenceRef(BaseModel):
    """One evidence file of an inspection as recorded: name as sent, hash, size, type."""

    name: str | None
    sha256: str
    bytes: int
    mime: str | None = None


class InspectionOut(BaseModel):
    """What recording an inspection changed, and the evidence files stored with it."""

    inspection_id: int
    site_code: str
    status_before: str
    status_after: str
    reports_advanced: list[str]
    reports_closed: list[str]
    evidence: list[InspectionEvidenceRef] = []


class InspectionEvidenceOut(BaseModel):
    """A stored evidence file of an inspection; download it at ``.../evidence/{sha256}``."""

    sha256: str
    bytes: int
    mime: str
    name: str | None
    added_by: str
    added_at: dt.datetime | None


class InspectionDetail(BaseModel):
    """One recorded inspection with its stored evidence files."""

    inspection_id: int
    site_code: str
    visit_id: int | None
    team: str | None
    inspected_on: dt.date
    result: str
    status_before: str
    status_after: str
    notes: str | None
    recorded_by: str
    recorded_at: dt.datetime | None
    evidence: list[InspectionEvidenceOut]
