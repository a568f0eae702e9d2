"""The main job on the demo data, end to end.

:func:`run` migrates the database, loads the synthetic registry and bases, imports the synthetic
public reports, matches them to sites, clusters the rest into hotspots, scores every site, writes
the offline overview map and the briefing PDF, and makes a two-week plan for four teams with all
its exports. ``pantau demo`` calls it; it is safe to run any number of times (imports are
idempotent, matching and clustering keep their identities, a new plan is saved per run).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from geo import bases, migrate, sites
from geo.db import session_scope
from geo.errors import N_
from geo.settings import Settings

__all__ = ["DEMO_DIR", "DemoSummary", "run"]

#: The synthetic demo files shipped in the repository's ``data/`` folder.
DEMO_DIR = Path(__file__).resolve().parent.parent / "data"

Step = Callable[[str], None]


@dataclass
class DemoSummary:
    """What the demo loaded and produced."""

    sites: sites.UpsertSummary
    bases_created: int
    by_kabupaten: pd.DataFrame
    reports: dict[str, int] = field(default_factory=dict)
    hotspots: dict[str, int] = field(default_factory=dict)
    top_sites: pd.DataFrame | None = None
    plan: dict[str, object] = field(default_factory=dict)
    outputs: dict[str, Path] = field(default_factory=dict)


def _noop(_: str) -> None:
    return None


def run(
    engine: Engine,
    *,
    settings: Settings,
    data_dir: Path = DEMO_DIR,
    out_dir: Path | None = None,
    full: bool = True,
    plan_budget_s: float = 20.0,
    step: Step = _noop,
) -> DemoSummary:
    """Run the demo; return what it loaded and the paths of what it wrote.

    Parameters
    ----------
    engine
        The database; brought to the newest schema first.
    data_dir
        Folder of the synthetic demo files.
    out_dir
        Where the map, the briefing and the patrol exports go (default ``out/demo``).
    settings
        The settings tree (secret key, data folder, and every section the steps read), injected
        by the adapter: ``pantau demo`` passes the CLI context's.
    full
        ``False`` loads only the registry and bases (fast; used by tests of other parts).
    plan_budget_s
        Solver time for the two-week patrol plan.
    step
        Called with a short description before each step (the CLI shows it).

    Examples
    --------
    >>> summary = run(engine, settings=settings, full=False)
    >>> summary.sites.total, summary.bases_created >= 0
    (108, True)
    """
    out_dir = Path(out_dir or "out/demo")
    step("Migrating the database")
    migrate.upgrade(engine)
    step("Loading the site registry and field team bases")
    site_summary = sites.import_file(
        engine, data_dir / "sites.geojson", actor="demo", settings=settings
    )
    created, _ = bases.import_file(engine, data_dir / "bases.geojson", settings=settings)
    with session_scope(engine) as session:  # villages and camps for expeditions (approximate)
        bases.import_places(session, data_dir / "overnight_places.geojson", settings=settings)
    frame = sites.load(engine)
    table = (
        frame.groupby(["kabupaten", "status"])
        .size()
        .unstack(fill_value=0)
        .assign(total=lambda t: t.sum(axis=1))
        .sort_values("total", ascending=False)
    )
    summary = DemoSummary(sites=site_summary, bases_created=created, by_kabupaten=table)
    if full:
        _reports_and_hotspots(engine, summary, data_dir=data_dir, settings=settings, step=step)
        _map_and_briefing(engine, summary, out_dir=out_dir, settings=settings, step=step)
        _patrol_plan(engine, summary, out_dir=out_dir, budget_s=plan_budget_s, step=step)
    return summary


def _reports_and_hotspots(
    engine: Engine, summary: DemoSummary, *, data_dir: Path, settings: Settings, step: Step
) -> None:
    from geo import hotspots, matching, priority
    from geo.reports.clocks import overdue
    from geo.reports.demo import load_demo_reports

    step("Importing the synthetic public reports")
    loaded = load_demo_reports(engine=engine, data_dir=data_dir, settings=settings, progress=True)
    step("Matching reports to sites, clustering the rest, scoring sites")
    with session_scope(engine) as session:
        matched = matching.match_reports(session=session, radius_m=settings.matching.radius_m)
        clustered = hotspots.cluster_reports(session=session, settings=settings.hotspots)
        scores = priority.compute_priority(session=session, settings=settings.priority)
        late = overdue(session=session)
    summary.reports = {
        N_("in file"): loaded.rows,
        N_("imported now"): loaded.imported,
        N_("duplicates (exact)"): loaded.duplicates,
        N_("duplicates (near)"): loaded.near_duplicates,
        N_("rejected (bad rows)"): loaded.rejected,
        N_("flagged"): loaded.flagged,
        N_("matched to a site"): matched.matched,
        N_("unmatched"): matched.unmatched,
        N_("overdue clocks"): len(late),
    }
    summary.hotspots = {
        N_("clusters"): clustered.clusters,
        N_("new"): len(clustered.created),
        N_("kept"): len(clustered.kept),
        N_("reports in hotspots"): clustered.clustered_reports,
    }
    summary.top_sites = scores.sort_values("score", ascending=False).head(10)


def _map_and_briefing(
    engine: Engine, summary: DemoSummary, *, out_dir: Path, settings: Settings, step: Step
) -> None:
    from geo.maps import write_outputs

    step("Drawing the offline overview map and the briefing PDF (headless Chromium)")
    summary.outputs.update(
        write_outputs(engine, out_dir, png=False, lang=settings.language, settings=settings.maps)
    )


def _patrol_plan(
    engine: Engine, summary: DemoSummary, *, out_dir: Path, budget_s: float, step: Step
) -> None:
    from geo.patrols.store import demo_plan

    step(f"Planning two weeks of patrols for four teams (solver budget {budget_s:g} s)")
    start = dt.date.today() + dt.timedelta(days=1)
    with session_scope(engine) as session:
        plan, plan_id, files = demo_plan(
            session=session, out_dir=out_dir, start=start, budget_s=budget_s
        )
    frame = plan.to_frame()
    summary.plan = {
        N_("plan id"): plan_id,
        N_("visits"): len(frame),
        N_("unplanned sites"): len(plan.unplanned),
    }
    written = [p for paths in files.values() for p in paths]
    summary.plan[N_("files")] = len(written)
    summary.outputs[N_("Patrol plan (CSV, XLSX, PDF, GPX, KML, ICS)")] = out_dir / "patroli"
