"""Backups proven to restore: the database and the evidence store, with a manifest of checksums.

``create_backup`` writes into an empty folder:

- ``database.dump``: ``pg_dump --format=custom`` of the whole database (one consistent snapshot);
- ``evidence/...``: every file of the evidence store, copied *after* the dump, so every file the
  dump refers to is there (files are content-addressed and never change, so a file written in
  between is only an extra);
- ``manifest.json``: when, which schema revisions, every table's row count, and the SHA-256 and
  size of every file above.

``verify_backup`` recomputes every checksum and asks ``pg_restore`` to read the dump's table of
contents. ``restore_backup`` refuses a database or evidence folder that is not empty, restores the
dump, copies the evidence, and checks the row counts and checksums against the manifest.
PostgreSQL's own tools do the database part: they are the ones every DBA trusts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from geo.errors import ConfigurationError, InputFileError, ValidationError
from geo.settings import Settings

__all__ = [
    "BackupSummary",
    "VerifyResult",
    "create_backup",
    "verify_backup",
    "restore_backup",
    "table_counts",
    "MANIFEST",
]

MANIFEST = "manifest.json"
DUMP = "database.dump"
EVIDENCE = "evidence"
#: Tables that belong to PostGIS itself, not to Pantau Tambang.
_EXTENSION_TABLES = frozenset({"spatial_ref_sys"})


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds: its folder, the tables' row counts and the number of files."""

    path: Path
    tables: dict[str, int]
    files: int
    bytes: int


@dataclass
class VerifyResult:
    """Problems found in a backup (empty when it is whole)."""

    path: Path
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every file matches the manifest and the dump is readable."""
        return not self.problems


def _libpq_url(url: str) -> str:
    """Return the database URL without SQLAlchemy's driver suffix (for pg_dump, pg_restore)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _files(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from sorted(p for p in root.rglob("*") if p.is_file())


def table_counts(engine: Engine) -> dict[str, int]:
    """Return the row count of every table of the application (PostGIS's own left out)."""
    with engine.connect() as conn:
        names = conn.execute(
            text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
            )
        ).scalars()
        tables = [n for n in names if n not in _EXTENSION_TABLES]
        # Names come from the catalogue, not from users; quoted as identifiers all the same.
        return {
            n: int(conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one()) for n in tables
        }


def _run(args: list[str], what: str) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(args, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise ConfigurationError(
            f"{args[0]} is not installed; it comes with PostgreSQL's client tools "
            "(Debian: postgresql-client-15)",
            field="backup",
        ) from None
    if done.returncode != 0:
        # pg_dump's message names the database and the problem, never a password.
        raise ConfigurationError(f"{what} failed: {done.stderr.strip()[-500:]}", field="backup")
    return done


def _revisions(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def create_backup(*, settings: Settings, engine: Engine, target: Path) -> BackupSummary:
    """Write a backup of the database and the evidence store into the empty folder ``target``.

    Parameters
    ----------
    settings
        Where the database and the data folder (``data_dir``) are.
    engine
        The engine on ``settings.database.url`` (row counts for the manifest).
    target
        A folder that does not exist yet or is empty.
    """
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise ValidationError(f"backup folder {target} is not empty", field="target")
    target.mkdir(parents=True, exist_ok=True)
    counts = table_counts(engine)
    dump = target / DUMP
    _run(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--file",
            str(dump),
            "--dbname",
            _libpq_url(settings.database.url),
        ],
        "pg_dump",
    )
    source = Path(settings.data_dir) / EVIDENCE
    files: dict[str, dict[str, str | int]] = {
        DUMP: {"sha256": _sha256(dump), "bytes": dump.stat().st_size}
    }
    for path in _files(source):
        rel = Path(EVIDENCE) / path.relative_to(source)
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / rel)
        files[rel.as_posix()] = {"sha256": _sha256(target / rel), "bytes": path.stat().st_size}
    manifest = {
        "format": 1,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "revisions": _revisions(engine),
        "tables": counts,
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return BackupSummary(target, counts, len(files), sum(int(f["bytes"]) for f in files.values()))


def _manifest(path: Path) -> dict[str, object]:
    try:
        data: dict[str, object] = json.loads((path / MANIFEST).read_text())
    except FileNotFoundError:
        raise InputFileError(f"{path} has no {MANIFEST}: not a Pantau Tambang backup") from None
    except json.JSONDecodeError as exc:
        raise InputFileError(f"{path / MANIFEST} is not valid JSON ({exc.msg})") from None
    return data


def verify_backup(path: Path) -> VerifyResult:
    """Check every file of the backup at ``path`` against its manifest, and the dump's contents."""
    path = Path(path)
    manifest = _manifest(path)
    result = VerifyResult(path)
    listed: dict[str, dict[str, object]] = manifest["files"]  # type: ignore[assignment]
    for rel, meta in sorted(listed.items()):
        file = path / rel
        if not file.is_file():
            result.problems.append(f"{rel}: missing")
        elif _sha256(file) != meta["sha256"]:
            result.problems.append(f"{rel}: checksum differs from the manifest")
    present = {p.relative_to(path).as_posix() for p in _files(path)} - {MANIFEST}
    result.problems += [f"{rel}: not in the manifest" for rel in sorted(present - set(listed))]
    if (path / DUMP).is_file():
        try:
            _run(["pg_restore", "--list", str(path / DUMP)], "pg_restore --list")
        except ConfigurationError as exc:
            result.problems.append(f"{DUMP}: {exc.message}")
    return result


def _refuse_non_empty(engine: Engine, data_dir: Path) -> None:
    if table_counts(engine):
        raise ValidationError(
            "the target database already has tables; restore into an empty database",
            field="database",
        )
    evidence = data_dir / EVIDENCE
    if evidence.exists() and any(evidence.iterdir()):
        raise ValidationError(
            f"{evidence} is not empty; restore into an empty data folder", field="data_dir"
        )


def _restore_list(dump: Path, engine: Engine, folder: Path) -> Path:
    """Write the dump's table of contents without extensions the target already has."""
    with engine.connect() as conn:
        present = set(conn.execute(text("SELECT extname FROM pg_extension")).scalars())
    listing = _run(["pg_restore", "--list", str(dump)], "pg_restore --list").stdout
    skip = [f"EXTENSION - {ext}" for ext in present] + [f"EXTENSION {ext}" for ext in present]
    if "postgis" in present:  # its own table, filled when the extension was created
        skip += [f"TABLE DATA public {name}" for name in _EXTENSION_TABLES]
    keep = [line for line in listing.splitlines() if not any(s in line for s in skip)]
    path = folder / "restore.list"
    path.write_text("\n".join(keep) + "\n")
    return path


def restore_backup(*, source: Path, database_url: str, data_dir: Path) -> dict[str, int]:
    """Restore the backup at ``source`` into an empty database and an empty data folder.

    Returns
    -------
    dict
        The restored tables' row counts, equal to the manifest's (else an error is raised).
    """
    source, data_dir = Path(source), Path(data_dir)
    check = verify_backup(source)
    if not check.ok:
        raise InputFileError(f"{source} does not verify: " + "; ".join(check.problems[:5]))
    manifest = _manifest(source)
    engine = create_engine(database_url)
    try:
        _refuse_non_empty(engine, data_dir)
        with tempfile.TemporaryDirectory() as work:
            listing = _restore_list(source / DUMP, engine, Path(work))
            _run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--exit-on-error",
                    "--use-list",
                    str(listing),
                    "--dbname",
                    _libpq_url(database_url),
                    str(source / DUMP),
                ],
                "pg_restore",
            )
        for rel in manifest["files"]:  # type: ignore[attr-defined]
            if rel.startswith(EVIDENCE + "/"):
                dest = data_dir / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / rel, dest)
        counts = table_counts(engine)
    finally:
        engine.dispose()
    if counts != manifest["tables"]:
        raise ConfigurationError(
            f"restored row counts differ from the manifest: {counts} != {manifest['tables']}",
            field="backup",
        )
    return counts
