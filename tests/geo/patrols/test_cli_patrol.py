import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo import bases, migrate, sites
from geo.db import make_engine
from geo.models import Site
from geo.patrols.models import Inspection, PatrolPlan
from tests.geo.patrols.osrm_standin import osrm_standin, used_standin

DATA = Path(__file__).resolve().parents[3] / "data"


def run_cli(
    *args: str, url: str, data_dir: Path | None = None, **env_vars: str
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PANTAU_DATABASE_URL": url, "COLUMNS": "200", **env_vars}
    if data_dir is not None:
        env["PANTAU_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "geo.cli", "patrol", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_plan_export_record_and_replan(fresh_database_url: str, tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url)
    migrate.upgrade(engine)
    sites.import_file(engine, DATA / "sites.geojson", actor="test")
    bases.import_file(engine, DATA / "bases.geojson")

    out = tmp_path / "rencana"
    first = run_cli(
        "plan",
        "--teams",
        "2",
        "--days",
        "2",
        "--start",
        "2026-08-14",
        "--budget",
        "20",
        "--iterations",
        "300",
        "--seed",
        "5",
        "--off",
        "TIM-2:2026-08-14",
        "--out",
        str(out),
        url=fresh_database_url,
        data_dir=tmp_path / "var",
    )
    assert first.returncode == 0, first.stderr
    assert "Rencana patroli 2026-08-14 – 2026-08-18" in first.stdout  # 17 Aug skipped
    assert "disimpan sebagai rencana 1" in first.stdout
    # A stored plan keeps its exports where the API serves them from, whoever made it.
    assert (tmp_path / "var" / "plans" / "1" / "lembar-kerja.pdf").is_file()
    assert {p.name for p in out.iterdir()} == {
        "rencana.csv",
        "rencana.xlsx",
        "lembar-kerja.pdf",
        "rencana.gpx",
        "rencana.kml",
        "kalender",
    }
    book = openpyxl.load_workbook(out / "rencana.xlsx")
    assert book.sheetnames[1:3] == ["TIM-1", "TIM-2"]
    code = book["TIM-1"]["C2"].value
    tim2_days = {row[0].date() for row in book["TIM-2"].iter_rows(min_row=2, values_only=True)}
    assert tim2_days == {dt.date(2026, 8, 18)}  # away on the 14th, 15-17 weekend and holiday

    gpx = tmp_path / "track.gpx"
    gpx.write_text(
        '<?xml version="1.0"?><gpx version="1.1" creator="t" '
        'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
        '<trkpt lat="-0.50" lon="117.10"></trkpt><trkpt lat="-0.51" lon="117.11"></trkpt>'
        "</trkseg></trk></gpx>"
    )
    rec = run_cli(
        "record",
        code,
        "sealed",
        "--team",
        "TIM-1",
        "--track",
        str(gpx),
        "--notes",
        "garis polisi",
        url=fresh_database_url,
    )
    assert rec.returncode == 0, rec.stderr
    assert "→ Disegel" in rec.stdout

    second = run_cli(
        "plan",
        "--teams",
        "2",
        "--days",
        "2",
        "--start",
        "2026-08-14",
        "--budget",
        "2",
        "--seed",
        "5",
        "--no-save",
        url=fresh_database_url,
    )
    assert second.returncode == 0, second.stderr
    with Session(engine) as session:
        assert session.scalar(select(Site.status).where(Site.code == code)) == "sealed"
        assert session.scalar(select(func.count()).select_from(PatrolPlan)) == 1
        ins = session.scalar(select(Inspection).where(Inspection.site_code == code))
        assert ins is not None and ins.track is not None and ins.notes == "garis polisi"
    engine.dispose()

    bad = run_cli("plan", "--teams", "0", "--days", "2", url=fresh_database_url)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "`teams` harus berupa jumlah tim yang positif" in bad.stderr  # Indonesian by default
    # The same errors in English when asked for (PANTAU_LANGUAGE), naming the field.
    bad_days = run_cli("plan", "--days", "0", url=fresh_database_url, PANTAU_LANGUAGE="en")
    assert bad_days.returncode == 2 and "`days` must be" in bad_days.stderr
    bad_off = run_cli(
        "plan",
        "--off",
        "TIM-9:2026-08-14",
        "--no-save",
        url=fresh_database_url,
        PANTAU_LANGUAGE="en",
    )
    assert bad_off.returncode == 2 and "unknown teams ['TIM-9']" in bad_off.stderr
    bad_result = run_cli("record", code, "burned", url=fresh_database_url, PANTAU_LANGUAGE="en")
    assert bad_result.returncode == 2 and "`result` must be one of" in bad_result.stderr


def test_plan_follows_the_settings_osrm_url(fresh_database_url: str, tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url)
    migrate.upgrade(engine)
    sites.import_file(engine, DATA / "sites.geojson", actor="test")
    bases.import_file(engine, DATA / "bases.geojson")
    engine.dispose()
    args = (
        "plan",
        "--teams",
        "2",
        "--days",
        "1",
        "--start",
        "2026-08-14",
        "--budget",
        "5",
        "--iterations",
        "100",
        "--no-save",
    )
    with osrm_standin() as osrm:
        run = run_cli(
            *args,
            "--out",
            str(tmp_path / "osrm"),
            url=fresh_database_url,
            PANTAU_PATROLS_OSRM_URL=osrm.url,
        )
    assert run.returncode == 0, run.stderr
    assert osrm.calls, "the CLI never asked the OSRM server of the settings"
    legs = pd.read_csv(tmp_path / "osrm" / "rencana.csv")[["travel_min", "travel_km"]]
    assert used_standin([tuple(r) for r in legs.itertuples(index=False)])

    plain = run_cli(*args, "--out", str(tmp_path / "plain"), url=fresh_database_url)
    assert plain.returncode == 0, plain.stderr
    legs = pd.read_csv(tmp_path / "plain" / "rencana.csv")[["travel_min", "travel_km"]]
    assert not used_standin([tuple(r) for r in legs.itertuples(index=False)])
