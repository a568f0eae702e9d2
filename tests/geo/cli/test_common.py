"""The CLI context: settings read once per run, the language, and one engine per run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from geo.cli import app
from geo.cli._common import CliContext, context, current, engine_from_settings
from geo.settings import Settings, get_settings


@pytest.fixture
def env_settings(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[None]:
    monkeypatch.setenv("PANTAU_DATABASE_URL", database_url)
    monkeypatch.setenv("PANTAU_LANGUAGE", "en")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_callback_puts_one_context_on_the_run(env_settings: None) -> None:
    seen: list[tuple[CliContext, object, object]] = []

    @app.command("probe-context", hidden=True)
    def probe(ctx: typer.Context) -> None:
        cli = context(ctx)
        seen.append((cli, cli.engine(), engine_from_settings()))
        assert current() is cli

    try:
        runner = CliRunner()
        assert runner.invoke(app, ["probe-context"]).exit_code == 0
        assert runner.invoke(app, ["--lang", "id", "probe-context"]).exit_code == 0
    finally:
        app.registered_commands = [c for c in app.registered_commands if c.name != "probe-context"]
    (first, engine, same), (second, *_) = seen
    assert engine is same  # older commands' engine_from_settings() shares the run's engine
    assert first.settings is get_settings()  # read once per process
    assert (first.language, second.language) == ("en", "id")  # PANTAU_LANGUAGE, then --lang
    assert first._engine is None  # disposed when the run ended


def test_a_context_checks_its_language() -> None:
    from geo.errors import ValidationError

    with pytest.raises(ValidationError, match="lang"):
        CliContext(settings=Settings(_env_file=None), language="fr")
