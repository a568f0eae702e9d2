"""``pantau db``: bring the database schema to the current version."""

from __future__ import annotations

import typer

from geo import migrate
from geo.cli._common import console, engine_from_settings

app = typer.Typer(help="Database schema migrations (Alembic).", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("heads", help="Target revision.")) -> None:
    """Upgrade the database to the newest schema (or to REVISION)."""
    engine = engine_from_settings()
    migrate.upgrade(engine, revision)
    console.print(f"Database at [bold]{', '.join(sorted(migrate.current_revisions(engine)))}[/]")


@app.command()
def downgrade(revision: str = typer.Argument(..., help="Target revision, or 'base'.")) -> None:
    """Downgrade the database to REVISION."""
    engine = engine_from_settings()
    migrate.downgrade(engine, revision)
    console.print(f"Database at {', '.join(sorted(migrate.current_revisions(engine))) or 'base'}")


@app.command()
def current() -> None:
    """Show the revision the database is at and the newest one available."""
    engine = engine_from_settings()
    console.print(f"current: {', '.join(sorted(migrate.current_revisions(engine))) or 'base'}")
    console.print(f"head:    {', '.join(sorted(migrate.head_revisions(engine)))}")
