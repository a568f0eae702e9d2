"""``pantau alerts import|build|patches`` on a database of its own, in Indonesian."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from geo import migrate
from geo.db import make_engine
from geo.settings import Settings
from tests.geo.alerts.conftest import blob, row, write_csv


def _pantau(*args: str, url: str, settings: Settings) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PANTAU_DATABASE_URL": url,
        "PANTAU_SECRET_KEY": settings.secret_key,
        "PANTAU_LANGUAGE": "id",
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "geo.cli", "alerts", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_import_twice_build_and_list(
    fresh_database_url: str, settings: Settings, tmp_path: Path
) -> None:
    engine = make_engine(fresh_database_url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    url = fresh_database_url
    path = write_csv(tmp_path / "alerts.csv", blob(117.5, 0.5, 6, "2026-11-01"))
    first = _pantau("import", str(path), url=url, settings=settings)
    assert first.returncode == 0, first.stderr
    assert "6 peringatan dibaca, 0 di luar wilayah pantauan, 6 baru" in first.stdout
    assert "1 petak dari 6 peringatan" in first.stdout and "1 kandidat baru" in first.stdout
    again = _pantau("import", str(path), "--no-patches", url=url, settings=settings)
    assert "6 baru" not in again.stdout and ", 0 baru" in again.stdout
    listed = _pantau("patches", "--candidates", url=url, settings=settings)
    assert listed.returncode == 0, listed.stderr
    assert "kandidat baru" in listed.stdout and "AP-" in listed.stdout
    assert "Sumber: Integrated Deforestation Alerts" in listed.stdout
    bad = write_csv(tmp_path / "bad.csv", [row(117.5, 0.5, "2026-11-01", "rendah")])
    refused = _pantau("import", str(bad), url=url, settings=settings)
    assert refused.returncode != 0
    assert "gfw_integrated_alerts__confidence" in refused.stderr + refused.stdout
    assert "Traceback" not in refused.stderr
