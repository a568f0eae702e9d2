"""Staff accounts of the web console, their server-side sessions, and identity reveals.

``users``: a user name, a role, an argon2 password hash, disabled or not. ``staff_sessions``:
one row per signed-in browser, keyed by the SHA-256 of the cookie's random id (so a copy of the
database signs nobody in), with its CSRF token and the times that end it. ``identity_reveals``:
who revealed which reporter's identity on screen, and when (the audit trail of a click).

Revision ID: 0020_console
Revises: 0005_tokens
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_console"
down_revision: str | Sequence[str] | None = "0005_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("0002_reports",)

_ROLES = "role IN ('admin', 'analyst', 'field_officer', 'intake_operator')"


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(50), nullable=False, unique=True),
        sa.Column("display_name", sa.String(100)),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("password_changed_at", sa.DateTime(timezone=True)),
        sa.Column("disabled_at", sa.DateTime(timezone=True)),
        sa.Column("last_login_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(_ROLES, name="ck_users_role"),
        sa.CheckConstraint("username = lower(username)", name="ck_users_username_lower"),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "last_seen_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
    )
    op.create_index("ix_staff_sessions_user_id", "staff_sessions", ["user_id"])
    op.create_table(
        "identity_reveals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_identity_reveals_report_id", "identity_reveals", ["report_id", "at"])


def downgrade() -> None:
    op.drop_table("identity_reveals")
    op.drop_table("staff_sessions")
    op.drop_table("users")
