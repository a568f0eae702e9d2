"""Overnight places (villages, camps, forward bases) and the field teams, for expeditions.

A team on an expedition leaves its base, sleeps at overnight places and comes back within a
number of days (``geo.patrols.expeditions``). Both lists are kept by the agency through
``pantau bases`` / ``pantau teams`` and the API's ``/bases`` and ``/teams``.

Revision ID: 0050_overnight_places
Revises: 0001_foundation
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0050_overnight_places"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "overnight_places",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("kabupaten", sa.String(100)),
        # The demo's places are placed by hand from small-scale maps: say so wherever shown.
        sa.Column("approximate", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("notes", sa.Text),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('village', 'camp', 'forward_base')", name="ck_overnight_places_kind"
        ),
    )
    op.create_table(
        "patrol_teams",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column(
            "base_code",
            sa.String(32),
            sa.ForeignKey("bases.code", ondelete="RESTRICT", onupdate="CASCADE"),
            nullable=False,
        ),
        sa.Column("shift", sa.String(11), nullable=False, server_default="07:30-16:30"),
        sa.Column("max_drive_h", sa.Float, nullable=False, server_default="6"),
        sa.Column("mode", sa.String(20), nullable=False, server_default="car"),
        sa.Column("max_days_away", sa.Integer, nullable=False, server_default="1"),
        sa.CheckConstraint("max_drive_h > 0", name="ck_patrol_teams_drive"),
        sa.CheckConstraint("max_days_away >= 1", name="ck_patrol_teams_days_away"),
    )


def downgrade() -> None:
    op.drop_table("patrol_teams")
    op.drop_table("overnight_places")
