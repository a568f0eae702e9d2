"""``/layers``: snapshots and the indicative class of a demo site, with guidance in id and en."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from geo.db import session_scope
from geo.layers import service
from geo.settings import Settings
from tests.api.conftest import bearer

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def demo_layers(api_engine: Engine, api_settings_obj: Settings) -> None:
    with session_scope(api_engine) as session:
        for kind in ("wiup", "kawasan_hutan"):
            service.import_layer(
                session=session,
                kind=kind,
                path=DATA / f"demo_{kind}.geojson",
                actor="demo",
                settings=api_settings_obj,
                snapshot_date=dt.date(2026, 11, 1),
                reclassify=False,
            )
        service.classify(session=session, settings=api_settings_obj, on=dt.date(2026, 11, 1))


def test_snapshots_for_analysts_only(
    client: TestClient, tokens: dict[str, str], demo_layers: None
) -> None:
    r = client.get("/layers/snapshots", headers=bearer(tokens["analyst"]))
    assert r.status_code == 200, r.text
    kinds = {s["kind"] for s in r.json() if s["newest"]}
    assert kinds == {"wiup", "kawasan_hutan"}
    officer = bearer(tokens["field_officer"])
    assert client.get("/layers/snapshots", headers=officer).status_code == 403
    assert client.get("/layers/snapshots").status_code in (401, 403)


def test_classification_of_a_demo_site(
    client: TestClient, tokens: dict[str, str], demo_layers: None
) -> None:
    # The generator puts an active production permit around the first demo site by code.
    first = json.loads((DATA / "demo_wiup.geojson").read_text())["features"][0]["properties"]
    assert first["kegiatan"] == "OPERASI PRODUKSI"
    code = first["near_site"]
    r = client.get(f"/layers/classification/site/{code.lower()}", headers=bearer(tokens["admin"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["indicative"] is True and body["permit_class"] == "WIUP_OP"
    assert body["wiup_snapshot_date"] == "2026-11-01"
    assert "bukan temuan hukum" in body["guidance"][-1]
    en = client.get(
        f"/layers/classification/site/{code}",
        params={"lang": "en"},
        headers=bearer(tokens["analyst"]),
    ).json()
    assert "not a legal finding" in en["guidance"][-1]
    missing = client.get("/layers/classification/site/KKR-999", headers=bearer(tokens["admin"]))
    assert missing.status_code == 404
    bad = client.get("/layers/classification/tambang/KKR-001", headers=bearer(tokens["admin"]))
    assert bad.status_code == 422
