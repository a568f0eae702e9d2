"""Doctests of ``geo/`` and ``api/`` run against a real PostGIS database, as the tests do.

``pytest`` collects the docstring examples of every module under ``geo/`` and ``api/``
(``--doctest-modules`` in ``pyproject.toml``). An example may use these names without importing
them:

``engine``
    An engine on a database of its own for the doctests, migrated, holding the synthetic demo
    data of ``data/`` as ``pantau demo`` leaves it: the 108 sites, the field bases, the public
    reports matched to sites, the rest clustered into hotspots, and every site's priority.
``session``
    A session on that database inside a transaction rolled back after the example, so that
    examples that write leave nothing behind (``session.commit()`` commits a SAVEPOINT).
``settings``
    :class:`~geo.settings.Settings` pointing at that database, with a temporary data folder.
``geo``, ``dt``, ``Path``
    The library, :mod:`datetime` and :class:`pathlib.Path`.

Made only for the examples that name them (they take a moment):

``code``
    The tracking code of a ``received`` demo report matched to a site.
``sites``, ``teams``
    The registry as :func:`geo.sites.load` returns it, and two teams at the demo bases.
``plan``
    A small patrol plan (two teams, two days) over the demo registry.
``m``
    The offline overview map of the demo data (a ``folium.Map``).

A file name ending in ``.jpg`` that an example mentions exists as a small photo, and one
ending in ``.osm.pbf`` as a small OpenStreetMap extract near Samarinda (a town, a road, a river).

Examples that draw a PDF or PNG run headless Chromium and tilemaker, as ``make test`` installs
them (``scripts/setup-browser``, ``scripts/setup-system``).

Each example runs in a temporary working directory whose ``data`` links to the repository's
``data/`` folder, so ``"data/sites.geojson"`` reads the demo file and ``"out/map.html"`` is
written somewhere thrown away. ``geo.connect()`` returns the doctest engine.
"""

from __future__ import annotations

import datetime as dt
import re
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.common import TEST_SECRET_KEY, write_osm_extract

ROOT = Path(__file__).resolve().parent

#: Files a doctest run must not import: entry points that run the CLI, Alembic's environment.
collect_ignore = ["geo/__main__.py", "geo/cli/__main__.py", "geo/migrations"]


@pytest.fixture(scope="session")
def doctest_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """Make the doctests' own database: demo registry, bases and reports, matched, clustered."""
    from geo import bases, hotspots, matching, migrate, priority, sites
    from geo.db import make_engine, session_scope
    from geo.reports.demo import load_demo_reports
    from geo.settings import Settings
    from tests.dbutil import throwaway_database

    with throwaway_database("pantau_doctest") as url:
        settings = Settings(
            environment="test",
            database={"url": url},
            data_dir=tmp_path_factory.mktemp("doctest-var"),
            secret_key=TEST_SECRET_KEY,
            _env_file=None,
        )
        eng = make_engine(url)
        migrate.upgrade(eng)
        sites.import_file(eng, ROOT / "data" / "sites.geojson", actor="demo", settings=settings)
        bases.import_file(eng, ROOT / "data" / "bases.geojson", settings=settings)
        load_demo_reports(engine=eng, settings=settings, progress=False)
        with session_scope(eng) as session:
            matching.match_reports(session=session, radius_m=settings.matching.radius_m)
            hotspots.cluster_reports(session=session, settings=settings.hotspots)
            priority.compute_priority(session=session, settings=settings.priority)
        yield eng
        eng.dispose()


@pytest.fixture(autouse=True)
def _doctest_globals(request: pytest.FixtureRequest) -> Iterator[None]:
    """For a doctest, fill its namespace and roll its writes back afterwards; else nothing."""
    from _pytest.doctest import DoctestItem

    if not isinstance(request.node, DoctestItem):
        yield
        return
    yield from _doctest_database(
        request,
        request.getfixturevalue("doctest_namespace"),
        request.getfixturevalue("monkeypatch"),
        request.getfixturevalue("tmp_path"),
    )


def _doctest_database(
    request: pytest.FixtureRequest,
    doctest_namespace: dict[str, object],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[None]:
    import geo
    import geo.db
    from geo.settings import Settings

    engine: Engine = request.getfixturevalue("doctest_engine")
    settings = Settings(
        environment="test",
        database={"url": engine.url.render_as_string(hide_password=False)},
        data_dir=tmp_path / "var",
        secret_key=TEST_SECRET_KEY,
        _env_file=None,
    )
    source = "\n".join(e.source for e in request.node.dtest.examples)
    module_globals = request.node.dtest.globs
    (tmp_path / "data").symlink_to(ROOT / "data")
    for name in set(re.findall(r"[\w-]+\.jpg", source)):
        _photo(tmp_path / name)
    for name in set(re.findall(r"[\w-]+\.osm\.pbf", source)):
        write_osm_extract(tmp_path / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(geo.db, "_default", engine)
    with engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        doctest_namespace.update(
            engine=engine, session=session, settings=settings, geo=geo, dt=dt, Path=Path
        )
        for name, make in _LAZY.items():
            # A package's submodule of the same name (``geo.patrols.teams``) does not count as
            # the example defining it: whether it is set depends on what was imported before.
            own = module_globals.get(name)
            defined = own is not None and not isinstance(own, types.ModuleType)
            if re.search(rf"\b{name}\b", source) and not defined:
                doctest_namespace[name] = make(request, session)
            else:
                doctest_namespace.pop(name, None)
        try:
            yield
        finally:
            session.close()
            outer.rollback()


def _photo(path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (64, 48), (120, 90, 40)).save(path, "JPEG")


@pytest.fixture(scope="session")
def doctest_plan(doctest_engine: Engine) -> object:
    """Plan over the demo registry once: two teams, two days, one second of solving."""
    from geo.patrols.store import plan_from_db

    with Session(doctest_engine) as session:
        return plan_from_db(
            session=session, start=dt.date(2026, 12, 1), days=2, teams=2, budget_s=1
        )


@pytest.fixture(scope="session")
def doctest_map(doctest_engine: Engine) -> object:
    """Draw the offline overview map of the demo data once."""
    import geo.maps
    from geo.maps.options import MapOptions
    from geo.settings import Settings

    return geo.maps.overview(
        doctest_engine, MapOptions(offline=True), settings=Settings(_env_file=None).maps
    )


def _code(request: pytest.FixtureRequest, session: Session) -> str:
    from sqlalchemy import select

    from geo.reports.models import Report, ReportMatch

    query = (
        select(Report.code)
        .join(ReportMatch, ReportMatch.report_id == Report.id)
        .where(Report.status == "received", ReportMatch.site_id.is_not(None))
        .order_by(Report.id)
        .limit(1)
    )
    return str(session.scalars(query).one())


def _sites(request: pytest.FixtureRequest, session: Session) -> object:
    import geo.sites

    return geo.sites.load(request.getfixturevalue("doctest_engine"))


def _teams(request: pytest.FixtureRequest, session: Session) -> object:
    import geo.bases
    import geo.sites
    from geo.patrols.store import default_teams

    engine = request.getfixturevalue("doctest_engine")
    return default_teams(geo.bases.load(engine), 2, sites=geo.sites.load(engine))


_LAZY: dict[str, Callable[[pytest.FixtureRequest, Session], object]] = {
    "code": _code,
    "sites": _sites,
    "teams": _teams,
    "plan": lambda request, _: request.getfixturevalue("doctest_plan"),
    "m": lambda request, _: request.getfixturevalue("doctest_map"),
}
