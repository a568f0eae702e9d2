"""``pantau tokens``: create, list and revoke API tokens for the HTTP service."""

from __future__ import annotations

import typer
from rich.table import Table

from geo.cli._common import context
from geo.db import session_scope
from geo.tokens import ROLES, create_token, list_tokens, revoke_token

app = typer.Typer(
    help="API tokens (hashed at rest; the secret is shown once).", no_args_is_help=True
)


@app.command()
def create(
    ctx: typer.Context,
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}."),
    user: str = typer.Option(..., "--user", help="Name recorded in the audit trail."),
) -> None:
    """Create a token and print its secret once (it cannot be shown again)."""
    cli = context(ctx)
    with session_scope(cli.engine()) as session:
        row, secret = create_token(session=session, user=user, role=role)
        token_id = row.id
    cli.console.print(
        f"Token {token_id} for [bold]{user}[/] ({role}). Keep it secret:", highlight=False
    )
    # Printed bare on its own line so that scripts can capture it.
    typer.echo(secret)


@app.command("list")
def list_(
    ctx: typer.Context, all_: bool = typer.Option(False, "--all", help="Include revoked tokens.")
) -> None:
    """List tokens (id, user, role, prefix, created, revoked); never their secrets."""
    cli = context(ctx)
    with session_scope(cli.engine()) as session:
        rows = list_tokens(session=session, include_revoked=all_)
        table = Table("id", "user", "role", "prefix", "created", "revoked")
        for r in rows:
            table.add_row(
                str(r.id),
                r.user,
                r.role,
                r.display + "…",
                f"{r.created_at:%Y-%m-%d %H:%M}",
                f"{r.revoked_at:%Y-%m-%d %H:%M}" if r.revoked_at else "",
            )
    cli.console.print(table)


@app.command()
def revoke(
    ctx: typer.Context, token_id: int = typer.Argument(..., help="Id from `pantau tokens list`.")
) -> None:
    """Revoke a token; requests with it are refused from now on."""
    cli = context(ctx)
    with session_scope(cli.engine()) as session:
        row = revoke_token(session=session, token_id=token_id)
        when = f"{row.revoked_at:%Y-%m-%d %H:%M}"
        cli.console.print(f"Token {row.id} of {row.user} revoked at {when}")
