"""``/patrols``: plans stored with their exports and routes (inspections: test_inspections.py)."""

from __future__ import annotations

import io
from pathlib import Path

import gpxpy
import pandas as pd
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.schemas import PlanIn
from geo.patrols.models import PatrolPlan
from geo.settings import PatrolSettings, Settings
from tests.api.conftest import app_with, bearer
from tests.geo.patrols.osrm_standin import osrm_standin, used_standin


def test_plan_routes_exports_and_ogc(client: TestClient, tokens: dict[str, str]) -> None:
    analyst = bearer(tokens["analyst"])
    body = {"start": "2026-12-01", "days": 2, "teams": 2, "budget_s": 1, "seed": 3}
    assert (
        client.post(
            "/patrols/plans", json=body, headers=bearer(tokens["field_officer"])
        ).status_code
        == 403
    )
    r = client.post("/patrols/plans", json=body, headers=analyst)
    assert r.status_code == 201, r.text
    plan = r.json()
    assert plan["created_by"] == "test-analyst" and plan["working_days"] == 2
    assert {"rencana.csv", "rencana.xlsx", "rencana.gpx", "rencana.kml", "lembar-kerja.pdf"} <= set(
        plan["exports"]
    )
    assert any(name.endswith(".ics") for name in plan["exports"])
    pid = plan["plan_id"]
    assert client.get(f"/patrols/plans/{pid}", headers=analyst).json() == plan

    routes = client.get(f"/patrols/plans/{pid}/routes", headers=analyst).json()
    assert routes["features"], "a 2-team, 2-day plan has routes"
    assert {f["geometry"]["type"] for f in routes["features"]} == {"LineString"}
    assert {f["properties"]["plan_id"] for f in routes["features"]} == {pid}

    gpx = client.get(f"/patrols/plans/{pid}/exports/rencana.gpx", headers=analyst)
    assert gpx.status_code == 200
    parsed = gpxpy.parse(gpx.text)
    assert parsed.routes or parsed.waypoints
    for bad in ("../../../../etc/passwd", "nothing.csv"):
        assert client.get(f"/patrols/plans/{pid}/exports/{bad}", headers=analyst).status_code == 404
    assert client.get("/patrols/plans/999999", headers=analyst).status_code == 404

    ogc = client.get(
        "/ogc/collections/patrol_routes/items", params={"plan_id": pid}, headers=analyst
    ).json()
    assert ogc["numberMatched"] == routes["numberMatched"]


def test_plan_follows_the_app_settings(
    api_settings_obj: Settings, api_engine: Engine, tokens: dict[str, str], tmp_path: Path
) -> None:
    """The app's injected ``settings.patrols`` reach the plan: travel and the plan defaults."""
    with osrm_standin() as osrm:
        settings = api_settings_obj.model_copy(
            update={
                "data_dir": tmp_path,
                "patrols": PatrolSettings(osrm_url=osrm.url, shift="08:00-15:00"),
            }
        )
        app = app_with(settings, max_solver_budget_s=1)
        body = {"start": "2026-12-01", "days": 1, "teams": 2, "budget_s": 1, "seed": 3}
        with TestClient(app) as client:
            r = client.post("/patrols/plans", json=body, headers=bearer(tokens["analyst"]))
            assert r.status_code == 201, r.text
            pid = r.json()["plan_id"]
            csv = client.get(
                f"/patrols/plans/{pid}/exports/rencana.csv", headers=bearer(tokens["analyst"])
            )
    assert osrm.calls, "the API never asked the OSRM server of its settings"
    legs = pd.read_csv(io.StringIO(csv.text))[["travel_min", "travel_km"]]
    assert used_standin([tuple(row) for row in legs.itertuples(index=False)])
    with Session(api_engine) as session:
        row = session.get(PatrolPlan, pid)
        assert row is not None
        assert {tuple(t["shift"]) for t in row.params["teams"]} == {("08:00", "15:00")}


def test_plan_request_does_not_repeat_the_settings_defaults() -> None:
    fields = PlanIn.model_fields
    for name in (
        "shift",
        "max_drive_h",
        "skip_within_days",
        "must_visit_after_days",
        "max_days_away",
    ):
        assert fields[name].default is None, name


def test_bases_and_teams_are_managed_over_http(client: TestClient, tokens: dict[str, str]) -> None:
    analyst, officer = bearer(tokens["analyst"]), bearer(tokens["field_officer"])
    camp = {"code": "KMP-API", "name": "Kamp Uji", "kind": "camp", "lon": 115.9, "lat": -0.2}
    assert client.post("/bases", json=camp, headers=officer).status_code == 403
    r = client.post("/bases", json=camp, headers=analyst)
    assert r.status_code == 201, r.text
    assert client.post("/bases", json=camp, headers=analyst).status_code == 409
    kinds = {p["code"]: p["kind"] for p in client.get("/bases", headers=officer).json()}
    assert kinds["KMP-API"] == "camp" and "office" in kinds.values()
    office = next(c for c, k in kinds.items() if k == "office")
    team = {"code": "TIM-API", "base_code": office, "max_days_away": 4}
    assert client.put("/teams/TIM-API", json=team, headers=analyst).status_code == 200
    bad = client.put("/teams/TIM-API", json={**team, "base_code": "NOPE"}, headers=analyst)
    assert bad.status_code == 422 and "NOPE" in bad.text
    teams = {t["code"]: t for t in client.get("/teams", headers=officer).json()}
    assert teams["TIM-API"]["max_days_away"] == 4
    # An office a team is based at cannot go; the team first.
    assert client.delete(f"/bases/{office}", headers=analyst).status_code == 409
    assert client.delete("/teams/TIM-API", headers=analyst).status_code == 204
    assert client.delete("/bases/KMP-API", headers=analyst).status_code == 204
    assert client.delete("/bases/KMP-API", headers=analyst).status_code == 404
