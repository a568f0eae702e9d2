"""Token buckets of the public rate limit, shared by every API worker process.

UNLOGGED: a bucket is worth nothing after a crash, and writing it costs no WAL.

Revision ID: 0013_rate_limits
Revises: 0001_foundation
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013_rate_limits"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE UNLOGGED TABLE rate_limits (
            key text PRIMARY KEY,
            tokens double precision NOT NULL,
            allowed boolean NOT NULL,
            updated_at timestamptz NOT NULL
        )
        """
    )


def downgrade() -> None:
    op.drop_table("rate_limits")
