"""A background round of work: a thread woken by a notification, or every ``idle_s`` seconds.

The intake queue (:class:`geo.reports.queue.IntakeWorker`) and the WhatsApp hotline
(:class:`geo.whatsapp.worker.WhatsAppWorker`) both store work first and process it shortly
after; this is their one loop. After a wake-up it waits ``delay_s`` so that work arriving
together is taken in together; a failed round is logged (without its content) and retried at
the next one; :meth:`BackgroundRound.stop` runs a last round before the thread ends.

Examples
--------
>>> class Count(BackgroundRound):
...     def round(self) -> int:
...         return 1
>>> counter = Count(name="example", idle_s=1.0)
>>> counter.start()
>>> counter.stop()
>>> counter.processed >= 1
True
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.exc import SQLAlchemyError

__all__ = ["BackgroundRound"]

log = logging.getLogger(__name__)


class BackgroundRound:
    """Run :meth:`round` in a daemon thread when notified, and every ``idle_s`` seconds."""

    def __init__(self, *, name: str, delay_s: float = 0.2, idle_s: float = 10.0) -> None:
        self._name = name
        self._delay_s = delay_s
        self._idle_s = idle_s
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.processed = 0

    def round(self) -> int:
        """Do one round of work and return how many items it processed."""
        raise NotImplementedError

    def start(self) -> None:
        """Start the thread (it takes in what an earlier process left at once)."""
        self._stopping.clear()
        self._wake.set()
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def notify(self) -> None:
        """Say that work was stored."""
        self._wake.set()

    @property
    def running(self) -> bool:
        """Whether the background thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Process what is stored, then stop the thread."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while True:
            # A stop that lands during a round may have had its wake-up cleared by that round:
            # once stopping, take the last round at once instead of sleeping the idle time.
            if not self._stopping.is_set():
                self._wake.wait(self._idle_s)
            stopping = self._stopping.is_set()
            if not stopping:
                self._stopping.wait(self._delay_s)  # let a burst of work gather
            self._wake.clear()
            try:
                self.processed += self.round()
            except SQLAlchemyError as exc:
                log.warning(
                    "%s: a round failed and is retried (%s)", self._name, type(exc).__name__
                )
            if stopping:
                return
