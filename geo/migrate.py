"""Alembic migrations driven from Python (``pantau db upgrade``, tests, the API start-up)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

__all__ = ["alembic_config", "upgrade", "downgrade", "current_revisions", "head_revisions"]

_HERE = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """Return an Alembic config for ``engine`` with the packaged migration scripts."""
    config = Config(str(_HERE / "alembic.ini"))
    config.set_main_option("script_location", str(_HERE))
    config.set_main_option("version_locations", str(_HERE / "versions"))
    config.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the database behind ``engine`` up to ``revision`` (all heads by default)."""
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Take the database behind ``engine`` down to ``revision`` (everything by default)."""
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def current_revisions(engine: Engine) -> set[str]:
    """Return the revisions the database is at (empty for a database never migrated)."""
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def head_revisions(engine: Engine) -> set[str]:
    """Return the head revisions of the packaged migration scripts."""
    return set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
