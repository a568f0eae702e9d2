from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from geo.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def fresh(engine: Engine) -> Iterator[None]:
    with engine.connect() as conn:
        before = conn.execute(text("SELECT coalesce(max(id), 0) FROM reports")).scalar()
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM reports WHERE id > :b"), {"b": before})


def run_cli(*args: str, url: str, settings: Settings) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PANTAU_DATABASE_URL": url,
        "PANTAU_SECRET_KEY": settings.secret_key,
        "PANTAU_DATA_DIR": str(settings.data_dir),
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "geo.cli", "reports", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_import_list_show_status(
    database_url: str, settings: Settings, tmp_path: Path, fresh: None
) -> None:
    path = tmp_path / "hotline.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "external_id",
                "channel",
                "received_at",
                "lat",
                "lon",
                "activity",
                "reporter_name",
                "reporter_phone",
            ]
        )
        writer.writerow(
            [
                "CLI-1",
                "hotline",
                "2025-10-01T09:00:00+08:00",
                "-0.71",
                "117.31",
                "excavator",
                "Dewi Lestari",
                "081233334444",
            ]
        )
        writer.writerow(
            [
                "CLI-2",
                "whatsapp",
                "2025-10-02T09:00:00+08:00",
                "-0.95",
                "116.71",
                "stockpile",
                "",
                "",
            ]
        )
    first = run_cli("import", str(path), "--no-progress", url=database_url, settings=settings)
    assert first.returncode == 0, first.stderr
    assert re.search(r"│\s+2\s+│\s+2\s+│\s+0\s+│", first.stdout), first.stdout
    again = run_cli("import", str(path), "--no-progress", url=database_url, settings=settings)
    assert re.search(r"│\s+2\s+│\s+0\s+│\s+2\s+│", again.stdout), again.stdout

    listed = run_cli("list", "--overdue", url=database_url, settings=settings)
    assert listed.returncode == 0, listed.stderr
    codes = re.findall(r"PTM-[2-9A-Z]{6}", listed.stdout)
    assert len(codes) >= 2 and "verify" in listed.stdout and "overdue" in listed.stdout

    with_engine = run_cli("show", codes[0], url=database_url, settings=settings)
    assert with_engine.returncode == 0, with_engine.stderr
    assert "Riwayat" in with_engine.stdout and "Diterima" in with_engine.stdout  # Indonesian
    for secret in ("Dewi", "3333", "4444"):
        assert secret not in listed.stdout + with_engine.stdout + first.stdout + first.stderr

    moved = run_cli(
        "status", codes[0], "verified", "--actor", "ani", url=database_url, settings=settings
    )
    assert moved.returncode == 0, moved.stderr
    assert "verified" in moved.stdout
    wrong = run_cli(
        "status", codes[0], "closed", "--actor", "ani", url=database_url, settings=settings
    )
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    assert "resolution" in wrong.stderr


def test_bad_file_is_a_message_not_a_traceback(
    database_url: str, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("channel,lat,lon\nhotline,117.1,-0.5\n")
    result = run_cli("import", str(path), "--no-progress", url=database_url, settings=settings)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "bad.csv, baris 2" in result.stderr and "lat/lon" in result.stderr  # in Indonesian
    missing = run_cli("show", "PTM-ZZZZZZ", url=database_url, settings=settings)
    assert missing.returncode == 2 and "PTM-ZZZZZZ" in missing.stderr


def test_clock_rules_can_be_changed(database_url: str, settings: Settings, engine: Engine) -> None:
    try:
        changed = run_cli(
            "clocks",
            "verify",
            "--amount",
            "4",
            "--actor",
            "kabid",
            url=database_url,
            settings=settings,
        )
        assert changed.returncode == 0, changed.stderr
        assert re.search(r"verify\s+│\s+4\s+│\s+hari kerja", changed.stdout), changed.stdout
        assert "cuti bersama" in changed.stdout  # the calendar in use is shown with the rules
        with engine.connect() as conn:
            assert (
                conn.execute(
                    text("SELECT updated_by FROM clock_rules WHERE name = 'verify'")
                ).scalar()
                == "kabid"
            )
        bad = run_cli("clocks", "verify", "--unit", "weeks", url=database_url, settings=settings)
        assert bad.returncode == 2 and "working_days" in bad.stderr
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE clock_rules SET amount = 3 WHERE name = 'verify'"))


def test_status_rules_changed_in_the_lifecycle_are_obeyed_by_the_cli(
    database_url: str, settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In process (typer's CliRunner), so that the changed rule is the one the command sees."""
    from typer.testing import CliRunner

    from geo import settings as settings_module
    from geo.cli import app
    from geo.errors import InvalidTransition
    from geo.reports import lifecycle

    code = "PTM-CLIRUL"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO reports (code, channel, received_at, location_source, geom) "
                "VALUES (:c, 'hotline', now(), 'device_gps', "
                "ST_SetSRID(ST_MakePoint(117.1, -0.6), 4326))"
            ),
            {"c": code},
        )
    monkeypatch.setenv("PANTAU_DATABASE_URL", database_url)
    monkeypatch.setenv("PANTAU_SECRET_KEY", settings.secret_key)
    settings_module.get_settings.cache_clear()
    runner = CliRunner()
    try:
        refused = runner.invoke(app, ["reports", "status", code, "assigned", "--actor", "ani"])
        assert isinstance(refused.exception, InvalidTransition)
        monkeypatch.setitem(lifecycle.TRANSITIONS, "received", ("assigned",))
        now_refused = runner.invoke(app, ["reports", "status", code, "verified", "--actor", "ani"])
        assert isinstance(now_refused.exception, InvalidTransition)
        assert "may move to assigned" in str(now_refused.exception)
        moved = runner.invoke(app, ["reports", "status", code, "assigned", "--actor", "ani"])
        assert moved.exit_code == 0, moved.output
        assert f"{code}: assigned" in moved.output
    finally:
        settings_module.get_settings.cache_clear()
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM reports WHERE code = :c"), {"c": code})


def test_import_names_a_bomb_row_and_skips_only_it(
    fresh_database_url: str, settings: Settings, tmp_path: Path
) -> None:
    """A decompression bomb in one row's evidence is that row's error; the others import."""
    from geo import migrate
    from geo.db import make_engine
    from tests.geo.reports.test_media import png, png_bomb

    own = make_engine(fresh_database_url)
    migrate.upgrade(own)
    (tmp_path / "bom.png").write_bytes(png_bomb())
    (tmp_path / "foto.png").write_bytes(png(40, 30))
    path = tmp_path / "hotline.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["external_id", "channel", "received_at", "lat", "lon", "evidence"])
        writer.writerow(["WA-B1", "whatsapp", "2026-11-02T08:00:00+08:00", -0.51, 117.1, ""])
        writer.writerow(["WA-B2", "whatsapp", "2026-11-02T09:00:00+08:00", -0.52, 117.2, "bom.png"])
        writer.writerow(
            ["WA-B3", "whatsapp", "2026-11-02T10:00:00+08:00", -0.53, 117.3, "foto.png"]
        )

    refused = run_cli("import", str(path), url=fresh_database_url, settings=settings)
    assert refused.returncode != 0
    assert "Traceback" not in refused.stderr + refused.stdout
    said = refused.stdout + refused.stderr
    assert "evidence[0]" in said and re.search(r"\b3\b", said)  # the bomb's field and line
    assert "piksel" in said  # the reason, in Indonesian
    with own.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM reports")).scalar() == 0  # nothing half

    skipped = run_cli(
        "import", str(path), "--on-error", "skip", url=fresh_database_url, settings=settings
    )
    assert skipped.returncode == 0, skipped.stdout + skipped.stderr
    assert "evidence[0]" in skipped.stdout + skipped.stderr
    with own.connect() as conn:
        stored = conn.execute(text("SELECT external_id FROM reports ORDER BY 1")).scalars().all()
        photos = conn.execute(text("SELECT count(*) FROM report_evidence")).scalar()
    own.dispose()
    assert stored == ["WA-B1", "WA-B3"] and photos == 1
