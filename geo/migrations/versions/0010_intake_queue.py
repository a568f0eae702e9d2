"""A queue of reports accepted over HTTP whose duplicate linking and matching is still to do.

The public intake answers as soon as the report is stored; linking near duplicates and
matching to sites run for the queued reports in batches (``geo.reports.queue``). A queue row
is written in the same statement as its report, so a report is never stored without either
being processed or being queued.

Revision ID: 0010_intake_queue
Revises: 0009_report_seen_index
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_intake_queue"
down_revision: str | Sequence[str] | None = "0009_report_seen_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intake_queue",
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "queued_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )


def downgrade() -> None:
    op.drop_table("intake_queue")
