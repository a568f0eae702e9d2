"""The outgoing side of the hotline: media downloads and replies through Meta's Graph API.

A media file is fetched in two steps: ``GET {graph_url}/{media_id}`` gives a short-lived URL,
and ``GET`` on that URL with the same bearer token gives the bytes. Replies are ``POST
{graph_url}/{phone_number_id}/messages``. Transient failures (network errors, 429 and 5xx) are
retried with exponential back-off; the access token is never logged.

Plain ``httpx`` rather than a WhatsApp client library: the hotline needs three calls, and keeps
its own queue, storage and evidence checks.

Examples
--------
>>> from geo.settings import WhatsAppSettings
>>> client = GraphClient(WhatsAppSettings(access_token="t", graph_url="http://127.0.0.1:9"))
>>> client.close()
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from geo.errors import PantauError
from geo.settings import WhatsAppSettings

__all__ = ["GraphClient", "GraphError", "MediaFile"]

log = logging.getLogger(__name__)


class GraphError(PantauError):
    """The Graph API could not be reached or refused a call."""


@dataclass(frozen=True)
class MediaFile:
    """A downloaded media file and the type WhatsApp declared for it."""

    content: bytes
    mime: str | None


class GraphClient:
    """Calls to the Graph API with the hotline's access token.

    Parameters
    ----------
    settings
        The ``whatsapp`` settings section (token, Graph URL, retries, timeout).
    http
        An ``httpx.Client`` to use (a test may pass one); one is made otherwise.
    sleep
        How to wait between attempts (tests pass a no-op).
    """

    def __init__(
        self,
        settings: WhatsAppSettings,
        *,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._settings = settings
        self._http = http or httpx.Client(timeout=settings.http_timeout_s)
        self._own_http = http is None
        self._sleep = sleep
        token = settings.access_token.get_secret_value() if settings.access_token else ""
        self._headers = {"Authorization": f"Bearer {token}"}

    def close(self) -> None:
        """Close the HTTP connections this client opened."""
        if self._own_http:
            self._http.close()

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        delay = self._settings.http_backoff_s
        last = ""
        for attempt in range(self._settings.http_attempts):
            if attempt:
                self._sleep(delay)
                delay *= 2
            try:
                response = self._http.request(method, url, headers=self._headers, **kwargs)
            except httpx.HTTPError as exc:
                last = type(exc).__name__
                continue
            if response.status_code == 429 or response.status_code >= 500:
                last = f"HTTP {response.status_code}"
                continue
            if response.status_code >= 400:
                raise GraphError(f"Graph API refused {method}: HTTP {response.status_code}")
            return response
        raise GraphError(
            f"Graph API unreachable after {self._settings.http_attempts} attempts ({last})"
        )

    def fetch_media(self, media_id: str, *, max_bytes: int) -> MediaFile:
        """Download a media file by its WhatsApp id (at most ``max_bytes``).

        Raises
        ------
        GraphError
            When the file cannot be had, or is larger than ``max_bytes``.
        """
        meta = self._call("GET", f"{self._settings.graph_url.rstrip('/')}/{media_id}").json()
        url = meta.get("url") if isinstance(meta, dict) else None
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise GraphError("Graph API gave no download URL for the media")
        declared = meta.get("file_size")
        if isinstance(declared, int) and declared > max_bytes:
            raise GraphError(f"media is {declared} bytes, more than the limit of {max_bytes}")
        content = self._call("GET", url).content
        if len(content) > max_bytes:
            raise GraphError(f"media is {len(content)} bytes, more than the limit of {max_bytes}")
        mime = meta.get("mime_type")
        return MediaFile(content=content, mime=mime if isinstance(mime, str) else None)

    def send_text(self, *, phone_number_id: str, to: str, body: str) -> None:
        """Send a text reply to ``to`` from the hotline number ``phone_number_id``."""
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": {"preview_url": False, "body": body},
        }
        self._call(
            "POST",
            f"{self._settings.graph_url.rstrip('/')}/{phone_number_id}/messages",
            json=payload,
        )

    def send_template(
        self, *, phone_number_id: str, to: str, name: str, language: str, parameter: str
    ) -> None:
        """Send the approved template ``name`` with one body parameter to ``to``."""
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "template",
            "template": {
                "name": name,
                "language": {"code": language},
                "components": [
                    {"type": "body", "parameters": [{"type": "text", "text": parameter}]}
                ],
            },
        }
        self._call(
            "POST",
            f"{self._settings.graph_url.rstrip('/')}/{phone_number_id}/messages",
            json=payload,
        )
