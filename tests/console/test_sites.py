"""Lokasi pages in process: the registry list and map, a site's page, the edit form, imports.

Each test signs in as the role it is about; the module's database is the console's own
(``console_env``), so edits and imports commit there and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from fastapi.testclient import TestClient

from geo import sites
from geo.db import make_engine, session_scope
from geo.errors import NotFound
from geo.io.vector import write_vector
from geo.settings import Settings
from tests.console.conftest import ROOT, csrf_of, sign_in, store_class, username

DEMO = json.loads((ROOT / "data" / "sites.geojson").read_text())


def history(settings: Settings, code: str) -> list[dict[str, Any]]:
    """The audit trail of ``code`` as the database holds it now."""
    engine = make_engine(settings.database.url)
    try:
        with session_scope(engine) as session:
            return sites.history(session, code)
    finally:
        engine.dispose()


def site_value(settings: Settings, code: str, name: str) -> Any:
    """One stored attribute of a site."""
    engine = make_engine(settings.database.url)
    try:
        with session_scope(engine) as session:
            return getattr(sites.get(session, code), name)
    finally:
        engine.dispose()


def signed(client: TestClient, role: str) -> TestClient:
    """``client`` signed in as the test user of ``role``."""
    assert sign_in(client, role).status_code == 303
    return client


def codes_in(html: str) -> list[str]:
    """The site codes of the list's table, in order."""
    return re.findall(r'<tr data-code="([A-Z]+-[0-9]+)"', html)


# --- the list and its map -----------------------------------------------------------------


def test_signed_out_is_sent_to_sign_in(new_client: TestClient) -> None:
    for path in ("/lokasi", "/lokasi/peta.geojson", "/lokasi/KKR-001", "/lokasi/impor"):
        answer = new_client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/?next=")


@pytest.mark.parametrize("role", ["intake_operator", "field_officer", "analyst", "admin"])
def test_every_staff_role_reads_the_registry_by_priority(new_client: TestClient, role: str) -> None:
    answer = signed(new_client, role).get("/lokasi")
    assert answer.status_code == 200
    assert 'aria-current="page">Lokasi' in answer.text
    codes = codes_in(answer.text)
    assert len(codes) == 25  # the console's page size
    ranks = [
        int(r) for r in re.findall(r'<tr data-code="[A-Z-0-9]+"><td>([0-9]+)</td>', answer.text)
    ]
    assert ranks == sorted(ranks) and ranks[0] == 1
    assert re.search(r"1[0-9]{2} lokasi cocok", answer.text)  # the demo's 108 and imports
    assert ("Impor berkas" in answer.text) == (role == "admin")


def test_filters_and_pages(new_client: TestClient) -> None:
    client = signed(new_client, "analyst")
    second = client.get("/lokasi?page=2")
    assert set(codes_in(second.text)).isdisjoint(codes_in(client.get("/lokasi").text))
    one_kab = client.get("/lokasi", params={"kabupaten": "Paser"})
    paser = {
        f["properties"]["code"] for f in DEMO["features"] if f["properties"]["kabupaten"] == "Paser"
    }
    assert paser and set(codes_in(one_kab.text)) <= paser
    found = client.get("/lokasi", params={"q": "kkr-00"})
    assert codes_in(found.text) and all(c.startswith("KKR-00") for c in codes_in(found.text))
    status = DEMO["features"][0]["properties"]["status"]
    by_status = client.get("/lokasi", params={"status": status}).text
    expected = sum(1 for f in DEMO["features"] if f["properties"]["status"] == status)
    assert f"{expected} lokasi cocok" in by_status or expected == 1
    assert "Tidak ada lokasi" in client.get("/lokasi", params={"q": "tidak-ada-zzz"}).text


def test_the_map_gets_the_filtered_sites_as_geojson(new_client: TestClient) -> None:
    client = signed(new_client, "field_officer")
    page = client.get("/lokasi", params={"kabupaten": "Paser"}).text
    assert 'data-geojson="/lokasi/peta.geojson?kabupaten=Paser"' in page
    answer = client.get("/lokasi/peta.geojson", params={"kabupaten": "Paser"})
    assert answer.headers["content-type"].startswith("application/geo+json")
    features = answer.json()["features"]
    paser = {
        f["properties"]["code"] for f in DEMO["features"] if f["properties"]["kabupaten"] == "Paser"
    }
    assert {f["properties"]["code"] for f in features} == paser
    assert all(f["geometry"]["type"] in ("Point", "Polygon", "MultiPolygon") for f in features)


# --- a site's page ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def classified(console_settings: Settings) -> str:
    """A site with an indicative class (the demo registry has none)."""
    code = "KKR-002"
    store_class(console_settings, kind="site", code=code, authority="PUSAT")
    return code


def test_site_page_shows_attributes_priority_reports_and_history(new_client: TestClient) -> None:
    answer = signed(new_client, "field_officer").get("/lokasi/kkr-001")
    assert answer.status_code == 200
    text = answer.text
    assert "Lokasi KKR-001" in text
    assert "Peringkat" in text and "<li>" in text  # the priority's reasons
    assert 'href="/laporan?site=KKR-001"' in text
    assert 'id="site-history"' in text and '<td class="actor">demo</td>' in text
    assert "data-feature=" in text
    assert "Ubah lokasi ini" not in text  # only admins edit


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_planners_see_the_indicative_legal_status_with_guidance(
    new_client: TestClient, classified: str, role: str
) -> None:
    text = signed(new_client, role).get(f"/lokasi/{classified}").text
    assert 'id="legal-status"' in text
    assert "indikatif" in text
    assert "Pasal 158" in text and "UU 41/1999" in text
    assert "bukan temuan hukum" in text
    assert "40" in text  # the forest overlap share


@pytest.mark.parametrize("role", ["intake_operator", "field_officer"])
def test_other_roles_never_see_the_legal_status(
    new_client: TestClient, classified: str, role: str
) -> None:
    text = signed(new_client, role).get(f"/lokasi/{classified}").text
    assert 'id="legal-status"' not in text
    assert "Pasal 158" not in text


def test_unclassified_site_says_so(new_client: TestClient) -> None:
    text = signed(new_client, "analyst").get("/lokasi/KKR-003").text
    assert 'id="legal-status"' in text and "belum punya kelas indikatif" in text


def test_unknown_site_is_a_404_page(new_client: TestClient) -> None:
    answer = signed(new_client, "analyst").get("/lokasi/ZZZ-999")
    assert answer.status_code == 404
    assert "ZZZ-999" in answer.text


# --- editing ------------------------------------------------------------------------------


def edit_form(client: TestClient, code: str) -> dict[str, str]:
    """The edit form's fields as the browser would send them, unchanged."""
    html = client.get(f"/lokasi/{code}/ubah").text
    values = dict(re.findall(r'<input id="f-[a-z_]+" name="([a-z_]+)" value="([^"]*)"', html))
    values.update(
        re.findall(r'<input id="f-[a-z_]+" name="([a-z_]+)" type="date" value="([^"]*)"', html)
    )
    for name, block in re.findall(
        r'<select id="f-[a-z_]+" name="([a-z_]+)"[^>]*>(.*?)</select>', html, re.S
    ):
        values[name] = re.search(r'<option value="([^"]+)" selected', block).group(1)
    values["notes"] = re.search(r'<textarea id="f-notes"[^>]*>(.*?)</textarea>', html, re.S).group(
        1
    )
    if 'name="public" type="checkbox" value="on" checked' in html:
        values["public"] = "on"
    values["csrf_token"] = csrf_of(client, f"/lokasi/{code}")
    return values


@pytest.mark.parametrize("role", ["intake_operator", "field_officer", "analyst"])
def test_only_admins_edit(new_client: TestClient, role: str) -> None:
    client = signed(new_client, role)
    assert client.get("/lokasi/KKR-004/ubah").status_code == 403
    token = csrf_of(client, "/lokasi")
    answer = client.post("/lokasi/KKR-004/ubah", data={"csrf_token": token, "name": "X"})
    assert answer.status_code == 403
    assert "tidak boleh" in answer.text


def test_edit_without_csrf_is_refused(new_client: TestClient, console_settings: Settings) -> None:
    client = signed(new_client, "admin")
    form = edit_form(client, "KKR-004")
    form["csrf_token"] = "palsu"
    form["name"] = "Tidak tersimpan"
    assert client.post("/lokasi/KKR-004/ubah", data=form).status_code == 403
    assert site_value(console_settings, "KKR-004", "name") != "Tidak tersimpan"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Nama wajib diisi"),
        ("last_inspected", "31-31-2026", "Terakhir diperiksa: tanggal harus seperti 2026-12-31"),
        ("status", "meledak", "Status: pilih salah satu dari daftar"),
        ("lat", "utara", "Lintang: harus angka seperti 117.15"),
        ("lat", "9.5", "di luar Indonesia"),
    ],
)
def test_bad_values_are_named_next_to_their_field_and_nothing_is_written(
    new_client: TestClient, console_settings: Settings, field: str, value: str, message: str
) -> None:
    client = signed(new_client, "admin")
    before = history(console_settings, "KKR-005")
    form = edit_form(client, "KKR-005")
    form.update({"notes": "tidak boleh tersimpan", field: value})
    answer = client.post("/lokasi/KKR-005/ubah", data=form)
    assert answer.status_code == 400
    error = re.search(rf'<p class="field-error" id="e-{field}">(.*?)</p>', answer.text)
    assert error, answer.text
    assert message in error.group(1)
    assert f'aria-describedby="e-{field}"' in answer.text
    assert history(console_settings, "KKR-005") == before
    assert site_value(console_settings, "KKR-005", "notes") != "tidak boleh tersimpan"


def test_admin_edit_is_saved_through_the_use_case_and_audited(
    new_client: TestClient, console_settings: Settings
) -> None:
    client = signed(new_client, "admin")
    form = edit_form(client, "KKR-006")
    form.update(
        {"status": "sealed", "notes": "Disegel tim gabungan", "last_inspected": "2026-11-20"}
    )
    answer = client.post("/lokasi/KKR-006/ubah", data=form, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/lokasi/KKR-006?saved=1"
    assert site_value(console_settings, "KKR-006", "status") == "sealed"
    assert site_value(console_settings, "KKR-006", "last_inspected") == dt.date(2026, 11, 20)
    last = history(console_settings, "KKR-006")[-1]
    assert last["actor"] == username("admin") and last["source"] == "console"
    assert set(last["changes"]) == {
        "status",
        "notes",
        "last_inspected",
    }  # unchanged fields unrecorded
    page = client.get(answer.headers["location"]).text
    assert "Tersimpan" in page and f'<td class="actor">{username("admin")}</td>' in page
    form = edit_form(client, "KKR-006")
    form["public"] = "on"
    assert client.post("/lokasi/KKR-006/ubah", data=form).status_code == 200
    assert history(console_settings, "KKR-006")[-1]["changes"] == {"public": [False, True]}
    assert "<li>Tampil di peta publik: tidak → ya</li>" in client.get("/lokasi/KKR-006").text


def test_moving_a_point_site(new_client: TestClient, console_settings: Settings) -> None:
    point = next(
        f["properties"]["code"] for f in DEMO["features"] if f["geometry"]["type"] == "Point"
    )
    client = signed(new_client, "admin")
    form = edit_form(client, point)
    form["lon"] = f"{float(form['lon']) + 0.01:.6f}"
    assert (
        client.post(f"/lokasi/{point}/ubah", data=form, follow_redirects=False).status_code == 303
    )
    assert "geom" in history(console_settings, point)[-1]["changes"]


# --- importing ----------------------------------------------------------------------------


def site_file(tmp_path: Path, features: list[dict[str, Any]], name: str = "lokasi.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def feature(code: str, **props: Any) -> dict[str, Any]:
    base = {
        "code": code,
        "name": f"Lokasi uji {code}",
        "kabupaten": "Paser",
        "commodity": "emas",
        "status": "suspected",
        "risk_level": "medium",
    }
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [116.1, -1.8]},
        "properties": {**base, **props},
    }


def upload(client: TestClient, path: Path) -> Any:
    token = csrf_of(client, "/lokasi/impor")
    with path.open("rb") as f:
        return client.post(
            "/lokasi/impor",
            data={"csrf_token": token},
            files={"file": (path.name, f, "application/geo+json")},
        )


def confirm_form(html: str) -> tuple[str, dict[str, str]]:
    action = re.search(r'<form method="post" action="(/lokasi/impor/[^"]+)">', html)
    assert action, html
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]+)">', html))
    return action.group(1), fields


@pytest.mark.parametrize("role", ["intake_operator", "field_officer", "analyst"])
def test_only_admins_import(new_client: TestClient, role: str, tmp_path: Path) -> None:
    client = signed(new_client, role)
    assert client.get("/lokasi/impor").status_code == 403
    assert upload(client, site_file(tmp_path, [feature("UJI-1")])).status_code == 403


def test_preview_then_confirm_changes_the_registry(
    new_client: TestClient, console_settings: Settings, tmp_path: Path
) -> None:
    client = signed(new_client, "admin")
    kept = next(f for f in DEMO["features"] if f["properties"]["code"] == "KKR-010")
    changed = json.loads(
        json.dumps(next(f for f in DEMO["features"] if f["properties"]["code"] == "KKR-011"))
    )
    changed["properties"]["risk_level"] = "critical"
    path = site_file(tmp_path, [feature("UJI-101"), kept, changed])
    preview = upload(client, path)
    assert preview.status_code == 200, preview.text
    counts = re.findall(r'<span class="n">([0-9]+)</span>', preview.text)
    assert counts == ["1", "1", "1", "0"]
    assert "UJI-101" in preview.text and "Tingkat risiko" in preview.text
    with pytest.raises(NotFound):
        site_value(console_settings, "UJI-101", "name")  # the preview wrote nothing
    action, fields = confirm_form(preview.text)
    done = client.post(action, data=fields)
    assert done.status_code == 200, done.text
    assert "1 baru, 1 berubah, 1 tidak berubah" in done.text
    assert site_value(console_settings, "UJI-101", "name") == "Lokasi uji UJI-101"
    assert site_value(console_settings, "KKR-011", "risk_level") == "critical"
    created = history(console_settings, "UJI-101")[0]
    assert created["actor"] == username("admin") and created["source"] == "import:lokasi.geojson"
    again = client.post(action, data=fields)  # the file is gone once imported
    assert again.status_code == 404 and "kedaluwarsa" in again.text


def test_bad_rows_are_listed_with_their_field_and_cannot_be_confirmed(
    new_client: TestClient, tmp_path: Path
) -> None:
    client = signed(new_client, "admin")
    path = site_file(
        tmp_path, [feature("UJI-201", commodity="uranium"), feature("UJI-202", name="")]
    )
    preview = upload(client, path)
    assert preview.status_code == 200
    table = re.search(r'<table id="preview-errors">(.*?)</table>', preview.text, re.S)
    assert table
    rows = re.findall(
        r"<tr><td>([0-9]+)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>",
        table.group(1),
    )
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("1", "UJI-201", "Komoditas"),
        ("2", "UJI-202", "Nama"),
    ]
    assert "uranium" in rows[0][3] and "salah satu dari" in rows[0][3]
    assert "Konfirmasi impor" not in preview.text


def test_a_file_that_cannot_be_read_is_refused_next_to_the_file_field(
    new_client: TestClient, tmp_path: Path
) -> None:
    client = signed(new_client, "admin")
    wrong = tmp_path / "catatan.txt"
    wrong.write_text("bukan peta")
    answer = upload(client, wrong)
    assert answer.status_code == 422
    assert re.search(r'<p class="field-error" id="e-file" role="alert">[^<]*GeoJSON', answer.text)
    broken = tmp_path / "rusak.geojson"
    broken.write_text("{ bukan json")
    assert upload(client, broken).status_code == 422


def test_another_session_cannot_confirm_a_preview(
    new_client: TestClient, app_client: TestClient, console_settings: Settings, tmp_path: Path
) -> None:
    first = signed(new_client, "admin")
    preview = upload(first, site_file(tmp_path, [feature("UJI-301")]))
    action, fields = confirm_form(preview.text)
    with TestClient(app_client.app) as other:
        signed(other, "admin")
        fields["csrf_token"] = csrf_of(other, "/lokasi")
        answer = other.post(action, data=fields)
    assert answer.status_code == 404
    with pytest.raises(NotFound):
        site_value(console_settings, "UJI-301", "name")


def test_a_stale_preview_is_refused(
    new_client: TestClient, console_settings: Settings, tmp_path: Path
) -> None:
    client = signed(new_client, "admin")
    preview = upload(
        client, site_file(tmp_path, [feature("UJI-401"), feature("KKR-012", name="Nama baru")])
    )
    action, fields = confirm_form(preview.text)
    form = edit_form(client, "KKR-012")
    form["name"] = "Nama baru"  # someone makes the change first: the preview no longer holds
    assert client.post("/lokasi/KKR-012/ubah", data=form, follow_redirects=False).status_code == 303
    answer = client.post(action, data=fields)
    assert answer.status_code == 409
    assert "pratinjau" in answer.text
    with pytest.raises(NotFound):
        site_value(console_settings, "UJI-401", "name")


def test_english_readers_get_english(new_client: TestClient) -> None:
    client = signed(new_client, "admin")
    client.cookies.set("pantau_lang", "en")
    assert re.search(r"[0-9]+ sites match", client.get("/lokasi").text)
    assert "Edit this site" in client.get("/lokasi/KKR-001").text


@pytest.mark.parametrize("name", ["lokasi.gpkg", "lokasi.shp.zip"])
def test_geopackage_and_zipped_shapefile_are_previewed(
    new_client: TestClient, tmp_path: Path, name: str
) -> None:
    frame = gpd.GeoDataFrame(
        [{"code": "UJI-501", "name": "Lokasi berkas", "kabupaten": "Paser", "commodity": "batu"}],
        geometry=[shapely.Point(116.3, -1.7)],
        crs=4326,
    )
    path = write_vector(frame, tmp_path / name, layer="sites")
    client = signed(new_client, "admin")
    preview = upload(client, path)
    assert preview.status_code == 200, preview.text
    assert re.findall(r'<span class="n">([0-9]+)</span>', preview.text) == ["1", "0", "0", "0"]
    assert "UJI-501" in preview.text
