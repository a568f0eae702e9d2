"""``/alerts/patches``: satellite alert patches as GeoJSON with GFW's attribution, staff only."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from geo.alerts import patches, readers, store
from geo.alerts.config import SOURCE_GFW
from geo.db import session_scope
from geo.settings import Settings
from tests.api.conftest import bearer

# Two clearings in the demo province (Kutai Kartanegara), far from each other.
ROWS = [
    *[(116.9 + i * 0.0001, -0.2, "2026-11-01", "high") for i in range(5)],
    *[(117.2 + i * 0.0001, -0.3, "2026-11-05", "highest") for i in range(4)],
]


@pytest.fixture(scope="module")
def alert_patches(api_engine: Engine, api_settings_obj: Settings) -> None:
    import pandas as pd

    frame = pd.DataFrame(
        ROWS, columns=["longitude", "latitude", readers.DATE, readers.CONFIDENCE]
    ).astype(str)
    rows = readers.from_frame(frame, path="test", aoi=api_settings_obj.aoi_bbox)
    with session_scope(api_engine) as session:
        store.write_alerts(session=session, rows=rows, source=SOURCE_GFW, origin="t", actor="t")
        patches.build_patches(
            session=session,
            settings=api_settings_obj.alerts,
            layers=api_settings_obj.layers,
            source=SOURCE_GFW,
        )


def test_patches_as_geojson_with_attribution(
    client: TestClient, tokens: dict[str, str], alert_patches: None
) -> None:
    r = client.get("/alerts/patches", headers=bearer(tokens["analyst"]))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/geo+json")
    doc = r.json()
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 2
    assert "Global Forest Watch" in doc["attribution"] and doc["license"] == "CC BY 4.0"
    counts = sorted(f["properties"]["alert_count"] for f in doc["features"])
    assert counts == [4, 5]
    first = doc["features"][0]
    assert first["geometry"]["type"] == "Polygon" and first["id"].startswith("AP-")
    assert first["properties"]["indicative"] is True
    only = client.get(
        "/alerts/patches", params={"candidate": "false"}, headers=bearer(tokens["admin"])
    )
    assert only.status_code == 200 and only.json()["features"] == []


def test_patches_in_indonesian_and_for_analysts_only(
    client: TestClient, tokens: dict[str, str], alert_patches: None
) -> None:
    headers = {**bearer(tokens["admin"]), "Accept-Language": "id"}
    doc = client.get("/alerts/patches", headers=headers).json()
    labels = {f["properties"]["confidence"] for f in doc["features"]}
    assert labels == {"tinggi", "sangat tinggi"}
    assert doc["features"][0]["properties"]["status_label"].startswith("kandidat baru")
    officer = client.get("/alerts/patches", headers=bearer(tokens["field_officer"]))
    assert officer.status_code == 403
    assert client.get("/alerts/patches").status_code in (401, 403)
