"""``/hotspots``: clustering unmatched reports, listing, promoting to a site, dismissing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import bearer

# A place in the area of interest with no demo site within several kilometres.
LON, LAT = 118.80, 1.20


def test_cluster_promote_and_dismiss(client: TestClient, tokens: dict[str, str]) -> None:
    analyst = bearer(tokens["analyst"])
    box = f"{LON - 0.1},{LAT - 0.1},{LON + 0.1},{LAT + 0.1}"
    assert client.get("/sites", params={"bbox": box}, headers=analyst).json()["features"] == []
    op = bearer(tokens["intake_operator"])
    for i in range(4):
        r = client.post(
            "/reports",
            json={
                "lat": LAT + i * 0.0002,
                "lon": LON + i * 0.0002,
                "activity": "land_clearing",
                "channel": "hotline",
                "reporter_phone": f"0812000000{i}",
                "confidentiality": "anonim",
            },
            headers=op,
        )
        assert r.status_code == 201, r.text
    assert client.post("/hotspots/cluster", json={}, headers=op).status_code == 403
    run = client.post("/hotspots/cluster", json={"eps_m": 300, "min_reports": 3}, headers=analyst)
    assert run.status_code == 200, run.text
    listing = client.get("/hotspots", params={"bbox": box}, headers=analyst).json()
    (hotspot,) = listing["features"]
    code = hotspot["id"]
    assert hotspot["properties"]["report_count"] >= 4
    detail = client.get(f"/hotspots/{code}", headers=analyst).json()
    assert abs(detail["lon"] - LON) < 0.01 and abs(detail["lat"] - LAT) < 0.01

    promoted = client.post(f"/hotspots/{code}/promote", json={"code": "KTM-951"}, headers=analyst)
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["site_code"] == "KTM-951"
    # The new site is scored in the same transaction, from the hotspot's reports.
    assert promoted.json()["independent_reports"] == detail["report_count"]
    assert isinstance(promoted.json()["priority_rank"], int)
    history = client.get("/sites/KTM-951/history", headers=analyst).json()
    assert history[0]["actor"] == "test-analyst"
    again = client.post(f"/hotspots/{code}/dismiss", json={"reason": "izin"}, headers=analyst)
    assert again.status_code == 409
    empty = client.post(f"/hotspots/{code}/dismiss", json={"reason": "  "}, headers=analyst)
    assert empty.status_code == 422 and empty.json()["error"]["field"] == "reason"
    assert client.get("/hotspots/HS-99999", headers=analyst).status_code == 404
