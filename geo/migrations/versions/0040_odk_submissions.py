"""ODK submissions: each field submission becomes one inspection, exactly once.

Keyed by the submission's ``instanceID``; written in the transaction of the inspection it made.

Revision ID: 0040_odk_submissions
Revises: 0006_inspection_evidence
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0040_odk_submissions"
down_revision: str | Sequence[str] | None = "0006_inspection_evidence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "odk_submissions",
        sa.Column("instance_id", sa.String(200), primary_key=True),
        sa.Column(
            "inspection_id",
            sa.Integer,
            sa.ForeignKey("inspections.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("form_id", sa.String(100)),
        sa.Column("submitter", sa.String(200)),
        sa.Column("submitted_at", sa.DateTime(timezone=True)),
        sa.Column(
            "location",
            Geometry("POINT", srid=4326, spatial_index=False),
            nullable=True,
        ),
        sa.Column("equipment", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("missing_photos", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("imported_by", sa.String(100), nullable=False),
        sa.Column(
            "imported_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("source IN ('central', 'export')", name="ck_odk_submissions_source"),
    )
    op.create_index("ix_odk_submissions_inspection_id", "odk_submissions", ["inspection_id"])


def downgrade() -> None:
    op.drop_table("odk_submissions")
