"""Tables of the permit and land-status layers.

Snapshots, their features, the editable ``FUNGSIKWS`` mapping and the indicative
classification of every site, report and hotspot.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from geo.layers.config import FOREST_FUNCTIONS, KINDS, OBJECT_KINDS, PERMIT_CLASSES
from geo.models import Base

__all__ = ["ForestFunction", "LayerClassification", "LayerFeature", "LayerSnapshot"]


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class LayerSnapshot(Base):
    """One import of one layer file or service: the dated version classification cites."""

    __tablename__ = "layer_snapshots"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="ck_layer_snapshots_kind"),
        Index("ix_layer_snapshots_kind_imported", "kind", "imported_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(Text)
    snapshot_date: Mapped[dt.date] = mapped_column(Date)
    imported_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    imported_by: Mapped[str] = mapped_column(String(100))
    feature_count: Mapped[int] = mapped_column(Integer)
    skipped_count: Mapped[int] = mapped_column(Integer, server_default="0")


class LayerFeature(Base):
    """A polygon of a snapshot with normalised (``attrs``) and original (``raw``) attributes."""

    __tablename__ = "layer_features"
    __table_args__ = (
        Index("ix_layer_features_geog", text("(geom::geography)"), postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("layer_snapshots.id", ondelete="CASCADE"), index=True
    )
    source_row: Mapped[int] = mapped_column(Integer)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=True)
    )
    attrs: Mapped[dict[str, Any]] = mapped_column(JSONB)
    raw: Mapped[dict[str, Any]] = mapped_column(JSONB)


class ForestFunction(Base):
    """The agency's mapping of the forest layer's ``FUNGSIKWS`` codes to functions."""

    __tablename__ = "forest_functions"
    __table_args__ = (
        CheckConstraint(_in("function", FOREST_FUNCTIONS), name="ck_forest_functions_function"),
    )

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    function: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)


class LayerClassification(Base):
    """The indicative class of one site, report or hotspot, with its evidence."""

    __tablename__ = "layer_classifications"
    __table_args__ = (
        UniqueConstraint("object_kind", "object_id", name="uq_layer_classifications_object"),
        CheckConstraint(_in("object_kind", OBJECT_KINDS), name="ck_layer_class_object_kind"),
        CheckConstraint(
            f"permit_class IS NULL OR {_in('permit_class', PERMIT_CLASSES)}",
            name="ck_layer_class_permit_class",
        ),
        CheckConstraint(
            "authority IS NULL OR authority IN ('PROVINSI', 'PUSAT')",
            name="ck_layer_class_authority",
        ),
        Index("ix_layer_classifications_code", "object_kind", "object_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    object_kind: Mapped[str] = mapped_column(String(10))
    object_id: Mapped[int] = mapped_column(Integer)
    object_code: Mapped[str] = mapped_column(String(32))
    permit_class: Mapped[str | None] = mapped_column(String(20))
    permit_share: Mapped[float | None] = mapped_column(Float)
    permit_distance_m: Mapped[float | None] = mapped_column(Float)
    permit: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    forest_flags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    forest_shares: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    moratorium: Mapped[bool | None] = mapped_column(Boolean)
    authority: Mapped[str | None] = mapped_column(String(10))
    wiup_snapshot_id: Mapped[int | None] = mapped_column(
        ForeignKey("layer_snapshots.id", ondelete="SET NULL")
    )
    wiup_snapshot_date: Mapped[dt.date | None] = mapped_column(Date)
    forest_snapshot_id: Mapped[int | None] = mapped_column(
        ForeignKey("layer_snapshots.id", ondelete="SET NULL")
    )
    forest_snapshot_date: Mapped[dt.date | None] = mapped_column(Date)
    pippib_snapshot_id: Mapped[int | None] = mapped_column(
        ForeignKey("layer_snapshots.id", ondelete="SET NULL")
    )
    pippib_snapshot_date: Mapped[dt.date | None] = mapped_column(Date)
    evaluated_on: Mapped[dt.date] = mapped_column(Date)
    tolerance_m: Mapped[float] = mapped_column(Float)
    classified_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
