"""What every ``pantau`` command shares: the context made once per run, and the Rich console.

The root callback (:mod:`geo.cli`) reads the settings once (:func:`~geo.settings.get_settings`)
and puts a :class:`CliContext` on ``ctx.obj``: the settings, the reader's language, the console
and an engine made on first use. Commands take what they need from it::

    @app.command()
    def list_(ctx: typer.Context) -> None:
        cli = context(ctx)
        with session_scope(cli.engine()) as session:
            ...

:func:`engine_from_settings` and :func:`current` find the running command's context without a
``ctx`` parameter, so older commands keep working unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import typer
from rich.console import Console
from sqlalchemy import Engine

# Typer 0.29 vendors Click as ``typer._click`` and re-exports no accessor for the running
# command's context; the package-level ``click`` never sees Typer's contexts.
from typer._click.core import Context as ClickContext
from typer._click.globals import get_current_context

from geo.db import check_database, make_engine
from geo.i18n import Translator, check_language, translator
from geo.settings import Settings, get_settings

__all__ = [
    "CliContext",
    "console",
    "context",
    "current",
    "engine_from_settings",
    "settings_from_context",
]

console = Console()


@dataclass
class CliContext:
    """The state of one ``pantau`` run: settings, language, console and a lazily made engine.

    Examples
    --------
    >>> cli = CliContext(settings=settings)
    >>> cli.language, cli.t.gettext("{field} is required", field="lat")
    ('id', 'lat wajib diisi')
    >>> cli.engine() is cli.engine()
    True
    >>> cli.close()
    """

    settings: Settings
    #: The language of messages (``--lang``, else ``PANTAU_LANGUAGE``).
    language: str = ""
    console: Console = field(default_factory=lambda: console)
    _engine: Engine | None = field(default=None, repr=False)
    _checked: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        self.language = check_language(self.language or self.settings.language)

    @property
    def t(self) -> Translator:
        """The message catalogue in the run's language."""
        return translator(self.language)

    def engine(self, *, check: bool = True) -> Engine:
        """Return the run's one engine, made on first use and checked to reach PostGIS."""
        if self._engine is None:
            self._engine = make_engine(settings=self.settings)
        if check and not self._checked:
            check_database(self._engine)
            self._checked = True
        return self._engine

    def close(self) -> None:
        """Dispose of the engine, if one was made."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
            self._checked = False


def context(ctx: typer.Context | ClickContext) -> CliContext:
    """Return the :class:`CliContext` the root callback put on ``ctx`` (made now if missing)."""
    found = ctx.find_object(CliContext)
    if found is None:
        found = CliContext(settings=get_settings())
        root = ctx.find_root()
        root.obj = found
        root.call_on_close(found.close)
    return found


def current() -> CliContext:
    """Return the running command's :class:`CliContext` (one from the environment outside one)."""
    ctx = get_current_context(silent=True)
    if ctx is None:
        return CliContext(settings=get_settings())
    return context(ctx)


def settings_from_context() -> Settings:
    """Return the settings of the running command."""
    return current().settings


def engine_from_settings(*, check: bool = True) -> Engine:
    """Return the running command's engine, checked to reach a PostGIS database."""
    return current().engine(check=check)
