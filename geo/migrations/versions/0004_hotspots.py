"""Hotspots, matching runs and the stored site priority components.

Revision ID: 0004_hotspots
Revises: 0002_reports
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0004_hotspots"
down_revision: str | Sequence[str] | None = "0002_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copied, not imported, so that this revision keeps meaning what it meant when written.
HOTSPOT_STATUSES = "('candidate', 'lapsed', 'dismissed', 'promoted')"


def _tz(name: str, **kw: Any) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), **kw)


def upgrade() -> None:
    op.create_table(
        "hotspots",
        sa.Column("id", sa.Integer, primary_key=True),
        # Human code derived from the id, so it is as stable as the id itself: HS-0042,
        # HS-12345 (zero-padded to four digits, never truncated as lpad() would).
        sa.Column(
            "code",
            sa.String(16),
            sa.Computed(
                "'HS-' || repeat('0', greatest(0, 4 - length(id::text))) || id::text",
                persisted=True,
            ),
        ),
        sa.Column("status", sa.String(12), nullable=False, server_default="candidate"),
        sa.Column("centroid", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.Column("hull", Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=False),
        sa.Column("report_count", sa.Integer, nullable=False),
        sa.Column("reporter_count", sa.Integer, nullable=False),
        sa.Column("duplicate_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("channels", sa.ARRAY(sa.Text), nullable=False),
        _tz("first_seen", nullable=False),
        _tz("last_seen", nullable=False),
        sa.Column("eps_m", sa.Float, nullable=False),
        sa.Column("min_reports", sa.Integer, nullable=False),
        sa.Column("window_days", sa.Integer),
        _tz("detected_at", nullable=False, server_default=sa.func.now()),
        _tz("updated_at", nullable=False, server_default=sa.func.now()),
        _tz("reviewed_at"),
        sa.Column("reviewed_by", sa.String(100)),
        sa.Column("review_reason", sa.Text),
        sa.Column("reports_at_review", sa.Integer),
        sa.Column("promoted_site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="SET NULL")),
        sa.Column("notes", sa.Text),
        sa.CheckConstraint(f"status IN {HOTSPOT_STATUSES}", name="ck_hotspots_status"),
        sa.CheckConstraint(
            "status <> 'dismissed' OR review_reason IS NOT NULL",
            name="ck_hotspots_dismiss_reason",
        ),
    )
    op.create_index("ix_hotspots_code", "hotspots", ["code"], unique=True)
    op.create_index("ix_hotspots_status", "hotspots", ["status"])
    op.create_index("idx_hotspots_hull", "hotspots", ["hull"], postgresql_using="gist")
    # Reports whose hotspot row disappears keep existing; they are simply unclustered again.
    op.create_foreign_key(
        "fk_reports_hotspot_id", "reports", "hotspots", ["hotspot_id"], ["id"], ondelete="SET NULL"
    )

    op.create_table(
        "match_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        _tz("ran_at", nullable=False, server_default=sa.func.now()),
        sa.Column("radius_m", sa.Float, nullable=False),
        sa.Column("scope", sa.String(12), nullable=False),
        sa.Column("examined", sa.Integer, nullable=False),
        sa.Column("matched", sa.Integer, nullable=False),
        sa.Column("changed", sa.Integer, nullable=False),
        sa.CheckConstraint("scope IN ('all', 'reports', 'site')", name="ck_match_runs_scope"),
        sa.CheckConstraint("radius_m > 0", name="ck_match_runs_radius"),
    )

    op.create_table(
        "site_priority",
        sa.Column(
            "site_id",
            sa.Integer,
            sa.ForeignKey("sites.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        _tz("as_of", nullable=False),
        _tz("computed_at", nullable=False, server_default=sa.func.now()),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        # Inputs, as the analyst would read them.
        sa.Column("recent_reports", sa.Float, nullable=False),
        sa.Column("independent_reports", sa.Integer, nullable=False),
        sa.Column("reporter_count", sa.Integer, nullable=False),
        sa.Column("channel_count", sa.Integer, nullable=False),
        sa.Column("days_since_inspection", sa.Integer),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("commodity", sa.String(20), nullable=False),
        # Points each input contributed; they sum to ``score``.
        sa.Column("pts_reports", sa.Float, nullable=False),
        sa.Column("pts_reporters", sa.Float, nullable=False),
        sa.Column("pts_channels", sa.Float, nullable=False),
        sa.Column("pts_inspection", sa.Float, nullable=False),
        sa.Column("pts_status", sa.Float, nullable=False),
        sa.Column("pts_commodity", sa.Float, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
    )
    op.create_index("ix_site_priority_rank", "site_priority", ["rank"])


def downgrade() -> None:
    op.drop_table("site_priority")
    op.drop_table("match_runs")
    op.drop_constraint("fk_reports_hotspot_id", "reports", type_="foreignkey")
    op.drop_table("hotspots")
