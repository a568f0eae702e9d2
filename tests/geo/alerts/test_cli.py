"""``pantau alerts import|build|patches`` on a database of its own, in Indonesian."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from geo import migrate
from geo.db import make_engine
from geo.settings import Settings
from tests.common import run_pantau
from tests.geo.alerts.conftest import blob, row, write_csv


def _pantau(*args: str, url: str, settings: Settings) -> subprocess.CompletedProcess[str]:
    return run_pantau("alerts", *args, url=url, secret_key=settings.secret_key)


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
