"""A site may be marked public: only such sites appear by point and name in the public view.

The public-information view (PPID, ``geo.maps.public``) shows aggregates only; a site the
agency has chosen to publish (e.g. one sealed and announced) is the one exception.

Revision ID: 0080_site_public
Revises: 0001_foundation
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0080_site_public"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "sites",
        sa.Column("public", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("sites", "public")
