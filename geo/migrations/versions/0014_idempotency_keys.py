"""Idempotency keys with their request's fingerprint; reports corroborating others by evidence.

A repeated ``Idempotency-Key`` with a different request body used to return the first report's
tracking code to someone who did not make that report; now it is a conflict (HTTP 409). The
same evidence file sent by someone else is a new report of its own, linked to the first in
``report_corroborations`` (it used to return the first citizen's code).

Revision ID: 0014_idempotency_keys
Revises: 0002_reports
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_idempotency_keys"
down_revision: str | Sequence[str] | None = "0002_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_table(
        "report_corroborations",
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "corroborates_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_index("ix_report_corroborations_first", "report_corroborations", ["corroborates_id"])


def downgrade() -> None:
    op.drop_table("report_corroborations")
    op.drop_table("idempotency_keys")
