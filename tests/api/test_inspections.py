"""``/inspections``: recording visits as JSON or with evidence files, reading and downloading them.

The field team's photos are stored by hash in the evidence store, linked to the inspection,
served only to field officers, analysts and admins; a bad file records nothing at all.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import zipfile
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine, text

from api.main import create_app
from api.routes._uploads import MAX_FILES
from api.settings import ApiSettings
from geo.reports.evidence import evidence_path
from geo.settings import Settings
from tests.api.conftest import bearer

TABLES = ("inspections", "inspection_evidence", "evidence", "site_audit")


def _jpeg() -> bytes:
    """A small real JPEG, different every call."""
    buf = io.BytesIO()
    # Random pixels: a solid colour picked from 255 would repeat a file another test stored.
    Image.frombytes("RGB", (16, 12), os.urandom(576)).save(buf, "JPEG")
    return buf.getvalue()


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("payload.sh", "rm -rf /")
    return buf.getvalue()


def _jpeg_bomb() -> bytes:
    """An 8 x 8 JPEG whose frame header declares 50,000 x 50,000 pixels."""
    data = bytearray(_jpeg())
    frame = data.find(b"\xff\xc0")
    data[frame + 5 : frame + 9] = struct.pack(">HH", 50_000, 50_000)
    return bytes(data)


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES
        }


def _site(client: TestClient, headers: dict[str, str], status: str, index: int) -> dict[str, Any]:
    """A site of the demo registry with ``status`` (the index keeps tests on different sites)."""
    page = client.get("/sites", params={"status": status, "limit": 50}, headers=headers).json()
    feature: dict[str, Any] = page["features"][index]
    return feature


def _error(r: httpx.Response) -> dict[str, Any]:
    body = r.json()
    assert set(body) == {"error"} and "Traceback" not in r.text
    error: dict[str, Any] = body["error"]
    return error


def test_json_inspection_updates_the_site_attributed(
    client: TestClient, tokens: dict[str, str]
) -> None:
    officer = bearer(tokens["field_officer"])
    site = _site(client, officer, "suspected", 0)
    r = client.post(
        "/inspections",
        json={
            "site_code": site["id"],
            "result": "sealed",
            "inspected_on": "2026-11-20",
            "team": "TIM-1",
        },
        headers=officer,
    )
    assert r.status_code == 201, r.text
    assert r.json()["status_before"] == "suspected" and r.json()["status_after"] == "sealed"
    assert r.json()["evidence"] == []
    after = client.get(f"/sites/{site['id']}", headers=officer).json()
    assert after["properties"]["status"] == "sealed"
    assert after["properties"]["last_inspected"] == "2026-11-20"
    history = client.get(f"/sites/{site['id']}/history", headers=officer).json()
    assert history[-1]["actor"] == "test-field_officer"
    forbidden = client.post(
        "/inspections",
        json={"site_code": site["id"], "result": "active"},
        headers=bearer(tokens["intake_operator"]),
    )
    assert forbidden.status_code == 403
    missing = client.post(
        "/inspections", json={"site_code": "ZZZ-999", "result": "active"}, headers=officer
    )
    assert missing.status_code == 404


def test_photos_stored_linked_and_served_to_inspectors_only(
    client: TestClient,
    tokens: dict[str, str],
    api_engine: Engine,
    api_settings_obj: Settings,
) -> None:
    officer = bearer(tokens["field_officer"])
    site = _site(client, officer, "suspected", 1)
    photos = [_jpeg(), _jpeg()]
    r = client.post(
        "/inspections/with-evidence",
        data={
            "site_code": site["id"],
            "result": "equipment_seen",
            "team": "TIM-2",
            "notes": "Dua ekskavator 🚜",
            "track": json.dumps([[117.10, -0.50], [117.11, -0.49]]),
        },
        files=[
            ("evidence", ("ekskavator.jpg", photos[0], "image/jpeg")),
            ("evidence", ("../../etc/lubang.jpg", photos[1], "image/jpeg")),
        ],
        headers=officer,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    shas = [hashlib.sha256(p).hexdigest() for p in photos]
    assert [e["sha256"] for e in body["evidence"]] == shas
    assert [e["name"] for e in body["evidence"]] == ["ekskavator.jpg", "lubang.jpg"]
    assert [e["bytes"] for e in body["evidence"]] == [len(p) for p in photos]
    for sha, photo in zip(shas, photos, strict=True):
        stored = evidence_path(sha, "image/jpeg", settings=api_settings_obj)
        assert stored.read_bytes() == photo
    iid = body["inspection_id"]
    with api_engine.connect() as conn:
        links = conn.execute(
            text("SELECT sha256, added_by FROM inspection_evidence WHERE inspection_id = :i"),
            {"i": iid},
        ).all()
        recorded_by = conn.execute(
            text("SELECT recorded_by FROM inspections WHERE id = :i"), {"i": iid}
        ).scalar_one()
    assert sorted(links) == sorted((s, "test-field_officer") for s in shas)
    assert recorded_by == "test-field_officer"
    history = client.get(f"/sites/{site['id']}/history", headers=officer).json()
    assert history[-1]["actor"] == "test-field_officer"

    for role in ("analyst", "admin", "field_officer"):
        detail = client.get(f"/inspections/{iid}", headers=bearer(tokens[role]))
        assert detail.status_code == 200, detail.text
        assert {e["sha256"] for e in detail.json()["evidence"]} == set(shas)
        assert detail.json()["result"] == "equipment_seen"
        got = client.get(f"/inspections/{iid}/evidence/{shas[1]}", headers=bearer(tokens[role]))
        assert got.status_code == 200 and got.content == photos[1]
        assert got.headers["content-type"] == "image/jpeg"
        assert got.headers["x-content-type-options"] == "nosniff"
    for path in (f"/inspections/{iid}", f"/inspections/{iid}/evidence/{shas[0]}"):
        public = client.get(path)
        assert public.status_code == 401 and _error(public)["field"] == "Authorization"
        assert client.get(path, headers=bearer(tokens["intake_operator"])).status_code == 403
    other = hashlib.sha256(b"not linked").hexdigest()
    assert client.get(f"/inspections/{iid}/evidence/{other}", headers=officer).status_code == 404
    assert client.get("/inspections/999999", headers=officer).status_code == 404


def test_same_photo_twice_is_stored_once(
    client: TestClient, tokens: dict[str, str], api_engine: Engine
) -> None:
    analyst = bearer(tokens["analyst"])
    photo = _jpeg()
    first = client.post(
        "/inspections/with-evidence",
        data={"site_code": _site(client, analyst, "suspected", 2)["id"], "result": "active"},
        files=[("evidence", ("a.jpg", photo, "image/jpeg")), ("evidence", ("b.jpg", photo))],
        headers=analyst,
    )
    assert first.status_code == 201, first.text
    assert len(first.json()["evidence"]) == 1
    before = _counts(api_engine)
    second = client.post(
        "/inspections/with-evidence",
        data={"site_code": _site(client, analyst, "suspected", 3)["id"], "result": "active"},
        files=[("evidence", ("c.jpg", photo, "image/jpeg"))],
        headers=analyst,
    )
    assert second.status_code == 201, second.text
    after = _counts(api_engine)
    assert after["evidence"] == before["evidence"]  # the file and its row exist once
    assert after["inspection_evidence"] == before["inspection_evidence"] + 1
    assert after["inspections"] == before["inspections"] + 1


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (("foto.jpg", b"just some text", "image/jpeg"), "expected a JPEG"),
        (("foto.png", _zip(), "image/png"), "expected a JPEG"),
        (("foto.jpg", _jpeg()[:120], "image/jpeg"), "cannot be decoded"),
        (("kosong.jpg", b"", "image/jpeg"), "is empty"),
        (("bom.jpg", _jpeg_bomb(), "image/jpeg"), "decompression bomb"),
    ],
)
def test_bad_file_records_nothing(
    client: TestClient,
    tokens: dict[str, str],
    api_engine: Engine,
    api_settings_obj: Settings,
    bad: tuple[str, bytes, str],
    message: str,
) -> None:
    officer = bearer(tokens["field_officer"])
    site = _site(client, officer, "active", 0)
    before = _counts(api_engine)
    good = _jpeg()
    r = client.post(
        "/inspections/with-evidence",
        data={"site_code": site["id"], "result": "sealed"},
        files=[("evidence", ("ok.jpg", good, "image/jpeg")), ("evidence", bad)],
        headers=officer,
    )
    assert r.status_code == 422, r.text
    error = _error(r)
    assert error["field"] == "evidence[1]" and message in error["message"]
    assert _counts(api_engine) == before
    again = client.get(f"/sites/{site['id']}", headers=officer).json()
    assert again["properties"]["status"] == site["properties"]["status"] == "active"
    good_path = evidence_path(
        hashlib.sha256(good).hexdigest(), "image/jpeg", settings=api_settings_obj
    )
    assert not good_path.exists()


def test_other_bad_requests_record_nothing(
    client: TestClient, tokens: dict[str, str], api_engine: Engine, api_settings_obj: Settings
) -> None:
    officer = bearer(tokens["field_officer"])
    site = _site(client, officer, "active", 1)
    before = _counts(api_engine)
    form = {"site_code": site["id"], "result": "sealed"}
    photo = ("ok.jpg", _jpeg(), "image/jpeg")
    too_many = client.post(
        "/inspections/with-evidence",
        data=form,
        files=[("evidence", photo)] * (MAX_FILES + 1),
        headers=officer,
    )
    assert too_many.status_code == 422 and _error(too_many)["field"] == "evidence"
    no_files = client.post("/inspections/with-evidence", data=form, headers=officer)
    assert no_files.status_code == 422 and _error(no_files)["field"] == "evidence"
    bad_track = client.post(
        "/inspections/with-evidence",
        data={**form, "track": "[[117.1, NaN"},
        files=[("evidence", photo)],
        headers=officer,
    )
    assert bad_track.status_code == 422 and _error(bad_track)["field"] == "track"
    public = client.post("/inspections/with-evidence", data=form, files=[("evidence", photo)])
    assert public.status_code == 401
    boundary = "XyZ123"
    cut = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="site_code"\r\n\r\n'
        f'{site["id"]}\r\n--{boundary}\r\nContent-Disposition: form-data; name="result"\r\n\r\n'
        f'sealed\r\n--{boundary}\r\nContent-Disposition: form-data; name="evidence"; '
        f'filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
    ).encode() + _jpeg()[:100]
    truncated = client.post(
        "/inspections/with-evidence",
        content=cut,
        headers={**officer, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert 400 <= truncated.status_code < 500, truncated.text
    assert _counts(api_engine) == before
    assert (
        client.get(f"/sites/{site['id']}", headers=officer).json()["properties"]["status"]
        == site["properties"]["status"]
    )

    small = create_app(
        api_settings_obj.model_copy(update={"api": ApiSettings(max_upload_bytes=2048)})
    )
    with TestClient(small) as c:
        big = c.post(
            "/inspections/with-evidence",
            data=form,
            files=[("evidence", ("big.jpg", b"\xff\xd8\xff" + b"0" * 10_000, "image/jpeg"))],
            headers=officer,
        )
    assert big.status_code == 413 and _error(big)["code"] == "payload_too_large"
    assert _counts(api_engine) == before


def test_evidence_added_after_the_visit(
    client: TestClient, tokens: dict[str, str], api_engine: Engine
) -> None:
    officer = bearer(tokens["field_officer"])
    site = _site(client, officer, "active", 2)
    r = client.post(
        "/inspections", json={"site_code": site["id"], "result": "inactive"}, headers=officer
    )
    assert r.status_code == 201, r.text
    iid = r.json()["inspection_id"]
    photo = _jpeg()
    analyst = bearer(tokens["analyst"])
    added = client.post(
        f"/inspections/{iid}/evidence",
        files=[("evidence", ("nanti.jpg", photo, "image/jpeg"))],
        headers=analyst,
    )
    assert added.status_code == 200, added.text
    [entry] = added.json()["evidence"]
    assert entry["sha256"] == hashlib.sha256(photo).hexdigest()
    assert (entry["added_by"], entry["name"], entry["mime"]) == (
        "test-analyst",
        "nanti.jpg",
        "image/jpeg",
    )
    before = _counts(api_engine)
    bad = client.post(
        f"/inspections/{iid}/evidence",
        files=[("evidence", ("x.jpg", _jpeg())), ("evidence", ("x.png", _zip(), "image/png"))],
        headers=analyst,
    )
    assert bad.status_code == 422 and _error(bad)["field"] == "evidence[1]"
    assert _counts(api_engine) == before
    files = [("evidence", ("x.jpg", photo, "image/jpeg"))]
    assert client.post(f"/inspections/{iid}/evidence", files=files).status_code == 401
    assert (
        client.post(
            f"/inspections/{iid}/evidence", files=files, headers=bearer(tokens["intake_operator"])
        ).status_code
        == 403
    )
    missing = client.post("/inspections/999999/evidence", files=files, headers=analyst)
    assert missing.status_code == 404 and _error(missing)["field"] == "inspection_id"


def test_inspection_refreshes_the_site_priority(
    client: TestClient, tokens: dict[str, str], api_engine: Engine
) -> None:
    """The stored priority components read the inspection at once, not at the next rescore."""
    from geo.db import session_scope
    from geo.priority import compute_priority

    officer = bearer(tokens["field_officer"])
    code = _site(client, officer, "suspected", 4)["id"]
    with session_scope(api_engine) as session:
        compute_priority(session=session)
    query = text(
        "SELECT p.status, p.days_since_inspection FROM site_priority p "
        "JOIN sites s ON s.id = p.site_id WHERE s.code = :code"
    )
    with api_engine.connect() as conn:
        before = tuple(conn.execute(query, {"code": code}).one())
    assert before[0] == "suspected" and before[1] != 0
    r = client.post("/inspections", json={"site_code": code, "result": "inactive"}, headers=officer)
    assert r.status_code == 201, r.text
    with api_engine.connect() as conn:
        assert tuple(conn.execute(query, {"code": code}).one()) == ("dormant", 0)
