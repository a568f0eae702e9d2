"""ARCHITECTURE.md names every module, and the walls it describes hold."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = (
    "geo",
    "api",
    "api/routes",
    "geo/cli",
    "geo/reports",
    "geo/hotspots",
    "geo/patrols",
    "geo/maps",
    "geo/basemap",
    "geo/io",
    "api/schemas",
)


def _names(folder: str) -> list[str]:
    return sorted(
        p.name
        for p in (ROOT / folder).iterdir()
        if p.name != "__pycache__" and not p.name.startswith(".")
    )


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_module_is_named(folder: str) -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    missing = [n for n in _names(folder) if f"`{n}`" not in text and f"`{n}/`" not in text]
    assert not missing, f"ARCHITECTURE.md does not name {folder}/: {missing}"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_the_domain_never_imports_the_web_or_the_cli() -> None:
    crossings = []
    for path in sorted((ROOT / "geo").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        banned = {"fastapi", "starlette", "api"}
        if not rel.startswith("geo/cli/"):
            banned.add("typer")
        crossings += [f"{rel} imports {m}" for m in sorted(_imports(path) & banned)]
    assert not crossings, crossings


def test_only_the_privacy_module_decrypts_identity() -> None:
    users = [
        p.relative_to(ROOT).as_posix()
        for folder in ("geo", "api")
        for p in sorted((ROOT / folder).rglob("*.py"))
        if "decrypt_identity(" in p.read_text(encoding="utf-8")
        and p.relative_to(ROOT).as_posix() != "geo/reports/privacy.py"
    ]
    # bulkcheck.py shows in a doctest that what it seals can be read back.
    assert set(users) <= {"geo/reports/bulkcheck.py"}, users


def test_identity_is_decrypted_elsewhere_only_for_a_stated_purpose() -> None:
    from geo.reports.privacy import PURPOSES

    stated = set()
    for folder in ("geo", "api"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            stated |= set(re.findall(r'decrypt_for\([^)]*purpose="([a-z_]+)"', text, re.S))
    assert stated and stated <= set(PURPOSES), stated
