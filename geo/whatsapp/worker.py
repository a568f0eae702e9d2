"""The hotline's background step in the API process: process stored deliveries, close drafts.

The webhook stores a delivery and calls :meth:`WhatsAppWorker.notify`; the worker then takes
the stored deliveries in (its own transactions), sends the replies after each commit, and
closes due drafts every ``close_every_s`` seconds. Several API processes may run one each: the
queue is read with ``SKIP LOCKED``.

Examples
--------
>>> worker = WhatsAppWorker(engine, settings=settings)  # doctest: +SKIP
>>> worker.start(); worker.notify(); worker.stop()  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from geo.db import session_scope
from geo.settings import Settings
from geo.whatsapp.graph import GraphClient
from geo.whatsapp.service import (
    close_due_conversations,
    process_deliveries,
    send_replies,
    status_updates,
)

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


class WhatsAppWorker:
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
        self._engine = engine
        self._settings = settings
        self._client = client or GraphClient(settings.whatsapp)
        self._delay_s = delay_s
        self._idle_s = idle_s
        self._close_every_s = close_every_s
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.processed = 0

    def start(self) -> None:
        """Start the thread (it takes in what an earlier process left at once)."""
        self._stopping.clear()
        self._wake.set()
        self._thread = threading.Thread(target=self._run, name="pantau-whatsapp", daemon=True)
        self._thread.start()

    def notify(self) -> None:
        """Say that a delivery was stored."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Process what is stored, then stop the thread."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._client.close()

    def _run(self) -> None:
        last_close = 0.0
        while True:
            self._wake.wait(self._idle_s)
            stopping = self._stopping.is_set()
            if not stopping:
                self._stopping.wait(self._delay_s)  # let a burst of deliveries gather
            self._wake.clear()
            close_due = time.monotonic() - last_close >= self._close_every_s
            try:
                self.processed += run_once(
                    engine=self._engine,
                    settings=self._settings,
                    client=self._client,
                    close_due=close_due,
                )
                if close_due:
                    last_close = time.monotonic()
            except SQLAlchemyError as exc:
                log.warning(
                    "whatsapp worker: a round failed and is retried (%s)", type(exc).__name__
                )
            if stopping:
                return
