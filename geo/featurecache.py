"""An in-process cache of feature pages, dropped when PostgreSQL says the registry changed.

The registry of sites changes a few times a day and is read all the time (field teams, maps,
QGIS). :class:`CollectionCache` keeps recently served pages in memory and listens on the
``pantau_registry`` channel, to which a statement-level trigger on ``sites`` (migration
``0008_registry_notify``) sends a notification. PostgreSQL delivers it when the writing
transaction commits, so the cache holds a page only until the commit that changes it.

Correctness rules, in order:

* Values are stored under a *version*, bumped on every notification, on every (re)connection
  of the listener and by :meth:`CollectionCache.invalidate`. :meth:`~CollectionCache.get`
  serves a value only if it was stored under the current version.
* A reader takes the version *before* reading the database and stores what it read under that
  version: if a change commits during the read, its notification bumps the version and the
  possibly stale value is never served.
* While the listener is not connected (starting, or the database went away),
  :meth:`~CollectionCache.version` is ``None``: nothing is stored or served, every request
  reads the database.
* A process sees its own writes at once: :meth:`~CollectionCache.watch_sessions` invalidates
  after any ORM session of this process commits a change to the watched model, and code that
  writes otherwise calls :meth:`~CollectionCache.invalidate` after its commit. Other
  processes (other uvicorn workers, the CLI, a ``psql`` session) are seen when the
  notification arrives, typically a few milliseconds after the commit; until then a reader
  may get the page as it was before.

Examples
--------
>>> from geo.featurecache import CollectionCache
>>> from geo.features import query_items
>>> cache = CollectionCache(engine)
>>> cache.start()
>>> cache.wait_live(5)  # listening for changes: only now are values kept
True
>>> key = ("sites", 0, 100)
>>> version = cache.version()
>>> page = cache.get(key)
>>> if page is None:
...     page = query_items(session=session, collection="sites", limit=100)
...     cache.put(key, version, page)
>>> cache.get(key) is not None
True
>>> cache.stop()
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction

__all__ = ["CHANNEL", "CollectionCache"]

log = logging.getLogger(__name__)

#: The notification channel of the registry (the trigger of migration 0008 sends ``'sites'``).
CHANNEL = "pantau_registry"

V = TypeVar("V")

#: Key in ``Session.info`` marking a transaction that changed a watched model.
_CHANGED = "pantau_featurecache_changed"


class CollectionCache(Generic[V]):
    """Values (feature pages, features) kept until the registry changes; LRU-bounded.

    Parameters
    ----------
    engine
        The process's engine; the listener takes one connection from it for its lifetime.
    max_entries
        How many values are kept; the least recently used is dropped beyond that.
    weigh, max_weight
        A value's weight (e.g. the length of its text) and the most the cache holds in all,
        so that a few pages of thousands of features cannot take the process's memory; a
        value heavier than ``max_weight`` on its own is not kept.
    poll_seconds
        How often the listener thread checks whether it should stop (the longest
        :meth:`stop` waits).
    channel
        The channel listened on (:data:`CHANNEL`, where the ``sites`` trigger sends).
    ping_seconds
        How often an idle listener checks that its connection is still alive.
    max_backoff_seconds
        Longest wait between reconnection attempts (the wait doubles from half a second).

    Examples
    --------
    >>> cache = CollectionCache(engine, max_entries=2)
    >>> cache.start(); cache.wait_live(5)
    True
    >>> v = cache.version(); cache.put("k", v, "value"); cache.get("k")
    'value'
    >>> cache.invalidate(); cache.get("k") is None
    True
    """

    def __init__(
        self,
        engine: Engine,
        *,
        max_entries: int = 256,
        weigh: Callable[[V], int] | None = None,
        max_weight: int | None = None,
        channel: str = CHANNEL,
        poll_seconds: float = 0.25,
        ping_seconds: float = 30.0,
        max_backoff_seconds: float = 30.0,
    ) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries}")
        self._engine = engine
        self._max_entries = max_entries
        self._weigh = weigh
        self._max_weight = max_weight
        self._weight = 0
        if not channel.isidentifier():
            raise ValueError(f"channel must be a plain SQL identifier, got {channel!r}")
        self._channel = channel
        self._poll = poll_seconds
        self._ping = ping_seconds
        self._max_backoff = max_backoff_seconds
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[int, V, int]] = OrderedDict()
        self._version = 0
        self._live = False
        self._live_event = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._session_hooks: list[tuple[str, Callable[..., None]]] = []

    # -- the reading side ------------------------------------------------------------------

    def version(self) -> int | None:
        """Return the current version, or ``None`` while changes cannot be heard."""
        with self._lock:
            return self._version if self._live else None

    def get(self, key: Hashable) -> V | None:
        """Return the value stored for ``key`` under the current version, else ``None``."""
        with self._lock:
            if not self._live:
                return None
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] != self._version:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, version: int | None, value: V) -> None:
        """Store ``value``, read after :meth:`version` returned ``version``, for ``key``.

        Ignored when ``version`` is ``None`` or no longer current (the registry changed while
        the value was being read, so it may be stale).
        """
        with self._lock:
            if version is None or not self._live or version != self._version:
                return
            weight = self._weigh(value) if self._weigh is not None else 0
            if self._max_weight is not None and weight > self._max_weight:
                return
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (version, value, weight)
            self._weight += weight
            while len(self._entries) > self._max_entries or (
                self._max_weight is not None and self._weight > self._max_weight
            ):
                self._drop(next(iter(self._entries)))

    def _drop(self, key: Hashable) -> None:
        self._weight -= self._entries.pop(key)[2]

    def invalidate(self) -> None:
        """Drop every value now (call it after committing a change to the registry)."""
        with self._lock:
            self._bump()

    def __len__(self) -> int:
        """Return how many values are held (some may be of an old version)."""
        with self._lock:
            return len(self._entries)

    @property
    def live(self) -> bool:
        """Whether the listener is connected, so values are stored and served."""
        with self._lock:
            return self._live

    def watch_sessions(self, model: type[Any]) -> None:
        """Invalidate after any ORM session on this engine commits a change to ``model``.

        So that writes made in this process by any route or library function (an inspection
        changing a site's status, a hotspot promoted to a site) are read by this process's next
        request, without waiting for their notification. Removed by :meth:`stop`.
        """

        def after_flush(session: Session, _context: Any) -> None:
            if getattr(session.bind, "engine", None) is not self._engine:
                return
            touched = (*session.new, *session.dirty, *session.deleted)
            if any(isinstance(obj, model) for obj in touched):
                session.info[_CHANGED] = True

        def after_commit(session: Session) -> None:
            if session.info.pop(_CHANGED, False):
                self.invalidate()

        def after_rollback(session: Session, previous: SessionTransaction) -> None:
            if previous.parent is None:  # the whole transaction, not a savepoint inside it
                session.info.pop(_CHANGED, None)

        for name, fn in (
            ("after_flush", after_flush),
            ("after_commit", after_commit),
            ("after_soft_rollback", after_rollback),
        ):
            event.listen(Session, name, fn)
            self._session_hooks.append((name, fn))

    def _bump(self) -> None:
        self._version += 1
        self._entries.clear()
        self._weight = 0

    # -- the listener ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the listener thread (it connects in the background)."""
        if self._thread is not None:
            raise RuntimeError("the cache's listener is already started")
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._run, name="pantau-registry-listener", daemon=True
        )
        self._thread.start()

    def wait_live(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the listener to connect; return whether it did."""
        return self._live_event.wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the listener and drop every value; the cache then serves nothing."""
        self._stopping.set()
        for name, fn in self._session_hooks:
            event.remove(Session, name, fn)
        self._session_hooks.clear()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
        self._set_live(False)

    def _set_live(self, live: bool) -> None:
        with self._lock:
            self._live = live
            self._bump()  # changes made while not listening were not heard
        if live:
            self._live_event.set()
        else:
            self._live_event.clear()

    def _run(self) -> None:
        backoff = 0.5
        down_logged = False
        while not self._stopping.is_set():
            try:
                conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            except SQLAlchemyError as exc:
                down_logged = self._log_down(exc, down_logged, self._channel)
            else:
                try:
                    driver: Any = conn.connection.driver_connection  # a psycopg.Connection
                    driver.execute(f"LISTEN {self._channel}")
                    if self._stopping.is_set():
                        return
                    # Version bumped after LISTEN: a change committed before it is read by
                    # whoever takes the new version; a change after it is heard.
                    self._set_live(True)
                    if down_logged:
                        log.warning("registry cache: listening again on %s", self._channel)
                    down_logged, backoff = False, 0.5
                    self._listen(driver)
                except Exception as exc:  # noqa: BLE001 - any driver failure means: reconnect
                    self._set_live(False)
                    down_logged = self._log_down(exc, down_logged, self._channel)
                finally:
                    self._discard(conn)
            if self._stopping.wait(backoff):
                break
            backoff = min(backoff * 2, self._max_backoff)

    def _listen(self, driver: Any) -> None:
        last_ping = time.monotonic()
        while not self._stopping.is_set():
            heard = False
            for _notify in driver.notifies(timeout=self._poll):
                # At once, not when the generator ends: it runs until its timeout.
                with self._lock:
                    self._bump()
                heard = True
            if not heard and time.monotonic() - last_ping > self._ping:
                # Notifications arriving during the ping are kept by psycopg for notifies().
                driver.execute("SELECT 1")
                last_ping = time.monotonic()

    @staticmethod
    def _discard(conn: Connection) -> None:
        # A connection that LISTENs must never serve another request: close it, not pool it.
        try:
            conn.invalidate()
            conn.close()
        except Exception:  # noqa: BLE001 - closing a broken connection may fail; it is gone
            pass

    @staticmethod
    def _log_down(exc: BaseException, already: bool, channel: str) -> bool:
        if not already:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            log.warning(
                "registry cache: not listening on %s (%s); every request reads the database "
                "until the connection is back",
                channel,
                reason[0] if reason else type(exc).__name__,
            )
        return True
