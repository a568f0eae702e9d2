"""The ``pantau`` command: a thin Typer layer over the :mod:`geo` library.

Each concern has its own module here with a ``typer.Typer`` named ``app``; this module mounts
them, reads the settings once per run into the context every command shares
(:class:`geo.cli._common.CliContext`: settings, language, console, engine), and turns every
:class:`~geo.errors.PantauError` into a one-line message in the reader's language (``--lang``,
else ``PANTAU_LANGUAGE``) and exit code 2, never a traceback.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from geo.cli import alerts as alerts_cli
from geo.cli import backup as backup_cli
from geo.cli import basemap as basemap_cli
from geo.cli import bases as bases_cli
from geo.cli import calendar as calendar_cli
from geo.cli import db as db_cli
from geo.cli import demo as demo_cli
from geo.cli import hotspots as hotspots_cli
from geo.cli import keys as keys_cli
from geo.cli import layers as layers_cli
from geo.cli import map as map_cli
from geo.cli import odk as odk_cli
from geo.cli import patrol as patrol_cli
from geo.cli import reports as reports_cli
from geo.cli import serve as serve_cli
from geo.cli import sites as sites_cli
from geo.cli import teams as teams_cli
from geo.cli import tokens as tokens_cli
from geo.cli import users as users_cli
from geo.cli import whatsapp as whatsapp_cli
from geo.cli._common import CliContext
from geo.errors import N_, PantauError
from geo.i18n import DEFAULT_LANGUAGE, LANGUAGES, translator
from geo.settings import get_settings

__all__ = ["app", "main"]

app = typer.Typer(
    name="pantau",
    help="Pantau Tambang: registry, reports, maps and patrols against illegal mining (PETI).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


class _Run:
    """The language the last run chose, for printing an error after its context has closed."""

    language: str | None = None


@app.callback()
def _root(
    ctx: typer.Context,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help=f"Language of messages: {' or '.join(LANGUAGES)} (default PANTAU_LANGUAGE).",
        ),
    ] = None,
) -> None:
    """Pantau Tambang: registry, reports, maps and patrols against illegal mining (PETI)."""
    cli = CliContext(settings=get_settings(), language=lang or "")
    ctx.obj = cli
    ctx.call_on_close(cli.close)
    _Run.language = cli.language


app.add_typer(db_cli.app, name="db")
app.add_typer(sites_cli.app, name="sites")
app.add_typer(reports_cli.app, name="reports")
app.command("demo")(demo_cli.demo)
app.add_typer(tokens_cli.app, name="tokens")
app.add_typer(users_cli.app, name="users")
app.add_typer(keys_cli.app, name="keys")
app.add_typer(backup_cli.app, name="backup")
app.add_typer(calendar_cli.app, name="calendar")
app.command("serve")(serve_cli.serve)
hotspots_cli.mount(app)  # match, hotspots, priority
app.add_typer(patrol_cli.app, name="patrol")
app.add_typer(bases_cli.app, name="bases")
app.add_typer(teams_cli.app, name="teams")
app.command("map")(map_cli.map_command)
app.add_typer(whatsapp_cli.app, name="whatsapp")
app.add_typer(layers_cli.app, name="layers")
app.add_typer(odk_cli.app, name="odk")
app.add_typer(alerts_cli.app, name="alerts")
app.add_typer(basemap_cli.app, name="basemap")

_err = Console(stderr=True)
ERROR = N_("Error")
ABORTED = N_("Aborted.")


def _language(argv: list[str] | None) -> str:
    """Return the run's language, even when the error came before the context was made."""
    if _Run.language:
        return _Run.language
    args = sys.argv[1:] if argv is None else argv
    for i, arg in enumerate(args):
        value = arg.partition("=")[2] if arg.startswith("--lang=") else None
        if arg == "--lang" and i + 1 < len(args):
            value = args[i + 1]
        if value in LANGUAGES:
            return value
    try:
        return get_settings().language
    except Exception:  # noqa: BLE001 - the settings themselves may be what failed
        return DEFAULT_LANGUAGE


def print_error(exc: PantauError, lang: str) -> None:
    """Print ``exc`` as one line in ``lang`` on stderr."""
    t = translator(lang)
    where = escape(f" [{exc.field}]") if exc.field else ""
    # Messages quote user input and ranges like "[-90, 90]": never read them as markup.
    _err.print(
        f"[bold red]{escape(t.gettext(ERROR))}{where}:[/] {escape(exc.localized(t))}",
        highlight=False,
    )


def main(argv: list[str] | None = None) -> None:
    """Run the command line; domain errors become a message and exit code 2."""
    _Run.language = None
    try:
        app(args=argv, standalone_mode=False)
    except PantauError as exc:
        print_error(exc, _language(argv))
        sys.exit(2)
    except typer.Abort:
        _err.print(f"[red]{escape(translator(_language(argv)).gettext(ABORTED))}[/]")
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - click usage errors carry their own exit code
        # Typer vendors Click; its usage errors are ``typer._click`` exceptions.
        from typer._click.exceptions import ClickException

        if isinstance(exc, ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise


if __name__ == "__main__":
    main()
