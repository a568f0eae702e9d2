"""A backup restores into a fresh database and folder with every row and every evidence file."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from geo import migrate, sites
from geo.backup import create_backup, restore_backup, table_counts, verify_backup
from geo.db import make_engine
from geo.errors import InputFileError, ValidationError
from geo.reports.evidence import stored_file
from geo.reports.intake import submit
from geo.settings import Settings
from tests.common import TEST_SECRET_KEY
from tests.dbutil import throwaway_database
from tests.geo.reports.conftest import make_jpeg

DEMO = Path(__file__).resolve().parents[2] / "data"


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Engine]]:
    """A database with the demo registry and reports with photos, and its data folder."""
    with throwaway_database() as url:
        settings = Settings(
            environment="test",
            database={"url": url},
            data_dir=tmp_path_factory.mktemp("source-var"),
            secret_key=TEST_SECRET_KEY,
            _env_file=None,
        )
        engine = make_engine(url)
        migrate.upgrade(engine)
        sites.import_file(engine, DEMO / "sites.geojson", actor="test")
        with Session(engine) as session:
            for i in range(3):
                submit(
                    session=session,
                    channel="hotline",
                    lat=-0.42 + i * 0.01,
                    lon=117.0,
                    description=f"ekskavator {i}",
                    reporter_phone=f"0812-1111-{i:04d}",
                    evidence=[make_jpeg(colour=(10 * i, 20, 30))],
                    settings=settings,
                    match=False,
                )
            session.commit()
        yield settings, engine
        engine.dispose()


@pytest.fixture(scope="module")
def backup(source: tuple[Settings, Engine], tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings, engine = source
    target = tmp_path_factory.mktemp("backups") / "2026-12-01"
    summary = create_backup(settings=settings, engine=engine, target=target)
    assert summary.tables["sites"] == 108 and summary.tables["reports"] == 3
    assert summary.files == 4  # the dump and three photos
    return target


def test_a_fresh_backup_verifies(backup: Path) -> None:
    assert verify_backup(backup).problems == []


def test_a_damaged_or_incomplete_backup_is_named(backup: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(backup, copy)
    photos = sorted((copy / "evidence").rglob("*.jpg"))
    photos[0].write_bytes(b"ransomware was here")
    photos[1].unlink()
    (copy / "evidence" / "stray.bin").write_bytes(b"x")
    problems = verify_backup(copy).problems
    assert any("checksum differs" in p for p in problems)
    assert any("missing" in p for p in problems)
    assert any("stray.bin: not in the manifest" in p for p in problems)
    with pytest.raises(InputFileError, match="does not verify"):
        restore_backup(
            source=copy,
            database_url="postgresql+psycopg://x@127.0.0.1/none",
            data_dir=tmp_path / "nowhere",
        )


def test_restore_into_a_fresh_database_has_every_row_and_file(
    source: tuple[Settings, Engine], backup: Path, tmp_path: Path
) -> None:
    settings, engine = source
    with throwaway_database() as url:
        counts = restore_backup(source=backup, database_url=url, data_dir=tmp_path / "var")
        assert counts == table_counts(engine)
        restored = make_engine(url)
        try:
            assert table_counts(restored) == table_counts(engine)
            assert migrate.current_revisions(restored) == migrate.current_revisions(engine)
            # Evidence is recorded relative to the data folder, so the restored system finds it.
            with restored.connect() as conn:
                names = conn.execute(text("SELECT path FROM evidence")).scalars().all()
            moved = settings.model_copy(update={"data_dir": tmp_path / "var"})
            assert names and all(stored_file(n, settings=moved).is_file() for n in names)
        finally:
            restored.dispose()
    original = _digests(Path(settings.data_dir) / "evidence")
    assert original and _digests(tmp_path / "var" / "evidence") == original


def test_restore_refuses_a_database_that_is_not_empty(
    source: tuple[Settings, Engine], backup: Path, tmp_path: Path
) -> None:
    settings, _engine = source
    with pytest.raises(ValidationError, match="empty database") as info:
        restore_backup(source=backup, database_url=settings.database.url, data_dir=tmp_path)
    assert info.value.field == "database"


def test_a_folder_without_manifest_is_not_a_backup(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="manifest.json"):
        verify_backup(tmp_path)
