"""Tables of the foundation: suspect sites, field team bases and the site audit trail.

Other concerns keep their tables in their own packages (``geo/reports/models.py``,
``geo/patrols/models.py``) on the same :class:`Base`, so that one metadata describes the
whole database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from geo.vocab import COMMODITIES, RISK_LEVELS, SITE_STATUSES

__all__ = ["Base", "Site", "FieldBase", "SiteAudit", "SITE_FIELDS"]


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    """Declarative base shared by every table of Pantau Tambang."""

    type_annotation_map = {dict[str, Any]: JSONB}


class Site(Base):
    """A suspected illegal-mining (PETI) site in the registry."""

    __tablename__ = "sites"
    __table_args__ = (
        CheckConstraint(_in("commodity", COMMODITIES), name="ck_sites_commodity"),
        CheckConstraint(_in("status", SITE_STATUSES), name="ck_sites_status"),
        CheckConstraint(_in("risk_level", RISK_LEVELS), name="ck_sites_risk_level"),
        CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name="ck_sites_geom_valid"),
        CheckConstraint(
            "GeometryType(geom) IN ('POINT', 'POLYGON', 'MULTIPOLYGON')", name="ck_sites_geom_type"
        ),
        Index("ix_sites_geog", text("(geom::geography)"), postgresql_using="gist"),
        Index("ix_sites_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    geom: Mapped[WKBElement] = mapped_column(Geometry("GEOMETRY", srid=4326, spatial_index=True))
    kabupaten: Mapped[str] = mapped_column(String(100))
    kecamatan: Mapped[str | None] = mapped_column(String(100))
    commodity: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), server_default="suspected")
    risk_level: Mapped[str] = mapped_column(String(10), server_default="medium")
    first_reported: Mapped[dt.date | None] = mapped_column(Date)
    last_inspected: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    #: Shown by point and name in the public view (``geo.maps.public``); false by default.
    public: Mapped[bool] = mapped_column(Boolean, server_default=text("false"), default=False)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


#: The attributes of a site that a user supplies and the audit trail compares.
SITE_FIELDS: tuple[str, ...] = (
    "name",
    "geom",
    "kabupaten",
    "kecamatan",
    "commodity",
    "status",
    "risk_level",
    "first_reported",
    "last_inspected",
    "notes",
)


class FieldBase(Base):
    """A field team's home office, where patrols start and end each day."""

    __tablename__ = "bases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(Text)
    kabupaten: Mapped[str] = mapped_column(String(100))
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))


class SiteAudit(Base):
    """One append-only row per change to a site: who, when, and each field's old and new value.

    A trigger created by the migration refuses UPDATE and DELETE on this table.
    """

    __tablename__ = "site_audit"
    __table_args__ = (
        CheckConstraint("action IN ('create', 'update', 'delete')", name="ck_site_audit_action"),
        Index("ix_site_audit_site_code", "site_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    site_code: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(10))
    actor: Mapped[str] = mapped_column(String(100))
    source: Mapped[str | None] = mapped_column(String(300))
    changed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB)
