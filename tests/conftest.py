"""Fixtures shared by every test: a real, throw-away PostGIS database per test session.

Each pytest session creates its own database from the ``pantau_template`` template (made by
``scripts/dev-db``; it carries PostGIS), migrates it to head, and drops it at the end, so that
several runs on one machine never share state. ``session`` wraps each test in a transaction that
is rolled back. With ``CI=true`` an unreachable database fails the run: it is never skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from geo import migrate
from geo.db import make_engine
from geo.settings import Settings
from tests.common import TEST_SECRET_KEY
from tests.dbutil import throwaway_database


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """URL of a fresh database made for this test session (dropped afterwards)."""
    with throwaway_database() as url:
        yield url


@pytest.fixture
def fresh_database_url() -> Iterator[str]:
    """URL of an empty PostGIS database (not migrated) for one test, e.g. for committed work
    done by a subprocess; dropped afterwards."""
    with throwaway_database() as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """Engine on the session's database, migrated to head."""
    eng = make_engine(database_url)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test.

    Code under test may call ``session.commit()``: it commits a SAVEPOINT, not the outer
    transaction (SQLAlchemy's "join into an external transaction" recipe).
    """
    with engine.connect() as conn:
        outer = conn.begin()
        sess = Session(bind=conn, join_transaction_mode="create_savepoint")
        try:
            yield sess
        finally:
            sess.close()
            outer.rollback()


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings pointing at the session's database and a temporary data folder."""
    return Settings(
        environment="test",
        database={"url": database_url},
        data_dir=tmp_path_factory.mktemp("var"),
        secret_key=TEST_SECRET_KEY,
    )


@pytest.fixture(scope="module")
def fresh_database_url_module() -> Iterator[str]:
    """Like ``fresh_database_url`` but shared by the tests of one module."""
    with throwaway_database() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless Chromium (Debian's, through Playwright) per test module.

    Tests open their own context or page in it. It is module-scoped, not session-scoped, because
    Playwright's sync API allows one driver per thread: code under test that renders through
    Chromium itself (``pantau map --png``) must run in a module without this fixture. Keep browser
    tests together in few modules so the browser starts few times.
    """
    from geo.maps.browser import chromium
    from geo.settings import get_settings

    with chromium(settings=get_settings().maps) as b:
        yield b
