"""Tables of patrol planning: saved plans, their routes and visits, and inspection results."""

from __future__ import annotations

import datetime as dt
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
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
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from geo.models import Base

__all__ = [
    "PatrolPlan",
    "PatrolRoute",
    "PatrolVisit",
    "Inspection",
    "InspectionEvidence",
    "INSPECTION_RESULTS",
    "STATUS_AFTER",
    "OvernightPlace",
    "PatrolTeam",
    "OVERNIGHT_KINDS",
]

#: Where a team on an expedition may sleep: a village (homestay, the kepala desa's house), a
#: camp, or a forward base of the agency or a partner.
OVERNIGHT_KINDS: tuple[str, ...] = ("village", "camp", "forward_base")

#: What a team can find at a site: activity, none, heavy equipment, and enforcement done.
INSPECTION_RESULTS: tuple[str, ...] = ("active", "inactive", "equipment_seen", "sealed", "seized")

#: The site's registry status after an inspection with each result. Seizing equipment goes
#: with a police line, so the site counts as sealed; no activity means dormant, not closed.
STATUS_AFTER: dict[str, str] = {
    "active": "active",
    "equipment_seen": "active",
    "inactive": "dormant",
    "sealed": "sealed",
    "seized": "sealed",
}


class PatrolPlan(Base):
    """A plan as it was made: horizon, parameters, totals and the unplanned sites."""

    __tablename__ = "patrol_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    created_by: Mapped[str] = mapped_column(String(100))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    working_days: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    budget_s: Mapped[float] = mapped_column(Float)
    total_priority: Mapped[float] = mapped_column(Float)
    total_km: Mapped[float] = mapped_column(Float)
    params: Mapped[dict[str, Any]] = mapped_column()
    unplanned: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)


class PatrolRoute(Base):
    """One team's day of a plan, with the route line (base → sites → base)."""

    __tablename__ = "patrol_routes"
    __table_args__ = (UniqueConstraint("plan_id", "team", "route_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("patrol_plans.id", ondelete="CASCADE"))
    team: Mapped[str] = mapped_column(String(32))
    route_date: Mapped[dt.date] = mapped_column(Date)
    base_code: Mapped[str] = mapped_column(String(32))
    depart: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    back: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    drive_min: Mapped[float] = mapped_column(Float)
    distance_km: Mapped[float] = mapped_column(Float)
    visits: Mapped[int] = mapped_column(Integer)
    priority: Mapped[float] = mapped_column(Float)
    geom: Mapped[WKBElement] = mapped_column(Geometry("LINESTRING", srid=4326))


class PatrolVisit(Base):
    """A planned inspection of a site within a plan."""

    __tablename__ = "patrol_visits"
    __table_args__ = (
        UniqueConstraint("plan_id", "team", "visit_date", "seq"),
        Index("ix_patrol_visits_site_code", "site_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("patrol_plans.id", ondelete="CASCADE"))
    team: Mapped[str] = mapped_column(String(32))
    visit_date: Mapped[dt.date] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    site_code: Mapped[str] = mapped_column(String(32))
    arrival: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    planned_start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    planned_end: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    travel_min: Mapped[float] = mapped_column(Float)
    travel_km: Mapped[float] = mapped_column(Float)
    priority: Mapped[float] = mapped_column(Float)
    mandatory: Mapped[bool] = mapped_column()


class Inspection(Base):
    """What a team found at a site: result, notes, evidence references and optional GPS track."""

    __tablename__ = "inspections"
    __table_args__ = (
        CheckConstraint(
            "result IN (" + ", ".join(f"'{r}'" for r in INSPECTION_RESULTS) + ")",
            name="ck_inspections_result",
        ),
        Index("ix_inspections_site_code", "site_code", "inspected_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    site_code: Mapped[str] = mapped_column(String(32))
    visit_id: Mapped[int | None] = mapped_column(
        ForeignKey("patrol_visits.id", ondelete="SET NULL")
    )
    team: Mapped[str | None] = mapped_column(String(32))
    inspected_on: Mapped[dt.date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(20))
    status_before: Mapped[str] = mapped_column(String(20))
    status_after: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)
    #: Summary of the evidence files as ``{"name", "sha256", "bytes", "mime"}`` dicts, in the
    #: order sent. The files themselves are in the evidence store, linked through
    #: :class:`InspectionEvidence` (inspections recorded before migration 0006 have no link and
    #: no ``mime``: their files were never copied).
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    track: Mapped[WKBElement | None] = mapped_column(
        Geometry("LINESTRING", srid=4326), nullable=True
    )
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class InspectionEvidence(Base):
    """Link between an inspection and a stored evidence file, with who added it and when.

    The file is a row of the reports' ``evidence`` table (stored once by SHA-256, whoever sent
    it); ``name`` is the file name as this team sent it.
    """

    __tablename__ = "inspection_evidence"
    __table_args__ = (Index("ix_inspection_evidence_sha256", "sha256"),)

    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), primary_key=True
    )
    # The type is spelled out: the evidence table's model lives in geo.reports, which planning
    # alone does not import, so SQLAlchemy cannot copy it from the referenced column.
    sha256: Mapped[str] = mapped_column(
        String(64), ForeignKey("evidence.sha256", ondelete="RESTRICT"), primary_key=True
    )
    name: Mapped[str | None] = mapped_column(String(300))
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class OvernightPlace(Base):
    """A village, camp or forward base where a team on an expedition may spend the night."""

    __tablename__ = "overnight_places"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('village', 'camp', 'forward_base')", name="ck_overnight_places_kind"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    kabupaten: Mapped[str | None] = mapped_column(String(100))
    approximate: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))


class PatrolTeam(Base):
    """A field team as the agency keeps it: home base, shift, travel limits, days away."""

    __tablename__ = "patrol_teams"
    __table_args__ = (
        CheckConstraint("max_drive_h > 0", name="ck_patrol_teams_drive"),
        CheckConstraint("max_days_away >= 1", name="ck_patrol_teams_days_away"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    base_code: Mapped[str] = mapped_column(
        String(32), ForeignKey("bases.code", ondelete="RESTRICT", onupdate="CASCADE")
    )
    shift: Mapped[str] = mapped_column(String(11), default="07:30-16:30")
    max_drive_h: Mapped[float] = mapped_column(Float, default=6.0)
    mode: Mapped[str] = mapped_column(String(20), default="car")
    max_days_away: Mapped[int] = mapped_column(Integer, default=1)
