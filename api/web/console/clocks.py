"""The complaint clocks of every report, reused by the console for a few seconds.

Computing the clocks reads every report (:func:`geo.reports.clocks.evaluate`), seconds at 10^5
reports, while the inbox and Beranda need them on every page. Each process keeps the last map
for ``PANTAU_CONSOLE_CLOCK_CACHE_SECONDS`` and drops it when the console itself changes a
report, so a person sees their own change at once; changes made elsewhere (the API, the CLI)
show within that time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

from fastapi import Request
from sqlalchemy.orm import Session

from geo.reports.clocks import ClockStatus
from geo.reports.inbox import running_clocks

__all__ = ["ClockCache", "clocks_for", "forget"]


class ClockCache:
    """The last running-clock map of one process and when it was computed."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._value: Mapping[int, ClockStatus] | None = None
        self._at = 0.0
        self._lock = threading.Lock()

    def get(self, session: Session) -> Mapping[int, ClockStatus]:
        """Return the map, recomputed when older than the time to live."""
        with self._lock:
            if self._value is not None and time.monotonic() - self._at < self.ttl_s:
                return self._value
        value = running_clocks(session=session)
        with self._lock:
            self._value, self._at = value, time.monotonic()
        return value

    def forget(self) -> None:
        """Drop the map (after a change made through the console)."""
        with self._lock:
            self._value = None


def clocks_for(request: Request, session: Session) -> Mapping[int, ClockStatus]:
    """Return the running clocks for a console page, from the process's cache."""
    cache: ClockCache = request.app.state.console_clocks
    return cache.get(session)


def forget(request: Request) -> None:
    """Drop the cached clocks: the console changed a report."""
    cache: ClockCache = request.app.state.console_clocks
    cache.forget()
