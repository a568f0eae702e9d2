"""``/reports``: public intake and status, idempotency, roles and redaction, lifecycle."""

from __future__ import annotations

import io
import os
import uuid

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine, text

from tests.api.conftest import bearer

REPORT = {
    "lat": -0.5123,
    "lon": 117.0871,
    "activity": "excavator",
    "commodity_guess": "batubara",
    "description": "Dua ekskavator 🚜 bekerja malam hari",
    "confidentiality": "anonim",
    "reporter_name": "Budi Santoso",
    "reporter_phone": "0812 3456 7890",
}


def _jpeg() -> bytes:
    buf = io.BytesIO()
    # Random pixels: a solid colour picked from 255 would repeat a file another test stored.
    Image.frombytes("RGB", (8, 8), os.urandom(192)).save(buf, "JPEG")
    return buf.getvalue()


def test_public_submits_and_reads_only_status_and_dates(client: TestClient) -> None:
    r = client.post("/reports", json=REPORT)
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    assert code.startswith("PTM-") and r.json()["created"] is True
    status = client.get(f"/reports/status/{code}")
    assert status.status_code == 200
    assert set(status.json()) == {"code", "status", "received_at", "status_changed_at"}
    assert status.json()["status"] == "received"
    assert "Budi" not in status.text
    # Nothing else about the report is public
    assert client.get(f"/reports/{code}").status_code == 401
    assert client.get("/reports").status_code == 401


def test_identity_only_for_intake_operator_and_admin(
    client: TestClient, tokens: dict[str, str]
) -> None:
    code = client.post("/reports", json=REPORT).json()["code"]
    for role in ("intake_operator", "admin"):
        body = client.get(f"/reports/{code}", headers=bearer(tokens[role])).json()
        assert body["reporter_name"] == "Budi Santoso", role
        assert body["lat"] == REPORT["lat"] and body["lon"] == REPORT["lon"]
    for role in ("analyst", "field_officer"):
        r = client.get(f"/reports/{code}", headers=bearer(tokens[role]))
        assert r.status_code == 200
        assert "Budi" not in r.text and "3456" not in r.text, role
        listing = client.get("/reports", headers=bearer(tokens[role]))
        assert "Budi" not in listing.text and "3456" not in listing.text


def test_rahasia_reports_stay_out_of_the_shareable_ogc_collection(
    client: TestClient, tokens: dict[str, str]
) -> None:
    secret = client.post(
        "/reports", json={**REPORT, "confidentiality": "rahasia", "lat": -0.6001, "lon": 117.2001}
    ).json()["code"]
    shared = client.post("/reports", json={**REPORT, "lat": -0.6002, "lon": 117.2002}).json()
    h = bearer(tokens["admin"])
    ogc = client.get("/ogc/collections/reports/items?limit=10000", headers=h).json()
    ids = {f["id"] for f in ogc["features"]}
    assert shared["code"] in ids and secret not in ids
    assert client.get(f"/ogc/collections/reports/items/{secret}", headers=h).status_code == 404
    internal = client.get("/reports?limit=10000", headers=h).json()
    assert secret in {f["id"] for f in internal["features"]}  # the agency still sees it
    assert client.get("/ogc/collections/reports/items").status_code == 401


def test_idempotency_key_and_external_id_return_the_same_report(
    client: TestClient, tokens: dict[str, str], api_engine: Engine
) -> None:
    key = str(uuid.uuid4())
    first = client.post("/reports", json=REPORT, headers={"Idempotency-Key": key})
    again = client.post("/reports", json=REPORT, headers={"Idempotency-Key": key})
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["code"] == first.json()["code"] and again.json()["created"] is False
    staff = bearer(tokens["intake_operator"])
    lapor = {**REPORT, "channel": "lapor", "external_id": f"LAP-{uuid.uuid4().hex[:8]}"}
    one = client.post("/reports", json=lapor, headers=staff)
    two = client.post("/reports", json=lapor, headers=staff)
    assert one.status_code == 201 and two.json()["code"] == one.json()["code"]
    with api_engine.connect() as conn:
        n = conn.execute(
            text("SELECT count(*) FROM reports WHERE external_id = :e"),
            {"e": lapor["external_id"]},
        ).scalar_one()
    assert n == 1


def test_public_may_not_pick_channel_or_received_time(client: TestClient) -> None:
    r = client.post("/reports", json={**REPORT, "channel": "lapor"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "channel"


def test_submission_with_evidence(client: TestClient, tokens: dict[str, str]) -> None:
    photo = _jpeg()
    form = {k: str(v) for k, v in REPORT.items()}
    r = client.post(
        "/reports/with-evidence", data=form, files=[("evidence", ("a.jpg", photo, "image/jpeg"))]
    )
    assert r.status_code == 201, r.text
    # The same photo again is the same report (exact duplicate by evidence hash)
    again = client.post(
        "/reports/with-evidence", data=form, files=[("evidence", ("b.jpg", photo, "image/jpeg"))]
    )
    assert again.status_code == 200 and again.json()["code"] == r.json()["code"]


def test_lifecycle_transitions_are_attributed(client: TestClient, tokens: dict[str, str]) -> None:
    code = client.post("/reports", json=REPORT).json()["code"]
    op = bearer(tokens["intake_operator"])
    moved = client.post(f"/reports/{code}/transitions", json={"to": "verified"}, headers=op)
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "verified"
    bad = client.post(f"/reports/{code}/transitions", json={"to": "received"}, headers=op)
    assert bad.status_code == 409
    assert bad.json()["error"]["code"] == "invalid_transition"
    field = bearer(tokens["field_officer"])
    assert (
        client.post(
            f"/reports/{code}/transitions", json={"to": "assigned"}, headers=field
        ).status_code
        == 403
    )
    history = client.get(f"/reports/{code}/history", headers=op).json()
    assert [h["to_status"] for h in history] == ["received", "verified"]
    assert history[1]["actor"] == "test-intake_operator"
    assert history[0]["actor"] == "public"  # never the reporter's network address


def test_overdue_clocks_listed_for_staff(client: TestClient, tokens: dict[str, str]) -> None:
    staff = bearer(tokens["intake_operator"])
    old = {
        **REPORT,
        "channel": "hotline",
        "received_at": "2026-01-05T09:00:00+08:00",
        "observed_at": "2026-01-04T09:00:00+08:00",
    }
    code = client.post("/reports", json=old, headers=staff).json()["code"]
    clocks = client.get("/reports/overdue", headers=staff).json()
    assert any(c["code"] == code and c["state"] == "overdue" for c in clocks)
    assert client.get("/reports/overdue").status_code == 401


def test_detail_has_history_and_evidence_downloadable(
    client: TestClient, tokens: dict[str, str]
) -> None:
    photo = _jpeg()
    form = {k: str(v) for k, v in REPORT.items()}
    code = client.post(
        "/reports/with-evidence", data=form, files=[("evidence", ("a.jpg", photo, "image/jpeg"))]
    ).json()["code"]
    h = bearer(tokens["field_officer"])
    detail = client.get(f"/reports/{code}", headers=h).json()
    assert [e["to_status"] for e in detail["history"]] == ["received"]
    (evidence,) = detail["evidence"]
    got = client.get(f"/reports/{code}/evidence/{evidence['sha256']}", headers=h)
    assert got.status_code == 200 and got.content == photo
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("attachment")
    other = "0" * 64
    assert client.get(f"/reports/{code}/evidence/{other}", headers=h).status_code == 404
    assert client.get(f"/reports/{code}/evidence/{evidence['sha256']}").status_code == 401


def test_accepted_reports_are_linked_and_matched_shortly_after(
    client: TestClient, api_engine: Engine
) -> None:
    """The public intake answers once the report is queued; the worker links and matches it."""
    import time

    with api_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sites (code, name, geom, kabupaten, commodity) VALUES "
                "('KKR-950', 'Antrean', ST_SetSRID(ST_MakePoint(116.95, -0.33), 4326), "
                "'Kutai Kartanegara', 'emas') ON CONFLICT DO NOTHING"
            )
        )
    body = {**REPORT, "lat": -0.3301, "lon": 116.9501, "description": f"antrean {uuid.uuid4()}"}
    r = client.post("/reports", json=body)
    assert r.status_code == 201, r.text
    query = text(
        "SELECT s.code, (SELECT count(*) FROM intake_queue q WHERE q.report_id = r.id)"
        " FROM reports r LEFT JOIN report_matches m ON m.report_id = r.id"
        " LEFT JOIN sites s ON s.id = m.site_id WHERE r.code = :c"
    )
    deadline = time.monotonic() + 10
    while True:
        with api_engine.connect() as conn:
            site, queued = conn.execute(query, {"c": r.json()["code"]}).one()
        if site is not None or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert (site, queued) == ("KKR-950", 0)


def test_status_rules_changed_in_the_lifecycle_are_obeyed_by_the_api(
    client: TestClient, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo.reports import lifecycle

    op = bearer(tokens["intake_operator"])
    code = client.post("/reports", json=REPORT).json()["code"]
    refused = client.post(f"/reports/{code}/transitions", json={"to": "assigned"}, headers=op)
    assert refused.status_code == 409, refused.text
    monkeypatch.setitem(lifecycle.TRANSITIONS, "received", ("assigned",))
    now_refused = client.post(f"/reports/{code}/transitions", json={"to": "verified"}, headers=op)
    assert now_refused.status_code == 409 and "may move to assigned" in now_refused.text
    moved = client.post(f"/reports/{code}/transitions", json={"to": "assigned"}, headers=op)
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "assigned"
    assert set(moved.json()) == {"code", "status", "received_at", "status_changed_at"}


def test_a_reused_idempotency_key_with_another_body_is_a_conflict(
    client: TestClient, api_engine: Engine
) -> None:
    key = str(uuid.uuid4())
    mine = {**REPORT, "description": f"punya saya {key}"}
    theirs = {**REPORT, "description": f"punya orang lain {key}"}
    first = client.post("/reports", json=mine, headers={"Idempotency-Key": key})
    assert first.status_code == 201
    other = client.post("/reports", json=theirs, headers={"Idempotency-Key": key})
    assert other.status_code == 409, other.text
    error = other.json()["error"]
    assert error["field"] == "Idempotency-Key" and first.json()["code"] not in other.text
    with api_engine.connect() as conn:
        stored = conn.execute(
            text("SELECT count(*) FROM reports WHERE description LIKE :d"), {"d": f"%{key}"}
        ).scalar_one()
    assert stored == 1  # the second body was not stored
    retry = client.post("/reports", json=mine, headers={"Idempotency-Key": key})
    assert retry.status_code == 200 and retry.json()["code"] == first.json()["code"]
