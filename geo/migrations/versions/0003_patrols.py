"""Patrol plans, their routes and visits, and inspection results.

Revision ID: 0003_patrols
Revises: 0001_foundation
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0003_patrols"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("patrols",)
depends_on: str | Sequence[str] | None = None

# Copied, not imported, so that this revision keeps meaning what it meant when written.
RESULTS = "('active', 'inactive', 'equipment_seen', 'sealed', 'seized')"


def _tz(name: str, **kw: object) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), **kw)  # type: ignore[arg-type]


def upgrade() -> None:
    op.create_table(
        "patrol_plans",
        sa.Column("id", sa.Integer, primary_key=True),
        _tz("created_at", server_default=sa.func.now(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.Column("working_days", sa.Integer, nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("budget_s", sa.Float, nullable=False),
        sa.Column("total_priority", sa.Float, nullable=False),
        sa.Column("total_km", sa.Float, nullable=False),
        sa.Column("params", JSONB, nullable=False),
        sa.Column("unplanned", JSONB, nullable=False),
    )
    op.create_table(
        "patrol_routes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "plan_id",
            sa.Integer,
            sa.ForeignKey("patrol_plans.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("team", sa.String(32), nullable=False),
        sa.Column("route_date", sa.Date, nullable=False),
        sa.Column("base_code", sa.String(32), nullable=False),
        _tz("depart", nullable=False),
        _tz("back", nullable=False),
        sa.Column("drive_min", sa.Float, nullable=False),
        sa.Column("distance_km", sa.Float, nullable=False),
        sa.Column("visits", sa.Integer, nullable=False),
        sa.Column("priority", sa.Float, nullable=False),
        sa.Column("geom", Geometry("LINESTRING", srid=4326, spatial_index=False), nullable=False),
        sa.UniqueConstraint("plan_id", "team", "route_date"),
    )
    op.create_index("idx_patrol_routes_geom", "patrol_routes", ["geom"], postgresql_using="gist")
    op.create_table(
        "patrol_visits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "plan_id",
            sa.Integer,
            sa.ForeignKey("patrol_plans.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("team", sa.String(32), nullable=False),
        sa.Column("visit_date", sa.Date, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="SET NULL")),
        sa.Column("site_code", sa.String(32), nullable=False),
        _tz("arrival", nullable=False),
        _tz("planned_start", nullable=False),
        _tz("planned_end", nullable=False),
        sa.Column("travel_min", sa.Float, nullable=False),
        sa.Column("travel_km", sa.Float, nullable=False),
        sa.Column("priority", sa.Float, nullable=False),
        sa.Column("mandatory", sa.Boolean, nullable=False),
        sa.UniqueConstraint("plan_id", "team", "visit_date", "seq"),
    )
    op.create_index("ix_patrol_visits_site_code", "patrol_visits", ["site_code"])
    op.create_table(
        "inspections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="SET NULL")),
        sa.Column("site_code", sa.String(32), nullable=False),
        sa.Column("visit_id", sa.Integer, sa.ForeignKey("patrol_visits.id", ondelete="SET NULL")),
        sa.Column("team", sa.String(32)),
        sa.Column("inspected_on", sa.Date, nullable=False),
        sa.Column("result", sa.String(20), nullable=False),
        sa.Column("status_before", sa.String(20), nullable=False),
        sa.Column("status_after", sa.String(20), nullable=False),
        sa.Column("notes", sa.Text),
        sa.Column("evidence", JSONB, nullable=False),
        sa.Column("track", Geometry("LINESTRING", srid=4326, spatial_index=False)),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        _tz("recorded_at", server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(f"result IN {RESULTS}", name="ck_inspections_result"),
    )
    op.create_index("ix_inspections_site_code", "inspections", ["site_code", "inspected_on"])


def downgrade() -> None:
    op.drop_table("inspections")
    op.drop_table("patrol_visits")
    op.drop_table("patrol_routes")
    op.drop_table("patrol_plans")
