"""``pantau tokens create|list|revoke``: the secret printed once, stored only as a digest."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import Engine, text

from geo.settings import Settings
from geo.tokens import hash_token


def _pantau(*args: str, url: str, settings: Settings) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PANTAU_DATABASE_URL": url,
        "PANTAU_SECRET_KEY": settings.secret_key,
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "geo.cli", "tokens", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_create_list_revoke(database_url: str, settings: Settings, engine: Engine) -> None:
    made = _pantau(
        "create",
        "--role",
        "intake_operator",
        "--user",
        "hotline-desk-1",
        url=database_url,
        settings=settings,
    )
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip().splitlines()[-1]
    assert secret.startswith("ptm_")
    with engine.connect() as conn:
        row = conn.execute(
            text('SELECT id, "user", role, revoked_at FROM api_tokens WHERE token_hash = :h'),
            {"h": hash_token(secret)},
        ).one()
    assert (row.user, row.role, row.revoked_at) == ("hotline-desk-1", "intake_operator", None)
    listing = _pantau("list", url=database_url, settings=settings)
    assert "hotline-desk-1" in listing.stdout and secret not in listing.stdout
    revoked = _pantau("revoke", str(row.id), url=database_url, settings=settings)
    assert revoked.returncode == 0, revoked.stderr
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT revoked_at FROM api_tokens WHERE id = :i"), {"i": row.id}
            ).scalar()
            is not None
        )
    bad = _pantau(
        "create", "--role", "superuser", "--user", "x", url=database_url, settings=settings
    )
    assert bad.returncode == 2 and "role" in bad.stderr and "Traceback" not in bad.stderr
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_tokens WHERE id = :i"), {"i": row.id})


def test_errors_are_printed_in_the_settings_language_or_lang(
    database_url: str, settings: Settings
) -> None:
    bad = ("create", "--role", "pilot", "--user", "x")
    indonesian = _pantau(*bad, url=database_url, settings=settings)
    assert indonesian.returncode == 2
    assert "Galat [role]" in indonesian.stderr and "harus salah satu dari" in indonesian.stderr
    env = {**os.environ, "PANTAU_DATABASE_URL": database_url, "COLUMNS": "200"}
    english = subprocess.run(
        [sys.executable, "-m", "geo.cli", "--lang", "en", "tokens", *bad],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert english.returncode == 2
    assert "Error [role]" in english.stderr and "expected to be one of" in english.stderr
    by_setting = subprocess.run(
        [sys.executable, "-m", "geo.cli", "tokens", "revoke", "999999"],
        env={**env, "PANTAU_LANGUAGE": "en"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert by_setting.returncode == 2 and "no API token with id 999999" in by_setting.stderr


def test_a_usage_error_is_a_message_not_a_traceback(database_url: str, settings: Settings) -> None:
    missing = _pantau("create", "--user", "x", url=database_url, settings=settings)
    assert missing.returncode == 2
    assert "Missing option '--role'" in missing.stderr and "Traceback" not in missing.stderr
