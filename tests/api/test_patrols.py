"""``/patrols``: plans stored with their exports and routes (inspections: test_inspections.py)."""

from __future__ import annotations

import gpxpy
from fastapi.testclient import TestClient

from tests.api.conftest import bearer


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

