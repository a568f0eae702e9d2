"""The patrol use cases: settings reach the plan, and an inspection refreshes what depends on it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geo.errors import NotFound, PlanningError
from geo.i18n import translator
from geo.models import Site
from geo.patrols.service import (
    InspectionRequest,
    PlanRequest,
    get_plan,
    plan_patrols,
    record_inspection,
)
from geo.patrols.travel import HaversineTravel, haversine_m
from geo.priority import compute_priority
from geo.settings import Settings
from tests.common import TEST_SECRET_KEY
from tests.geo.patrols.osrm_standin import osrm_standin, used_standin

TODAY = dt.date.today()
START = TODAY + dt.timedelta(days=1)
FAST: dict[str, Any] = {
    "budget_s": 20.0,
    "max_iterations": 300,
    "seed": 3,
    "days": 2,
    "teams": 2,
    "start": START,
    "today": TODAY,
}


def _settings(tmp_path: Path, **sections: Any) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path,
        secret_key=TEST_SECRET_KEY,
        _env_file=None,
        **sections,
    )


def _legs(result: Any) -> list[tuple[float, float]]:
    return [(v.travel_min, v.travel_km) for v in result.plan.visits]


def test_library_call_follows_the_settings_osrm_url(registry: Session, tmp_path: Path) -> None:
    with osrm_standin() as osrm:
        settings = _settings(tmp_path, patrols={"osrm_url": osrm.url})
        result = plan_patrols(
            settings=settings, session=registry, request=PlanRequest(save=False, **FAST)
        )
    assert osrm.calls and all(c.startswith("/table/v1/driving/") for c in osrm.calls)
    assert used_standin(_legs(result))
    plain = plan_patrols(
        settings=_settings(tmp_path), session=registry, request=PlanRequest(save=False, **FAST)
    )
    assert not used_standin(_legs(plain))


def test_library_call_follows_the_settings_detour_and_speed(
    registry: Session, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, patrols={"detour": 2.0, "speeds_kmh": {"car": 20.0}})
    result = plan_patrols(
        settings=settings, session=registry, request=PlanRequest(save=False, **FAST)
    )
    route = result.plan.routes[0]
    first = route.visits[0]
    base = (route.path[0][0], route.path[0][1])
    metres = haversine_m(base, (first.lon, first.lat)) * 2.0
    assert first.travel_km == pytest.approx(metres / 1000, abs=0.06)
    assert first.travel_min == pytest.approx(metres / (20_000 / 60), abs=0.06)
    default = HaversineTravel().matrix([base, (first.lon, first.lat)], mode="car")
    assert first.travel_min > 2 * default.durations_s[0, 1] / 60  # slower than the default


def test_request_fields_left_out_take_the_settings(registry: Session, tmp_path: Path) -> None:
    site = registry.scalar(select(Site).where(Site.code == "PTR-003"))
    assert site is not None
    site.last_inspected = TODAY - dt.timedelta(days=20)
    registry.flush()
    strict = _settings(
        tmp_path, patrols={"skip_within_days": 30, "shift": "08:00-12:00", "max_drive_h": 2.5}
    )
    result = plan_patrols(
        settings=strict, session=registry, request=PlanRequest(save=False, **FAST)
    )
    reasons = {u.site_code: u.reason for u in result.plan.unplanned}
    assert reasons["PTR-003"] == "recently_inspected"
    assert {t.shift for t in result.plan.teams} == {("08:00", "12:00")}
    assert {t.max_drive_h for t in result.plan.teams} == {2.5}
    asked = plan_patrols(
        settings=strict,
        session=registry,
        request=PlanRequest(save=False, skip_within_days=7, **FAST),
    )
    assert "PTR-003" not in {
        u.site_code for u in asked.plan.unplanned if u.reason == "recently_inspected"
    }


def test_stored_plan_with_exports_days_off_and_errors(registry: Session, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    away = {"TIM-2": {START}}
    result = plan_patrols(
        settings=settings, session=registry, actor="ani", request=PlanRequest(days_off=away, **FAST)
    )
    assert result.stored is not None and result.stored.created_by == "ani"
    assert not any(r.team == "TIM-2" and r.date == START for r in result.plan.routes)
    stored = get_plan(settings=settings, session=registry, plan_id=result.stored.plan_id)
    assert stored == result.stored
    assert "lembar-kerja.pdf" in stored.exports and "rencana.xlsx" in stored.exports
    assert (tmp_path / "plans" / str(stored.plan_id) / "rencana.xlsx").is_file()
    with pytest.raises(NotFound):
        get_plan(settings=settings, session=registry, plan_id=999_999)
    with pytest.raises(PlanningError, match="unknown teams") as err:
        plan_patrols(
            settings=settings,
            session=registry,
            request=PlanRequest(save=False, days_off={"TIM-9": {START}}, **FAST),
        )
    assert err.value.localized(translator("id")) == (
        "`off` menyebut tim yang tidak dikenal ['TIM-9']; tim yang ada ['TIM-1', 'TIM-2']"
    )
    with pytest.raises(PlanningError, match="shift"):
        plan_patrols(
            settings=settings,
            session=registry,
            request=PlanRequest(save=False, shift="07:30", **FAST),
        )


def _stored_priority(session: Session, code: str) -> dict[str, Any]:
    row = (
        session.execute(
            text(
                "SELECT p.status, p.days_since_inspection, p.pts_inspection, p.pts_status, p.score "
                "FROM site_priority p JOIN sites s ON s.id = p.site_id WHERE s.code = :code"
            ),
            {"code": code},
        )
        .mappings()
        .one()
    )
    return dict(row)


def test_recording_an_inspection_refreshes_the_stored_priority(
    registry: Session, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, priority={"w_status": 50.0})
    compute_priority(session=registry, settings=settings.priority, store=True)
    before = _stored_priority(registry, "PTR-001")
    assert before["status"] == "active" and before["days_since_inspection"] is None
    assert before["pts_inspection"] == pytest.approx(20.0)

    result = record_inspection(
        settings=settings,
        session=registry,
        actor="tim-1",
        request=InspectionRequest("PTR-001", "sealed", team="TIM-1"),
    )
    assert result.status_after == "sealed"
    after = _stored_priority(registry, "PTR-001")
    assert after["status"] == "sealed"
    assert after["days_since_inspection"] == 0 and after["pts_inspection"] == 0.0
    assert after["pts_status"] == pytest.approx(50.0 * 0.1)  # the injected weights
    assert after["score"] < before["score"]
    fresh = compute_priority(session=registry, settings=settings.priority, store=False)
    assert float(fresh.set_index("code").loc["PTR-001", "score"]) == pytest.approx(after["score"])


def test_demo_plan_follows_the_settings_it_is_given(registry: Session, tmp_path: Path) -> None:
    from geo.patrols.store import demo_plan

    with osrm_standin() as osrm:
        settings = _settings(tmp_path, patrols={"osrm_url": osrm.url}, language="en")
        p, _, files = demo_plan(
            session=registry, out_dir=tmp_path, start=START, budget_s=1, settings=settings
        )
    assert used_standin([(v.travel_min, v.travel_km) for v in p.visits])
    assert files["xlsx"][0].is_file()


def test_a_kalteng_plan_keeps_wib(registry: Session, tmp_path: Path) -> None:
    """The plan's times follow the province's zone, also for teams given without one."""
    from geo.patrols import Base, Team

    # The test registry lies in Kaltim: the area is widened so its bases are accepted.
    kalteng = _settings(tmp_path, province="62", aoi_bbox=(110.5, -3.8, 119.5, 2.8))
    assert kalteng.patrols.timezone == "Asia/Jakarta"
    placed = plan_patrols(
        settings=kalteng, session=registry, request=PlanRequest(save=False, **FAST)
    )
    given = plan_patrols(
        settings=kalteng,
        session=registry,
        request=PlanRequest(
            save=False,
            **{**FAST, "teams": [Team("TIM-X", Base("SMD", "Samarinda", 117.1328, -0.4786))]},
        ),
    )
    for result in (placed, given):
        assert result.plan.visits
        assert {f"{v.start:%Z}" for v in result.plan.visits} == {"WIB"}
        assert {f"{r.depart:%Z}" for r in result.plan.routes} == {"WIB"}
