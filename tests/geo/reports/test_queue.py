"""The intake queue: deferred near-duplicate linking and matching, processed in batches."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from geo import migrate
from geo.db import make_engine, session_scope
from geo.reports import submit
from geo.reports.queue import IntakeWorker, drain, pending
from geo.settings import Settings

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def queue_engine(fresh_database_url: str) -> Iterator[Engine]:
    """Committed work: a database of its own, with one site near Tenggarong."""
    eng = make_engine(fresh_database_url)
    migrate.upgrade(eng)
    with eng.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sites (code, name, geom, kabupaten, commodity) VALUES "
                "('KKR-901', 'Uji', ST_SetSRID(ST_MakePoint(117.0, -0.42), 4326), "
                "'Kutai Kartanegara', 'batubara')"
            )
        )
    yield eng
    eng.dispose()


def _submit(engine: Engine, settings: Settings, lat: float, hours_ago: float) -> int:
    with session_scope(engine) as session:
        result = submit(
            session=session,
            channel="hotline",
            lat=lat,
            lon=117.0,
            reporter_phone="0812999",
            received_at=NOW - dt.timedelta(hours=hours_ago),
            settings=settings,
            now=NOW,
            defer=True,
        )
    assert result.created and result.duplicate_of is None  # not linked yet
    return result.id


def _state(engine: Engine, report_id: int) -> tuple[int | None, int | None, bool]:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT m.site_id, r.duplicate_of_id, q.report_id IS NOT NULL FROM reports r"
                " LEFT JOIN report_matches m ON m.report_id = r.id"
                " LEFT JOIN intake_queue q ON q.report_id = r.id WHERE r.id = :i"
            ),
            {"i": report_id},
        ).one()
    return row[0], row[1], bool(row[2])


def test_deferred_reports_are_queued_then_linked_and_matched(
    queue_engine: Engine, settings: Settings
) -> None:
    first = _submit(queue_engine, settings, -0.4201, hours_ago=5)
    second = _submit(queue_engine, settings, -0.4202, hours_ago=2)
    # Stored and queued in the same statement; nothing linked or matched yet.
    assert _state(queue_engine, first) == (None, None, True)
    assert _state(queue_engine, second) == (None, None, True)
    assert pending(engine=queue_engine) == 2
    assert drain(engine=queue_engine, settings=settings, batch_size=1) == 2  # a batch each
    with queue_engine.connect() as conn:
        site = conn.execute(text("SELECT id FROM sites WHERE code = 'KKR-901'")).scalar_one()
    assert _state(queue_engine, first) == (site, None, False)
    assert _state(queue_engine, second) == (site, first, False)  # the later one, linked
    assert pending(engine=queue_engine) == 0
    assert drain(engine=queue_engine, settings=settings) == 0


def test_the_worker_drains_soon_after_it_is_woken(queue_engine: Engine, settings: Settings) -> None:
    worker = IntakeWorker(queue_engine, settings=settings, delay_s=0.05, idle_s=30.0)
    worker.start()
    try:
        report = _submit(queue_engine, settings, -0.4203, hours_ago=1)
        worker.notify()
        deadline = time.monotonic() + 5
        while _state(queue_engine, report)[2] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _state(queue_engine, report)[0] is not None
        assert worker.processed >= 1
        # Queued while the worker is not told: stop() still drains it before returning.
        late = _submit(queue_engine, settings, -0.60, hours_ago=1)
    finally:
        worker.stop()
    assert _state(queue_engine, late)[2] is False
