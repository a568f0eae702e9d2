from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.db import make_engine
from geo.models import FieldBase, Site, SiteAudit
from geo.reports.models import Report


def run_cli(*args: str, url: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PANTAU_DATABASE_URL": url, "COLUMNS": "200"}
    if cwd is not None:
        env["PANTAU_DATA_DIR"] = str(cwd / "var")
    return subprocess.run(
        [sys.executable, "-m", "geo.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        cwd=cwd,
    )


def test_pantau_demo_twice_on_an_empty_database(fresh_database_url: str, tmp_path: Path) -> None:
    first = run_cli("demo", "--budget", "3", url=fresh_database_url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "108 dibuat" in first.stdout  # the summary is in Indonesian
    out = tmp_path / "out" / "demo"
    html, pdf = out / "peta-offline.html", out / "briefing.pdf"
    assert html.stat().st_size > 100_000 and pdf.read_bytes().startswith(b"%PDF")
    assert str(html.relative_to(tmp_path)) in first.stdout
    assert (out / "patroli").is_dir() and any((out / "patroli").rglob("*.gpx"))
    # The synthetic permit and forest layers and alerts are loaded and everything classified.
    assert "Kelas indikatif (lapisan sintetis)" in first.stdout
    assert "WIUP_BERAKHIR" in first.stdout and "HUTAN_LINDUNG" in first.stdout
    assert "Peringatan satelit (data demo sintetis)" in first.stdout
    assert "Global Forest Watch (CC BY 4.0)" in first.stdout
    page = html.read_text(encoding="utf-8")
    assert "Wilayah izin (WIUP)" in page and "Peringatan satelit" in page
    second = run_cli("demo", "--budget", "3", url=fresh_database_url, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "0 dibuat, 0 diperbarui, 108 tidak berubah" in second.stdout
    assert re.search(r"│ diimpor sekarang\s+│\s+0\s", second.stdout), second.stdout
    assert re.search(r"│ peringatan diimpor sekarang\s+│\s+0\s", second.stdout), second.stdout
    engine = make_engine(fresh_database_url)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Site)) == 108
        assert session.scalar(select(func.count()).select_from(FieldBase)) == 5
        # The second run changed no site, so it wrote nothing more to the audit trail (the
        # first run audited 108 creations and nothing else touched the registry).
        creations = select(func.count()).select_from(SiteAudit).where(SiteAudit.action == "create")
        assert session.scalar(creations) == 108
        # Every report imported by the first run is there exactly once after the second.
        found = re.search(r"diimpor sekarang\s+│\s+([\d.]+)", first.stdout)
        assert found is not None, first.stdout
        imported = int(found.group(1).replace(".", ""))  # 1.234 is how Indonesians write it
        assert imported > 1500
        assert session.scalar(select(func.count()).select_from(Report)) == imported
    engine.dispose()
    listing = run_cli("sites", "list", url=fresh_database_url)
    assert listing.returncode == 0
    assert "108 lokasi" in listing.stdout


def test_cli_bad_file_gives_a_message_not_a_traceback(
    fresh_database_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "sites.csv"
    bad.write_text("kode,nama,kabupaten,komoditas,lat,lon\nX-1,Uji,Samarinda,batubara,117.1,-0.5\n")
    assert run_cli("db", "upgrade", url=fresh_database_url).returncode == 0
    result = run_cli("--lang", "en", "sites", "import", str(bad), url=fresh_database_url)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "row 2 (code X-1)" in result.stderr and "look swapped" in result.stderr
    # The field and bracketed ranges survive the terminal's markup.
    assert "Error [rows]:" in result.stderr
    assert "latitude 117.1 is out of range [-90, 90]" in result.stderr
    indonesian = run_cli("sites", "import", str(bad), url=fresh_database_url)
    assert indonesian.returncode == 2 and "Galat [rows]:" in indonesian.stderr


def test_cli_unreachable_database_is_explained() -> None:
    result = run_cli("sites", "list", url="postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    assert result.returncode == 2
    assert "cannot connect to the database" in result.stderr
    assert "secret" not in result.stderr  # the password is never printed
