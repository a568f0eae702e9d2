"""The WhatsApp hotline: webhook deliveries become conversations, and each conversation a report.

* :mod:`geo.whatsapp.payload`: reading Meta's webhook bodies and checking their signature.
* :mod:`geo.whatsapp.models`: raw deliveries, messages (once by ``wamid``), conversations.
* :mod:`geo.whatsapp.graph`: media downloads and replies through the Graph API (httpx).
* :mod:`geo.whatsapp.conversations`: drafts and how they close into one report.
* :mod:`geo.whatsapp.service`: the use cases; :mod:`geo.whatsapp.worker`: the API's background
  step.
"""

from __future__ import annotations

from geo.whatsapp.payload import InboundMessage, parse_delivery, signature_ok
from geo.whatsapp.service import (
    Received,
    close_due_conversations,
    process_deliveries,
    purge_deliveries,
    receive_delivery,
    send_replies,
)

__all__ = [
    "InboundMessage",
    "parse_delivery",
    "signature_ok",
    "Received",
    "receive_delivery",
    "process_deliveries",
    "close_due_conversations",
    "send_replies",
    "purge_deliveries",
]
