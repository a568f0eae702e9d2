"""Tables of public reports: reports, their status history, evidence files and clock rules.

The reporter's name and phone are stored only as Fernet ciphertext (``reporter_name_enc``,
``reporter_phone_enc``) plus a keyed hash of the normalised phone (``reporter_hash``) that
groups reports by reporter without revealing who it is. Only :mod:`geo.reports` decrypts.

Vocabularies are stored as short English codes and checked by the database.
"""

from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from geo.models import Base
from geo.vocab import COMMODITIES

__all__ = [
    "CHANNELS",
    "LOCATION_SOURCES",
    "ACTIVITIES",
    "CONFIDENTIALITY",
    "REPORT_STATUSES",
    "RESOLUTIONS",
    "FLAGS",
    "CLOCK_UNITS",
    "MATCH_RULES",
    "Report",
    "ReportMatch",
    "ReportStatusHistory",
    "Evidence",
    "ReportEvidence",
    "ClockRule",
    "IdempotencyKey",
    "ReportCorroboration",
]

#: Where a report came from: hotline/WhatsApp, SP4N-LAPOR!, web form, field team,
#: media monitoring, satellite alert.
CHANNELS: tuple[str, ...] = ("hotline", "lapor", "web", "field_team", "media", "satellite")

#: How the point was obtained; ``described`` means only a place name was given (no point).
LOCATION_SOURCES: tuple[str, ...] = ("exif", "device_gps", "map_pin", "described")

#: What the reporter saw.
ACTIVITIES: tuple[str, ...] = (
    "excavator",
    "hauling_trucks",
    "stockpile",
    "river_dredging",
    "land_clearing",
    "other",
)

#: SP4N-LAPOR! confidentiality: ``rahasia`` is never shown outside the agency, ``anonim``
#: may be shown without identity. The safest, ``rahasia``, is the default.
CONFIDENTIALITY: tuple[str, ...] = ("rahasia", "anonim")

#: Lifecycle of a report, in order (``rejected`` and ``closed`` are terminal).
REPORT_STATUSES: tuple[str, ...] = (
    "received",
    "verified",
    "rejected",
    "assigned",
    "follow_up_scheduled",
    "inspected",
    "closed",
)

#: Why a report was rejected or closed.
RESOLUTIONS: tuple[str, ...] = (
    "out_of_authority",
    "insufficient_info",
    "confirmed",
    "not_found",
    "duplicate",
)

#: Warnings attached to an accepted report (never reasons to reject it).
FLAGS: tuple[str, ...] = (
    "outside_aoi",
    "exif_far",
    "exif_old",
    "no_location",
    "duplicate_exact",
    "duplicate_near",
)

#: Units a clock rule may count in.
CLOCK_UNITS: tuple[str, ...] = ("working_days", "calendar_days")

#: Why a report matched a site, or did not (see :mod:`geo.matching`).
MATCH_RULES: tuple[str, ...] = (
    "within_polygon",
    "nearest_within_radius",
    "none_within_radius",
    "follows_original",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class Report(Base):
    """A public report of suspected illegal mining, from any channel."""

    __tablename__ = "reports"
    __table_args__ = (
        CheckConstraint(_in("channel", CHANNELS), name="ck_reports_channel"),
        CheckConstraint(
            _in("location_source", LOCATION_SOURCES), name="ck_reports_location_source"
        ),
        CheckConstraint(_in("activity", ACTIVITIES), name="ck_reports_activity"),
        CheckConstraint(_in("confidentiality", CONFIDENTIALITY), name="ck_reports_confidentiality"),
        CheckConstraint(_in("status", REPORT_STATUSES), name="ck_reports_status"),
        CheckConstraint(
            f"resolution IS NULL OR {_in('resolution', RESOLUTIONS)}", name="ck_reports_resolution"
        ),
        CheckConstraint(
            f"commodity_guess IS NULL OR {_in('commodity_guess', COMMODITIES)}",
            name="ck_reports_commodity_guess",
        ),
        CheckConstraint(
            "geom IS NOT NULL OR location_source = 'described'", name="ck_reports_geom_or_described"
        ),
        CheckConstraint("accuracy_m IS NULL OR accuracy_m >= 0", name="ck_reports_accuracy"),
        Index("ix_reports_geog", text("(geom::geography)"), postgresql_using="gist"),
        Index(
            "uq_reports_channel_external_id",
            "channel",
            "external_id",
            unique=True,
            postgresql_where=text("external_id IS NOT NULL"),
        ),
        Index(
            "uq_reports_content_hash",
            "content_hash",
            unique=True,
            postgresql_where=text("content_hash IS NOT NULL"),
        ),
        Index("ix_reports_received_at", "received_at"),
        Index("ix_reports_status", "status"),
        Index("ix_reports_reporter_hash", "reporter_hash"),
        Index("ix_reports_duplicate_of_id", "duplicate_of_id"),
        Index("ix_reports_duplicate_root_id", "duplicate_root_id"),
        Index(
            "ix_reports_seen",
            text("(coalesce(observed_at, received_at))"),
            postgresql_where=text("geom IS NOT NULL"),
        ),
        Index("ix_reports_hotspot_id", "hotspot_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    observed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    geom: Mapped[WKBElement | None] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=True), nullable=True
    )
    location_source: Mapped[str] = mapped_column(String(20))
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    location_text: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    activity: Mapped[str] = mapped_column(String(20), server_default="other")
    commodity_guess: Mapped[str | None] = mapped_column(String(20))
    confidentiality: Mapped[str] = mapped_column(String(10), server_default="rahasia")
    reporter_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    reporter_phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    reporter_hash: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(24), server_default="received")
    resolution: Mapped[str | None] = mapped_column(String(24))
    status_changed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    flags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", ondelete="SET NULL")
    )
    duplicate_rule: Mapped[str | None] = mapped_column(String(30))
    # The top of the duplicate chain (NULL when not a duplicate), kept by geo.reports.dedup.
    duplicate_root_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", ondelete="SET NULL")
    )
    # Filled by geo.hotspots; the site match lives in report_matches (geo.matching).
    hotspot_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    match: Mapped[ReportMatch | None] = relationship(
        primaryjoin="Report.id == foreign(ReportMatch.report_id)",
        back_populates="report",
        uselist=False,
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @hybrid_property
    def matched_site_id(self) -> int | None:
        """Return the id of the site this report is matched to (``report_matches``), or None."""
        return None if self.match is None else self.match.site_id

    @matched_site_id.inplace.setter
    def _matched_site_id_setter(self, site_id: int | None) -> None:
        # A direct assignment (a manual correction, or a fixture): no distance is known.
        rule = "none_within_radius" if site_id is None else "nearest_within_radius"
        if self.match is None:
            self.match = ReportMatch(site_id=site_id, rule=rule)
        else:
            self.match.site_id, self.match.rule, self.match.distance_m = site_id, rule, None

    @matched_site_id.inplace.expression
    @classmethod
    def _matched_site_id_expression(cls) -> ColumnElement[int | None]:
        return select(ReportMatch.site_id).where(ReportMatch.report_id == cls.id).scalar_subquery()

    @property
    def match_distance_m(self) -> float | None:
        """Metres on the ellipsoid to the matched site (or to the nearest, when following)."""
        return None if self.match is None else self.match.distance_m

    @property
    def match_rule(self) -> str | None:
        """Why the report matched (see :data:`geo.matching.RULES`); None before matching."""
        return None if self.match is None else self.match.rule


class ReportMatch(Base):
    """The site a report was matched to, written by :mod:`geo.matching`.

    Derived data, kept beside the report rather than in it: a full matching run writes one row
    per report, and a narrow table with one index takes that in seconds where rewriting the
    wide, heavily indexed ``reports`` rows took minutes.
    """

    __tablename__ = "report_matches"
    __table_args__ = (
        CheckConstraint(_in("rule", MATCH_RULES), name="ck_report_matches_rule"),
        Index("ix_report_matches_site_id", "site_id"),
    )

    # No foreign keys (their per-row checks cost more than the rows); statement-level
    # triggers on reports and sites do what ON DELETE CASCADE / SET NULL would (0007).
    report_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int | None] = mapped_column(Integer)
    distance_m: Mapped[float | None] = mapped_column(Float)
    rule: Mapped[str] = mapped_column(String(40))
    matched_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    report: Mapped[Report] = relationship(
        primaryjoin="Report.id == foreign(ReportMatch.report_id)", back_populates="match"
    )


class ReportStatusHistory(Base):
    """One append-only row per status transition of a report: from, to, who, when, why."""

    __tablename__ = "report_status_history"
    __table_args__ = (Index("ix_report_status_history_report_id", "report_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    reason: Mapped[str | None] = mapped_column(Text)


class Evidence(Base):
    """A photo or video stored once on disk under its SHA-256 content hash."""

    __tablename__ = "evidence"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str | None] = mapped_column(String(300))
    exif_lat: Mapped[float | None] = mapped_column(Float)
    exif_lon: Mapped[float | None] = mapped_column(Float)
    exif_time: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class ReportEvidence(Base):
    """Link between a report and an evidence file (a file may back several reports)."""

    __tablename__ = "report_evidence"
    __table_args__ = (Index("ix_report_evidence_sha256", "sha256"),)

    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    sha256: Mapped[str] = mapped_column(
        ForeignKey("evidence.sha256", ondelete="RESTRICT"), primary_key=True
    )


class ReportCorroboration(Base):
    """A report that carries the same evidence file as an earlier one from someone else.

    A forwarded photo sent by a second citizen is a complaint of its own (its own code, status
    and clocks), corroborating the first: it is linked here, never folded into the first.
    """

    __tablename__ = "report_corroborations"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    corroborates_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class IdempotencyKey(Base):
    """An ``Idempotency-Key`` a submitter sent, the fingerprint of its request and its report.

    The same key with the same request returns the same report; with another request it is a
    conflict, never another report's tracking code.
    """

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class ClockRule(Base):
    """A complaint clock the agency can edit: how long a step may take.

    The clock starts when the report enters ``start_status`` (``received`` means the
    ``received_at`` time) and stops when it enters any of ``stop_statuses``.
    """

    __tablename__ = "clock_rules"
    __table_args__ = (
        CheckConstraint(_in("unit", CLOCK_UNITS), name="ck_clock_rules_unit"),
        CheckConstraint("amount > 0", name="ck_clock_rules_amount"),
        CheckConstraint("due_soon_days >= 0", name="ck_clock_rules_due_soon"),
    )

    name: Mapped[str] = mapped_column(String(30), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(20))
    start_status: Mapped[str] = mapped_column(String(24))
    stop_statuses: Mapped[list[str]] = mapped_column(ARRAY(Text))
    due_soon_days: Mapped[int] = mapped_column(Integer, server_default="1")
    legal_basis: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    updated_by: Mapped[str | None] = mapped_column(String(100))
