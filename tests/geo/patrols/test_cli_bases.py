"""``pantau bases`` and ``pantau teams``, then a plan with the registered teams and places."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from geo import bases, migrate, sites
from geo.db import make_engine

DATA = Path(__file__).resolve().parents[3] / "data"


def pantau(*args: str, url: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geo.cli", "--lang", "en", *args],
        env={**os.environ, "PANTAU_DATABASE_URL": url, "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_bases_teams_and_an_expedition_plan(fresh_database_url: str, tmp_path: Path) -> None:
    url = fresh_database_url
    engine = make_engine(url)
    migrate.upgrade(engine)
    sites.import_file(engine, DATA / "sites.geojson", actor="test")
    bases.import_file(engine, DATA / "bases.geojson")
    done = pantau("bases", "import", str(DATA / "overnight_places.geojson"), url=url)
    assert done.returncode == 0, done.stderr
    added = pantau(
        "bases",
        "add",
        "KMP-X",
        "--name",
        "Kamp Uji",
        "--lon",
        "115.9",
        "--lat",
        "-0.2",
        "--kind",
        "camp",
        "--approximate",
        url=url,
    )
    assert added.returncode == 0 and "KMP-X" in added.stdout, added.stderr
    bad = pantau("bases", "add", "X", "--name", "X", "--lon", "5", "--lat", "50", url=url)
    assert bad.returncode != 0 and "Indonesia" in bad.stderr + bad.stdout
    listed = pantau("bases", "list", url=url)
    assert "Melak" in listed.stdout and "approximate" in listed.stdout and "office" in listed.stdout
    assert pantau("bases", "remove", "KMP-X", url=url).returncode == 0
    assert pantau("teams", "import", str(DATA / "teams.csv"), url=url).returncode == 0
    teams = pantau("teams", "list", url=url)
    assert all(f"TIM-{k}" in teams.stdout for k in range(1, 5))
    out = tmp_path / "plan"
    planned = pantau(
        "patrol",
        "plan",
        "--registered-teams",
        "--days",
        "5",
        "--start",
        "2026-12-07",
        "--budget",
        "3",
        "--iterations",
        "300",
        "--out",
        str(out),
        "--no-save",
        url=url,
        PANTAU_PATROLS_RIVERS_FILE=str(DATA / "demo_rivers.geojson"),
    )
    assert planned.returncode == 0, planned.stderr
    assert "TIM-4" in planned.stdout and "TGG" in planned.stdout
    assert "too far" not in planned.stdout.lower()
    assert (out / "rencana.kml").read_text(encoding="utf-8").count("tempat menginap") == 1
