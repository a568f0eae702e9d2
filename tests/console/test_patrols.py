"""The console's Patroli and Tim pages in process: roles, refusals next to their field, a plan
made in the background and stored, its files read back with real readers, an inspection with a
photo attributed to the signed-in user, and teams and places managed like ``pantau bases``."""

from __future__ import annotations

import io
import re
import time

import gpxpy
import httpx
import icalendar
import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from geo.db import make_engine
from geo.patrols import jobs
from geo.settings import Settings
from tests.console.browsing import one
from tests.console.conftest import csrf_of, sign_in, username
from tests.geo.reports.conftest import make_jpeg

PLAN = {
    "source": "count",
    "teams": "1",
    "start": "2026-12-07",
    "days": "2",
    "budget_s": "0.5",
    "max_days_away": "1",
}


def _wait_for_plan(client: TestClient, location: str, timeout: float = 90.0) -> str:
    """Poll the request's status part as htmx does; return it once finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        part = client.get(location + "/status", headers={"HX-Request": "true"})
        assert part.status_code == 200
        if "hx-trigger" not in part.text:
            return str(part.text)
        time.sleep(0.5)
    raise AssertionError(f"{location} did not finish in {timeout} s")


def _post_plan(client: TestClient, **fields: str | list[str]) -> httpx.Response:
    data: dict[str, object] = {**PLAN, **fields, "csrf_token": csrf_of(client, "/patroli")}
    answer: httpx.Response = client.post("/patroli/baru", data=data, follow_redirects=False)
    return answer


def test_pages_need_a_sign_in_and_the_right_role(new_client: TestClient) -> None:
    answer = new_client.get("/patroli", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/?next=")
    sign_in(new_client, "field_officer")
    assert new_client.get("/patroli").status_code == 200
    refused = new_client.get("/patroli/baru")
    assert refused.status_code == 403 and "merencanakan patroli" in refused.text
    assert new_client.get("/patroli/inspeksi/baru").status_code == 200
    assert new_client.get("/tim").status_code == 200
    assert 'action="/tim/tempat"' not in new_client.get("/tim").text  # no forms to change


def test_an_intake_operator_may_not_record_an_inspection(new_client: TestClient) -> None:
    sign_in(new_client, "intake_operator")
    answer = new_client.get("/patroli/inspeksi/baru")
    assert answer.status_code == 403 and "mencatat inspeksi" in answer.text


def test_a_bad_plan_form_is_refused_next_to_its_fields(
    new_client: TestClient, console_settings: Settings
) -> None:
    sign_in(new_client, "analyst")
    before = one(console_settings, "SELECT count(*) FROM patrol_plan_jobs")
    answer = _post_plan(new_client, days="0", shift="pagi", source="registered")
    assert answer.status_code == 400
    html = answer.text
    assert 'id="p-days-err">Isi jumlah hari kerja dari 1 sampai 30.' in html
    assert 'id="p-shift-err">Tulis jam kerja seperti 07:30-16:30.' in html
    assert 'id="team-codes-err">Pilih paling sedikit satu tim.' in html
    assert 'aria-describedby="p-days-err"' in html
    assert one(console_settings, "SELECT count(*) FROM patrol_plan_jobs") == before


def test_a_post_without_the_csrf_token_is_refused(new_client: TestClient) -> None:
    sign_in(new_client, "analyst")
    answer = new_client.post("/patroli/baru", data=PLAN)
    assert answer.status_code == 403


@pytest.mark.slow
def test_a_plan_is_made_in_the_background_and_its_files_download(
    new_client: TestClient, console_settings: Settings
) -> None:
    sign_in(new_client, "analyst")
    answer = _post_plan(new_client)
    assert answer.status_code == 303, answer.text[:500]
    location = answer.headers["location"]
    assert re.fullmatch(r"/patroli/permintaan/[0-9]+", location)
    page = new_client.get(location)
    assert page.status_code == 200 and "Rencana patroli sedang dibuat" in page.text
    done = _wait_for_plan(new_client, location)
    assert "Rencana sudah siap." in done, done
    plan_id = int(re.search(r'href="/patroli/([0-9]+)"', done).group(1))  # type: ignore[union-attr]
    assert one(
        console_settings, "SELECT created_by FROM patrol_plans WHERE id = :p", p=plan_id
    ) == (username("analyst"))

    # Every role reads the plan and downloads its files with the console's session.
    sign_in(new_client, "field_officer")
    view = new_client.get(f"/patroli/{plan_id}")
    assert view.status_code == 200
    assert "Per tim dan hari" in view.text and "data-plan=" in view.text
    assert "Hari menganggur per tim" in view.text and "lokasi tidak direncanakan" in view.text
    # Why a site is left out reads in Indonesian, detail included (not the stored English).
    assert "no team can drive there" not in view.text
    assert "terlalu jauh" in view.text
    names = re.findall(rf'href="/patroli/{plan_id}/unduh/([^"]+)"', view.text)
    assert {"rencana.gpx", "rencana.kml", "rencana.csv", "rencana.xlsx", "lembar-kerja.pdf"} <= set(
        names
    )
    assert any(n.endswith(".ics") for n in names)

    def get(name: str) -> bytes:
        file = new_client.get(f"/patroli/{plan_id}/unduh/{name}")
        assert file.status_code == 200, name
        return bytes(file.content)

    gpx = gpxpy.parse(get("rencana.gpx").decode())
    assert gpx.routes or gpx.waypoints
    calendar = icalendar.Calendar.from_ical(get(next(n for n in names if n.endswith(".ics"))))
    assert calendar.walk("VEVENT"), "the calendar holds the planned visits"
    book = openpyxl.load_workbook(io.BytesIO(get("rencana.xlsx")), read_only=True)
    assert book.sheetnames
    assert get("lembar-kerja.pdf").startswith(b"%PDF")
    assert b"<kml" in get("rencana.kml")
    for bad in ("../../../../etc/passwd", "tidak-ada.csv"):
        assert new_client.get(f"/patroli/{plan_id}/unduh/{bad}").status_code == 404
    assert new_client.get("/patroli/999999").status_code == 404
    listed = new_client.get("/patroli").text
    assert f'href="/patroli/{plan_id}"' in listed


def test_a_plan_that_cannot_be_made_says_why_in_indonesian(
    new_client: TestClient, console_settings: Settings
) -> None:
    sign_in(new_client, "analyst")
    answer = _post_plan(new_client, source="registered", team_codes=["TIM-HILANG"], budget_s="100")
    assert answer.status_code == 303
    job = int(answer.headers["location"].rsplit("/", 1)[1])
    sql = "SELECT budget_s FROM patrol_plan_jobs WHERE id = :j"
    assert one(console_settings, sql, j=job) == console_settings.api.max_solver_budget_s < 100
    done = _wait_for_plan(new_client, answer.headers["location"])
    assert "Rencana tidak dapat dibuat" in done
    assert "tidak satu pun dari tim yang dipilih (TIM-HILANG) masih terdaftar" in done


def test_a_request_that_does_not_exist_is_a_404(new_client: TestClient) -> None:
    sign_in(new_client, "analyst")
    answer = new_client.get("/patroli/permintaan/999999")
    assert answer.status_code == 404 and "Tidak ada permintaan rencana" in answer.text


def _record(client: TestClient, files: list[tuple[str, bytes]], **fields: str) -> httpx.Response:
    data = {
        "site_code": "KKR-001",
        "result": "equipment_seen",
        "inspected_on": "2026-11-20",
        "notes": "Dua ekskavator di tepi sungai",
        "csrf_token": csrf_of(client, "/patroli"),
        **fields,
    }
    upload = [("evidence", (name, body, "image/jpeg")) for name, body in files]
    answer: httpx.Response = client.post("/patroli/inspeksi/baru", data=data, files=upload or None)
    return answer


def test_an_inspection_with_a_photo_is_recorded_as_the_signed_in_user(
    new_client: TestClient, console_settings: Settings
) -> None:
    sign_in(new_client, "field_officer")
    form = new_client.get("/patroli/inspeksi/baru?site=KKR-001")
    assert form.status_code == 200 and 'value="KKR-001"' in form.text
    answer = _record(new_client, [("temuan.jpg", make_jpeg(lat=-0.5, lon=117.1))])
    assert answer.status_code == 200, answer.text[-1500:]
    assert "sudah dicatat" in answer.text and "1 foto atau video disimpan." in answer.text
    row = one(
        console_settings,
        "SELECT recorded_by || '|' || result || '|' || jsonb_array_length(evidence) "
        "FROM inspections ORDER BY id DESC LIMIT 1",
    )
    assert row == f"{username('field_officer')}|equipment_seen|1"
    linked = one(
        console_settings,
        "SELECT added_by FROM inspection_evidence ORDER BY inspection_id DESC LIMIT 1",
    )
    assert linked == username("field_officer")


def test_a_bad_inspection_is_refused_next_to_its_field(
    new_client: TestClient, console_settings: Settings
) -> None:
    sign_in(new_client, "field_officer")
    before = one(console_settings, "SELECT count(*) FROM inspections")
    unknown = _record(new_client, [], site_code="ZZZ-999")
    assert unknown.status_code == 400
    assert 'id="i-site-err">Tidak ada lokasi dalam register dengan kode ZZZ-999.' in unknown.text
    malformed = _record(new_client, [], site_code="bukan kode", result="")
    assert malformed.status_code == 400
    assert 'id="i-site-err">Isi kode lokasi dari register' in malformed.text
    assert 'id="i-result-err">Pilih apa yang ditemukan tim.' in malformed.text
    not_a_photo = _record(new_client, [("foto.jpg", b"PK\x03\x04 bukan foto")])
    assert not_a_photo.status_code == 400 and 'id="i-files-err"' in not_a_photo.text
    assert one(console_settings, "SELECT count(*) FROM inspections") == before


def test_teams_and_places_are_managed_with_refusals_next_to_the_field(
    new_client: TestClient, console_settings: Settings
) -> None:
    sign_in(new_client, "analyst")
    token = csrf_of(new_client, "/tim")
    place = {
        "code": "DS-UJI",
        "name": "Desa Uji",
        "kind": "village",
        "lat": "-0.23",
        "lon": "115.83",
    }
    bad = new_client.post("/tim/tempat", data={**place, "lat": "utara", "csrf_token": token})
    assert bad.status_code == 400
    assert 'id="b-lat-err">Isi lintang dalam derajat desimal' in bad.text
    assert 'value="Desa Uji"' in bad.text  # what was typed stays
    outside = new_client.post("/tim/tempat", data={**place, "lon": "10", "csrf_token": token})
    assert outside.status_code == 400 and 'id="b-lon-err"' in outside.text
    added = new_client.post("/tim/tempat", data={**place, "csrf_token": token})
    assert added.status_code == 200 and "Tempat DS-UJI sudah ditambahkan." in added.text
    kind = one(console_settings, "SELECT kind FROM overnight_places WHERE code = 'DS-UJI'")
    assert kind == "village"
    again = new_client.post("/tim/tempat", data={**place, "csrf_token": token})
    assert again.status_code == 400 and 'id="b-code-err"' in again.text

    office = one(console_settings, "SELECT code FROM bases ORDER BY code LIMIT 1")
    team = {"code": "TIM-UJI", "base_code": str(office), "shift": "07:30-16:30", "mode": "4wd"}
    no_base = new_client.post("/tim/regu", data={**team, "base_code": "", "csrf_token": token})
    assert no_base.status_code == 400 and 'id="t-base-err">Pilih kantor' in no_base.text
    bad_shift = new_client.post(
        "/tim/regu", data={**team, "shift": "16:30-07:30", "csrf_token": token}
    )
    assert bad_shift.status_code == 400 and 'id="t-shift-err"' in bad_shift.text
    saved = new_client.post("/tim/regu", data={**team, "max_days_away": "3", "csrf_token": token})
    assert saved.status_code == 200 and "Tim TIM-UJI sudah disimpan." in saved.text
    assert (
        one(console_settings, "SELECT max_days_away FROM patrol_teams WHERE code = 'TIM-UJI'") == 3
    )

    # The office has a team now: it cannot go, and the refusal says why.
    busy = new_client.post(f"/tim/tempat/{office}/hapus", data={"csrf_token": token})
    assert busy.status_code == 409 and "TIM-UJI" in busy.text
    # The plan form offers the registered team.
    assert 'value="TIM-UJI"' in new_client.get("/patroli/baru").text
    gone = new_client.post("/tim/regu/TIM-UJI/hapus", data={"csrf_token": token})
    assert gone.status_code == 200 and "Tim TIM-UJI sudah dihapus." in gone.text
    removed = new_client.post("/tim/tempat/DS-UJI/hapus", data={"csrf_token": token})
    assert removed.status_code == 200
    assert one(console_settings, "SELECT count(*) FROM overnight_places WHERE code = 'DS-UJI'") == 0


def test_a_field_officer_may_not_change_teams(new_client: TestClient) -> None:
    sign_in(new_client, "field_officer")
    token = csrf_of(new_client, "/tim")
    answer = new_client.post(
        "/tim/regu", data={"code": "TIM-X", "base_code": "X", "csrf_token": token}
    )
    assert answer.status_code == 403 and "mengubah tim dan tempat" in answer.text


def test_a_request_whose_server_died_is_marked_failed(
    new_client: TestClient, console_settings: Settings
) -> None:
    engine = make_engine(console_settings.database.url)
    try:
        with engine.begin() as conn:
            job = conn.execute(
                text(
                    "INSERT INTO patrol_plan_jobs (created_by, request, status, heartbeat_at) "
                    "VALUES ('uji', '{}', 'running', now() - interval '1 hour') RETURNING id"
                )
            ).scalar_one()
        jobs.run_next(engine=engine, settings=console_settings)
    finally:
        engine.dispose()
    sign_in(new_client, "analyst")
    page = new_client.get(f"/patroli/permintaan/{job}")
    assert "Perencanaan terhenti (server berhenti). Buat rencananya lagi." in page.text
    assert "hx-trigger" not in page.text  # no more polling


def test_the_menu_marks_patroli_and_tim_as_the_current_page(new_client: TestClient) -> None:
    sign_in(new_client, "analyst")
    for path, current in (("/patroli/baru", "/patroli"), ("/tim", "/tim")):
        marked = re.findall(r'<a href="([^"]+)" aria-current="page"', new_client.get(path).text)
        assert marked == [current]


def test_the_pages_read_in_english_too(new_client: TestClient) -> None:
    sign_in(new_client, "analyst")
    form = new_client.get("/patroli/baru?lang=en").text
    assert "Make a patrol plan" in form and "Working days" in form
    assert "Teams and places" in new_client.get("/tim?lang=en").text
