"""Fixtures of the HTTP service tests: their own database with the demo registry, tokens for
every role, an in-process client, and a real uvicorn server on a free loopback port.

The API tests commit (tokens, sites, reports) because a separate server process must see the
rows; they therefore get a database of their own so that no other test sees those rows.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.main import create_app
from api.settings import ApiSettings
from geo import bases, migrate, sites
from geo.db import make_engine, session_scope
from geo.settings import Settings
from geo.tokens import ROLES, create_token
from tests.common import TEST_SECRET_KEY
from tests.dbutil import throwaway_database

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = os.environ.get("PANTAU_TEST_TEMPLATE", "pantau_template")


@pytest.fixture(scope="session")
def api_database_url(database_url: str) -> Iterator[str]:
    """A database for the API tests alone, migrated, with the 108 demo sites and bases."""
    with throwaway_database("pantau_apitest") as url:
        eng = make_engine(url)
        try:
            migrate.upgrade(eng)
            sites.import_file(eng, ROOT / "data" / "sites.geojson", actor="demo")
            bases.import_file(eng, ROOT / "data" / "bases.geojson")
        finally:
            eng.dispose()
        yield url


@pytest.fixture(scope="session")
def api_engine(api_database_url: str) -> Iterator[Engine]:
    eng = make_engine(api_database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def api_settings_obj(api_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        environment="test",
        database={"url": api_database_url},
        data_dir=tmp_path_factory.mktemp("api-var"),
        secret_key=TEST_SECRET_KEY,
    )


@pytest.fixture(scope="session")
def tokens(api_engine: Engine) -> dict[str, str]:
    """A committed token for every role: role → secret."""
    out: dict[str, str] = {}
    with session_scope(api_engine) as session:
        for role in ROLES:
            _, secret = create_token(session=session, user=f"test-{role}", role=role)
            out[role] = secret
    return out


def bearer(token: str) -> dict[str, str]:
    # The tests read English messages; the Indonesian default is tested in test_errors.py.
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


#: Asks for English messages (the service answers in Indonesian unless asked).
ENGLISH = {"Accept-Language": "en"}


def with_api(settings: Settings, **api: Any) -> Settings:
    """Return ``settings`` with its ``api`` section replaced by ``ApiSettings(**api)``."""
    return settings.model_copy(update={"api": ApiSettings(**api)})


def app_with(settings: Settings, **api: Any) -> FastAPI:
    """Build an app on ``settings`` whose HTTP limits are ``ApiSettings(**api)``."""
    return create_app(with_api(settings, **api))


@pytest.fixture(scope="session")
def client(api_settings_obj: Settings) -> Iterator[TestClient]:
    """In-process client of an app with a generous public rate limit."""
    app = app_with(
        api_settings_obj,
        public_rate_per_minute=100_000,
        public_burst=100_000,
        max_solver_budget_s=1,
    )
    with TestClient(app, raise_server_exceptions=False, headers=ENGLISH) as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A ``pantau serve`` process on loopback."""

    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(settings: Settings, *, workers: int = 1, **api_env: str) -> Server:
    """Start ``pantau serve`` (``workers`` processes) on a free port; wait until it is ready."""
    port = free_port()
    env = {
        **os.environ,
        "PANTAU_ENVIRONMENT": "test",
        "PANTAU_DATABASE_URL": settings.database.url,
        "PANTAU_SECRET_KEY": settings.secret_key,
        "PANTAU_DATA_DIR": str(settings.data_dir),
        "PANTAU_API_PUBLIC_RATE_PER_MINUTE": "100000",
        "PANTAU_API_PUBLIC_BURST": "100000",
        **api_env,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "geo",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--workers",
            str(workers),
        ],
        env=env,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30 * workers  # each worker builds its app on a busy machine
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pantau serve exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/health/ready", timeout=1).status_code == 200:
                return Server(url=url, process=process)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"pantau serve did not become ready in {30 * workers} s")


@pytest.fixture(scope="session")
def server(api_settings_obj: Settings, tokens: dict[str, str]) -> Iterator[Server]:
    """A real uvicorn server (``pantau serve``) on a free loopback port for the whole session."""
    srv = start_server(api_settings_obj)
    yield srv
    srv.stop()
