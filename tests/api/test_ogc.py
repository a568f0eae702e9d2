"""OGC API - Features under /ogc, read by real clients (GDAL's OAPIF driver, OWSLib) from a
real ``pantau serve`` process, plus the paging, bbox and datetime rules of Part 1 Core."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Server, bearer

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
GEOJSON = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"


def test_landing_and_conformance_are_open(client: TestClient) -> None:
    landing = client.get("/ogc").json()
    rels = {link["rel"] for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels
    conforms = client.get("/ogc/conformance").json()["conformsTo"]
    assert CORE in conforms and GEOJSON in conforms


def test_collections_depend_on_the_role(client: TestClient, tokens: dict[str, str]) -> None:
    public = client.get("/ogc/collections").json()["collections"]
    assert public == []
    staff = client.get("/ogc/collections", headers=bearer(tokens["analyst"])).json()
    ids = {c["id"] for c in staff["collections"]}
    assert "sites" in ids
    sites = next(c for c in staff["collections"] if c["id"] == "sites")
    minx, miny, maxx, maxy = sites["extent"]["spatial"]["bbox"][0]
    assert 113 < minx < maxx < 120 and -3.5 < miny < maxy < 3
    assert client.get("/ogc/collections/sites").status_code == 401
    assert client.get("/ogc/collections/nope", headers=bearer(tokens["admin"])).status_code == 404


def test_items_paging_bbox_and_datetime(client: TestClient, tokens: dict[str, str]) -> None:
    h = bearer(tokens["analyst"])
    first = client.get("/ogc/collections/sites/items?limit=10", headers=h).json()
    assert first["numberReturned"] == 10
    next_href = next(link["href"] for link in first["links"] if link["rel"] == "next")
    second = client.get(next_href, headers=h).json()
    assert not {f["id"] for f in first["features"]} & {f["id"] for f in second["features"]}
    assert any(link["rel"] == "prev" for link in second["links"])

    everything = client.get("/ogc/collections/sites/items?limit=10000", headers=h).json()
    dates = sorted(
        f["properties"]["first_reported"]
        for f in everything["features"]
        if f["properties"]["first_reported"]
    )
    cut = dates[len(dates) // 2]
    after = client.get(
        "/ogc/collections/sites/items", params={"datetime": f"{cut}T00:00:00Z/.."}, headers=h
    ).json()
    assert after["numberMatched"] == sum(1 for d in dates if d >= cut)
    before = client.get(
        "/ogc/collections/sites/items", params={"datetime": f"../{cut}"}, headers=h
    ).json()
    assert before["numberMatched"] == sum(1 for d in dates if d <= cut)

    empty = client.get(
        "/ogc/collections/sites/items", params={"bbox": "100,-10,101,-9"}, headers=h
    ).json()
    assert empty["numberMatched"] == 0 and empty["features"] == []

    one = everything["features"][0]
    got = client.get(f"/ogc/collections/sites/items/{one['id']}", headers=h)
    assert got.headers["content-type"].startswith("application/geo+json")
    assert got.json()["id"] == one["id"]
    assert {link["rel"] for link in got.json()["links"]} == {"self", "collection"}


def test_bad_ogc_parameters_are_400s_that_name_the_parameter(
    client: TestClient, tokens: dict[str, str]
) -> None:
    h = bearer(tokens["analyst"])
    for params, field in (
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"datetime": "yesterday"}, "datetime"),
        ({"datetime": "2025-02-01/2025-01-01"}, "datetime"),
        ({"limit": "0"}, "limit"),
    ):
        r = client.get("/ogc/collections/sites/items", params=params, headers=h)
        assert r.status_code == 422, params
        assert r.json()["error"]["field"] == field


def _need_gdal() -> None:
    if shutil.which("ogrinfo") is None:
        message = "GDAL's ogrinfo is needed: apt-get install -y gdal-bin"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)  # in CI a skipped client test is a failure
        pytest.skip(message)


def test_gdal_oapif_driver_reads_the_sites(server: Server, tokens: dict[str, str]) -> None:
    _need_gdal()
    expected = httpx.get(f"{server.url}/sites?limit=1", headers=bearer(tokens["analyst"])).json()[
        "numberMatched"
    ]
    result = subprocess.run(
        [
            "ogrinfo",
            "-ro",
            "-so",
            "-al",
            "--config",
            "GDAL_HTTP_HEADERS",
            f"Authorization: Bearer {tokens['analyst']}",
            "-oo",
            "PAGE_SIZE=40",  # several pages: GDAL must follow our next links
            f"OAPIF:{server.url}/ogc",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Layer name: sites" in result.stdout
    assert f"Feature Count: {expected}" in result.stdout
    # Count features fetched page by page (not the advertised numberMatched)
    dump = subprocess.run(
        [
            "ogr2ogr",
            "-f",
            "GeoJSON",
            "/vsistdout/",
            "--config",
            "GDAL_HTTP_HEADERS",
            f"Authorization: Bearer {tokens['analyst']}",
            "-oo",
            "PAGE_SIZE=40",
            f"OAPIF:{server.url}/ogc",
            "sites",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dump.returncode == 0, dump.stderr
    fetched = json.loads(dump.stdout)["features"]
    assert len(fetched) == expected
    assert len({f["properties"]["code"] for f in fetched}) == expected


def test_gdal_without_a_token_sees_no_layers(server: Server) -> None:
    _need_gdal()
    result = subprocess.run(
        ["ogrinfo", "-ro", "-so", f"OAPIF:{server.url}/ogc"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "sites" not in result.stdout


def test_owslib_reads_collections_and_items(server: Server, tokens: dict[str, str]) -> None:
    from owslib.ogcapi.features import Features

    api = Features(f"{server.url}/ogc", headers=bearer(tokens["analyst"]))
    assert CORE in api.conformance()["conformsTo"]
    assert "sites" in [c["id"] for c in api.collections()["collections"]]
    page = api.collection_items("sites", limit=5, offset=5)
    assert page["type"] == "FeatureCollection"
    assert len(page["features"]) == 5
    everything = api.collection_items("sites", limit=1000)
    assert [f["id"] for f in page["features"]] == [f["id"] for f in everything["features"][5:10]]
    point = next(f for f in everything["features"] if f["geometry"]["type"] == "Point")
    lon, lat = point["geometry"]["coordinates"]
    near = api.collection_items("sites", bbox=[lon - 0.001, lat - 0.001, lon + 0.001, lat + 0.001])
    assert point["id"] in [f["id"] for f in near["features"]]
    assert len(near["features"]) < len(everything["features"])
    one = api.collection_item("sites", everything["features"][0]["id"])
    assert one["id"] == everything["features"][0]["id"]


def test_gdal_reads_the_sites_with_basic_authentication(
    server: Server, tokens: dict[str, str]
) -> None:
    # QGIS offers Basic authentication for OGC API services; GDAL's HTTP layer is what it uses.
    _need_gdal()
    expected = httpx.get(f"{server.url}/sites?limit=1", headers=bearer(tokens["analyst"])).json()[
        "numberMatched"
    ]
    result = subprocess.run(
        [
            "ogrinfo",
            "-ro",
            "-so",
            "-al",
            "--config",
            "GDAL_HTTP_AUTH",
            "BASIC",
            "--config",
            "GDAL_HTTP_USERPWD",
            f"qgis:{tokens['analyst']}",
            f"OAPIF:{server.url}/ogc",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Layer name: sites" in result.stdout
    assert f"Feature Count: {expected}" in result.stdout


def test_basic_authentication_takes_the_token_as_password(
    client: TestClient, tokens: dict[str, str]
) -> None:
    import base64

    def basic(user: str, password: str) -> dict[str, str]:
        pair = base64.b64encode(f"{user}:{password}".encode()).decode()
        return {"Authorization": f"Basic {pair}"}

    ok = client.get("/ogc/collections/reports/items?limit=1", headers=basic("x", tokens["analyst"]))
    assert ok.status_code == 200
    for headers in (
        basic("x", "not-a-token"),
        basic("only-a-user", ""),
        {"Authorization": "Basic %%%"},
    ):
        refused = client.get("/ogc/collections/reports/items?limit=1", headers=headers)
        assert refused.status_code == 401, headers
        assert (
            "Basic" in refused.headers["www-authenticate"]
            or "Bearer" in refused.headers["www-authenticate"]
        )


def test_collections_list_their_license_and_attribution(
    client: TestClient, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.routes import ogc

    h = {**bearer(tokens["analyst"]), "Accept-Language": "id"}
    listed = client.get("/ogc/collections", headers=h).json()["collections"]
    assert listed
    for doc in listed:  # every collection of the agency: restricted licence, agency attribution
        assert doc["attribution"] == "Dinas ESDM Provinsi Kalimantan Timur"
        assert doc["license"].startswith("Terbatas")
        link = next(link for link in doc["links"] if link["rel"] == "license")
        assert link["href"].endswith("/ogc/license") and link["title"] == doc["license"]
    terms = client.get("/ogc/license", headers={"Accept-Language": "en"}).json()
    assert terms["license"].startswith("Restricted") and terms["attribution"] == doc["attribution"]

    # A layer from another source (e.g. permits) carries that source's attribution and licence.
    monkeypatch.setitem(
        ogc.SOURCES,
        "hotspots",
        ogc.DataSource("© Kementerian ESDM", "CC-BY-4.0", "https://example.org/license"),
    )
    one = client.get("/ogc/collections/hotspots", headers=h).json()
    assert one["attribution"] == "© Kementerian ESDM" and one["license"] == "CC-BY-4.0"
    link = next(link for link in one["links"] if link["rel"] == "license")
    assert link == {
        "href": "https://example.org/license",
        "rel": "license",
        "type": "text/html",
        "title": "CC-BY-4.0",
    }
    sites = client.get("/ogc/collections/sites", headers=h).json()
    assert sites["attribution"] == "Dinas ESDM Provinsi Kalimantan Timur"
