"""Fixtures of the public report page: a database of its own (the tests commit reports), its
settings and an in-process client with a generous rate limit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.main import create_app
from api.settings import ApiSettings
from geo import migrate
from geo.db import make_engine
from geo.settings import Settings
from tests.common import TEST_SECRET_KEY


@pytest.fixture(scope="module")
def lapor_engine(fresh_database_url_module: str) -> Iterator[Engine]:
    """Engine on this module's own database, migrated to head."""
    eng = make_engine(fresh_database_url_module)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def lapor_settings(
    lapor_engine: Engine, fresh_database_url_module: str, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return Settings(
        environment="test",
        database={"url": fresh_database_url_module},
        data_dir=Path(tmp_path_factory.mktemp("lapor-var")),
        secret_key=TEST_SECRET_KEY,
        api=ApiSettings(public_rate_per_minute=100_000, public_burst=100_000, defer_intake=False),
    )


@pytest.fixture(scope="module")
def lapor_client(lapor_settings: Settings) -> Iterator[TestClient]:
    """A client of the whole application, reading Indonesian unless a test asks otherwise."""
    with TestClient(create_app(lapor_settings), raise_server_exceptions=True) as c:
        yield c
