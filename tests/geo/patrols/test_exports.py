import dataclasses
import datetime as dt
from pathlib import Path

import gpxpy
import icalendar
import openpyxl
import pandas as pd
import pyogrio
import pytest
from pypdf import PdfReader

from geo.i18n import translator
from geo.labels import site_status_labels
from geo.patrols import Plan, SiteTask, Team, plan
from geo.patrols.exports import export_all, to_csv, to_gpx, to_ics, to_kml, to_xlsx
from geo.patrols.fieldsheet import tanggal, to_pdf
from tests.geo.patrols.conftest import START


@pytest.fixture
def small_plan(tasks: list[SiteTask], teams: list[Team]) -> Plan:
    tasks = [
        *tasks[:11],
        dataclasses.replace(tasks[11], name="Tambang <b>& 'Kutai'</b>", priority=99.0),
    ]
    return plan(tasks, teams, start=START, days=2, budget_s=20, max_iterations=300, seed=2)


def test_csv(small_plan: Plan, tmp_path: Path) -> None:
    frame = pd.read_csv(to_csv(small_plan, tmp_path / "p.csv"))
    assert len(frame) == len(small_plan.visits)
    first = small_plan.visits[0]
    row = frame.iloc[0]
    assert (row["team"], row["site_code"], row["start"]) == (
        first.team,
        first.site_code,
        f"{first.start:%H:%M}",
    )
    assert row["lat"] == pytest.approx(first.lat, abs=1e-6)


def test_xlsx_one_sheet_per_team(small_plan: Plan, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(to_xlsx(small_plan, tmp_path / "p.xlsx"))
    assert book.sheetnames == ["Ringkasan", "TIM-A", "TIM-B", "Tidak direncanakan"]
    for team in ("TIM-A", "TIM-B"):
        rows = list(book[team].iter_rows(values_only=True))
        assert rows[0][:3] == ("Tanggal", "Urutan", "Kode lokasi")
        codes = [r[2] for r in rows[1:]]
        assert codes == [v.site_code for v in small_plan.visits if v.team == team]
    left = list(book["Tidak direncanakan"].iter_rows(values_only=True))
    assert len(left) - 1 == len(small_plan.unplanned)


def test_gpx_waypoints_and_routes(small_plan: Plan, tmp_path: Path) -> None:
    with open(to_gpx(small_plan, tmp_path / "p.gpx"), encoding="utf-8") as fh:
        gpx = gpxpy.parse(fh)
    assert [w.name for w in gpx.waypoints] == [v.site_code for v in small_plan.visits]
    assert len(gpx.routes) == len(small_plan.routes)
    route, day = gpx.routes[0], small_plan.routes[0]
    assert route.name == f"{day.team} {day.date:%Y-%m-%d}"
    assert [(p.longitude, p.latitude) for p in route.points] == list(day.path)


def test_kml_read_by_gdal(small_plan: Plan, tmp_path: Path) -> None:
    path = to_kml(small_plan, tmp_path / "p.kml")
    layers = [name for name, _ in pyogrio.list_layers(path)]
    assert layers == ["kunjungan", "rute"]
    visits = pyogrio.read_dataframe(path, layer="kunjungan")
    assert list(visits["Name"]) == [v.site_code for v in small_plan.visits]
    assert visits.geometry.x.iloc[0] == pytest.approx(small_plan.visits[0].lon)
    # People read the attributes in Google Earth: labels, not codes.
    assert set(visits["status"]) <= set(site_status_labels(translator("id")).values())
    routes = pyogrio.read_dataframe(path, layer="rute")
    assert len(routes) == len(small_plan.routes)
    assert set(routes.geom_type) == {"LineString"}


def test_ics_per_team(small_plan: Plan, tmp_path: Path) -> None:
    paths = to_ics(small_plan, tmp_path)
    assert [p.name for p in paths] == ["TIM-A.ics", "TIM-B.ics"]
    cal = icalendar.Calendar.from_ical(paths[0].read_bytes())
    events = list(cal.walk("VEVENT"))
    visits = [v for v in small_plan.visits if v.team == "TIM-A"]
    assert len(events) == len(visits)
    assert events[0].decoded("dtstart") == visits[0].start
    assert events[0].decoded("dtend") == visits[0].end
    assert events[0]["geo"].latitude == pytest.approx(visits[0].lat)
    assert len({str(e["uid"]) for e in events}) == len(events)
    zones = [str(z["tzid"]) for z in cal.walk("VTIMEZONE")]
    assert zones == ["Asia/Makassar"]


def test_pdf_field_sheet_in_indonesian(small_plan: Plan, tmp_path: Path) -> None:
    reader = PdfReader(to_pdf(small_plan, tmp_path / "p.pdf"))
    assert len(reader.pages) >= 1 + len(small_plan.routes)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Lembar Kerja Patroli" in text and "Temuan" in text and "Catatan" in text
    assert tanggal(small_plan.routes[0].date) in text
    for v in small_plan.visits:
        assert v.site_code in text
    assert any("<b>" in v.site_name for v in small_plan.visits)
    assert "Tambang <b>& 'Kutai'</b>" in text  # escaped, printed as written


def test_tanggal() -> None:
    assert tanggal(dt.date(2026, 8, 17)) == "Senin, 17 Agustus 2026"


def test_export_all(small_plan: Plan, tmp_path: Path) -> None:
    written = export_all(small_plan, tmp_path / "out")
    assert set(written) == {"csv", "xlsx", "pdf", "gpx", "kml", "ics"}
    assert all(p.stat().st_size > 0 for paths in written.values() for p in paths)


#: English words and codes that must never reach a reader of the Indonesian exports.
ENGLISH = (
    "never inspected",
    "status active",
    "suspected",
    "active",
    "sealed",
    "too_far",
    "too far",
    "excluded_status",
    "recently_inspected",
    "lower_priority",
    "days ago",
    "equipment",
    "seized",
    "risk high",
    "reports (decayed)",
    "commodity",
    "priority",
)


@pytest.fixture
def plan_with_reasons(tasks: list[SiteTask], teams: list[Team]) -> Plan:
    """A plan whose sites carry both kinds of priority reasons, and sites left out."""
    from geo.patrols.prizes import fallback_priority, score_reasons

    out = []
    for i, t in enumerate(tasks[:10]):
        inspected = None if i % 2 else START - dt.timedelta(days=40)
        score, reasons = fallback_priority(t.status, "high", inspected, today=START)
        out.append(dataclasses.replace(t, priority=score, reasons=reasons, commodity="emas"))
    row = {
        "recent_reports": 2.5,
        "reporter_count": 3,
        "channel_count": 1,
        "days_since_inspection": None,
        "status": "active",
        "commodity": "emas",
        "pts_reports": 8.75,
        "pts_reporters": 9.0,
        "pts_channels": 3.3,
        "pts_inspection": 20.0,
        "pts_status": 10.0,
        "pts_commodity": 10.0,
    }
    out[0] = dataclasses.replace(out[0], reasons=score_reasons(row), priority=99.0)
    far = dataclasses.replace(tasks[10], code="FAR-1", lon=119.2, lat=2.5)
    sealed = dataclasses.replace(tasks[11], code="SEAL-1", status="sealed")
    recent = dataclasses.replace(tasks[12], code="RCT-1", last_inspected=START)
    return plan(
        [*out, far, sealed, recent],
        teams,
        start=START,
        days=2,
        budget_s=20,
        max_iterations=300,
        seed=2,
    )


def _english_in(text: str) -> list[str]:
    lowered = text.lower()
    return [word for word in ENGLISH if word in lowered]


def test_indonesian_field_sheet_has_no_english_codes(
    plan_with_reasons: Plan, tmp_path: Path
) -> None:
    reader = PdfReader(to_pdf(plan_with_reasons, tmp_path / "p.pdf", lang="id"))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "belum pernah diperiksa" in text and "Aktif" in text and "Emas" in text
    assert "Diduga" in text or "Aktif" in text
    assert not _english_in(text), _english_in(text)
    english = PdfReader(to_pdf(plan_with_reasons, tmp_path / "en.pdf", lang="en"))
    text_en = "\n".join(page.extract_text() for page in english.pages)
    assert "never inspected" in text_en and "Patrol Field Sheet" in text_en


def test_indonesian_workbook_has_no_english_codes(plan_with_reasons: Plan, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(to_xlsx(plan_with_reasons, tmp_path / "p.xlsx", lang="id"))
    cells = [
        str(c)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for c in row
        if isinstance(c, str)
    ]
    text = "\n".join(c for c in cells if c not in {"TIM-A", "TIM-B"})
    left = {row[0]: row for row in book["Tidak direncanakan"].iter_rows(values_only=True)}
    assert left["FAR-1"][3] == "terlalu jauh untuk satu hari dari pangkalan"
    assert left["SEAL-1"][3] == "status dikecualikan dari patroli"
    assert left["SEAL-1"][4] == "status Disegel"
    assert not _english_in(text), _english_in(text)


def test_plan_spreadsheets_run_no_formula(
    tasks: list[SiteTask], teams: list[Team], tmp_path: Path
) -> None:
    evil = '=HYPERLINK("http://evil.example","Tambang")'
    rigged = [
        dataclasses.replace(t, name=evil if i % 2 else t.name, priority=99.0)
        for i, t in enumerate(tasks[:8])
    ]
    p = plan(rigged, teams, start=START, days=2, budget_s=5, max_iterations=100, seed=2)
    assert any(v.site_name == evil for v in p.visits)
    book = openpyxl.load_workbook(to_xlsx(p, tmp_path / "p.xlsx"))
    cells = [c for s in book.worksheets for row in s.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    assert any(c.value == "'" + evil for c in cells)
    text = (to_csv(p, tmp_path / "p.csv")).read_text()
    assert "'" + evil.replace('"', '""') in text and f",{evil}" not in text
