"""Alembic environment: runs migrations on the connection or URL that ``geo.migrate`` passes."""

from __future__ import annotations

import contextlib
import importlib

from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy import Connection

from geo.db import make_engine
from geo.models import Base

# Every package that defines tables on Base is imported so autogenerate sees the whole schema.
_MODULES = (
    "geo.reports.models",
    "geo.patrols.models",
    "geo.tokens",
    "geo.layers.models",
    "geo.odk.models",
    "geo.alerts.models",
)
for _module in _MODULES:
    with contextlib.suppress(ModuleNotFoundError):
        importlib.import_module(_module)

config = context.config
target_metadata = Base.metadata


def _include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object | None
) -> bool:
    # Some tables (hotspots, match_runs, site_priority) are used through SQL without ORM
    # models: autogenerate must not propose dropping a table just because no model names it.
    if type_ == "table" and reflected and compare_to is None:
        return False
    # geoalchemy2's helper is untyped; it skips PostGIS's own tables and spatial indexes.
    keep = alembic_helpers.include_object(  # type: ignore[no-untyped-call]
        obj, name, type_, reflected, compare_to
    )
    return bool(keep)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include_object,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or None)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
