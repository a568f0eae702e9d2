"""The agency's own days off (a regional holiday, an office closure), with an audit trail.

Complaint clocks skip them like national holidays and joint leave days (``geo.calendar``).

Revision ID: 0012_days_off
Revises: 0001_foundation
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_days_off"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "days_off",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_table(
        "days_off_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(200)),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("action IN ('add', 'remove')", name="ck_days_off_audit_action"),
    )
    # The trail is append-only, like the site audit: no one rewrites who closed which day.
    op.execute(
        """
        CREATE FUNCTION days_off_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'days_off_audit is append-only';
        END $$;
        CREATE TRIGGER days_off_audit_append_only
            BEFORE UPDATE OR DELETE OR TRUNCATE ON days_off_audit
            FOR EACH STATEMENT EXECUTE FUNCTION days_off_audit_append_only();
        """
    )


def downgrade() -> None:
    op.drop_table("days_off_audit")
    op.execute("DROP FUNCTION IF EXISTS days_off_audit_append_only()")
    op.drop_table("days_off")
