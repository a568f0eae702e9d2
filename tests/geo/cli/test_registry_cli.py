"""``pantau sites import`` and ``pantau priority`` over the shared use cases, in process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from geo import migrate
from geo import settings as settings_module
from geo.cli import app
from geo.db import make_engine
from geo.settings import Settings
from tests.common import site_row


@pytest.fixture
def own_engine(fresh_database_url: str) -> Iterator[Engine]:
    """A migrated database of this test's own: the sites it imports are audited for good."""
    eng = make_engine(fresh_database_url)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def cli_env(
    fresh_database_url: str,
    own_engine: Engine,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[CliRunner]:
    """A runner whose commands read this test's database."""
    monkeypatch.setenv("PANTAU_DATABASE_URL", fresh_database_url)
    monkeypatch.setenv("PANTAU_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("COLUMNS", "250")
    settings_module.get_settings.cache_clear()
    try:
        yield CliRunner()
    finally:
        settings_module.get_settings.cache_clear()


def test_imported_sites_are_scored_and_reasons_read_in_the_configured_language(
    cli_env: CliRunner, own_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cli.geojson"
    rows = [site_row("CLI-101", geometry=shapely.Point(117.7, -0.2), status="active")]
    gpd.GeoDataFrame(rows, geometry="geometry", crs=4326).to_file(path, engine="pyogrio")
    imported = cli_env.invoke(app, ["sites", "import", str(path), "--actor", "cli-test"])
    assert imported.exit_code == 0, imported.output
    assert "1 created" in imported.output
    with own_engine.connect() as conn:
        scored = conn.execute(
            text(
                "SELECT p.reasons FROM site_priority p JOIN sites s ON s.id = p.site_id "
                "WHERE s.code = 'CLI-101'"
            )
        ).scalar_one()
    assert "never inspected" in scored  # stored reasons stay English, the codes' language

    shown = cli_env.invoke(app, ["priority", "--top", "5"])
    assert shown.exit_code == 0, shown.output
    assert "belum pernah diperiksa" in shown.output and "never inspected" not in shown.output
    assert "status Aktif" in shown.output and "status active" not in shown.output

    monkeypatch.setenv("PANTAU_LANGUAGE", "en")
    settings_module.get_settings.cache_clear()
    english = cli_env.invoke(app, ["priority", "--top", "5"])
    assert "never inspected" in english.output and "belum pernah" not in english.output
