"""From messages to a report: one sender's messages gathered into a draft that closes once.

A draft (an ``open`` conversation) closes when its sender writes a closing word, after the idle
time, or at the 24-hour cap of WhatsApp's customer-service window. Closing makes ONE report
through :func:`geo.reports.submit`: the point from a location pin (``map_pin``), else from a
photo's EXIF, else the text as a described place. A draft with neither gets a request for the
location first; if the sender never answers it is still stored, marked for follow-up.

Examples
--------
>>> is_word("Selesai.", ["selesai", "kirim"])
True
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geo.errors import ValidationError
from geo.i18n import translator
from geo.layers.service import reclassify
from geo.reports.evidence import inspect_evidence, store_evidence, stored_file
from geo.reports.intake import SubmitResult, submit
from geo.reports.models import Evidence
from geo.reports.privacy import decrypt_for, encrypt_identity, reporter_hash
from geo.settings import Settings
from geo.whatsapp.graph import GraphClient, GraphError
from geo.whatsapp.models import Conversation, Message
from geo.whatsapp.payload import InboundMessage
from geo.whatsapp.replies import (
    NO_LOCATION_TEXT,
    Reply,
    location_request,
    receipt,
    receipt_without_code,
)

__all__ = ["Outcome", "add_message", "close_conversation", "due_conversations", "is_word"]

log = logging.getLogger(__name__)

#: Media types kept as evidence (stickers are not evidence).
_EVIDENCE_KINDS = ("image", "video", "audio", "document")


@dataclass
class Outcome:
    """What a step did: deliveries read, messages stored, reports made (codes), replies to send."""

    deliveries: int = 0
    messages: int = 0
    reports: list[str] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        """Add another step's outcome to this one."""
        self.deliveries += other.deliveries
        self.messages += other.messages
        self.reports += other.reports
        self.replies += other.replies


def is_word(message: str | None, words: Iterable[str]) -> bool:
    """Return whether a message is just one of ``words`` (case and punctuation aside)."""
    if not message:
        return False
    bare = re.sub(r"[\W_]+", " ", message.lower()).strip()
    return bare in {w.lower().strip() for w in words}


def _has_word(message: str | None, words: Iterable[str]) -> bool:
    if not message:
        return False
    found = set(re.sub(r"[\W_]+", " ", message.lower()).split())
    return bool(found & {w.lower().strip() for w in words})


def _is_due(conv: Conversation, at: dt.datetime, settings: Settings) -> str | None:
    wa = settings.whatsapp
    if at - conv.opened_at >= dt.timedelta(hours=wa.cap_hours):
        return "cap"
    if at - conv.last_message_at >= dt.timedelta(minutes=wa.idle_minutes):
        return "idle"
    return None


def due_conversations(*, session: Session, settings: Settings, now: dt.datetime) -> list[int]:
    """Return the ids of open drafts whose idle time or 24-hour cap has passed."""
    wa = settings.whatsapp
    rows = session.execute(
        select(Conversation.id)
        .where(
            Conversation.status == "open",
            (Conversation.last_message_at <= now - dt.timedelta(minutes=wa.idle_minutes))
            | (Conversation.opened_at <= now - dt.timedelta(hours=wa.cap_hours)),
        )
        .order_by(Conversation.id)
    )
    return [int(i) for i in rows.scalars()]


def _open_conversation(session: Session, msg: InboundMessage, settings: Settings) -> Conversation:
    sender = reporter_hash(msg.sender, settings=settings)
    assert sender is not None  # a message always has a sender
    # One sender's messages are taken in one at a time, even by workers in other processes,
    # so that two of them never open two drafts for the same sender.
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": sender})
    conv = session.scalar(
        select(Conversation)
        .where(Conversation.sender_hash == sender, Conversation.status == "open")
        .with_for_update()
    )
    if conv is None:
        conv = Conversation(
            sender_hash=sender,
            sender_phone_enc=encrypt_identity(msg.sender, settings=settings),
            phone_number_id=msg.phone_number_id,
            status="open",
            confidentiality="rahasia",
            opened_at=msg.sent_at,
            last_message_at=msg.sent_at,
        )
        session.add(conv)
    if msg.sender_name:
        conv.sender_name_enc = encrypt_identity(msg.sender_name, settings=settings)
    session.flush()
    return conv


def _keep_media(
    session: Session, msg: InboundMessage, client: GraphClient, settings: Settings
) -> tuple[str | None, str | None]:
    """Fetch, check and store a message's media; return (sha256, error code)."""
    if msg.kind not in _EVIDENCE_KINDS or msg.media_id is None:
        return None, None
    limits = settings.reports
    try:
        media = client.fetch_media(
            msg.media_id, max_bytes=max(limits.max_photo_bytes, limits.max_video_bytes)
        )
    except GraphError:
        return None, "download_failed"
    try:
        checked = inspect_evidence(
            media.content,
            name=msg.filename,
            field="media",
            report_settings=limits,
            zone=settings.province_profile.zone,
        )
    except (ValidationError, Image.DecompressionBombError):
        return None, "refused"
    return store_evidence(session=session, file=checked, settings=settings).sha256, None


def add_message(
    *,
    session: Session,
    message: InboundMessage,
    delivery_id: int | None,
    client: GraphClient,
    settings: Settings,
    now: dt.datetime,
) -> Outcome:
    """Store one message once (by ``wamid``) in its sender's draft; close the draft when due.

    A draft whose idle time or cap passed before this message arrived is closed first (when the
    worker that closes due drafts was not running); the message then opens a new draft.
    """
    out = Outcome()
    if session.get(Message, message.wamid) is not None:
        return out  # a delivery retried by Meta, or the same message in another delivery
    conv = _open_conversation(session, message, settings)
    reason = _is_due(conv, message.sent_at, settings)
    if reason is not None:
        out.add(
            close_conversation(
                session=session, conversation=conv, reason=reason, settings=settings, now=now
            )
        )
        if conv.status != "open":
            conv = _open_conversation(session, message, settings)
    sha, error = _keep_media(session, message, client, settings)
    session.add(
        Message(
            wamid=message.wamid,
            conversation_id=conv.id,
            delivery_id=delivery_id,
            sent_at=message.sent_at,
            kind=message.kind,
            body=message.text,
            media_id=message.media_id,
            media_mime=message.media_mime,
            evidence_sha256=sha,
            media_error=error,
            lat=message.lat,
            lon=message.lon,
            location_name=message.location_name,
            location_address=message.location_address,
        )
    )
    session.flush()
    out.messages += 1
    conv.last_message_at = max(conv.last_message_at, message.sent_at)
    wa = settings.whatsapp
    if _has_word(message.text, wa.anonymous_words):
        conv.confidentiality = "anonim"
    if message.kind == "text" and is_word(message.text, wa.closing_words):
        out.add(
            close_conversation(
                session=session,
                conversation=conv,
                reason="closing_word",
                settings=settings,
                now=now,
            )
        )
    return out


@dataclass
class _Draft:
    lat: float | None = None
    lon: float | None = None
    place: str | None = None
    texts: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    first_wamid: str = ""


def _draft(messages: list[Message], settings: Settings) -> _Draft:
    wa = settings.whatsapp
    draft = _Draft(first_wamid=messages[0].wamid if messages else "")
    for m in messages:
        if m.kind == "location" and m.lat is not None and m.lon is not None:
            draft.lat, draft.lon = m.lat, m.lon  # the last pin wins: senders correct themselves
            named = ", ".join(p for p in (m.location_name, m.location_address) if p)
            draft.place = named or None
        if m.body and not is_word(m.body, [*wa.closing_words, *wa.anonymous_words]):
            draft.texts.append(m.body)
        if m.evidence_sha256 and m.evidence_sha256 not in draft.evidence:
            draft.evidence.append(m.evidence_sha256)
    return draft


def _evidence_files(
    session: Session, shas: list[str], settings: Settings
) -> tuple[list[Path], bool]:
    rows = {e.sha256: e for e in session.scalars(select(Evidence).where(Evidence.sha256.in_(shas)))}
    files = [stored_file(rows[s].path, settings=settings) for s in shas if s in rows]
    has_exif = any(e.exif_lat is not None and e.exif_lon is not None for e in rows.values())
    return files, has_exif


def _submit(
    session: Session,
    conv: Conversation,
    draft: _Draft,
    files: list[Path],
    place: str | None,
    settings: Settings,
    now: dt.datetime,
) -> SubmitResult:
    def call(lat: float | None, lon: float | None, location_text: str | None) -> SubmitResult:
        return submit(
            session=session,
            channel="whatsapp",
            lat=lat,
            lon=lon,
            location_source="map_pin" if lat is not None else None,
            received_at=min(conv.opened_at, now),  # a sender's clock may run ahead
            location_text=location_text,
            description="\n".join(draft.texts)[:5000] or None,
            confidentiality=conv.confidentiality,
            reporter_phone=decrypt_for(
                conv.sender_phone_enc, purpose="report_from_channel", settings=settings
            ),
            reporter_name=decrypt_for(
                conv.sender_name_enc, purpose="report_from_channel", settings=settings
            ),
            external_id=f"wa:{draft.first_wamid}"[:200],
            evidence=files,
            settings=settings,
            report_settings=settings.reports,
            now=now,
            defer=True,
        )

    if draft.lat is None:
        return call(None, None, place)
    try:
        with session.begin_nested():
            return call(draft.lat, draft.lon, place)
    except ValidationError:
        # A pin outside Indonesia or otherwise refused: keep the report as a described place.
        described = ", ".join(p for p in (f"{draft.lat}, {draft.lon}", draft.place) if p)
        return call(None, None, described)


def close_conversation(
    *,
    session: Session,
    conversation: Conversation,
    reason: str,
    settings: Settings,
    now: dt.datetime,
) -> Outcome:
    """Make the draft ONE report and a receipt, or first ask for a missing location.

    A draft with neither a point (pin or photo EXIF) nor any text gets a location request and
    stays open, once; the next time it is due (or at the cap) it is stored anyway.
    """
    conv = conversation
    messages = list(
        session.scalars(
            select(Message)
            .where(Message.conversation_id == conv.id)
            .order_by(Message.sent_at, Message.wamid)
        )
    )
    draft = _draft(messages, settings)
    files, has_exif = _evidence_files(session, draft.evidence, settings)
    to = decrypt_for(conv.sender_phone_enc, purpose="reply_to_sender", settings=settings) or ""
    place = draft.place if draft.lat is not None else ("\n".join(draft.texts)[:1000] or None)
    if draft.lat is None and not has_exif and place is None:
        if conv.location_requested_at is None and reason != "cap":
            conv.location_requested_at = now
            conv.last_message_at = max(conv.last_message_at, now)  # the idle time starts again
            return Outcome(
                replies=[Reply(to, conv.phone_number_id, location_request(), "location_request")]
            )
        place = translator(settings.language).gettext(NO_LOCATION_TEXT)
    result = _submit(session, conv, draft, files, place, settings, now)
    if result.created:
        reclassify(session=session, settings=settings, only={"report": [result.id]})
    conv.status, conv.closed_at, conv.close_reason = "closed", now, reason
    conv.report_id = result.id
    conv.notified_status = result.status  # the receipt tells it
    session.flush()
    own = result.created or result.duplicate_rule == "exact_external_id"
    body = receipt(result.code) if own else receipt_without_code()
    log.info("whatsapp conversation %s closed (%s)", conv.id, reason)
    return Outcome(
        reports=[result.code] if result.created else [],
        replies=[Reply(to, conv.phone_number_id, body, "receipt")],
    )
