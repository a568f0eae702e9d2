"""The main job on the demo data: migrate, load the synthetic registry, and summarise it.

``pantau demo`` calls :func:`run`; it is safe to run any number of times (imports are
idempotent upserts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from geo import bases, migrate, sites
from geo.settings import Settings, get_settings

__all__ = ["DEMO_DIR", "DemoSummary", "run"]

#: The synthetic demo files shipped in the repository's ``data/`` folder.
DEMO_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass
class DemoSummary:
    """What the demo loaded and produced."""

    sites: sites.UpsertSummary
    bases_created: int
    by_kabupaten: pd.DataFrame
    outputs: dict[str, Path] = field(default_factory=dict)


def run(
    engine: Engine, *, data_dir: Path = DEMO_DIR, settings: Settings | None = None
) -> DemoSummary:
    """Bring the database to head and load the demo registry; return a summary.

    Examples
    --------
    >>> summary = run(geo.connect())  # doctest: +SKIP
    >>> summary.sites.total
    108
    """
    settings = settings or get_settings()
    migrate.upgrade(engine)
    site_summary = sites.import_file(
        engine, data_dir / "sites.geojson", actor="demo", settings=settings
    )
    created, _ = bases.import_file(engine, data_dir / "bases.geojson", settings=settings)
    frame = sites.load(engine)
    table = (
        frame.groupby(["kabupaten", "status"])
        .size()
        .unstack(fill_value=0)
        .assign(total=lambda t: t.sum(axis=1))
        .sort_values("total", ascending=False)
    )
    return DemoSummary(sites=site_summary, bases_created=created, by_kabupaten=table)
