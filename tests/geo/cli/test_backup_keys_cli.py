"""``pantau backup`` and ``pantau keys`` as an administrator runs them, in Indonesian."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from geo.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


def _pantau(*args: str, settings: Settings, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geo.cli", *args],
        env={
            **os.environ,
            "PANTAU_DATABASE_URL": settings.database.url,
            "PANTAU_SECRET_KEY": settings.secret_key,
            "PANTAU_DATA_DIR": str(settings.data_dir),
            "PANTAU_ENVIRONMENT": "test",
            "COLUMNS": "200",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_backup_create_and_verify_speak_indonesian(
    engine: object, settings: Settings, tmp_path: Path
) -> None:
    made = _pantau("backup", "create", str(tmp_path / "b"), settings=settings)
    assert made.returncode == 0, made.stderr
    assert "Cadangan ditulis ke" in made.stdout
    checked = _pantau("backup", "verify", str(tmp_path / "b"), settings=settings)
    assert checked.returncode == 0 and "utuh" in checked.stdout
    (tmp_path / "b" / "database.dump").write_bytes(b"not a dump")
    broken = _pantau("backup", "verify", str(tmp_path / "b"), settings=settings)
    assert broken.returncode == 2 and "rusak" in broken.stderr and "Traceback" not in broken.stderr


def test_a_weak_key_stops_the_cli_with_a_message_naming_the_setting(settings: Settings) -> None:
    refused = _pantau("keys", "rotate", settings=settings, PANTAU_SECRET_KEY="changethis")
    assert refused.returncode == 2
    assert "PANTAU_SECRET_KEY" in refused.stderr and "Traceback" not in refused.stderr


def test_keys_new_prints_a_key_the_settings_accept() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "geo.cli", "keys", "new"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=True,
    ).stdout.strip()
    Settings(environment="production", secret_key=out, _env_file=None)


def test_calendar_add_list_remove(engine: object, settings: Settings) -> None:
    added = _pantau(
        "calendar", "add", "2031-06-02", "--reason", "Hari jadi Kaltim", settings=settings
    )
    assert added.returncode == 0, added.stderr
    listed = _pantau("calendar", "list", "--year", "2031", settings=settings)
    assert "Hari jadi Kaltim" in listed.stdout and "Tahun Baru" in listed.stdout
    again = _pantau("calendar", "add", "2031-06-02", "--reason", "x", settings=settings)
    assert again.returncode == 2 and "[day]" in again.stderr
    assert _pantau("calendar", "remove", "2031-06-02", settings=settings).returncode == 0
    assert (
        "Hari jadi Kaltim"
        not in _pantau("calendar", "list", "--year", "2031", settings=settings).stdout
    )
