"""Satellite alerts: imports, alert pixels keyed by source/date/rounded position, patches, the
reports they corroborate, and the alert and land-status components of the site priority
(issue 18).

Revision ID: 0060_alerts
Revises: 0011_layers
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0060_alerts"
down_revision: str | Sequence[str] | None = "0011_layers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PRIORITY_POINTS = ("pts_alerts", "pts_permit", "pts_forest")


def upgrade() -> None:
    op.create_table(
        "alert_imports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column(
            "imported_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("imported_by", sa.String(100), nullable=False),
        sa.Column("rows_read", sa.Integer, nullable=False),
        sa.Column("outside_aoi", sa.Integer, nullable=False),
        sa.Column("added", sa.Integer, nullable=False),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("alert_date", sa.Date, nullable=False),
        sa.Column("lon_key", sa.Integer, nullable=False),
        sa.Column("lat_key", sa.Integer, nullable=False),
        sa.Column("confidence", sa.SmallInteger, nullable=False),
        sa.Column("intensity", sa.SmallInteger),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("alert_imports.id", ondelete="SET NULL")),
        sa.UniqueConstraint("source", "alert_date", "lon_key", "lat_key", name="uq_alerts_key"),
        sa.CheckConstraint("confidence BETWEEN 2 AND 4", name="ck_alerts_confidence"),
    )
    op.create_index("ix_alerts_date", "alerts", ["alert_date"])
    op.create_index("idx_alerts_geom", "alerts", ["geom"], postgresql_using="gist")
    op.create_table(
        "alert_patches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("first_date", sa.Date, nullable=False),
        sa.Column("last_date", sa.Date, nullable=False),
        sa.Column("alert_count", sa.Integer, nullable=False),
        sa.Column("max_confidence", sa.SmallInteger, nullable=False),
        sa.Column("area_ha", sa.Float, nullable=False),
        sa.Column("hull", Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=False),
        sa.Column("centroid", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="SET NULL")),
        sa.Column("site_distance_m", sa.Float),
        sa.Column("hotspot_id", sa.Integer, sa.ForeignKey("hotspots.id", ondelete="SET NULL")),
        sa.Column("hotspot_distance_m", sa.Float),
        sa.Column("report_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("candidate", sa.Boolean, nullable=False),
        sa.Column("permit_class", sa.String(20)),
        sa.Column("permit", JSONB),
        sa.Column("forest_flags", sa.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("authority", sa.String(10)),
        sa.Column("wiup_snapshot_date", sa.Date),
        sa.Column("forest_snapshot_date", sa.Date),
        sa.Column("window_from", sa.Date, nullable=False),
        sa.Column("window_to", sa.Date, nullable=False),
        sa.Column("eps_m", sa.Float, nullable=False),
        sa.Column("min_alerts", sa.Integer, nullable=False),
        sa.Column(
            "built_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.create_index("idx_alert_patches_hull", "alert_patches", ["hull"], postgresql_using="gist")
    op.create_index("ix_alert_patches_site", "alert_patches", ["site_id"])
    op.create_table(
        "alert_patch_reports",
        sa.Column(
            "patch_id",
            sa.Integer,
            sa.ForeignKey("alert_patches.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("distance_m", sa.Float, nullable=False),
    )
    op.create_index("ix_alert_patch_reports_report", "alert_patch_reports", ["report_id"])
    # The site priority's new inputs and points (existing rows score 0 until recomputed).
    op.add_column("site_priority", sa.Column("alert_patches", sa.Integer, server_default="0"))
    op.add_column("site_priority", sa.Column("permit_class", sa.String(20)))
    op.add_column("site_priority", sa.Column("forest_flag", sa.String(30)))
    for name in _PRIORITY_POINTS:
        op.add_column(
            "site_priority", sa.Column(name, sa.Float, nullable=False, server_default="0")
        )


def downgrade() -> None:
    for name in (*_PRIORITY_POINTS, "forest_flag", "permit_class", "alert_patches"):
        op.drop_column("site_priority", name)
    op.drop_table("alert_patch_reports")
    op.drop_table("alert_patches")
    op.drop_table("alerts")
    op.drop_table("alert_imports")
