"""WhatsApp Cloud API stand-ins: webhook bodies shaped as Meta documents them, and a local
Graph API (media metadata, media download with the bearer token, message sending) on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PHONE_NUMBER_ID = "109876543210"
ACCESS_TOKEN = "test-access-token"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
BUDI = ("6281234567890", "Budi Santoso")
SITI = ("6285298765432", "Siti Aminah")
#: 2026-01-15 03:00 UTC, the reports tests' NOW.
T0 = int(dt.datetime(2026, 1, 15, 3, 0, tzinfo=dt.UTC).timestamp())


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    """The X-Hub-Signature-256 header Meta sends for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def delivery(
    *messages: dict[str, Any],
    sender: tuple[str, str] = BUDI,
    statuses: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A webhook body: one entry, one ``messages`` change, from ``sender``."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6281100001111", "phone_number_id": PHONE_NUMBER_ID},
    }
    if messages:
        value["contacts"] = [{"profile": {"name": sender[1]}, "wa_id": sender[0]}]
        value["messages"] = [{"from": sender[0], **m} for m in messages]
    if statuses is not None:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA-1", "changes": [{"value": value, "field": "messages"}]}],
    }


def _msg(wamid: str, kind: str, at: int, **content: Any) -> dict[str, Any]:
    return {"id": wamid, "timestamp": str(at), "type": kind, **content}


def text(wamid: str, body: str, at: int = T0) -> dict[str, Any]:
    return _msg(wamid, "text", at, text={"body": body})


def image(wamid: str, media_id: str, at: int = T0, caption: str | None = None) -> dict[str, Any]:
    part = {"id": media_id, "mime_type": "image/jpeg", "sha256": "x" * 44}
    if caption:
        part["caption"] = caption
    return _msg(wamid, "image", at, image=part)


def video(wamid: str, media_id: str, at: int = T0) -> dict[str, Any]:
    return _msg(wamid, "video", at, video={"id": media_id, "mime_type": "video/mp4"})


def voice(wamid: str, media_id: str, at: int = T0) -> dict[str, Any]:
    part = {"id": media_id, "mime_type": "audio/ogg; codecs=opus", "voice": True}
    return _msg(wamid, "audio", at, audio=part)


def document(wamid: str, media_id: str, filename: str, at: int = T0) -> dict[str, Any]:
    part = {"id": media_id, "mime_type": "image/jpeg", "filename": filename}
    return _msg(wamid, "document", at, document=part)


def location(wamid: str, lat: float, lon: float, at: int = T0, name: str = "") -> dict[str, Any]:
    part: dict[str, Any] = {"latitude": lat, "longitude": lon}
    if name:
        part.update(name=name, address="Kutai Kartanegara, Kalimantan Timur")
    return _msg(wamid, "location", at, location=part)


def unknown(wamid: str, at: int = T0) -> dict[str, Any]:
    """What Meta sends for a type it does not support (e.g. a poll)."""
    return _msg(
        wamid,
        "unsupported",
        at,
        errors=[{"code": 131051, "title": "Message type unknown"}],
    )


def status(wamid: str, state: str = "delivered") -> dict[str, Any]:
    return {"id": wamid, "status": state, "timestamp": str(T0), "recipient_id": BUDI[0]}


def ogg_opus(seed: bytes = b"") -> bytes:
    """The first page of an OGG/Opus voice note (what WhatsApp records), and some payload."""
    header = (
        b"OpusHead"
        + bytes([1, 1])
        + (312).to_bytes(2, "little")
        + (48000).to_bytes(4, "little")
        + b"\x00\x00\x00"
    )
    page = (
        b"OggS\x00\x02"
        + b"\x00" * 8
        + b"\x01\x00\x00\x00"
        + b"\x00" * 8
        + bytes([1, len(header)])
        + header
    )
    return page + b"OggS\x00\x00" + seed + b"\x00" * 200


def mp4() -> bytes:
    """A structurally whole MP4: ftyp, a moov with its header, and media data."""

    def box(kind: bytes, payload: bytes) -> bytes:
        return (8 + len(payload)).to_bytes(4, "big") + kind + payload

    return (
        box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2")
        + box(b"moov", box(b"mvhd", bytes(100)))
        + box(b"mdat", bytes(300))
    )


@dataclass
class GraphStandIn:
    """A local Graph API: media by id, downloads needing the token, and captured replies."""

    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    #: Requests to fail with 500 before answering, per media id.
    failures: dict[str, int] = field(default_factory=dict)
    sent: list[dict[str, Any]] = field(default_factory=list)
    unauthorised: int = 0
    url: str = ""

    @property
    def graph_url(self) -> str:
        return f"{self.url}/v21.0"


def _handler(stand_in: GraphStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _answer(self, status: int, body: bytes, ctype: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
                stand_in.unauthorised += 1
                self._answer(401, b'{"error": {"message": "Invalid OAuth access token"}}')
                return False
            return True

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if not self._authorised():
                return
            parts = self.path.strip("/").split("/")
            media_id = parts[-1]
            if media_id not in stand_in.media:
                self._answer(404, b'{"error": {"message": "not found"}}')
                return
            if stand_in.failures.get(media_id, 0) > 0:
                stand_in.failures[media_id] -= 1
                self._answer(500, b'{"error": {"message": "try again"}}')
                return
            content, mime = stand_in.media[media_id]
            if parts[0] == "download":
                self._answer(200, content, mime)
                return
            meta = {
                "messaging_product": "whatsapp",
                "url": f"{stand_in.url}/download/{media_id}",
                "mime_type": mime,
                "sha256": hashlib.sha256(content).hexdigest(),
                "file_size": len(content),
                "id": media_id,
            }
            self._answer(200, json.dumps(meta).encode())

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            if not self._authorised():
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length))
            stand_in.sent.append({"path": self.path, **body})
            self._answer(
                200, json.dumps({"messages": [{"id": f"wamid.out{len(stand_in.sent)}"}]}).encode()
            )

    return Handler


@contextmanager
def graph_stand_in() -> Iterator[GraphStandIn]:
    """Run a :class:`GraphStandIn` on a free port of 127.0.0.1."""
    stand_in = GraphStandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stand_in))
    stand_in.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand_in
    finally:
        server.shutdown()
        server.server_close()
