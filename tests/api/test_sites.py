"""``/sites``: GeoJSON listing with filters and paging, one site, create/edit by admins, history."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import bearer


def test_list_is_rfc7946_feature_collection_of_the_demo_registry(
    client: TestClient, tokens: dict[str, str]
) -> None:
    r = client.get("/sites", headers=bearer(tokens["analyst"]))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/geo+json")
    body = r.json()
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] >= 108
    codes = [f["id"] for f in body["features"]]
    assert codes == sorted(codes)
    feature = body["features"][0]
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] in {"Point", "Polygon", "MultiPolygon"}
    lon, lat = _first_position(feature["geometry"])
    # RFC 7946: longitude first; East Kalimantan is around lon 114..119, lat -3..3
    assert 113 < lon < 120 and -3.5 < lat < 3
    assert "notes" not in feature["properties"]


def _first_position(geometry: dict[str, object]) -> tuple[float, float]:
    coords: object = geometry["coordinates"]
    while isinstance(coords, list) and isinstance(coords[0], list):
        coords = coords[0]
    assert isinstance(coords, list)
    return float(coords[0]), float(coords[1])


def test_filters_and_bbox_narrow_the_list(client: TestClient, tokens: dict[str, str]) -> None:
    h = bearer(tokens["field_officer"])
    everything = client.get("/sites", headers=h).json()
    coal = client.get("/sites", params={"commodity": "batubara"}, headers=h).json()
    assert 0 < coal["numberMatched"] < everything["numberMatched"]
    assert {f["properties"]["commodity"] for f in coal["features"]} == {"batubara"}
    kab = everything["features"][0]["properties"]["kabupaten"]
    in_kab = client.get("/sites", params={"kabupaten": kab}, headers=h).json()
    assert {f["properties"]["kabupaten"] for f in in_kab["features"]} == {kab}
    lon, lat = _first_position(everything["features"][0]["geometry"])
    box = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    near = client.get("/sites", params={"bbox": box}, headers=h).json()
    assert everything["features"][0]["id"] in {f["id"] for f in near["features"]}
    assert near["numberMatched"] < everything["numberMatched"]


def test_paging_links_walk_every_site_once(client: TestClient, tokens: dict[str, str]) -> None:
    h = bearer(tokens["analyst"])
    seen: list[str] = []
    url: str | None = "/sites?limit=25"
    while url:
        body = client.get(url, headers=h).json()
        seen += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    assert len(seen) == len(set(seen)) == body["numberMatched"]


def test_public_cannot_read_the_registry(client: TestClient) -> None:
    r = client.get("/sites")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"


def test_unknown_token_is_refused_not_downgraded(client: TestClient) -> None:
    r = client.get("/sites", headers=bearer("ptm_nonsense"))
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"


def test_one_site_and_unknown_site(client: TestClient, tokens: dict[str, str]) -> None:
    h = bearer(tokens["analyst"])
    first = client.get("/sites?limit=1", headers=h).json()["features"][0]
    r = client.get(f"/sites/{first['id'].lower()}", headers=h)
    assert r.status_code == 200
    assert r.json()["id"] == first["id"]
    missing = client.get("/sites/ZZZ-999", headers=h)
    assert missing.status_code == 404
    assert missing.json()["error"] == {
        "code": "not_found",
        "message": "sites has no feature 'ZZZ-999'",
        "field": "featureId",
    }


NEW_SITE = {
    "code": "TST-501",
    "name": "Bukaan uji <script>alert(1)</script>",
    "geometry": {"type": "Point", "coordinates": [117.01, -0.52]},
    "kabupaten": "Kutai Kartanegara",
    "commodity": "batubara",
    "risk_level": "high",
}


def test_admin_creates_and_edits_a_site_attributed_in_the_audit_trail(
    client: TestClient, tokens: dict[str, str]
) -> None:
    admin = bearer(tokens["admin"])
    created = client.post("/sites", json=NEW_SITE, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["properties"]["name"] == NEW_SITE["name"]  # stored as text, verbatim
    again = client.post("/sites", json=NEW_SITE, headers=admin)
    assert again.status_code == 409
    assert again.json()["error"]["field"] == "code"
    edited = client.patch("/sites/TST-501", json={"status": "sealed"}, headers=admin)
    assert edited.status_code == 200
    assert edited.json()["properties"]["status"] == "sealed"
    history = client.get("/sites/TST-501/history", headers=admin).json()
    assert [h["action"] for h in history] == ["create", "update"]
    assert {h["actor"] for h in history} == {"test-admin"}
    assert history[1]["changes"] == {"status": ["suspected", "sealed"]}


def test_only_admins_write_sites(client: TestClient, tokens: dict[str, str]) -> None:
    body = {**NEW_SITE, "code": "TST-502"}
    for role in ("analyst", "field_officer", "intake_operator"):
        r = client.post("/sites", json=body, headers=bearer(tokens[role]))
        assert r.status_code == 403, role
    assert client.post("/sites", json=body).status_code == 401
    assert client.get("/sites/TST-502", headers=bearer(tokens["admin"])).status_code == 404


def test_bad_site_input_names_the_field(client: TestClient, tokens: dict[str, str]) -> None:
    admin = bearer(tokens["admin"])
    swapped = {
        **NEW_SITE,
        "code": "TST-503",
        "geometry": {"type": "Point", "coordinates": [-0.52, 117.01]},
    }
    r = client.post("/sites", json=swapped, headers=admin)
    assert r.status_code == 422
    assert "swapped" in r.json()["error"]["message"]
    bad_status = client.patch("/sites/TST-501", json={"status": "destroyed"}, headers=admin)
    assert bad_status.status_code == 422
    assert bad_status.json()["error"]["field"] == "status"
    assert client.get("/sites/TST-503", headers=admin).status_code == 404
