import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from geoalchemy2.shape import from_shape
from shapely import Point
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.errors import NotFound, ValidationError
from geo.models import FieldBase, Site, SiteAudit
from geo.patrols import Plan, Rules
from geo.patrols.inspections import record_inspection
from geo.patrols.models import Inspection, PatrolPlan, PatrolRoute, PatrolVisit
from geo.patrols.store import default_teams, load_bases, load_routes, plan_from_db, save_plan
from geo.reports.models import Report, ReportStatusHistory
from tests.geo.patrols.conftest import SMD, TGR, make_tasks

TODAY = dt.date.today()
START = TODAY + dt.timedelta(days=1)
FAST: dict[str, Any] = {"budget_s": 20.0, "max_iterations": 300, "seed": 3}


@pytest.fixture
def registry(session: Session) -> Session:
    for b in (SMD, TGR):
        session.add(FieldBase(code=b.code, name=b.name, kabupaten="Samarinda",
                              geom=from_shape(Point(b.lon, b.lat), srid=4326)))
    for i, t in enumerate(make_tasks(14)):
        session.add(Site(code=f"PTR-{i:03d}", name=t.name, kabupaten="Kutai Kartanegara",
                         commodity="batubara", status="active" if i % 2 else "suspected",
                         risk_level="high", geom=from_shape(Point(t.lon, t.lat), srid=4326)))
    session.flush()
    return session


def _plan(session: Session, **kw: Any) -> Plan:
    return plan_from_db(session=session, start=START, days=2, teams=2, today=TODAY,
                        **FAST, **kw)


def test_plan_from_db_save_and_load_routes(registry: Session) -> None:
    p = _plan(registry)
    assert {t.base.code for t in p.teams} == {"SMD", "TGR"}
    plan_id = save_plan(p, session=registry, actor="tester")
    stored = registry.get(PatrolPlan, plan_id)
    assert stored is not None and stored.working_days == 2
    n_visits = registry.scalar(select(func.count()).where(PatrolVisit.plan_id == plan_id))
    assert n_visits == len(p.visits) > 0
    visit = registry.scalars(select(PatrolVisit).where(PatrolVisit.plan_id == plan_id)).first()
    assert visit is not None and visit.site_id is not None
    routes = load_routes(session=registry)
    assert len(routes) == len(p.routes)
    assert set(routes.geom_type) == {"LineString"}
    assert registry.scalar(select(func.count()).select_from(PatrolRoute)) == len(routes)


def test_load_routes_without_plan(session: Session) -> None:
    with pytest.raises(NotFound):
        load_routes(session=session, plan_id=-1)


def test_default_teams_busiest_base_first(registry: Session) -> None:
    bases = load_bases(registry)
    from geo.patrols.store import load_sites
    teams = default_teams(bases, 3, sites=load_sites(registry))
    assert [t.code for t in teams] == ["TIM-1", "TIM-2", "TIM-3"]
    assert teams[0].base.code == teams[2].base.code  # two bases, three teams: wraps around
    with pytest.raises(Exception, match="positive number"):
        default_teams(bases, 0)


def test_recording_updates_site_audit_and_next_plan(registry: Session, tmp_path: Path) -> None:
    first = _plan(registry, rules=Rules(skip_within_days=30))
    planned = [v.site_code for v in first.visits]
    sealed_code, quiet_code = planned[0], planned[1]
    photo = tmp_path / "foto.jpg"
    photo.write_bytes(b"\xff\xd8 not really a jpeg")
    res = record_inspection(session=registry, site_code=sealed_code, result="sealed",
                            actor="tim-1", inspected_on=TODAY, team="TIM-1",
                            notes="police line", evidence=[photo],
                            track=[(117.1, -0.5), (117.11, -0.49)])
    assert (res.status_after, res.site_code) == ("sealed", sealed_code)
    record_inspection(session=registry, site_code=quiet_code, result="inactive",
                      actor="tim-2", inspected_on=TODAY - dt.timedelta(days=3))
    site = registry.scalar(select(Site).where(Site.code == sealed_code))
    assert site is not None and site.status == "sealed" and site.last_inspected == TODAY
    audit = registry.scalars(select(SiteAudit).where(SiteAudit.site_code == sealed_code)).all()
    assert audit[-1].actor == "tim-1"
    assert audit[-1].changes["status"][1] == "sealed"
    assert audit[-1].changes["last_inspected"][1] == TODAY.isoformat()
    assert "inspection" in (audit[-1].source or "")
    row = registry.scalar(select(Inspection).where(Inspection.site_code == sealed_code))
    assert row is not None and row.evidence[0]["name"] == "foto.jpg"
    assert len(row.evidence[0]["sha256"]) == 64 and row.status_before != "sealed"

    second = _plan(registry, rules=Rules(skip_within_days=30))
    reasons = {u.site_code: u.reason for u in second.unplanned}
    assert reasons[sealed_code] == "excluded_status"
    assert reasons[quiet_code] == "recently_inspected"
    assert sealed_code not in {v.site_code for v in second.visits}


def test_matched_reports_advance_and_close(registry: Session) -> None:
    site = registry.scalar(select(Site).where(Site.code == "PTR-001"))
    assert site is not None
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=5)
    codes = {"PTM-AAAAA1": "assigned", "PTM-AAAAA2": "follow_up_scheduled",
             "PTM-AAAAA3": "received"}
    for code, status in codes.items():
        registry.add(Report(code=code, channel="hotline", received_at=now,
                            location_source="described", status=status,
                            status_changed_at=now, matched_site_id=site.id))
    registry.flush()
    res = record_inspection(session=registry, site_code="PTR-001", result="equipment_seen",
                            actor="tim-1", inspected_on=TODAY)
    assert set(res.reports_advanced) == set(res.reports_closed) == {"PTM-AAAAA1", "PTM-AAAAA2"}
    status = {r[0]: r[1] for r in registry.execute(select(Report.code, Report.status))}
    assert status == {"PTM-AAAAA1": "closed", "PTM-AAAAA2": "closed", "PTM-AAAAA3": "received"}
    hist = registry.scalars(select(ReportStatusHistory.to_status).join(
        Report, Report.id == ReportStatusHistory.report_id).where(Report.code == "PTM-AAAAA1")
        .order_by(ReportStatusHistory.id)).all()
    assert list(hist)[-3:] == ["follow_up_scheduled", "inspected", "closed"]


def test_inactive_leaves_reports_inspected(registry: Session) -> None:
    site = registry.scalar(select(Site).where(Site.code == "PTR-002"))
    assert site is not None
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=5)
    registry.add(Report(code="PTM-BBBBB1", channel="web", received_at=now,
                        location_source="described", status="follow_up_scheduled",
                        status_changed_at=now, matched_site_id=site.id))
    registry.flush()
    res = record_inspection(session=registry, site_code="PTR-002", result="inactive",
                            actor="tim-1")
    assert res.reports_advanced == ("PTM-BBBBB1",) and res.reports_closed == ()
    assert registry.scalar(select(Report.status).where(Report.code == "PTM-BBBBB1")) == \
        "inspected"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"result": "burned"}, "result"),
        ({"inspected_on": TODAY + dt.timedelta(days=2)}, "inspected_on"),
        ({"actor": " "}, "actor"),
        ({"track": [(117.0, -0.5)]}, "track"),
        ({"visit_id": 999_999}, "visit_id"),
        ({"evidence": ["/nonexistent/foto.jpg"]}, "evidence"),
    ],
)
def test_bad_inspection_input(registry: Session, kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"site_code": "PTR-000", "result": "active", "actor": "tim-1"}
    args.update(kwargs)
    with pytest.raises(ValidationError) as err:
        record_inspection(session=registry, **args)
    assert err.value.field == field
    assert registry.scalar(select(func.count()).select_from(Inspection)) == 0


def test_unknown_site(registry: Session) -> None:
    with pytest.raises(NotFound):
        record_inspection(session=registry, site_code="NOPE-1", result="active", actor="x")


def test_schedule_matched_reports(registry: Session) -> None:
    from geo.patrols.store import schedule_matched_reports

    p = _plan(registry)
    visited = p.visits[0].site_code
    site = registry.scalar(select(Site).where(Site.code == visited))
    assert site is not None
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    for code, status in (("PTM-CCCCC1", "assigned"), ("PTM-CCCCC2", "verified")):
        registry.add(Report(code=code, channel="hotline", received_at=now,
                            location_source="described", status=status,
                            status_changed_at=now, matched_site_id=site.id))
    registry.flush()
    moved = schedule_matched_reports(p, session=registry, actor="planner")
    assert moved == ["PTM-CCCCC1"]
    status = {r[0]: r[1] for r in registry.execute(select(Report.code, Report.status))}
    assert status == {"PTM-CCCCC1": "follow_up_scheduled", "PTM-CCCCC2": "verified"}


def test_demo_plan_saves_and_exports(registry: Session, tmp_path: Path) -> None:
    from geo.patrols.store import demo_plan

    p, plan_id, files = demo_plan(session=registry, out_dir=tmp_path, start=START, budget_s=1)
    assert len(p.days) == 10 and len(p.teams) == 4
    assert registry.get(PatrolPlan, plan_id) is not None
    assert (tmp_path / "patroli" / "lembar-kerja.pdf").exists()
    assert len(files["ics"]) == 4


def test_priority_comes_from_reports_through_geo_priority(registry: Session) -> None:
    from geo.patrols.prizes import tasks_from_frame
    from geo.patrols.store import load_sites

    sites = load_sites(registry)
    before = {t.code: t.priority for t in tasks_from_frame(sites, today=TODAY, session=registry)}
    target = registry.scalar(select(Site).where(Site.code == "PTR-004"))
    assert target is not None
    for i in range(4):
        at = dt.datetime.now(dt.UTC) - dt.timedelta(days=i + 1)
        registry.add(Report(code=f"PTM-DDDDD{i}", channel="hotline", received_at=at,
                            observed_at=at, location_source="described", status="verified",
                            status_changed_at=at, matched_site_id=target.id,
                            reporter_hash=f"{i:064d}"))
    registry.flush()
    after = {t.code: t for t in tasks_from_frame(sites, today=TODAY, session=registry)}
    assert after["PTR-004"].priority > before["PTR-004"] + 10
    assert any("reports" in r for r in after["PTR-004"].reasons)
    assert after["PTR-006"].priority == before["PTR-006"]
