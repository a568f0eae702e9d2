"""``pantau demo`` loads the synthetic layers and alerts and classifies everything by them.

Both provinces' demos: every permit class and forest function occurs among the sites, reports
and hotspots, alert patches are built and classified, and a second run adds no snapshot.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from geo import demo
from geo.db import make_engine
from geo.layers.config import FOREST_FUNCTIONS, PERMIT_CLASSES
from geo.settings import Settings


def _steps(engine: Engine, settings: Settings) -> demo.DemoSummary:
    """The demo's steps up to the scores (no map, no patrol plan: those are tested elsewhere)."""
    summary = demo.run(engine, settings=settings, full=False)
    data_dir = demo.demo_files(settings)
    demo._reports_and_hotspots(engine, summary, data_dir=data_dir, settings=settings, step=print)
    return summary


def _classes(engine: Engine) -> dict[str, set[str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT object_kind, permit_class, forest_flags FROM layer_classifications "
                "UNION ALL SELECT 'patch', permit_class, forest_flags FROM alert_patches"
            )
        ).all()
    out: dict[str, set[str]] = {}
    for kind, cls, flags in rows:
        out.setdefault(kind, set()).update([cls, *flags])
    return out


@pytest.mark.slow
def test_kaltim_demo_classifies_by_its_synthetic_layers_and_alerts(
    fresh_database_url: str, settings: Settings
) -> None:
    engine = make_engine(fresh_database_url)
    try:
        summary = _steps(engine, settings)
        found = _classes(engine)
        everything = found["site"] | found["report"] | found["hotspot"]
        assert set(PERMIT_CLASSES) <= everything, everything
        assert set(FOREST_FUNCTIONS) <= everything, everything
        assert set(PERMIT_CLASSES) <= found["site"]
        assert found["report"] - {None} and found["hotspot"] - {None}
        assert found["patch"] - {None}, "alert patches carry a class"
        assert summary.classes["LUAR_WIUP"] > summary.classes["WIUP_OP"] > 0
        assert summary.alerts["alert patches"] > 0
        assert summary.alerts["new candidates (no report near)"] > 0
        with engine.connect() as conn:
            matched = conn.execute(
                text("SELECT count(*) FROM alert_patches WHERE site_id IS NOT NULL")
            ).scalar_one()
            pts = conn.execute(
                text("SELECT count(*) FROM site_priority WHERE pts_alerts > 0")
            ).scalar_one()
        assert matched > 0 and pts > 0
        again = _steps(engine, settings)
        assert again.alerts["alerts imported now"] == 0
        with engine.connect() as conn:
            snapshots = conn.execute(
                text("SELECT kind, count(*) FROM layer_snapshots GROUP BY kind")
            ).all()
        assert dict(snapshots) == {"wiup": 1, "kawasan_hutan": 1}
    finally:
        engine.dispose()


@pytest.mark.slow
def test_kalteng_demo_gets_layers_of_its_own(
    fresh_database_url: str, settings: Settings, tmp_path: Path
) -> None:
    kalteng = demo.for_province(settings, "62").model_copy(update={"data_dir": tmp_path})
    engine = make_engine(fresh_database_url)
    try:
        summary = _steps(engine, kalteng)
        files = tmp_path / "demo" / "62"
        assert "KALIMANTAN TENGAH" in (files / "demo_wiup.geojson").read_text(encoding="utf-8")
        found = _classes(engine)
        assert set(PERMIT_CLASSES) <= found["site"] | found["report"] | found["hotspot"]
        assert summary.alerts["alert patches"] > 0
    finally:
        engine.dispose()
