"""Use cases of the WhatsApp hotline: take a delivery in, process the queue, close due drafts.

The webhook only calls :func:`receive_delivery`: the raw body is stored (encrypted, once by its
SHA-256: Meta retries deliveries) and the HTTP answer goes out at once. :func:`process_deliveries`
then reads the stored deliveries (``FOR UPDATE SKIP LOCKED``, so several workers can share the
queue), stores each message once by ``wamid``, fetches its media and closes drafts on a closing
word. :func:`close_due_conversations` closes drafts whose idle time or 24-hour cap has passed
(``pantau whatsapp close-due``, and the API's worker every minute). The replies they return are
sent with :func:`send_replies` after the transaction commits, so a report is never lost to a
reply that failed.

Examples
--------
A citizen sends a description, a shared location and the closing word ``selesai``; one
delivery carries the three messages (a text-only conversation needs no media download, so no
Graph client is called here):

>>> import json
>>> def message(wamid, kind, **part):
...     return {"from": "6281234567890", "id": wamid, "timestamp": "1764572400",
...             "type": kind, **part}
>>> messages = [
...     message("wamid.D1", "text", text={"body": "Ada ekskavator menggali di tepi sungai"}),
...     message("wamid.D2", "location", location={"latitude": -0.6012, "longitude": 117.0893}),
...     message("wamid.D3", "text", text={"body": "selesai"}),
... ]
>>> value = {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1098"},
...          "contacts": [{"wa_id": "6281234567890", "profile": {"name": "Warga"}}],
...          "messages": messages}
>>> raw = json.dumps({"object": "whatsapp_business_account",
...                   "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]})
>>> receive_delivery(session=session, body=raw.encode(), settings=settings).created
True
>>> outcome = process_deliveries(session=session, client=None, settings=settings)
>>> outcome.deliveries, outcome.messages, len(outcome.reports)
(1, 3, 1)
>>> outcome.replies[-1].kind
'receipt'

The caller commits, then sends the replies: ``send_replies(outcome.replies, client=client)``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from geo.errors import N_, NotFound, PantauError, ValidationError
from geo.reports.models import Report
from geo.reports.privacy import decrypt_for, encrypt_identity
from geo.settings import Settings
from geo.whatsapp.conversations import (
    Outcome,
    add_message,
    close_conversation,
    due_conversations,
)
from geo.whatsapp.graph import GraphClient, GraphError
from geo.whatsapp.models import Conversation, Delivery, Message
from geo.whatsapp.payload import parse_delivery
from geo.whatsapp.replies import Reply

__all__ = [
    "Received",
    "receive_delivery",
    "process_deliveries",
    "close_due_conversations",
    "send_replies",
    "purge_deliveries",
    "status_updates",
    "ConversationView",
    "conversation_of_report",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Received:
    """A stored delivery: its id, and whether it was new (false for a retried delivery)."""

    id: int
    created: bool


def receive_delivery(*, session: Session, body: bytes, settings: Settings) -> Received:
    """Store a webhook body (already signature-checked) for processing; once per content.

    Examples
    --------
    >>> raw = b'{"object": "whatsapp_business_account", "entry": []}'
    >>> first = receive_delivery(session=session, body=raw, settings=settings)
    >>> again = receive_delivery(session=session, body=raw, settings=settings)  # Meta's retry
    >>> first.created, again.created, first.id == again.id
    (True, False, True)
    """
    digest = hashlib.sha256(body).hexdigest()
    sealed = encrypt_identity(body.decode("utf-8", "replace"), settings=settings) or b""
    new_id = session.execute(
        insert(Delivery)
        .values(body_sha256=digest, body_enc=sealed)
        .on_conflict_do_nothing(index_elements=["body_sha256"])
        .returning(Delivery.id)
    ).scalar()
    if new_id is not None:
        return Received(id=int(new_id), created=True)
    first = session.scalar(select(Delivery.id).where(Delivery.body_sha256 == digest))
    return Received(id=int(first or 0), created=False)


_TAKE = text(
    """
    SELECT id FROM whatsapp_deliveries WHERE processed_at IS NULL
     ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED
    """
)


def _process_one(
    session: Session,
    delivery: Delivery,
    client: GraphClient,
    settings: Settings,
    now: dt.datetime,
) -> Outcome:
    out = Outcome()
    try:
        raw = decrypt_for(delivery.body_enc, purpose="raw_delivery", settings=settings) or ""
        messages = parse_delivery(json.loads(raw))
    except (ValueError, ValidationError):
        delivery.error = "unreadable"
        return out
    for message in messages:
        try:
            with session.begin_nested():
                out.add(
                    add_message(
                        session=session,
                        message=message,
                        delivery_id=delivery.id,
                        client=client,
                        settings=settings,
                        now=now,
                    )
                )
        except (PantauError, SQLAlchemyError) as exc:
            # One bad message never fails the others; the raw delivery keeps it for audit.
            log.warning("whatsapp message not taken in (%s)", type(exc).__name__)
            delivery.error = f"message_failed: {type(exc).__name__}"[:100]
    return out


def process_deliveries(
    *,
    session: Session,
    client: GraphClient,
    settings: Settings,
    now: dt.datetime | None = None,
    limit: int = 100,
) -> Outcome:
    """Take in up to ``limit`` stored deliveries: messages once by wamid, media, closing words.

    Returns
    -------
    Outcome
        Messages stored, reports made and the replies to send once the caller has committed.
    """
    now = now or dt.datetime.now(dt.UTC)
    out = Outcome()
    ids = [int(i) for i in session.execute(_TAKE, {"limit": limit}).scalars()]
    taken = session.scalars(
        select(Delivery).where(Delivery.id.in_(ids)).order_by(Delivery.id)
    ).all()
    for delivery in taken:
        out.add(_process_one(session, delivery, client, settings, now))
        delivery.processed_at = now
        out.deliveries += 1
    session.flush()
    return out


def close_due_conversations(
    *, session: Session, settings: Settings, now: dt.datetime | None = None
) -> Outcome:
    """Close the drafts whose idle time or 24-hour cap has passed (or ask for their location).

    Examples
    --------
    >>> close_due_conversations(session=session, settings=settings).reports  # none open
    []
    """
    now = now or dt.datetime.now(dt.UTC)
    out = Outcome()
    cap = dt.timedelta(hours=settings.whatsapp.cap_hours)
    for conv_id in due_conversations(session=session, settings=settings, now=now):
        conv = session.get(Conversation, conv_id, with_for_update={"skip_locked": True})
        if conv is None or conv.status != "open":
            continue
        reason = "cap" if now - conv.opened_at >= cap else "idle"
        try:
            with session.begin_nested():
                out.add(
                    close_conversation(
                        session=session,
                        conversation=conv,
                        reason=reason,
                        settings=settings,
                        now=now,
                    )
                )
        except (PantauError, SQLAlchemyError) as exc:
            log.warning("whatsapp conversation %s not closed (%s)", conv_id, type(exc).__name__)
    return out


def status_updates(*, session: Session, settings: Settings) -> list[Reply]:
    """Return a status-update template for each WhatsApp report that reached a new status.

    Only statuses with a template in ``PANTAU_WHATSAPP_STATUS_TEMPLATES`` are told; each
    status once. The one parameter is the sender's own tracking code.

    Examples
    --------
    >>> status_updates(session=session, settings=settings)  # no approved templates configured
    []
    """
    wa = settings.whatsapp
    if not wa.status_templates:
        return []
    rows = session.execute(
        select(Conversation, Report.code, Report.status)
        .join(Report, Report.id == Conversation.report_id)
        .where(
            Report.status.in_(list(wa.status_templates)),
            Conversation.notified_status.is_distinct_from(Report.status),
        )
        .order_by(Conversation.id)
        .with_for_update(of=Conversation, skip_locked=True)
    ).all()
    out = []
    for conv, code, status in rows:
        conv.notified_status = status
        to = decrypt_for(conv.sender_phone_enc, purpose="reply_to_sender", settings=settings) or ""
        out.append(
            Reply(
                to,
                conv.phone_number_id,
                code,
                "status",
                template=wa.status_templates[status],
                language=wa.template_language,
            )
        )
    session.flush()
    return out


def send_replies(replies: Iterable[Reply], *, client: GraphClient) -> int:
    """Send replies (after the commit); return how many went out. Failures are logged only."""
    sent = 0
    for reply in replies:
        try:
            if reply.template is not None:
                client.send_template(
                    phone_number_id=reply.phone_number_id,
                    to=reply.to,
                    name=reply.template,
                    language=reply.language,
                    parameter=reply.body,
                )
            else:
                client.send_text(
                    phone_number_id=reply.phone_number_id, to=reply.to, body=reply.body
                )
            sent += 1
        except GraphError as exc:
            log.warning("whatsapp %s reply not sent (%s)", reply.kind, exc.message)
    return sent


def purge_deliveries(
    *, session: Session, settings: Settings, now: dt.datetime | None = None
) -> int:
    """Delete processed raw deliveries older than the retention time; return how many."""
    now = now or dt.datetime.now(dt.UTC)
    cutoff = now - dt.timedelta(days=settings.whatsapp.retention_days)
    result = session.execute(
        delete(Delivery).where(Delivery.processed_at.is_not(None), Delivery.received_at < cutoff)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]  # CursorResult of a DELETE


@dataclass(frozen=True)
class ConversationView:
    """A closed conversation as an operator reads it: no sender identity, messages in order."""

    code: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    close_reason: str | None
    confidentiality: str
    location_requested_at: dt.datetime | None
    messages: list[Message]


def conversation_of_report(*, session: Session, code: str) -> ConversationView:
    """Return the WhatsApp conversation a report was made from.

    Raises
    ------
    NotFound
        When no report has this code, or it did not come from a WhatsApp conversation.

    Examples
    --------
    >>> conversation_of_report(session=session, code=code)  # a LAPOR! report, not WhatsApp
    Traceback (most recent call last):
    ...
    geo.errors.NotFound: ...
    """
    conv = session.scalar(
        select(Conversation)
        .join(Report, Report.id == Conversation.report_id)
        .where(Report.code == code.strip().upper())
    )
    if conv is None:
        raise NotFound.of(
            N_("no WhatsApp conversation became report {code}"), field="code", code=code
        )
    messages = session.scalars(
        select(Message)
        .where(Message.conversation_id == conv.id)
        .order_by(Message.sent_at, Message.wamid)
    ).all()
    return ConversationView(
        code=code.strip().upper(),
        opened_at=conv.opened_at,
        closed_at=conv.closed_at,
        close_reason=conv.close_reason,
        confidentiality=conv.confidentiality,
        location_requested_at=conv.location_requested_at,
        messages=list(messages),
    )
