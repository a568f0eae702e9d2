"""``pantau backup``: create, verify and restore backups of the database and evidence store."""

from __future__ import annotations

from pathlib import Path

import typer

from geo.backup import create_backup, restore_backup, verify_backup
from geo.cli._common import console, current, engine_from_settings
from geo.errors import InputFileError

app = typer.Typer(help="Backups that are proven to restore.", no_args_is_help=True)


@app.command()
def create(target: Path = typer.Argument(..., help="An empty or new folder.")) -> None:
    """Back up the database and every evidence file, with a manifest of checksums."""
    run = current()
    settings, t = run.settings, run.t
    summary = create_backup(settings=settings, engine=engine_from_settings(), target=target)
    console.print(
        t.gettext(
            "Backup written to {path}: {tables} tables, {rows} rows, {files} files.",
            path=str(summary.path),
            tables=t.number(len(summary.tables)),
            rows=t.number(sum(summary.tables.values())),
            files=t.number(summary.files),
        ),
        highlight=False,
    )


@app.command()
def verify(
    source: Path = typer.Argument(..., help="A folder made by `pantau backup create`."),
) -> None:
    """Check every file against the manifest and that the database dump is readable."""
    t = current().t
    result = verify_backup(source)
    if not result.ok:
        raise InputFileError(
            t.gettext("The backup {path} is damaged:", path=str(source))
            + "\n  "
            + "\n  ".join(result.problems)
        )
    console.print(t.gettext("The backup {path} is whole.", path=str(source)), highlight=False)


@app.command()
def restore(
    source: Path = typer.Argument(..., help="A folder made by `pantau backup create`."),
    database: str = typer.Option(..., "--database", help="URL of an EMPTY PostGIS database."),
    data_dir: Path = typer.Option(..., "--data-dir", help="An empty folder for the evidence."),
) -> None:
    """Restore a verified backup into an empty database and data folder."""
    t = current().t
    counts = restore_backup(source=source, database_url=database, data_dir=data_dir)
    console.print(
        t.gettext(
            "Restored {tables} tables with {rows} rows; every count matches the manifest.",
            tables=t.number(len(counts)),
            rows=t.number(sum(counts.values())),
        ),
        highlight=False,
    )
