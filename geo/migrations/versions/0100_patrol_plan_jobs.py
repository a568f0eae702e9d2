"""Patrol plans asked for from the console, made in the background: one row per request.

Planning takes seconds to tens of seconds, longer than a page should wait. The console stores
the request here and answers at once; a background round (``geo.patrols.jobs``) in any server
process takes the request, plans, and writes its progress and outcome here, so the page that
polls sees them whichever process serves it.

Revision ID: 0100_patrol_plan_jobs
Revises: 0003_patrols
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0100_patrol_plan_jobs"
down_revision: str | Sequence[str] | None = "0003_patrols"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "patrol_plan_jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("request", JSONB, nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="queued"),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("elapsed_s", sa.Float, nullable=False, server_default="0"),
        sa.Column("budget_s", sa.Float, nullable=False, server_default="0"),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("patrol_plans.id", ondelete="SET NULL")),
        sa.Column("error", JSONB),
        # Why each site was left out, in every language of the catalogue: the stored plan keeps
        # the English text only, the request knows the messages.
        sa.Column("details", JSONB),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name="ck_patrol_plan_jobs_status"
        ),
    )
    op.create_index(
        "ix_patrol_plan_jobs_queued",
        "patrol_plan_jobs",
        ["id"],
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    )


def downgrade() -> None:
    op.drop_index("ix_patrol_plan_jobs_queued", table_name="patrol_plan_jobs")
    op.drop_table("patrol_plan_jobs")
