"""The complaint clocks of every report, reused by the console for a few seconds.

Computing the clocks reads every report (:func:`geo.reports.clocks.evaluate`), seconds at 10^5
reports, while the inbox and Beranda need them on every page. Each process keeps the last map:
the first page computes it; once it is older than ``PANTAU_CONSOLE_CLOCK_CACHE_SECONDS`` one
background thread recomputes it while pages keep using the old one. A report changed through
the console has its own clocks recomputed at once (one report, milliseconds), so a person sees
their own change immediately; changes made elsewhere (the API, the CLI) show within that time.
"""

from __future__ import annotations

import threading
import time
from zoneinfo import ZoneInfo

from fastapi import Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from geo.reports.clocks import ClockStatus
from geo.reports.inbox import running_clocks
from geo.reports.lifecycle import get_report

__all__ = ["ClockCache", "clocks_for", "refresh_report"]


class ClockCache:
    """The last running-clock map of one process, refreshed in the background when stale."""

    def __init__(self, ttl_s: float, zone: ZoneInfo | None = None) -> None:
        self.ttl_s = ttl_s
        #: The province's zone: its days are the ones the clocks count.
        self.zone = zone
        self._value: dict[int, ClockStatus] | None = None
        self._at = 0.0
        self._refreshing = False
        self._lock = threading.Lock()

    def get(self, session: Session, engine: Engine) -> dict[int, ClockStatus]:
        """Return the map: computed now the first time, else the last one (refreshed if stale)."""
        with self._lock:
            value, stale = self._value, time.monotonic() - self._at >= self.ttl_s
            start = value is not None and stale and not self._refreshing
            if start:
                self._refreshing = True
        if value is None or self.ttl_s <= 0:
            value = running_clocks(session=session, zone=self.zone)
            with self._lock:
                self._value, self._at = value, time.monotonic()
            return value
        if start:
            threading.Thread(target=self._refresh, args=(engine,), daemon=True).start()
        return value

    def _refresh(self, engine: Engine) -> None:
        try:
            with Session(engine) as session:
                value = running_clocks(session=session, zone=self.zone)
            with self._lock:
                self._value, self._at = value, time.monotonic()
        finally:
            with self._lock:
                self._refreshing = False

    def update(self, session: Session, report_id: int) -> None:
        """Recompute one report's clocks in the map (after the console changed it)."""
        fresh = running_clocks(session=session, report_ids=[report_id], zone=self.zone)
        with self._lock:
            if self._value is None:
                return
            value = dict(self._value)
            value.pop(report_id, None)
            value.update(fresh)
            self._value = value


def clocks_for(request: Request, session: Session) -> dict[int, ClockStatus]:
    """Return the running clocks for a console page, from the process's cache."""
    cache: ClockCache = request.app.state.console_clocks
    return cache.get(session, request.app.state.engine)


def refresh_report(request: Request, session: Session, code: str) -> None:
    """Bring one report's clocks up to date in the cache: the console just changed it."""
    cache: ClockCache = request.app.state.console_clocks
    cache.update(session, get_report(session=session, code=code).id)
