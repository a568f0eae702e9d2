"""``/sites``: GeoJSON listing with filters and paging, one site, create/edit by admins, history."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text

from api.main import create_app
from api.settings import ApiSettings
from geo.featurecache import CollectionCache
from geo.settings import Settings
from tests.api.conftest import Server, bearer


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


def test_a_cached_page_from_a_real_server_is_whole(server: Server, tokens: dict[str, str]) -> None:
    # The page is written in parts after its envelope (api.routes._geojson.GeoJSONParts): a
    # Content-Length that is not their sum makes uvicorn break the connection, or the client
    # read a cut body.
    headers = bearer(tokens["analyst"])
    for _ in range(2):  # the first page read from PostgreSQL, the second from the cache
        r = httpx.get(f"{server.url}/sites?limit=10000", headers=headers, timeout=30)
        assert r.status_code == 200
        assert int(r.headers["content-length"]) == len(r.content)
        body = r.json()
        assert body["type"] == "FeatureCollection"
        assert len(body["features"]) == body["numberReturned"] == body["numberMatched"] >= 108


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


# -- the registry cache (geo.featurecache): GETs answered without SQL until the registry changes


@contextmanager
def counting_statements(engine: Engine) -> Iterator[list[str]]:
    """Collect the SQL statements the app's engine sends while the block runs."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _app_cache(client: TestClient) -> CollectionCache[Any]:
    cache = client.app.state.registry_cache  # type: ignore[attr-defined]  # Starlette app
    assert isinstance(cache, CollectionCache)
    assert cache.wait_live(10), "the registry listener did not connect"
    return cache


def _app_engine(client: TestClient) -> Engine:
    engine = client.app.state.engine  # type: ignore[attr-defined]  # Starlette app
    assert isinstance(engine, Engine)
    return engine


def _last_site(client: TestClient, h: dict[str, str]) -> dict[str, Any]:
    feature: dict[str, Any] = client.get("/sites", headers=h).json()["features"][-1]
    return feature


def _name_in_list(client: TestClient, h: dict[str, str], code: str) -> str:
    body = client.get("/sites", headers=h).json()
    return str(next(f for f in body["features"] if f["id"] == code)["properties"]["name"])


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_a_repeated_get_does_no_sql_until_another_connection_changes_a_site(
    client: TestClient, tokens: dict[str, str], api_engine: Engine
) -> None:
    h = bearer(tokens["analyst"])
    _app_cache(client)
    site = _last_site(client, h)
    code, name = site["id"], site["properties"]["name"]
    client.get(f"/sites/{code}", headers=h)
    client.get("/ogc/collections/sites/items?limit=5", headers=h)
    with counting_statements(_app_engine(client)) as statements:
        again = client.get("/sites", headers=h)
        one = client.get(f"/sites/{code}", headers=h)
        ogc = client.get("/ogc/collections/sites/items?limit=5", headers=h)
    assert statements == []
    assert again.status_code == one.status_code == ogc.status_code == 200
    assert one.json()["properties"]["name"] == name
    assert len(ogc.json()["features"]) == 5
    # The OGC timeStamp and links are built per request, not cached.
    assert ogc.json()["links"][0]["href"].endswith("limit=5&offset=0")
    try:
        with api_engine.begin() as conn:
            conn.execute(
                text("UPDATE sites SET name = :name WHERE code = :code"),
                {"name": "Diubah lewat SQL", "code": code},
            )
        assert _wait_for(lambda: _name_in_list(client, h, code) == "Diubah lewat SQL", 1.0)
        assert client.get(f"/sites/{code}", headers=h).json()["properties"]["name"] == (
            "Diubah lewat SQL"
        )
    finally:
        with api_engine.begin() as conn:
            conn.execute(
                text("UPDATE sites SET name = :name WHERE code = :code"),
                {"name": name, "code": code},
            )
    assert _wait_for(lambda: _name_in_list(client, h, code) == name, 1.0)


def test_authorisation_is_checked_before_the_cache(
    client: TestClient, tokens: dict[str, str]
) -> None:
    h = bearer(tokens["analyst"])
    code = _last_site(client, h)["id"]
    assert client.get(f"/sites/{code}", headers=h).status_code == 200
    assert client.get("/sites").status_code == 401
    assert client.get(f"/sites/{code}").status_code == 401
    assert client.get("/ogc/collections/sites/items").status_code == 401


def test_an_api_edit_is_seen_by_the_very_next_get(
    client: TestClient, tokens: dict[str, str], api_engine: Engine
) -> None:
    h, admin = bearer(tokens["analyst"]), bearer(tokens["admin"])
    site = _last_site(client, h)
    code, name = site["id"], site["properties"]["name"]
    # A cache deaf to notifications: only the route's invalidate() can drop what it holds.
    deaf = CollectionCache[Any](api_engine, channel="pantau_test_deaf", poll_seconds=0.05)
    deaf.start()
    app_state = client.app.state  # type: ignore[attr-defined]  # Starlette app
    real = app_state.registry_cache
    app_state.registry_cache = deaf
    try:
        assert deaf.wait_live(10)
        assert _name_in_list(client, h, code) == name
        assert client.get(f"/sites/{code}", headers=h).json()["properties"]["name"] == name
        assert len(deaf) == 2
        r = client.patch(f"/sites/{code}", json={"name": "Diubah lewat API"}, headers=admin)
        assert r.status_code == 200, r.text
        assert _name_in_list(client, h, code) == "Diubah lewat API"
        assert client.get(f"/sites/{code}", headers=h).json()["properties"]["name"] == (
            "Diubah lewat API"
        )
        # Like TST-501 above, the new site stays (the audit trail is append-only).
        created = client.post("/sites", json={**NEW_SITE, "code": "TST-511"}, headers=admin)
        assert created.status_code == 201, created.text
        assert client.get("/sites/TST-511", headers=h).status_code == 200
        assert "TST-511" in {f["id"] for f in client.get("/sites", headers=h).json()["features"]}
    finally:
        client.patch(f"/sites/{code}", json={"name": name}, headers=admin)
        app_state.registry_cache = real
        deaf.stop()


def test_with_the_listener_stopped_every_request_reads_the_database(
    client: TestClient, tokens: dict[str, str]
) -> None:
    h = bearer(tokens["analyst"])
    cache = _app_cache(client)
    code = _last_site(client, h)["id"]
    cache.stop()
    try:
        assert cache.version() is None
        client.get("/sites", headers=h)  # the token is verified and remembered
        for path in ("/sites", "/sites", f"/sites/{code}", f"/sites/{code}"):
            with counting_statements(_app_engine(client)) as statements:
                assert client.get(path, headers=h).status_code == 200
            assert any("FROM sites" in s for s in statements), path
    finally:
        cache.start()
    assert cache.wait_live(10)


def test_the_cache_can_be_turned_off(api_settings_obj: Settings, tokens: dict[str, str]) -> None:
    app = create_app(api_settings_obj.model_copy(update={"api": ApiSettings(registry_cache=False)}))
    h = bearer(tokens["analyst"])
    with TestClient(app) as c:
        assert app.state.registry_cache is None
        c.get("/sites", headers=h)
        with counting_statements(app.state.engine) as statements:
            assert c.get("/sites", headers=h).status_code == 200
        assert any("FROM sites" in s for s in statements)


def test_a_nested_lifespan_leaves_the_outer_cache_running(
    client: TestClient, tokens: dict[str, str]
) -> None:
    # schemathesis' from_asgi runs the lifespan of the session's app a second time.
    outer = _app_cache(client)
    with TestClient(client.app) as nested:
        assert nested.get("/sites?limit=1", headers=bearer(tokens["analyst"])).status_code == 200
    assert client.app.state.registry_cache is outer  # type: ignore[attr-defined]  # Starlette
    assert outer.live
