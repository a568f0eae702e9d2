"""``pantau demo`` prints the console's address and a sign-in per role in development only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from geo.db import make_engine
from tests.common import TEST_SECRET_KEY


def _demo(url: str, tmp: Path, environment: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PANTAU_DATABASE_URL": url,
        "PANTAU_ENVIRONMENT": environment,
        "PANTAU_SECRET_KEY": TEST_SECRET_KEY,
        "PANTAU_DATA_DIR": str(tmp / "var"),
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "geo.cli", "demo", "--registry-only"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp,
    )


def _users(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT username FROM users ORDER BY 1")).scalars())
    finally:
        engine.dispose()


@pytest.mark.slow
def test_demo_sign_ins_exist_in_development_only(fresh_database_url: str, tmp_path: Path) -> None:
    production = _demo(fresh_database_url, tmp_path, "production")
    assert production.returncode == 0, production.stderr
    assert "demo-admin" not in production.stdout and _users(fresh_database_url) == []
    development = _demo(fresh_database_url, tmp_path, "development")
    assert development.returncode == 0, development.stderr
    assert "http://127.0.0.1:8000/" in development.stdout
    for role in ("admin", "analyst", "field-officer", "intake-operator"):
        assert f"demo-{role}" in development.stdout
    assert _users(fresh_database_url) == [
        "demo-admin",
        "demo-analyst",
        "demo-field-officer",
        "demo-intake-operator",
    ]
