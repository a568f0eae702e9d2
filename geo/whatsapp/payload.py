"""Reading the webhook bodies of the WhatsApp Business Cloud API, and checking their signature.

Meta POSTs ``{"object": "whatsapp_business_account", "entry": [{"changes": [{"field":
"messages", "value": {...}}]}]}``; each ``value`` names the hotline number (``metadata``), the
senders (``contacts[].wa_id`` and ``contacts[].profile.name``) and carries ``messages`` or delivery
``statuses``. Only what a report needs is kept; unknown message types are kept as their type
with no content, and statuses are skipped, so neither can fail a delivery.

Examples
--------
>>> body = {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": {
...     "metadata": {"phone_number_id": "1"}, "contacts": [{"wa_id": "6281", "profile":
...     {"name": "Budi"}}], "messages": [{"id": "wamid.A", "from": "6281", "timestamp":
...     "1764590000", "type": "text", "text": {"body": "halo"}}]}}]}]}
>>> [(m.wamid, m.kind, m.text, m.sender_name) for m in parse_delivery(body)]
[('wamid.A', 'text', 'halo', 'Budi')]
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geo.errors import ValidationError

__all__ = ["InboundMessage", "MEDIA_KINDS", "parse_delivery", "signature_ok"]

#: Message types whose content is a media file fetched by id.
MEDIA_KINDS: tuple[str, ...] = ("image", "video", "audio", "document", "sticker")


@dataclass(frozen=True)
class InboundMessage:
    """One message from a citizen, as much of it as a report needs."""

    wamid: str
    sender: str
    sender_name: str | None
    phone_number_id: str
    sent_at: dt.datetime
    kind: str
    text: str | None = None
    media_id: str | None = None
    media_mime: str | None = None
    filename: str | None = None
    lat: float | None = None
    lon: float | None = None
    location_name: str | None = None
    location_address: str | None = None


def signature_ok(body: bytes, header: str | None, app_secret: str) -> bool:
    """Return whether ``header`` is ``sha256=`` + HMAC-SHA256(app secret, raw body).

    Compared in constant time.

    Examples
    --------
    >>> sig = "sha256=" + hmac.new(b"s", b"{}", hashlib.sha256).hexdigest()
    >>> signature_ok(b"{}", sig, "s"), signature_ok(b"{}", sig, "t"), signature_ok(b"{}", None, "s")
    (True, False, False)
    """
    if not header or not header.startswith("sha256=") or not app_secret:
        return False
    expected = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    given = header[7:].strip().encode("ascii", "replace")
    return hmac.compare_digest(expected.encode("ascii"), given)


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _number(value: Any) -> float | None:
    try:
        return float(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _when(raw: Any) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(int(raw), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return dt.datetime.now(dt.UTC)


def _content(kind: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    part = raw.get(kind)
    part = part if isinstance(part, Mapping) else {}
    if kind == "text":
        return {"text": _text(part.get("body"))}
    if kind in MEDIA_KINDS:
        return {
            "text": _text(part.get("caption")),
            "media_id": _text(part.get("id")),
            "media_mime": _text(part.get("mime_type")),
            "filename": _text(part.get("filename")),
        }
    if kind == "location":
        return {
            "lat": _number(part.get("latitude")),
            "lon": _number(part.get("longitude")),
            "location_name": _text(part.get("name")),
            "location_address": _text(part.get("address")),
        }
    if kind == "button":  # a quick reply: its text is what the sender chose
        return {"text": _text(part.get("text"))}
    return {}


def _messages(value: Mapping[str, Any]) -> list[InboundMessage]:
    metadata = value.get("metadata")
    number_id = _text(metadata.get("phone_number_id")) if isinstance(metadata, Mapping) else None
    names: dict[str, str | None] = {}
    for contact in value.get("contacts") or []:
        if isinstance(contact, Mapping) and _text(contact.get("wa_id")):
            profile = contact.get("profile")
            name = _text(profile.get("name")) if isinstance(profile, Mapping) else None
            names[str(contact["wa_id"]).strip()] = name
    out = []
    for raw in value.get("messages") or []:
        if not isinstance(raw, Mapping):
            continue
        wamid, sender = _text(raw.get("id")), _text(raw.get("from"))
        if wamid is None or sender is None or number_id is None:
            continue  # nothing to attribute the message to
        kind = _text(raw.get("type")) or "unknown"
        out.append(
            InboundMessage(
                wamid=wamid,
                sender=sender,
                sender_name=names.get(sender),
                phone_number_id=number_id,
                sent_at=_when(raw.get("timestamp")),
                kind=kind[:30],
                **_content(kind, raw),
            )
        )
    return out


def parse_delivery(body: Mapping[str, Any]) -> list[InboundMessage]:
    """Return the citizens' messages of one webhook body, in order; statuses are skipped.

    Raises
    ------
    ValidationError
        When the body is not a WhatsApp Business Account delivery.

    Examples
    --------
    >>> parse_delivery({"object": "whatsapp_business_account", "entry": []})
    []
    """
    if not isinstance(body, Mapping) or body.get("object") != "whatsapp_business_account":
        raise ValidationError(
            "object: expected a 'whatsapp_business_account' delivery", field="object"
        )
    out: list[InboundMessage] = []
    for entry in body.get("entry") or []:
        for change in (entry.get("changes") or []) if isinstance(entry, Mapping) else []:
            value = change.get("value") if isinstance(change, Mapping) else None
            if isinstance(value, Mapping):
                out.extend(_messages(value))
    return out
