"""The hotline's background step in the API process: process stored deliveries, close drafts.

The webhook stores a delivery and calls :meth:`WhatsAppWorker.notify`; the worker then takes
the stored deliveries in (its own transactions), sends the replies after each commit, and
closes due drafts every ``close_every_s`` seconds. Several API processes may run one each: the
queue is read with ``SKIP LOCKED``.

Examples
--------
>>> worker = WhatsAppWorker(engine, settings=settings)
>>> worker.start(); worker.running
True
>>> worker.notify(); worker.stop()  # nothing stored: one empty round, then the thread ends
>>> worker.running
False
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import Engine

from geo.db import session_scope
from geo.settings import Settings
from geo.whatsapp.graph import GraphClient
from geo.whatsapp.service import (
    close_due_conversations,
    process_deliveries,
    send_replies,
    status_updates,
)
from geo.worker import BackgroundRound

__all__ = ["WhatsAppWorker", "run_once"]

log = logging.getLogger(__name__)


def run_once(
    *, engine: Engine, settings: Settings, client: GraphClient, close_due: bool = False
) -> int:
    """Process every stored delivery (and close due drafts, send status updates).

    Returns how many messages were taken in.
    """
    messages = 0
    while True:
        with session_scope(engine) as session:
            out = process_deliveries(session=session, client=client, settings=settings)
        send_replies(out.replies, client=client)
        messages += out.messages
        if not out.deliveries:
            break
    if close_due:
        with session_scope(engine) as session:
            out = close_due_conversations(session=session, settings=settings)
            updates = status_updates(session=session, settings=settings)
        send_replies([*out.replies, *updates], client=client)
    return messages


class WhatsAppWorker(BackgroundRound):
    """A daemon thread that runs :func:`run_once` when notified, and every few seconds.

    After a notification it waits ``delay_s`` so that deliveries arriving together are taken in
    together; due drafts are closed at most every ``close_every_s`` seconds.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        settings: Settings,
        client: GraphClient | None = None,
        delay_s: float = 0.2,
        idle_s: float = 10.0,
        close_every_s: float = 60.0,
    ) -> None:
        super().__init__(name="pantau-whatsapp", delay_s=delay_s, idle_s=idle_s)
        self._engine = engine
        self._settings = settings
        self._client = client or GraphClient(settings.whatsapp)
        self._close_every_s = close_every_s
        self._last_close = 0.0

    def round(self) -> int:
        """Take in the stored deliveries; close due drafts at most every ``close_every_s``."""
        close_due = time.monotonic() - self._last_close >= self._close_every_s
        processed = run_once(
            engine=self._engine, settings=self._settings, client=self._client, close_due=close_due
        )
        if close_due:
            self._last_close = time.monotonic()
        return processed

    def stop(self, timeout: float = 10.0) -> None:
        """Process what is stored, stop the thread, and close the Graph client."""
        super().stop(timeout)
        self._client.close()
