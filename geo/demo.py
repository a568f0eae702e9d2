"""The main job on the demo data, end to end.

:func:`run` migrates the database, loads the synthetic registry and bases, imports the synthetic
public reports, matches them to sites, clusters the rest into hotspots, imports the synthetic
permit (WIUP) and forest-estate layers and satellite alerts and classifies every site, report,
hotspot and alert patch by them (indicative), scores every site, writes
the offline overview map and the briefing PDF, and makes a two-week plan for four teams with all
its exports. ``pantau demo`` calls it; it is safe to run any number of times (imports are
idempotent, matching and clustering keep their identities, a new plan is saved per run).

The demo is Kalimantan Timur's unless the settings name another province
(:func:`for_province`): ``pantau demo --province 62`` writes Kalimantan Tengah's smaller
synthetic files into ``<data_dir>/demo/62/`` (:func:`demo_files`) and runs the same steps with
that province's titles, area and time zone (WIB).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from geo import accounts, bases, migrate, sites
from geo.db import session_scope
from geo.errors import N_, Conflict
from geo.province import DEFAULT_PROVINCE, load_province
from geo.settings import Settings

__all__ = ["DEMO_DIR", "DemoSummary", "demo_files", "for_province", "run"]

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
    #: Indicative classes (synthetic layers): permit classes and forest flags, objects each.
    classes: dict[str, int] = field(default_factory=dict)
    #: Satellite alerts (synthetic): alerts, patches, new candidates, corroborated reports.
    alerts: dict[str, int] = field(default_factory=dict)
    top_sites: pd.DataFrame | None = None
    plan: dict[str, object] = field(default_factory=dict)
    outputs: dict[str, Path] = field(default_factory=dict)
    #: One console account per role, made in development only (none elsewhere).
    console_users: list[accounts.DemoUser] = field(default_factory=list)


def _noop(_: str) -> None:
    return None


def for_province(settings: Settings, province: str) -> Settings:
    """Return ``settings`` for ``province`` (a code or a name), with that province's area.

    Examples
    --------
    >>> s = for_province(settings, "Kalimantan Tengah")
    >>> s.province, s.province_profile.zone_label, s.aoi_bbox[0]
    ('62', 'WIB', 110.5)
    """
    profile = load_province(province)
    if profile.code == settings.province:
        return settings
    return settings.model_copy(update={"province": profile.code, "aoi_bbox": profile.aoi_bbox})


def _generator(name: str) -> Any:
    """Import one of the generator scripts of ``data/`` (they are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"pantau_{name}", DEMO_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def demo_files(settings: Settings) -> Path:
    """Return the folder of the province's synthetic demo files, writing them when missing.

    Kalimantan Timur's are shipped in ``data/``; another province's are generated (seeded, so
    always the same) into ``<data_dir>/demo/<code>/``.

    Examples
    --------
    >>> demo_files(settings) == DEMO_DIR
    True
    """
    code = settings.province
    if code == DEFAULT_PROVINCE:
        return DEMO_DIR
    folder = Path(settings.data_dir) / "demo" / code
    if not (folder / "demo_reports_rejects.csv").is_file():
        _generator("generate_demo").write(folder, province=code)
        _generator("generate_reports").generate(
            sites_path=folder / "sites.geojson", out=folder, province=code
        )
    if not (folder / "demo_alerts.json").is_file():
        _generator("generate_layers").write(folder, province=settings.province_profile.name.upper())
    return folder


def _refuse_other_province(engine: Engine, settings: Settings) -> None:
    """Refuse to mix a province's demo into a database holding another province's sites."""
    profile = settings.province_profile
    with engine.connect() as conn:
        found = conn.execute(text("SELECT DISTINCT kabupaten FROM sites")).scalars().all()
    foreign = sorted(set(found) - set(profile.kabupaten))
    if foreign:
        raise Conflict.of(
            N_(
                "this database holds sites outside {province} ({kabupaten}); run the demo of "
                "another province against its own database (PANTAU_DATABASE_URL)"
            ),
            field="province",
            province=profile.name,
            kabupaten=", ".join(foreign[:3]),
        )


def run(
    engine: Engine,
    *,
    settings: Settings,
    data_dir: Path | None = None,
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
        Folder of the synthetic demo files (default: the province's, :func:`demo_files`).
    out_dir
        Where the map, the briefing and the patrol exports go (default ``out/demo``, or
        ``out/demo/<code>`` for a province other than Kalimantan Timur).
    settings
        The settings tree (secret key, data folder, province, and every section the steps read),
        injected by the adapter: ``pantau demo`` passes the CLI context's
        (:func:`for_province` of it with ``--province``).
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
    other = settings.province != DEFAULT_PROVINCE
    out_dir = Path(out_dir or ("out/demo/" + settings.province if other else "out/demo"))
    data_dir = data_dir or demo_files(settings)
    step("Migrating the database")
    migrate.upgrade(engine)
    if other:
        _refuse_other_province(engine, settings)
    step("Loading the site registry and field team bases")
    site_summary = sites.import_file(
        engine, data_dir / "sites.geojson", actor="demo", settings=settings
    )
    created, _ = bases.import_file(engine, data_dir / "bases.geojson", settings=settings)
    places = data_dir / "overnight_places.geojson"
    if places.exists():  # villages and camps for expeditions (approximate; Kaltim's demo only)
        with session_scope(engine) as session:
            bases.import_places(session, places, settings=settings)
    frame = sites.load(engine)
    table = (
        frame.groupby(["kabupaten", "status"])
        .size()
        .unstack(fill_value=0)
        .assign(total=lambda t: t.sum(axis=1))
        .sort_values("total", ascending=False)
    )
    summary = DemoSummary(sites=site_summary, bases_created=created, by_kabupaten=table)
    with session_scope(engine) as session:
        summary.console_users = accounts.ensure_demo_users(
            session=session, environment=settings.environment
        )
    if full:
        _reports_and_hotspots(engine, summary, data_dir=data_dir, settings=settings, step=step)
        _map_and_briefing(engine, summary, out_dir=out_dir, settings=settings, step=step)
        # Kaltim's plan as it always was; another province plans in its own area.
        plan_settings = settings if other else None
        _patrol_plan(
            engine,
            summary,
            out_dir=out_dir,
            budget_s=plan_budget_s,
            step=step,
            settings=plan_settings,
        )
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
        step("Classifying by the synthetic permit and forest layers and satellite alerts")
        _layers_and_alerts(session, summary, data_dir=data_dir, settings=settings)
        scores = priority.compute_priority(session=session, settings=settings.priority)
        late = overdue(session=session, zone=settings.province_profile.zone)
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


#: The date the synthetic layers carry (their "snapshot date").
DEMO_LAYER_DATE = dt.date(2026, 11, 1)


def _layers_and_alerts(
    session: Session, summary: DemoSummary, *, data_dir: Path, settings: Settings
) -> None:
    """Import the demo's synthetic layers (once) and alerts (idempotent), classify everything.

    A layer already imported from the same file is not imported again, so running the demo
    twice keeps one snapshot per layer; alerts already stored are skipped by their key.
    """
    from geo.alerts import service as alerts
    from geo.layers import service as layers
    from geo.layers.models import LayerSnapshot

    for kind in ("wiup", "kawasan_hutan"):
        path = data_dir / f"demo_{kind}.geojson"
        done = select(LayerSnapshot.id).where(
            LayerSnapshot.kind == kind, LayerSnapshot.source == path.name
        )
        if path.is_file() and session.scalars(done).first() is None:
            layers.import_layer(
                session=session,
                kind=kind,
                path=path,
                actor="demo",
                settings=settings,
                snapshot_date=DEMO_LAYER_DATE,
                reclassify=False,
            )
    alert_file = data_dir / "demo_alerts.json"
    if alert_file.is_file():
        loaded = alerts.import_alerts(
            session=session, settings=settings, path=alert_file, actor="demo"
        )
        built = loaded.patches
        summary.alerts = {
            N_("alerts in file"): loaded.rows_read,
            N_("alerts imported now"): loaded.added,
            N_("alert patches"): built.patches if built else 0,
            N_("new candidates (no report near)"): built.candidates if built else 0,
            N_("reports corroborated"): built.corroborated_reports if built else 0,
        }
    summary.classes = dict(layers.classify(session=session, settings=settings).by_class)


def _map_and_briefing(
    engine: Engine, summary: DemoSummary, *, out_dir: Path, settings: Settings, step: Step
) -> None:
    from geo.maps import write_outputs

    step("Drawing the offline overview map and the briefing PDF (headless Chromium)")
    summary.outputs.update(
        write_outputs(
            engine,
            out_dir,
            png=False,
            lang=settings.language,
            settings=settings.maps,
            province=settings.province_profile,
        )
    )


def _patrol_plan(
    engine: Engine,
    summary: DemoSummary,
    *,
    out_dir: Path,
    budget_s: float,
    step: Step,
    settings: Settings | None = None,
) -> None:
    from geo.patrols.store import demo_plan

    step(f"Planning two weeks of patrols for four teams (solver budget {budget_s:g} s)")
    start = dt.date.today() + dt.timedelta(days=1)
    with session_scope(engine) as session:
        plan, plan_id, files = demo_plan(
            session=session, out_dir=out_dir, start=start, budget_s=budget_s, settings=settings
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
