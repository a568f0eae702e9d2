"""``pantau users``: staff accounts of the web console (create, list, disable, reset-password).

A password is never a command-line argument (it would stay in the shell's history and in the
process list): it is asked for twice at a hidden prompt, or read from the first line of standard
input with ``--password-stdin`` for scripts
(``pantau users create ani --role analyst --password-stdin < file``).
"""

from __future__ import annotations

import sys

import typer
from rich.table import Table

from geo import accounts
from geo.cli._common import context
from geo.db import session_scope
from geo.errors import N_, ValidationError
from geo.tokens import ROLES

app = typer.Typer(
    help="Staff accounts of the web console (argon2-hashed passwords).", no_args_is_help=True
)

_STDIN_HELP = "Read the password from the first line of standard input (for scripts)."


def _password(ctx: typer.Context, from_stdin: bool) -> str:
    t = context(ctx).t
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(
            t.gettext("Password"),
            hide_input=True,
            confirmation_prompt=t.gettext("Repeat the password"),
        )
    if not password:
        raise ValidationError.of(N_("{field} is required"), field="password")
    return password


@app.command()
def create(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="Sign-in name (lower-case letters, digits, . _ -)."),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}."),
    name: str | None = typer.Option(None, "--name", help="Full name shown in the console."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=_STDIN_HELP),
) -> None:
    """Create a console account; the password is asked for, never passed as an argument."""
    cli = context(ctx)
    password = _password(ctx, password_stdin)
    with session_scope(cli.engine()) as session:
        row = accounts.create_user(
            session=session, username=username, role=role, password=password, display_name=name
        )
        message = cli.t.gettext("User {user} ({role}) created", user=row.username, role=role)
    cli.console.print(message, highlight=False)


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List console accounts: name, role, created, last sign-in, disabled."""
    cli = context(ctx)
    t = cli.t
    with session_scope(cli.engine()) as session:
        table = Table(
            t.gettext("user"),
            t.gettext("name"),
            t.gettext("role"),
            t.gettext("created"),
            t.gettext("last sign-in"),
            t.gettext("disabled"),
        )
        for r in accounts.list_users(session=session):
            table.add_row(
                r.username,
                r.display_name or "",
                r.role,
                f"{r.created_at:%Y-%m-%d %H:%M}",
                f"{r.last_login_at:%Y-%m-%d %H:%M}" if r.last_login_at else "",
                f"{r.disabled_at:%Y-%m-%d %H:%M}" if r.disabled_at else "",
            )
    cli.console.print(table)


@app.command()
def disable(ctx: typer.Context, username: str = typer.Argument(..., help="Sign-in name.")) -> None:
    """Disable an account and end its sessions at once."""
    cli = context(ctx)
    with session_scope(cli.engine()) as session:
        row = accounts.disable_user(session=session, username=username)
        message = cli.t.gettext("User {user} disabled; their sessions are ended", user=row.username)
    cli.console.print(message, highlight=False)


@app.command("reset-password")
def reset_password(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="Sign-in name."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=_STDIN_HELP),
) -> None:
    """Set a new password (the account is enabled again and its sessions ended)."""
    cli = context(ctx)
    password = _password(ctx, password_stdin)
    with session_scope(cli.engine()) as session:
        row = accounts.reset_password(session=session, username=username, password=password)
        message = cli.t.gettext("New password set for {user}", user=row.username)
    cli.console.print(message, highlight=False)
