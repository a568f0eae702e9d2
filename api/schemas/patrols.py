"""What crosses HTTP for ``/patrols`` and ``/inspections``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    field_validator,
)
from pydantic import ValidationError as PydanticValidationError

from api.schemas.common import (
    FiniteFloat,
    Line200,
    Line300,
    SiteCode,
    Text2000,
    Text10000,
)

__all__ = [
    "INSPECTION_RESULT",
    "PlanIn",
    "UnplannedOut",
    "PlanOut",
    "Track",
    "InspectionIn",
    "InspectionForm",
    "InspectionEvidenceRef",
    "InspectionOut",
    "InspectionEvidenceOut",
    "InspectionDetail",
    "PlaceIn",
    "PlaceOut",
    "TeamIn",
    "TeamOut",
]

INSPECTION_RESULT = Literal["active", "inactive", "equipment_seen", "sealed", "seized"]


class PlanIn(BaseModel):
    """A patrol planning request: the horizon, the teams, and the solver's time budget.

    Fields left out (or null) that are patrol settings (``shift``, ``max_drive_h``,
    ``skip_within_days``, ``must_visit_after_days``) take the server's ``PANTAU_PATROLS_*``
    values, as the CLI and the library do; travel times always follow the settings.
    """

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
    shift: (
        Annotated[str, StringConstraints(pattern=r"^[0-2][0-9]:[0-5][0-9]-[0-2][0-9]:[0-5][0-9]$")]
        | None
    ) = Field(default=None, description="Daily shift, e.g. 07:30-16:30; the settings' by default")
    max_drive_h: Annotated[float, Field(gt=0, le=16, allow_inf_nan=False)] | None = Field(
        default=None, description="Driving hours a day; the settings' by default"
    )
    mode: Literal["car", "4wd", "motorbike", "boat"] = "car"
    max_days_away: int | None = Field(
        default=None, ge=1, le=30, description="Days a team may be away on an expedition"
    )
    registered_teams: bool = Field(
        default=False, description="Plan with the teams kept under /teams instead of `teams`"
    )
    skip_within_days: Annotated[int, Field(ge=0, le=365)] | None = Field(
        default=None, description="Skip sites inspected in the last N days; settings' default"
    )
    must_visit_after_days: Annotated[int, Field(ge=1, le=3650)] | None = Field(
        default=None, description="A top site is overdue after N days; the settings' default"
    )
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

    model_config = ConfigDict(from_attributes=True)

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

    model_config = ConfigDict(from_attributes=True)

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


PlaceCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
]


class PlaceIn(BaseModel):
    """An office (``kind`` office) or a village, camp or forward base to sleep at."""

    model_config = ConfigDict(extra="forbid")

    code: PlaceCode
    name: Annotated[Line200, StringConstraints(min_length=1)]
    kind: Literal["office", "village", "camp", "forward_base"] = "village"
    lon: FiniteFloat = Field(ge=-180, le=180)
    lat: FiniteFloat = Field(ge=-90, le=90)
    kabupaten: Annotated[Line200, StringConstraints(max_length=100)] = ""
    address: Line300 = ""
    approximate: bool = False
    notes: Text2000 = ""


class PlaceOut(PlaceIn):
    """A stored office or overnight place."""


class TeamIn(BaseModel):
    """A field team: its home office, shift, travel limit, mode and days it may be away."""

    model_config = ConfigDict(extra="forbid")

    code: PlaceCode
    base_code: PlaceCode
    name: Line200 = ""
    shift: Annotated[str, StringConstraints(pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$")] = "07:30-16:30"
    max_drive_h: FiniteFloat = Field(default=6.0, gt=0, le=24)
    mode: Literal["car", "4wd", "motorbike", "boat"] = "car"
    max_days_away: int = Field(default=1, ge=1, le=30)


class TeamOut(TeamIn):
    """A stored field team."""
