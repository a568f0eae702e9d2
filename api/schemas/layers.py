"""What crosses HTTP for ``/layers``: snapshots and the indicative class of a site or report."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ClassificationOut", "LayerSnapshotOut", "ObjectKind"]

ObjectKind = Literal["site", "report", "hotspot"]


class LayerSnapshotOut(BaseModel):
    """One imported layer version; ``newest`` marks the one classification uses."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: Literal["wiup", "kawasan_hutan", "pippib"]
    source: str
    snapshot_date: dt.date
    imported_at: dt.datetime
    imported_by: str
    feature_count: int
    skipped_count: int
    newest: bool


class ClassificationOut(BaseModel):
    """The indicative class of one object, its evidence, and guidance in the asked language."""

    model_config = ConfigDict(from_attributes=True)

    object_kind: ObjectKind
    object_code: str
    indicative: bool = Field(description="Always true: guidance, not a legal finding.")
    permit_class: Literal["LUAR_WIUP", "WIUP_OP", "WIUP_EKSPLORASI", "WIUP_BERAKHIR"] | None = (
        Field(description="None when no permit layer has been imported.")
    )
    permit_label: str | None
    permit_share: float | None = Field(description="Share of the object inside the permit, 0-1.")
    permit_distance_m: float | None
    permit: dict[str, Any] | None
    forest_flags: list[str]
    forest_labels: list[str]
    forest_shares: dict[str, float]
    moratorium: bool | None
    authority: Literal["PROVINSI", "PUSAT"] | None
    authority_label: str | None
    wiup_snapshot_date: dt.date | None
    forest_snapshot_date: dt.date | None
    pippib_snapshot_date: dt.date | None
    evaluated_on: dt.date
    tolerance_m: float
    guidance: list[str]
