"""``pantau db``: bring the database schema to the current version."""

from __future__ import annotations

import typer

from geo import migrate
from geo.cli._common import context

app = typer.Typer(help="Database schema migrations (Alembic).", no_args_is_help=True)


@app.command()
def upgrade(
    ctx: typer.Context, revision: str = typer.Argument("heads", help="Target revision.")
) -> None:
    """Upgrade the database to the newest schema (or to REVISION)."""
    cli = context(ctx)
    engine = cli.engine()
    migrate.upgrade(engine, revision)
    at = ", ".join(sorted(migrate.current_revisions(engine)))
    cli.console.print(f"Database at [bold]{at}[/]")


@app.command()
def downgrade(
    ctx: typer.Context, revision: str = typer.Argument(..., help="Target revision, or 'base'.")
) -> None:
    """Downgrade the database to REVISION."""
    cli = context(ctx)
    engine = cli.engine()
    migrate.downgrade(engine, revision)
    at = ", ".join(sorted(migrate.current_revisions(engine))) or "base"
    cli.console.print(f"Database at {at}")


@app.command()
def current(ctx: typer.Context) -> None:
    """Show the revision the database is at and the newest one available."""
    cli = context(ctx)
    engine = cli.engine()
    cli.console.print(f"current: {', '.join(sorted(migrate.current_revisions(engine))) or 'base'}")
    cli.console.print(f"head:    {', '.join(sorted(migrate.head_revisions(engine)))}")
