"""Tables of the WhatsApp hotline: raw deliveries, messages (once by ``wamid``), conversations.

A delivery is the body Meta POSTs to the webhook; it is kept, encrypted (it carries the sender's
phone number and profile name), until ``PANTAU_WHATSAPP_RETENTION_DAYS`` have passed, and is the
work queue: ``processed_at`` is empty until its messages have been taken in. A conversation is
one sender's draft: its messages are gathered until it closes and becomes one report.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from geo.models import Base

__all__ = [
    "CONVERSATION_STATUSES",
    "CLOSE_REASONS",
    "Delivery",
    "Conversation",
    "Message",
]

#: A draft is ``open`` until it becomes a report (``closed``).
CONVERSATION_STATUSES: tuple[str, ...] = ("open", "closed")
#: Why a draft closed: the sender's closing word, the idle time, or the 24-hour window's end.
CLOSE_REASONS: tuple[str, ...] = ("closing_word", "idle", "cap")


class Delivery(Base):
    """One webhook body as it arrived (encrypted), stored once by its SHA-256."""

    __tablename__ = "whatsapp_deliveries"
    __table_args__ = (
        Index(
            "ix_whatsapp_deliveries_pending",
            "id",
            postgresql_where=text("processed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    body_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    body_enc: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    processed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: A short English code when the body could not be read (never its content).
    error: Mapped[str | None] = mapped_column(String(100))


class Conversation(Base):
    """One sender's draft report, gathered from their messages until it closes."""

    __tablename__ = "whatsapp_conversations"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="ck_whatsapp_conversations_status"),
        CheckConstraint(
            "close_reason IS NULL OR close_reason IN ('closing_word', 'idle', 'cap')",
            name="ck_whatsapp_conversations_close_reason",
        ),
        Index(
            "uq_whatsapp_conversations_open_sender",
            "sender_hash",
            unique=True,
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_whatsapp_conversations_report_id", "report_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Keyed hash of the sender's number (the reporter hash of :mod:`geo.reports.privacy`).
    sender_hash: Mapped[str] = mapped_column(String(64))
    sender_phone_enc: Mapped[bytes] = mapped_column(LargeBinary)
    sender_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: The hotline number the sender wrote to; replies go out from it.
    phone_number_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), server_default="open")
    confidentiality: Mapped[str] = mapped_column(String(10), server_default="rahasia")
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_message_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    location_requested_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    close_reason: Mapped[str | None] = mapped_column(String(20))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"))
    #: The report status the sender was last told about (status update templates).
    notified_status: Mapped[str | None] = mapped_column(String(24))


class Message(Base):
    """One message of a conversation, stored once by its WhatsApp id (``wamid``)."""

    __tablename__ = "whatsapp_messages"
    __table_args__ = (Index("ix_whatsapp_messages_conversation", "conversation_id", "sent_at"),)

    wamid: Mapped[str] = mapped_column(String(200), primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("whatsapp_conversations.id", ondelete="CASCADE")
    )
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("whatsapp_deliveries.id", ondelete="SET NULL")
    )
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    #: WhatsApp's message type: text, image, video, audio, document, location, or another.
    kind: Mapped[str] = mapped_column(String(30))
    #: The text, or a media caption.
    body: Mapped[str | None] = mapped_column(Text)
    media_id: Mapped[str | None] = mapped_column(String(200))
    media_mime: Mapped[str | None] = mapped_column(String(100))
    evidence_sha256: Mapped[str | None] = mapped_column(
        ForeignKey("evidence.sha256", ondelete="RESTRICT")
    )
    #: Why a media file was not kept, as a short English code (``download_failed``, ...).
    media_error: Mapped[str | None] = mapped_column(String(100))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    location_name: Mapped[str | None] = mapped_column(Text)
    location_address: Mapped[str | None] = mapped_column(Text)
