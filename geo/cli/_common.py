"""Helpers shared by the CLI modules: the engine from settings and the Rich console."""

from __future__ import annotations

from rich.console import Console
from sqlalchemy import Engine

from geo.db import check_database, make_engine
from geo.settings import get_settings

__all__ = ["console", "engine_from_settings"]

console = Console()


def engine_from_settings(*, check: bool = True) -> Engine:
    """Return the engine for ``PANTAU_DATABASE_URL``, checked to reach a PostGIS database."""
    engine = make_engine(settings=get_settings())
    if check:
        check_database(engine)
    return engine
