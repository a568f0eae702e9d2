"""``pantau layers import|list|classify|show`` on a database of its own, in Indonesian."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from sqlalchemy import text

from geo import migrate, sites
from geo.db import make_engine, session_scope
from geo.settings import Settings
from tests.common import run_pantau
from tests.geo.alerts.conftest import add_report

DATA = Path(__file__).resolve().parents[3] / "data"


def _pantau(*args: str, url: str, settings: Settings) -> subprocess.CompletedProcess[str]:
    return run_pantau("layers", *args, url=url, secret_key=settings.secret_key)


def test_import_list_classify_show(fresh_database_url: str, settings: Settings) -> None:
    engine = make_engine(fresh_database_url)
    first = json.loads((DATA / "demo_wiup.geojson").read_text())["features"][0]
    ring = first["geometry"]["coordinates"][0]
    x, y = sum(p[0] for p in ring[:4]) / 4, sum(p[1] for p in ring[:4]) / 4
    try:
        migrate.upgrade(engine)
        sites.import_file(engine, DATA / "sites.geojson", actor="demo")
        with session_scope(engine) as session:  # a report inside the first permit
            add_report(session, x, y)
    finally:
        engine.dispose()
    url = fresh_database_url
    wiup = _pantau(
        "import",
        "wiup",
        str(DATA / "demo_wiup.geojson"),
        "--date",
        "2026-11-01",
        "--no-classify",
        url=url,
        settings=settings,
    )
    assert wiup.returncode == 0, wiup.stderr
    assert "bertanggal 1 November 2026" in wiup.stdout
    forest = _pantau(
        "import",
        "kawasan_hutan",
        str(DATA / "demo_kawasan_hutan.geojson"),
        url=url,
        settings=settings,
    )
    assert forest.returncode == 0, forest.stderr
    assert "109 objek diklasifikasikan (indikatif)" in forest.stdout
    assert "108 prioritas lokasi dihitung ulang" in forest.stdout
    listing = _pantau("list", url=url, settings=settings)
    assert "demo_wiup.geojson" in listing.stdout and "*" in listing.stdout
    run = _pantau("classify", "--on", "2026-11-01", url=url, settings=settings)
    assert run.returncode == 0 and "WIUP_BERAKHIR" in run.stdout
    site = first["properties"]["near_site"]
    shown = _pantau("show", site, url=url, settings=settings)
    assert shown.returncode == 0, shown.stderr
    assert "Kelas indikatif" in shown.stdout and "WIUP_OP" in shown.stdout
    assert "bukan temuan hukum" in shown.stdout
    # The site's and the report's own `show` carry the class, the layer dates and the guidance.
    site_show = run_pantau("sites", "show", site, url=url, secret_key=settings.secret_key)
    assert site_show.returncode == 0, site_show.stderr
    assert "Kelas indikatif" in site_show.stdout and "WIUP_OP" in site_show.stdout
    assert "1 November 2026" in site_show.stdout and "bukan temuan hukum" in site_show.stdout
    with make_engine(url).connect() as conn:
        report = conn.execute(text("SELECT code FROM reports")).scalar_one()
    report_show = run_pantau("reports", "show", report, url=url, secret_key=settings.secret_key)
    assert report_show.returncode == 0, report_show.stderr
    assert "WIUP_OP" in report_show.stdout and "bukan temuan hukum" in report_show.stdout
    en = run_pantau("--lang", "en", "sites", "show", site, url=url, secret_key=settings.secret_key)
    assert "Indicative class" in en.stdout and "not a legal finding" in en.stdout
    bad = _pantau("import", "tambang", str(DATA / "demo_wiup.geojson"), url=url, settings=settings)
    assert bad.returncode == 2 and "[kind]" in bad.stderr
    bad_day = _pantau("classify", "--on", "1/11/2026", url=url, settings=settings)
    assert bad_day.returncode == 2 and "[--on]" in bad_day.stderr
