import datetime as dt
import hashlib
import io
import itertools
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.errors import NotFound, ValidationError
from geo.models import Site, SiteAudit
from geo.patrols import Plan, Rules
from geo.patrols.inspections import (
    add_evidence,
    evidence_file,
    get_inspection,
    list_evidence,
    record_inspection,
)
from geo.patrols.models import (
    Inspection,
    InspectionEvidence,
    PatrolPlan,
    PatrolRoute,
    PatrolVisit,
)
from geo.patrols.store import default_teams, load_bases, load_routes, plan_from_db, save_plan
from geo.reports.config import ReportSettings
from geo.reports.evidence import evidence_path
from geo.reports.models import Evidence, Report, ReportStatusHistory
from geo.settings import Settings
from tests.geo.reports.conftest import make_jpeg

TODAY = dt.date.today()
START = TODAY + dt.timedelta(days=1)
FAST: dict[str, Any] = {"budget_s": 20.0, "max_iterations": 300, "seed": 3}


def _plan(session: Session, **kw: Any) -> Plan:
    return plan_from_db(session=session, start=START, days=2, teams=2, today=TODAY, **FAST, **kw)


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


def test_recording_updates_site_audit_and_next_plan(
    registry: Session, tmp_path: Path, settings: Settings
) -> None:
    first = _plan(registry, rules=Rules(skip_within_days=30))
    planned = [v.site_code for v in first.visits]
    sealed_code, quiet_code = planned[0], planned[1]
    photo = tmp_path / "foto.jpg"
    photo.write_bytes(make_jpeg(colour=(1, 2, 3)))
    res = record_inspection(
        session=registry,
        site_code=sealed_code,
        result="sealed",
        actor="tim-1",
        inspected_on=TODAY,
        team="TIM-1",
        notes="police line",
        evidence=[photo],
        track=[(117.1, -0.5), (117.11, -0.49)],
        settings=settings,
    )
    assert (res.status_after, res.site_code) == ("sealed", sealed_code)
    record_inspection(
        session=registry,
        site_code=quiet_code,
        result="inactive",
        actor="tim-2",
        inspected_on=TODAY - dt.timedelta(days=3),
        settings=settings,
    )
    site = registry.scalar(select(Site).where(Site.code == sealed_code))
    assert site is not None and site.status == "sealed" and site.last_inspected == TODAY
    audit = registry.scalars(select(SiteAudit).where(SiteAudit.site_code == sealed_code)).all()
    assert audit[-1].actor == "tim-1"
    assert audit[-1].changes["status"][1] == "sealed"
    assert audit[-1].changes["last_inspected"][1] == TODAY.isoformat()
    assert "inspection" in (audit[-1].source or "")
    row = registry.scalar(select(Inspection).where(Inspection.site_code == sealed_code))
    assert row is not None and row.evidence[0]["name"] == "foto.jpg"
    assert row.evidence[0]["sha256"] == hashlib.sha256(photo.read_bytes()).hexdigest()
    assert row.status_before != "sealed" and res.evidence == tuple(row.evidence)

    second = _plan(registry, rules=Rules(skip_within_days=30))
    reasons = {u.site_code: u.reason for u in second.unplanned}
    assert reasons[sealed_code] == "excluded_status"
    assert reasons[quiet_code] == "recently_inspected"
    assert sealed_code not in {v.site_code for v in second.visits}


def test_matched_reports_advance_and_close(registry: Session, settings: Settings) -> None:
    site = registry.scalar(select(Site).where(Site.code == "PTR-001"))
    assert site is not None
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=5)
    codes = {
        "PTM-AAAAA1": "assigned",
        "PTM-AAAAA2": "follow_up_scheduled",
        "PTM-AAAAA3": "received",
    }
    for code, status in codes.items():
        registry.add(
            Report(
                code=code,
                channel="hotline",
                received_at=now,
                location_source="described",
                status=status,
                status_changed_at=now,
                matched_site_id=site.id,
            )
        )
    registry.flush()
    res = record_inspection(
        session=registry,
        site_code="PTR-001",
        result="equipment_seen",
        actor="tim-1",
        inspected_on=TODAY,
        settings=settings,
    )
    assert set(res.reports_advanced) == set(res.reports_closed) == {"PTM-AAAAA1", "PTM-AAAAA2"}
    statuses = {r[0]: r[1] for r in registry.execute(select(Report.code, Report.status))}
    assert statuses == {"PTM-AAAAA1": "closed", "PTM-AAAAA2": "closed", "PTM-AAAAA3": "received"}
    hist = registry.scalars(
        select(ReportStatusHistory.to_status)
        .join(Report, Report.id == ReportStatusHistory.report_id)
        .where(Report.code == "PTM-AAAAA1")
        .order_by(ReportStatusHistory.id)
    ).all()
    assert list(hist)[-3:] == ["follow_up_scheduled", "inspected", "closed"]


def test_inactive_leaves_reports_inspected(registry: Session, settings: Settings) -> None:
    site = registry.scalar(select(Site).where(Site.code == "PTR-002"))
    assert site is not None
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=5)
    registry.add(
        Report(
            code="PTM-BBBBB1",
            channel="web",
            received_at=now,
            location_source="described",
            status="follow_up_scheduled",
            status_changed_at=now,
            matched_site_id=site.id,
        )
    )
    registry.flush()
    res = record_inspection(
        session=registry, site_code="PTR-002", result="inactive", actor="tim-1", settings=settings
    )
    assert res.reports_advanced == ("PTM-BBBBB1",) and res.reports_closed == ()
    assert registry.scalar(select(Report.status).where(Report.code == "PTM-BBBBB1")) == "inspected"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"result": "burned"}, "result"),
        ({"inspected_on": TODAY + dt.timedelta(days=2)}, "inspected_on"),
        ({"actor": " "}, "actor"),
        ({"track": [(117.0, -0.5)]}, "track"),
        ({"visit_id": 999_999}, "visit_id"),
        ({"evidence": ["/nonexistent/foto.jpg"]}, "evidence[0]"),
    ],
)
def test_bad_inspection_input(
    registry: Session, settings: Settings, kwargs: dict[str, object], field: str
) -> None:
    args: dict[str, Any] = {"site_code": "PTR-000", "result": "active", "actor": "tim-1"}
    args.update(kwargs)
    with pytest.raises(ValidationError) as err:
        record_inspection(session=registry, settings=settings, **args)
    assert err.value.field == field
    assert registry.scalar(select(func.count()).select_from(Inspection)) == 0


def test_unknown_site(registry: Session, settings: Settings) -> None:
    with pytest.raises(NotFound):
        record_inspection(
            session=registry, site_code="NOPE-1", result="active", actor="x", settings=settings
        )


def test_schedule_matched_reports(registry: Session) -> None:
    from geo.patrols.store import schedule_matched_reports

    p = _plan(registry)
    visited = p.visits[0].site_code
    site = registry.scalar(select(Site).where(Site.code == visited))
    assert site is not None
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    for code, status in (("PTM-CCCCC1", "assigned"), ("PTM-CCCCC2", "verified")):
        registry.add(
            Report(
                code=code,
                channel="hotline",
                received_at=now,
                location_source="described",
                status=status,
                status_changed_at=now,
                matched_site_id=site.id,
            )
        )
    registry.flush()
    moved = schedule_matched_reports(p, session=registry, actor="planner")
    assert moved == ["PTM-CCCCC1"]
    statuses = {r[0]: r[1] for r in registry.execute(select(Report.code, Report.status))}
    assert statuses == {"PTM-CCCCC1": "follow_up_scheduled", "PTM-CCCCC2": "verified"}


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
        registry.add(
            Report(
                code=f"PTM-DDDDD{i}",
                channel="hotline",
                received_at=at,
                observed_at=at,
                location_source="described",
                status="verified",
                status_changed_at=at,
                matched_site_id=target.id,
                reporter_hash=f"{i:064d}",
            )
        )
    registry.flush()
    after = {t.code: t for t in tasks_from_frame(sites, today=TODAY, session=registry)}
    assert after["PTR-004"].priority > before["PTR-004"] + 10
    assert any("reports" in r for r in after["PTR-004"].reasons)
    assert after["PTR-006"].priority == before["PTR-006"]


_colours = itertools.count(1)


def _photo() -> bytes:
    """A small real JPEG, different from every other one made in this test session."""
    n = next(_colours)
    return make_jpeg(colour=(n % 256, (n // 256) % 256, 200))


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("payload.sh", "rm -rf /")
    return buf.getvalue()


def _count(session: Session, model: type[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_evidence_stored_once_by_hash_and_linked(
    registry: Session, tmp_path: Path, settings: Settings
) -> None:
    first, second = _photo(), _photo()
    path = tmp_path / "alat-berat.jpg"
    path.write_bytes(first)
    res = record_inspection(
        session=registry,
        site_code="PTR-003",
        result="equipment_seen",
        actor="tim-3",
        evidence=[path, ("C:\\DCIM\\lubang\x07.jpg", second), first],
        settings=settings,
    )
    sha1, sha2 = (hashlib.sha256(b).hexdigest() for b in (first, second))
    # the same photo sent twice in one inspection counts once
    assert [e["sha256"] for e in res.evidence] == [sha1, sha2]
    assert [e["name"] for e in res.evidence] == ["alat-berat.jpg", "lubang.jpg"]
    assert {e["mime"] for e in res.evidence} == {"image/jpeg"}
    for sha, content in ((sha1, first), (sha2, second)):
        stored = evidence_path(sha, "image/jpeg", settings=settings)
        assert stored.is_file() and stored.read_bytes() == content
        assert stored.parent.parent.name == sha[:2]
    links = registry.scalars(
        select(InspectionEvidence).where(InspectionEvidence.inspection_id == res.inspection_id)
    ).all()
    assert {(link.sha256, link.added_by) for link in links} == {(sha1, "tim-3"), (sha2, "tim-3")}
    evidence_rows = _count(registry, Evidence)

    # The same photo in a later inspection of another site: linked again, stored once.
    again = record_inspection(
        session=registry,
        site_code="PTR-005",
        result="active",
        actor="tim-4",
        evidence=[("ulang.jpg", first)],
        settings=settings,
    )
    assert _count(registry, Evidence) == evidence_rows
    assert [
        e.sha256
        for e in list_evidence(
            session=registry, inspection_id=again.inspection_id, settings=settings
        )
    ] == [sha1]

    detail = get_inspection(session=registry, inspection_id=res.inspection_id, settings=settings)
    assert detail["result"] == "equipment_seen" and detail["recorded_by"] == "tim-3"
    assert {e["sha256"] for e in detail["evidence"]} == {sha1, sha2}
    found = evidence_file(
        session=registry, inspection_id=res.inspection_id, sha256=sha2, settings=settings
    )
    assert found.path.read_bytes() == second and found.name == "lubang.jpg"
    with pytest.raises(NotFound):  # linked to another inspection only
        evidence_file(
            session=registry, inspection_id=again.inspection_id, sha256=sha2, settings=settings
        )
    with pytest.raises(NotFound):
        get_inspection(session=registry, inspection_id=-1, settings=settings)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (b"just some text, not a photo", "expected a JPEG"),
        (("foto.png", _zip()), "expected a JPEG"),
        ("truncated", "cannot be decoded"),
        ("oversize", "more than the image/jpeg limit"),
        (("foto.jpg", "not bytes"), "expected (file name, bytes)"),
        (12345, "expected a path, bytes"),
        (b"", "is empty"),
    ],
)
def test_bad_evidence_writes_nothing(
    registry: Session, settings: Settings, bad: Any, message: str
) -> None:
    good = _photo()
    limits = ReportSettings()
    if bad == "truncated":
        bad = _photo()[:120]
    elif bad == "oversize":
        buf = io.BytesIO()
        Image.effect_noise((96, 96), 80).convert("RGB").save(buf, "JPEG", quality=95)
        bad = buf.getvalue()
        assert len(bad) > len(good)
        limits = ReportSettings(max_photo_bytes=len(good))  # the first file just fits
    site = registry.scalar(select(Site).where(Site.code == "PTR-000"))
    assert site is not None
    before = (site.status, site.last_inspected)
    counts = {m: _count(registry, m) for m in (Inspection, InspectionEvidence, Evidence, SiteAudit)}
    with pytest.raises(ValidationError) as err:
        record_inspection(
            session=registry,
            site_code="PTR-000",
            result="sealed",
            actor="tim-1",
            evidence=[good, bad],
            settings=settings,
            report_settings=limits,
        )
    assert err.value.field == "evidence[1]"
    assert message in err.value.message and "evidence[1]" in err.value.message
    assert {m: _count(registry, m) for m in counts} == counts
    registry.refresh(site)
    assert (site.status, site.last_inspected) == before
    good_sha = hashlib.sha256(good).hexdigest()
    assert not evidence_path(good_sha, "image/jpeg", settings=settings).exists()


def test_evidence_added_after_the_visit(registry: Session, settings: Settings) -> None:
    res = record_inspection(
        session=registry, site_code="PTR-007", result="inactive", actor="tim-1", settings=settings
    )
    assert res.evidence == ()
    photo, video_like = _photo(), _photo()
    added = add_evidence(
        session=registry,
        inspection_id=res.inspection_id,
        evidence=[("a.jpg", photo)],
        actor="analis-1",
        settings=settings,
    )
    assert [e["sha256"] for e in added] == [hashlib.sha256(photo).hexdigest()]
    # Already linked: skipped; a bad file among new ones: nothing added at all.
    with pytest.raises(ValidationError) as err:
        add_evidence(
            session=registry,
            inspection_id=res.inspection_id,
            evidence=[video_like, b"%PDF-1.4"],
            actor="analis-1",
            settings=settings,
        )
    assert err.value.field == "evidence[1]"
    assert (
        add_evidence(
            session=registry,
            inspection_id=res.inspection_id,
            evidence=[photo],
            actor="analis-2",
            settings=settings,
        )
        == []
    )
    row = registry.get(Inspection, res.inspection_id)
    assert row is not None and [e["name"] for e in row.evidence] == ["a.jpg"]
    stored = list_evidence(session=registry, inspection_id=res.inspection_id, settings=settings)
    assert [(e.added_by, e.mime) for e in stored] == [("analis-1", "image/jpeg")]
    with pytest.raises(NotFound):
        add_evidence(
            session=registry, inspection_id=999_999, evidence=[photo], actor="x", settings=settings
        )
    with pytest.raises(ValidationError, match="at least one file"):
        add_evidence(
            session=registry,
            inspection_id=res.inspection_id,
            evidence=[],
            actor="x",
            settings=settings,
        )


def test_legacy_summary_entry_is_stored_when_the_file_comes(
    registry: Session, settings: Settings
) -> None:
    photo = _photo()
    sha = hashlib.sha256(photo).hexdigest()
    res = record_inspection(
        session=registry, site_code="PTR-008", result="active", actor="tim-1", settings=settings
    )
    row = registry.get(Inspection, res.inspection_id)
    assert row is not None
    # As recorded before migration 0006: a hash in the summary, no file, no link.
    row.evidence = [{"name": "lama.jpg", "sha256": sha, "bytes": len(photo)}]
    registry.flush()
    add_evidence(
        session=registry,
        inspection_id=row.id,
        evidence=[("lama.jpg", photo)],
        actor="tim-1",
        settings=settings,
    )
    registry.refresh(row)
    assert row.evidence == [
        {"name": "lama.jpg", "sha256": sha, "bytes": len(photo), "mime": "image/jpeg"}
    ]
    assert evidence_path(sha, "image/jpeg", settings=settings).is_file()


def test_today_is_the_provinces_not_the_servers(registry: Session, settings: Settings) -> None:
    # From 16:00 UTC the province's date (WITA, UTC+8) is a day ahead of the server's UTC date:
    # a visit dated "today" in Samarinda is not in the future, and no date means that day.
    # (Between 16:00 and 24:00 UTC this fails if "today" were the server's date.)
    local_today = dt.datetime.now(settings.province_profile.zone).date()
    done = record_inspection(
        session=registry,
        site_code="PTR-000",
        result="active",
        actor="tim-1",
        settings=settings,
    )
    assert registry.get(Inspection, done.inspection_id).inspected_on == local_today  # type: ignore[union-attr]
    record_inspection(
        session=registry,
        site_code="PTR-000",
        result="active",
        actor="tim-1",
        inspected_on=local_today,
        settings=settings,
    )
    with pytest.raises(ValidationError) as err:
        record_inspection(
            session=registry,
            site_code="PTR-000",
            result="active",
            actor="tim-1",
            inspected_on=local_today + dt.timedelta(days=1),
            settings=settings,
        )
    assert err.value.field == "inspected_on"
