from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from geo import migrate, sites
from geo.db import make_engine
from geo.reports.clocks import evaluate
from geo.reports.demo import DEMO_DIR, load_demo_reports
from geo.settings import Settings
from tests.common import TEST_SECRET_KEY

NOW = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)


def test_generator_is_reproducible(tmp_path: Path) -> None:
    script = DEMO_DIR / "generate_reports.py"
    for out in (tmp_path / "a", tmp_path / "b"):
        out.mkdir()
        subprocess.run(
            [sys.executable, str(script), "--out", str(out), "-n", "300"],
            check=True,
            capture_output=True,
        )
    for name in ("demo_reports.csv", "demo_reports_rejects.csv", "evidence/demo-001.jpg"):
        a, b = (
            hashlib.sha256((d / name).read_bytes()).hexdigest()
            for d in (tmp_path / "a", tmp_path / "b")
        )
        assert a == b, name


def test_demo_reports_load_twice_with_the_expected_mix(
    fresh_database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(fresh_database_url)
    migrate.upgrade(engine)
    sites.import_file(engine, DEMO_DIR / "sites.geojson", actor="test")
    settings = Settings(
        environment="test",
        database={"url": fresh_database_url},
        data_dir=tmp_path,
        secret_key=TEST_SECRET_KEY,
    )
    first = load_demo_reports(engine=engine, settings=settings, now=NOW, progress=False)
    assert first.rows > 2000
    assert first.rejected == 40  # every bad row refused
    assert first.duplicates >= 20  # exact repeats never stored twice
    assert first.imported == first.rows - first.duplicates
    assert 50 <= first.near_duplicates <= 150
    assert first.flagged >= 50  # outside the area, photo far or old, described only
    assert first.advanced > 500 and first.overdue > 50

    with engine.connect() as conn:
        statuses = dict(
            conn.execute(text("SELECT status, count(*) FROM reports GROUP BY status")).all()
        )
        flags = dict(
            conn.execute(text("SELECT f, count(*) FROM reports, unnest(flags) f GROUP BY f")).all()
        )
        photos = conn.execute(text("SELECT count(*) FROM report_evidence")).scalar()
        exif_located = conn.execute(
            text("SELECT count(*) FROM reports WHERE location_source = 'exif'")
        ).scalar()
    assert {"received", "verified", "assigned", "closed", "rejected"} <= set(statuses)
    assert {"outside_aoi", "exif_far", "exif_old", "no_location"} <= set(flags)
    assert photos == 60 and exif_located >= 55

    with engine.connect() as conn:
        from sqlalchemy.orm import Session

        with Session(bind=conn) as session:
            clocks = evaluate(session=session, now=NOW, include_stopped=True)
    assert {c.state for c in clocks} >= {"met", "overdue"}

    again = load_demo_reports(engine=engine, settings=settings, now=NOW, progress=False)
    assert (again.imported, again.advanced) == (0, 0)
    assert again.near_duplicates == first.near_duplicates
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM reports")).scalar() == first.imported
    engine.dispose()
