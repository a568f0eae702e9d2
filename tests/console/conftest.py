"""Fixtures of the console tests: a database of their own (the demo registry, a few reports, a
hotspot and one user per role), an in-process client, and a sign-in helper.

The console tests commit (users, sessions, status changes), so they never use the session
database other tests share.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from api.main import create_app
from geo import accounts, bases, migrate, priority, sites
from geo.db import make_engine, session_scope
from geo.layers.models import LayerClassification
from geo.models import Site
from geo.reports.models import Report
from geo.settings import Settings
from geo.tokens import ROLES
from tests import factories
from tests.api.conftest import Server, start_server
from tests.common import TEST_SECRET_KEY
from tests.dbutil import throwaway_database
from tests.geo.reports.conftest import make_jpeg

ROOT = Path(__file__).resolve().parents[2]
#: Every test user's password (long enough for the account rules).
PASSWORD = "sandi-uji-konsol-1"


@dataclass(frozen=True)
class World:
    """What the console database holds: report codes by purpose, a hotspot code."""

    received: list[str]
    verified: str
    with_identity: str
    hotspot: str
    duplicate: str


def username(role: str) -> str:
    """The test user of ``role``."""
    return f"uji-{role.replace('_', '-')}"


def seed(engine: Engine, settings: Settings) -> World:
    """The demo registry and bases, reports in several states, a hotspot, and users."""
    sites.import_file(engine, ROOT / "data" / "sites.geojson", actor="demo")
    bases.import_file(engine, ROOT / "data" / "bases.geojson")
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=20)
    plan = [("hotline", old), ("web", None), ("lapor", None), ("hotline", None)]
    with session_scope(engine) as session:
        received = [
            factories.report(
                session,
                settings=settings,
                lon=117.0 + i / 100,
                lat=-0.5,
                description=f"Galian baru {i}",
                channel=channel,
                at=at,
            ).code
            for i, (channel, at) in enumerate(plan)
        ]
        verified = factories.report(
            session, settings=settings, lon=117.2, lat=-0.3, status="verified"
        ).code
        with_identity = factories.report(
            session,
            settings=settings,
            lon=117.25,
            lat=-0.35,
            reporter_name="Budi Santoso",
            reporter_phone="081299990000",
            description="Alat berat di sungai",
            evidence=[make_jpeg(lat=-0.36, lon=117.26)],  # about 1.6 km from the report
        ).code
        duplicate = factories.report(  # the same reporter, 30 m away: a near duplicate
            session, settings=settings, lon=117.2503, lat=-0.35, reporter_phone="081299990000"
        ).code
        hotspot = factories.hotspot(session, settings=settings)
        priority.refresh_sites(session=session, site_ids=None, settings=settings.priority)
        for role in ROLES:
            accounts.create_user(
                session=session,
                username=username(role),
                role=role,
                password=PASSWORD,
                display_name=f"Uji {role}",
            )
    return World(received, verified, with_identity, hotspot, duplicate)


@pytest.fixture(scope="module")
def console_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, World]]:
    """Settings on a fresh, seeded database of this module (dropped afterwards), and its rows."""
    with throwaway_database("pantau_console") as url:
        settings = Settings(
            environment="test",
            database={"url": url},
            data_dir=tmp_path_factory.mktemp("console-var"),
            secret_key=TEST_SECRET_KEY,
            console={"login_rate_per_minute": 1000},
            _env_file=None,
        )
        engine = make_engine(url)
        try:
            migrate.upgrade(engine)
            world = seed(engine, settings)
        finally:
            engine.dispose()
        yield settings, world


@pytest.fixture(scope="module")
def console_settings(console_env: tuple[Settings, World]) -> Settings:
    """The settings of the module's console database."""
    return console_env[0]


@pytest.fixture(scope="module")
def world(console_env: tuple[Settings, World]) -> World:
    """The rows :func:`seed` made."""
    return console_env[1]


@pytest.fixture(scope="module")
def app_client(console_settings: Settings) -> Iterator[TestClient]:
    """One in-process app for the module (its lifespan running)."""
    app = create_app(console_settings)
    with TestClient(app, raise_server_exceptions=True) as c:
        yield c


@pytest.fixture
def new_client(app_client: TestClient) -> Iterator[TestClient]:
    """A fresh cookie jar (one browser) on the module's app."""
    with TestClient(app_client.app, raise_server_exceptions=True) as c:
        yield c


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')


def sign_in(client: TestClient, role: str, password: str = PASSWORD) -> httpx.Response:
    """Sign ``client`` in as the test user of ``role``; return the answer to the POST."""
    return sign_in_as(client, username(role), password)


def sign_in_as(client: TestClient, user: str, password: str) -> httpx.Response:
    """Post the sign-in form as a browser would (its CSRF cookie and field first)."""
    form = client.get("/")
    token = CSRF.search(form.text)
    assert token, form.text[:500]
    return client.post(
        "/masuk",
        data={"username": user, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )


def store_class(settings: Settings, *, kind: str, code: str, authority: str) -> None:
    """Store an indicative class for the site or report ``code``, as ``pantau layers classify``
    would: outside every permit, 40 % in protection forest."""
    engine = make_engine(settings.database.url)
    try:
        with session_scope(engine) as session:
            row: Site | Report = session.scalars(
                select(Site).where(Site.code == code)
                if kind == "site"
                else select(Report).where(Report.code == code)
            ).one()
            session.add(
                LayerClassification(
                    object_kind=kind,
                    object_id=row.id,
                    object_code=row.code,
                    permit_class="LUAR_WIUP",
                    permit_share=0.0,
                    forest_flags=["HUTAN_LINDUNG"],
                    forest_shares={"HUTAN_LINDUNG": 0.4},
                    authority=authority,
                    wiup_snapshot_date=dt.date(2026, 5, 1),
                    forest_snapshot_date=dt.date(2026, 4, 1),
                    evaluated_on=dt.date(2026, 11, 30),
                    tolerance_m=50.0,
                )
            )
    finally:
        engine.dispose()


def csrf_of(client: TestClient, path: str = "/") -> str:
    """The session's CSRF token, read from a page as a browser would."""
    page = client.get(path)
    found = CSRF_META.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


@pytest.fixture(scope="module")
def server(console_settings: Settings) -> Iterator[Server]:
    """``pantau serve`` on the module's database."""
    running = start_server(console_settings, PANTAU_CONSOLE_LOGIN_RATE_PER_MINUTE="1000")
    try:
        yield running
    finally:
        running.stop()
