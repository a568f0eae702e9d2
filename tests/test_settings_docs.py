"""Every variable of the settings tree is documented in ``.env.example`` and in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from geo.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def env_names() -> list[str]:
    """``PANTAU_<FIELD>`` for root fields and ``PANTAU_<SECTION>_<FIELD>`` for section fields."""
    names = []
    for name, field in Settings.model_fields.items():
        section = field.annotation
        if isinstance(section, type) and issubclass(section, BaseModel):
            names += [f"PANTAU_{name}_{sub}".upper() for sub in section.model_fields]
        else:
            names.append(f"PANTAU_{name}".upper())
    return names


def test_the_walk_covers_every_section() -> None:
    names = env_names()
    assert "PANTAU_DATABASE_URL" in names and "PANTAU_PATROLS_OSRM_URL" in names
    assert "PANTAU_SECRET_KEY" in names and "PANTAU_DATABASE" not in names
    assert len(names) > 50


@pytest.mark.parametrize("document", [".env.example", "README.md"])
def test_every_variable_is_documented(document: str) -> None:
    text = (ROOT / document).read_text(encoding="utf-8")
    missing = [n for n in env_names() if not re.search(rf"\b{n}\b", text)]
    assert not missing, f"{document} does not list: {', '.join(missing)}"


@pytest.mark.parametrize("document", [".env.example", "README.md"])
def test_no_variable_is_documented_that_the_tree_does_not_read(document: str) -> None:
    text = (ROOT / document).read_text(encoding="utf-8")
    known = set(env_names()) | {"PANTAU_DB_USER", "PANTAU_DB_PASSWORD", "PANTAU_DB_NAME"}
    unknown = sorted(set(re.findall(r"\bPANTAU_[A-Z0-9_]*[A-Z0-9]\b", text)) - known)
    assert not unknown, f"{document} names variables no setting reads: {', '.join(unknown)}"


def test_the_env_example_values_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lines that are set (not commented) load into a valid tree."""
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    for line in lines:
        if line.startswith("PANTAU_"):
            name, _, value = line.partition("=")
            monkeypatch.setenv(name, value)
    s = Settings(_env_file=None)
    assert s.api.public_burst == 10 and s.database.url.startswith("postgresql+psycopg://")
