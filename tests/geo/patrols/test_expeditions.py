"""Multi-day expeditions: overnight places as depots, days away, shift hours, reasons."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from sqlalchemy.orm import Session

from geo.patrols import Base, SiteTask, Team, plan
from geo.patrols.prizes import tasks_from_frame
from geo.patrols.rivers import RiverTravel, load_rivers
from geo.patrols.store import default_teams
from geo.patrols.travel import HaversineTravel

DATA = Path(__file__).resolve().parents[3] / "data"
SMD = Base("SMD", "Samarinda", 117.1328, -0.4786)
CAMP = Base("KMP", "Kamp Hulu", 116.0, -0.3)
START = dt.date(2026, 12, 1)  # a Tuesday: Tue-Fri are consecutive working days
FAST = {"budget_s": 2.0, "max_iterations": 400}


def _far(code: str, lon: float, lat: float, **kw: object) -> SiteTask:
    return SiteTask(code, f"Site {code}", lon, lat, priority=80.0, service_min=60, **kw)  # type: ignore[arg-type]


def _team(days_away: int, **kw: object) -> Team:
    return Team("TIM-1", SMD, max_drive_h=6.0, max_days_away=days_away, **kw)  # type: ignore[arg-type]


def _checks_shift(p: object) -> None:
    for r in p.routes:  # type: ignore[attr-defined]
        team = next(t for t in p.teams if t.code == r.team)  # type: ignore[attr-defined]
        early, late = team.shift_seconds
        start = r.depart.hour * 3600 + r.depart.minute * 60
        end = r.back.hour * 3600 + r.back.minute * 60 + r.back.second
        assert early <= start and end <= late, (r.team, r.date, r.depart, r.back)
        assert r.drive_min <= team.max_drive_h * 60 + 0.1


def test_far_sites_are_planned_with_a_night_at_the_camp() -> None:
    sites = [_far("F-1", 115.95, -0.25), _far("F-2", 116.05, -0.36), _far("N-1", 117.1, -0.45)]
    p = plan(sites, [_team(3)], start=START, days=4, places=[CAMP], **FAST)
    assert {v.site_code for v in p.visits} == {"F-1", "F-2", "N-1"}
    (trip,) = p.itineraries
    assert trip.place == "KMP" and trip.days_away <= 3 and trip.nights
    assert set(trip.nights) == {"KMP"}
    legs = [(leg.start, leg.end) for leg in trip.legs]
    assert legs[0] == ("SMD", "KMP") and legs[-1] == ("KMP", "SMD")
    by_day = {r.date: r for r in p.routes}
    far_days = {v.date for v in p.visits if v.site_code.startswith("F")}
    assert all(by_day[d].start_code == "KMP" or by_day[d].end_code == "KMP" for d in far_days)
    assert by_day[trip.legs[0].day].sleeps_at == "KMP"
    assert by_day[trip.legs[-1].day].sleeps_at is None
    _checks_shift(p)


def test_reason_for_each_unplanned_case() -> None:
    sites = [
        _far("FAR", 115.95, -0.25),
        _far("SEALED", 117.1, -0.45, status="sealed"),
        _far("RECENT", 117.12, -0.46, last_inspected=START - dt.timedelta(days=3)),
        _far("MOON", 114.0, 1.5),  # no overnight place within a day of it
    ]
    p = plan(sites, [_team(2)], start=START, days=4, places=[CAMP], **FAST)
    reasons = {u.site_code: (u.reason, str(u.detail)) for u in p.unplanned}
    assert reasons["SEALED"][0] == "excluded_status"
    assert reasons["RECENT"][0] == "recently_inspected"
    assert reasons["MOON"][0] == "too_far"
    assert reasons["FAR"][0] == "beyond_max_days"
    assert "3 days" in reasons["FAR"][1] and "2 days" in reasons["FAR"][1]
    assert p.itineraries == []
    # Away enough, but the only team is off two of the three days it would need.
    off = frozenset({START + dt.timedelta(days=1), START + dt.timedelta(days=3)})
    p = plan(sites[:1], [_team(3, unavailable=off)], start=START, days=4, places=[CAMP], **FAST)
    (u,) = p.unplanned
    assert u.reason == "no_team_available" and "3 days" in str(u.detail)


def test_times_are_in_the_teams_zone() -> None:
    p = plan([_far("N-1", 117.1, -0.45)], [_team(1)], start=START, days=1, **FAST)
    (v,) = p.visits
    assert v.start.tzinfo is not None and str(v.start.tzinfo) == "Asia/Makassar"
    assert v.start.utcoffset() == dt.timedelta(hours=8)
    assert dt.time(7, 30) <= v.start.time() <= dt.time(16, 30)
    assert p.routes[0].depart.time() == dt.time(7, 30)


def demo_inputs() -> tuple[list[SiteTask], list[Team], list[Base], RiverTravel]:
    sites = gpd.read_file(DATA / "sites.geojson")
    for column in ("first_reported", "last_inspected"):
        sites[column] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in sites[column]]
    bases = gpd.read_file(DATA / "bases.geojson")
    teams = [dataclasses.replace(t, max_days_away=5) for t in default_teams(bases, 4, sites=sites)]
    frames = [bases, gpd.read_file(DATA / "overnight_places.geojson")]
    places = [
        Base(r.code, r.name, r.geometry.x, r.geometry.y) for f in frames for r in f.itertuples()
    ]
    travel = RiverTravel(load_rivers(DATA / "demo_rivers.geojson"), HaversineTravel())
    return tasks_from_frame(sites, today=START), teams, places, travel


@pytest.mark.slow
def test_demo_plan_leaves_no_interior_site_too_far() -> None:
    tasks, teams, places, travel = demo_inputs()
    p = plan(tasks, teams, start=START, days=10, places=places, travel=travel, budget_s=8, seed=0)
    reasons = {u.site_code: u.reason for u in p.unplanned}
    assert not [c for c, r in reasons.items() if r in ("too_far", "beyond_max_days")]
    interior = [t.code for t in tasks if t.code.startswith(("KBR", "MHU"))]
    planned = {v.site_code for v in p.visits}
    assert all(c in planned or reasons[c] == "excluded_status" for c in interior)
    assert all(trip.days_away <= 5 for trip in p.itineraries)
    _checks_shift(p)
    assert len(p.summary()) == 4 and (p.summary()["idle_days"] >= 0).all()


@pytest.fixture(scope="module")
def river_plan() -> object:
    """A 3-day expedition upriver to a camp, by boat (the road is made very winding)."""
    from geo.patrols.rivers import RiverNetwork

    net = RiverNetwork.from_features(
        [
            {"kind": "river", "coords": [(117.13, -0.48), (116.6, -0.35), (116.0, -0.3)]},
            {"kind": "launch", "code": "L-SMD", "coords": [(117.13, -0.48)]},
            {"kind": "launch", "code": "L-KMP", "coords": [(116.0, -0.3)]},
        ]
    )
    travel = RiverTravel(net, HaversineTravel(detour=2.5), river_kmh=40, transfer_min=10)
    sites = [
        _far("F-1", 115.95, -0.25),
        _far("F-2", 116.05, -0.36),
        _far("SEALED", 117.1, -0.45, status="sealed"),
    ]
    return plan(sites, [_team(3)], start=START, days=3, places=[CAMP], travel=travel, **FAST)


def test_gpx_has_overnight_places_river_legs_and_wita(river_plan: object, tmp_path: Path) -> None:
    import gpxpy

    from geo.patrols.exports import to_gpx

    p = river_plan
    assert p.total_boat_h > 0  # type: ignore[attr-defined]
    with to_gpx(p, tmp_path / "p.gpx", lang="en").open(encoding="utf-8") as fh:  # type: ignore[arg-type]
        gpx = gpxpy.parse(fh)
    lodging = [w for w in gpx.waypoints if w.symbol == "Lodging"]
    assert [w.name for w in lodging] == ["KMP"]
    assert lodging[0].longitude == pytest.approx(CAMP.lon)
    sites = [w for w in gpx.waypoints if w.symbol != "Lodging"]
    assert {w.name for w in sites} == {"F-1", "F-2"}
    assert all(w.time.utcoffset() == dt.timedelta(hours=8) for w in sites)
    assert all(dt.time(7, 30) <= w.time.time() <= dt.time(16, 30) for w in sites)
    rivers = [trk for trk in gpx.tracks if trk.type == "river"]
    assert rivers and len(rivers[0].segments[0].points) >= 3
    first = gpx.routes[0]
    assert first.points[0].name == "SMD" and first.points[-1].name == "KMP"


def test_kml_is_styled_per_team_with_overnight_places(river_plan: object, tmp_path: Path) -> None:
    from lxml import etree

    from geo.patrols.exports import to_kml

    root = etree.parse(str(to_kml(river_plan, tmp_path / "p.kml")))  # type: ignore[arg-type]
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    folders = root.xpath("//k:Folder/k:name/text()", namespaces=ns)
    assert folders == ["kunjungan", "rute", "tempat menginap", "ruas sungai"]
    assert "team-TIM-1" in root.xpath("//k:Style/@id", namespaces=ns)
    night = root.xpath("//k:Folder[k:name='tempat menginap']/k:Placemark", namespaces=ns)
    assert len(night) == 1 and night[0].findtext("k:name", namespaces=ns).startswith("KMP")
    visits = "//k:Folder[k:name='kunjungan']/k:Placemark/k:styleUrl/text()"
    marks = root.xpath(visits, namespaces=ns)
    assert set(marks) == {"#team-TIM-1"}
    starts = root.xpath("//k:Placemark//k:Data[@name='start']/k:value/text()", namespaces=ns)
    assert starts and all(s.endswith("WITA") or s in ("SMD", "KMP") for s in starts)


def test_field_sheet_lists_unplanned_and_nights(river_plan: object, tmp_path: Path) -> None:
    from pypdf import PdfReader

    from geo.patrols.fieldsheet import to_pdf

    reader = PdfReader(to_pdf(river_plan, tmp_path / "p.pdf", lang="en"))  # type: ignore[arg-type]
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Sites not planned" in text and "SEALED" in text
    assert "Night at KMP" in text and "Expeditions" in text
    assert "WITA" in text


def test_stored_plan_keeps_the_expeditions(session: Session) -> None:
    from geo.patrols.models import PatrolPlan
    from geo.patrols.store import save_plan

    sites = [_far("F-1", 115.95, -0.25)]
    p = plan(sites, [_team(3)], start=START, days=3, places=[CAMP], **FAST)
    row = session.get(PatrolPlan, save_plan(p, session=session, actor="test"))
    assert row is not None
    (trip,) = row.params["expeditions"]
    assert trip["team"] == "TIM-1" and trip["place"] == "KMP"
    assert trip["legs"][0][1:] == ["SMD", "KMP"]
    assert row.params["teams"][0]["max_days_away"] == 3


def test_route_sketch_draws_the_day_with_its_river_legs(river_plan: object) -> None:
    from reportlab.graphics.shapes import Circle, PolyLine

    from geo.patrols.fieldsheet import route_sketch

    for day in river_plan.routes:  # type: ignore[attr-defined]
        shapes = route_sketch(day).contents
        lines = [s for s in shapes if isinstance(s, PolyLine)]
        assert len(lines) == len(day.river_legs) + 1
        assert len([s for s in shapes if isinstance(s, Circle)]) == len(day.visits)
    assert any(day.river_legs for day in river_plan.routes)  # type: ignore[attr-defined]
