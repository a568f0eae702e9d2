from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo import sites
from geo.demo import DEMO_DIR
from geo.errors import InputFileError, NotFound, ValidationError
from geo.models import Site, SiteAudit
from geo.settings import Settings
from tests.common import BOW_TIE, LOA_JANAN, TENGGARONG_PIT, site_row

FORMATS = ["geojson", "gpkg", "kml", "csv", "xlsx", "shp.zip"]


def write_rows(tmp_path: Path, rows: list[dict[str, object]], name: str = "s.geojson") -> Path:
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)
    path = tmp_path / name
    gdf.to_file(path, engine="pyogrio")
    return path


def audit_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(SiteAudit)) or 0


@pytest.fixture
def demo_sites(session: Session) -> sites.UpsertSummary:
    return sites.import_file(session, DEMO_DIR / "sites.geojson", actor="test")


def test_demo_import_creates_108_sites_with_one_audit_row_each(
    session: Session, demo_sites: sites.UpsertSummary
) -> None:
    assert len(demo_sites.created) == 108
    assert session.scalar(select(func.count()).select_from(Site)) == 108
    actions = session.scalars(select(SiteAudit.action)).all()
    assert actions.count("create") == 108 and len(actions) == 108


def test_reimport_is_idempotent_and_writes_no_audit(
    session: Session, demo_sites: sites.UpsertSummary
) -> None:
    before = audit_count(session)
    again = sites.import_file(session, DEMO_DIR / "sites.geojson", actor="test")
    assert len(again.unchanged) == 108 and not again.created and not again.updated
    assert audit_count(session) == before


@pytest.mark.parametrize("ext", FORMATS)
def test_export_round_trips_import(
    session: Session, demo_sites: sites.UpsertSummary, tmp_path: Path, ext: str
) -> None:
    path = sites.export_file(session, tmp_path / f"sites.{ext}")
    before = sites.load(session)
    summary = sites.import_file(session, path, actor="test")
    # Every site is recognised as already stored: nothing changed through the round trip.
    assert len(summary.unchanged) == 108, (summary.updated[:3], ext)
    # And the file really holds the data (read by GDAL independently of our importer).
    if ext == "shp.zip":
        layers = [n for n in zipfile.ZipFile(path).namelist() if n.endswith(".shp")]
        assert sum(len(gpd.read_file(f"/vsizip/{path}/{n}")) for n in layers) == 108
    elif ext == "xlsx":
        sheet = openpyxl.load_workbook(path).active
        assert sheet.max_row == 109 and sheet["A1"].font.b  # a header row and 108 sites
    elif ext != "csv":
        assert len(gpd.read_file(path, engine="pyogrio")) == 108
    assert sites.load(session).equals(before)


def test_changed_row_updates_and_audits_old_and_new_values(
    session: Session, tmp_path: Path
) -> None:
    sites.import_file(session, write_rows(tmp_path, [site_row()]), actor="ani")
    changed = site_row(status="active", geometry=TENGGARONG_PIT)
    summary = sites.import_file(session, write_rows(tmp_path, [changed], "b.geojson"), actor="budi")
    assert summary.updated == ["TST-001"]
    trail = sites.history(session, "tst-001")
    assert [(e["action"], e["actor"]) for e in trail] == [("create", "ani"), ("update", "budi")]
    assert trail[1]["changes"]["status"] == ["suspected", "active"]
    old_wkt, new_wkt = trail[1]["changes"]["geom"]
    assert shapely.from_wkt(old_wkt).equals(LOA_JANAN)
    assert shapely.from_wkt(new_wkt).geom_type == "Polygon"
    assert set(trail[1]["changes"]) == {"status", "geom"}


def test_csv_with_lat_lon_columns_and_a_projected_file_are_accepted(
    session: Session, tmp_path: Path
) -> None:
    csv = tmp_path / "sites.csv"
    csv.write_text(
        "kode,nama,kabupaten,komoditas,lintang,bujur\n"
        "CSV-1,Galian Uji,Samarinda,pasir,-0.51,117.10\n",
        encoding="utf-8",
    )
    sites.import_file(session, csv, actor="test")
    # What Indonesian Excel saves: ';' separators, decimal commas, day-first dates.
    excel = tmp_path / "excel.csv"
    excel.write_text(
        "kode;nama;kabupaten;komoditas;lintang;bujur;first_reported\n"
        "CSV-2;Galian Dua;Samarinda;pasir;-0,52;117,11;05/03/2025\n",
        encoding="utf-8",
    )
    sites.import_file(session, excel, actor="test")
    two = sites.load(session).loc["CSV-2"]
    assert (two.geometry.x, two.geometry.y) == (117.11, -0.52)
    assert two["first_reported"] == dt.date(2025, 3, 5)
    utm = gpd.GeoDataFrame([site_row("UTM-1")], geometry="geometry", crs=4326).to_crs(32750)
    utm.to_file(tmp_path / "utm.gpkg", engine="pyogrio")
    sites.import_file(session, tmp_path / "utm.gpkg", actor="test")
    loaded = sites.load(session)
    assert loaded.loc["CSV-1", "commodity"] == "pasir"
    assert loaded.loc["UTM-1", "geometry"].distance(LOA_JANAN) < 1e-6


BAD_CASES = {
    "invalid geometry": ({"geometry": BOW_TIE}, "geometry is invalid: Self-intersection"),
    "empty geometry": ({"geometry": shapely.Polygon()}, "geometry is empty"),
    "latitude out of range": ({"geometry": shapely.Point(117.1, 95.0)}, "latitude 95 is out of"),
    "swapped": (
        {"geometry": shapely.Point(-0.5, 117.1)},
        "latitude 117.1 is out of range [-90, 90]; longitude and latitude look swapped",
    ),
    "swapped in range": ({"geometry": shapely.Point(1.5, 116.0)}, "look swapped"),
    "outside Indonesia": ({"geometry": shapely.Point(151.2, -33.9)}, "is outside Indonesia"),
    "null island": ({"geometry": shapely.Point(0, 0)}, "null island"),
    "missing name": ({"name": None}, "name is missing"),
    "missing code": ({"code": None}, "code is missing"),
    "bad commodity": ({"commodity": "uranium"}, "commodity is 'uranium', expected one of"),
    "bad status": ({"status": "closed"}, "status is 'closed'"),
    "bad date": ({"first_reported": "kemarin"}, "first_reported is 'kemarin'"),
    "line geometry": (
        {"geometry": shapely.LineString([(117, -0.5), (117.1, -0.5)])},
        "geometry type is LineString",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_row_names_file_row_and_problem_and_writes_nothing(
    session: Session, tmp_path: Path, case: str
) -> None:
    overrides, expected = BAD_CASES[case]
    rows = [site_row("OK-001"), site_row(**{"code": "BAD-002", **overrides})]
    path = write_rows(tmp_path, rows)
    before = audit_count(session)
    with pytest.raises(InputFileError) as err:
        sites.import_file(session, path, actor="test")
    message = str(err.value)
    assert message.startswith("s.geojson: 1 bad row(s), nothing was imported")
    assert "row 2" in message and expected in message
    assert "row 1" not in message
    assert session.scalar(select(func.count()).select_from(Site)) == 0
    assert audit_count(session) == before


def test_csv_errors_name_the_spreadsheet_row(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(
        "code,name,kabupaten,commodity,lat,lon\n"
        "A-1,Satu,Samarinda,batubara,-0.5,117.1\n"
        "A-2,Dua,Samarinda,batubara,117.1,-0.5\n",
        encoding="utf-8",
    )
    with pytest.raises(InputFileError, match=r"row 3 \(code A-2\): latitude 117.1"):
        sites.import_file(session, path, actor="test")


def test_duplicate_codes_in_one_file(session: Session, tmp_path: Path) -> None:
    path = write_rows(tmp_path, [site_row("DUP-1"), site_row("dup-1")])
    expected = r"code DUP-1 appears twice in the file \(rows 1 and 2\)"
    with pytest.raises(InputFileError, match=expected):
        sites.import_file(session, path, actor="test")


def test_unknown_crs_is_refused(session: Session, tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame([site_row()], geometry="geometry", crs=None)
    gdf.to_file(tmp_path / "nocrs.shp", engine="pyogrio")
    with pytest.raises(InputFileError, match="coordinate reference system is unknown"):
        sites.import_file(session, tmp_path / "nocrs.shp", actor="test")


def test_missing_required_column(session: Session, tmp_path: Path) -> None:
    row = site_row()
    del row["commodity"]
    with pytest.raises(InputFileError, match=r"required column\(s\) \['commodity'\] missing"):
        sites.import_file(session, write_rows(tmp_path, [row]), actor="test")


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("broken.geojson", b'{"type": "FeatureCollection", "features": [', "unreadable geojson"),
        ("notes.txt", b"hello", "cannot tell the format from the extension '.txt'"),
        # Windows-1252 (old Excel) is read; bytes that are text in no encoding we read are not.
        ("binary.csv", b"kode,nama\nA,\x81\x8d\x8f\x90\n", "not a text file"),
        ("empty.zip", b"PK\x05\x06" + b"\0" * 18, "the zip holds no .shp file"),
    ],
)
def test_unreadable_files(
    session: Session, tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=expected):
        sites.import_file(session, path, actor="test")


def test_missing_file(session: Session, tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        sites.import_file(session, tmp_path / "nope.geojson", actor="test")


def test_update_validates_the_field_and_audits(session: Session, tmp_path: Path) -> None:
    sites.import_file(session, write_rows(tmp_path, [site_row()]), actor="test")
    with pytest.raises(ValidationError) as err:
        sites.update(session, "TST-001", {"status": "hilang"}, actor="x")
    assert err.value.field == "status"
    site = sites.update(
        session,
        "TST-001",
        {"last_inspected": dt.date(2026, 11, 2), "status": "inspected"},
        actor="petugas",
    )
    assert site.status == "inspected"
    last = sites.history(session, "TST-001")[-1]
    assert last["actor"] == "petugas"
    assert last["changes"]["last_inspected"] == [None, "2026-11-02"]
    with pytest.raises(NotFound):
        sites.update(session, "NOPE-1", {"status": "active"}, actor="x")


def test_load_filters(session: Session, demo_sites: sites.UpsertSummary) -> None:
    everything = sites.load(session)
    gold = sites.load(session, commodity="emas")
    assert 0 < len(gold) < len(everything)
    assert set(gold["commodity"]) == {"emas"}
    bbox = (116.9, -0.7, 117.3, -0.3)
    inside = sites.load(session, bbox=bbox)
    box = shapely.box(*bbox)
    expected = {c for c, g in everything.geometry.items() if g.intersects(box)}
    assert set(inside.index) == expected and expected
    assert everything.crs.to_epsg() == 4326


def test_demo_file_is_what_the_generator_writes(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen", DEMO_DIR / "generate_demo.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    paths = gen.write(tmp_path)
    for path in paths:
        assert path.read_bytes() == (DEMO_DIR / path.name).read_bytes()
    other = gen.generate_sites(seed=1)
    assert other != json.loads((DEMO_DIR / "sites.geojson").read_text())


def test_moving_or_creating_a_site_rematches_nearby_reports(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    from geo.reports import get_report, submit

    far_away = shapely.Point(117.30, -0.40)
    sites.import_file(session, write_rows(tmp_path, [site_row("MV-1")]), actor="test")
    # A report about 80 m from where the site is about to move, ~25 km from where it is now.
    result = submit(
        session=session,
        channel="hotline",
        lat=-0.4007,
        lon=117.3002,
        description="alat berat",
        settings=settings,
    )
    report = get_report(session=session, code=result.code)
    assert report.matched_site_id is None
    site = sites.update(session, "MV-1", {"geom": far_away}, actor="petugas")
    session.refresh(report)
    assert report.matched_site_id == site.id
    assert 50 < (report.match_distance_m or 0) < 120
    # And a new site created next to an unmatched report takes it.
    lone = submit(
        session=session,
        channel="web",
        lat=-0.2502,
        lon=117.0001,
        description="x",
        settings=settings,
    )
    created = sites.import_file(
        session,
        write_rows(tmp_path, [site_row("NEW-1", geometry=shapely.Point(117.0, -0.25))], "n.json"),
        actor="test",
    )
    assert created.created == ["NEW-1"]
    lone_report = get_report(session=session, code=lone.code)
    assert lone_report.matched_site_id == sites.get(session, "NEW-1").id


def test_a_bare_shp_name_is_refused_with_the_way_out(session: Session, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"sites.shp.zip") as info:
        sites.export_file(session, tmp_path / "sites.shp")
    assert info.value.field == "file" and not (tmp_path / "sites.shp").exists()


def test_gdal_opens_the_zipped_shapefile_as_it_is(
    session: Session, demo_sites: sites.UpsertSummary, tmp_path: Path
) -> None:
    import subprocess

    path = sites.export_file(session, tmp_path / "sites.shp.zip")
    info = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-al", str(path)], capture_output=True, text=True, check=True
    ).stdout
    counts = [
        int(line.split(":")[1]) for line in info.splitlines() if line.startswith("Feature Count")
    ]
    assert sum(counts) == 108
