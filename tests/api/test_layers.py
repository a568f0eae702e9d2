"""``/layers``: snapshots and the indicative class of a demo site, with guidance in id and en."""

from __future__ import annotations

import datetime as dt
import json
import time
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


def _first_permit() -> tuple[str, float, float]:
    """The first demo permit (active production): its site and the centre of its square."""
    feature = json.loads((DATA / "demo_wiup.geojson").read_text())["features"][0]
    ring = feature["geometry"]["coordinates"][0]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    return feature["properties"]["near_site"], (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def test_site_answers_carry_the_class_and_guidance(
    client: TestClient, tokens: dict[str, str], demo_layers: None
) -> None:
    code, _, _ = _first_permit()
    h = bearer(tokens["field_officer"])
    one = client.get(f"/sites/{code}", headers={**h, "Accept-Language": "id"}).json()
    one = one["properties"]
    assert one["class_indicative"] is True and one["permit_class"] == "WIUP_OP"
    assert one["permit_code"] == "DEMO-000" and one["permit_share"] == 1.0
    assert one["authority"] in ("PROVINSI", "PUSAT") and one["authority_label"]
    assert one["wiup_snapshot_date"] == "2026-11-01"
    assert one["forest_snapshot_date"] == "2026-11-01"
    assert "bukan temuan hukum" in one["class_guidance"][-1]
    en = client.get(f"/sites/{code}", headers={**h, "Accept-Language": "en"}).json()
    assert "not a legal finding" in en["properties"]["class_guidance"][-1]
    listed = client.get("/sites?limit=1000", headers=h).json()["features"]
    classes = {f["properties"]["permit_class"] for f in listed}
    assert {"LUAR_WIUP", "WIUP_OP", "WIUP_EKSPLORASI", "WIUP_BERAKHIR"} <= classes
    assert any(f["properties"]["forest_flags"] for f in listed)
    ogc = client.get(f"/ogc/collections/sites/items/{code}", headers=h).json()
    assert ogc["properties"]["permit_class"] == "WIUP_OP" and ogc["links"]
    page = client.get("/ogc/collections/sites/items?limit=500", headers=h).json()
    assert all("permit_class" in f["properties"] for f in page["features"])
    assert client.get(f"/sites/{code}").status_code == 401  # no class for the public either


def test_report_answer_carries_its_class_for_staff_only(
    client: TestClient,
    tokens: dict[str, str],
    demo_layers: None,
    api_engine: Engine,
    api_settings_obj: Settings,
) -> None:
    _, x, y = _first_permit()
    sent = client.post(
        "/reports",
        json={"lat": y, "lon": x, "activity": "excavator", "confidentiality": "anonim"},
    )
    assert sent.status_code == 201, sent.text
    code = sent.json()["code"]
    with session_scope(api_engine) as session:
        service.classify(session=session, settings=api_settings_obj, on=dt.date(2026, 11, 1))
    analyst = {**bearer(tokens["analyst"]), "Accept-Language": "id"}
    body = client.get(f"/reports/{code}", headers=analyst).json()
    assert body["indicative_class"]["permit_class"] == "WIUP_OP"
    assert body["indicative_class"]["indicative"] is True
    assert "bukan temuan hukum" in body["indicative_class"]["guidance"][-1]
    public = client.get(f"/reports/status/{code}").json()
    assert "indicative_class" not in public and "permit_class" not in json.dumps(public)


def test_a_new_layer_shows_at_once_in_site_answers(
    client: TestClient,
    tokens: dict[str, str],
    demo_layers: None,
    api_engine: Engine,
    api_settings_obj: Settings,
    tmp_path: Path,
) -> None:
    code, _, _ = _first_permit()
    h = bearer(tokens["analyst"])
    assert client.get(f"/sites/{code}", headers=h).json()["properties"]["permit_class"] == "WIUP_OP"
    doc = json.loads((DATA / "demo_wiup.geojson").read_text())
    doc["features"] = doc["features"][1:]  # the first permit is gone from the new layer
    (tmp_path / "wiup.geojson").write_text(json.dumps(doc))
    try:
        with session_scope(api_engine) as session:
            service.import_layer(
                session=session,
                kind="wiup",
                path=tmp_path / "wiup.geojson",
                actor="t",
                settings=api_settings_obj,
                snapshot_date=dt.date(2026, 11, 20),
            )
        # The import notifies the registry cache on commit (delivered within milliseconds).
        deadline = time.monotonic() + 5
        while True:
            after = client.get(f"/sites/{code}", headers=h).json()["properties"]
            if after["permit_class"] != "WIUP_OP" or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert after["permit_class"] == "LUAR_WIUP"
        assert after["wiup_snapshot_date"] == "2026-11-20"
        ogc = client.get(f"/ogc/collections/sites/items/{code}", headers=h).json()
        assert ogc["properties"]["permit_class"] == "LUAR_WIUP"
    finally:  # the demo layer again, for whatever runs next on this database
        with session_scope(api_engine) as session:
            service.import_layer(
                session=session,
                kind="wiup",
                path=DATA / "demo_wiup.geojson",
                actor="t",
                settings=api_settings_obj,
                snapshot_date=dt.date(2026, 11, 1),
            )
