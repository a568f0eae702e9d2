"""The WhatsApp hotline: raw deliveries (the work queue), messages once by wamid, conversations.

Revision ID: 0011_whatsapp
Revises: 0010_intake_queue
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_whatsapp"
down_revision: str | Sequence[str] | None = "0010_intake_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "whatsapp_deliveries",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("body_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("body_enc", sa.LargeBinary, nullable=False),
        sa.Column("received_at", _TS, nullable=False, server_default=sa.func.now()),
        sa.Column("processed_at", _TS),
        sa.Column("error", sa.String(100)),
    )
    op.create_index(
        "ix_whatsapp_deliveries_pending",
        "whatsapp_deliveries",
        ["id"],
        postgresql_where=sa.text("processed_at IS NULL"),
    )
    op.create_table(
        "whatsapp_conversations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_hash", sa.String(64), nullable=False),
        sa.Column("sender_phone_enc", sa.LargeBinary, nullable=False),
        sa.Column("sender_name_enc", sa.LargeBinary),
        sa.Column("phone_number_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="open"),
        sa.Column("confidentiality", sa.String(10), nullable=False, server_default="rahasia"),
        sa.Column("opened_at", _TS, nullable=False),
        sa.Column("last_message_at", _TS, nullable=False),
        sa.Column("location_requested_at", _TS),
        sa.Column("closed_at", _TS),
        sa.Column("close_reason", sa.String(20)),
        sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id", ondelete="SET NULL")),
        sa.Column("notified_status", sa.String(24)),
        sa.CheckConstraint("status IN ('open', 'closed')", name="ck_whatsapp_conversations_status"),
        sa.CheckConstraint(
            "close_reason IS NULL OR close_reason IN ('closing_word', 'idle', 'cap')",
            name="ck_whatsapp_conversations_close_reason",
        ),
    )
    op.create_index(
        "uq_whatsapp_conversations_open_sender",
        "whatsapp_conversations",
        ["sender_hash"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index("ix_whatsapp_conversations_report_id", "whatsapp_conversations", ["report_id"])
    op.create_table(
        "whatsapp_messages",
        sa.Column("wamid", sa.String(200), primary_key=True),
        sa.Column(
            "conversation_id",
            sa.Integer,
            sa.ForeignKey("whatsapp_conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "delivery_id",
            sa.BigInteger,
            sa.ForeignKey("whatsapp_deliveries.id", ondelete="SET NULL"),
        ),
        sa.Column("sent_at", _TS, nullable=False),
        sa.Column("received_at", _TS, nullable=False, server_default=sa.func.now()),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("body", sa.Text),
        sa.Column("media_id", sa.String(200)),
        sa.Column("media_mime", sa.String(100)),
        sa.Column(
            "evidence_sha256",
            sa.String(64),
            sa.ForeignKey("evidence.sha256", ondelete="RESTRICT"),
        ),
        sa.Column("media_error", sa.String(100)),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("location_name", sa.Text),
        sa.Column("location_address", sa.Text),
    )
    op.create_index(
        "ix_whatsapp_messages_conversation", "whatsapp_messages", ["conversation_id", "sent_at"]
    )


def downgrade() -> None:
    op.drop_table("whatsapp_messages")
    op.drop_table("whatsapp_conversations")
    op.drop_table("whatsapp_deliveries")
