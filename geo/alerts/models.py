"""Tables of satellite alerts: imports, alert pixels, patches and the reports they corroborate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from geo.models import Base

__all__ = ["Alert", "AlertImport", "AlertPatch", "AlertPatchReport"]


class AlertImport(Base):
    """One import of a file or one fetch from the Data API, with what it added."""

    __tablename__ = "alert_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    origin: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    imported_by: Mapped[str] = mapped_column(String(100))
    rows_read: Mapped[int] = mapped_column(Integer)
    outside_aoi: Mapped[int] = mapped_column(Integer)
    added: Mapped[int] = mapped_column(Integer)


class Alert(Base):
    """One alert pixel, keyed by source, date and position rounded to 5 decimals."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("source", "alert_date", "lon_key", "lat_key", name="uq_alerts_key"),
        Index("ix_alerts_date", "alert_date"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    alert_date: Mapped[dt.date] = mapped_column(Date)
    lon_key: Mapped[int] = mapped_column(Integer)
    lat_key: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[int] = mapped_column(SmallInteger)
    intensity: Mapped[int | None] = mapped_column(SmallInteger)
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_imports.id", ondelete="SET NULL")
    )


class AlertPatch(Base):
    """Alert pixels grouped in space and time, matched and classified (rebuilt as a whole)."""

    __tablename__ = "alert_patches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    source: Mapped[str] = mapped_column(String(40))
    first_date: Mapped[dt.date] = mapped_column(Date)
    last_date: Mapped[dt.date] = mapped_column(Date)
    alert_count: Mapped[int] = mapped_column(Integer)
    max_confidence: Mapped[int] = mapped_column(SmallInteger)
    area_ha: Mapped[float] = mapped_column(Float)
    hull: Mapped[WKBElement] = mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=True))
    centroid: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    site_distance_m: Mapped[float | None] = mapped_column(Float)
    # hotspots has no ORM model; the migration declares the foreign key.
    hotspot_id: Mapped[int | None] = mapped_column(Integer)
    hotspot_distance_m: Mapped[float | None] = mapped_column(Float)
    report_count: Mapped[int] = mapped_column(Integer, server_default="0")
    candidate: Mapped[bool] = mapped_column(Boolean)
    permit_class: Mapped[str | None] = mapped_column(String(20))
    permit: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    forest_flags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    authority: Mapped[str | None] = mapped_column(String(10))
    wiup_snapshot_date: Mapped[dt.date | None] = mapped_column(Date)
    forest_snapshot_date: Mapped[dt.date | None] = mapped_column(Date)
    window_from: Mapped[dt.date] = mapped_column(Date)
    window_to: Mapped[dt.date] = mapped_column(Date)
    eps_m: Mapped[float] = mapped_column(Float)
    min_alerts: Mapped[int] = mapped_column(Integer)
    built_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class AlertPatchReport(Base):
    """A report near a patch: the report is corroborated by the satellite."""

    __tablename__ = "alert_patch_reports"

    patch_id: Mapped[int] = mapped_column(
        ForeignKey("alert_patches.id", ondelete="CASCADE"), primary_key=True
    )
    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    distance_m: Mapped[float] = mapped_column(Float)
