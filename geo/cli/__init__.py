"""The ``pantau`` command: a thin Typer layer over the :mod:`geo` library.

Each concern has its own module here with a ``typer.Typer`` named ``app``; this module mounts
them and turns every :class:`~geo.errors.PantauError` into a one-line message and exit code 2,
never a traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

from geo.cli import db as db_cli
from geo.cli import demo as demo_cli
from geo.cli import hotspots as hotspots_cli
from geo.cli import layers as layers_cli
from geo.cli import map as map_cli
from geo.cli import patrol as patrol_cli
from geo.cli import reports as reports_cli
from geo.cli import serve as serve_cli
from geo.cli import sites as sites_cli
from geo.cli import tokens as tokens_cli
from geo.errors import PantauError

__all__ = ["app", "main"]

app = typer.Typer(
    name="pantau",
    help="Pantau Tambang: registry, reports, maps and patrols against illegal mining (PETI).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_cli.app, name="db")
app.add_typer(sites_cli.app, name="sites")
app.add_typer(reports_cli.app, name="reports")
app.command("demo")(demo_cli.demo)
app.add_typer(tokens_cli.app, name="tokens")
app.command("serve")(serve_cli.serve)
hotspots_cli.mount(app)  # match, hotspots, priority
app.add_typer(patrol_cli.app, name="patrol")
app.command("map")(map_cli.map_command)
app.add_typer(layers_cli.app, name="layers")

_err = Console(stderr=True)


def main(argv: list[str] | None = None) -> None:
    """Run the command line; domain errors become a message and exit code 2."""
    try:
        app(args=argv, standalone_mode=False)
    except PantauError as exc:
        where = escape(f" [{exc.field}]") if exc.field else ""
        # Messages quote user input and ranges like "[-90, 90]": never read them as markup.
        _err.print(f"[bold red]Error{where}:[/] {escape(exc.message)}", highlight=False)
        sys.exit(2)
    except typer.Abort:
        _err.print("[red]Aborted.[/]")
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - click usage errors carry their own exit code
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise


if __name__ == "__main__":
    main()
