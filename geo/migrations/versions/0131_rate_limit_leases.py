"""Rate-limit buckets say how many tokens a take got: a process may lease several at once.

``allowed`` (a boolean: one token or none) becomes ``taken``, the number of tokens the last take
of the bucket got (0 when it was empty). See :mod:`api.ratelimit`.

Revision ID: 0131_rate_limit_leases
Revises: 0013_rate_limits
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0131_rate_limit_leases"
down_revision: str | Sequence[str] | None = "0013_rate_limits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Replace ``allowed`` by ``taken`` (buckets are worth nothing across versions: emptied)."""
    op.execute("TRUNCATE rate_limits")
    op.execute("ALTER TABLE rate_limits DROP COLUMN allowed")
    op.execute("ALTER TABLE rate_limits ADD COLUMN taken integer NOT NULL")


def downgrade() -> None:
    """Put ``allowed`` back."""
    op.execute("TRUNCATE rate_limits")
    op.execute("ALTER TABLE rate_limits DROP COLUMN taken")
    op.execute("ALTER TABLE rate_limits ADD COLUMN allowed boolean NOT NULL")
