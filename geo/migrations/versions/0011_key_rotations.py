"""Progress of re-encrypting reporter identities with a new key, so a rotation can resume.

One row per target key (its public fingerprint): the last report id already re-encrypted, and
when the rotation finished. ``pantau keys rotate`` continues from that id after an interruption.

Revision ID: 0011_key_rotations
Revises: 0001_foundation
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_key_rotations"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "key_rotations",
        sa.Column("key_id", sa.String(16), primary_key=True),
        sa.Column("last_report_id", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("rows_done", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column(
            "started_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    op.drop_table("key_rotations")
