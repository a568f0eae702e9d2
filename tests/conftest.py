"""Fixtures shared by every test: a real, throw-away PostGIS database per test session.

Each pytest session creates its own database from the ``pantau_template`` template (made by
``scripts/dev-db``; it carries PostGIS), migrates it to head, and drops it at the end, so that
several runs on one machine never share state. ``session`` wraps each test in a transaction that
is rolled back. With ``CI=true`` an unreachable database fails the run: it is never skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from geo import migrate
from geo.db import make_engine
from geo.settings import Settings

TEMPLATE = os.environ.get("PANTAU_TEST_TEMPLATE", "pantau_template")


def _admin_url() -> str:
    return Settings().database_url


@contextmanager
def _throwaway_database() -> Iterator[str]:
    admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"pantau_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"'))
    except OperationalError as exc:
        message = f"PostGIS test database unavailable ({exc.orig}); run `make db`"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    url = make_url(_admin_url()).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """URL of a fresh database made for this test session (dropped afterwards)."""
    with _throwaway_database() as url:
        yield url


@pytest.fixture
def fresh_database_url() -> Iterator[str]:
    """URL of an empty PostGIS database (not migrated) for one test, e.g. for committed work
    done by a subprocess; dropped afterwards."""
    with _throwaway_database() as url:
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
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("var"),
        secret_key="test-secret-key-not-for-production",
    )


@pytest.fixture(scope="module")
def fresh_database_url_module() -> Iterator[str]:
    """Like ``fresh_database_url`` but shared by the tests of one module."""
    with _throwaway_database() as url:
        yield url
