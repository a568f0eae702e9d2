from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SECRETS = {"POSTGRES_USER": "u", "POSTGRES_PASSWORD": "p-from-env", "PANTAU_SECRET_KEY": "k"}


def compose_config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.fail("docker-compose is not installed: run `make system` (scripts/setup-system)")
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS}
    return subprocess.run(
        [exe, "-f", str(ROOT / "docker-compose.yml"), "config"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        cwd=ROOT / "tests",
        timeout=60,
    )


def test_compose_file_validates_with_secrets_from_the_environment() -> None:
    result = compose_config(SECRETS)
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    db, api = config["services"]["db"], config["services"]["api"]
    assert db["image"].startswith("postgis/postgis")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert api["depends_on"]["db"]["condition"] == "service_healthy"
    assert "pantau db upgrade" in " ".join(api["command"])
    assert db["environment"]["POSTGRES_PASSWORD"] == "p-from-env"
    assert any(str(v).startswith("pgdata:") for v in db["volumes"])
    assert "pgdata" in config["volumes"]


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_compose_refuses_to_run_without_each_secret(missing: str) -> None:
    result = compose_config({k: v for k, v in SECRETS.items() if k != missing})
    assert result.returncode != 0
    assert missing in result.stderr


def test_compose_file_hard_codes_no_secret() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    assert "changethis" not in text
    for line in text.splitlines():
        if "PASSWORD" in line or "SECRET" in line:
            assert "${" in line or line.strip().startswith("#"), line
