"""Reports: public reports, status history, evidence by content hash, complaint clock rules.

Revision ID: 0002_reports
Revises: 0001_foundation
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY

revision: str = "0002_reports"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("reports",)
depends_on: str | Sequence[str] | None = None

# Copied, not imported, so that this revision keeps meaning what it meant when written.
CHANNELS = "('hotline', 'lapor', 'web', 'field_team', 'media', 'satellite')"
LOCATION_SOURCES = "('exif', 'device_gps', 'map_pin', 'described')"
ACTIVITIES = (
    "('excavator', 'hauling_trucks', 'stockpile', 'river_dredging', 'land_clearing', 'other')"
)
CONFIDENTIALITY = "('rahasia', 'anonim')"
STATUSES = (
    "('received', 'verified', 'rejected', 'assigned', 'follow_up_scheduled', 'inspected', 'closed')"
)
RESOLUTIONS = "('out_of_authority', 'insufficient_info', 'confirmed', 'not_found', 'duplicate')"
COMMODITIES = "('batubara', 'emas', 'pasir', 'batu', 'lainnya')"


def _tz(name: str, **kw: Any) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), **kw)


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(16), nullable=False, unique=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("external_id", sa.String(200)),
        _tz("received_at", nullable=False),
        _tz("observed_at"),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=True),
        sa.Column("location_source", sa.String(20), nullable=False),
        sa.Column("accuracy_m", sa.Float),
        sa.Column("location_text", sa.Text),
        sa.Column("title", sa.String(300)),
        sa.Column("description", sa.Text),
        sa.Column("activity", sa.String(20), nullable=False, server_default="other"),
        sa.Column("commodity_guess", sa.String(20)),
        sa.Column("confidentiality", sa.String(10), nullable=False, server_default="rahasia"),
        sa.Column("reporter_name_enc", sa.LargeBinary),
        sa.Column("reporter_phone_enc", sa.LargeBinary),
        sa.Column("reporter_hash", sa.String(64)),
        sa.Column("status", sa.String(24), nullable=False, server_default="received"),
        sa.Column("resolution", sa.String(24)),
        _tz("status_changed_at", nullable=False, server_default=sa.func.now()),
        sa.Column("flags", ARRAY(sa.Text), nullable=False, server_default=sa.text("'{}'::text[]")),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("duplicate_of_id", sa.Integer, sa.ForeignKey("reports.id", ondelete="SET NULL")),
        sa.Column("duplicate_rule", sa.String(30)),
        sa.Column("matched_site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="SET NULL")),
        sa.Column("match_distance_m", sa.Float),
        sa.Column("match_rule", sa.String(40)),
        _tz("matched_at"),
        # The hotspots table and its foreign key come with the hotspots migration.
        sa.Column("hotspot_id", sa.Integer),
        _tz("created_at", nullable=False, server_default=sa.func.now()),
        _tz("updated_at", nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(f"channel IN {CHANNELS}", name="ck_reports_channel"),
        sa.CheckConstraint(
            f"location_source IN {LOCATION_SOURCES}", name="ck_reports_location_source"
        ),
        sa.CheckConstraint(f"activity IN {ACTIVITIES}", name="ck_reports_activity"),
        sa.CheckConstraint(
            f"confidentiality IN {CONFIDENTIALITY}", name="ck_reports_confidentiality"
        ),
        sa.CheckConstraint(f"status IN {STATUSES}", name="ck_reports_status"),
        sa.CheckConstraint(
            f"resolution IS NULL OR resolution IN {RESOLUTIONS}", name="ck_reports_resolution"
        ),
        sa.CheckConstraint(
            f"commodity_guess IS NULL OR commodity_guess IN {COMMODITIES}",
            name="ck_reports_commodity_guess",
        ),
        # A report with no point must say so: only "described place only" may lack one.
        sa.CheckConstraint(
            "geom IS NOT NULL OR location_source = 'described'",
            name="ck_reports_geom_or_described",
        ),
        sa.CheckConstraint("accuracy_m IS NULL OR accuracy_m >= 0", name="ck_reports_accuracy"),
    )
    op.create_index("idx_reports_geom", "reports", ["geom"], postgresql_using="gist")
    # Distances in metres (ST_DWithin on geography) need an index built on the geography.
    op.create_index(
        "ix_reports_geog", "reports", [sa.text("(geom::geography)")], postgresql_using="gist"
    )
    op.create_index(
        "uq_reports_channel_external_id",
        "reports",
        ["channel", "external_id"],
        unique=True,
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )
    op.create_index(
        "uq_reports_content_hash",
        "reports",
        ["content_hash"],
        unique=True,
        postgresql_where=sa.text("content_hash IS NOT NULL"),
    )
    for column in (
        "received_at",
        "status",
        "reporter_hash",
        "duplicate_of_id",
        "matched_site_id",
        "hotspot_id",
    ):
        op.create_index(f"ix_reports_{column}", "reports", [column])

    op.create_table(
        "report_status_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("from_status", sa.String(24)),
        sa.Column("to_status", sa.String(24), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        _tz("at", nullable=False, server_default=sa.func.now()),
        sa.Column("reason", sa.Text),
    )
    op.create_index(
        "ix_report_status_history_report_id", "report_status_history", ["report_id", "at"]
    )

    op.create_table(
        "evidence",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("mime", sa.String(100), nullable=False),
        sa.Column("original_name", sa.String(300)),
        sa.Column("exif_lat", sa.Float),
        sa.Column("exif_lon", sa.Float),
        _tz("exif_time"),
        _tz("created_at", nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "report_evidence",
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "sha256",
            sa.String(64),
            sa.ForeignKey("evidence.sha256", ondelete="RESTRICT"),
            primary_key=True,
        ),
    )
    op.create_index("ix_report_evidence_sha256", "report_evidence", ["sha256"])

    clock_rules = op.create_table(
        "clock_rules",
        sa.Column("name", sa.String(30), primary_key=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("amount", sa.Integer, nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("start_status", sa.String(24), nullable=False),
        sa.Column("stop_statuses", ARRAY(sa.Text), nullable=False),
        sa.Column("due_soon_days", sa.Integer, nullable=False, server_default="1"),
        sa.Column("legal_basis", sa.Text),
        _tz("updated_at", nullable=False, server_default=sa.func.now()),
        sa.Column("updated_by", sa.String(100)),
        sa.CheckConstraint("unit IN ('working_days', 'calendar_days')", name="ck_clock_rules_unit"),
        sa.CheckConstraint("amount > 0", name="ck_clock_rules_amount"),
        sa.CheckConstraint("due_soon_days >= 0", name="ck_clock_rules_due_soon"),
    )
    after_verify = [
        "verified",
        "rejected",
        "assigned",
        "follow_up_scheduled",
        "inspected",
        "closed",
    ]
    op.bulk_insert(
        clock_rules,
        [
            {
                "name": "verify",
                "label": "Verify and forward the report",
                "amount": 3,
                "unit": "working_days",
                "start_status": "received",
                "stop_statuses": after_verify,
                "due_soon_days": 1,
                "legal_basis": "SP4N-LAPOR! practice: 3 working days to verify and forward",
                "updated_by": "migration",
            },
            {
                "name": "follow_up",
                "label": "Schedule the follow-up",
                "amount": 5,
                "unit": "working_days",
                "start_status": "verified",
                "stop_statuses": ["rejected", "follow_up_scheduled", "inspected", "closed"],
                "due_soon_days": 1,
                "legal_basis": "SP4N-LAPOR! practice: 5 working days for the follow-up",
                "updated_by": "migration",
            },
            {
                "name": "resolution",
                "label": "Resolve the complaint",
                "amount": 60,
                "unit": "calendar_days",
                "start_status": "received",
                "stop_statuses": ["rejected", "closed"],
                "due_soon_days": 7,
                "legal_basis": "Perpres 76/2013: resolution within 60 days",
                "updated_by": "migration",
            },
        ],
    )

    # The history is evidence of how a complaint was handled: never rewritten.
    op.execute(
        """
        CREATE FUNCTION report_status_history_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM reports WHERE id = OLD.report_id)
            THEN
                RETURN OLD;  -- cascading from a deleted report (tests, erasure requests)
            END IF;
            RAISE EXCEPTION 'report_status_history is append-only (% refused)', TG_OP;
        END $$;
        CREATE TRIGGER report_status_history_append_only
            BEFORE UPDATE OR DELETE ON report_status_history
            FOR EACH ROW EXECUTE FUNCTION report_status_history_append_only();
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS report_status_history_append_only ON report_status_history")
    op.execute("DROP FUNCTION IF EXISTS report_status_history_append_only()")
    op.drop_table("clock_rules")
    op.drop_table("report_evidence")
    op.drop_table("evidence")
    op.drop_table("report_status_history")
    op.drop_table("reports")
