"""Inspection evidence: the field team's photos and videos, linked to the content-addressed store.

The files themselves go into the same ``evidence`` table (and folder) as the reports' evidence,
once per SHA-256, so this revision depends on the reports branch. Inspections recorded before it
keep only their JSON summary (``inspections.evidence``): their files were never copied, so
there is nothing to link.

Revision ID: 0006_inspection_evidence
Revises: 0003_patrols
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_inspection_evidence"
down_revision: str | Sequence[str] | None = "0003_patrols"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0002_reports"


def upgrade() -> None:
    op.create_table(
        "inspection_evidence",
        sa.Column(
            "inspection_id",
            sa.Integer,
            sa.ForeignKey("inspections.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "sha256",
            sa.String(64),
            sa.ForeignKey("evidence.sha256", ondelete="RESTRICT"),
            primary_key=True,
        ),
        sa.Column("name", sa.String(300)),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column(
            "added_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.create_index("ix_inspection_evidence_sha256", "inspection_evidence", ["sha256"])


def downgrade() -> None:
    op.drop_table("inspection_evidence")
