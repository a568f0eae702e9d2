"""``pantau odk entities`` and ``pantau odk import`` in a subprocess, against their own database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from geo import migrate
from geo.db import make_engine, session_scope
from geo.odk.models import OdkSubmission
from geo.patrols.models import Inspection
from geo.settings import Settings
from tests import factories
from tests.geo.odk.builders import central_export, submission
from tests.geo.reports.conftest import make_jpeg

ROOT = Path(__file__).resolve().parents[3]


def _run(url: str, settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geo.cli", "odk", *args],
        env={
            **os.environ,
            "PANTAU_DATABASE_URL": url,
            "PANTAU_SECRET_KEY": settings.secret_key,
            "PANTAU_DATA_DIR": str(settings.data_dir),
            "PANTAU_LANGUAGE": "id",
            "PANTAU_ACTOR": "operator-odk",
        },
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
    )


@pytest.mark.slow
def test_import_twice_commits_once_and_reports_in_indonesian(
    fresh_database_url: str, settings: Settings, tmp_path: Path
) -> None:
    engine = make_engine(fresh_database_url)
    try:
        migrate.upgrade(engine)
        with session_scope(engine) as session:
            factories.site(session, code="CLI-1", lon=117.0, lat=-0.5)
        subs = [
            submission("uuid:c1", site="CLI-1", photos=("1.jpg", "hilang.jpg")),
            submission("uuid:c2", site="TIDAK-ADA"),
        ]
        export = central_export(tmp_path / "ekspor.zip", subs, {"1.jpg": make_jpeg()})

        first = _run(fresh_database_url, settings, "import", str(export))
        assert first.returncode == 0, first.stderr
        assert "1 diimpor, 0 sudah diimpor sebelumnya, 1 ditolak" in first.stdout
        assert "foto hilang.jpg tidak dimasukkan" in first.stdout
        assert "baris 3 uuid:c2: ditolak: lokasi TIDAK-ADA tidak ada di registri" in first.stdout

        second = _run(fresh_database_url, settings, "import", str(export))
        assert second.returncode == 0, second.stderr
        assert "0 diimpor, 1 sudah diimpor sebelumnya, 1 ditolak" in second.stdout
        with session_scope(engine) as session:
            assert session.scalar(select(func.count()).select_from(Inspection)) == 1
            row = session.get(OdkSubmission, "uuid:c1")
            assert row is not None and row.imported_by == "operator-odk"

        sites_csv = tmp_path / "sites.csv"
        listed = _run(fresh_database_url, settings, "entities", "--out", str(sites_csv))
        assert listed.returncode == 0, listed.stderr
        assert sites_csv.read_text(encoding="utf-8").splitlines()[1].startswith("CLI-1,")

        pulled = _run(fresh_database_url, settings, "pull")
        assert pulled.returncode == 2 and "PANTAU_ODK_BASE_URL" in pulled.stderr
        assert "Traceback" not in pulled.stderr
    finally:
        engine.dispose()
