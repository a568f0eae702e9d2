"""The analysts' notebooks run top to bottom against a demo database, and stay clean in git."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from geo import demo
from geo.db import make_engine
from geo.settings import Settings

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def demo_database(fresh_database_url_module: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database holding the whole demo: registry, reports, hotspots, scores and a plan."""
    engine = make_engine(fresh_database_url_module)
    out = tmp_path_factory.mktemp("demo")
    settings = Settings(database={"url": fresh_database_url_module}, data_dir=out / "var")
    demo.run(engine, settings=settings, out_dir=out, plan_budget_s=3)
    engine.dispose()
    return fresh_database_url_module


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_uses_only_the_public_library(path: Path) -> None:
    source = "\n".join(
        "".join(c["source"])
        for c in json.loads(path.read_text())["cells"]
        if c["cell_type"] == "code"
    )
    assert not re.search(r"\bgeo(\.\w+)*\._\w+", source), "reaches into a private module"
    assert not re.search(r"\b(SELECT|INSERT|UPDATE|DELETE)\s", source), "writes its own SQL"
    assert "sqlalchemy" not in source and "psycopg" not in source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(
    path: Path, demo_database: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PANTAU_DATABASE_URL", demo_database)
    monkeypatch.setenv("PANTAU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
