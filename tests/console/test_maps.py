"""Peta dan briefing (``/peta``) in process: the options, roles, jobs, and the public export.

The public export is scanned for every item that must not leave the agency (as
``tests/geo/maps/test_public.py`` scans ``pantau map --share``): site codes and names (no site
of this database is marked public), base names, tracking codes, report text, reporter data.
"""

from __future__ import annotations

import re
import sqlite3
import time
import unicodedata
from io import BytesIO
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import text

from api.main import create_app
from geo.db import make_engine, session_scope
from geo.maps import MapOptions, service
from geo.settings import Settings
from geo.tokens import create_token
from tests.console.conftest import World, csrf_of, sign_in

JOB = re.compile(r"/peta/hasil/([0-9a-f]{16})")


def _make(client: TestClient, **fields: object) -> httpx.Response:
    data = {"csrf_token": csrf_of(client, "/peta"), **fields}
    return client.post("/peta", data=data, follow_redirects=False)


def _wait(client: TestClient, job: str, timeout: float = 180.0) -> str:
    """Ask for the job's state as htmx does until it is no longer being made."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        part = client.get(f"/peta/hasil/{job}/status", headers={"HX-Request": "true"})
        assert part.status_code == 200
        if 'hx-trigger="every 2s"' not in part.text:
            return part.text
        time.sleep(0.5)
    raise AssertionError("the job did not finish")


def _forbidden(settings: Settings, world: World) -> set[str]:
    engine = make_engine(settings.database.url)
    try:
        with engine.connect() as conn:
            sites = conn.execute(text("SELECT code, name FROM sites WHERE NOT public")).all()
            bases = conn.execute(text("SELECT code, name FROM bases")).all()
            reports = conn.execute(text("SELECT code, description FROM reports")).all()
    finally:
        engine.dispose()
    items = {v for row in [*sites, *bases] for v in row if v}
    items |= {code for code, _ in reports} | {d[:20] for _, d in reports if d}
    return items | {"Budi Santoso", "081299990000", "Galian baru", "Pangkalan"}


def _leaks(content: str, forbidden: set[str]) -> list[str]:
    return [
        item
        for item in forbidden
        if re.search(rf"(?<![A-Za-z0-9-]){re.escape(item)}(?![0-9])", content)
    ]


def test_peta_is_for_staff_and_in_the_menu(new_client: TestClient) -> None:
    signed_out = new_client.get("/peta", follow_redirects=False)
    assert signed_out.status_code in (302, 303) and "/?next=" in signed_out.headers["location"]
    sign_in(new_client, "field_officer")
    page = new_client.get("/peta")
    assert page.status_code == 200
    assert '<a href="/peta" aria-current="page">Peta</a>' in page.text
    assert "Buat peta dan briefing" in page.text and "Ekspor untuk publik/mitra" in page.text
    assert 'name="pantau-basemap" content="/static/basemap.json' in page.text


def test_a_post_without_the_forms_token_is_refused(new_client: TestClient) -> None:
    sign_in(new_client, "analyst")
    refused = new_client.post("/peta", data={"period": "90d"}, follow_redirects=False)
    assert refused.status_code == 403


def test_bad_options_are_named_next_to_their_field(new_client: TestClient) -> None:
    sign_in(new_client, "analyst")
    bad_kab = _make(new_client, period="90d", kabupaten="Atlantis", lang="id")
    assert bad_kab.status_code == 422
    assert 'id="kabupaten-error"' in bad_kab.text and "pilih kabupaten" in bad_kab.text.lower()
    bad_dates = _make(new_client, period="custom", start="2026-06-30", end="2026-01-01")
    assert bad_dates.status_code == 422 and 'id="period-error"' in bad_dates.text
    bad_layer = _make(new_client, period="90d", layers=["sites", "gunung"])
    assert bad_layer.status_code == 422 and 'id="layers-error"' in bad_layer.text


def test_a_job_is_its_makers_only(new_client: TestClient, app_client: TestClient) -> None:
    sign_in(new_client, "analyst")
    made = _make(new_client, period="30d", kind="public", lang="en")
    assert made.status_code == 303
    job = JOB.search(made.headers["location"])
    assert job
    sign_in(app_client, "field_officer")
    assert app_client.get(f"/peta/hasil/{job.group(1)}").status_code == 404
    assert app_client.get(f"/peta/hasil/{job.group(1)}/publik.html").status_code == 404
    _wait(new_client, job.group(1))


@pytest.mark.browser
@pytest.mark.slow
def test_the_public_export_holds_aggregates_only(
    new_client: TestClient, console_settings: Settings, world: World
) -> None:
    sign_in(new_client, "analyst")
    made = _make(
        new_client, period="365d", kabupaten="", layers=["sites", "bases", "routes"], kind="public"
    )
    assert made.status_code == 303
    job = JOB.search(made.headers["location"])
    assert job
    page = new_client.get(made.headers["location"])
    assert page.status_code == 200 and "Ekspor untuk publik/mitra" in page.text
    done = _wait(new_client, job.group(1))
    assert "publik.pdf" in done and "publik.geojson" in done, done
    forbidden = _forbidden(console_settings, world)
    assert len(forbidden) > 150  # the demo registry, bases and reports
    outputs = {}
    for name in ("publik.html", "publik.geojson", "publik.pdf"):
        r = new_client.get(f"/peta/hasil/{job.group(1)}/{name}?unduh=1")
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        outputs[name] = r.content
    pdf = " ".join(
        unicodedata.normalize("NFKC", p.extract_text())
        for p in PdfReader(BytesIO(outputs["publik.pdf"])).pages
    )
    html = outputs["publik.html"].decode("utf-8")
    assert "<script" not in html
    for name, content in {
        "html": html,
        "geojson": outputs["publik.geojson"].decode("utf-8"),
        "pdf": pdf,
    }.items():
        assert _leaks(content, forbidden) == [], name
    # The scan would see a leak: the staff map of the same database names sites and bases.
    engine = make_engine(console_settings.database.url)
    try:
        inside = service.map_page(settings=console_settings, engine=engine, options=MapOptions())
    finally:
        engine.dispose()
    assert _leaks(inside.html, forbidden)


def test_the_served_map_and_base_need_no_other_host(new_client: TestClient) -> None:
    sign_in(new_client, "analyst")
    base = new_client.get("/static/basemap.json?v=0.1.0")
    assert base.status_code == 200
    data = base.json()
    assert {"coastline", "rivers", "places"} <= set(data["order"]), data["order"]
    assert data["sources"] and data["layers"]["places"]["features"]
    for path in (
        "/static/vendor/npm/leaflet.markercluster/dist/leaflet.markercluster.js",
        "/static/vendor/npm/leaflet-measure/dist/images/start.png",
    ):
        assert new_client.get(path).status_code == 200, path
    assert new_client.get("/static/vendor/npm/leaflet/package.json").status_code == 404
    assert new_client.get("/static/vendor/npm/../package.json").status_code == 404


def test_a_raster_base_map_is_served_as_tiles(console_settings: Settings, tmp_path: Path) -> None:
    """``PANTAU_MAPS_BASEMAP`` an MBTiles of images: the pages get its tiles from the app."""
    mbtiles = tmp_path / "dasar.mbtiles"
    with sqlite3.connect(mbtiles) as db:
        db.execute("CREATE TABLE metadata (name, value)")
        db.execute("CREATE TABLE tiles (zoom_level, tile_column, tile_row, tile_data)")
        db.execute("INSERT INTO metadata VALUES ('format', 'png'), ('attribution', 'OSM uji')")
        # Zoom 1, column 1, TMS row 0 is the south-east quarter: XYZ y = 1.
        db.execute("INSERT INTO tiles VALUES (1, 1, 0, x'89504e470d0a1a0a')")
    maps = console_settings.maps.model_copy(update={"basemap": mbtiles})
    settings = console_settings.model_copy(update={"maps": maps})
    with TestClient(create_app(settings)) as client:
        base = client.get("/static/basemap.json?v=0.1.0").json()
        assert base["tiles"] == "/static/basemap/{z}/{x}/{y}.png" and base["order"] == []
        assert base["sources"] == ["OSM uji"]
        tile = client.get("/static/basemap/1/1/1.png")
        assert tile.status_code == 200 and tile.content.startswith(b"\x89PNG")
        assert client.get("/static/basemap/1/1/0.png").status_code == 404
        assert client.get("/static/basemap/1/5/0.png").status_code == 404


def test_the_apis_map_has_the_same_kabupaten_option(
    app_client: TestClient, console_settings: Settings
) -> None:
    engine = make_engine(console_settings.database.url)
    try:
        with session_scope(engine) as session:
            _, secret = create_token(session=session, user="uji-peta-api", role="analyst")
        with engine.connect() as conn:
            inside = conn.execute(
                text("SELECT code FROM sites WHERE kabupaten = 'Kutai Kartanegara' LIMIT 1")
            ).scalar_one()
            outside = conn.execute(
                text("SELECT code FROM sites WHERE kabupaten = 'Berau' LIMIT 1")
            ).scalar_one()
    finally:
        engine.dispose()
    headers = {"Authorization": f"Bearer {secret}"}
    params = {"layers": "sites", "kabupaten": "Kutai Kartanegara"}
    page = app_client.get("/maps/overview", params=params, headers=headers)
    assert page.status_code == 200
    assert _leaks(page.text, {inside}) == [inside] and _leaks(page.text, {outside}) == []
    sources = re.findall(r'<(?:script|link)[^>]*\s(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/static/vendor/npm/") for s in sources), sources
    inlined = app_client.get("/maps/overview", params={"offline": "true"}, headers=headers)
    assert re.findall(r"<(?:script|link)[^>]*\s(?:src|href)=", inlined.text) == []
    bad = app_client.get("/maps/overview", params={"kabupaten": "Atlantis"}, headers=headers)
    assert bad.status_code == 422 and "Atlantis" in bad.text
