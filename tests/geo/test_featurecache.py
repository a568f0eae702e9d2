"""The registry cache: values live until a committed change to ``sites`` is notified.

Every test listens on the session's real PostGIS database. Changes are made with
``UPDATE sites SET name = name WHERE false``: the statement-level trigger fires for it (and
PostgreSQL delivers the notification at commit) although it changes no row, so the shared test
database is left as it was.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from geo.db import make_engine, session_scope
from geo.featurecache import CHANNEL, CollectionCache
from geo.models import Site
from tests import factories

NO_OP_CHANGE = "UPDATE sites SET name = name WHERE false"


@pytest.fixture
def cache(engine: Engine) -> Iterator[CollectionCache[str]]:
    c = CollectionCache[str](engine, max_entries=8, poll_seconds=0.05)
    c.start()
    assert c.wait_live(10), "the listener did not connect"
    yield c
    c.stop()


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_a_value_is_served_under_the_version_it_was_read_at(
    cache: CollectionCache[str],
) -> None:
    version = cache.version()
    assert version is not None
    cache.put("page", version, "features")
    assert cache.get("page") == "features"
    assert cache.get("other") is None


def test_a_committed_change_to_sites_drops_the_values_within_a_second(
    cache: CollectionCache[str], engine: Engine
) -> None:
    before = cache.version()
    assert before is not None
    cache.put("page", before, "features")
    with engine.begin() as conn:
        conn.execute(text(NO_OP_CHANGE))
        # Not yet committed: PostgreSQL has not delivered the notification.
        time.sleep(0.2)
        assert cache.get("page") == "features"
    assert wait_for(lambda: cache.get("page") is None, 1.0)
    after = cache.version()
    assert after is not None and after > before


def test_a_rolled_back_change_drops_nothing(cache: CollectionCache[str], engine: Engine) -> None:
    version = cache.version()
    cache.put("page", version, "features")
    with engine.connect() as conn:
        conn.execute(text(NO_OP_CHANGE))
        conn.rollback()
    time.sleep(0.3)
    assert cache.version() == version
    assert cache.get("page") == "features"


def test_a_value_read_before_a_change_is_never_served_after_it(
    cache: CollectionCache[str],
) -> None:
    version = cache.version()  # a reader takes the version, then reads the database...
    cache.invalidate()  # ...while a change commits
    cache.put("page", version, "stale features")  # the reader stores what it read
    assert cache.get("page") is None
    fresh = cache.version()
    cache.put("page", fresh, "fresh features")
    assert cache.get("page") == "fresh features"


def test_a_value_read_before_a_notified_change_is_never_served_after_it(
    cache: CollectionCache[str], engine: Engine
) -> None:
    version = cache.version()
    with engine.begin() as conn:
        conn.execute(text(NO_OP_CHANGE))
    assert wait_for(lambda: cache.version() != version, 1.0)
    cache.put("page", version, "stale features")
    assert cache.get("page") is None


def test_invalidate_drops_every_value_at_once(cache: CollectionCache[str]) -> None:
    version = cache.version()
    cache.put("a", version, "1")
    cache.put("b", version, "2")
    cache.invalidate()
    assert cache.get("a") is None and cache.get("b") is None
    assert len(cache) == 0


def test_nothing_is_stored_or_served_while_not_listening(engine: Engine) -> None:
    c = CollectionCache[str](engine, poll_seconds=0.05)
    assert c.version() is None  # not started
    c.put("page", None, "features")
    assert c.get("page") is None
    c.start()
    try:
        assert c.wait_live(10)
        version = c.version()
        c.put("page", version, "features")
        assert c.get("page") == "features"
    finally:
        c.stop()
    assert c.version() is None
    assert c.get("page") is None
    c.put("page", version, "features")
    assert c.get("page") is None


def test_the_least_recently_used_value_goes_first(engine: Engine) -> None:
    c = CollectionCache[str](engine, max_entries=2, poll_seconds=0.05)
    c.start()
    try:
        assert c.wait_live(10)
        v = c.version()
        c.put("a", v, "1")
        c.put("b", v, "2")
        assert c.get("a") == "1"  # "b" is now the least recently used
        c.put("c", v, "3")
        assert c.get("b") is None
        assert (c.get("a"), c.get("c")) == ("1", "3")
    finally:
        c.stop()


def test_the_total_weight_is_bounded(engine: Engine) -> None:
    c = CollectionCache[str](engine, weigh=len, max_weight=10, poll_seconds=0.05)
    c.start()
    try:
        assert c.wait_live(10)
        v = c.version()
        c.put("a", v, "x" * 6)
        c.put("b", v, "y" * 6)  # 12 > 10: "a" goes
        assert c.get("a") is None and c.get("b") == "y" * 6
        c.put("huge", v, "z" * 11)  # heavier than the whole cache: not kept
        assert c.get("huge") is None and c.get("b") == "y" * 6
    finally:
        c.stop()


def _listener_pids(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND query = :listen"
                ),
                {"listen": f"LISTEN {CHANNEL}"},
            ).scalars()
        )


def test_a_lost_connection_stops_serving_then_reconnects_with_a_new_version(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    c = CollectionCache[str](engine, poll_seconds=0.05, max_backoff_seconds=0.5)
    c.start()
    try:
        assert c.wait_live(10)
        version = c.version()
        assert version is not None
        c.put("page", version, "features")
        pids = _listener_pids(engine)
        assert len(pids) == 1
        with caplog.at_level(logging.WARNING, logger="geo.featurecache"):
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pids[0]})
            assert wait_for(lambda: not c.live, 5)
            assert c.get("page") is None
            assert wait_for(lambda: c.live, 10), "the listener did not reconnect"
        reconnected = c.version()
        assert reconnected is not None and reconnected > version
        c.put("page", version, "features")  # read before the outage: refused
        assert c.get("page") is None
        # It hears changes again.
        with engine.begin() as conn:
            conn.execute(text(NO_OP_CHANGE))
        assert wait_for(lambda: c.version() != reconnected, 1.0)
    finally:
        c.stop()
    down = [r for r in caplog.records if "not listening" in r.getMessage()]
    assert len(down) == 1
    assert down[0].exc_info is None  # an expected disconnect: one line, no stack trace


def test_stop_closes_the_listening_connection(engine: Engine) -> None:
    c = CollectionCache[str](engine, poll_seconds=0.05)
    c.start()
    assert c.wait_live(10)
    assert len(_listener_pids(engine)) == 1
    c.stop()
    assert wait_for(lambda: not _listener_pids(engine), 5)


def test_a_notification_is_applied_at_once_not_at_the_end_of_the_poll(engine: Engine) -> None:
    c = CollectionCache[str](engine, poll_seconds=3.0)
    c.start()
    try:
        assert c.wait_live(10)
        time.sleep(0.2)  # the listener is inside its 3-second wait for notifications
        version = c.version()
        with engine.begin() as conn:
            conn.execute(text(NO_OP_CHANGE))
        assert wait_for(lambda: c.version() != version, 0.5)
    finally:
        c.stop()


def _deaf_cache(engine: Engine) -> CollectionCache[str]:
    """A cache that hears no notification: only its session hooks can drop what it holds."""
    c = CollectionCache[str](engine, channel="pantau_test_deaf", poll_seconds=0.05)
    c.watch_sessions(Site)
    c.start()
    assert c.wait_live(10)
    return c


def test_an_orm_commit_changing_a_site_invalidates_before_any_notification(
    engine: Engine,
) -> None:
    c = _deaf_cache(engine)
    try:
        c.put("page", c.version(), "features")
        with session_scope(engine) as session:  # touches no site
            session.execute(text("SELECT 1"))
        assert c.get("page") == "features"
        with Session(engine) as session:  # changes a site, then rolls back
            factories.site(session, code="TST-FC1")
            session.rollback()
        assert c.get("page") == "features"
        with session_scope(engine) as session:
            factories.site(session, code="TST-FC1")
        assert c.get("page") is None  # at once: the commit returned after the hook ran
        c.put("page", c.version(), "features")
        with session_scope(engine) as session:
            session.delete(session.query(Site).filter_by(code="TST-FC1").one())
        assert c.get("page") is None
    finally:
        c.stop()
    assert c.get("page") is None


def test_sessions_of_another_engine_and_after_stop_are_ignored(
    engine: Engine, database_url: str
) -> None:
    c = _deaf_cache(engine)
    other = make_engine(database_url)
    try:
        c.put("page", c.version(), "features")
        with Session(other) as session:
            factories.site(session, code="TST-FC2")
            session.commit()
            session.delete(session.query(Site).filter_by(code="TST-FC2").one())
            session.commit()
        assert c.get("page") == "features"
    finally:
        c.stop()
        other.dispose()
    assert c._session_hooks == []  # removed by stop()
