"""Throw-away PostGIS databases for tests: created from the template, dropped afterwards."""

from __future__ import annotations

import os
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from geo.settings import Settings

TEMPLATE = os.environ.get("PANTAU_TEST_TEMPLATE", "pantau_template")


def admin_url() -> str:
    """The URL of the role that creates test databases (the settings' database)."""
    return Settings().database.url


def drop_database(admin: Engine, name: str, *, attempts: int = 10) -> None:
    """Drop ``name``, retrying while a backend is still starting or ending on it.

    ``WITH (FORCE)`` refuses to terminate a backend it cannot signal, such as one whose role is
    not yet set because it is still starting (a pool's reconnect, a subprocess that was just
    killed). That state lasts milliseconds, so a few retries end it; a database that still
    cannot be dropped is left behind with a warning rather than failing tests that passed.
    """
    for attempt in range(attempts):
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except DBAPIError as exc:
            last = exc
            time.sleep(0.2 * (attempt + 1))
    warnings.warn(f"could not drop test database {name}: {last.orig}", stacklevel=2)


@contextmanager
def throwaway_database(prefix: str = "pantau_test") -> Iterator[str]:
    """Yield the URL of a new database made from the PostGIS template; drop it afterwards.

    With ``CI=true`` an unreachable server fails the run; elsewhere the test is skipped.
    """
    admin = create_engine(admin_url(), isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"'))
    except OperationalError as exc:
        message = f"PostGIS test database unavailable ({exc.orig}); run `make db`"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    url = make_url(admin_url()).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        drop_database(admin, name)
        admin.dispose()
